/* mixed_measures.h - what lesson 11's program measures the 16-bit formats
 * with: the spacing of float32, what a run's steps do to the weights as the
 * model holds them, what FP16 makes of a gradient times a loss scale, lesson
 * 10's accounting of AdamW, and the GradScaler example's loop.
 *
 *   fp32_ulp               the spacing of float32 at w
 *   moved_shares,          the share of the weights each step of a run
 *   stall_step             changes, and the step from which it stays below half
 *   Fp16Shares,            what FP16 makes of a gradient times each loss scale:
 *   fp16_count,            the shares that become 0, subnormal, inf (and 0 in
 *   fp16_shares_finish,    BF16), counted tensor by tensor, then divided;
 *   fp16_at_steps          the same at chosen steps of a run
 *   tensor_unchanged       per tensor of a model: how often a step left it
 *                          where it was, and its RMS at the end
 *   adamw_account,         lesson 10's accounting of AdamW on n parameters,
 *   rows_per_param         and the bytes a parameter of some of its rows
 *   spiky_gradient         the GradScaler example's gradient: a wander and spikes
 *   scaler_iteration       one iteration of GradScaler around an FP16 backward */
#ifndef LESSON_MIXED_MEASURES_H
#define LESSON_MIXED_MEASURES_H

#include <stdbool.h>
#include <stddef.h>

#include "accounting.h"
#include "grad_scaler.h"
#include "problems.h"
#include "rng.h"
#include "runs.h"

/* The spacing of float32 at w: the distance from |w| to the next float up. */
float fp32_ulp(float w);

/* run on p, and into moved[run.steps + 1] the share of p's weights that each
 * step t (from 1) changed, compared as the model holds them: a BF16 model's
 * step that moves a weight less than half its spacing changes nothing.
 * moved[0] is left as it was. Returns the steps taken (see run_watched). */
int moved_shares(Problem *p, Run run, double *moved /* [steps + 1] */);

/* The first step from which moved[t] stays below half to the last step:
 * where the weights stop following the optimizer. 0 if it never does. */
int stall_step(const double *moved /* [steps + 1] */, int steps);

/* What FP16 makes of a gradient's nonzero elements, each times a loss
 * scale: counts while fp16_count adds tensors, then shares of the nonzero
 * elements once fp16_shares_finish divides. Zero it to start. */
#define FP16_MAX_SCALES 4
typedef struct {
    double nonzero;                      /* elements counted that are not 0 */
    double largest;                      /* the largest |element| */
    double bf16_zero;                    /* unscaled, in BF16: made 0 */
    double zero[FP16_MAX_SCALES];        /* per loss scale, in FP16: made 0, */
    double subnormal[FP16_MAX_SCALES];   /* made subnormal (below 2^-14, so
                                            fewer than 11 significant bits), */
    double overflow[FP16_MAX_SCALES];    /* made inf */
} Fp16Shares;

/* Adds the gradient g[n] times each of scale[scales] (at most
 * FP16_MAX_SCALES), stored in FP16, to s's counts. */
void fp16_count(Fp16Shares *s, const float *g /* [n] */, size_t n, const double *scale /* [scales] */,
                int scales);

/* s's counts divided by its nonzero elements: shares. */
void fp16_shares_finish(Fp16Shares *s, int scales);

/* run on p, and at the steps at[points] (increasing, from 1) what FP16
 * makes of the gradient times each loss scale, before the step, into
 * out[points] (zeroed here); a step the run does not reach leaves its
 * entry 0. Returns the steps taken (see run_watched). */
int fp16_at_steps(Problem *p, Run run, const int *at /* [points] */, int points, const double *scale /* [scales] */,
                  int scales, Fp16Shares *out /* [points] */);

/* run on p, and for each of its tensors (count: p's) the mean over the
 * steps of the share of its weights a step left where it was, into
 * unchanged[count], and the RMS of its weights at the end into rms[count]:
 * which tensors a 16-bit model stops moving. Returns the steps taken (see
 * run_watched). */
int tensor_unchanged(Problem *p, Run run, double *unchanged /* [count] */, double *rms /* [count] */);

/* Lesson 10's accounting of n parameters of AdamW as 4096 x 4096 matrices,
 * in `recipe`, with grads_fp32 as MemoryQuery's. Fails if it refuses. */
MemoryTable adamw_account(double n, MemoryRecipe recipe, int grads_fp32);

/* The bytes a parameter of t's rows whose name starts with `prefix`
 * ("state" sums the optimizer's slots). */
double rows_per_param(const MemoryTable *t, const char *prefix);

/* The GradScaler example's gradient of step t (from 1): its largest element
 * wanders about 0.5 (times e^(0.3 z), z drawn from rng), and steps 9, 10
 * (times 20) and 21 (times 3) bring a spike, as a bad batch does. The
 * others are -1/4 and 1/1000 of it. */
#define SPIKY_NUMEL 3
void spiky_gradient(Rng *rng, int t, float *grad /* [SPIKY_NUMEL] */);

/* One iteration of a GradScaler around an FP16 backward: grad[n] is the
 * gradient of the unscaled loss. Backward from scale(loss) is linear, so it
 * comes out times the scale, stored in FP16 (into scaled[n] too); then it
 * is unscaled in place and the scaler updated. Returns whether the
 * optimizer's step is skipped; fails if update() refuses. */
bool scaler_iteration(GradScaler *s, float *grad /* [n] */, float *scaled /* [n] */, size_t n);

#endif
