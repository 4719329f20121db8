/* ex2_stall.c - exercise 2: the step from which AdamW stops moving half of
 * the weights, on exercises.h's problem (256 weights near 1, a gradient that
 * halves every 20 steps, 1000 steps, weight_decay 0), all in BF16
 * (adamw_update_bf16) and with FP32 master weights (adamw_update_master).
 * Run the problem at the lr given, count the weights each step changes, and
 * return the stall step (0 if there is none). See README.md. Replace the
 * bodies; `make grade` tells you how you did. */
#include "exercises.h"

int ex_bf16_stall_step(float lr)
{
    /* TODO: your code here. */
    (void)lr;
    return -1;
}

int ex_master_stall_step(float lr)
{
    /* TODO: your code here. */
    (void)lr;
    return -1;
}
