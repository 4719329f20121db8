/* adam_measures.c - Adam's update run by hand for lesson 05's program (see
 * adam_measures.h). */
#include "adam_measures.h"

#include <math.h>
#include <stdlib.h>

#include "experiment.h"
#include "train.h"

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

void adam_on_mlp(Problem *p, uint64_t seed, const AdamConfig *cfg, double scale, bool corrected, int steps,
                 float *theta, double *loss, double *median)
{
    size_t n = paramlist_numel(&p->params);
    float *grad = floats_new(n), *length = floats_new(n);
    float *m = must(calloc(n, sizeof(float)), "out of memory"), *v = must(calloc(n, sizeof(float)), "out of memory");
    BatchSampler batches;
    if (batch_sampler_init(&batches, p->num_examples, seed) != 0) fail("out of memory");
    p->reset(p, seed);
    paramlist_get(&p->params, theta);
    for (int t = 1; t <= steps; t++) {
        double l = problem_loss_at_batch(p, theta, batch_sampler_next(&batches, 32), 32);
        if (loss) loss[t - 1] = l;
        paramlist_get_grads(&p->params, grad);
        for (size_t i = 0; i < n; i++) grad[i] *= (float)scale, length[i] = theta[i];
        adam_update(theta, grad, m, v, NULL, n, corrected ? t : NO_CORRECTION, cfg);
        if (!median) continue;
        for (size_t i = 0; i < n; i++) length[i] = fabsf(theta[i] - length[i]) / cfg->lr;
        median[t] = sort_median(length, n);
    }
    if (loss) loss[steps] = problem_loss_at(p, theta);
    batch_sampler_free(&batches);
    free(grad), free(length), free(m), free(v);
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
