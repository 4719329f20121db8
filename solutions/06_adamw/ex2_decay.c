/* ex2_decay.c - exercise 2, solved: what weight decay does to a weight the
 * loss does not care about, and to one it keeps pushing. */
#include <math.h>

#include "exercises.h"

/* One weight w and its gradient, as a model would hand them over, and an
 * optimizer on them: Adam with its L2 term, or AdamW. */
typedef struct {
    MemoryLedger ledger;
    Tensor *w, *grad;
    Optimizer *opt;
} OneWeight;

static int one_weight_new(OneWeight *m, bool decoupled, const AdamConfig *cfg, float start)
{
    *m = (OneWeight){0};
    m->w = tensor_new_1d(&m->ledger, "w", TAG_PARAM, 1);
    m->grad = tensor_new_1d(&m->ledger, "w.grad", TAG_GRAD, 1);
    if (!m->w || !m->grad) return -1;
    m->w->data[0] = start;
    ParamList params = {.count = 1, .params = &m->w, .grads = &m->grad};
    m->opt = decoupled ? adamw_new(params, cfg) : adam_new(params, cfg);
    return m->opt ? 0 : -1;
}

static void one_weight_free(OneWeight *m)
{
    if (m->opt) optimizer_free(m->opt);
    tensor_free(m->grad);
    tensor_free(m->w);
}

/* One step on the gradient g; returns w after it. */
static double one_step(OneWeight *m, double g)
{
    optimizer_zero_grad(m->opt);
    m->grad->data[0] = (float)g;
    optimizer_step(m->opt);
    return m->w->data[0];
}

double ex_shrink_per_step(bool decoupled, const AdamConfig *cfg, double s)
{
    OneWeight m;
    if (one_weight_new(&m, decoupled, cfg, 1.0f) != 0) {
        one_weight_free(&m);
        return NAN;
    }
    /* 1000 steps for the bias corrections to fade, then 1000 measured: an
     * even number, so that Adam's push, +lr and -lr by turns, cancels. */
    double w_1000 = 0.0, w = 1.0;
    for (int t = 1; t <= 2000; t++) {
        w = one_step(&m, t % 2 ? s : -s);
        if (t == 1000) w_1000 = w;
    }
    one_weight_free(&m);
    return 1.0 - pow(w / w_1000, 1.0 / 1000.0);
}

double ex_resting_weight(bool decoupled, const AdamConfig *cfg, double g)
{
    OneWeight m;
    if (one_weight_new(&m, decoupled, cfg, 0.0f) != 0) {
        one_weight_free(&m);
        return NAN;
    }
    /* AdamW closes the gap to its rest by lr * weight_decay a step; Adam
     * with L2 walks there at about lr a step, then may wobble about it. So
     * run in blocks of 1000 steps and stop when a block's mean is where the
     * block before left it, to 1e-7 of w: at rest. 100 blocks at most. */
    const int block = 1000;
    double mean = 0.0, before = NAN;
    for (int b = 0; b < 100; b++) {
        double sum = 0.0;
        for (int t = 0; t < block; t++) sum += one_step(&m, g);
        mean = sum / block;
        if (fabs(mean - before) <= 1e-7 * fabs(mean)) break;
        before = mean;
    }
    one_weight_free(&m);
    return mean;
}
