/* ex2_spikes.c - exercise 2, solved: how long can one step of Adam be? */
#include <math.h>

#include "exercises.h"

double ex_spike_step(double beta1, double beta2, double ratio)
{
    /* Measured with lesson 5's update, from the state a long run on the
     * gradient 1 leaves: exp_avg = exp_avg_sq = 1, bias corrections 1. In
     * exact arithmetic the step is (beta1 + (1 - beta1) r) / sqrt(beta2 +
     * (1 - beta2) r^2): for a large spike exp_avg grows like (1 - beta1) r,
     * the root only like sqrt(1 - beta2) r. */
    AdamConfig cfg = ADAM_DEFAULTS;
    cfg.lr = 1.0f;
    cfg.betas[0] = beta1;
    cfg.betas[1] = beta2;
    float param = 0.0f, grad = (float)ratio, exp_avg = 1.0f, exp_avg_sq = 1.0f;
    adam_update(&param, &grad, &exp_avg, &exp_avg_sq, NULL, 1, 1000000000L, &cfg);
    return fabs((double)param);
}

double ex_longest_spike_step(double beta1, double beta2, double *worst_ratio)
{
    /* The step is a smooth function of the ratio with one peak: a
     * geometric grid finds it, a finer grid around the best point pins it.
     * Ratio 0 (the gradient vanishes) is tried too: the step is then
     * beta1 / sqrt(beta2), about 0.9 lr, which can be the longest for
     * betas whose peak lies below ratio 1. */
    double best_ratio = 0.0, best = ex_spike_step(beta1, beta2, 0.0);
    for (double r = 1e-3; r <= 1e6; r *= 1.01) {
        double s = ex_spike_step(beta1, beta2, r);
        if (s > best) best = s, best_ratio = r;
    }
    if (best_ratio > 0.0) {
        double lo = best_ratio / 1.01, hi = fmin(best_ratio * 1.01, 1e6);
        for (int k = 0; k <= 2000; k++) {
            double r = lo * pow(hi / lo, k / 2000.0);
            double s = ex_spike_step(beta1, beta2, r);
            if (s > best) best = s, best_ratio = r;
        }
    }
    *worst_ratio = best_ratio;
    return best;
}
