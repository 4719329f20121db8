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
    const ZeroRunConfig *cfg;
    ZeroRunResult *result;
    int status;
    char err[256];
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
    r->status = zero_run_rank(&r->comm, r->cfg, r->result, r->err, sizeof r->err);
    return NULL;
}

int zero_simulate(int world_size, const ZeroRunConfig *cfg, ZeroRunResult *results, char *err,
                  size_t errlen)
{
    if (world_size < 1 || world_size > SIMULATE_MAX_RANKS)
        return snprintf(err, errlen, "ranks must be 1 .. %d, not %d", SIMULATE_MAX_RANKS, world_size), -1;
    World world = {.world_size = world_size};
    Rank ranks[SIMULATE_MAX_RANKS];
    pthread_t threads[SIMULATE_MAX_RANKS];
    pthread_barrier_init(&world.barrier, NULL, (unsigned)world_size);
    for (int q = 0; q < world_size; q++) {
        ranks[q] = (Rank){.world = &world, .cfg = cfg, .result = &results[q]};
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
    int status = 0;
    for (int q = 0; q < world_size; q++) {
        pthread_join(threads[q], NULL);
        if (ranks[q].status != 0 && status == 0) status = -1, snprintf(err, errlen, "%s", ranks[q].err);
        free(ranks[q].scratch);
    }
    pthread_barrier_destroy(&world.barrier);
    return status;
}
