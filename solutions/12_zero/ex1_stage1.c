/* ex1_stage1.c - exercise 1, solved: ZeRO's stage 1 on one flat buffer. */
#include "exercises.h"

void ex_stage1_step(ZeroComm *comm, float *param, float *grad, float *exp_avg, float *exp_avg_sq,
                    size_t padded, long step, const AdamWConfig *cfg)
{
    const size_t shard = padded / (size_t)comm->world_size;
    float *own_grad = grad + (size_t)comm->rank * shard, *own_param = param + (size_t)comm->rank * shard;
    /* This rank's shard of the summed gradient, in its own place. */
    zero_reduce_scatter(comm, grad, own_grad, shard);
    /* Only this rank keeps the state of these elements, so only it steps them. */
    adamw_update(own_param, own_grad, exp_avg, exp_avg_sq, NULL, shard, step, cfg);
    /* Everyone needs every updated weight for the next forward pass. */
    zero_all_gather(comm, own_param, param, shard);
}
