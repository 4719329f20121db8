/* main.c - lesson 03's program: every table and figure of the AdaGrad chapter.
 *
 *     build/bin/03_adagrad [--steps=N] [--lr=X] [--batch=B] [--seed=S] [--quick] [--out=DIR]
 *
 * Tables print here and go to DIR/out/03_adagrad/, figures to DIR/fig/.
 * --steps sets the length of the sparse-feature runs (at least 200, so that
 * the rarest coordinate, in one example in 50, sees a few gradients even at
 * --batch=1) and of the stall (each of its phases runs ten times longer),
 * --batch the mini-batch of the sparse runs (whose learning rates are
 * tuned), --lr the rate of the final experiment, AdaGrad next to the notes'
 * v = g^2 on the ravine; --quick shrinks every experiment to fixed sizes
 * (--steps is then not used) so that the whole program runs in about a
 * second (the tests use it). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "adagrad.h"
#include "experiment.h"
#include "momentum.h"
#include "problems.h"
#include "rng.h"
#include "rotated.h"
#include "runs.h"
#include "train.h"

static const OptionSpec FLAGS[] = {
    LESSON_FLAGS("steps of the sparse-feature runs and of the stall (not with --quick); fewer than 200 run 200"),
    LESSON_TRAIN_FLAGS("learning rate of the final experiment: AdaGrad and v = g^2",
                       "mini-batch size of the sparse-feature runs", 1),
    {NULL, 0, 0, NULL, 0, 0},
};

/* The sparse problem: 50 features, feature j in about 1 example in j + 1. */
#define FEATURES 50
#define FREQUENT 5      /* features 0..4: in at least 1 example in 5 */
#define RARE 10         /* features 40..49: in about 1 example in 45 */
#define PI 3.14159265358979323846
/* The moving ravine's gradient noise: a mini-batch's, of a steady size. */
#define STALL_NOISE 0.3
#define STALL_SEQUENCES 20   /* other noise sequences the stall's first phase runs on (--quick: 4) */

typedef enum { SGD, ADAGRAD } Method;
static const char *const METHOD_NAMES[] = {"SGD", "AdaGrad"};

/* SGD (lesson 02's, momentum 0) or AdaGrad, PyTorch's defaults but lr:
 * `steps` full-batch steps from a problem's start. */
static Run method(Method m, float lr, int steps)
{
    return (Run){.optimizer = m == SGD ? &SGD_MOMENTUM_SPEC : &ADAGRAD_SPEC, .lr = lr, .steps = steps};
}

/* ---- 1 and 2. rare features, and the learning rate of each coordinate ------- */

/* What a run on the sparse problem records after each step t (index t). */
typedef struct {
    double *err_frequent, *err_rare;   /* RMS error of features 0..4 and 40..49 */
    double *clr_frequent, *clr_rare;   /* AdaGrad's lr/(sqrt(sum) + eps) of features 0 and 49 */
    float lr;
} SparseTrace;

static double rms_error(const float *w, const float *w_true, int from, int count)
{
    double s = 0;
    for (int j = from; j < from + count; j++) s += (double)(w[j] - w_true[j]) * (w[j] - w_true[j]);
    return sqrt(s / count);
}

static SparseTrace sparse_run(Problem *p, Method m, float lr, int steps, const LessonArgs *a)
{
    const float *w_true = sparse_linear_true_weights(p);   /* w_true[FEATURES] */
    SparseTrace tr = {.lr = lr};
    double **arrays[4] = {&tr.err_frequent, &tr.err_rare, &tr.clr_frequent, &tr.clr_rare};
    for (int k = 0; k < 4; k++) *arrays[k] = must(calloc((size_t)steps + 1, sizeof(double)), "out of memory");
    p->reset(p, 0);
    Optimizer *opt = run_optimizer(p, method(m, lr, steps));
    BatchSampler bs;
    int batch = a->batch < p->num_examples ? a->batch : p->num_examples;
    if (batch_sampler_init(&bs, p->num_examples, (uint64_t)a->seed) != 0) fail("out of memory");
    const float *w = p->params.params[0]->data;
    for (int t = 0; t <= steps; t++) {
        tr.err_frequent[t] = rms_error(w, w_true, 0, FREQUENT);
        tr.err_rare[t] = rms_error(w, w_true, FEATURES - RARE, RARE);
        if (m == ADAGRAD && t > 0) {
            const float *sum = opt->slots[0][0]->data;
            tr.clr_frequent[t] = sum[0] > 0 ? lr / (sqrt(sum[0]) + 1e-10) : NAN;
            tr.clr_rare[t] = sum[FEATURES - 1] > 0 ? lr / (sqrt(sum[FEATURES - 1]) + 1e-10) : NAN;
        }
        if (t == steps) break;
        optimizer_zero_grad(opt);
        if (!isfinite(p->loss_and_grad(p, batch_sampler_next(&bs, batch), batch)))
            fail("%s diverged on the sparse problem at lr %g", METHOD_NAMES[m], lr);
        optimizer_step(opt);
    }
    batch_sampler_free(&bs);
    optimizer_free(opt);
    return tr;
}

static void sparse_trace_free(SparseTrace *tr)
{
    free(tr->err_frequent);
    free(tr->err_rare);
    free(tr->clr_frequent);
    free(tr->clr_rare);
}

/* "Learned": the RMS error of a group of weights below this. */
#define SPARSE_GOOD 0.05

static void sparse_figure(Report *r, const SparseTrace tr[2], int steps)
{
    Figure *fig = report_figure(r, "03_sparse");
    fprintf(figure_commands(fig), "set xlabel 'step'\nset ylabel 'RMS error of the weights'\n"
                                  "set logscale xy\nset key bottom left\n");
    /* the colour says the method, the dashes the rare features */
    for (Method m = SGD; m <= ADAGRAD; m++) {
        figure_curve(fig, m == SGD ? "lines ls 1" : "lines ls 2", tr[m].err_frequent, 1, steps,
                     "%s, frequent features", METHOD_NAMES[m]);
        figure_curve(fig, m == SGD ? "lines ls 1 dt 2" : "lines ls 2 dt 2", tr[m].err_rare, 1, steps,
                     "%s, rare features", METHOD_NAMES[m]);
    }
    figure_close(fig);
}

/* The numbers the chapter quotes from the sparse runs, and AdaGrad's state size. */
static void sparse_values(Report *r, Problem *p, const SparseTrace tr[2], const float lr[2], int steps)
{
    report_value(r, "sparse_steps", "%d", steps);
    report_value(r, "sparse_good", "%.2f", SPARSE_GOOD);
    /* What AdaGrad keeps: one float (`sum`) per parameter. */
    Optimizer *opt = run_optimizer(p, method(ADAGRAD, 0.1f, 0));
    report_value(r, "state_bytes", "%zu", optimizer_state_bytes(opt));
    report_value(r, "state_params", "%zu", p->params.params[0]->numel);
    report_value(r, "state_bytes_per_param", "%zu", optimizer_state_bytes(opt) / p->params.params[0]->numel);
    optimizer_free(opt);
    report_value(r, "sparse_sgd_lr", "%g", lr[SGD]);
    report_value(r, "sparse_ada_lr", "%g", lr[ADAGRAD]);
    for (Method m = SGD; m <= ADAGRAD; m++) {
        const char *tag = m == SGD ? "sgd" : "ada";
        report_value(r, value_name(r, "sparse_%s_frequent", tag), "%.3f", tr[m].err_frequent[steps]);
        report_value(r, value_name(r, "sparse_%s_rare", tag), "%.3f", tr[m].err_rare[steps]);
    }
}

/* The learning rate 10^(k/4), 0.001 .. 10, with the lowest final loss after
 * `steps` mini-batch steps. */
static float tuned_lr(Problem *p, Method m, int steps, const LessonArgs *a)
{
    float lrs[17];
    lr_grid(lrs, 17, -12, 4);
    Run run = method(m, 0, steps);
    run.batch = a->batch;
    run.seed = run.batch_seed = (uint64_t)a->seed;
    Sweep s = sweep_final_loss(p, run, lrs, 17);
    if (s.best < 0) fail("every learning rate diverged on %s", p->name);
    return s.lr[s.best];
}

/* The sparse runs' steps: --steps, at least 200 (--quick: 200). */
static int sparse_steps(const LessonArgs *a)
{
    return a->quick ? 200 : lesson_steps(a, 1, 200);
}

static void sparse_features(Report *r, const LessonArgs *a, SparseTrace *ada_out)
{
    Problem *p = must(sparse_linear_new(FEATURES, (uint64_t)a->seed), "out of memory");
    int steps = sparse_steps(a);
    SparseTrace tr[2];
    float lr[2];
    for (Method m = SGD; m <= ADAGRAD; m++) {
        lr[m] = tuned_lr(p, m, steps, a);
        tr[m] = sparse_run(p, m, lr[m], steps, a);
    }
    const Column columns[] = {{"step", "%d"}, {"SGD\nfrequent", "%.4f"}, {"SGD\nrare", "%.4f"},
                              {"AdaGrad\nfrequent", "%.4f"}, {"AdaGrad\nrare", "%.4f"}, {NULL, NULL}};
    Table *t = table_begin(r, "sparse", "RMS error of the weights, frequent (0-4) and rare (40-49) features",
                           columns);
    for (int s = 0; s >= 0; s = next_log_step(s, steps))
        table_row(t, s, tr[SGD].err_frequent[s], tr[SGD].err_rare[s], tr[ADAGRAD].err_frequent[s],
                  tr[ADAGRAD].err_rare[s]);
    table_note(t, "each at its best lr for the final loss: SGD %g, AdaGrad %g; batch %d", lr[SGD], lr[ADAGRAD],
               a->batch < p->num_examples ? a->batch : p->num_examples);
    /* How long each takes to bring a group's error below SPARSE_GOOD for good. */
    const char *tags[2] = {"sgd", "ada"};
    for (Method m = SGD; m <= ADAGRAD; m++) {
        int frequent = steps_until_below(tr[m].err_frequent, steps, SPARSE_GOOD);
        int rare = steps_until_below(tr[m].err_rare, steps, SPARSE_GOOD);
        table_note(t, "%s: error below %.2f for good after %d steps (frequent), %d steps (rare)", METHOD_NAMES[m],
                   SPARSE_GOOD, frequent, rare);
        report_value(r, value_name(r, "sparse_%s_frequent_steps", tags[m]), "%d", frequent);
        report_value(r, value_name(r, "sparse_%s_rare_steps", tags[m]), "%d", rare);
    }
    table_end(t);
    sparse_values(r, p, tr, lr, steps);

    sparse_figure(r, tr, steps);
    sparse_trace_free(&tr[SGD]);
    *ada_out = tr[ADAGRAD];
    problem_free(p);
}

/* AdaGrad's clr on two coordinates fed gradients of a steady size, N(0, 1):
 * one on every step, the other on 1 step in 45 and 0 otherwise: a rarely
 * touched coordinate. clr_f, clr_r: [steps + 1]. */
static void steady_clr(int steps, uint64_t seed, double *clr_f, double *clr_r)
{
    Rng rng;
    rng_seed(&rng, seed, 3);
    AdagradConfig cfg = ADAGRAD_DEFAULTS;
    float param[2] = {0, 0}, sum[2] = {0, 0};
    for (int t = 1; t <= steps; t++) {
        float g[2] = {(float)rng_normal(&rng), 0.0f};
        if (rng_uniform(&rng) * 45 < 1) g[1] = (float)rng_normal(&rng);
        adagrad_update(param, g, sum, 2, &cfg, t);
        /* before its first gradient a coordinate's clr is lr/eps: no point to draw */
        clr_f[t] = sum[0] > 0 ? cfg.lr / (sqrt(sum[0]) + cfg.eps) : NAN;
        clr_r[t] = sum[1] > 0 ? cfg.lr / (sqrt(sum[1]) + cfg.eps) : NAN;
    }
}

static void clr_figure(Report *r, const SparseTrace *tr, const double *steady_f, const double *steady_r,
                       int steps)
{
    Figure *fig = report_figure(r, "03_clr");
    fprintf(figure_commands(fig), "set xlabel 'step t'\nset ylabel 'lr / (sqrt(sum) + eps), over lr'\n"
                                  "set logscale xy\nset yrange [0.01:1000]\nset key top right\n");
    int series[4];
    const char *styles[4] = {"lines ls 1", "lines ls 2", "lines ls 1 dt 2", "lines ls 2 dt 2"};
    const char *titles[4] = {"sparse problem, feature 0", "sparse problem, feature 49",
                             "steady gradients, every step", "steady gradients, 1 step in 45"};
    for (int k = 0; k < 4; k++) series[k] = figure_series(fig, styles[k], "%s", titles[k]);
    for (int s = 1; s <= steps; s++) {
        double y[4] = {tr->clr_frequent[s] / tr->lr, tr->clr_rare[s] / tr->lr, steady_f[s] / ADAGRAD_DEFAULTS.lr,
                       steady_r[s] / ADAGRAD_DEFAULTS.lr};
        for (int k = 0; k < 4; k++)
            figure_point(fig, series[k], s, y[k]);   /* NaN (no gradient yet) is left out */
    }
    figure_close(fig);
}

static void per_coordinate_lr(Report *r, const LessonArgs *a, const SparseTrace *tr)
{
    int steps = sparse_steps(a), from = steps / 10;
    double *steady_f = must(calloc((size_t)steps + 1, sizeof(double)), "out of memory");
    double *steady_r = must(calloc((size_t)steps + 1, sizeof(double)), "out of memory");
    steady_clr(steps, (uint64_t)a->seed, steady_f, steady_r);
    const Column columns[] = {{"step", "%d"}, {"sparse problem\nfeature 0", "%.4f"}, {"\nfeature 49", "%.4f"},
                              {"steady gradients\nevery step", "%.4f"}, {"\n1 step in 45", "%.4f"}, {NULL, NULL}};
    Table *t = table_begin(r, "clr", "AdaGrad's learning rate per coordinate, lr/(sqrt(sum) + eps), over lr",
                           columns);
    for (int c = 1; c <= 4; c++) table_nan_text(t, c, "no g yet");
    const double lr = ADAGRAD_DEFAULTS.lr;   /* the steady coordinates' */
    for (int s = 1; s >= 0; s = next_log_step(s, steps))
        table_row(t, s, tr->clr_frequent[s] / tr->lr, tr->clr_rare[s] / tr->lr, steady_f[s] / lr, steady_r[s] / lr);
    /* -1/2 when sum grows in proportion to t: gradients of a steady size. */
    double slopes[4] = {loglog_slope_over(tr->clr_frequent, from, steps),
                        loglog_slope_over(tr->clr_rare, from, steps), loglog_slope_over(steady_f, from, steps),
                        loglog_slope_over(steady_r, from, steps)};
    table_note(t, "slope of log clr against log t from step %d: %.2f %.2f %.2f %.2f", from, slopes[0], slopes[1],
               slopes[2], slopes[3]);
    table_end(t);
    const char *names[4] = {"sparse_frequent", "sparse_rare", "steady_frequent", "steady_rare"};
    for (int k = 0; k < 4; k++) report_value(r, value_name(r, "clr_slope_%s", names[k]), "%.2f", slopes[k]);
    report_value(r, "clr_ratio_sparse", "%.1f", tr->clr_rare[steps] / tr->clr_frequent[steps]);
    report_value(r, "clr_ratio_steady", "%.1f", steady_r[steps] / steady_f[steps]);

    clr_figure(r, tr, steady_f, steady_r, steps);
    free(steady_f);
    free(steady_r);
}

/* ---- 4. the ravine, along the axes and turned ------------------------------- */

/* The fewest steps to the target over learning rates 10^(k/8), 0.001 .. 10,
 * counting the most steps over 4 starting points: AdaGrad's first step is lr
 * in every coordinate, so from one start an lr equal to the distance to the
 * minimum would look like magic; no lr is that lucky from four. A larger lr
 * must save 5 steps to win: a near tie stays with the smaller one. */
static double best_steps(Problem *p, Method m, int max_steps, float *best_lr)
{
    float lrs[33];
    lr_grid(lrs, 33, -24, 8);
    Sweep s = sweep_steps_to_target(p, method(m, 0, max_steps), 4, 5, lrs, 33, INFINITY);
    *best_lr = s.best >= 0 ? s.lr[s.best] : NAN;
    return s.best >= 0 ? s.score[s.best] : INFINITY;
}

static void ravine(Report *r, const LessonArgs *a)
{
    const double kappas[3] = {10, 100, 1000};
    int count = a->quick ? 2 : 3, max_steps = a->quick ? 20000 : 200000;
    const Column columns[] = {{"kappa", "%.0f"}, {"GD\naxes", "%.0f"}, {"AdaGrad\naxes", "%.0f"},
                              {"GD\nturned 45°", "%.0f"}, {"AdaGrad\nturned 45°", "%.0f"}, {NULL, NULL}};
    Table *t = table_begin(r, "ravine", "Steps until the loss is 1e-6 of its start (the worst of 4 starts), "
                           "best lr of each", columns);
    for (int c = 1; c <= 4; c++) table_nan_text(t, c, "never");
    for (int k = 0; k < count; k++) {
        double steps[2][2];   /* [turned][method] */
        for (int turned = 0; turned <= 1; turned++) {
            Problem *p = must(rotated_ravine_new(kappas[k], turned ? PI / 4 : 0.0), "out of memory");
            for (Method m = SGD; m <= ADAGRAD; m++) {
                float lr;
                steps[turned][m] = best_steps(p, m, max_steps, &lr);
                report_value(r, value_name(r, "ravine_%s_%s_k%.0f", m == SGD ? "gd" : "ada",
                                           turned ? "turned" : "axes", kappas[k]),
                             "%.0f", steps[turned][m]);
            }
            problem_free(p);
        }
        table_row(t, kappas[k], steps[0][SGD], steps[0][ADAGRAD], steps[1][SGD], steps[1][ADAGRAD]);
    }
    table_note(t, "learning rates 10^(k/8) from 0.001 to 10; 'never': not within %d steps", max_steps);
    table_end(t);
}

/* ---- 3. the stall: the sum never forgets ------------------------------------ */

/* AdaGrad's lr/(sqrt(sum) + eps) of coordinate 0, over lr (1 for GD). */
static double clr_over_lr(const Optimizer *opt, const void *ctx)
{
    (void)ctx;
    return opt->num_slots ? 1 / (sqrt(opt->slots[0][0]->data[0]) + ADAGRAD_DEFAULTS.eps) : 1;
}

static void stall_figure(Report *r, const JumpRun run[2], const float lr[2], int phase)
{
    Figure *fig = report_figure(r, "03_stall");
    fprintf(figure_commands(fig), "set xlabel 'step'\nset ylabel 'loss (mean over %d steps)'\nset logscale y\n"
                                  "set format y '%%.0e'\nset key top right\n"
                                  "set arrow from %d, graph 0 to %d, graph 1 nohead dt 3\n",
            phase / 100, phase, phase);
    for (Method m = SGD; m <= ADAGRAD; m++)   /* the mean of each hundredth of a phase: the noise smoothed */
        figure_window_means(fig, m == SGD ? "lines ls 1" : "lines ls 2", run[m].loss, phase / 100, 200,
                            "%s, lr %.3g", m == SGD ? "GD" : "AdaGrad", lr[m]);
    figure_close(fig);
}

/* The stall's first phase again on noise sequences 1..sequences, at the same
 * learning rates: in how many AdaGrad ends lower than GD, and the smallest
 * and largest factor between them (GD's end over AdaGrad's). */
static void stall_sequences(Report *r, Table *t, Problem *p, Jump jump, const float lr[2], int sequences)
{
    int lower = 0;
    double least = INFINITY, most = 0;
    for (jump.noise_sequence = 1; jump.noise_sequence <= sequences; jump.noise_sequence++) {
        double end[2];
        for (Method m = SGD; m <= ADAGRAD; m++) {
            JumpRun run = run_jump(p, method(m, lr[m], jump.phase), jump, NULL, NULL);
            end[m] = run.end[0];
            jump_run_free(&run);
        }
        if (!isfinite(end[SGD]) || !isfinite(end[ADAGRAD]))
            fail("the moving ravine diverged on noise sequence %d", jump.noise_sequence);
        double factor = end[SGD] / end[ADAGRAD];
        lower += factor > 1;
        least = fmin(least, factor);
        most = fmax(most, factor);
    }
    table_note(t, "first minimum on %d other noise sequences, at the same lrs: AdaGrad lower in %d,", sequences,
               lower);
    table_note(t, "by a factor from %.2g to %.2g", least, most);
    report_values(r, NULL, (NamedValue[]){
        {"stall_sequences", "%d", sequences}, {"stall_ada_lower", "%d", lower},
        {"stall_factor_least", "%.2g", least}, {"stall_factor_most", "%.2g", most}, {NULL}});
}

/* The moving ravine: the turned ravine (kappa 20) whose minimum jumps, after
 * a phase, to where the run started (the same problem again), with gradients
 * as noisy as a mini-batch's (N(0, STALL_NOISE^2) added). */
static void stall(Report *r, const LessonArgs *a)
{
    Jump jump = {.phase = a->quick ? 1000 : 10 * sparse_steps(a), .scale = 1, .noise = STALL_NOISE};
    int phase = jump.phase;
    Problem *p = must(rotated_ravine_new(20.0, PI / 4), "out of memory");
    JumpRun run[2];
    float lr[2], lrs[17];
    lr_grid(lrs, 17, -12, 4);   /* 0.001 .. 10 */
    for (Method m = SGD; m <= ADAGRAD; m++) {
        Sweep sw = sweep_jump_first_phase(p, method(m, 0, 0), jump, lrs, 17);   /* tuned on the first minimum */
        if (sw.best < 0) fail("every learning rate diverged on the moving ravine");
        lr[m] = sw.lr[sw.best];
        run[m] = run_jump(p, method(m, lr[m], 2 * phase), jump, clr_over_lr, NULL);
    }
    const double clr = run[ADAGRAD].probe[phase];   /* at the jump */
    const Column columns[] = {{"", "%s"}, {"GD", "%.2e"}, {"AdaGrad", "%.2e"}, {NULL, NULL}};
    Table *t = table_begin(r, "stall", "The moving ravine: mean loss over the last tenth of each phase", columns);
    table_row(t, "first minimum", run[SGD].end[0], run[ADAGRAD].end[0]);
    table_row(t, "after the jump", run[SGD].end[1], run[ADAGRAD].end[1]);
    table_note(t, "each at its best lr for the first minimum: GD %.3g, AdaGrad %.3g; %d steps per phase", lr[SGD],
               lr[ADAGRAD], phase);
    table_note(t, "AdaGrad's clr/lr on coordinate 0 at the jump: %.3f", clr);
    stall_sequences(r, t, p, jump, lr, a->quick ? 4 : STALL_SEQUENCES);
    table_end(t);
    problem_free(p);
    report_value(r, "stall_phase", "%d", phase);
    report_value(r, "stall_noise", "%g", STALL_NOISE);
    report_value(r, "stall_gd_lr", "%.3g", lr[SGD]);
    report_value(r, "stall_ada_lr", "%.3g", lr[ADAGRAD]);
    const char *names[2][2] = {{"stall_gd_first", "stall_gd_second"}, {"stall_ada_first", "stall_ada_second"}};
    for (Method m = SGD; m <= ADAGRAD; m++)
        for (int k = 0; k < 2; k++) report_value(r, names[m][k], "%.1e", run[m].end[k]);
    report_value(r, "stall_gd_ratio", "%.1f", run[SGD].end[1] / run[SGD].end[0]);
    report_value(r, "stall_ada_ratio", "%.0f", run[ADAGRAD].end[1] / run[ADAGRAD].end[0]);
    report_value(r, "stall_clr", "%.3f", clr);

    stall_figure(r, run, lr, phase);
    for (Method m = SGD; m <= ADAGRAD; m++) jump_run_free(&run[m]);
}

/* ---- 5. a formula from the notes that is NOT AdaGrad: v = g^2 --------------- */

/* snippet: not_adagrad_update, shown in 03_adagrad */
/* NOT AdaGrad: the study notes' formula with v = g^2 in place of the sum.
 * g / sqrt(g^2) is the sign of g: every step has length lr, near the minimum too. */
static void not_adagrad_update(float *param /* [n] */, const float *grad /* [n] */,
                               size_t n, float lr, float eps)
{
    for (size_t i = 0; i < n; i++) {
        float v = grad[i] * grad[i];                  /* only this step's gradient */
        param[i] -= lr * grad[i] / (sqrtf(v) + eps);
    }
}
/* end snippet */

static void not_adagrad(Report *r, const LessonArgs *a)
{
    const float lr = a->lr;
    int steps = a->quick ? 100 : 300;
    Problem *p[2] = {must(ravine_new(2, 20.0), "out of memory"), must(ravine_new(2, 20.0), "out of memory")};
    AdagradConfig cfg = ADAGRAD_DEFAULTS;
    cfg.lr = lr;
    float sum[2] = {0, 0};
    double *loss[2];
    for (int k = 0; k < 2; k++) loss[k] = must(calloc((size_t)steps + 1, sizeof(double)), "out of memory");
    for (int t = 0; t <= steps; t++) {
        for (int k = 0; k < 2; k++) {
            loss[k][t] = p[k]->loss_and_grad(p[k], NULL, 0);
            if (t == steps) continue;
            float *x = p[k]->params.params[0]->data, *g = p[k]->params.grads[0]->data;
            if (k == 0) adagrad_update(x, g, sum, 2, &cfg, t + 1);
            else not_adagrad_update(x, g, 2, lr, cfg.eps);
        }
    }
    const Column columns[] = {{"step", "%d"}, {"AdaGrad\nloss", "%.2e"}, {"v = g^2\nloss", "%.2e"}, {NULL, NULL}};
    Table *t = table_begin(r, "not_adagrad", "Chapter 1's ravine (kappa 20): AdaGrad and v = g^2", columns);
    for (int s = 0; s >= 0; s = next_log_step(s, steps)) table_row(t, s, loss[0][s], loss[1][s]);
    /* Over the last 20 steps, the v = g^2 loss only cycles: its highest value,
     * or NaN if one is not finite (at a huge --lr it diverges; fmax would
     * pass a NaN over). */
    double top = 0;
    for (int s = steps - 20; s <= steps; s++) {
        if (!isfinite(loss[1][s])) top = NAN;
        if (!isnan(top)) top = fmax(top, loss[1][s]);
    }
    if (isfinite(top))
        table_note(t, "both at lr %g; v = g^2: highest loss over the last 20 steps %.2e", lr, top);
    else
        table_note(t, "both at lr %g; v = g^2 diverged: its loss is not finite by the last 20 steps", lr);
    if (!isfinite(loss[0][steps]))   /* at a huge --lr: lr g overflows, and sum with it */
        table_note(t, "AdaGrad diverged too: at lr %g its first steps overflow float32", lr);
    table_end(t);
    report_value(r, "notada_steps", "%d", steps);
    report_value(r, "notada_ada_end", "%.1e", loss[0][steps]);
    report_value(r, "notada_sign_end", "%.1e", top);

    Figure *fig = loss_figure(r, "03_not_adagrad", "set key top right\n");
    figure_curve(fig, "lines ls 2", loss[0], 0, steps, "AdaGrad (the sum of all g^2)");
    figure_curve(fig, "lines ls 6", loss[1], 0, steps, "NOT AdaGrad: v = g^2");
    figure_close(fig);
    for (int k = 0; k < 2; k++) {
        free(loss[k]);
        problem_free(p[k]);
    }
}

int main(int argc, char **argv)
{
    LessonArgs args = LESSON_DEFAULTS;
    args.lr = 1.0f;   /* the final experiment's: AdaGrad and v = g^2 at lr 1 */
    Report report;
    lesson_open(&report, "03_adagrad", FLAGS, &args, argc, argv);
    SparseTrace ada;
    sparse_features(&report, &args, &ada);
    per_coordinate_lr(&report, &args, &ada);
    sparse_trace_free(&ada);
    stall(&report, &args);
    ravine(&report, &args);
    not_adagrad(&report, &args);
    return report_close(&report) == 0 ? 0 : 1;
}
