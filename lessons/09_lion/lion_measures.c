/* lion_measures.c - what lesson 09's program measures Lion with, against
 * AdamW (see lion_measures.h). */
#include "lion_measures.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "experiment.h"
#include "gpt.h"

const OptimizerSpec *const PAIR_SPEC[OPTIMIZERS] = {&LION_SPEC, &ADAMW_SPEC};

const void *pair_config(int k, float weight_decay, PairConfig *cfg)
{
    if (k == 0) cfg->lion = LION_DEFAULTS, cfg->lion.weight_decay = weight_decay;
    else cfg->adamw = ADAMW_DEFAULTS, cfg->adamw.weight_decay = weight_decay;
    return cfg;
}

RunEnd run_end_mean(Problem *p, Run run, int seeds)
{
    RunEnd mean = {0, 0};
    for (int s = 0; s < seeds; s++) {
        bool done = run_watched(p, run_from_start(run, s), NULL, NULL) == run.steps;
        double loss = p->test_accuracy ? digits_test_loss(p) : gpt_validation_loss(p);
        mean.test_loss += (done && isfinite(loss) ? loss : NAN) / seeds;
        mean.test_acc += (p->test_accuracy ? 100 * p->test_accuracy(p) : NAN) / seeds;
    }
    return mean;
}

StepSizes step_sizes_new(float lr, int steps)
{
    return (StepSizes){.lr = lr, .norm = doubles_new((size_t)steps + 1), .moved = doubles_new((size_t)steps + 1)};
}

void step_sizes_free(StepSizes *s)
{
    free(s->norm), free(s->moved);
    s->norm = s->moved = NULL;
}

void step_sizes_watch(const Optimizer *opt, const float *before, const float *after, void *ctx)
{
    StepSizes *s = ctx;
    const ParamList *l = &opt->params;
    if (!after) {   /* before the step: Lion's c against today's gradient */
        if (strcmp(opt->name, "lion") != 0) return;
        double b1 = opt->groups[0].beta1;
        for (int i = 0; i < l->count; i++)
            for (size_t j = 0; j < l->params[i]->numel; j++) {
                float g = l->grads[i]->data[j], c = (float)(b1 * opt->slots[0][i]->data[j] + (1 - b1) * g);
                s->signed_ += g != 0, s->disagree += g != 0 && (c > 0) != (g > 0);
            }
        return;
    }
    size_t n = paramlist_numel(l);
    double sq = 0;
    long moved = 0, exact = 0;
    for (size_t j = 0; j < n; j++) {
        double step = fabs((double)after[j] - before[j]), ratio = step / s->lr;
        sq += step * step, s->all++;
        if (step == 0) { s->zero++; continue; }
        /* exact: float32 rounding of param - lr can be off lr by an ulp of param */
        moved++, exact += fabs(ratio - 1) < 1e-3;
        int bin = (int)floor((log10(ratio) - STEP_BIN_LOW) * 10 + 0.5);
        s->bins[bin < 0 ? 0 : bin >= STEP_BINS ? STEP_BINS - 1 : bin] += 1;
    }
    if (++s->t == 1) s->exact_first = (double)exact / (double)moved;
    s->exact += exact, s->norm[s->t] = sqrt(sq) / s->lr, s->moved[s->t] = (double)moved;
}

/* A sign step moves each coordinate by lr or not at all, so its norm is lr
 * sqrt(the coordinates that moved): the ratio is 1 up to float rounding. */
double sign_norm_worst(const StepSizes *s, int steps)
{
    double worst = 0;
    for (int i = 1; i <= steps; i++) worst = fmax(worst, fabs(s->norm[i] / sqrt(s->moved[i]) - 1));
    return worst;
}

LionTurn lion_turn(const LionConfig *cfg, float a, int history)
{
    float w = 0, m = 0, g = a;
    for (int s = 0; s < history; s++) lion_update(&w, &g, &m, 1, cfg);
    float before = w, minus_one = -1;
    LionTurn turn = {.exp_avg = m};
    /* c as lion_update forms it from the OLD exp_avg, before the step updates it */
    turn.c = cfg->betas[0] * m + (1 - cfg->betas[0]) * minus_one;
    lion_update(&w, &minus_one, &m, 1, cfg);
    turn.step = w - before;
    return turn;
}

/* lrwd_sweep's jobs: job i is cell (l, w) of optimizer k, l fastest. */
typedef struct {
    Problem *p;
    Run base;
    int seeds;
    const LrWdGrid *g;
} GridJobs;

static void grid_cell(int i, void *ctx, double *out)
{
    const GridJobs *jobs = ctx;
    const LrWdGrid *g = jobs->g;
    int l = i % g->nl, w = i / g->nl % g->nw, k = i / (g->nl * g->nw);
    PairConfig cfg;
    Run run = jobs->base;
    run.optimizer = PAIR_SPEC[k], run.config = pair_config(k, (float)g->wd[w], &cfg), run.lr = (float)g->lr[l];
    RunEnd e = run_end_mean(jobs->p, run, jobs->seeds);
    out[0] = e.test_loss, out[1] = e.test_acc;
}

void lrwd_sweep(Problem *p, Run base, int seeds, LrWdGrid *g)
{
    int cells = g->nl * g->nw;
    double *out = doubles_new((size_t)OPTIMIZERS * cells * 2);
    parallel_jobs(OPTIMIZERS * cells, 2, out, grid_cell, &(GridJobs){p, base, seeds, g});
    for (int k = 0; k < OPTIMIZERS; k++) {
        for (int w = 0; w < g->nw; w++)
            for (int l = 0; l < g->nl; l++) {
                const double *o = out + 2 * ((size_t)k * cells + w * g->nl + l);
                g->at[k][w][l] = (RunEnd){o[0], o[1]};
            }
        lrwd_best_in_rows(g, k, 0, g->nw - 1, &g->best_l[k], &g->best_w[k]);   /* over every row */
    }
    free(out);
}

void lrwd_best_in_rows(const LrWdGrid *g, int k, int w0, int w1, int *l, int *w)
{
    double best = INFINITY;   /* a failed cell (NaN) is never the best */
    *l = 0, *w = w0;
    for (int j = w0; j <= w1; j++)
        for (int i = 0; i < g->nl; i++)
            if (g->at[k][j][i].test_loss < best) best = g->at[k][j][i].test_loss, *l = i, *w = j;
}

int lrwd_failed(const LrWdGrid *g, double *smallest_lrwd)
{
    int failed = 0;
    *smallest_lrwd = INFINITY;
    for (int k = 0; k < OPTIMIZERS; k++)
        for (int j = 0; j < g->nw; j++)
            for (int i = 0; i < g->nl; i++)
                if (isnan(g->at[k][j][i].test_loss))
                    failed++, *smallest_lrwd = fmin(*smallest_lrwd, g->lr[i] * g->wd[j]);
    return failed;
}

int lrwd_wd_max(const LrWdGrid *g, int k, double limit)
{
    int w_max = 0;
    for (int j = 0; j < g->nw; j++)
        for (int i = 0; i < g->nl; i++)
            if (g->at[k][j][i].test_loss <= limit) w_max = j > w_max ? j : w_max;
    return w_max;
}

double batch_sweep_lr(const BatchSweep *b, int k, int i)
{
    return b->g->lr[b->g->best_l[k]] * pow(10, 0.5 * (i - b->lrs / 2));
}

/* Job (b, k, i): optimizer k at batch b and its i-th lr, i fastest. */
static void batch_job(int job, void *ctx, double *out)
{
    const BatchSweep *jobs = ctx;
    int i = job % jobs->lrs, k = job / jobs->lrs % OPTIMIZERS, b = job / (jobs->lrs * OPTIMIZERS);
    int batch = jobs->batches[b];
    PairConfig cfg;
    Run run = {.optimizer = PAIR_SPEC[k], .config = pair_config(k, (float)jobs->g->wd[jobs->g->best_w[k]], &cfg),
               .lr = (float)batch_sweep_lr(jobs, k, i), .steps = (int)(jobs->examples / batch), .batch = batch,
               .seed = jobs->seed, .batch_seed = jobs->seed};
    out[0] = run_end_mean(jobs->p, run, jobs->seeds).test_loss;
}

void batch_sweep(const BatchSweep *jobs, double (*loss)[BATCHES_MAX], double (*best_lr)[BATCHES_MAX])
{
    double *out = doubles_new((size_t)jobs->count * OPTIMIZERS * jobs->lrs);
    parallel_jobs(jobs->count * OPTIMIZERS * jobs->lrs, 1, out, batch_job, (void *)jobs);
    for (int b = 0; b < jobs->count; b++)
        for (int k = 0; k < OPTIMIZERS; k++) {
            loss[k][b] = INFINITY, best_lr[k][b] = NAN;   /* NAN: every run failed */
            for (int i = 0; i < jobs->lrs; i++) {
                double e = out[((size_t)b * OPTIMIZERS + k) * jobs->lrs + i];
                if (e < loss[k][b]) loss[k][b] = e, best_lr[k][b] = batch_sweep_lr(jobs, k, i);
            }
        }
    free(out);
}
