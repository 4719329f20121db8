/* variants.c - the four Adams of lesson 10's training curves (see
 * variants.h). */
#include "variants.h"

#include <math.h>

#include "adam.h"

Run variant_run(int k, Run run, Variant *v)
{
    v->config = ADAM8BIT_DEFAULTS;
    run.optimizer = k == 0 ? &ADAM_SPEC : &ADAM8BIT_SPEC, run.config = k == 0 ? NULL : &v->config;
    if (k >= 2) v->config.min_8bit_size = 0;   /* 8-bit state even for the biases */
    if (k == 3) v->linear = ADAM8BIT_SPEC, v->linear.create = adam8bit_linear_new, run.optimizer = &v->linear;
    return run;
}

typedef struct {
    Problem *p;
    double (*measure)(Problem *p);
    int every, t;
    float lr;
    double *curve;
    double largest;      /* the largest |step| / lr of any weight in any step */
    double v_zero;       /* elements with v = 0 and m != 0, summed over the steps */
    double eight_bit;    /* elements with 8-bit state, summed over the steps */
} Watch;

static void watch_step(const Optimizer *opt, const float *before, const float *after, void *ctx)
{
    Watch *w = ctx;
    if (!after) return;
    size_t n = paramlist_numel(&opt->params);
    for (size_t j = 0; j < n; j++) w->largest = fmax(w->largest, fabs((double)after[j] - before[j]) / w->lr);
    double eight_bit;
    w->v_zero += adam8bit_zero_v_count(opt, &eight_bit), w->eight_bit += eight_bit;
    if (++w->t % w->every == 0) w->curve[w->t / w->every] = w->measure(w->p);
}

Watched8bit run_8bit_watched(Problem *p, Run run, int every, double (*measure)(Problem *p), double *curve)
{
    Watch w = {p, measure, every, 0, run.lr, curve, 0, 0, 0};
    for (int i = 0; i <= run.steps / every; i++) curve[i] = NAN;
    p->reset(p, run.seed);
    curve[0] = measure(p);
    int done = run_watched(p, run, watch_step, &w);
    return (Watched8bit){done, w.largest, w.eight_bit > 0 ? w.v_zero / w.eight_bit : 0};
}
