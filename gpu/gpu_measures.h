/* gpu_measures.h - what the GPU chapter's program measures on the CPU:
 * the bytes each kernel moves, the codes a run of 8-bit Adam leaves (for
 * the bank-conflict count), the two roundings of the BF16 working copy, and
 * the CPU loop the kernels replace. */
#ifndef GPU_MEASURES_H
#define GPU_MEASURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "adam8bit_kernel.h"

/* ---- bytes a parameter ---- */

/* One array of a step: its element's bytes, read and/or written. */
typedef struct {
    const char *name;
    int bytes;
    bool read, written;
} StepArray;

/* The arrays of each step, up to a {NULL} entry: the fused AdamW step;
 * lesson 06's AdamW all in FP32; 8-bit Adam with FP32 or with BF16
 * parameters and gradients (its absmax, one float per block of 256 and
 * moment, counted apart). */
extern const StepArray FUSED_ADAMW_ARRAYS[], ADAMW_FP32_ARRAYS[], ADAM8BIT_FP32_ARRAYS[],
    ADAM8BIT_BF16_ARRAYS[];

/* Bytes read and written a parameter; `block` adds absmax's two floats read
 * and two written per block of that many (0: none). */
void step_traffic(const StepArray *arrays /* up to a {NULL} entry */, int block, double *read,
                  double *written);

/* ---- 8-bit Adam's codes after a run ---- */

/* A tensor of 8-bit Adam state on the CPU. */
typedef struct {
    size_t n;
    float *param, *grad;          /* [n] */
    uint8_t *state1, *state2;     /* [n] */
    float *absmax1, *absmax2;     /* [n / 256 rounded up] */
    float qmap1[256], qmap2[256]; /* the dynamic maps, signed and unsigned */
    AdamStepConstants next;       /* the constants of the step after the run */
} Adam8bitRun;

/* `steps` steps of lesson 10's 8-bit Adam (lr 1e-3, PyTorch's betas and
 * eps) on n parameters whose gradients are noise around a drift, each row of
 * 256 (one block) at its own scale, from 1e-4 to 1 (seeded); grad is left
 * holding the next step's gradient. NULL when out of memory. */
Adam8bitRun *adam8bit_run_new(size_t n, int steps, uint64_t seed);

/* The first n of the parameters that `build/gpu/adam8bit --bench` steps in
 * FP32 (bench_inputs.h, seed 1), after `launches` launches from zero
 * states, each with step 1's gradient and constants; grad holds that
 * gradient, which the next launch steps again. Each element's gradient is
 * drawn on its own, so the first n codes look like the rest. NULL when out
 * of memory. */
Adam8bitRun *adam8bit_bench_run_new(size_t n, int launches);
void adam8bit_run_free(Adam8bitRun *run);

/* ---- the BF16 working copy ---- */

typedef struct {
    double mean_abs_ulps;   /* mean |param - master|, in BF16 spacings at master */
    double mean_ulps;       /* the mean of the signed error: its bias */
    double changed;         /* share of parameters whose BF16 copy moved over the run */
} RoundingError;

/* n master weights stepped `steps` times by the fused step's CPU reference
 * (lesson 06's AdamW on FP32 masters, a small lr, so most steps are below
 * the BF16 spacing), the working copy rounded to nearest or stochastically;
 * the copy's error against the master after the last step. */
RoundingError working_copy_error(size_t n, int steps, bool stochastic, uint64_t seed);

/* ---- the CPU loop ---- */

/* Seconds of one step of the fused step's CPU reference on n parameters
 * (one thread, the teaching build): the median of `repeats`. */
double cpu_fused_step_seconds(size_t n, int repeats);

#endif
