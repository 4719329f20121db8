/* variants.c - the four Adams of lesson 10's training curves (see
 * variants.h). */
#include "variants.h"

#include <math.h>
#include <stdlib.h>

#include "adam.h"
#include "experiment.h"

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

/* The runs of variants_watched and variants_digits_means, one job a
 * variant (and a start); `every` and `points`: the watched curves'. */
typedef struct {
    Problem *p;
    Run base;
    double (*measure)(Problem *p);
    int every, points;
} Jobs;

/* out: the curve [points], then the state bytes, the steps done, the
 * largest |step| / lr and the share of 8-bit elements with v = 0, m != 0. */
#define WATCHED_EXTRA 4

static void watched_job(int k, void *ctx, double *out)
{
    const Jobs *jobs = ctx;
    Variant v;
    Run run = variant_run(k, jobs->base, &v);
    Watched8bit w = run_8bit_watched(jobs->p, run, jobs->every, jobs->measure, out);
    double *extra = out + jobs->points;
    extra[0] = (double)run_state_bytes(jobs->p, run), extra[1] = w.done, extra[2] = w.largest;
    extra[3] = w.v_zero_share;
}

void variants_watched(Problem *p, Run base, int every, double (*measure)(Problem *p),
                      double *curves, VariantWatch *seen)
{
    const int points = base.steps / every + 1;
    Jobs jobs = {p, base, measure, every, points};
    const size_t width = (size_t)points + WATCHED_EXTRA;
    double *out = doubles_new(VARIANTS * width);
    parallel_jobs(VARIANTS, (int)width, out, watched_job, &jobs);
    for (int k = 0; k < VARIANTS; k++) {
        const double *curve = out + k * width, *extra = curve + points;
        for (int i = 0; i < points; i++) curves[k * points + i] = curve[i];
        seen[k] = (VariantWatch){{(int)extra[1], extra[2], extra[3]}, extra[0]};
    }
    free(out);
}

/* out: the test loss and the test accuracy of variant i % VARIANTS from
 * start i / VARIANTS. */
static void digits_job(int i, void *ctx, double *out)
{
    const Jobs *jobs = ctx;
    Variant v;
    Run run = run_from_start(variant_run(i % VARIANTS, jobs->base, &v), i / VARIANTS);
    bool done = run_watched(jobs->p, run, NULL, NULL) == run.steps;
    out[0] = done ? digits_test_loss(jobs->p) : NAN;
    out[1] = done ? 100 * jobs->p->test_accuracy(jobs->p) : NAN;
}

void variants_digits_means(Problem *p, Run base, int seeds, double *loss, double *accuracy)
{
    Jobs jobs = {p, base, NULL, 0, 0};
    /* [seeds][VARIANTS][loss, accuracy] */
    double *out = doubles_new((size_t)seeds * VARIANTS * 2);
    parallel_jobs(seeds * VARIANTS, 2, out, digits_job, &jobs);
    for (int k = 0; k < VARIANTS; k++) {
        loss[k] = 0, accuracy[k] = 0;
        for (int s = 0; s < seeds; s++) {
            const double *at = out + 2 * ((size_t)s * VARIANTS + k);
            loss[k] += at[0] / seeds, accuracy[k] += at[1] / seeds;
        }
    }
    free(out);
}
