/* rmsprop_measures.c - what lesson 04's program measures with (see
 * rmsprop_measures.h): RMSProp on one number by hand, and the methods' runs
 * on the moving ravine. */
#include <math.h>

#include "adagrad.h"
#include "experiment.h"
#include "momentum.h"
#include "rmsprop_measures.h"

RMSpropConfig rmsprop_with(double alpha, float momentum, bool centered)
{
    RMSpropConfig cfg = RMSPROP_DEFAULTS;
    cfg.alpha = alpha;
    cfg.momentum = momentum;
    cfg.centered = centered;
    return cfg;
}

void steady_steps(int steps, double *length[STEADY_COUNT] /* each [steps + 1] */)
{
    const double alphas[STEADY_COUNT] = {0, 0.9, 0.99, 0.999, 0.99};
    for (int k = 0; k < STEADY_COUNT; k++) {
        float p = 0.0f, state = 0.0f, grad_avg = 0.0f, g = 1.0f;
        RMSpropConfig cfg = rmsprop_with(alphas[k], 0.0f, k == STEADY_CENTERED);
        AdagradConfig ada = ADAGRAD_DEFAULTS;
        length[k][0] = NAN;
        for (int t = 1; t <= steps; t++) {
            float before = p;
            if (k == STEADY_ADAGRAD) adagrad_update(&p, &g, &state, 1, &ada, t);
            else rmsprop_update(&p, &g, &state, &grad_avg, NULL, 1, &cfg);
            length[k][t] = (before - p) / (k == STEADY_ADAGRAD ? ada.lr : cfg.lr);
            if (fabsf(p) > 1e6f) p = 0.0f;   /* keep p where a step is not lost to rounding */
        }
    }
}

void step_response(double alpha, int steps, double *square_avg /* [steps + 1] */)
{
    RMSpropConfig cfg = rmsprop_with(alpha, 0.0f, false);
    float p = 0.0f, state = 0.0f, g = 1.0f;
    square_avg[0] = 0.0;
    for (int t = 1; t <= steps; t++) {
        rmsprop_update(&p, &g, &state, NULL, NULL, 1, &cfg);
        square_avg[t] = state;
    }
}

int scale_change(double alpha, float from, float to, double *largest)
{
    RMSpropConfig cfg = rmsprop_with(alpha, 0.0f, false);
    float state = from * from;
    *largest = 0;
    for (int t = 1; t <= 1000000; t++) {
        float p = 0.0f;
        rmsprop_update(&p, &to, &state, NULL, NULL, 1, &cfg);
        double length = -p / cfg.lr;
        *largest = fmax(*largest, length);
        if (length >= 0.5 && length <= 2.0) return t;
    }
    return -1;
}

Run variant_run(const Variant *v, float lr, int steps)
{
    return (Run){.optimizer = v->spec, .config = v->spec == &RMSPROP_SPEC ? &v->cfg : NULL, .lr = lr, .steps = steps};
}

/* Coordinate 0's effective learning rate: lr for GD, lr/(sqrt(sum) + eps)
 * for AdaGrad, lr/(sqrt(square_avg) + eps) for RMSProp. */
static double effective_lr(const Optimizer *opt, const void *variant)
{
    const Variant *v = variant;
    if (opt->num_slots == 0) return opt->groups[0].lr;
    double eps = v->spec == &ADAGRAD_SPEC ? ADAGRAD_DEFAULTS.eps : v->cfg.eps;
    return opt->groups[0].lr / (sqrt(opt->slots[0][0]->data[0]) + eps);
}

double steps_to_adapt(const JumpRun *scaled, const JumpRun *same, int phase)
{
    int t = 2 * phase;
    while (t > phase && fabs(log(scaled->probe[t] / same->probe[t])) <= log(2.0)) t--;
    return t == 2 * phase ? NAN : t + 1 - phase;
}

JumpResult jump_result(Problem *p, const Variant *v, int phase)
{
    Jump same = {.phase = phase, .scale = 1, .noise = JUMP_NOISE}, scaled = same;
    scaled.scale = JUMP_SCALE;
    float lrs[17];
    lr_grid(lrs, 17, -12, 4);   /* 0.001 .. 10 */
    Sweep sw = sweep_jump_first_phase(p, variant_run(v, 0, 0), same, lrs, 17);   /* tuned on the first minimum */
    if (sw.best < 0) fail("every learning rate diverged on the moving ravine");
    JumpResult res = {.lr = sw.lr[sw.best]};
    res.same = run_jump(p, variant_run(v, res.lr, 2 * phase), same, effective_lr, v);
    res.scaled = run_jump(p, variant_run(v, res.lr, 2 * phase), scaled, effective_lr, v);
    /* times the scale: a method that has adapted to the flatter problem steps as on the other */
    for (int t = phase; t <= 2 * phase; t++) res.scaled.probe[t] *= JUMP_SCALE;
    res.adapt = steps_to_adapt(&res.scaled, &res.same, phase);
    return res;
}
