/* zero_memory.c - the ZeRO paper's memory per rank (zero_memory.h). */
#include "zero_memory.h"

#include <math.h>

const char *zero_memory_check(double num_params, int stage, int ranks, double param_bytes,
                              double grad_bytes, double state_bytes)
{
    if (stage < 0 || stage > 3) return "the stage must be 0, 1, 2 or 3";
    if (ranks < 1) return "there must be at least one rank";
    if (!isfinite(num_params) || num_params < 0) return "the parameters must be a finite count >= 0";
    if (!isfinite(param_bytes) || !isfinite(grad_bytes) || !isfinite(state_bytes) || param_bytes < 0 ||
        grad_bytes < 0 || state_bytes < 0)
        return "the bytes per parameter must be finite and >= 0";
    return NULL;
}

/* snippet: zero_rank_bytes, shown in 12_zero */
ZeroRankBytes zero_rank_bytes(double num_params, int stage, int ranks, double param_bytes,
                              double grad_bytes, double state_bytes)
{
    if (zero_memory_check(num_params, stage, ranks, param_bytes, grad_bytes, state_bytes))
        return (ZeroRankBytes){NAN, NAN, NAN, NAN};
    /* Stage s shards the optimizer's part from 1, the gradients from 2,
     * the parameters from 3; the rest every rank keeps whole. */
    ZeroRankBytes b = {
        .params = num_params * param_bytes / (stage >= 3 ? ranks : 1),
        .grads = num_params * grad_bytes / (stage >= 2 ? ranks : 1),
        .states = num_params * state_bytes / (stage >= 1 ? ranks : 1),
    };
    b.total = b.params + b.grads + b.states;
    return b;
}
/* end snippet */

size_t zero_shard_numel(size_t n, int ranks)
{
    return ranks < 1 ? 0 : (n + (size_t)ranks - 1) / (size_t)ranks;
}
