/* main.c - lesson 04's program: every table and figure of the RMSProp chapter.
 *
 *     build/bin/04_rmsprop [--steps=N] [--lr=X] [--batch=B] [--alpha=A] [--seed=S] [--quick] [--out=DIR]
 *
 * Tables print here and go to DIR/out/04_rmsprop/, figures to DIR/fig/.
 * --steps, --batch and --seed are those of the digits MLP (1000 steps by
 * default); --lr is the middle of the learning rates tried there, from lr/10
 * to 10 lr; --alpha is the alpha compared there with PyTorch's 0.99 (the
 * lecture slides' 0.9 by default); --quick shrinks every experiment so that
 * the whole program runs in about a second (the tests use it). What runs by
 * hand, and the methods' runs on the moving ravine, are in rmsprop_measures.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "adagrad.h"
#include "experiment.h"
#include "momentum.h"
#include "rmsprop_measures.h"
#include "rotated.h"

typedef struct {
    LessonArgs lesson;   /* first: lesson_parse fills it */
    double alpha;        /* compared with PyTorch's 0.99 on the digits MLP */
} Args;

static const OptionSpec FLAGS[] = {
    LESSON_FLAGS("steps of the digits MLP's runs; --quick runs a quarter"),
    LESSON_TRAIN_FLAGS("the middle of the digits MLP's learning rates, lr/10 .. 10 lr",
                       "mini-batch size of the digits MLP's runs", 1),
    {"alpha", OPT_DOUBLE, offsetof(Args, alpha), "alpha compared with PyTorch's 0.99 on the MLP", 0, 0},
    {NULL, 0, 0, NULL, 0, 0},
};

#define PI 3.14159265358979323846
#define MLP_HIDDEN 32   /* the digits MLP of chapters 1 and 2: 64-32-10 */

/* ---- 1. a steady gradient: the first steps, and centered's ----------------------- */

static const char *const STEADY_TITLES[STEADY_COUNT] = {
    "AdaGrad", "RMSProp, alpha 0.9", "RMSProp, alpha 0.99", "RMSProp, alpha 0.999", "centered, alpha 0.99"};

static void steady_gradient(Report *r, const LessonArgs *a)
{
    int steps = a->quick ? 300 : 3000;
    double *length[STEADY_COUNT];
    for (int k = 0; k < STEADY_COUNT; k++) length[k] = doubles_new((size_t)steps + 1);
    steady_steps(steps, length);
    const Column columns[] = {{"step t", "%d"}, {"AdaGrad", "%.3f"}, {"RMSProp\nalpha 0.9", "%.3f"},
                              {"\nalpha 0.99", "%.3f"}, {"\nalpha 0.999", "%.3f"}, {"centered\nalpha 0.99", "%.3f"},
                              {NULL, NULL}};
    Table *t = table_begin(r, "steady", "Step length over lr when every gradient is 1", columns);
    for (int s = 1; s >= 0; s = next_log_step(s, steps))
        table_row(t, s, length[0][s], length[1][s], length[2][s], length[3][s], length[4][s]);
    table_note(t, "lr and eps are PyTorch's defaults; the exact first steps are 1/sqrt(1 - alpha) lr");
    table_end(t);
    report_value(r, "steady_steps", "%d", steps);
    report_value(r, "steady_first_09", "%.2f", length[STEADY_A09][1]);
    report_value(r, "steady_first_099", "%.2f", length[STEADY_A099][1]);
    report_value(r, "steady_first_0999", "%.2f", length[STEADY_A0999][1]);
    report_value(r, "steady_099_at_100", "%.2f", length[STEADY_A099][100]);
    report_value(r, "steady_ada_last", "%.4f", length[STEADY_ADAGRAD][steps]);
    report_value(r, "steady_centered_last", "%.0f", length[STEADY_CENTERED][steps]);

    Figure *fig = report_figure(r, "04_steady");
    fprintf(figure_commands(fig), "set xlabel 'step t'\nset ylabel 'step length / lr'\nset logscale xy\n"
                                  "set xrange [1:%d]\nset format y '%%g'\nset key top center\n", steps);
    const char *styles[STEADY_COUNT] = {"lines ls 1", "lines ls 3", "lines ls 2", "lines ls 4", "lines ls 6 dt 2"};
    for (int k = 0; k < STEADY_COUNT; k++) figure_log_curve(fig, styles[k], length[k], steps, "%s", STEADY_TITLES[k]);
    figure_close(fig);
    for (int k = 0; k < STEADY_COUNT; k++) free(length[k]);
}

/* ---- 2. the memory of the moving average: its step response ------------------------- */

/* square_avg against the step for each alpha, y[3][steps + 1], with a dot at t = 1/(1 - alpha). */
static void memory_figure(Report *r, double *const y[3], const double alphas[3], int steps)
{
    Figure *fig = report_figure(r, "04_memory");
    fprintf(figure_commands(fig), "set xlabel 'step t'\nset ylabel 'square\\_avg'\nset logscale x\n"
                                  "set xrange [1:%d]\nset yrange [0:1.05]\nset key bottom right\n", steps);
    const char *styles[3] = {"lines ls 3", "lines ls 2", "lines ls 4"};
    for (int k = 0; k < 3; k++) figure_log_curve(fig, styles[k], y[k], steps, "alpha %g", alphas[k]);
    /* a mark where t = 1/(1 - alpha) on each curve: 1 - 1/e = 63% there */
    int mark = figure_series(fig, "points ls 7 pt 7 ps 1", "t = 1/(1 - alpha)");
    for (int k = 0; k < 3; k++) figure_point(fig, mark, 1 / (1 - alphas[k]), y[k][(int)lround(1 / (1 - alphas[k]))]);
    figure_close(fig);
}

static void memory(Report *r)
{
    const double alphas[3] = {0.9, 0.99, 0.999}, levels[3] = {0.5, 1 - exp(-1.0), 0.95};
    const char *tags[3] = {"09", "099", "0999"};
    const int steps = 20000;   /* 20 time constants of the longest memory */
    double *y[3];
    const Column columns[] = {{"alpha", "%g"}, {"1/(1-alpha)", "%.0f"}, {"steps to\n50%", "%d"},
                              {"\n63.2%", "%d"}, {"\n95%", "%d"}, {"settles\nat", "%.7f"},
                              {"g 100x smaller\nsteps to adapt", "%d"}, {"g 100x larger\nlongest step", "%.1f"},
                              {NULL, NULL}};
    Table *t = table_begin(r, "memory", "The memory of square_avg: its step response, and a change of scale",
                           columns);
    for (int k = 0; k < 3; k++) {
        y[k] = doubles_new((size_t)steps + 1);
        step_response(alphas[k], steps, y[k]);
        int reach[3];
        for (int l = 0; l < 3; l++) reach[l] = first_step_reaching(y[k], steps, levels[l]);
        double unused, longest;
        int adapt = scale_change(alphas[k], 1.0f, 0.01f, &unused);
        scale_change(alphas[k], 0.01f, 1.0f, &longest);
        table_row(t, alphas[k], 1 / (1 - alphas[k]), reach[0], reach[1], reach[2], y[k][steps], adapt, longest);
        report_value(r, value_name(r, "memory_half_%s", tags[k]), "%d", reach[0]);
        report_value(r, value_name(r, "memory_e_%s", tags[k]), "%d", reach[1]);
        report_value(r, value_name(r, "memory_95_%s", tags[k]), "%d", reach[2]);
        report_value(r, value_name(r, "memory_settles_%s", tags[k]), "%.7f", y[k][steps]);
        report_value(r, value_name(r, "memory_adapt_%s", tags[k]), "%d", adapt);
        report_value(r, value_name(r, "memory_longest_%s", tags[k]), "%.1f", longest);
    }
    table_note(t, "left: every gradient 1 from step 1 on; 63.2%% is 1 - 1/e; \"settles at\": after %d steps,", steps);
    table_note(t, "in float32. Right: after settling on gradients of one size, the steps until a step is");
    table_note(t, "within a factor 2 of lr again, and the longest step (over lr) on the way");
    table_end(t);

    memory_figure(r, y, alphas, steps);
    for (int k = 0; k < 3; k++) free(y[k]);
}

/* ---- 3. the moving ravine: a long run, a jump, a change of scale --------------------- */

/* The methods of the moving ravine (jump_result in rmsprop_measures.h). */
enum { JUMP_GD, JUMP_ADA, JUMP_RMS09, JUMP_RMS099, JUMP_RMS0999, JUMP_METHODS };

static void jump_figures(Report *r, const Variant *methods, const JumpResult *res /* [JUMP_METHODS] */, int phase)
{
    const char *styles[JUMP_METHODS] = {"lines ls 1", "lines ls 6", "lines ls 3", "lines ls 2", "lines ls 4"};
    int window = phase / 100 > 0 ? phase / 100 : 1;
    /* the key in the empty top of the first phase, clear of every line */
    Figure *fig = loss_figure(r, "04_jump", "set format y '10^{%L}'\nset key at graph 0.28, graph 0.97 center top\n");
    fprintf(figure_commands(fig), "set ylabel 'loss / scale (mean over %d steps)'\n"
                                  "set arrow from %d, graph 0 to %d, graph 1 nohead dt 3\n", window, phase, phase);
    for (int m = 0; m < JUMP_METHODS; m++)   /* the mean of each hundredth of a phase: the noise smoothed */
        figure_window_means(fig, styles[m], res[m].scaled.loss, window, 200, "%s", methods[m].label);
    figure_close(fig);

    Figure *clr = report_figure(r, "04_adapt");
    fprintf(figure_commands(clr), "set xlabel 'step'\nset ylabel 'effective learning rate x scale / lr'\n"
                                  "set logscale y\nset format y '10^{%%L}'\nset key bottom left\n"
                                  "set arrow from %d, graph 0 to %d, graph 1 nohead dt 3\n", phase, phase);
    for (int m = JUMP_ADA; m < JUMP_METHODS; m++) {
        int s = figure_series(clr, styles[m], "%s", methods[m].label);
        for (int t = 1; t <= 2 * phase; t += window)   /* 200 points a line */
            figure_point(clr, s, t, res[m].scaled.probe[t] / res[m].lr);
    }
    figure_close(clr);
}

/* The table of the moving ravine and the values the chapter quotes from it. */
static void jump_table(Report *r, const Variant *methods, const JumpResult *res /* [JUMP_METHODS] */, int phase)
{
    const Column columns[] = {{"method", "%s"}, {"lr", "%g"}, {"before\nthe jump", "%.2e"},
                              {"after the jump\nsame scale", "%.2e"}, {"\nscale 1/100", "%.2e"},
                              {"steps to\nadapt", "%.0f"}, {NULL, NULL}};
    Table *t = table_begin(r, "jump", "The moving ravine: mean loss / scale over the last tenth of each phase",
                           columns);
    table_nan_text(t, 5, "never");
    for (int m = 0; m < JUMP_METHODS; m++)
        table_row(t, methods[m].label, res[m].lr, res[m].same.end[0], res[m].same.end[1], res[m].scaled.end[1],
                  res[m].adapt);
    table_note(t, "each at its best lr for the first minimum (of 0.001 .. 10); %d steps per phase", phase);
    table_note(t, "steps to adapt: after the scale drops, until the effective lr times the scale stays");
    table_note(t, "within a factor 2 of the effective lr of the same run on the unchanged problem");
    table_end(t);
    report_value(r, "jump_phase", "%d", phase);
    report_value(r, "jump_noise", "%g", JUMP_NOISE);
    report_value(r, "jump_kappa", "%g", JUMP_KAPPA);
    report_value(r, "jump_scale", "%g", 1 / JUMP_SCALE);
    for (int m = 0; m < JUMP_METHODS; m++) {
        const char *tag = methods[m].tag;
        const JumpRun *same = &res[m].same, *scaled = &res[m].scaled;
        report_value(r, value_name(r, "jump_%s_lr", tag), "%g", res[m].lr);
        report_value(r, value_name(r, "jump_%s_first", tag), "%.1e", same->end[0]);
        report_value(r, value_name(r, "jump_%s_same", tag), "%.1e", same->end[1]);
        report_value(r, value_name(r, "jump_%s_scaled", tag), "%.1e", scaled->end[1]);
        report_value(r, value_name(r, "jump_%s_same_ratio", tag), "%.1f", same->end[1] / same->end[0]);
        double ratio = scaled->end[1] / same->end[0];
        report_value(r, value_name(r, "jump_%s_scaled_ratio", tag), ratio < 10 ? "%.1f" : "%.0f", ratio);
        report_value(r, value_name(r, "jump_%s_adapt", tag), "%.0f", res[m].adapt);
        /* the effective lr at the jump, over the one after the first step */
        report_value(r, value_name(r, "jump_%s_clr_drop", tag), "%.3f", same->probe[phase] / same->probe[1]);
    }
}

static void jump(Report *r, const LessonArgs *a)
{
    const Variant methods[JUMP_METHODS] = {
        {"GD", "gd", &SGD_MOMENTUM_SPEC, RMSPROP_DEFAULTS},
        {"AdaGrad", "ada", &ADAGRAD_SPEC, RMSPROP_DEFAULTS},
        {"RMSProp, alpha 0.9", "rms09", &RMSPROP_SPEC, rmsprop_with(0.9, 0.0f, false)},
        {"RMSProp, alpha 0.99", "rms099", &RMSPROP_SPEC, rmsprop_with(0.99, 0.0f, false)},
        {"RMSProp, alpha 0.999", "rms0999", &RMSPROP_SPEC, rmsprop_with(0.999, 0.0f, false)},
    };
    int phase = a->quick ? 1000 : 30000;
    Problem *p = must(rotated_ravine_new(JUMP_KAPPA, PI / 4), "out of memory");
    JumpResult res[JUMP_METHODS];
    for (int m = 0; m < JUMP_METHODS; m++) res[m] = jump_result(p, &methods[m], phase);
    problem_free(p);
    jump_table(r, methods, res, phase);
    jump_figures(r, methods, res, phase);
    for (int m = 0; m < JUMP_METHODS; m++) {
        jump_run_free(&res[m].same);
        jump_run_free(&res[m].scaled);
    }
}

/* ---- 4. centered and momentum on the ravine ------------------------------------------ */

static void ravine(Report *r, const LessonArgs *a)
{
    const Variant variants[] = {
        {"GD", "gd", &SGD_MOMENTUM_SPEC, RMSPROP_DEFAULTS},
        {"AdaGrad", "ada", &ADAGRAD_SPEC, RMSPROP_DEFAULTS},
        {"RMSProp", "rms", &RMSPROP_SPEC, rmsprop_with(0.99, 0.0f, false)},
        {"centered", "cen", &RMSPROP_SPEC, rmsprop_with(0.99, 0.0f, true)},
        {"momentum 0.9", "mom", &RMSPROP_SPEC, rmsprop_with(0.99, 0.9f, false)},
        {"centered, momentum 0.9", "cenmom", &RMSPROP_SPEC, rmsprop_with(0.99, 0.9f, true)},
    };
    const double kappa = a->quick ? 10 : 100;
    int max_steps = a->quick ? 5000 : 100000, count = (int)(sizeof variants / sizeof variants[0]);
    float lrs[33];
    lr_grid(lrs, 33, -24, 8);   /* 0.001 .. 10 */
    const Column columns[] = {{"method", "%s"}, {"axes\nlr", "%g"}, {"\nsteps", "%.0f"},
                              {"turned 45°\nlr", "%g"}, {"\nsteps", "%.0f"}, {NULL, NULL}};
    Table *t = table_begin(r, "ravine", "Steps until the loss is 1e-6 of its start (the worst of 4 starts), "
                           "best lr of each", columns);
    for (int c = 1; c <= 4; c++) table_nan_text(t, c, c % 2 ? "-" : "never");   /* lr, steps */
    for (int v = 0; v < count; v++) {
        double steps[2];
        float best[2];
        for (int turned = 0; turned <= 1; turned++) {
            Problem *p = must(rotated_ravine_new(kappa, turned ? PI / 4 : 0.0), "out of memory");
            Sweep s = sweep_steps_to_target(p, variant_run(&variants[v], 0, max_steps), 4, 5, lrs, 33, INFINITY);
            steps[turned] = s.best >= 0 ? s.score[s.best] : NAN;
            best[turned] = s.best >= 0 ? s.lr[s.best] : NAN;
            report_value(r, value_name(r, "ravine_%s_%s", variants[v].tag, turned ? "turned" : "axes"), "%.0f",
                         steps[turned]);
            problem_free(p);
        }
        table_row(t, variants[v].label, best[0], steps[0], best[1], steps[1]);
    }
    table_note(t, "kappa %g; learning rates 10^(k/8) from 0.001 to 10; 'never': not within %d steps", kappa,
               max_steps);
    table_note(t, "RMSProp's rows: alpha 0.99, PyTorch's eps");
    table_end(t);
    report_value(r, "ravine_kappa", "%g", kappa);
}

/* ---- 5. the digits MLP: alpha, centered, momentum ------------------------------------ */

enum { MLP_LRS = 5, MLP_VARIANTS = 4, MLP_SEEDS = 3 };

static void mlp_figure(Report *r, const Variant *variants, const SeedSweep *res /* [MLP_VARIANTS] */)
{
    const float *lrs = res[0].lr;
    int count = res[0].count;
    Figure *fig = report_figure(r, "04_mlp");
    fprintf(figure_commands(fig), "set xlabel 'learning rate'\nset ylabel 'final training loss (mean of seeds)'\n"
                                  "set logscale xy\nset format y '10^{%%L}'\nset key top left\n"
                                  "set xrange [%g:%g]\n", lrs[0] / 1.5, lrs[count - 1] * 1.5);
    const char *styles[MLP_VARIANTS] = {"linespoints ls 2 pt 7", "linespoints ls 3 dt 2 pt 6",
                                        "linespoints ls 1 pt 4", "linespoints ls 6 pt 8"};
    for (int v = 0; v < MLP_VARIANTS; v++) {
        int s = figure_series(fig, styles[v], "%s", variants[v].label);
        for (int k = 0; k < count; k++) figure_point(fig, s, lrs[k], res[v].at[k].loss.mean);   /* diverged: left out */
    }
    figure_close(fig);
}

/* The two tables of the digits MLP, and the values the chapter quotes from them. */
static void mlp_tables(Report *r, const Variant *variants, const SeedSweep *res /* [MLP_VARIANTS] */, int seeds,
                       int batch, int steps)
{
    Column lr_columns[] = {{"lr", "%g"}, {"RMSProp\nalpha 0.99", "%.2e"}, {"\nalpha 0.9", "%.2e"},
                           {"\ncentered", "%.2e"}, {"\nmomentum 0.9", "%.2e"}, {NULL, NULL}};
    char other_header[80];
    snprintf(other_header, sizeof other_header, "\n%s", variants[1].label);
    lr_columns[2].header = other_header;
    Table *t = table_begin(r, "mlp_lr", "The digits MLP (64-32-10, tanh): final training loss by lr", lr_columns);
    for (int c = 1; c <= MLP_VARIANTS; c++) table_nan_text(t, c, "diverged");
    for (int k = 0; k < res[0].count; k++)
        table_row(t, res[0].lr[k], res[0].at[k].loss.mean, res[1].at[k].loss.mean, res[2].at[k].loss.mean,
                  res[3].at[k].loss.mean);
    table_note(t, "batch %d, %d steps; the mean over %d seeds; alpha 0.99 where not said otherwise", batch, steps,
               seeds);
    table_end(t);

    const Column columns[] = {{"RMSProp", "%s"}, {"best lr", "%g"}, {"loss\nmean", "%.2e"}, {"\nlow", "%.2e"},
                              {"\nhigh", "%.2e"}, {"test accuracy\nmean", "%.1f%%"}, {"\nlow", "%.1f"},
                              {"\nhigh", "%.1f"}, {NULL, NULL}};
    t = table_begin(r, "mlp", "Each at its best lr: final training loss and test accuracy over the seeds", columns);
    double acc_min = INFINITY, acc_max = -INFINITY;   /* over every variant's seeds at its best lr */
    for (int v = 0; v < MLP_VARIANTS; v++) {
        int b = res[v].best;
        Spread loss = res[v].at[b].loss, acc = res[v].at[b].accuracy;
        acc_min = fmin(acc_min, acc.low);
        acc_max = fmax(acc_max, acc.high);
        table_row(t, variants[v].label, res[v].lr[b], loss.mean, loss.low, loss.high, acc.mean, acc.low, acc.high);
        const char *tag = variants[v].tag;
        report_value(r, value_name(r, "mlp_%s_lr", tag), "%g", res[v].lr[b]);
        report_value(r, value_name(r, "mlp_%s_loss", tag), "%.1e", loss.mean);
        report_value(r, value_name(r, "mlp_%s_acc", tag), "%.1f", acc.mean);
        report_value(r, value_name(r, "mlp_%s_acc_low", tag), "%.1f", acc.low);
        report_value(r, value_name(r, "mlp_%s_acc_high", tag), "%.1f", acc.high);
        for (int k = 0; k < res[v].count; k++)   /* every point of the sweep, for the prose */
            report_value(r, value_name(r, "mlp_%s_loss_lr%d", tag, k), "%.1e", res[v].at[k].loss.mean);
    }
    table_end(t);
    report_value(r, "mlp_acc_min", "%.1f", acc_min);
    report_value(r, "mlp_acc_max", "%.1f", acc_max);
}

static void digits_mlp(Report *r, const LessonArgs *a, double alpha)
{
    char other[64];
    snprintf(other, sizeof other, "alpha %g", alpha);
    const Variant variants[MLP_VARIANTS] = {
        {"alpha 0.99", "a099", &RMSPROP_SPEC, rmsprop_with(0.99, 0.0f, false)},
        {other, "alt", &RMSPROP_SPEC, rmsprop_with(alpha, 0.0f, false)},
        {"centered", "cen", &RMSPROP_SPEC, rmsprop_with(0.99, 0.0f, true)},
        {"momentum 0.9", "mom", &RMSPROP_SPEC, rmsprop_with(0.99, 0.9f, false)},
    };
    /* lr/10 .. 10 lr from 3 seeds; a smoke run tries lr alone, from one seed, a quarter of the steps */
    const float factors[MLP_LRS] = {0.1f, 0.3f, 1.0f, 3.0f, 10.0f};
    int count = a->quick ? 1 : MLP_LRS, seeds = a->quick ? 1 : MLP_SEEDS;
    int steps = a->quick ? (a->steps + 3) / 4 : a->steps;
    float lrs[MLP_LRS];
    for (int k = 0; k < count; k++) lrs[k] = a->lr * factors[a->quick ? 2 : k];
    Problem *p = must_mlp(MLP_HIDDEN, (uint64_t)a->seed);
    SeedSweep res[MLP_VARIANTS];
    for (int v = 0; v < MLP_VARIANTS; v++) {
        Run run = variant_run(&variants[v], 0, steps);
        run.batch = a->batch;
        run.seed = run.batch_seed = (uint64_t)a->seed;
        res[v] = sweep_seeds(p, run, seeds, 1, lrs, count);
        if (res[v].best < 0) {   /* nothing to compare: the --lr given is too large */
            char tried[64];
            if (count > 1) snprintf(tried, sizeof tried, "every learning rate tried, %g to %g", lrs[0], lrs[count - 1]);
            else snprintf(tried, sizeof tried, "lr %g", lrs[0]);
            die_usage("04_rmsprop", "--lr=%g: %s diverged on the digits MLP at %s; lower it", a->lr,
                      variants[v].label, tried);
        }
    }
    problem_free(p);

    mlp_tables(r, variants, res, seeds, a->batch, steps);
    report_value(r, "mlp_steps", "%d", steps);
    report_value(r, "mlp_batch", "%d", a->batch);
    report_value(r, "mlp_seeds", "%d", seeds);
    report_value(r, "mlp_alpha", "%g", alpha);
    for (int k = 0; k < count; k++) report_value(r, value_name(r, "mlp_lr%d", k), "%g", lrs[k]);
    mlp_figure(r, variants, res);
}

/* ---- 6. what RMSProp keeps: bytes of state per parameter ----------------------------- */

static void state_bytes(Report *r)
{
    Problem *p = must_mlp(MLP_HIDDEN, 1);
    size_t params = paramlist_numel(&p->params);
    const struct { const char *tag; float momentum; bool centered; } kinds[] = {
        {"plain", 0.0f, false}, {"momentum", 0.9f, false}, {"centered", 0.0f, true}, {"both", 0.9f, true}};
    report_value(r, "state_params", "%zu", params);
    for (int k = 0; k < 4; k++) {
        RMSpropConfig cfg = rmsprop_with(0.99, kinds[k].momentum, kinds[k].centered);
        size_t bytes = run_state_bytes(p, (Run){.optimizer = &RMSPROP_SPEC, .config = &cfg});
        report_value(r, value_name(r, "state_bytes_%s", kinds[k].tag), "%zu", bytes);
        report_value(r, value_name(r, "state_per_param_%s", kinds[k].tag), "%zu", bytes / params);
    }
    problem_free(p);
}

int main(int argc, char **argv)
{
    Args args = {.lesson = LESSON_DEFAULTS, .alpha = 0.9};
    args.lesson.lr = 0.003f;   /* the middle of the MLP's learning rates */
    args.lesson.steps = 1000;  /* the MLP's steps: 3 seeds at 5 learning rates for 4 variants */
    lesson_parse("04_rmsprop", FLAGS, &args, argc, argv);
    if (!(args.alpha >= 0 && args.alpha < 1))
        die_usage("04_rmsprop", "--alpha must be at least 0 and below 1 (got %g)", args.alpha);
    if (!args.lesson.quick && !isfinite(args.lesson.lr * 10.0f))   /* digits_mlp sweeps lr/10 .. 10 lr */
        die_usage("04_rmsprop", "--lr=%g: the sweep's largest, ten times it, would be infinite; lower it",
                  args.lesson.lr);
    Report report;
    if (report_open(&report, args.lesson.out, "04_rmsprop") != 0) return EXIT_USAGE;   /* a bad --out */
    steady_gradient(&report, &args.lesson);
    memory(&report);
    jump(&report, &args.lesson);
    ravine(&report, &args.lesson);
    digits_mlp(&report, &args.lesson, args.alpha);
    state_bytes(&report);
    return report_close(&report) == 0 ? 0 : 1;
}
