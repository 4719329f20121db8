/* ex3_clip.c - exercise 3, solved: gradient clipping at stage 2, where each
 * rank holds only its shard of the summed gradient. */
#include <math.h>

#include "exercises.h"

float ex_stage2_clipped_step(ZeroComm *comm, float *param, const float *local_grad, float *grad_shard,
                             float *exp_avg, float *exp_avg_sq, size_t padded, long step, const AdamWConfig *cfg,
                             float max_norm)
{
    const size_t shard = padded / (size_t)comm->world_size;
    float *own_param = param + (size_t)comm->rank * shard;
    zero_reduce_scatter(comm, local_grad, grad_shard, shard);
    /* The squares of this shard; the ranks' sums add up to the whole's. */
    double squares = 0;
    for (size_t i = 0; i < shard; i++) squares += (double)grad_shard[i] * grad_shard[i];
    float sum = (float)squares;
    zero_all_reduce(comm, &sum, 1);
    const float total_norm = sqrtf(sum);
    /* Every rank finds the same factor, so the shards stay one gradient. */
    const float clip_coef = max_norm / (total_norm + 1e-6f);
    if (clip_coef < 1.0f)
        for (size_t i = 0; i < shard; i++) grad_shard[i] *= clip_coef;
    adamw_update(own_param, grad_shard, exp_avg, exp_avg_sq, NULL, shard, step, cfg);
    zero_all_gather(comm, own_param, param, shard);
    return total_norm;
}
