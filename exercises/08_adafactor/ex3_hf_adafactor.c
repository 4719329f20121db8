/* ex3_hf_adafactor.c - exercise 3: Hugging Face's Adafactor: momentum, warm-up.
 * See README.md. Replace the bodies; `make grade` tells you how you did. */
#include "exercises.h"

double ex_hf_lr(const HFAdafactorConfig *cfg, long step, double param_rms)
{
    /* TODO: your code here. */
    (void)cfg;
    (void)step;
    (void)param_rms;
    return 0;
}

void ex_hf_adafactor_step(float *param, const float *grad, float *exp_avg_sq_row, float *exp_avg_sq_col,
                          float *exp_avg, int rows, int cols, long step, const HFAdafactorConfig *cfg)
{
    /* TODO: your code here. */
    (void)param;
    (void)grad;
    (void)exp_avg_sq_row;
    (void)exp_avg_sq_col;
    (void)exp_avg;
    (void)rows;
    (void)cols;
    (void)step;
    (void)cfg;
}
