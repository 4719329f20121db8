/* ex2_stall.c - exercise 2, solved: exercises.h's problem run in all-BF16
 * AdamW and with FP32 master weights, counting the weights each step
 * changes, and the first step from which a step always changes fewer than
 * half of them. */
#include <math.h>
#include <string.h>

#include "exercises.h"
#include "lowp.h"
#include "mixed.h"

static float start_weight(int i)
{
    return 0.8125f + (float)(i % 64) / 128.0f;
}

/* The gradient of weight i at step t: exactly a BF16 value. */
static float gradient(int i, long t)
{
    const float sign = i < EX2_N / 2 ? 1.0f : -1.0f;
    return ldexpf(sign * (float)(1 + (i / 64) % 2), -10 - (int)((t - 1) / EX2_HALVING));
}

static AdamWConfig problem_config(float lr)
{
    AdamWConfig cfg = ADAMW_DEFAULTS;
    cfg.lr = lr;
    cfg.weight_decay = 0.0f;
    return cfg;
}

/* Walked back from the last step: the stall is where the run of steps that
 * move fewer than half, ending at the last step, begins. */
static int stall_step(const int *moved /* [EX2_STEPS + 1] */)
{
    int stall = 0;
    for (int t = EX2_STEPS; t >= 1 && 2 * moved[t] < EX2_N; t--) stall = t;
    return stall;
}

int ex_bf16_stall_step(float lr)
{
    const AdamWConfig cfg = problem_config(lr);
    uint16_t param[EX2_N], grad[EX2_N], exp_avg[EX2_N] = {0}, exp_avg_sq[EX2_N] = {0}, before[EX2_N];
    int moved[EX2_STEPS + 1] = {0};
    for (int i = 0; i < EX2_N; i++) param[i] = bf16_from_float(start_weight(i));
    for (long t = 1; t <= EX2_STEPS; t++) {
        for (int i = 0; i < EX2_N; i++) grad[i] = bf16_from_float(gradient(i, t));
        memcpy(before, param, sizeof before);
        adamw_update_bf16(param, grad, exp_avg, exp_avg_sq, NULL, EX2_N, t, &cfg);
        for (int i = 0; i < EX2_N; i++) moved[t] += param[i] != before[i];
    }
    return stall_step(moved);
}

int ex_master_stall_step(float lr)
{
    const AdamWConfig cfg = problem_config(lr);
    uint16_t param[EX2_N];
    float master[EX2_N], grad[EX2_N], exp_avg[EX2_N] = {0}, exp_avg_sq[EX2_N] = {0}, before[EX2_N];
    int moved[EX2_STEPS + 1] = {0};
    for (int i = 0; i < EX2_N; i++) master[i] = start_weight(i);
    for (long t = 1; t <= EX2_STEPS; t++) {
        for (int i = 0; i < EX2_N; i++) grad[i] = gradient(i, t);
        memcpy(before, master, sizeof before);
        adamw_update_master(param, master, grad, exp_avg, exp_avg_sq, NULL, EX2_N, t, &cfg);
        for (int i = 0; i < EX2_N; i++) moved[t] += master[i] != before[i];
    }
    return stall_step(moved);
}
