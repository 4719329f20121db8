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
#include "rotated.h"

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

int race_sweeps(const RaceCourse *c, double factor, float *lrs, ContenderSweep *s)
{
    int count = (c->hi - c->lo) * c->per_decade + 1;   /* both ends in the grid */
    lr_grid(lrs, count, c->lo * c->per_decade, c->per_decade);
    for (int o = 0; o < CONTENDERS; o++)
        s[o] = contender_sweep(c->p, o, c->run, c->starts, lrs, count, factor);
    return count;
}

void race_courses(int hidden, uint64_t seed, int max_steps, int per_decade, Run mlp,
                  RaceCourse *out)
{
    out[0] = (RaceCourse){must(rotated_ravine_new(RACE_KAPPA, atan(1.0)), "out of memory"), -4, 3,
                          per_decade, RACE_STARTS, {.steps = max_steps}};
    out[1] = (RaceCourse){must(rosenbrock_new(), "out of memory"), -5, 1, per_decade, 1,
                          {.steps = max_steps}};
    out[2] = (RaceCourse){must_mlp(hidden, seed), -3, 0, per_decade / 2, 0, mlp};
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

void gpt_race(Problem *p, Run run, int tail, int windows, const int first[CONTENDERS],
              const int count[CONTENDERS], GptRace *g)
{
    if (p->params.count > GPT_BLOCKS_MAX)   /* start_rms and each GptRun hold that many */
        fail("a GPT of %d tensors: at most %d", p->params.count, GPT_BLOCKS_MAX);
    gpt_start_rms(p, run.seed, windows, g->start_rms);
    for (int o = 0; o < CONTENDERS; o++) {
        g->count[o] = count[o];
        lr_grid(g->lrs[o], count[o], first[o], 2);   /* 2 a decade: half a decade apart */
        g->best[o] = gpt_best_run(p, o, run, g->lrs[o], count[o], tail, g->val[o]);
        if (!isfinite(g->best[o].val_loss))
            fail("every %s run diverged on the GPT", CONTENDER[o].label);
    }
}

void gpt_race_free(GptRace *g)
{
    for (int o = 0; o < CONTENDERS; o++) free(g->best[o].batch_loss), g->best[o].batch_loss = NULL;
}

GptBlocks gpt_blocks_of(const GptRace *g, int blocks)
{
    const double *start_rms = g->start_rms;
    const GptRun *best = g->best;
    GptBlocks b = {.grad_decades = decades(start_rms, blocks),
                   .late_decades = decades(best[ADAM].grad_rms, blocks),
                   .largest = index_of_max(start_rms, blocks),
                   .smallest = index_of_min(start_rms, blocks)};
    for (int o = 0; o < CONTENDERS; o++) {
        /* over lr: each at its own best lr, the three compare by the step's shape */
        for (int i = 0; i < blocks; i++) b.step[o][i] = best[o].step_rms[i] / best[o].lr;
        b.step_decades[o] = decades(b.step[o], blocks);
        b.slope[o] = loglog_slope(best[o].grad_rms, b.step[o], blocks);
        b.slowest[o] = index_of_min(b.step[o], blocks);
        b.fastest[o] = index_of_max(b.step[o], blocks);
    }
    int slow = b.slowest[MOM];
    b.adam_over_mom = best[ADAM].step_rms[slow] / best[MOM].step_rms[slow];
    return b;
}
