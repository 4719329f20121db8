/* contenders.c - Adam, momentum and RMSProp for lesson 05's program (see
 * contenders.h). */
#include "contenders.h"

#include <math.h>
#include <stdlib.h>

#include "adam.h"
#include "experiment.h"
#include "gpt.h"
#include "momentum.h"
#include "rmsprop.h"

static const SGDMomentumConfig MOMENTUM_09 = {.lr = 1e-3f, .momentum = 0.9f};

const Contender CONTENDER[CONTENDERS] = {
    {"momentum 0.9", "mom", &SGD_MOMENTUM_SPEC, &MOMENTUM_09, "linespoints ls 1 pt 7", "lines ls 1"},
    {"RMSProp", "rms", &RMSPROP_SPEC, NULL, "linespoints ls 3 pt 5", "lines ls 3"},
    {"Adam", "adam", &ADAM_SPEC, NULL, "linespoints ls 2 pt 9", "lines ls 2"},
};

Run contender_run(int c, Run run, float lr)
{
    run.optimizer = CONTENDER[c].spec;
    run.config = CONTENDER[c].config;
    run.lr = lr;
    return run;
}

ContenderSweep contender_sweep(Problem *p, int c, Run run, int starts, const float *lrs, int count, double factor)
{
    ContenderSweep out;
    run = contender_run(c, run, 0);
    out.sweep = starts ? sweep_steps_full(p, run, starts, lrs, count) : sweep_final_loss(p, run, lrs, count);
    out.band = sweep_lr_band(&out.sweep, factor);
    out.score = out.sweep.best >= 0 ? out.sweep.score[out.sweep.best] : NAN;
    out.best_lr = out.sweep.best >= 0 ? out.sweep.lr[out.sweep.best] : NAN;
    return out;
}

void gpt_start_rms(Problem *p, uint64_t seed, int windows, double *rms)
{
    int *first = must(malloc((size_t)windows * sizeof *first), "out of memory");
    for (int i = 0; i < windows; i++) first[i] = i;
    p->reset(p, seed);
    tensor_grad_rms(p, first, windows, rms);
    free(first);
}

GptRun gpt_run(Problem *p, Run run, int tail)
{
    GptRun out = {.lr = run.lr, .batch_loss = doubles_new((size_t)run.steps)};
    int steps = run_tensor_rms(p, run, tail, out.batch_loss, out.grad_rms, out.step_rms);
    out.val_loss = steps == run.steps ? gpt_validation_loss(p) : INFINITY;
    return out;
}

GptRun gpt_best_run(Problem *p, int c, Run run, const float *lrs, int count, int tail, double *val)
{
    GptRun best = {.val_loss = INFINITY};
    for (int k = 0; k < count; k++) {
        GptRun g = gpt_run(p, contender_run(c, run, lrs[k]), tail);
        val[k] = g.val_loss;
        if (g.val_loss < best.val_loss) free(best.batch_loss), best = g;
        else free(g.batch_loss);
    }
    return best;
}
