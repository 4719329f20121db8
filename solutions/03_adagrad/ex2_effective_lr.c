/* ex2_effective_lr.c - exercise 2, solved: the learning rate of a coordinate. */
#include <math.h>

#include "exercises.h"

double ex_clr_ratio(int steps, int period, float lr)
{
    AdagradConfig cfg = ADAGRAD_DEFAULTS;
    cfg.lr = lr;
    float param[2] = {0, 0}, sum[2] = {0, 0};
    for (int t = 1; t <= steps; t++) {
        float grad[2] = {1.0f, t % period == 0 ? 1.0f : 0.0f};
        adagrad_update(param, grad, sum, 2, &cfg, t);
    }
    double frequent = lr / (sqrt(sum[0]) + cfg.eps), rare = lr / (sqrt(sum[1]) + cfg.eps);
    return rare / frequent;
}

long ex_steps_to_travel(float lr, double distance, long max_steps)
{
    /* With the gradient 1 on every step, sum = t after step t, so step t
     * moves lr / (sqrt(t) + eps): about 2 lr sqrt(T) after T steps. */
    double moved = 0;
    for (long t = 1; t <= max_steps; t++) {
        moved += lr / (sqrt((double)t) + 1e-10);
        if (moved >= distance) return t;
    }
    return -1;
}
