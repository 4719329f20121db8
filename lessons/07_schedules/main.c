/* main.c - lesson 07's program: every table and figure of the chapter on
 * schedules, clipping and accumulation.
 *
 *     build/bin/07_schedules [--steps=N] [--seed=S] [--quick] [--out=DIR]
 *
 * Tables print here and go to DIR/out/07_schedules/, figures to DIR/fig/.
 * --steps is the digits MLP's steps in sections 2 and 4 (2000; with --quick,
 * a quarter of --steps, which is then 200 unless given; at least 20);
 * --seed draws the starts and batches (section 2 averages this seed and the
 * next two); --quick shrinks every experiment so that the whole program runs
 * in about a second (the tests use it). The runs themselves, with a
 * schedule, clipping or accumulation, are recipe.h's trace_run; the
 * program makes them, and measures them, with schedules_measures.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "adamw.h"
#include "experiment.h"
#include "recipe.h"
#include "runs.h"
#include "schedules.h"
#include "schedules_measures.h"
#include "sgd.h"

static const OptionSpec FLAGS[] = {
    LESSON_FLAGS("the digits MLP's steps in sections 2 and 4; fewer than 20 run as 20"),
    {NULL, 0, 0, NULL, 0, 0},
};

#define MLP_HIDDEN 32   /* the digits MLP of the earlier chapters: 64-32-10, tanh */
#define MLP_BATCH 32
#define MLP_LR 1e-2f    /* AdamW's on the MLP in chapter 6 */
#define SGD_LR 0.1f     /* SGD's on the MLP in chapter 1 */

/* At least 20, so that every schedule has steps to move over. */
static int mlp_steps(const LessonArgs *a)
{
    return lesson_steps(a, 4, 20);   /* --quick: a quarter */
}

/* ---- 1. every schedule's curve ------------------------------------------------ */

/* The schedules of schedule_curves (schedules_measures.h), in its order. */
static const char *const CURVE_LABELS[CURVE_SCHEDULES] = {"LinearLR", "CosineAnnealingLR",
                                                          "OneCycleLR", "SequentialLR", "nanoGPT"};

/* Each schedule's lr at some steps, and the values the prose quotes of it. */
static void landmark_table(Report *r, const double lr[][CURVE_STEPS])
{
    const char *tags[CURVE_SCHEDULES] = {"linear", "cosine", "onecycle", "sequential", "nanogpt"};
    const int at[] = {0, 50, 100, 500, 800, 999};
    const Column columns[] = {{"schedule", "%s"}, {"step 0", "%.2e"}, {"50", "%.2e"}, {"100", "%.2e"},
                              {"500", "%.2e"}, {"800", "%.2e"}, {"999", "%.2e"}, {NULL, NULL}};
    Table *t = table_begin(r, "schedule_landmarks", "The lr of each schedule at some steps (lr 1e-3)", columns);
    for (int k = 0; k < CURVE_SCHEDULES; k++) {
        const double *x = lr[k];
        table_row(t, CURVE_LABELS[k], x[at[0]], x[at[1]], x[at[2]], x[at[3]], x[at[4]], x[at[5]]);
        report_values(r, tags[k], (NamedValue[]){
            {"sched_%s_first", "%.3g", x[0]}, {"sched_%s_at_100", "%.3g", x[100]},
            {"sched_%s_last", "%.3g", x[CURVE_STEPS - 1]}, {"sched_%s_peak_step", "%d", index_of_max(x, CURVE_STEPS)},
            {NULL}});
    }
    table_note(t, "the lr in effect for step t + 1 (scheduler.step() after each optimizer step).");
    table_note(t, "LinearLR: from lr/100 over %d steps; CosineAnnealingLR: T_max %d; OneCycleLR:",
               CURVE_WARMUP, CURVE_TMAX);
    table_note(t, "max_lr 1e-3 over %d steps; SequentialLR: LinearLR for %d steps, then a cosine to", CURVE_STEPS,
               CURVE_WARMUP);
    table_note(t, "0 at %d; nanoGPT: warmup_iters %d, lr_decay_iters %d, min_lr 1e-4", CURVE_STEPS, CURVE_WARMUP,
               CURVE_STEPS);
    table_end(t);
}

static void schedules(Report *r)
{
    ScheduleCurves c;
    schedule_curves(&c);
    const double (*lr)[CURVE_STEPS] = c.lr, *momentum = c.momentum;
    landmark_table(r, lr);

    Figure *fig = step_figure(r, "07_schedules", "learning rate", CURVE_STEPS,
                              "set yrange [0:1.5e-3]\nset format y '%.1t{/Symbol \\264}10^{%T}'\n"
                              "set key top right maxrows 3 font ',9'\n");
    figure_size(fig, 5.5, 3.6);
    const char *styles[CURVE_SCHEDULES] = {"lines ls 1", "lines ls 2", "lines ls 3",
                                           "lines ls 5 dt 2", "lines ls 6 dt 4"};
    for (int k = 0; k < CURVE_SCHEDULES; k++)
        figure_curve(fig, styles[k], lr[k], 0, CURVE_STEPS - 1, "%s", CURVE_LABELS[k]);
    figure_close(fig);
    Figure *mom = step_figure(r, "07_onecycle_momentum", "momentum (Adam: beta1)", CURVE_STEPS,
                              "set yrange [0.84:0.96]\nset key bottom right\n");
    figure_size(mom, 5.5, 2.6);
    figure_curve(mom, "lines ls 3", momentum, 0, CURVE_STEPS - 1, "OneCycleLR's momentum");
    figure_close(mom);

    int peak = index_of_max(lr[2], CURVE_STEPS);
    report_values(r, NULL, (NamedValue[]){
        {"sched_lr", "%g", CURVE_LR}, {"sched_steps", "%d", CURVE_STEPS}, {"sched_warmup", "%d", CURVE_WARMUP},
        {"sched_cosine_tmax", "%d", CURVE_TMAX},
        {"sched_cosine_at_tmax", "%.3g", lr[1][CURVE_TMAX]},
        {"sched_cosine_back_up", "%.3g", lr[1][CURVE_STEPS - 1] / CURVE_LR},   /* the share of lr it is back at */
        {"sched_cosine_at_2tmax", "%.3g", c.cosine_at_2tmax},
        {"sched_cosine_drift", "%.1e", c.drift},
        {"sched_onecycle_momentum_first", "%.3g", momentum[0]}, {"sched_onecycle_momentum_peak", "%.3g", momentum[peak]},
        {"sched_onecycle_momentum_last", "%.3g", momentum[CURVE_STEPS - 1]}, {"sched_linear_at_50", "%.3g", lr[0][50]},
        {"sched_nanogpt_at_99", "%.3g", lr[4][99]}, {NULL}});
}

/* ---- 2. the same AdamW run under six schedules ---------------------------------- */

#define MLP_FIGURE_SCHEDULES 5   /* the figure leaves out OneCycleLR's fixed-beta1 twin */

/* The schedules of schedule_mlp_runs (schedules_measures.h), in its order. */
static const char *const MLP_LABELS[MLP_SCHEDULES] = {"constant", "step (x0.1 each third)", "cosine",
                                                      "warm-up + cosine", "OneCycleLR", "OneCycleLR, beta1 0.9"};
static const char *const MLP_TAGS[MLP_SCHEDULES] = {"constant", "step", "cosine", "warmup_cosine", "onecycle",
                                                    "onecycle_fixed"};

static void schedules_mlp_table(Report *r, const TraceSeeds *runs, int steps, int seeds, int warmup)
{
    const Column columns[] = {{"schedule", "%s"}, {"final\nloss", "%.4f"}, {"accuracy\ntrain", "%.1f"},
                              {"\ntest", "%.1f"}, {"test\nlowest", "%.1f"}, {"\nhighest", "%.1f"}, {NULL, NULL}};
    Table *t = table_begin(r, "schedules_mlp", "AdamW on the digits MLP under six schedules", columns);
    double train_lowest = INFINITY;
    for (int k = 0; k < MLP_SCHEDULES; k++) {
        Spread l = runs[k].loss, tr = runs[k].train, te = runs[k].test;
        train_lowest = fmin(train_lowest, tr.mean);
        table_row(t, MLP_LABELS[k], l.mean, tr.mean, te.mean, te.low, te.high);
        report_values(r, MLP_TAGS[k], (NamedValue[]){
            {"mlp_%s_loss", "%.4f", l.mean}, {"mlp_%s_train", "%.1f", tr.mean}, {"mlp_%s_test", "%.1f", te.mean},
            {"mlp_%s_test_low", "%.1f", te.low}, {"mlp_%s_test_high", "%.1f", te.high}, {NULL}});
    }
    report_values(r, NULL, (NamedValue[]){{"mlp_train_lowest", "%.1f", train_lowest}, {NULL}});
    table_note(t, "lr %g, %d steps of batch %d, the mean of %d start%s; loss on all training examples,",
               MLP_LR, steps, MLP_BATCH, seeds, seeds > 1 ? "s" : "");
    table_note(t, "accuracy in percent. Step: StepLR(step_size=%d, gamma=0.1); warm-up: LinearLR from", steps / 3);
    table_note(t, "lr/100 over %d steps, then a cosine to 0 (SequentialLR); OneCycleLR: max_lr %g, its", warmup,
               MLP_LR);
    table_note(t, "defaults (beta1 from 0.95 down to 0.85 at the peak and back), or cycle_momentum=False");
    table_end(t);
}

static void schedules_mlp(Report *r, const LessonArgs *a, Problem *p)
{
    const int steps = mlp_steps(a), seeds = a->quick ? 1 : 3, warmup = steps / 20;
    TraceSeeds runs[MLP_SCHEDULES];
    Run run = lesson_run(a, &ADAMW_SPEC, MLP_LR, steps, MLP_BATCH);
    int diverged = schedule_mlp_runs(p, run, warmup, seeds, runs);
    if (diverged >= 0) fail("AdamW diverged on the MLP under the %s schedule", MLP_TAGS[diverged]);
    schedules_mlp_table(r, runs, steps, seeds, warmup);

    int window = steps >= 50 ? steps / 50 : 1;
    Figure *fig = loss_figure(r, "07_schedules_mlp", "set key top right\n");
    const char *styles[MLP_FIGURE_SCHEDULES] = {"lines ls 8", "lines ls 2", "lines ls 1", "lines ls 3 dt 2",
                                                "lines ls 5 dt 4"};
    for (int k = 0; k < MLP_FIGURE_SCHEDULES; k++)
        figure_window_means(fig, styles[k], runs[k].curve, window, steps / window, "%s", MLP_LABELS[k]);
    figure_close(fig);
    report_values(r, NULL, (NamedValue[]){
        {"mlp_lr", "%g", MLP_LR}, {"mlp_steps", "%d", steps}, {"mlp_seeds", "%d", seeds}, {"mlp_warmup", "%d", warmup},
        {"mlp_window", "%d", window}, {NULL}});
    for (int k = 0; k < MLP_SCHEDULES; k++) free(runs[k].curve);
}

/* ---- 3. why warm-up: Adam's first steps at a large lr ----------------------------- */

#define WARMUP_LRS 3
#define WARMUP_STEPS 100
#define WARMUP_ITERS 50

static const float WARMUP_LR[WARMUP_LRS] = {0.01f, 0.03f, 0.1f};

/* AdamW's first steps at lr k of WARMUP_LR, warmed up (warm 1) or not (0):
 * a row of the table and its values. */
static void warmup_row(Report *r, Table *t, Problem *p, int k, int warm, const Trace *x)
{
    const float lr = WARMUP_LR[k];
    EarlySteps e = early_steps(x, WARMUP_STEPS);
    double sign_step = lr * sqrt((double)paramlist_numel(&p->params));   /* ||lr sign(g)|| */
    table_row(t, (double)lr, warm ? "linear" : "none", x->update[0], sign_step, e.largest, e.spike,
              x->end_loss);
    report_values(r, value_tag(r, "%s_%d", warm ? "warm" : "none", k), (NamedValue[]){
        {"warmup_%s_lr", "%g", lr}, {"warmup_%s_first_update", "%.3g", x->update[0]},
        {"warmup_%s_largest_update", "%.3g", e.largest}, {"warmup_%s_largest_update_step", "%d", e.largest_step},
        {"warmup_%s_spike", "%.2f", e.spike}, {"warmup_%s_end_loss", "%.4f", x->end_loss}, {NULL}});
    /* Each weight with a gradient moves by lr at the first step, the others
     * not at all but for the decay, which moves every weight by lr wd theta
     * (wd = 10^-2, |theta| < 1 here: under a hundredth of lr): so
     * ||update||^2 / lr^2 counts the k that moved, to about one. */
    if (!warm) report_values(r, value_tag(r, "%d", k), (NamedValue[]){
        {"warmup_%s_first_moved", "%.0f", pow(x->update[0] / lr, 2)}, {NULL}});
}

static void warmup(Report *r, const LessonArgs *a, Problem *p)
{
    const Column columns[] = {{"lr", "%g"}, {"warm-up", "%s"}, {"first step\n||update||", "%.3f"},
                              {"\nlr sqrt(n)", "%.3f"}, {"largest\n||update||", "%.3f"},
                              {"highest loss\n/ the start", "%.2f"}, {"loss after", "%.4f"}, {NULL, NULL}};
    Table *t = table_begin(r, "warmup", "AdamW's first 100 steps on the MLP, with and without warm-up", columns);
    table_header(t, 6, "loss after\n%d steps", WARMUP_STEPS);
    Trace tr[WARMUP_LRS][2];   /* [lr][warmed up] */
    Run run = lesson_run(a, &ADAMW_SPEC, 0, WARMUP_STEPS, MLP_BATCH);   /* at each of WARMUP_LR */
    warmup_traces(p, run, WARMUP_LR, WARMUP_LRS, WARMUP_ITERS, tr);
    for (int k = 0; k < WARMUP_LRS; k++)
        for (int w = 0; w < 2; w++) warmup_row(r, t, p, k, w, &tr[k][w]);
    table_note(t, "the digits MLP (n = %d parameters), batch %d; highest loss: the largest batch loss",
               (int)paramlist_numel(&p->params), MLP_BATCH);
    table_note(t, "of steps 2..%d over step 1's; warm-up: LinearLR from lr/100 over %d steps. Adam's",
               WARMUP_STEPS, WARMUP_ITERS);
    table_note(t, "first step moves each weight that has a gradient by lr (m/sqrt(v) = sign(g)), the");
    table_note(t, "others only by the decay (lr 0.01 theta): ||update|| = lr sqrt(n) only when every");
    table_note(t, "weight has a gradient");
    table_end(t);

    Figure *fig = loss_figure(r, "07_warmup", "set key top right\n");
    fprintf(figure_commands(fig), "set xrange [0:%d]\n", WARMUP_STEPS);
    const char *styles[2][2] = {{"lines ls 2", "lines ls 1"}, {"lines ls 2 dt 2", "lines ls 1 dt 2"}};
    for (int i = 0; i < 2; i++) {
        int k = i ? 1 : WARMUP_LRS - 1;   /* lr 0.1, then 0.03 */
        for (int w = 0; w < 2; w++)
            figure_curve(fig, styles[i][w], tr[k][w].loss, 0, WARMUP_STEPS - 1, "lr %g, %s", WARMUP_LR[k],
                         w ? "warm-up" : "no warm-up");
    }
    figure_close(fig);
    report_values(r, NULL, (NamedValue[]){
        {"warmup_steps", "%d", WARMUP_STEPS}, {"warmup_iters", "%d", WARMUP_ITERS},
        {"warmup_numel", "%d", (int)paramlist_numel(&p->params)}, {"warmup_start_loss", "%.3f", tr[0][0].loss[0]},
        {NULL}});
    for (int k = 0; k < WARMUP_LRS; k++) trace_free(&tr[k][0]), trace_free(&tr[k][1]);
}

/* ---- 4. clipping: what [100, -200, 500] becomes, and rare huge gradients ---------- */

/* The three clippings of the gradient [100, -200, 500] at 1. */
static void clip_example(Report *r)
{
    const float grad[3] = {100, -200, 500};
    float g[3];
    double after;
    const char *labels[3] = {"clip_grad_norm_(1)", "clip_grad_norm_(1, inf)", "clip_grad_value_(1)"};
    const char *tags[3] = {"norm", "inf", "value"};
    const Column columns[] = {{"call", "%s"}, {"returns", "%.4f"}, {"g[0]", "%.6f"}, {"g[1]", "%.6f"},
                              {"g[2]", "%.6f"}, {"||g||_2 after", "%.4f"}, {NULL, NULL}};
    Table *t = table_begin(r, "clip_example", "The gradient [100, -200, 500] clipped three ways", columns);
    for (int k = 0; k < 3; k++) {   /* labels[k] is ClipCall k */
        double returned = clip_vector((ClipCall)k, 1.0f, grad, 3, g, &after);
        table_row(t, labels[k], returned, (double)g[0], (double)g[1], (double)g[2], after);
        report_values(r, tags[k], (NamedValue[]){{"clip_%s_0", "%.4g", g[0]}, {"clip_%s_1", "%.4g", g[1]},
                                                 {"clip_%s_2", "%.4g", g[2]}, {"clip_%s_after", "%.4g", after},
                                                 {NULL}});
    }
    table_nan_text(t, 1, "nothing");
    table_note(t, "returns: the total norm before clipping. Only the inf-norm gives [0.2, -0.4, 1.0];");
    table_note(t, "clip_grad_value_ changes the direction, the two norms keep it");
    table_end(t);
    report_value(r, "clip_total_norm", "%.2f", sqrt(100.0 * 100 + 200.0 * 200 + 500.0 * 500));
}

#define HEAVY_COUNT 3
#define HEAVY_WEIGHT 1e4
#define CLIP_NORM 1.0f

static const char *const CLIP_NAMES[2] = {"SGD", "AdamW"};

/* Optimizer o's (SGD, AdamW) run k of `steps` on the MLP: clean data (k
 * 0), heavy examples without clipping (1) and with (2): a row of the table
 * and its values. */
static void clipping_row(Report *r, Table *t, int o, int k, const Trace *tr, int steps)
{
    GradNorms g = grad_norms(tr, steps);
    double share = k == 2 ? g.clipped : NAN;
    table_row(t, CLIP_NAMES[o], k ? "heavy" : "clean", k == 2 ? "1.0" : "none", tr->end_loss,
              tr->test_acc, tr->highest, g.median, g.largest, share);
    report_values(r, value_tag(r, "%s_%s", o ? "adamw" : "sgd", k == 0 ? "clean" : k == 1 ? "heavy" : "clipped"),
                  (NamedValue[]){{"clip_%s_loss", "%.3g", tr->end_loss},
                                 {"clip_%s_test", "%.1f", tr->test_acc},
                                 {"clip_%s_highest", "%.3g", tr->highest},
                                 {"clip_%s_grad_median", "%.3g", g.median},
                                 {"clip_%s_grad_largest", "%.3g", g.largest},
                                 {"clip_%s_clipped", "%.1f", share}, {NULL}});
}

/* SGD and AdamW on the MLP where three of the 1437 training examples count
 * 10^4 times in the loss, with and without clip_grad_norm_. It models rare
 * huge gradients: a few corrupted examples (a sample weight gone wrong, a
 * loss scale never undone) that a batch draws now and then, while every
 * other step is ordinary. */
static void clipping(Report *r, const LessonArgs *a, Problem *p)
{
    clip_example(r);
    const int steps = mlp_steps(a), heavy[HEAVY_COUNT] = {0, 500, 1000};
    const Run runs[2] = {lesson_run(a, &SGD_SPEC, SGD_LR, steps, MLP_BATCH),
                         lesson_run(a, &ADAMW_SPEC, MLP_LR, steps, MLP_BATCH)};
    Trace tr[2][3];   /* [optimizer][clean, heavy, heavy and clipped] */
    clipping_traces(p, runs, heavy, HEAVY_COUNT, HEAVY_WEIGHT, CLIP_NORM, tr);
    const Column columns[] = {{"optimizer", "%s"}, {"data", "%s"}, {"clip", "%s"}, {"final\nloss", "%.3g"},
                              {"test\naccuracy", "%.1f"}, {"highest\nloss", "%.3g"},
                              {"||g||\nmedian", "%.3g"}, {"\nlargest", "%.3g"}, {"steps\nclipped", "%.1f%%"},
                              {NULL, NULL}};
    Table *t = table_begin(r, "clipping", "The digits MLP with three examples weighted 10^4", columns);
    for (int o = 0; o < 2; o++)
        for (int k = 0; k < 3; k++) clipping_row(r, t, o, k, &tr[o][k], steps);
    table_nan_text(t, 8, "-");
    table_note(t, "%d steps of batch %d, SGD at lr %g, AdamW at %g; heavy: examples 0, 500 and 1000", steps,
               MLP_BATCH, SGD_LR, MLP_LR);
    table_note(t, "count %g times in the loss; clip: clip_grad_norm_(max_norm=%g) before each step;", HEAVY_WEIGHT,
               CLIP_NORM);
    table_note(t, "final loss: on all training examples, and the figure's, every example weighted 1;");
    table_note(t, "highest: the highest batch loss a step took, heavy examples weighted; ||g||: the");
    table_note(t, "gradient's 2-norm before clipping");
    table_end(t);

    int window = steps >= 100 ? steps / 100 : 1;
    Figure *fig = loss_figure(r, "07_clipping", "set key top right\n");
    const char *styles[2][2] = {{"lines ls 2 dt 2", "lines ls 2"}, {"lines ls 1 dt 2", "lines ls 1"}};
    for (int o = 0; o < 2; o++)
        for (int c = 0; c < 2; c++)
            figure_window_means(fig, styles[o][c], tr[o][c + 1].loss, window, steps / window,
                                "%s, %s", CLIP_NAMES[o], c ? "clipped" : "not clipped");
    figure_close(fig);
    report_values(r, NULL, (NamedValue[]){
        {"clip_steps", "%d", steps}, {"clip_heavy_weight", "%g", HEAVY_WEIGHT}, {"clip_heavy_count", "%d", HEAVY_COUNT},
        {"clip_max_norm", "%g", CLIP_NORM}, {"clip_window", "%d", window}, {NULL}});
    for (int o = 0; o < 2; o++)
        for (int k = 0; k < 3; k++) trace_free(&tr[o][k]);
}

/* ---- 5. accumulation: 4 micro-batches of 16 against one batch of 64 --------------- */

#define MICRO 4
#define ACC_BATCH 64
#define ACC_RUNS 6

/* The runs, rows of the table: (optimizer, lr, recipe), each compared
 * with the row it should end as (to rounding), if any. */
static const char *const ACC_LABELS[ACC_RUNS] = {
    "AdamW, one batch of 64", "AdamW, 4 x 16, loss / 4", "AdamW, 4 x 16, no / 4",
    "SGD, 4 x 16, loss / 4", "SGD, 4 x 16, no / 4", "SGD, 4 x 16, / 4, lr x 4"};
static const char *const ACC_TAGS[ACC_RUNS] = {"adamw_64", "adamw_acc", "adamw_nodiv",
                                               "sgd_acc", "sgd_nodiv", "sgd_lr4"};
static const ComparedRun ACC_ROWS[ACC_RUNS] = {
    {&ADAMW_SPEC, MLP_LR, {0}, -1},
    {&ADAMW_SPEC, MLP_LR, {.micro_batches = MICRO}, 0},
    {&ADAMW_SPEC, MLP_LR, {.micro_batches = MICRO, .forget_divide = true}, 1},
    {&SGD_SPEC, SGD_LR, {.micro_batches = MICRO}, -1},
    {&SGD_SPEC, SGD_LR, {.micro_batches = MICRO, .forget_divide = true}, 5},
    {&SGD_SPEC, MICRO * SGD_LR, {.micro_batches = MICRO}, -1},
};

/* Row k of the table and its values: the run's end, and how far its
 * parameters ended from its reference row's. */
static void accumulation_row(Report *r, Table *t, int k, const Trace *tr, Apart d)
{
    const ComparedRun *row = &ACC_ROWS[k];
    char from[16] = "";
    if (row->reference >= 0) snprintf(from, sizeof from, "row %d", row->reference + 1);
    table_row(t, ACC_LABELS[k], (double)row->lr, tr->end_loss, tr->test_acc, from, d.absolute,
              d.relative);
    report_values(r, ACC_TAGS[k], (NamedValue[]){
        {"acc_%s_loss", "%.4f", tr->end_loss}, {"acc_%s_test", "%.1f", tr->test_acc},
        {"acc_%s_apart", "%.2e", d.absolute}, {"acc_%s_relative", "%.1e", d.relative}, {NULL}});
}

static void accumulation(Report *r, const LessonArgs *a, Problem *p)
{
    const int steps = a->quick ? 20 : 500;
    StartGradients g = start_gradients(p, (uint64_t)a->seed, ACC_BATCH, MICRO);
    Run base = lesson_run(a, NULL, 0, steps, MLP_BATCH);   /* each row's optimizer and lr */
    base.batch = ACC_BATCH;
    Trace tr[ACC_RUNS];
    Apart apart[ACC_RUNS];
    compare_runs(p, base, ACC_ROWS, ACC_RUNS, tr, apart);
    const Column columns[] = {{"run", "%s"}, {"lr", "%g"}, {"final\nloss", "%.4f"}, {"test\naccuracy", "%.1f"},
                              {"\nvs", "%s"}, {"max |difference|\nabsolute", "%.2e"}, {"\nrelative", "%.2e"},
                              {NULL, NULL}};
    Table *t = table_begin(r, "accumulation", "Accumulating 4 micro-batches of 16 against a batch of 64", columns);
    for (int k = 0; k < ACC_RUNS; k++) accumulation_row(r, t, k, &tr[k], apart[k]);
    table_note(t, "the digits MLP, %d steps from the same start and batches (%d examples a step).", steps,
               ACC_BATCH);
    table_note(t, "Difference: between the parameters at the end (relative: over the largest |theta|).");
    table_note(t, "At the start the two gradients differ by at most %.2e (largest |g| %.3f)", g.apart, g.largest);
    table_end(t);
    report_values(r, NULL, (NamedValue[]){
        {"acc_steps", "%d", steps}, {"acc_micro", "%d", MICRO}, {"acc_batch", "%d", ACC_BATCH},
        {"acc_micro_batch", "%d", ACC_BATCH / MICRO},
        {"acc_grad_apart", "%.2e", g.apart}, {"acc_grad_relative", "%.1e", g.apart / g.largest},
        {"acc_loss_apart", "%.1e", g.loss_apart}, {NULL}});
    for (int k = 0; k < ACC_RUNS; k++) trace_free(&tr[k]);
}

/* ---- 6. "the loss became NaN": what train()'s guard finds ----------------------- */

#define POISONED 700   /* one training image gets a NaN pixel, */
#define NAN_PIXEL 36   /* this one */

static const char *const NAN_LABELS[NAN_CASES] = {"lr too high", "exploding gradients", "NaN in one image"};

static void nan_guard(Report *r, const LessonArgs *a, Problem *mlp)
{
    const char *causes[] = {"-", "bad data", "exploding gradients", "learning rate too high"};
    const char *tags[NAN_CASES] = {"lr", "exploding", "data"};
    const DivergenceCause right[NAN_CASES] = {CAUSE_LR, CAUSE_EXPLODING, CAUSE_DATA};
    NanCase c[NAN_CASES];   /* the cases of NAN_LABELS, in its order */
    nan_cases(mlp, lesson_run(a, &ADAMW_SPEC, MLP_LR, 0, MLP_BATCH), POISONED, NAN_PIXEL, 2000, c);
    const Column columns[] = {{"case", "%s"}, {"problem", "%s"}, {"optimizer", "%s"}, {"lr", "%g"},
                              {"stopped\nat step", "%d"}, {"cause found", "%s"}, {NULL, NULL}};
    Table *t = table_begin(r, "nan_guard", "Three ways to a NaN, and what the training loop says", columns);
    for (int k = 0; k < NAN_CASES; k++) {
        const Divergence *d = &c[k].d;
        table_row(t, NAN_LABELS[k], c[k].problem, d->optimizer, (double)c[k].lr, d->stopped_at,
                  causes[d->cause]);
        report_value(r, value_name(r, "nan_%s_step", tags[k]), "%d", d->stopped_at);
        report_value(r, value_name(r, "nan_%s_cause_right", tags[k]), "%s",
                     d->cause == right[k] ? "yes" : "no");
    }
    table_note(t, "what train() adds to its message (\"lower the learning rate, clip the gradients,");
    table_note(t, "or check the data for NaN/Inf\") when asked to diagnose (TrainConfig.diagnose):");
    for (int k = 0; k < NAN_CASES; k++) {
        table_note(t, "%s:", NAN_LABELS[k]);
        table_note_wrapped(t, "  ", c[k].d.diagnosis, 86);
    }
    table_note(t, "ravine: kappa 10, L = 1 (stable below lr 2); rosenbrock from (-1.2, 1); the MLP with");
    table_note(t, "pixel %d of training example %d set to NaN; at most 2000 steps", NAN_PIXEL,
               POISONED);
    table_end(t);
    report_value(r, "nan_poisoned_example", "%d", POISONED);
}

/* ---- 7. the tiny GPT: warm-up and the schedules ---------------------------------- */

#define GPT_LR 1e-2f    /* above chapter 5's best (3e-3), where the start is rough */
#define GPT_EARLY 100

/* The schedules of gpt_schedule_traces (schedules_measures.h), in its order. */
static const char *const GPT_LABELS[GPT_SCHEDULES] = {"constant", "warm-up, then constant",
                                                       "cosine", "warm-up + cosine"};

/* Run k's row of the table and its values: its end, and its first `early` steps. */
static void gpt_row(Report *r, Table *t, int k, const Trace *tr, const Problem *p, int early)
{
    const char *tags[GPT_SCHEDULES] = {"constant", "warmup", "cosine", "warmup_cosine"};
    EarlySteps e = early_steps(tr, early);
    table_row(t, GPT_LABELS[k], tr->end_loss, tr->end_loss - p->min_loss, e.end_loss, e.largest);
    report_values(r, tags[k], (NamedValue[]){
        {"gpt_%s_val", "%.3f", tr->end_loss}, {"gpt_%s_gap", "%.3f", tr->end_loss - p->min_loss},
        {"gpt_%s_spike", "%.2f", e.spike}, {"gpt_%s_early_loss", "%.3f", e.end_loss},
        {"gpt_%s_largest_update", "%.3f", e.largest}, {"gpt_%s_first_update", "%.3f", tr->update[0]}, {NULL}});
}

/* The batch loss of the first `early` steps, with warm-up and without, and
 * of every run over all `steps`, each against the floor. */
static void gpt_figures(Report *r, const Trace *tr, const Problem *p, int steps, int early, int warm, int window)
{
    const char *y_label = "batch loss (nats per character)";
    Figure *fig = step_figure(r, "07_gpt_warmup", y_label, early, "set key top right\n");
    figure_curve(fig, "lines ls 2", tr[0].loss, 0, early - 1, "constant lr %g", GPT_LR);
    figure_curve(fig, "lines ls 1", tr[1].loss, 0, early - 1, "warm-up over %d steps", warm);
    figure_hline(fig, "lines ls 8 dt 2", 0, early, p->min_loss, "the floor");
    figure_close(fig);

    Figure *all = step_figure(r, "07_gpt_schedules", y_label, steps, "set key top right\n");
    const char *styles[GPT_SCHEDULES] = {"lines ls 8", "lines ls 2", "lines ls 1",
                                         "lines ls 3 dt 2"};
    for (int k = 0; k < GPT_SCHEDULES; k++)
        figure_window_means(all, styles[k], tr[k].loss, window, steps / window, "%s", GPT_LABELS[k]);
    figure_hline(all, "lines ls 8 dt 2", 0, steps, p->min_loss, "the floor");
    figure_close(all);
}

static void gpt(Report *r, const LessonArgs *a)
{
    Problem *p = must_gpt(a->quick, (uint64_t)a->seed);
    const int steps = a->quick ? 24 : 300, early = steps < GPT_EARLY ? steps : GPT_EARLY, warm = steps / 6;
    Run run = lesson_run(a, &ADAMW_SPEC, GPT_LR, steps, 16);
    const Column columns[] = {{"schedule", "%s"}, {"validation\nloss", "%.4f"}, {"above the\nfloor", "%.4f"},
                              {"early steps\nloss at the end", "%.3f"}, {"\nlargest ||update||", "%.3f"},
                              {NULL, NULL}};
    Table *t = table_begin(r, "gpt", "AdamW on the tiny GPT at lr 0.01 under four schedules", columns);
    Trace tr[GPT_SCHEDULES];
    int diverged = gpt_schedule_traces(p, run, warm, 0.1f, tr);
    if (diverged >= 0) fail("AdamW diverged on the GPT (%s)", GPT_LABELS[diverged]);
    for (int k = 0; k < GPT_SCHEDULES; k++) gpt_row(r, t, k, &tr[k], p, early);
    table_note(t, "%d steps of %d windows from the same start and batches, weight decay 0.1 on the", steps, run.batch);
    table_note(t, "matrices; warm-up: LinearLR from lr/100 over %d steps; cosine: to 0 at step %d. The", warm, steps);
    table_note(t, "floor, the lowest loss any model can reach: %.4f nats per character. Early steps:", p->min_loss);
    table_note(t, "the first %d, their loss the mean batch loss of the last %d of them", early, early / 10);
    table_end(t);
    int window = steps >= 30 ? steps / 30 : 1;
    gpt_figures(r, tr, p, steps, early, warm, window);
    report_values(r, NULL, (NamedValue[]){
        {"gpt_lr", "%g", GPT_LR}, {"gpt_steps", "%d", steps}, {"gpt_warmup", "%d", warm}, {"gpt_early", "%d", early},
        {"gpt_batch", "%d", run.batch}, {"gpt_floor", "%.3f", p->min_loss}, {"gpt_start_loss", "%.3f", tr[0].loss[0]},
        {"gpt_window", "%d", window}, {NULL}});
    for (int k = 0; k < GPT_SCHEDULES; k++) trace_free(&tr[k]);
    problem_free(p);
}

/* ==== the program ==== */

int main(int argc, char **argv)
{
    LessonArgs args = LESSON_DEFAULTS;
    args.steps = 2000;   /* the digits MLP's steps (--quick: a quarter of 200) */
    Report report;
    lesson_open(&report, "07_schedules", FLAGS, &args, argc, argv);
    Problem *mlp = must_mlp(MLP_HIDDEN, (uint64_t)args.seed);   /* each run resets it to its own start */
    schedules(&report);
    schedules_mlp(&report, &args, mlp);
    warmup(&report, &args, mlp);
    clipping(&report, &args, mlp);
    accumulation(&report, &args, mlp);
    nan_guard(&report, &args, mlp);
    gpt(&report, &args);
    problem_free(mlp);
    return report_close(&report) == 0 ? 0 : 1;
}
