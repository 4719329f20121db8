/* ex3_sqrt_kappa.c - exercise 3, solved: Polyak's settings, steps to a
 * target, and the slope of a log-log fit. */
#include <math.h>

#include "exercises.h"

void ex_heavy_ball_settings(double L, double mu, float *lr, float *momentum)
{
    double root = sqrt(L) + sqrt(mu), k = sqrt(L / mu);
    *lr = (float)(4.0 / (root * root));
    *momentum = (float)(((k - 1.0) / (k + 1.0)) * ((k - 1.0) / (k + 1.0)));
}

int ex_steps_to_fraction(Problem *p, const SGDMomentumConfig *cfg, double fraction, int max_steps)
{
    p->reset(p, 0);
    Optimizer *opt = sgd_momentum_new(p->params, cfg);
    if (!opt) return -1;
    double start = 0.0;
    int reached = -1;
    for (int t = 0; t <= max_steps; t++) {
        optimizer_zero_grad(opt);
        double loss = p->loss_and_grad(p, NULL, 0);
        if (t == 0) start = loss;
        if (loss <= fraction * start) {
            reached = t;
            break;
        }
        if (!isfinite(loss)) break;   /* diverged: it will never get there */
        if (t < max_steps) optimizer_step(opt);
    }
    optimizer_free(opt);
    return reached;
}

double ex_loglog_slope(const double *x, const double *y, int n)
{
    double mx = 0, my = 0, sxy = 0, sxx = 0;
    for (int i = 0; i < n; i++) {
        mx += log(x[i]) / n;
        my += log(y[i]) / n;
    }
    for (int i = 0; i < n; i++) {
        sxy += (log(x[i]) - mx) * (log(y[i]) - my);
        sxx += (log(x[i]) - mx) * (log(x[i]) - mx);
    }
    return sxy / sxx;
}
