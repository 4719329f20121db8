/* ex3_warm_restarts.c - exercise 3, solved: CosineAnnealingWarmRestarts as
 * PyTorch 1.13 runs it. */
#include <math.h>
#include <stdio.h>

#include "exercises.h"

/* math.pi, the double nearest pi. */
static const double PI = 3.14159265358979323846;

/* get_lr(): the formula afresh, in PyTorch's order of operations. */
static double warm_restarts_lr(const WarmRestarts *s)
{
    return s->eta_min + (s->base_lr - s->eta_min) * (1 + cos(PI * s->T_cur / (double)s->T_i)) / 2;
}

int ex_warm_restarts_start(WarmRestarts *s, double lr, int T_0, int T_mult, double eta_min, char *err,
                           size_t errlen)
{
    if (T_0 <= 0) {
        snprintf(err, errlen, "Expected positive integer T_0, but got %d", T_0);
        return -1;
    }
    if (T_mult < 1) {
        snprintf(err, errlen, "Expected integer T_mult >= 1, but got %d", T_mult);
        return -1;
    }
    *s = (WarmRestarts){.base_lr = lr, .T_0 = T_0, .T_mult = T_mult, .eta_min = eta_min,
                        .T_cur = -1, .T_i = T_0, .last_epoch = -1, .lr = lr};
    /* The constructor's step(): last_epoch < 0 makes it step(0). */
    ex_warm_restarts_step_to(s, 0.0);
    return 0;
}

double ex_warm_restarts_step(WarmRestarts *s)
{
    /* One on; past the cycle's end, a restart into a cycle T_mult times as
     * long. One subtraction, not a loop, as PyTorch. */
    s->last_epoch += 1;
    s->T_cur = s->T_cur + 1;
    if (s->T_cur >= (double)s->T_i) {
        s->T_cur = s->T_cur - (double)s->T_i;
        s->T_i = s->T_i * s->T_mult;
    }
    s->lr = warm_restarts_lr(s);
    return s->lr;
}

double ex_warm_restarts_step_to(WarmRestarts *s, double epoch)
{
    if (epoch < 0) return NAN;   /* ValueError: Expected non-negative epoch */
    if (epoch >= s->T_0) {
        if (s->T_mult == 1) {
            s->T_cur = fmod(epoch, s->T_0);   /* Python's %, for epoch >= 0 */
        } else {
            /* The cycle n holds epochs T_0 (T_mult^n - 1)/(T_mult - 1) and on:
             * n = int(math.log(epoch / T_0 * (T_mult - 1) + 1, T_mult)), and
             * math.log(x, base) is log(x) / log(base) in double, so a
             * restart epoch may land in the cycle before (log(243) / log(3)
             * is 4.999999999999999). */
            double x = epoch / s->T_0 * (s->T_mult - 1) + 1;
            long n = (long)(log(x) / log((double)s->T_mult));
            long power = 1;
            for (long i = 0; i < n; i++) power *= s->T_mult;
            s->T_cur = epoch - (double)((long)s->T_0 * (power - 1)) / (double)(s->T_mult - 1);
            s->T_i = (long)s->T_0 * power;
        }
    } else {
        s->T_i = s->T_0;
        s->T_cur = epoch;
    }
    s->last_epoch = (long)floor(epoch);
    s->lr = warm_restarts_lr(s);
    return s->lr;
}
