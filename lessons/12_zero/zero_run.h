/* zero_run.h - one data-parallel training run of the digits MLP with ZeRO,
 * as one rank sees it, and the single-process run it must agree with.
 *
 * Every rank draws the same global batch (the same sampler, the same seed)
 * and takes its slice: rank r of N gets examples [r B / N, (r+1) B / N).
 * After `steps` steps each rank reports what it measured: its memory, what
 * it passed to the collectives, its time, and the trained parameters. */
#ifndef LESSON_ZERO_RUN_H
#define LESSON_ZERO_RUN_H

#include <stdint.h>

#include "zero.h"

typedef struct {
    int stage;            /* 0 .. 3 */
    int hidden;           /* the MLP's hidden units */
    int batch;            /* the global batch, split over the ranks (>= world size) */
    int steps;
    uint64_t seed;        /* the start, as mlp_new(hidden, seed) */
    uint64_t batch_seed;  /* the order of the batches */
    AdamWConfig adamw;
} ZeroRunConfig;

typedef struct {
    int rank, world_size, stage;
    size_t numel;                     /* the model's parameters, Psi */
    size_t model_bytes[TAG_COUNT];    /* live after the setup: parameters, gradients, state */
    size_t peak_bytes;                /* the most model-state bytes live at once in the run */
    ZeroTraffic traffic;              /* elements and seconds per step; calls of the whole run */
    double seconds;                   /* per step, wall clock */
    double loss;                      /* the last step's loss on this rank's slice */
    float *params;                    /* [numel] the trained parameters (malloc'd) */
} ZeroRunResult;

/* One rank's run. 0, or -1 with a message (the same on every rank, so that
 * all stop together). */
int zero_run_rank(ZeroComm *comm, const ZeroRunConfig *cfg, ZeroRunResult *out, char *err, size_t errlen);
void zero_run_result_free(ZeroRunResult *r);

/* The same steps in one process, without ZeRO: lesson 06's AdamW on
 * common/'s MLP, fed the whole global batch. flat[numel] gets the trained
 * parameters. 0, or -1 with a message. */
int zero_reference_run(const ZeroRunConfig *cfg, float *flat /* [numel] */, size_t numel,
                       char *err /* [errlen] */, size_t errlen);

/* The MLP's parameter count for `hidden` units: 64 h + h + 10 h + 10. */
size_t zero_mlp_numel(int hidden);

#endif
