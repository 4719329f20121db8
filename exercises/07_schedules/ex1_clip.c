/* ex1_clip.c - exercise 1: clipping as PyTorch clips.
 * See README.md. Replace the bodies; `make grade` tells you how you did. */
#include "exercises.h"

float ex_clip_grad_norm(const ParamList *params, float max_norm, float norm_type)
{
    /* TODO: your code here. */
    (void)params;
    (void)max_norm;
    (void)norm_type;
    return 0;
}

void ex_clip_grad_value(const ParamList *params, float clip_value)
{
    /* TODO: your code here. */
    (void)params;
    (void)clip_value;
}
