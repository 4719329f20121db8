/* ex3_decoupled.c - exercise 3: lucidrains' Lion, decoupled_weight_decay, and
 * where the decay leaves a weight. See README.md. Replace the bodies; `make
 * grade` tells you how you did. */
#include "exercises.h"

void ex_lion_lucidrains_step(float *param /* [n] */, const float *grad /* [n] */, float *exp_avg /* [n] */,
                             size_t n, double lr, const LucidrainsLionConfig *cfg)
{
    /* TODO: your code here. */
    (void)param;
    (void)grad;
    (void)exp_avg;
    (void)n;
    (void)lr;
    (void)cfg;
}

double ex_lion_resting_weight(const LucidrainsLionConfig *cfg, double target, double h)
{
    /* TODO: your code here. */
    (void)cfg;
    (void)target;
    (void)h;
    return 0;
}
