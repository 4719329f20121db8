/* main.c - lesson 05's program: every table and figure of the Adam chapter.
 *
 *     build/bin/05_adam [--steps=N] [--seed=S] [--quick] [--out=DIR]
 *
 * Tables print here and go to DIR/out/05_adam/, figures to DIR/fig/.
 * --steps is the digits MLP's steps in the race (1000; with --quick, a
 * quarter of --steps, which is then 200 unless given; at least 20); --seed draws the
 * MLP's start and batches; --quick shrinks every experiment so that the
 * whole program runs in about a second (the tests use it). What it measures
 * with, the runs, sweeps and statistics, is in adam_measures.h (Part A: Adam
 * run by hand) and contenders.h (Part B: the three contenders). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "adam.h"
#include "contenders.h"
#include "experiment.h"
#include "adam_measures.h"
#include "runs.h"

static const OptionSpec FLAGS[] = {
    LESSON_FLAGS("the digits MLP's steps in the race; fewer than 20 run as 20"),
    {NULL, 0, 0, NULL, 0, 0},
};

/* ==== PART A: Adam itself (sections 1-5) ==== */

#define MLP_HIDDEN 32   /* the digits MLP of chapters 1, 2 and 4: 64-32-10, tanh */

/* ---- 1. bias correction: how much of the gradient's scale the averages hold ---- */

/* beta^t and the corrections at t = 1, 10, 100, 1000 for PyTorch's betas. */
static void bias_correction(Report *r)
{
    const AdamConfig cfg = ADAM_DEFAULTS;
    const Column columns[] = {{"step t", "%d"}, {"beta1^t", "%.3g"}, {"1/(1-beta1^t)", "%.3f"}, {"beta2^t", "%.4f"},
                              {"1/(1-beta2^t)", "%.1f"}, {"1/sqrt(1-beta2^t)", "%.2f"}, {NULL, NULL}};
    Table *t = table_begin(r, "bias_correction", "Bias correction at PyTorch's betas (0.9, 0.999)", columns);
    const int steps[] = {1, 10, 100, 1000};
    for (int k = 0; k < 4; k++) {
        BiasCorrection c = bias_correction_at(&cfg, steps[k]);
        table_row(t, steps[k], c.beta1_pow, c.m, c.beta2_pow, c.v, c.root);
        report_values(r, value_tag(r, "%d", steps[k]), (NamedValue[]){
            {"bc_beta1_pow_%s", "%.3g", c.beta1_pow}, {"bc_m_%s", "%.3g", c.m},
            {"bc_beta2_pow_%s", "%.3g", c.beta2_pow}, {"bc_v_%s", "%.4g", c.v},
            {"bc_root_%s", "%.3g", c.root}, {NULL}});
    }
    table_note(t, "exp_avg is divided by 1 - beta1^t, the root of exp_avg_sq by sqrt(1 - beta2^t)");
    table_end(t);
}

/* ---- 2. without the correction: first steps too long, or too short -------------- */

/* Every gradient 1: the step over lr without the correction at three beta2,
 * with it, and with it after 1000 steps of zero gradient. */
static void steady_gradient(Report *r)
{
    enum { KINDS = STEADY_KINDS, STEPS = STEADY_STEPS };
    const char *titles[KINDS] = {"no correction, beta2 0.999", "no correction, beta2 0.99", "no correction, beta2 0.95",
                                 "corrected", "corrected, gradient 0 for 1000 steps first"};
    const char *tags[KINDS] = {"0999", "099", "095", "corrected", "woken"};
    double length[KINDS][STEPS + 1];
    adam_steady_kinds(length);

    const Column columns[] = {{"step t", "%d"}, {"no correction\nbeta2 0.999", "%.3f"}, {"\n0.99", "%.3f"},
                              {"\n0.95", "%.3f"}, {"corrected\n", "%.3f"},
                              {"corrected, gradient 0\nfor 1000 steps first", "%.3f"}, {NULL, NULL}};
    Table *t = table_begin(r, "uncorrected", "Step length over lr when every gradient is 1 (beta1 0.9)", columns);
    const int rows[] = {1, 2, 5, 10, 20, 50, 100, 1000};
    for (int i = 0; i < 8; i++) {
        int s = rows[i];
        table_row(t, s, length[0][s], length[1][s], length[2][s], length[3][s], length[4][s]);
    }
    table_note(t, "last column: t counts the steps since the gradient turned on");
    table_end(t);

    Figure *fig = report_figure_set(r, "05_uncorrected",
                                    "set xlabel 'step t (last curve: steps since the gradient turned on)'\n"
                                    "set ylabel 'step length / lr'\nset logscale x\nset xrange [1:%d]\n"
                                    "set yrange [0:7]\nset key top right\n", STEPS);
    const char *styles[KINDS] = {"lines ls 2", "lines ls 3", "lines ls 4", "lines ls 1", "lines ls 6 dt 2"};
    for (int k = 0; k < KINDS; k++) {
        figure_curve(fig, styles[k], length[k], 1, STEPS, "%s", titles[k]);
        int peak = 1 + index_of_max(length[k] + 1, STEPS);
        report_values(r, tags[k], (NamedValue[]){
            {"steady_%s_first", "%.3g", length[k][1]}, {"steady_%s_peak", "%.3g", length[k][peak]},
            {"steady_%s_peak_t", "%d", peak}, {"steady_%s_100", "%.3g", length[k][100]},
            {"steady_%s_1000", "%.3g", length[k][1000]}, {NULL}});
    }
    figure_close(fig);
    report_value(r, "steady_quiet_steps", "%d", STEPS);   /* the last kind's steps of gradient 0 */
}

/* The digits MLP at three learning rates, with and without the correction:
 * the median step over lr and the loss, early and at the end. */
static void uncorrected_mlp(Report *r, const LessonArgs *a)
{
    const float lrs[3] = {1e-3f, 1e-2f, 1e-1f};
    const int steps = a->quick ? 100 : 500;
    Problem *p = must_mlp(MLP_HIDDEN, (uint64_t)a->seed);
    double *loss = doubles_new((size_t)steps + 1);
    const Column columns[] = {{"lr", "%g"}, {"bias\ncorrection", "%s"}, {"step/lr\nt = 1", "%.2f"},
                              {"\n10", "%.2f"}, {"\n100", "%.2f"}, {"loss\nt = 10", "%.3f"}, {"\n100", "%.3f"},
                              {"\nend", "%.4f"}, {NULL, NULL}};
    Table *t = table_begin(r, "uncorrected_mlp", "The digits MLP with and without bias correction", columns);
    Figure *fig = loss_figure(r, "05_uncorrected_mlp",
                              "set key top right\nset ylabel 'mini-batch loss (mean of 10 steps)'\n");
    for (int k = 0; k < 3; k++)
        for (int c = 1; c >= 0; c--) {
            MlpEarly e = adam_mlp_early(p, (uint64_t)a->seed, lrs[k], c, steps, loss);
            table_row(t, lrs[k], c ? "yes" : "no", e.median[0], e.median[1], e.median[2], e.loss10,
                      e.loss100, e.final);
            report_values(r, value_tag(r, "%s_lr%d", c ? "corr" : "unc", k), (NamedValue[]){
                {"mlp_%s_med1", "%.3g", e.median[0]}, {"mlp_%s_med10", "%.3g", e.median[1]},
                {"mlp_%s_loss10", "%.3g", e.loss10}, {"mlp_%s_loss100", "%.3g", e.loss100},
                {"mlp_%s_final", "%.3g", e.final}, {NULL}});
            if (k == 1) continue;   /* lr 0.01: in the table only */
            const char *styles[2][2] = {{"lines ls 2 dt 2", "lines ls 2"}, {"lines ls 4 dt 2", "lines ls 4"}};
            figure_trailing_means(fig, styles[k / 2][c], loss, steps, 10, "lr %g, %s",
                                  lrs[k], c ? "corrected" : "no correction");
        }
    table_note(t, "step/lr: the median over the %zu parameters of |step|/lr at step t; loss: the\n"
                  "mini-batch's at step t, and all examples' at the end; batch 32, %d steps, betas\n(0.9, 0.999)",
               paramlist_numel(&p->params), steps);
    table_end(t);
    figure_close(fig);
    report_value(r, "mlp_steps", "%d", steps);
    for (int k = 0; k < 3; k++) report_value(r, value_name(r, "mlp_lr%d", k), "%g", lrs[k]);
    free(loss);
    problem_free(p);
}

/* ---- 3. the first step is lr sign(g); the loss's scale does not matter, until eps ---- */

/* The loss times 1000, 1, 1/1000 ... on the digits MLP: the first step, and
 * how far the parameters end from the unscaled run's after `steps` steps. */
static void loss_scale(Report *r, const LessonArgs *a)
{
    const double scales[6] = {1e3, 1, 1e-3, 1e-6, 1e-9, 1e-12};
    const char *tags[6] = {"p3", "0", "m3", "m6", "m9", "m12"};
    int steps = a->quick ? 50 : 500;
    const uint64_t seed = (uint64_t)a->seed;
    Problem *p = must_mlp(MLP_HIDDEN, seed);
    size_t n = paramlist_numel(&p->params);
    AdamConfig cfg = ADAM_DEFAULTS;
    cfg.lr = 0.01f;
    ScaledRun scaled[6];
    adam_scale_sweep(p, seed, &cfg, steps, scales, 6, scaled);
    const Column columns[] = {{"loss\ntimes", "%g"}, {"\nmedian |g|", "%.2g"}, {"first step\nwithin 1%", "%.1f%%"},
                              {"\nworst", "%.2g"}, {"after the steps\nmost apart", "%.2g"},
                              {"\nfinal loss", "%.4f"}, {NULL, NULL}};
    Table *t = table_begin(r, "scale", "Adam on the digits MLP with its loss multiplied by a constant", columns);
    for (int k = 0; k < 6; k++) {
        ScaledRun s = scaled[k];
        table_row(t, scales[k], s.first.median_g, 100 * s.first.share, s.first.worst, s.apart, s.loss);
        report_values(r, tags[k], (NamedValue[]){
            {"scale_%s_median_g", "%.3g", s.first.median_g},
            {"scale_%s_share", "%.3g", 100 * s.first.share},
            {"scale_%s_worst", "%.3g", s.first.worst}, {"scale_%s_apart", "%.3g", s.apart},
            {"scale_%s_loss", "%.4f", s.loss}, {NULL}});
        if (scales[k] != 1) continue;
        report_values(r, NULL, (NamedValue[]){
            {"first_zero", "%d", s.first.zero}, {"first_min_g", "%.2g", s.first.min_g}, {NULL}});
        table_note(t, "first step, on all examples, over the %zu coordinates whose gradient is not 0 (of %zu):",
                   n - (size_t)s.first.zero, n);
    }
    table_note(t, "the share with |step|/lr within 1%% of 1, and the largest | |step|/lr - 1 |. Then %d steps\n"
                  "at lr %g, batch 32: the largest |theta - theta_1|, theta_1 from the loss times 1", steps, cfg.lr);
    table_end(t);
    report_values(r, NULL, (NamedValue[]){
        {"scale_steps", "%d", steps}, {"scale_lr", "%g", cfg.lr}, {NULL}});
    problem_free(p);
}

/* ---- 4. AMSGrad: the online problem of Reddi, Kale and Kumar --------------------- */

/* Adam and AMSGrad on one online problem for `steps` steps: its row of the
 * table, its values and, unless fig is NULL, x_t in the figure (a period's
 * mean at a time) in styles[2], Adam's and AMSGrad's. */
static void online_problem(Report *r, Table *t, Figure *fig, const Online *o, int steps,
                           const char *const styles[2])
{
    double *x = doubles_new((size_t)steps + 1);
    OnlineRun run[2];
    for (int ams = 0; ams <= 1; ams++) {
        run[ams] = online_run(o, ams, steps, x);
        report_values(r, value_tag(r, "%s_%s", o->tag, ams ? "ams" : "adam"), (NamedValue[]){
            {"online_%s_x", "%.3f", run[ams].mean_x}, {"online_%s_regret", "%.3g", run[ams].regret},
            {"online_%s_reach", "%d", run[ams].reach}, {NULL}});
        if (fig)
            figure_period_means(fig, figure_series(fig, styles[ams], "%s, %s", ams ? "AMSGrad" : "Adam", o->label),
                                x, o->period, steps);
    }
    report_value(r, value_name(r, "online_%s_steps", o->tag), "%d", steps);
    table_row(t, o->label, steps, run[0].mean_x, run[0].regret, run[1].mean_x, run[1].regret);
    free(x);
}

/* Adam and AMSGrad on three versions of the problem: the mean of x over the
 * last tenth of the steps, the mean regret, and x_t in a figure. */
static void amsgrad(Report *r, const LessonArgs *a)
{
    const Online problems[3] = {
        {"C = 10, betas (0, 1/101)", "c10", 10, 1, 3, 0.0, 1.0 / 101},
        {"C = 10, betas (0.9, 0.999)", "c10default", 10, 1, 3, 0.9, 0.999},
        {"1010 and -10, betas (0.9, 0.99)", "c1010", 1010, 10, 101, 0.9, 0.99},
    };
    const int steps[3] = {a->quick ? 3000 : 30000, a->quick ? 3000 : 30000, a->quick ? 10000 : 1000000};
    const Column columns[] = {{"problem", "%s"}, {"steps", "%d"}, {"Adam\nmean x", "%.3f"}, {"\nmean regret", "%.3g"},
                              {"AMSGrad\nmean x", "%.3f"}, {"\nmean regret", "%.3g"}, {NULL, NULL}};
    Table *t = table_begin(r, "amsgrad", "The online problem of Reddi et al. (2018), with Adam and AMSGrad", columns);
    Figure *fig = report_figure_set(r, "05_amsgrad", "set xlabel 'step t'\nset ylabel 'x_t (mean over its period)'\n"
                                                     "set logscale x\nset yrange [-1.1:1.1]\nset key below\n");
    const char *const styles[2][2] = {{"lines ls 1", "lines ls 2"}, {"lines ls 3 dt 2", "lines ls 4 dt 2"}};
    for (int k = 0; k < 3; k++)   /* the second: both go to -1, in the table only */
        online_problem(r, t, k == 1 ? NULL : fig, &problems[k], steps[k], styles[k / 2]);
    table_note(t, "f_t(x) = C x when t mod 3 = 1, else -x (first two rows); 1010 x when t mod 101 = 1,\n"
                  "else -10 x (last); x in [-1, 1], from 0; lr 0.01. The best x is -1 in every row.\n"
                  "mean x: over the last tenth of the steps; mean regret: R_T/T against x = -1");
    table_end(t);
    figure_close(fig);
}

/* ---- 5. what Adam keeps: bytes of state per parameter ------------------------------ */

/* optimizer_state_bytes of Adam and of AMSGrad on the digits MLP, and their
 * slots parameter by parameter. */
static void state_bytes(Report *r)
{
    Problem *p = must_mlp(MLP_HIDDEN, 1);
    AdamState state = adam_state_bytes(p->params);
    const Column columns[] = {{"parameter", "%s"}, {"shape", "%s"}, {"elements", "%d"}, {"bytes", "%d"},
                              {"Adam\nstate bytes", "%d"}, {"AMSGrad\nstate bytes", "%d"}, {NULL, NULL}};
    Table *t = table_begin(r, "state", "Optimizer state on the digits MLP: Adam and AMSGrad", columns);
    for (int i = 0; i < p->params.count; i++) {
        const Tensor *param = p->params.params[i];
        char shape[32];
        table_row(t, param->name, tensor_shape_str(param, shape, sizeof shape), (int)param->numel,
                  (int)tensor_bytes(param), (int)state.tensor[0][i], (int)state.tensor[1][i]);
    }
    size_t params = paramlist_numel(&p->params), *bytes = state.total;
    table_row(t, "total", "", (int)params, (int)(4 * params), (int)bytes[0], (int)bytes[1]);
    table_end(t);
    /* state_70b_gb: the study notes' 70-billion-parameter model, at the bytes per parameter measured here */
    report_values(r, NULL, (NamedValue[]){
        {"state_params", "%d", (double)params}, {"state_bytes_adam", "%d", (double)bytes[0]},
        {"state_bytes_amsgrad", "%d", (double)bytes[1]},
        {"state_per_param_adam", "%d", (double)(bytes[0] / params)},
        {"state_per_param_amsgrad", "%d", (double)(bytes[1] / params)},
        {"state_70b_gb", "%.0f", 70e9 * (double)(bytes[0] / params) / 1e9}, {NULL}});
    problem_free(p);
}

/* ==== PART B: Adam against momentum and RMSProp (sections 6-7) ==== */

/* The three contenders of both sections are in contenders.h: momentum 0.9,
 * RMSProp and Adam as PyTorch runs them, only the learning rate swept. */

/* ---- 6. the ravine, Rosenbrock and the digits MLP, each at its best lr ---------- */

/* A learning rate is good when its score is within this factor of the best. */
#define BAND_FACTOR 2.0

/* How the table and the figures name each problem of the race, in
 * race_courses' order (contenders.h). */
typedef struct {
    const char *label, *tag, *score, *key;   /* key: where its figure's key goes */
} Course;
#define STEPS_TO "steps to 10^{-6} of the start"
static const Course COURSE[RACE_COURSES] = {
    {"turned ravine", "ravine", STEPS_TO, "top right"},
    {"Rosenbrock", "rosen", STEPS_TO, "top right"},
    {"digits MLP", "mlp", "final training loss", "bottom left"},
};

/* Sweeps each contender on the race's course `race`, named c: its rows of
 * the table, its values, its figure; each one's best learning rate into
 * best_lr. */
static void race_course(Report *r, Table *t, const Course *c, const RaceCourse *race,
                        double *best_lr /* [CONTENDERS] */)
{
    float lrs[SWEEP_MAX];
    ContenderSweep sweeps[CONTENDERS];
    int count = race_sweeps(race, BAND_FACTOR, lrs, sweeps), starts = race->starts;
    Figure *fig = report_figure_set(r, value_name(r, "05_race_%s", c->tag),
                                    "set xlabel 'learning rate'\nset ylabel '%s'\nset logscale xy\n"
                                    "set format x '10^{%%L}'\nset xrange [%g:%g]\nset key %s\n",
                                    c->score, lrs[0] / 1.5, lrs[count - 1] * 1.5, c->key);
    for (int o = 0; o < CONTENDERS; o++) {
        const ContenderSweep *s = &sweeps[o];
        if (s->sweep.best >= 0)   /* a failed run: a gap in the line */
            figure_sweep(fig, CONTENDER[o].points, &s->sweep, "%s", CONTENDER[o].label);
        best_lr[o] = s->best_lr;
        table_row(t, c->label, CONTENDER[o].label, s->best_lr, starts ? s->score : NAN,
                  starts ? NAN : s->score, s->band.from, s->band.to, s->band.decades);
        report_values(r, value_tag(r, "%s_%s", c->tag, CONTENDER[o].tag), (NamedValue[]){
            {"race_%s_lr", "%.3g", s->best_lr},
            {"race_%s_score", starts ? "%.0f" : "%.2g", s->score},
            {"race_%s_band_lo", "%.3g", s->band.from},
            {"race_%s_band_hi", s->band.to < 100 ? "%.3g" : "%.0f", s->band.to},
            {"race_%s_band", "%.2f", s->band.decades}, {NULL}});
    }
    figure_close(fig);
    report_value(r, value_name(r, "race_%s_grid_hi", c->tag), "%g", lrs[count - 1]);
}

/* The race table's notes: how each problem is scored, and how far apart
 * each contender's best learning rates of the three problems lie. */
static void race_notes(Report *r, Table *t, double best_lr[3][CONTENDERS], int max_steps, Run mlp)
{
    table_note(t, "score: steps until the loss is 1e-6 of its start (the worst of %d starts on the\n"
                  "ravine, kappa %g, turned 45 degrees; at most %d steps), or the final training loss\n"
                  "after %d steps of batch %d (MLP). Good band: the learning rates around the best,\n"
                  "all within a factor %g of its score", RACE_STARTS, RACE_KAPPA, max_steps, mlp.steps, mlp.batch,
               BAND_FACTOR);
    for (int o = 0; o < CONTENDERS; o++) {
        double lrs[3] = {best_lr[0][o], best_lr[1][o], best_lr[2][o]}, spread = decades(lrs, 3);
        table_note(t, "%s: the best learning rates of the three problems span %.1f decades",
                   CONTENDER[o].label, spread);
        report_value(r, value_name(r, "race_%s_lr_spread", CONTENDER[o].tag), "%.1f", spread);
    }
    table_end(t);
}

/* Each contender swept on the turned ravine, Rosenbrock and the digits MLP. */
static void race(Report *r, const LessonArgs *a)
{
    int max_steps = a->quick ? 2000 : 30000, per_decade = a->quick ? 2 : 8;
    Run mlp = lesson_run(a, NULL, 0, lesson_steps(a, 4, 20), 32);   /* each contender's optimizer and lr */
    RaceCourse races[RACE_COURSES];
    race_courses(MLP_HIDDEN, (uint64_t)a->seed, max_steps, per_decade, mlp, races);
    const Column columns[] = {{"problem", "%s"}, {"optimizer", "%s"}, {"best lr", "%.3g"}, {"score\nsteps", "%.0f"},
                              {"\nloss", "%.1e"}, {"good band\nfrom", "%.3g"}, {"\nto", "%.4g"},
                              {"\ndecades", "%.2f"}, {NULL, NULL}};
    Table *t = table_begin(r, "race", "Each optimizer at its best learning rate, and its band of good ones", columns);
    double best_lr[RACE_COURSES][CONTENDERS];
    for (int k = 0; k < RACE_COURSES; k++) {
        race_course(r, t, &COURSE[k], &races[k], best_lr[k]);
        problem_free(races[k].p);
    }
    race_notes(r, t, best_lr, max_steps, mlp);
    report_values(r, NULL, (NamedValue[]){
        {"race_band_factor", "%g", BAND_FACTOR}, {"race_ravine_kappa", "%g", RACE_KAPPA},
        {"race_ravine_starts", "%d", RACE_STARTS}, {"race_max_steps", "%d", max_steps},
        {"race_mlp_steps", "%d", mlp.steps}, {"race_mlp_batch", "%d", mlp.batch},
        {"race_per_decade", "%d", per_decade}, {NULL}});
}

/* ---- 7. the tiny GPT: where Adam pulls away, and why ----------------------------- */

#define GPT_START_WINDOWS 128   /* the gradient at the start is measured on the first of the training windows */

/* The table of the runs against the floor, and its values. */
static void gpt_table(Report *r, const Problem *p, Run run, const GptRace *g)
{
    const GptRun *best = g->best;
    const Column columns[] = {{"optimizer", "%s"}, {"lr", "%.2g"}, {"validation\nloss", "%.4f"},
                              {"above the\nfloor", "%.4f"}, {"", "%s"}, {NULL, NULL}};
    Table *t = table_begin(r, "gpt", "The tiny GPT: validation loss after the same steps, against the floor", columns);
    table_nan_text(t, 2, "diverged");
    for (int o = 0; o < CONTENDERS; o++) {
        const float *lrs = g->lrs[o];
        const double *val = g->val[o];
        int count = g->count[o];
        for (int k = 0; k < count; k++) {
            double v = isfinite(val[k]) ? val[k] : NAN;
            table_row(t, CONTENDER[o].label, (double)lrs[k], v, v - p->min_loss,
                      lrs[k] == best[o].lr ? "best" : "");
        }
        report_values(r, CONTENDER[o].tag, (NamedValue[]){
            {"gpt_%s_lr_lo", "%.2g", lrs[0]}, {"gpt_%s_lr_hi", "%.2g", lrs[count - 1]},
            {"gpt_%s_val_hi", "%.3f", val[count - 1]}, {NULL}});
    }
    table_note(t, "%zu parameters; %d steps of %d windows, the same start and batches for every run;\n"
                  "the floor, the lowest loss any model can reach on these windows: %.4f nats per\ncharacter",
               paramlist_numel(&p->params), run.steps, run.batch, p->min_loss);
    table_end(t);
    report_values(r, NULL, (NamedValue[]){
        {"gpt_params", "%d", (double)paramlist_numel(&p->params)},
        {"gpt_tensors", "%d", p->params.count}, {"gpt_steps", "%d", run.steps},
        {"gpt_batch", "%d", run.batch}, {"gpt_floor", "%.3f", p->min_loss}, {NULL}});
    for (int o = 0; o < CONTENDERS; o++) {
        double gap = best[o].val_loss - p->min_loss, ratio = gap / (best[ADAM].val_loss - p->min_loss);
        report_values(r, CONTENDER[o].tag, (NamedValue[]){
            {"gpt_%s_lr", "%.2g", best[o].lr}, {"gpt_%s_val", "%.3f", best[o].val_loss},
            {"gpt_%s_gap", "%.3f", gap}, {"gpt_%s_gap_ratio", "%.1f", ratio}, {NULL}});
    }
}

/* Each one's batch loss at its best lr (window means), its validation loss at the end, and the floor. */
static void gpt_figure(Report *r, const GptRun best[CONTENDERS], int steps, double floor_loss)
{
    int window = steps >= 30 ? steps / 30 : 1;
    Figure *fig = report_figure_set(r, "05_gpt", "set xlabel 'step'\nset ylabel 'loss (nats per character)'\n"
                                                 "set xrange [0:%d]\nset key top right\n", steps + window);
    for (int o = 0; o < CONTENDERS; o++)
        figure_window_means(fig, CONTENDER[o].line, best[o].batch_loss, window, steps / window, "%s, lr %.2g",
                            CONTENDER[o].label, best[o].lr);
    for (int o = 0; o < CONTENDERS; o++)   /* a dot in each one's colour */
        figure_point(fig, figure_series(fig, CONTENDER[o].points, o == ADAM ? "validation loss at the end" : ""),
                     steps, best[o].val_loss);
    figure_hline(fig, "lines ls 8 dt 2", 0, steps + window, floor_loss, "the floor");
    figure_close(fig);
    const double *losses[CONTENDERS] = {best[MOM].batch_loss, best[RMS].batch_loss, best[ADAM].batch_loss};
    int ahead = windows_lowest(losses, CONTENDERS, ADAM, window, steps / window);
    report_values(r, NULL, (NamedValue[]){
        {"gpt_windows", "%d", steps / window}, {"gpt_window", "%d", window},
        {"gpt_adam_ahead", "%d", ahead}, {NULL}});
}

/* gpt_blocks' values: how many decades the gradients span, the blocks with
 * the largest and smallest, and each contender's slope and extreme steps. */
static void gpt_block_values(Report *r, const ParamList *l, const GptRace *g, const GptBlocks *b,
                             int tail)
{
    report_values(r, NULL, (NamedValue[]){
        {"gpt_start_windows", "%d", GPT_START_WINDOWS}, {"gpt_tail", "%d", tail},
        {"gpt_grad_decades", "%.1f", b->grad_decades},
        {"gpt_grad_late_decades", "%.1f", b->late_decades}, {NULL}});
    report_value(r, "gpt_grad_largest_block", "%s", l->params[b->largest]->name);
    report_value(r, "gpt_grad_largest", "%.1e", g->start_rms[b->largest]);
    report_value(r, "gpt_grad_smallest_block", "%s", l->params[b->smallest]->name);
    report_value(r, "gpt_grad_smallest", "%.1e", g->start_rms[b->smallest]);
    for (int o = 0; o < CONTENDERS; o++) {
        const char *tag = CONTENDER[o].tag;
        int lo = b->slowest[o], hi = b->fastest[o];
        report_values(r, tag, (NamedValue[]){
            {"gpt_%s_step_decades", "%.1f", b->step_decades[o]},
            {"gpt_%s_slope", "%.2f", b->slope[o]}, {"gpt_%s_step_min", "%.2g", b->step[o][lo]},
            {NULL}});
        report_value(r, value_name(r, "gpt_%s_step_min_block", tag), "%s", l->params[lo]->name);
        report_value(r, value_name(r, "gpt_%s_step_max", tag), "%.2g", b->step[o][hi]);
        report_value(r, value_name(r, "gpt_%s_step_max_block", tag), "%s", l->params[hi]->name);
        if (o == MOM)   /* in the block momentum moves least: how much further Adam moves */
            report_value(r, "gpt_mom_slowest_adam_ratio", "%.0f", b->adam_over_mom);
    }
}

/* The table of each block's gradient and step sizes, and its values. */
static void gpt_blocks(Report *r, const ParamList *l, const GptRace *g, int tail)
{
    const Column columns[] = {{"block", "%s"}, {"params", "%d"}, {"RMS gradient\nat start", "%.1e"},
                              {"late, in\nAdam's run", "%.1e"}, {"step/lr\nmomentum", "%.2g"}, {"\nRMSProp", "%.2g"},
                              {"\nAdam", "%.2g"}, {NULL, NULL}};
    Table *t = table_begin(r, "gpt_blocks", "The tiny GPT: gradient and step sizes, block by block", columns);
    GptBlocks b = gpt_blocks_of(g, l->count);
    for (int i = 0; i < l->count; i++)
        table_row(t, l->params[i]->name, (int)l->params[i]->numel, g->start_rms[i],
                  g->best[ADAM].grad_rms[i], b.step[MOM][i], b.step[RMS][i], b.step[ADAM][i]);
    table_note(t, "at start: on the first %d training windows; late, and the steps: over the last %d\n"
                  "steps of each one's run at its best lr. Decades spanned: gradient at start %.1f,\n"
                  "late %.1f; steps: momentum %.1f, RMSProp %.1f, Adam %.1f.", GPT_START_WINDOWS, tail,
               b.grad_decades, b.late_decades, b.step_decades[MOM], b.step_decades[RMS],
               b.step_decades[ADAM]);
    table_note(t, "Slope of log step against log gradient (late): momentum %.2f, RMSProp %.2f, Adam %.2f",
               b.slope[MOM], b.slope[RMS], b.slope[ADAM]);
    table_end(t);
    gpt_block_values(r, l, g, &b, tail);
}

static void gpt(Report *r, const LessonArgs *a)
{
    Problem *p = must_gpt(a->quick, (uint64_t)a->seed);
    Run run = lesson_run(a, NULL, 0, a->quick ? 24 : 250, 16);   /* each contender's optimizer and lr */
    int tail = run.steps / 6;   /* the last steps, where gradient and step sizes are measured */
    /* learning rates half a decade apart around each one's usual ones: 0.032 .. 1,
     * 3.2e-4 .. 3.2e-3 and 0.001 .. 0.01 (momentum's largest diverges early: it costs little) */
    const int grid_first[CONTENDERS] = {-3, -7, -6}, count[CONTENDERS] = {4, 3, 3};
    GptRace g;
    gpt_race(p, run, tail, GPT_START_WINDOWS, grid_first, count, &g);
    gpt_table(r, p, run, &g);
    gpt_figure(r, g.best, run.steps, p->min_loss);
    gpt_blocks(r, &p->params, &g, tail);
    gpt_race_free(&g);
    problem_free(p);
}

/* ==== the program ==== */

int main(int argc, char **argv)
{
    LessonArgs args = LESSON_DEFAULTS;
    args.steps = 1000;   /* the digits MLP's steps in the race (--quick: a quarter of 200) */
    Report report;
    lesson_open(&report, "05_adam", FLAGS, &args, argc, argv);
    /* Part A */
    bias_correction(&report);
    steady_gradient(&report);
    uncorrected_mlp(&report, &args);
    loss_scale(&report, &args);
    amsgrad(&report, &args);
    state_bytes(&report);
    /* Part B */
    race(&report, &args);
    gpt(&report, &args);
    return report_close(&report) == 0 ? 0 : 1;
}
