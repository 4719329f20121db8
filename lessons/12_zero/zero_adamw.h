/* zero_adamw.h - ZeRO's stage 1 as an Optimizer, in one process: AdamW
 * whose elements are divided between N ranks exactly as zero.h divides them
 * (each layer padded to a multiple of N and cut in N), each rank stepping
 * only its own shard with the state of that shard. In one process the
 * gradient is already the sum, so nothing is sent: this is the arithmetic
 * of torch.distributed.optim.ZeroRedundancyOptimizer(params,
 * optimizer_class=torch.optim.AdamW, ...) with the whole world's view, for
 * optlab trace and the golden tests. The result is AdamW's, element for
 * element; what the ranks change is who keeps which state, which
 * zero_adamw_rank_state_bytes reports. */
#ifndef LESSON_ZERO_ADAMW_H
#define LESSON_ZERO_ADAMW_H

#include "adamw.h"
#include "optimizer_spec.h"

typedef struct {
    AdamWConfig adamw;   /* AdamW's keywords, PyTorch's defaults */
    int ranks;           /* the world size: the process group's, 1 by default */
} ZeroAdamWConfig;

/* PyTorch's: AdamW's defaults (ADAMW_DEFAULTS), one rank. */
#define ZERO_ADAMW_DEFAULTS                                                        \
    {.adamw = {.lr = 1e-3f, .betas = {0.9, 0.999}, .eps = 1e-8f, .weight_decay = 1e-2f, \
               .amsgrad = false, .maximize = false},                               \
     .ranks = 1}
#define ZERO_ADAMW_MAX_RANKS 4096

/* NULL if out of memory or the parameters cannot be laid out (a layer's
 * tensors not next to each other, more than ZERO_MAX_LAYERS layers). */
Optimizer *zero_adamw_new(ParamList params, const ZeroAdamWConfig *cfg);

/* The bytes of AdamW state rank r keeps: its shard of every layer, padding
 * included, times 4 bytes a slot (exp_avg, exp_avg_sq, max_exp_avg_sq). */
size_t zero_adamw_rank_state_bytes(const Optimizer *opt, int rank);

/* "zero_adamw" for optlab: AdamW's keys (lr, betas, eps, weight_decay,
 * amsgrad, maximize) and ranks. */
extern const OptimizerSpec ZERO_ADAMW_SPEC;

#endif
