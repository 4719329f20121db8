/* exercises.h - what the exercises of chapter 12 ask you to write. Do not edit
 * this file: the grader's tests (test_exercises.c) are written against it.
 * Your code goes in ex1_stage1.c, ex2_peak.c and ex3_clip.c. */
#ifndef EXERCISES_12_H
#define EXERCISES_12_H

#include <stddef.h>

#include "adamw.h"
#include "zero.h"

/* Exercise 1. Stage 1's step on one flat buffer of `padded` elements, a
 * multiple of the world size N (comm->world_size), on rank r = comm->rank:
 *     1. reduce-scatter grad: rank r's shard, elements r*s .. r*s + s - 1
 *        (s = padded / N), becomes the sum of that shard over the ranks, in
 *        place in grad (the rest of grad is left as it was);
 *     2. lesson 06's adamw_update on that shard of param, with this rank's
 *        exp_avg and exp_avg_sq (s elements each; no amsgrad);
 *     3. all-gather param, so that every rank holds every updated shard.
 * Call the collectives through zero_reduce_scatter and zero_all_gather (they
 * count what you send), once each. */
void ex_stage1_step(ZeroComm *comm, float *param /* [padded] */, float *grad /* [padded] */,
                    float *exp_avg /* [padded / N] */, float *exp_avg_sq /* [padded / N] */,
                    size_t padded, long step, const AdamWConfig *cfg);

/* Exercise 2. The peak within a step. For the lesson's digits MLP with
 * `hidden` units (fc1: 64 * hidden + hidden elements, fc2: 10 * hidden + 10),
 * run by lesson 12's engine (zero_run.h) at `stage` on `ranks` ranks:
 *   a. the bytes of model state (parameters, gradients and AdamW's state) one
 *      rank holds at the worst moment of a step, above what it holds between
 *      steps: its transient (0 at stages 0 and 1);
 *   b. the most model-state bytes a rank ever holds at once, between steps
 *      and during them: what a GPU of that size must have. */
size_t ex_transient_bytes(int hidden, int stage, int ranks);
size_t ex_peak_bytes(int hidden, int stage, int ranks);

/* Exercise 3. Stage 2's step with gradient clipping, on one flat buffer of
 * `padded` elements (a multiple of N) on rank r:
 *     1. reduce-scatter local_grad (this rank's own gradient, all `padded`
 *        elements) into grad_shard (s = padded / N elements, rank r's shard
 *        of the sum);
 *     2. the total 2-norm of the whole summed gradient, as
 *        torch.nn.utils.clip_grad_norm_ has it: no rank holds the whole
 *        gradient, so each rank adds up the squares of its shard (in
 *        double) and an all-reduce of that one number (zero_all_reduce on a
 *        float) sums them; total_norm = sqrtf of the sum;
 *     3. clip_coef = max_norm / (total_norm + 1e-6f), and when it is below 1
 *        every element of grad_shard times clip_coef (lesson 07's rule);
 *     4. adamw_update on rank r's shard of param with grad_shard, exp_avg and
 *        exp_avg_sq (no amsgrad), then all-gather param.
 * Returns total_norm, the norm before clipping, on every rank. */
float ex_stage2_clipped_step(ZeroComm *comm, float *param /* [padded] */,
                             const float *local_grad /* [padded] */, float *grad_shard /* [padded / N] */,
                             float *exp_avg /* [padded / N] */, float *exp_avg_sq /* [padded / N] */,
                             size_t padded, long step, const AdamWConfig *cfg, float max_norm);

#endif
