/* ex3_paper_adamw.c - exercise 3: AdamW as the paper writes it, on a schedule.
 * See README.md. Replace the bodies; `make grade` tells you how you did. */
#include "exercises.h"

void ex_paper_adamw_step(float *param, const float *grad, float *exp_avg, float *exp_avg_sq, size_t n,
                         long step, double eta, const PaperAdamWConfig *cfg)
{
    /* TODO: your code here. */
    (void)param;
    (void)grad;
    (void)exp_avg;
    (void)exp_avg_sq;
    (void)n;
    (void)step;
    (void)eta;
    (void)cfg;
}

double ex_warmup_cosine(long t, long warmup, long total)
{
    /* TODO: your code here. */
    (void)t;
    (void)warmup;
    (void)total;
    return 0;
}
