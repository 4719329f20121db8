/* gpu_measures.c - the GPU chapter's measurements on the CPU (see
 * gpu_measures.h). */
#include "gpu_measures.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "adam8bit.h"
#include "bench_inputs.h"
#include "experiment.h"
#include "gpu_reference.h"
#include "lowp.h"
#include "quantize.h"
#include "rng.h"
#include "timing.h"

/* ---- bytes a parameter ---------------------------------------------------------------- */

/* snippet: step_arrays, shown in 13_gpu */
const StepArray FUSED_ADAMW_ARRAYS[] = {
    {"grad (BF16)", 2, true, false},      {"master (FP32)", 4, true, true},
    {"exp_avg (FP32)", 4, true, true},    {"exp_avg_sq (FP32)", 4, true, true},
    {"param (BF16 copy)", 2, false, true}, {NULL, 0, false, false},
};
const StepArray ADAMW_FP32_ARRAYS[] = {
    {"grad (FP32)", 4, true, false},      {"param (FP32)", 4, true, true},
    {"exp_avg (FP32)", 4, true, true},    {"exp_avg_sq (FP32)", 4, true, true},
    {NULL, 0, false, false},
};
const StepArray ADAM8BIT_FP32_ARRAYS[] = {
    {"grad (FP32)", 4, true, false},     {"param (FP32)", 4, true, true},
    {"state1 (code of m)", 1, true, true}, {"state2 (code of v)", 1, true, true},
    {NULL, 0, false, false},
};
const StepArray ADAM8BIT_BF16_ARRAYS[] = {
    {"grad (BF16)", 2, true, false},     {"param (BF16)", 2, true, true},
    {"state1 (code of m)", 1, true, true}, {"state2 (code of v)", 1, true, true},
    {NULL, 0, false, false},
};
/* end snippet */

void step_traffic(const StepArray *arrays, int block, double *read, double *written)
{
    *read = 0, *written = 0;
    for (const StepArray *a = arrays; a->name; a++) {
        if (a->read) *read += a->bytes;
        if (a->written) *written += a->bytes;
    }
    if (block > 0) {   /* absmax of m and of v: read the old, write the new */
        *read += 2.0 * sizeof(float) / block;
        *written += 2.0 * sizeof(float) / block;
    }
}

/* ---- 8-bit Adam's codes after a run ------------------------------------------------------- */

enum { BLOCK = 256 };
static const float LR = 1e-3f;
static const double BETA1 = 0.9, BETA2 = 0.999;
static const float EPS = 1e-8f;

void adam8bit_run_free(Adam8bitRun *run)
{
    if (!run) return;
    free(run->param), free(run->grad), free(run->state1), free(run->state2);
    free(run->absmax1), free(run->absmax2), free(run);
}

/* Step t's gradient: each row of 256 its own scale, 10^-4 .. 1 evenly in
 * the log, times a drift that the row keeps (its sign and size drawn once)
 * plus noise twice that size. */
static void run_gradient(Adam8bitRun *run, const float *scale, const float *drift, Rng *rng)
{
    for (size_t i = 0; i < run->n; i++)
        run->grad[i] = scale[i / BLOCK] * (drift[i] + 2.0f * (float)rng_normal(rng));
}

/* A run of n parameters, every array zeroed, and the dynamic maps; NULL
 * when out of memory. */
static Adam8bitRun *run_alloc(size_t n)
{
    const size_t blocks = quantize_num_blocks(n, BLOCK);
    Adam8bitRun *run = calloc(1, sizeof *run);
    if (run) {
        run->n = n;
        run->param = calloc(n, sizeof(float)), run->grad = calloc(n, sizeof(float));
        run->state1 = calloc(n, 1), run->state2 = calloc(n, 1);
        run->absmax1 = calloc(blocks, sizeof(float)), run->absmax2 = calloc(blocks, sizeof(float));
    }
    if (!run || !run->param || !run->grad || !run->state1 || !run->state2 || !run->absmax1 || !run->absmax2) {
        adam8bit_run_free(run);
        return NULL;
    }
    create_dynamic_map(true, run->qmap1), create_dynamic_map(false, run->qmap2);
    return run;
}

Adam8bitRun *adam8bit_run_new(size_t n, int steps, uint64_t seed)
{
    const size_t blocks = quantize_num_blocks(n, BLOCK);
    Adam8bitRun *run = run_alloc(n);
    float *scale = malloc(blocks * sizeof *scale), *drift = malloc(n * sizeof *drift);
    if (!run || !scale || !drift) {
        adam8bit_run_free(run), free(scale), free(drift);
        return NULL;
    }
    Rng rng;
    rng_seed(&rng, seed, 13);
    for (size_t b = 0; b < blocks; b++) scale[b] = powf(10.0f, -4.0f * (float)rng_uniform(&rng));
    for (size_t i = 0; i < n; i++) drift[i] = (float)rng_normal(&rng), run->param[i] = (float)rng_normal(&rng);
    for (long t = 1; t <= steps; t++) {
        run_gradient(run, scale, drift, &rng);
        gpu_reference_adam8bit(run->param, run->grad, run->state1, run->state2, run->absmax1,
                               run->absmax2, n, t, LR, (float)BETA1, (float)BETA2, EPS, 0.0f);
    }
    run_gradient(run, scale, drift, &rng);
    run->next = adam_step_constants(LR, (float)BETA1, (float)BETA2, EPS, 0.0f, steps + 1);
    free(scale), free(drift);
    return run;
}

Adam8bitRun *adam8bit_bench_run_new(size_t n, int launches)
{
    Adam8bitRun *run = run_alloc(n);
    if (!run) return NULL;
    for (size_t i = 0; i < n; i++) run->param[i] = bench_param(1, i), run->grad[i] = bench_gradient(1, i, 1);
    /* The bench's constants are step 1's at every launch; the codes do not
     * depend on them (only the parameter's step does), nor on the weight
     * decay, which moves only the parameters. */
    for (int launch = 0; launch < launches; launch++)
        gpu_reference_adam8bit(run->param, run->grad, run->state1, run->state2, run->absmax1, run->absmax2, n, 1,
                               BENCH_LR, BENCH_BETA1, BENCH_BETA2, BENCH_EPS, BENCH_WEIGHT_DECAY);
    run->next = adam_step_constants(BENCH_LR, BENCH_BETA1, BENCH_BETA2, BENCH_EPS, BENCH_WEIGHT_DECAY, 1);
    return run;
}

/* ---- the BF16 working copy ------------------------------------------------------------ */

RoundingError working_copy_error(size_t n, int steps, bool stochastic, uint64_t seed)
{
    RoundingError e = {NAN, NAN, NAN};
    float *master = calloc(n, sizeof(float)), *m = calloc(n, sizeof(float)), *v = calloc(n, sizeof(float));
    uint16_t *param = calloc(n, sizeof(uint16_t)), *first = calloc(n, sizeof(uint16_t));
    uint16_t *grad = calloc(n, sizeof(uint16_t));
    if (master && m && v && param && first && grad) {
        Rng rng;
        rng_seed(&rng, seed, 14);
        for (size_t i = 0; i < n; i++) {
            master[i] = (float)(1.0 + rng_uniform(&rng));   /* in [1, 2): BF16 spacing 2^-7 */
            first[i] = param[i] = bf16_from_float(master[i]);
        }
        for (long t = 1; t <= steps; t++) {
            for (size_t i = 0; i < n; i++) grad[i] = bf16_from_float((float)rng_normal(&rng));
            gpu_reference_adamw(param, master, grad, m, v, n, t, 1e-4f, BETA1, BETA2, EPS, 0.0f, 1.0f,
                                stochastic, seed);
        }
        double abs_sum = 0, sum = 0, changed = 0;
        for (size_t i = 0; i < n; i++) {
            const double error = ((double)float_from_bf16(param[i]) - master[i]) / bf16_ulp(master[i]);
            abs_sum += fabs(error), sum += error, changed += param[i] != first[i];
        }
        e = (RoundingError){abs_sum / (double)n, sum / (double)n, changed / (double)n};
    }
    free(master), free(m), free(v), free(param), free(first), free(grad);
    return e;
}

/* ---- the CPU loop --------------------------------------------------------------------- */

double cpu_fused_step_seconds(size_t n, int repeats)
{
    double result = NAN;
    float *master = calloc(n, sizeof(float)), *m = calloc(n, sizeof(float)), *v = calloc(n, sizeof(float));
    uint16_t *param = calloc(n, sizeof(uint16_t)), *grad = calloc(n, sizeof(uint16_t));
    float *seconds = calloc((size_t)repeats, sizeof(float));
    if (master && m && v && param && grad && seconds && repeats > 0) {
        for (size_t i = 0; i < n; i++) master[i] = 1.0f, grad[i] = bf16_from_float(0.01f);
        gpu_reference_adamw(param, master, grad, m, v, n, 1, LR, BETA1, BETA2, EPS, 0.01f, 1.0f, false, 0);
        for (int r = 0; r < repeats; r++) {
            const double start = wall_seconds();
            gpu_reference_adamw(param, master, grad, m, v, n, r + 2, LR, BETA1, BETA2, EPS, 0.01f, 1.0f,
                                false, 0);
            seconds[r] = (float)(wall_seconds() - start);
        }
        result = sort_median(seconds, (size_t)repeats);
    }
    free(master), free(m), free(v), free(param), free(grad), free(seconds);
    return result;
}
