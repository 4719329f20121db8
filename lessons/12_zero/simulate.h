/* simulate.h - N ranks as N threads of one process: the collectives of
 * zero.h over shared memory, so that ZeRO runs and is tested where MPI is
 * not (make test runs it on every machine). Each sum adds the ranks in
 * order 0, 1, ..., N-1, so a simulated run is the same on every run. */
#ifndef LESSON_SIMULATE_H
#define LESSON_SIMULATE_H

#include "zero_run.h"

#define SIMULATE_MAX_RANKS 16

/* Runs cfg on world_size threads; results[world_size] gets each rank's
 * result (free each with zero_run_result_free). 0, or -1 with a message. */
int zero_simulate(int world_size, const ZeroRunConfig *cfg, ZeroRunResult *results, char *err,
                  size_t errlen);

#endif
