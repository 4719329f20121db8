/* main.c - lesson 09's program: every table and figure of the Lion chapter.
 *
 *     build/bin/09_lion [--steps=N] [--seed=S] [--quick] [--out=DIR]
 *
 * Tables print here and go to DIR/out/09_lion/, figures to DIR/fig/.
 * --steps is the digits MLP's steps at batch 32 (1000; with --quick a
 * tenth, at least 20); section 4 gives every batch size the same number of
 * examples, --steps times 32. --seed draws the starts and batches (the
 * sweeps average this seed and the next); --quick shrinks every experiment
 * so that the whole program runs in about a second (the tests use it). The
 * runs, the sweeps and the watcher of every step it measures with are in
 * lion_measures.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "experiment.h"
#include "gpt.h"
#include "lion.h"
#include "lion_measures.h"
#include "runs.h"
#include "timing.h"
#include "train.h"

static const OptionSpec FLAGS[] = {
    LESSON_FLAGS("the digits MLP's steps at batch 32; fewer than 20 run as 20"),
    {NULL, 0, 0, NULL, 0, 0},
};

#define MLP_HIDDEN 32   /* the digits MLP of the earlier chapters: 64-32-10, tanh */
#define MLP_BATCH 32
#define GPT_BATCH 16
#define GPT_STEPS 120   /* a step of the tiny GPT costs 30 times one of the MLP */

/* PAIR_SPEC's optimizers (lion_measures.h) in tables and in values. */
static const char *const LABEL[OPTIMIZERS] = {"Lion", "AdamW"}, *const TAG[OPTIMIZERS] = {"lion", "adamw"};

static int mlp_steps(const LessonArgs *a)
{
    return lesson_steps(a, 10, 20);   /* --quick: a tenth, at least 20 */
}

/* ---- 1. memory: the state, and everything training keeps --------------------------- */

static void memory(Report *r, Problem *mlp, Problem *gpt)
{
    const Column columns[] = {{"model", "%s"}, {"parameters", "%.0f"}, {"state bytes\nLion", "%.0f"},
                              {"\nAdamW", "%.0f"}, {"bytes/param\nLion", "%.0f"}, {"\nAdamW", "%.0f"},
                              {"Lion/AdamW\nstate", "%.2f"}, {"\nall", "%.2f"}, {NULL, NULL}};
    Table *t = table_begin(r, "memory", "What each optimizer allocates, as the memory ledger counts it",
                           columns);
    Problem *models[2] = {mlp, gpt};
    const char *labels[2] = {"digits MLP", "tiny GPT"}, *tags[2] = {"mlp", "gpt"};
    double kept[2] = {0, 0};   /* the GPT's params + grads + state, Lion and AdamW */
    for (int m = 0; m < 2; m++) {
        Problem *p = models[m];
        double n = (double)paramlist_numel(&p->params), state[OPTIMIZERS];
        double weights = (double)(p->ledger.live[TAG_PARAM] + p->ledger.live[TAG_GRAD]);
        for (int k = 0; k < OPTIMIZERS; k++) {
            size_t before = p->ledger.live[TAG_STATE];
            Optimizer *opt = must(PAIR_SPEC[k]->create(p->params, PAIR_SPEC[k]->defaults), "out of memory");
            state[k] = (double)(p->ledger.live[TAG_STATE] - before);
            if (state[k] != (double)optimizer_state_bytes(opt)) fail("the ledger and %s disagree", LABEL[k]);
            optimizer_free(opt);
            kept[k] = weights + state[k];
        }
        table_row(t, labels[m], n, state[0], state[1], kept[0] / n, kept[1] / n, state[0] / state[1],
                  kept[0] / kept[1]);
        report_values(r, tags[m], (NamedValue[]){
            {"mem_%s_params", "%.0f", n}, {"mem_%s_lion", "%.0f", state[0]}, {"mem_%s_adamw", "%.0f", state[1]},
            {"mem_%s_lion_state_per_param", "%.0f", state[0] / n},
            {"mem_%s_adamw_state_per_param", "%.0f", state[1] / n},
            {"mem_%s_weights_per_param", "%.0f", weights / n}, {"mem_%s_lion_total", "%.0f", kept[0] / n},
            {"mem_%s_adamw_total", "%.0f", kept[1] / n}, {"mem_%s_state_ratio", "%.2f", state[0] / state[1]},
            {"mem_%s_total_ratio", "%.2f", kept[0] / kept[1]}, {NULL}});
    }
    /* The activations the GPT keeps for its backward pass, allocated with it. */
    double act = (double)gpt->ledger.live[TAG_ACTIVATION], n = (double)paramlist_numel(&gpt->params);
    table_note(t, "float32; state at the defaults: Lion exp_avg, AdamW exp_avg and exp_avg_sq. Bytes");
    table_note(t, "per parameter (all): parameters + gradients + state. Not counted: the activations the");
    table_note(t, "tiny GPT keeps for its backward pass, %.0f bytes (%.0f per parameter) under either", act,
               act / n);
    table_end(t);
    report_values(r, NULL, (NamedValue[]){{"mem_gpt_activations", "%.0f", act},
                                          {"mem_gpt_activations_per_param", "%.0f", act / n},
                                          {"mem_gpt_with_act_ratio", "%.2f", (kept[0] + act) / (kept[1] + act)},
                                          {NULL}});
}

/* ---- 2. every coordinate moves by lr, or not at all ------------------------------- */

static void every_coordinate(Report *r, const LessonArgs *a, Problem *p, const float lr[OPTIMIZERS])
{
    const int steps = mlp_steps(a);
    StepSizes s[OPTIMIZERS];
    const Column columns[] = {{"optimizer", "%s"}, {"lr", "%.2g"}, {"coordinate-steps\nnot moved", "%.2f%%"},
                              {"\n|step| = lr", "%.2f%%"}, {"\nother", "%.2f%%"}, {"||step|| / lr\nfirst", "%.1f"},
                              {"\nlast", "%.1f"}, {"\nmost", "%.1f"}, {NULL, NULL}};
    Table *t = table_begin(r, "steps", "How far each coordinate moves in a step, over a run on the MLP",
                           columns);
    double n = (double)paramlist_numel(&p->params);
    for (int k = 0; k < OPTIMIZERS; k++) {
        PairConfig cfg;
        s[k] = step_sizes_new(lr[k], steps);
        Run run = lesson_run(a, PAIR_SPEC[k], lr[k], steps, MLP_BATCH);
        run.config = pair_config(k, 0, &cfg);
        if (run_watched(p, run, step_sizes_watch, &s[k]) != steps) fail("%s diverged on the MLP", LABEL[k]);
        double all = (double)s[k].all, other = all - s[k].zero - s[k].exact;
        int most = 1 + index_of_max(s[k].norm + 1, steps);
        table_row(t, LABEL[k], (double)lr[k], 100 * s[k].zero / all, 100 * s[k].exact / all, 100 * other / all,
                  s[k].norm[1], s[k].norm[steps], s[k].norm[most]);
        report_values(r, TAG[k], (NamedValue[]){
            {"steps_%s_lr", "%g", lr[k]}, {"steps_%s_zero", "%.2f", 100 * s[k].zero / all},
            {"steps_%s_exact", "%.2f", 100 * s[k].exact / all}, {"steps_%s_other", "%.2f", 100 * other / all},
            {"steps_%s_exact_first", "%.1f", 100 * s[k].exact_first}, {"steps_%s_norm_first", "%.1f", s[k].norm[1]},
            {"steps_%s_norm_last", "%.1f", s[k].norm[steps]}, {"steps_%s_norm_most", "%.1f", s[k].norm[most]},
            {NULL}});
    }
    table_note(t, "%d steps of batch %d, no weight decay, from the same start and batches; %.0f", steps, MLP_BATCH,
               n);
    table_note(t, "coordinates a step. |step| = lr: within 10^-3 of lr (float rounding of param - lr)");
    table_end(t);

    Figure *hist = report_figure(r, "09_step_sizes");
    fprintf(figure_commands(hist), "set xlabel '|step| / lr, one coordinate in one step'\n"
                                   "set ylabel 'share of coordinate-steps'\nset logscale xy\nset format x '10^{%%L}'\n"
                                   "set yrange [1e-4:1.5]\nset key top left\n");
    for (int k = 0; k < OPTIMIZERS; k++) {
        int series = figure_series(hist, k ? "linespoints ls 2 pt 7 ps 0.5" : "impulses ls 1 lw 6", "%s", LABEL[k]);
        for (int b = 0; b < STEP_BINS; b++)
            if (s[k].bins[b] > 0)
                figure_point(hist, series, pow(10, STEP_BIN_LOW + b / 10.0), s[k].bins[b] / s[k].all);
    }
    figure_close(hist);
    Figure *norm = report_figure(r, "09_step_norm");
    fprintf(figure_commands(norm), "set xlabel 'step'\nset ylabel '||step|| / lr'\nset logscale y\n"
                                   "set xrange [1:%d]\nset key top right\n", steps);
    for (int k = 0; k < OPTIMIZERS; k++)
        figure_curve(norm, k ? "lines ls 2" : "lines ls 1 lw 2", s[k].norm, 1, steps, "%s", LABEL[k]);
    figure_hline(norm, "lines ls 8 dt 2", 1, steps, sqrt(n), "sqrt(number of parameters)");
    figure_close(norm);
    report_values(r, NULL, (NamedValue[]){{"steps_steps", "%d", steps}, {"steps_params", "%.0f", n},
                                          {"steps_sqrt_params", "%.1f", sqrt(n)},
                                          {"steps_norm_worst", "%.1e", sign_norm_worst(&s[0], steps)},
                                          {"steps_disagree", "%.1f", 100.0 * s[0].disagree / s[0].signed_},
                                          {NULL}});
    for (int k = 0; k < OPTIMIZERS; k++) step_sizes_free(&s[k]);
}

/* ---- 3. the sign of an average of magnitudes ---------------------------------------- */

#define HISTORY 10   /* steps of gradient +a before one of -1 */

/* One weight's gradient is +a for HISTORY steps, then -1. Lion's step then
 * (in units of lr), against signSGD's (the sign of the gradient alone,
 * which always climbs back: +1). */
static void magnitudes(Report *r)
{
    const double sizes[4] = {0.5, 1, 2, 10};
    const char *tags[4] = {"half", "one", "two", "ten"};
    const Column columns[] = {{"a", "%g"}, {"exp_avg\nbefore", "%.4f"}, {"c", "%.4f"}, {"step / lr\nLion", "%+.0f"},
                              {"\nsign of g", "%+.0f"}, {NULL, NULL}};
    Table *t = table_begin(r, "magnitudes", "Ten gradients of +a, then one of -1: the eleventh step", columns);
    LionConfig cfg = LION_DEFAULTS;
    cfg.lr = 1;
    for (int k = 0; k < 4; k++) {
        LionTurn turn = lion_turn(&cfg, (float)sizes[k], HISTORY);
        table_row(t, sizes[k], (double)turn.exp_avg, turn.c, (double)turn.step, 1.0);
        report_values(r, tags[k], (NamedValue[]){{"mag_%s_step", "%+.0f", turn.step},
                                                 {"mag_%s_c", "%.3f", turn.c}, {NULL}});
    }
    /* exp_avg after HISTORY steps of +a is a (1 - beta2^HISTORY); c changes sign where
     * beta1 of that is (1 - beta1). */
    double b1 = cfg.betas[0], b2 = cfg.betas[1], turn = (1 - b1) / (b1 * (1 - pow(b2, HISTORY)));
    table_note(t, "Lion at its defaults (betas %g, %g); a weight's steps in units of lr; the same", b1, b2);
    table_note(t, "signs, +a then -1, in every row. Lion's step turns where a = %.2f", turn);
    table_end(t);
    report_values(r, NULL, (NamedValue[]){{"mag_history", "%d", HISTORY}, {"mag_turn", "%.2f", turn}, {NULL}});
}

/* ---- 4. speed: the optimizer's step, and the rest of a training step -------------- */

/* Wall-clock times on the tiny GPT: `reps` optimizer steps of each on one
 * batch's gradient, and the forward and backward pass that made it. */
static void speed(Report *r, const LessonArgs *a, Problem *p)
{
    const int reps = a->quick ? 5 : 300, passes = a->quick ? 1 : 10;
    const int batch[GPT_BATCH] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    const double moved[OPTIMIZERS] = {5 * 4, 7 * 4};   /* read param, grad, state; write param, state */
    p->reset(p, (uint64_t)a->seed);
    double start = wall_seconds();
    for (int i = 0; i < passes; i++) p->loss_and_grad(p, batch, GPT_BATCH);
    double pass = (wall_seconds() - start) / passes, step[OPTIMIZERS];
    const Column columns[] = {{"optimizer", "%s"}, {"bytes moved\nper parameter", "%.0f"},
                              {"time of a step\nmicroseconds", "%.0f"}, {"share of a\ntraining step", "%.1f%%"},
                              {NULL, NULL}};
    Table *t = table_begin(r, "speed", "The optimizer's step against the rest of a step of the tiny GPT", columns);
    for (int k = 0; k < OPTIMIZERS; k++) {
        Optimizer *opt = must(PAIR_SPEC[k]->create(p->params, PAIR_SPEC[k]->defaults), "out of memory");
        optimizer_step(opt);   /* the first touches the state's pages: not timed */
        start = wall_seconds();
        for (int i = 0; i < reps; i++) optimizer_step(opt);
        step[k] = (wall_seconds() - start) / reps;
        optimizer_free(opt);
        double share = 100 * step[k] / (step[k] + pass);
        table_row(t, LABEL[k], moved[k], 1e6 * step[k], share);
        report_values(r, TAG[k], (NamedValue[]){{"speed_%s_us", "%.0f", 1e6 * step[k]},
                                                {"speed_%s_share", "%.1f", share}, {NULL}});
    }
    table_note(t, "wall clock on this machine, one core: the mean of %d steps; the forward and", reps);
    table_note(t, "backward pass of %d windows took %.1f ms. Bytes: float32 reads and writes", GPT_BATCH,
               1e3 * pass);
    table_end(t);
    report_values(r, NULL, (NamedValue[]){{"speed_pass_ms", "%.1f", 1e3 * pass},
                                          {"speed_ratio", "%.2f", step[1] / step[0]},
                                          {"speed_lion_bytes", "%.0f", moved[0]},
                                          {"speed_adamw_bytes", "%.0f", moved[1]},
                                          {"speed_bytes_ratio", "%.2f", moved[1] / moved[0]}, {NULL}});
}

/* ---- 5. the authors' advice: lr and weight decay, swept together ------------------- */

/* The heat maps of both optimizers' test loss, one above the other. */
static void grid_figure(Report *r, const char *name, const LrWdGrid *g, const char *z_label)
{
    Figure *fig = report_figure(r, name);
    figure_size(fig, 6.5, 2.2 + 0.45 * g->nw * 2);
    fprintf(figure_commands(fig), "set multiplot layout 2,1\n");
    double z[OPTIMIZERS][WDS_MAX * LRS_MAX], low = INFINITY, high = 0;
    for (int k = 0; k < OPTIMIZERS; k++)
        for (int w = 0; w < g->nw; w++)
            for (int l = 0; l < g->nl; l++) {
                double v = z[k][w * g->nl + l] = g->at[k][w][l].test_loss;
                if (isfinite(v)) low = fmin(low, v), high = fmax(high, v);
            }
    for (int k = 0; k < OPTIMIZERS; k++) {
        char title[64];
        snprintf(title, sizeof title, "%s: %s", LABEL[k], z_label);
        figure_heatmap(fig, &(HeatMap){.name = TAG[k], .x = g->lr, .nx = g->nl, .x_label = "lr", .x_format = "%.2g",
                                       .y = g->wd, .ny = g->nw, .y_label = "weight decay", .y_format = "%g",
                                       .z = z[k], .title = title, .cell_format = "%.2f", .nan_text = "failed",
                                       .z_low = low, .z_high = high, .best_i = g->best_l[k], .best_j = g->best_w[k]});
    }
    fprintf(figure_commands(fig), "unset multiplot\n");
    figure_close(fig);
}

/* The best cells of a grid: overall, without decay (row 0), with some;
 * a table row and values each, and the ratios of the authors' advice. */
static void grid_best(Report *r, const char *name, const char *title, const char *prefix, const LrWdGrid *g,
                      const char *note)
{
    const Column columns[] = {{"optimizer", "%s"}, {"best\nlr", "%.2g"}, {"\nwd", "%g"}, {"\nloss", "%.3f"},
                              {"\naccuracy", "%.1f"}, {"no decay\nlr", "%.2g"}, {"\nloss", "%.3f"},
                              {"with decay\nlr", "%.2g"}, {"\nwd", "%g"}, {"\nloss", "%.3f"}, {NULL, NULL}};
    Table *t = table_begin(r, name, title, columns);
    int l[OPTIMIZERS], w[OPTIMIZERS], l_wd[OPTIMIZERS], w_wd[OPTIMIZERS], l_none[OPTIMIZERS], w0;
    for (int k = 0; k < OPTIMIZERS; k++) {
        lrwd_best_in_rows(g, k, 0, g->nw - 1, &l[k], &w[k]);
        lrwd_best_in_rows(g, k, 0, 0, &l_none[k], &w0);
        int l0 = l_none[k];
        lrwd_best_in_rows(g, k, 1, g->nw - 1, &l_wd[k], &w_wd[k]);
        const RunEnd *e = &g->at[k][w[k]][l[k]], *none = &g->at[k][0][l0], *wd = &g->at[k][w_wd[k]][l_wd[k]];
        table_row(t, LABEL[k], g->lr[l[k]], g->wd[w[k]], e->test_loss, e->test_acc, g->lr[l0], none->test_loss,
                  g->lr[l_wd[k]], g->wd[w_wd[k]], wd->test_loss);
        report_values(r, value_tag(r, "%s_%s", prefix, TAG[k]), (NamedValue[]){
            {"%s_lr", "%.2g", g->lr[l[k]]}, {"%s_wd", "%g", g->wd[w[k]]}, {"%s_loss", "%.3f", e->test_loss},
            {"%s_acc", "%.1f", e->test_acc}, {"%s_lrwd", "%.2g", g->lr[l[k]] * g->wd[w[k]]},
            {"%s_nodecay_lr", "%.2g", g->lr[l0]}, {"%s_nodecay_loss", "%.3f", none->test_loss},
            {"%s_decay_lr", "%.2g", g->lr[l_wd[k]]}, {"%s_decay_wd", "%g", g->wd[w_wd[k]]},
            {"%s_decay_loss", "%.3f", wd->test_loss}, {NULL}});
    }
    /* The runs that failed (both optimizers), and the smallest lr x wd among them. */
    double failed_lrwd;
    int failed = lrwd_failed(g, &failed_lrwd);
    report_value(r, value_name(r, "%s_failed", prefix), "%d", failed);
    report_value(r, value_name(r, "%s_failed_lrwd", prefix), "%.2g", failed ? failed_lrwd : NAN);
    /* The largest decay at which some lr still comes within 25% of the best. */
    int w_max[OPTIMIZERS];
    for (int k = 0; k < OPTIMIZERS; k++) {
        w_max[k] = lrwd_wd_max(g, k, 1.25 * g->at[k][w[k]][l[k]].test_loss);
        report_value(r, value_name(r, "%s_%s_wd_max", prefix, TAG[k]), "%g", g->wd[w_max[k]]);
    }
    table_note(t, "%s", note);
    table_note(t, "Within 25%% of its best loss up to a weight decay of %g (Lion) and %g (AdamW)",
               g->wd[w_max[0]], g->wd[w_max[1]]);
    table_end(t);
    const double *lr = g->lr, *wd = g->wd;
    report_value(r, value_name(r, "%s_wd_max_ratio", prefix), "%.2g", wd[w_max[0]] / wd[w_max[1]]);
    report_values(r, prefix, (NamedValue[]){
        {"%s_lr_ratio", "%.2g", lr[l[1]] / lr[l[0]]}, {"%s_nodecay_lr_ratio", "%.2g", lr[l_none[1]] / lr[l_none[0]]},
        {"%s_decay_lr_ratio", "%.2g", lr[l_wd[1]] / lr[l_wd[0]]},
        {"%s_decay_wd_ratio", "%.2g", wd[w_wd[0]] / wd[w_wd[1]]}, {NULL}});
}

static void sweep_mlp(Report *r, const LessonArgs *a, Problem *p, LrWdGrid *g)
{
    const int seeds = a->quick ? 1 : 2;
    g->nl = a->quick ? 3 : 9, g->nw = a->quick ? 2 : 7;
    for (int l = 0; l < g->nl; l++) g->lr[l] = a->quick ? pow(10, l - 4) : pow(10, -5 + 0.5 * l);
    for (int w = 0; w < g->nw; w++) g->wd[w] = w == 0 ? 0 : a->quick ? 0.1 : pow(10, w - 4);
    Run base = lesson_run(a, NULL, 0, mlp_steps(a), MLP_BATCH);   /* the grid's optimizers and lrs */
    lrwd_sweep(p, base, seeds, g);
    grid_figure(r, "09_sweep_mlp", g, "test loss of the digits MLP");
    char note[160];
    snprintf(note, sizeof note, "the digits MLP, %d steps of batch %d, the mean of %d start%s; loss on the test set",
             base.steps, MLP_BATCH, seeds, seeds > 1 ? "s" : "");
    grid_best(r, "sweep_mlp", "Each optimizer's best lr and weight decay on the digits MLP", "mlp", g, note);
    report_values(r, NULL, (NamedValue[]){{"mlp_steps", "%d", base.steps}, {"mlp_seeds", "%d", seeds},
                                          {"mlp_lr_lo", "%.2g", g->lr[0]}, {"mlp_lr_hi", "%.2g", g->lr[g->nl - 1]},
                                          {"mlp_wd_hi", "%g", g->wd[g->nw - 1]}, {NULL}});
}

static void sweep_gpt(Report *r, const LessonArgs *a, Problem *p)
{
    LrWdGrid *g = must(calloc(1, sizeof *g), "out of memory");
    g->nl = a->quick ? 2 : 4, g->nw = 2;
    for (int l = 0; l < g->nl; l++) g->lr[l] = pow(10, -3.5 + 0.5 * l);
    for (int w = 0; w < g->nw; w++) g->wd[w] = w;   /* 0 and 1 */
    Run base = lesson_run(a, NULL, 0, a->quick ? 24 : GPT_STEPS, GPT_BATCH);   /* the grid's optimizers and lrs */
    lrwd_sweep(p, base, 1, g);
    grid_figure(r, "09_sweep_gpt", g, "validation loss of the tiny GPT");
    char note[160];
    snprintf(note, sizeof note, "the tiny GPT, %d steps of %d windows, one start; loss on the validation text",
             base.steps, GPT_BATCH);
    grid_best(r, "sweep_gpt", "Each optimizer's best lr and weight decay on the tiny GPT", "gpt", g, note);
    report_values(r, NULL, (NamedValue[]){{"gpt_steps", "%d", base.steps}, {"gpt_floor", "%.3f", p->min_loss},
                                          {NULL}});
    free(g);
}

/* ---- 6. batch size: the same examples in fewer, larger steps ------------------------ */

#define BATCH_LRS 5   /* lrs half a decade apart around the sweep's best */

static void batch_sizes(Report *r, const LessonArgs *a, Problem *p, const LrWdGrid *g)
{
    const int count = a->quick ? 2 : 4, batches[BATCHES_MAX] = {8, a->quick ? 64 : 32, 128, 512};
    BatchSweep jobs = {p, g, batches, count, a->quick ? 3 : BATCH_LRS, a->quick ? 1 : 2,
                       (long)mlp_steps(a) * MLP_BATCH, (uint64_t)a->seed};
    double loss[OPTIMIZERS][BATCHES_MAX], best_lr[OPTIMIZERS][BATCHES_MAX], x[BATCHES_MAX];
    batch_sweep(&jobs, loss, best_lr);
    const Column columns[] = {{"batch", "%d"}, {"steps", "%d"}, {"Lion\nbest lr", "%.2g"}, {"\ntest loss", "%.3f"},
                              {"AdamW\nbest lr", "%.2g"}, {"\ntest loss", "%.3f"}, {"Lion /\nAdamW", "%.2f"},
                              {NULL, NULL}};
    Table *t = table_begin(r, "batch", "Lion and AdamW at each batch size, for the same examples", columns);
    for (int b = 0; b < count; b++) {
        int batch = batches[b], steps = (int)(jobs.examples / batch);
        x[b] = batch;
        table_row(t, batch, steps, best_lr[0][b], loss[0][b], best_lr[1][b], loss[1][b], loss[0][b] / loss[1][b]);
        report_values(r, value_tag(r, "%d", batch), (NamedValue[]){
            {"batch_%s_lion_loss", "%.3f", loss[0][b]}, {"batch_%s_adamw_loss", "%.3f", loss[1][b]},
            {"batch_%s_lion_lr", "%.2g", best_lr[0][b]}, {"batch_%s_adamw_lr", "%.2g", best_lr[1][b]},
            {"batch_%s_ratio", "%.2f", loss[0][b] / loss[1][b]}, {"batch_%s_steps", "%d", steps}, {NULL}});
    }
    table_note(t, "the digits MLP, %ld examples at every batch size (%.0f epochs), the mean of %d", jobs.examples,
               (double)jobs.examples / p->num_examples, jobs.seeds);
    table_note(t, "start%s; each optimizer at its best weight decay of the sweep, the best of %d",
               jobs.seeds > 1 ? "s" : "", jobs.lrs);
    table_note(t, "lr half a decade apart around its best lr there. Test loss");
    table_end(t);
    Figure *fig = report_figure(r, "09_batch");
    fprintf(figure_commands(fig), "set xlabel 'batch size (same examples)'\nset ylabel 'test loss'\n"
                                  "set logscale x\nset xrange [%g:%g]\nset key top left\n", x[0] / 1.5,
            x[count - 1] * 1.5);
    for (int k = 0; k < OPTIMIZERS; k++)
        figure_xy(fig, k ? "linespoints ls 2 pt 5" : "linespoints ls 1 pt 7", x, loss[k], count, "%s", LABEL[k]);
    figure_close(fig);
    int best[OPTIMIZERS] = {index_of_min(loss[0], count), index_of_min(loss[1], count)};
    /* How far Lion is behind, and which bests lie at an end of the lrs
     * tried: there a wider range might still find a lower loss. */
    double gap_min = INFINITY, gap_max = -INFINITY;
    int at_edge = 0, at_edge_8 = 0;
    for (int b = 0; b < count; b++) {
        gap_min = fmin(gap_min, 100 * (loss[0][b] / loss[1][b] - 1));
        gap_max = fmax(gap_max, 100 * (loss[0][b] / loss[1][b] - 1));
        for (int k = 0; k < OPTIMIZERS; k++) {
            bool edge = best_lr[k][b] == batch_sweep_lr(&jobs, k, 0) ||
                        best_lr[k][b] == batch_sweep_lr(&jobs, k, jobs.lrs - 1);
            at_edge += edge, at_edge_8 += edge && batches[b] == 8;
        }
    }
    report_values(r, NULL, (NamedValue[]){{"batch_examples", "%.0f", (double)jobs.examples},
                                          {"batch_lion_best", "%.0f", x[best[0]]},
                                          {"batch_adamw_best", "%.0f", x[best[1]]},
                                          {"batch_gap_min", "%.0f", gap_min}, {"batch_gap_max", "%.0f", gap_max},
                                          {"batch_bests", "%d", count * OPTIMIZERS},
                                          {"batch_at_edge", "%d", at_edge}, {"batch_8_at_edge", "%d", at_edge_8},
                                          {NULL}});
}

/* ==== the program ==== */

int main(int argc, char **argv)
{
    LessonArgs args = LESSON_DEFAULTS;
    args.steps = 1000;   /* the digits MLP's steps at batch 32 (--quick: a tenth, at least 20) */
    Report report;
    lesson_open(&report, "09_lion", FLAGS, &args, argc, argv);
    Problem *mlp = must_mlp(MLP_HIDDEN, (uint64_t)args.seed);   /* each run resets it to its own start */
    Problem *gpt = must_gpt(args.quick, (uint64_t)args.seed);
    LrWdGrid *grid = must(calloc(1, sizeof *grid), "out of memory");
    memory(&report, mlp, gpt);
    sweep_mlp(&report, &args, mlp, grid);
    const float best_lr[OPTIMIZERS] = {(float)grid->lr[grid->best_l[0]], (float)grid->lr[grid->best_l[1]]};
    every_coordinate(&report, &args, mlp, best_lr);
    magnitudes(&report);
    batch_sizes(&report, &args, mlp, grid);
    sweep_gpt(&report, &args, gpt);
    speed(&report, &args, gpt);
    free(grid);
    problem_free(mlp), problem_free(gpt);
    return report_close(&report) == 0 ? 0 : 1;
}
