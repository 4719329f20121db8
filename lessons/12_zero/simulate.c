/* simulate.c - zero.h's collectives on threads (simulate.h). A collective
 * is two barriers: every rank posts its buffer, waits for the others, reads
 * what it needs from all of them, and waits again before anyone may change
 * a buffer that another is still reading. */
#include "simulate.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int world_size;
    pthread_barrier_t barrier;
    const float *posted[SIMULATE_MAX_RANKS];   /* each rank's buffer of the collective now */
} World;

typedef struct {
    World *world;
    ZeroComm comm;
    float *scratch;                            /* [scratch_n] this rank's sums */
    size_t scratch_n;
    void (*rank_fn)(ZeroComm *comm, void *ctx);
    void *ctx;
} Rank;

static float *scratch(Rank *r, size_t n)
{
    if (n > r->scratch_n) {
        float *bigger = realloc(r->scratch, sizeof(float) * n);
        if (!bigger) {
            fprintf(stderr, "zero: out of memory\n");
            exit(1);
        }
        r->scratch = bigger, r->scratch_n = n;
    }
    return r->scratch;
}

static const float *const *post(ZeroComm *c, const float *buf)
{
    World *w = ((Rank *)c->impl)->world;
    w->posted[c->rank] = buf;
    pthread_barrier_wait(&w->barrier);
    return w->posted;
}

static void done(ZeroComm *c)
{
    pthread_barrier_wait(&((Rank *)c->impl)->world->barrier);
}

/* sum[i] = the ranks' bufs[q][from + i], added in rank order. */
static void sum_ranks(const float *const *bufs, int ranks, size_t from, size_t n, float *sum)
{
    for (size_t i = 0; i < n; i++) {
        float s = bufs[0][from + i];
        for (int q = 1; q < ranks; q++) s += bufs[q][from + i];
        sum[i] = s;
    }
}

static void all_reduce(ZeroComm *c, float *buf, size_t n)
{
    float *sum = scratch(c->impl, n);
    sum_ranks(post(c, buf), c->world_size, 0, n, sum);
    done(c);
    memcpy(buf, sum, sizeof(float) * n);
}

static void reduce_scatter(ZeroComm *c, const float *full, float *shard, size_t shard_n)
{
    float *sum = scratch(c->impl, shard_n);
    sum_ranks(post(c, full), c->world_size, (size_t)c->rank * shard_n, shard_n, sum);
    done(c);
    memcpy(shard, sum, sizeof(float) * shard_n);
}

static void all_gather(ZeroComm *c, const float *shard, float *full, size_t shard_n)
{
    const float *const *shards = post(c, shard);
    for (int q = 0; q < c->world_size; q++)
        if (shards[q] != full + (size_t)q * shard_n)   /* a shard already in place stays */
            memcpy(full + (size_t)q * shard_n, shards[q], sizeof(float) * shard_n);
    done(c);
}

static void *rank_main(void *arg)
{
    Rank *r = arg;
    r->rank_fn(&r->comm, r->ctx);
    return NULL;
}

int zero_simulate_each(int world_size, void (*rank_fn)(ZeroComm *comm, void *ctx), void *ctx, char *err,
                       size_t errlen)
{
    if (world_size < 1 || world_size > SIMULATE_MAX_RANKS)
        return snprintf(err, errlen, "ranks must be 1 .. %d, not %d", SIMULATE_MAX_RANKS, world_size), -1;
    World world = {.world_size = world_size};
    Rank ranks[SIMULATE_MAX_RANKS];
    pthread_t threads[SIMULATE_MAX_RANKS];
    pthread_barrier_init(&world.barrier, NULL, (unsigned)world_size);
    for (int q = 0; q < world_size; q++) {
        ranks[q] = (Rank){.world = &world, .rank_fn = rank_fn, .ctx = ctx};
        ranks[q].comm = (ZeroComm){.rank = q, .world_size = world_size, .impl = &ranks[q],
                                   .all_reduce = all_reduce, .reduce_scatter = reduce_scatter,
                                   .all_gather = all_gather};
    }
    int started = 0;
    for (; started < world_size; started++)
        if (pthread_create(&threads[started], NULL, rank_main, &ranks[started]) != 0) break;
    if (started < world_size) {
        /* The barrier counts on every rank: without them the others would
         * wait forever. */
        fprintf(stderr, "zero: could not start %d threads\n", world_size);
        exit(1);
    }
    for (int q = 0; q < world_size; q++) {
        pthread_join(threads[q], NULL);
        free(ranks[q].scratch);
    }
    pthread_barrier_destroy(&world.barrier);
    return 0;
}

/* zero_simulate's ranks: each runs the training run, and keeps its result
 * and its answer. */
typedef struct {
    const ZeroRunConfig *cfg;
    ZeroRunResult *results;                    /* [world_size] */
    int status[SIMULATE_MAX_RANKS];
    char err[SIMULATE_MAX_RANKS][256];
} Runs;

static void run_rank(ZeroComm *comm, void *ctx)
{
    Runs *runs = ctx;
    int q = comm->rank;
    runs->status[q] = zero_run_rank(comm, runs->cfg, &runs->results[q], runs->err[q], sizeof runs->err[q]);
}

int zero_simulate(int world_size, const ZeroRunConfig *cfg, ZeroRunResult *results, char *err,
                  size_t errlen)
{
    Runs runs = {.cfg = cfg, .results = results};
    if (zero_simulate_each(world_size, run_rank, &runs, err, errlen) != 0) return -1;
    for (int q = 0; q < world_size; q++)
        if (runs.status[q] != 0) return snprintf(err, errlen, "%s", runs.err[q]), -1;
    return 0;
}
