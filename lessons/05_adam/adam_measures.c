/* adam_measures.c - Adam's update run by hand for lesson 05's program (see
 * adam_measures.h). */
#include "adam_measures.h"

#include <math.h>
#include <stdlib.h>

#include "experiment.h"
#include "runs.h"

BiasCorrection bias_correction_at(const AdamConfig *cfg, int t)
{
    double b1t = pow(cfg->betas[0], t), b2t = pow(cfg->betas[1], t);
    return (BiasCorrection){b1t, b2t, 1 / (1 - b1t), 1 / (1 - b2t), 1 / sqrt(1 - b2t)};
}

void adam_steady_steps(double beta2, bool corrected, int quiet, int steps, double *length)
{
    AdamConfig cfg = ADAM_DEFAULTS;
    cfg.betas[1] = beta2;
    float p = 0.0f, m = 0.0f, v = 0.0f;
    length[0] = NAN;
    for (int t = 1 - quiet; t <= steps; t++) {
        float g = t >= 1 ? 1.0f : 0.0f;
        adam_update(&p, &g, &m, &v, NULL, 1, corrected ? t + quiet : NO_CORRECTION, &cfg);
        if (t >= 1) length[t] = -p / cfg.lr;
        p = 0.0f;   /* each step from 0: its length is exact */
    }
}

void adam_steady_kinds(double length[STEADY_KINDS][STEADY_STEPS + 1])
{
    const double beta2[3] = {0.999, 0.99, 0.95};
    for (int k = 0; k < 3; k++) adam_steady_steps(beta2[k], false, 0, STEADY_STEPS, length[k]);
    adam_steady_steps(0.999, true, 0, STEADY_STEPS, length[3]);
    /* the step count runs on through the quiet steps, m and v do not grow */
    adam_steady_steps(0.999, true, STEADY_STEPS, STEADY_STEPS, length[4]);
}

/* adam_on_mlp's rule: Adam's step on the gradient times `scale`, the median
 * |step|/lr of the parameters kept. */
typedef struct {
    const AdamConfig *cfg;
    double scale;
    bool corrected;
    float *m, *v, *scaled, *length;   /* [n] each */
    double *median;                   /* [steps + 1], or NULL */
} ScaledAdam;

static void scaled_adam_step(float *theta, const float *g, size_t n, long t, void *ctx)
{
    ScaledAdam *a = ctx;
    for (size_t i = 0; i < n; i++) a->scaled[i] = g[i] * (float)a->scale, a->length[i] = theta[i];
    adam_update(theta, a->scaled, a->m, a->v, NULL, n, a->corrected ? t : NO_CORRECTION, a->cfg);
    if (!a->median) return;
    for (size_t i = 0; i < n; i++) a->length[i] = fabsf(theta[i] - a->length[i]) / a->cfg->lr;
    a->median[t] = sort_median(a->length, n);
}

void adam_on_mlp(Problem *p, uint64_t seed, const AdamConfig *cfg, double scale, bool corrected, int steps,
                 float *theta, double *loss, double *median)
{
    size_t n = paramlist_numel(&p->params);
    ScaledAdam a = {cfg, scale, corrected, must(calloc(n, sizeof(float)), "out of memory"),
                    must(calloc(n, sizeof(float)), "out of memory"), floats_new(n), floats_new(n), median};
    run_rule_batches(p, seed, steps, 32, scaled_adam_step, &a, theta, loss);
    if (loss) loss[steps] = problem_loss_at(p, theta);
    free(a.m), free(a.v), free(a.scaled), free(a.length);
}

MlpEarly adam_mlp_early(Problem *p, uint64_t seed, float lr, bool corrected, int steps,
                        double *loss)
{
    AdamConfig cfg = ADAM_DEFAULTS;
    cfg.lr = lr;
    /* scratch: the table reads only a few steps of the medians */
    float *theta = floats_new(paramlist_numel(&p->params));
    double *median = doubles_new((size_t)steps + 1);
    adam_on_mlp(p, seed, &cfg, 1.0, corrected, steps, theta, loss, median);
    MlpEarly out = {{median[1], median[10], median[100]}, loss[10], loss[100], loss[steps]};
    free(theta), free(median);
    return out;
}

FirstStep adam_first_step(Problem *p, uint64_t seed, const float *gradient, double scale)
{
    size_t n = paramlist_numel(&p->params), nonzero = 0, within = 0;
    float *theta = floats_new(n), *grad = floats_new(n), *before = floats_new(n), *size = floats_new(n);
    float *m = must(calloc(n, sizeof(float)), "out of memory"), *v = must(calloc(n, sizeof(float)), "out of memory");
    p->reset(p, seed);
    paramlist_get(&p->params, theta);
    for (size_t i = 0; i < n; i++) {
        before[i] = theta[i];
        grad[i] = gradient[i] * (float)scale;
        if (grad[i] != 0.0f) size[nonzero++] = fabsf(grad[i]);
    }
    AdamConfig cfg = ADAM_DEFAULTS;
    adam_update(theta, grad, m, v, NULL, n, 1, &cfg);
    FirstStep out = {.zero = (int)(n - nonzero)};
    for (size_t i = 0; i < n; i++) {
        if (grad[i] == 0.0f) continue;
        double off = fabs(fabsf(theta[i] - before[i]) / cfg.lr - 1.0);
        within += off <= 0.01;
        out.worst = fmax(out.worst, off);
    }
    out.median_g = sort_median(size, nonzero), out.min_g = size[0], out.share = (double)within / (double)nonzero;
    free(theta), free(grad), free(before), free(size), free(m), free(v);
    return out;
}

ScaledRun adam_scaled_run(Problem *p, uint64_t seed, const AdamConfig *cfg, int steps, const float *gradient,
                          const float *reference, double scale)
{
    size_t n = paramlist_numel(&p->params);
    float *theta = floats_new(n);
    double *loss = doubles_new((size_t)steps + 1);
    ScaledRun out = {.first = adam_first_step(p, seed, gradient, scale)};
    adam_on_mlp(p, seed, cfg, scale, true, steps, theta, loss, NULL);
    out.apart = max_abs_difference(theta, reference, n);
    out.loss = loss[steps];
    free(theta), free(loss);
    return out;
}

void adam_scale_sweep(Problem *p, uint64_t seed, const AdamConfig *cfg, int steps,
                      const double *scales, int count, ScaledRun *out)
{
    size_t n = paramlist_numel(&p->params);
    float *reference = floats_new(n), *gradient = floats_new(n);
    p->reset(p, seed);
    gradient_into(p, NULL, 0, gradient);   /* on all examples, at the start */
    adam_on_mlp(p, seed, cfg, 1.0, true, steps, reference, NULL, NULL);
    /* the same start and batches for every scale: only the scale differs */
    for (int k = 0; k < count; k++)
        out[k] = adam_scaled_run(p, seed, cfg, steps, gradient, reference, scales[k]);
    free(reference), free(gradient);
}

OnlineRun online_run(const Online *o, bool amsgrad, int steps, double *x)
{
    AdamConfig cfg = ADAM_DEFAULTS;
    cfg.lr = 0.01f, cfg.betas[0] = o->beta1, cfg.betas[1] = o->beta2, cfg.amsgrad = amsgrad;
    float p = 0.0f, m = 0.0f, v = 0.0f, v_max = 0.0f;
    double regret = 0;
    x[0] = p;
    for (int t = 1; t <= steps; t++) {
        float g = t % o->period == 1 ? o->big : -o->small;
        regret += (double)g * (p + 1.0);
        adam_update(&p, &g, &m, &v, &v_max, 1, t, &cfg);
        x[t] = p = fminf(1.0f, fmaxf(-1.0f, p));   /* the projection */
    }
    int tenth = steps / 10, reach = 1;
    OnlineRun out = {.regret = regret / steps, .mean_x = spread(x + steps - tenth + 1, tenth).mean};
    while (reach < steps && fabs(x[reach] - (out.mean_x < 0 ? -1 : 1)) >= 0.1) reach++;
    out.reach = reach;
    return out;
}

AdamState adam_state_bytes(ParamList params)
{
    if (params.count > STATE_TENSORS_MAX)
        fail("%d tensors: at most %d", params.count, STATE_TENSORS_MAX);
    AdamState out = {0};
    for (int ams = 0; ams <= 1; ams++) {   /* each made only to be measured */
        AdamConfig cfg = ADAM_DEFAULTS;
        cfg.amsgrad = ams;
        Optimizer *opt = must(adam_new(params, &cfg), "out of memory");
        for (int i = 0; i < params.count; i++) out.tensor[ams][i] = tensor_state_bytes(opt, i);
        out.total[ams] = optimizer_state_bytes(opt);
        optimizer_free(opt);
    }
    return out;
}
