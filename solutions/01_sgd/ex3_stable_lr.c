/* ex3_stable_lr.c - exercise 3, solved: the largest stable learning rate,
 * measured by bisection, and the largest curvature by power iteration. */
#include <math.h>
#include <stdlib.h>

#include "exercises.h"
#include "ops.h"
#include "rng.h"
#include "sgd.h"
#include "train.h"

/* Does the loss fall (or stay) at every one of `steps` SGD steps at lr? */
static bool never_increases(Problem *p, double lr, int steps)
{
    p->reset(p, 0);
    SGDConfig cfg = SGD_DEFAULTS;
    cfg.lr = (float)lr;
    Optimizer *opt = sgd_new(p->params, &cfg);
    TrainConfig tc = {.steps = steps, .quiet = true};
    TrainHistory h;
    bool ok = opt && train(p, opt, &tc, &h) == 0;
    for (int t = 1; ok && t <= h.steps_done; t++) ok = h.loss[t] <= h.loss[t - 1];
    if (opt) train_history_free(&h);
    optimizer_free(opt);
    return ok;
}

double largest_stable_lr(Problem *p, int steps, double lr_max)
{
    double lo = 0.0, hi = lr_max;
    while (hi - lo > 1e-4 * hi) {   /* 1e-4 relative: well inside the 1e-3 asked for */
        double mid = 0.5 * (lo + hi);
        if (never_increases(p, mid, steps)) lo = mid;
        else hi = mid;
    }
    return lo;
}

double estimate_sharpness(Problem *p, int iterations)
{
    size_t n = paramlist_numel(&p->params);
    float *x = malloc(sizeof(float) * n), *v = malloc(sizeof(float) * n);
    float *probe = malloc(sizeof(float) * n), *g_up = malloc(sizeof(float) * n);
    float *g_down = malloc(sizeof(float) * n);
    double lambda = 0.0;
    if (!x || !v || !probe || !g_up || !g_down) goto done;
    paramlist_get(&p->params, x);
    Rng rng;
    rng_seed(&rng, 2024, 1);
    for (size_t i = 0; i < n; i++) v[i] = (float)rng_normal(&rng);
    const double eps = 1e-3;
    for (int it = 0; it < iterations; it++) {
        double norm = vec_norm(v, n);
        for (size_t i = 0; i < n; i++) v[i] = (float)(v[i] / norm);
        /* H v ~ (g(x + eps v) - g(x - eps v)) / (2 eps) */
        for (size_t i = 0; i < n; i++) probe[i] = (float)(x[i] + eps * v[i]);
        problem_loss_at(p, probe);
        paramlist_get_grads(&p->params, g_up);
        for (size_t i = 0; i < n; i++) probe[i] = (float)(x[i] - eps * v[i]);
        problem_loss_at(p, probe);
        paramlist_get_grads(&p->params, g_down);
        for (size_t i = 0; i < n; i++) v[i] = (float)((g_up[i] - g_down[i]) / (2 * eps));
        lambda = vec_norm(v, n);
    }
    paramlist_set(&p->params, x);
done:
    free(x);
    free(v);
    free(probe);
    free(g_up);
    free(g_down);
    return lambda;
}
