/* ex1_stage1.c - exercise 1: ZeRO's stage 1 on one flat buffer: reduce-
 * scatter the gradients, AdamW on this rank's shard, all-gather the
 * parameters. exercises.h and README.md say exactly what to write. Replace
 * the body; `make grade` tells you how you did. */
#include "exercises.h"

void ex_stage1_step(ZeroComm *comm, float *param, float *grad, float *exp_avg, float *exp_avg_sq,
                    size_t padded, long step, const AdamWConfig *cfg)
{
    /* TODO: your code here. */
    (void)comm, (void)param, (void)grad, (void)exp_avg, (void)exp_avg_sq, (void)padded, (void)step, (void)cfg;
}
