/* simulate.h - N ranks as N threads of one process: the collectives of
 * zero.h over shared memory, so that ZeRO runs and is tested where MPI is
 * not (make test runs it on every machine). Each sum adds the ranks in
 * order 0, 1, ..., N-1, so a simulated run is the same on every run. */
#ifndef LESSON_SIMULATE_H
#define LESSON_SIMULATE_H

#include "zero_run.h"

#define SIMULATE_MAX_RANKS 16

/* Runs rank_fn(comm, ctx) on world_size threads at once, one a rank, each
 * with a ZeroComm of this file's collectives (its traffic counted from 0),
 * and returns when all have: the harness zero_simulate runs its training
 * runs on, and the tests their collectives. A rank_fn must call the same
 * collectives in the same order as the others, or they wait forever.
 * 0, or -1 with a message (world_size outside 1 .. SIMULATE_MAX_RANKS). */
int zero_simulate_each(int world_size, void (*rank_fn)(ZeroComm *comm, void *ctx), void *ctx, char *err,
                       size_t errlen);

/* Runs cfg on world_size threads; results[world_size] gets each rank's
 * result (free each with zero_run_result_free). 0, or -1 with a message. */
int zero_simulate(int world_size, const ZeroRunConfig *cfg, ZeroRunResult *results /* [world_size] */,
                  char *err /* [errlen] */, size_t errlen);

#endif
