/* zero_run.c - a ZeRO training run on one rank, and its single-process
 * reference (zero_run.h). */
#include "zero_run.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "problems.h"
#include "timing.h"
#include "train.h"
#include "zero_mlp.h"

size_t zero_mlp_numel(int hidden)
{
    return (size_t)(DIGITS_FEATURES + 1) * hidden + (size_t)(hidden + 1) * DIGITS_CLASSES;
}

static int check_config(const ZeroRunConfig *cfg, int world_size, char *err, size_t errlen)
{
    if (cfg->stage < 0 || cfg->stage > 3)
        return snprintf(err, errlen, "stage must be 0, 1, 2 or 3, not %d", cfg->stage), -1;
    if (cfg->hidden < 1 || cfg->steps < 0)
        return snprintf(err, errlen, "hidden must be >= 1 and steps >= 0"), -1;
    if (cfg->batch < world_size || cfg->batch > DIGITS_COUNT - DIGITS_TEST_COUNT)
        return snprintf(err, errlen, "the batch (%d) must hold at least one example per rank (%d) "
                        "and at most the %d training examples", cfg->batch, world_size,
                        DIGITS_COUNT - DIGITS_TEST_COUNT), -1;
    return 0;
}

/* Every rank reads the same digits and starts from the same weights,
 * mlp_new(hidden, seed)'s. The ranks of one process (threads) share them,
 * read-only: they are made once, by the first rank that asks, and kept for
 * the process's life (the start until a run asks for another). Under
 * mpirun each process makes its own. */
static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static Dataset shared_train, shared_test;
static Problem *shared_start;
static uint64_t shared_seed;   /* shared_start's seed */

static int shared_inputs(const ZeroRunConfig *cfg, const Dataset **train, const ParamList **start, char *err,
                         size_t errlen)
{
    pthread_mutex_lock(&shared_lock);
    int status = 0;
    if (!shared_train.x && digits_load_split(&shared_train, &shared_test, err, errlen) != 0) status = -1;
    uint64_t seed = cfg->seed;
    if (status == 0 && (!shared_start || paramlist_numel(&shared_start->params) != zero_mlp_numel(cfg->hidden) ||
                        shared_seed != seed)) {
        problem_free(shared_start);
        shared_start = mlp_new(cfg->hidden, seed, err, errlen);
        shared_seed = seed;
        if (!shared_start) status = -1;
    }
    *train = &shared_train;
    *start = shared_start ? &shared_start->params : NULL;
    pthread_mutex_unlock(&shared_lock);
    return status;
}

/* What a rank's run holds; all zero before it is set up. */
typedef struct {
    ZeroRank rank;
    ZeroMlp mlp;
    BatchSampler batches;
} RankRun;

static void rank_run_free(RankRun *run)
{
    batch_sampler_free(&run->batches);
    zero_mlp_free(&run->mlp);
    zero_rank_free(&run->rank);
}

/* A rank keeps what its stage says, activations for its slice of rows,
 * and the batch sampler every rank seeds alike. 0, or -1 with a message. */
static int rank_run_init(RankRun *run, ZeroComm *comm, const ZeroRunConfig *cfg, int rows, char *err,
                         size_t errlen)
{
    memset(run, 0, sizeof *run);
    const Dataset *train;
    const ParamList *start;
    if (shared_inputs(cfg, &train, &start, err, errlen) != 0 ||
        zero_rank_init(&run->rank, cfg->stage, comm, start, &cfg->adamw, err, errlen) != 0)
        return rank_run_free(run), -1;
    if (zero_mlp_init(&run->mlp, train, cfg->hidden, rows) != 0 ||
        batch_sampler_init(&run->batches, train->count, cfg->batch_seed) != 0)
        return rank_run_free(run), snprintf(err, errlen, "out of memory"), -1;
    return 0;
}

/* snippet: zero_train_loop, shown in 12_zero */
int zero_run_rank(ZeroComm *comm, const ZeroRunConfig *cfg, ZeroRunResult *out, char *err,
                  size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (check_config(cfg, comm->world_size, err, errlen) != 0) return -1;
    /* This rank's slice of every global batch: rows lo .. hi-1. */
    int lo = comm->rank * cfg->batch / comm->world_size;
    int hi = (comm->rank + 1) * cfg->batch / comm->world_size;
    RankRun run;
    if (rank_run_init(&run, comm, cfg, hi - lo, err, errlen) != 0) return -1;
    ZeroRank *rank = &run.rank;
    memcpy(out->model_bytes, rank->ledger.live, sizeof out->model_bytes);
    comm->traffic = (ZeroTraffic){0};
    double began = wall_seconds(), waited = 0;
    for (int t = 0; t < cfg->steps; t++) {
        if (t == 1)   /* the first step warmed up the caches: time from here */
            began = wall_seconds(), waited = comm->traffic.seconds;
        const int *batch = batch_sampler_next(&run.batches, cfg->batch);
        out->loss = zero_mlp_loss_and_grad(&run.mlp, rank, batch + lo, hi - lo, cfg->batch);
        zero_step(rank);
    }
    /* end snippet */
    /* Per step: the elements over all steps, the times over the steps after
     * the first. */
    double steps = cfg->steps > 0 ? cfg->steps : 1, timed = cfg->steps > 1 ? cfg->steps - 1 : 1;
    out->seconds = (wall_seconds() - began) / timed;
    out->traffic = comm->traffic;
    for (int c = 0; c < COLL_COUNT; c++) out->traffic.elements[c] /= steps;
    out->traffic.seconds = (comm->traffic.seconds - waited) / timed;
    out->peak_bytes = rank->ledger.peak_total;
    out->rank = comm->rank;
    out->world_size = comm->world_size;
    out->stage = cfg->stage;
    out->numel = rank->layout.numel;
    out->params = malloc(sizeof(float) * out->numel);
    if (out->params) zero_gather_params(rank, out->params);
    rank_run_free(&run);
    if (!out->params) return snprintf(err, errlen, "out of memory"), -1;
    return 0;
}

void zero_run_result_free(ZeroRunResult *r)
{
    free(r->params);
    r->params = NULL;
}

int zero_reference_run(const ZeroRunConfig *cfg, float *flat, size_t numel, char *err, size_t errlen)
{
    if (check_config(cfg, 1, err, errlen) != 0) return -1;
    Problem *p = mlp_new(cfg->hidden, cfg->seed, err, errlen);
    if (!p) return -1;
    size_t mlp_numel = paramlist_numel(&p->params);
    if (mlp_numel != numel) {
        problem_free(p);
        return snprintf(err, errlen, "the MLP has %zu parameters, not %zu", mlp_numel, numel), -1;
    }
    Optimizer *opt = adamw_new(p->params, &cfg->adamw);
    BatchSampler batches;
    if (!opt || batch_sampler_init(&batches, p->num_examples, cfg->batch_seed) != 0) {
        optimizer_free(opt);
        problem_free(p);
        return snprintf(err, errlen, "out of memory"), -1;
    }
    for (int t = 0; t < cfg->steps; t++) {
        optimizer_zero_grad(opt);
        p->loss_and_grad(p, batch_sampler_next(&batches, cfg->batch), cfg->batch);
        optimizer_step(opt);
    }
    paramlist_get(&p->params, flat);
    batch_sampler_free(&batches);
    optimizer_free(opt);
    problem_free(p);
    return 0;
}
