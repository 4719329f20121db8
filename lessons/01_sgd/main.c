/* main.c - lesson 01's program: every table and figure of the SGD chapter.
 *
 *     build/bin/01_sgd [--steps=N] [--lr=X] [--batch=B] [--seed=S] [--quick] [--out=DIR]
 *
 * Tables print here and go to DIR/out/01_sgd/, figures to DIR/fig/. --steps,
 * --lr and --batch set the final experiment, SGD training the digits MLP;
 * --quick shrinks every experiment so that the whole program runs in about a
 * second (the tests use it). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flags.h"
#include "ops.h"
#include "path_plot.h"
#include "problems.h"
#include "report.h"
#include "sgd.h"
#include "timing.h"
#include "train.h"

typedef struct {
    int steps;
    float lr;
    int batch;
    int seed;
    bool quick;
    const char *out;
} Args;

static const OptionSpec arg_options[] = {
    {"steps", OPT_INT, offsetof(Args, steps), "SGD steps for the digits MLP", 1, 100000},
    {"lr", OPT_FLOAT, offsetof(Args, lr), "learning rate for the digits MLP", 0, 0},
    {"batch", OPT_INT, offsetof(Args, batch), "mini-batch size for the digits MLP", 0, 0},
    {"seed", OPT_INT, offsetof(Args, seed), "seed for initialisation and batches", 0, 0},
    {"quick", OPT_BOOL, offsetof(Args, quick), "small experiments (a smoke run)", 0, 0},
    {"out", OPT_STRING, offsetof(Args, out), "where out/ and fig/ go", 0, 0},
    {NULL, 0, 0, NULL, 0, 0},
};

#define MLP_HIDDEN 32

static void fail(const char *what)
{
    fprintf(stderr, "01_sgd: %s\n", what);
    exit(1);
}

/* Plain SGD on a problem's parameters. */
static Optimizer *make_sgd(Problem *p, float lr)
{
    SGDConfig cfg = SGD_DEFAULTS;
    cfg.lr = lr;
    Optimizer *opt = sgd_new(p->params, &cfg);
    if (!opt) fail("out of memory");
    return opt;
}

static Problem *make_mlp(uint64_t seed)
{
    char err[256];
    Problem *p = mlp_new(MLP_HIDDEN, seed, err, sizeof err);
    if (!p) fail(err);
    return p;
}

/* ---- 1. the loss: cross-entropy of one prediction -------------------------- */

static void cross_entropy_table(Report *r)
{
    FILE *t = report_table(r, "cross_entropy", "Cross-entropy of one prediction over 10 classes");
    fprintf(t, "p(correct class)   loss = -log p   d loss / d logit(correct)\n");
    const double probs[] = {0.99, 0.9, 0.5, 0.1, 0.01};
    for (int i = 0; i < 5; i++) {
        /* Logits whose softmax gives probs[i] to class 0 and shares the rest. */
        float logits[DIGITS_CLASSES], dlogits[DIGITS_CLASSES];
        logits[0] = (float)log(probs[i]);
        for (int c = 1; c < DIGITS_CLASSES; c++) logits[c] = (float)log((1.0 - probs[i]) / 9.0);
        int label = 0;
        double loss = softmax_cross_entropy(logits, &label, 1, DIGITS_CLASSES, dlogits);
        fprintf(t, "%16.2f %16.4f %24.4f\n", probs[i], loss, dlogits[0]);
        if (probs[i] == 0.9) report_value(r, "ce_loss_p90", "%.3f", loss);
        if (probs[i] == 0.1) report_value(r, "ce_loss_p10", "%.3f", loss);
    }
    report_table_end(r);
}

/* ---- 2. backpropagation checked against finite differences ----------------- */

static void backprop_check(Report *r, const Args *a)
{
    Problem *p = make_mlp((uint64_t)a->seed);
    enum { BATCH = 64, SAMPLES = 6 };
    int idx[BATCH];
    for (int i = 0; i < BATCH; i++) idx[i] = i;
    size_t numel = paramlist_numel(&p->params);
    float *theta = malloc(sizeof(float) * numel), *grad = malloc(sizeof(float) * numel);
    if (!theta || !grad) fail("out of memory");
    paramlist_get(&p->params, theta);
    p->loss_and_grad(p, idx, BATCH);
    paramlist_get_grads(&p->params, grad);

    /* Central differences: (f(x + h) - f(x - h)) / 2h. The loss is computed in
     * float32, so h cannot be tiny: h = 1e-2 balances rounding error (which
     * grows like 1/h) against truncation error (which grows like h^2). */
    const float h = 1e-2f;
    FILE *t = report_table(r, "backprop_check", "Backpropagation against finite differences (MLP, 64 examples)");
    fprintf(t, "parameter          entry      backprop   finite diff.    difference\n");
    Rng rng;
    rng_seed(&rng, (uint64_t)a->seed, 5);
    double worst = 0.0, largest = 0.0;
    size_t offset = 0;
    for (int k = 0; k < p->params.count; k++) {
        Tensor *param = p->params.params[k];
        for (int s = 0; s < SAMPLES; s++) {
            size_t j = offset + rng_below(&rng, (uint32_t)param->numel);
            float saved = theta[j];
            theta[j] = saved + h;
            double up = problem_loss_at_batch(p, theta, idx, BATCH);
            theta[j] = saved - h;
            double down = problem_loss_at_batch(p, theta, idx, BATCH);
            theta[j] = saved;
            double fd = (up - down) / (2.0 * h);
            double diff = fabs(fd - grad[j]);
            if (diff > worst) worst = diff;
            if (fabs(grad[j]) > largest) largest = fabs(grad[j]);
            if (s < 2) {
                size_t local = j - offset;
                char entry[32];
                if (param->ndim == 2)
                    snprintf(entry, sizeof entry, "[%zu,%zu]", local / (size_t)param->shape[1],
                             local % (size_t)param->shape[1]);
                else
                    snprintf(entry, sizeof entry, "[%zu]", local);
                fprintf(t, "%-12s %11s %13.6f %13.6f %13.1e\n", param->name, entry, grad[j], fd, diff);
            }
        }
        offset += param->numel;
    }
    fprintf(t, "largest difference over %d sampled entries: %.1e (largest gradient entry %.3f)\n",
            SAMPLES * p->params.count, worst, largest);
    report_table_end(r);
    report_value(r, "fd_worst_diff", "%.0e", worst);
    free(theta);
    free(grad);
    problem_free(p);
}

/* ---- 3. gradient noise against batch size ------------------------------------- */

static double sq_distance(const float *a, const float *b, size_t n)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) sum += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    return sum;
}

static void batch_noise(Report *r, const Args *a)
{
    Problem *p = make_mlp((uint64_t)a->seed);
    int n_examples = p->num_examples;
    size_t numel = paramlist_numel(&p->params);
    float *full = malloc(sizeof(float) * numel), *g = malloc(sizeof(float) * numel);
    int *order = malloc(sizeof(int) * (size_t)n_examples);
    if (!full || !g || !order) fail("out of memory");

    p->loss_and_grad(p, NULL, 0);
    paramlist_get_grads(&p->params, full);
    double full_sq = vec_dot(full, full, numel);

    /* sigma^2: how far one example's gradient is from the full gradient, on
     * average over all examples. Sampling B of N examples without replacement
     * then has E|g_B - g|^2 = sigma^2 / B * (N - B) / (N - 1). */
    double sigma2 = 0.0;
    for (int e = 0; e < n_examples; e++) {
        p->loss_and_grad(p, &e, 1);
        paramlist_get_grads(&p->params, g);
        sigma2 += sq_distance(g, full, numel) / n_examples;
    }

    const int sizes[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 1437};
    const int num_sizes = sizeof sizes / sizeof sizes[0];
    int draws = a->quick ? 5 : 300;
    Rng rng;
    rng_seed(&rng, (uint64_t)a->seed, 9);
    for (int i = 0; i < n_examples; i++) order[i] = i;

    FILE *t = report_table(r, "batch_noise", "Gradient noise and cost against batch size (MLP at its start)");
    fprintf(t, "batch   E|g_B - g|^2 / |g|^2   predicted   examples/step   microseconds/step\n");
    Figure *fig = report_figure(r, "01_batch_noise");
    FILE *data = figure_data(fig);
    fprintf(data, "$noise << EOD\n");
    for (int s = 0; s < num_sizes; s++) {
        int batch = sizes[s] < n_examples ? sizes[s] : n_examples;
        double sum = 0.0, start = wall_seconds();
        for (int d = 0; d < draws; d++) {
            /* B distinct examples: the first B of a partial shuffle. */
            for (int i = 0; i < batch; i++) {
                int j = i + (int)rng_below(&rng, (uint32_t)(n_examples - i));
                int tmp = order[i];
                order[i] = order[j];
                order[j] = tmp;
            }
            p->loss_and_grad(p, order, batch);
            paramlist_get_grads(&p->params, g);
            sum += sq_distance(g, full, numel);
        }
        double micros = 1e6 * (wall_seconds() - start) / draws;
        double measured = sum / draws / full_sq;
        double predicted = sigma2 / batch * (n_examples - batch) / (n_examples - 1) / full_sq;
        fprintf(t, "%5d %22.4f %11.4f %15d %19.1f\n", batch, measured, predicted, batch, micros);
        if (batch < n_examples)   /* the full batch has no noise: nothing to draw on a log scale */
            fprintf(data, "%d %.6g %.6g\n", batch, measured, predicted);
        if (batch == 1) report_value(r, "noise_b1", "%.0f", measured);
        if (batch == 32) report_value(r, "noise_b32", "%.1f", measured);
        if (batch == 1) report_value(r, "us_per_example_b1", "%.1f", micros);
        if (batch == 32) report_value(r, "us_per_example_b32", "%.1f", micros / 32);
    }
    fprintf(data, "EOD\n");
    report_table_end(r);

    FILE *cmd = figure_commands(fig);
    fprintf(cmd, "set logscale xy\nset xlabel 'examples per batch B'\n"
                 "set ylabel 'E|g_B - g|^2 / |g|^2'\nset key top right\n"
                 "plot $noise using 1:3 with lines ls 8 title 'predicted: σ²/B · (N-B)/(N-1)', "
                 "$noise using 1:2 with points ls 1 pt 7 ps 0.8 title 'measured'\n");
    figure_close(fig);
    free(full);
    free(g);
    free(order);
    problem_free(p);
}

/* ---- 4. one example, a mini-batch, or all of them, for the same work ----------- */

typedef struct {
    int batch;
    float lr;
    double final_loss, accuracy, seconds;
    int points;
    double examples[64], loss[64];   /* the loss curve, by examples processed */
} BatchRun;

/* Trains a fresh MLP for `epochs` passes over the data, measuring the full
 * training loss at up to `checkpoints` points along the way. */
static void run_batch(BatchRun *run, int epochs, int checkpoints, uint64_t seed)
{
    Problem *p = make_mlp(seed);
    Optimizer *opt = make_sgd(p, run->lr);
    int n = p->num_examples;
    int steps = epochs * n / run->batch;
    int chunks = steps < checkpoints ? steps : checkpoints;
    double start = wall_seconds();
    run->points = 0;
    run->examples[run->points] = 0;
    run->loss[run->points++] = p->loss_and_grad(p, NULL, 0);
    int done = 0;
    for (int c = 1; c <= chunks; c++) {
        TrainConfig cfg = {.steps = steps * c / chunks - done, .batch = run->batch,
                           .seed = seed * 1000 + (uint64_t)c, .quiet = true};
        TrainHistory hist;
        int status = train(p, opt, &cfg, &hist);
        done += hist.steps_done;
        if (status != 0) {
            run->final_loss = INFINITY;
            train_history_free(&hist);
            break;
        }
        run->examples[run->points] = (double)done * run->batch;
        run->loss[run->points++] = hist.loss[hist.steps_done];
        run->final_loss = hist.loss[hist.steps_done];
        train_history_free(&hist);
    }
    run->seconds = wall_seconds() - start;
    run->accuracy = isfinite(run->final_loss) ? p->test_accuracy(p) : 0.0;
    optimizer_free(opt);
    problem_free(p);
}

static void batch_race(Report *r, const Args *a)
{
    const int batches[] = {1, 32, 1437};
    const float lrs[] = {0.01f, 0.03f, 0.1f, 0.3f, 1.0f, 3.0f};
    int epochs = a->quick ? 1 : 10, num_lrs = a->quick ? 2 : 6;
    BatchRun best[3];
    FILE *t = report_table(r, "batch_race", "Same work, different batches: SGD on the digits MLP");
    fprintf(t, "each run processes %d epochs = %d examples; lr is the best of", epochs, epochs * 1437);
    for (int l = 0; l < num_lrs; l++) fprintf(t, " %g", lrs[l]);
    fprintf(t, "\n\nbatch   steps   best lr   train loss   test accuracy   seconds\n");
    for (int b = 0; b < 3; b++) {
        best[b].final_loss = INFINITY;
        for (int l = 0; l < num_lrs; l++) {
            BatchRun run = {.batch = batches[b], .lr = lrs[l]};
            run_batch(&run, epochs, a->quick ? 4 : 20, (uint64_t)a->seed);
            if (run.final_loss < best[b].final_loss) best[b] = run;
        }
        fprintf(t, "%5d %7d %9g %12.4f %14.1f%% %9.2f\n", batches[b], epochs * 1437 / batches[b],
                best[b].lr, best[b].final_loss, 100 * best[b].accuracy, best[b].seconds);
    }
    report_table_end(r);
    report_value(r, "race_loss_b1", "%.3f", best[0].final_loss);
    report_value(r, "race_loss_b32", "%.3f", best[1].final_loss);
    report_value(r, "race_loss_full", "%.3f", best[2].final_loss);
    report_value(r, "race_epochs", "%d", epochs);

    Figure *fig = report_figure(r, "01_batch_race");
    for (int b = 0; b < 3; b++) {
        fprintf(figure_data(fig), "$b%d << EOD\n", b);
        for (int i = 0; i < best[b].points; i++)
            fprintf(figure_data(fig), "%g %.6g\n", best[b].examples[i] / 1437.0, best[b].loss[i]);
        fprintf(figure_data(fig), "EOD\n");
    }
    FILE *cmd = figure_commands(fig);
    fprintf(cmd, "set xlabel 'epochs (passes over the 1437 training examples)'\n"
                 "set ylabel 'training loss'\nset logscale y\nset key top right\n");
    fprintf(cmd, "plot $b0 with linespoints ls 2 title 'batch 1 (lr %g)', "
                 "$b1 with linespoints ls 1 title 'batch 32 (lr %g)', "
                 "$b2 with linespoints ls 3 title 'full batch (lr %g)'\n",
            best[0].lr, best[1].lr, best[2].lr);
    figure_close(fig);
}

/* ---- 5. the learning-rate dilemma on the ravine -------------------------------- */

/* The ravine of this chapter: 2-D, curvatures 1/20 (the floor) and 1 (the wall). */
#define CHAPTER_KAPPA 20.0

static void lr_dilemma(Report *r, const Args *a)
{
    const double kappa = CHAPTER_KAPPA;
    const float lrs[] = {0.1f, 1.0f, 1.9f, 1.99f, 2.05f, 2.5f};
    const int num_lrs = sizeof lrs / sizeof lrs[0];
    int steps = a->quick ? 100 : 300;
    FILE *t = report_table(r, "lr_dilemma", "The learning-rate dilemma: SGD on the ravine, kappa = 20, L = 1");
    fprintf(t, "   lr   loss after 10     after 100     after %d   sign flips of the steep\n", steps);
    fprintf(t, "                                                     coordinate in 20 steps\n");
    Figure *fig = report_figure(r, "01_lr_dilemma");
    for (int l = 0; l < num_lrs; l++) {
        Problem *p = ravine_new(2, kappa);
        Optimizer *opt = make_sgd(p, lrs[l]);
        TrainConfig cfg = {.steps = steps, .record_params = true, .quiet = true};
        TrainHistory hist;
        if (!p || train(p, opt, &cfg, &hist) < 0) fail("out of memory");
        int flips = 0;
        for (int s = 1; s <= 20 && s <= hist.steps_done; s++)
            flips += (hist.path[2 * s + 1] > 0) != (hist.path[2 * s - 1] > 0);
        fprintf(t, "%5.2f", lrs[l]);
        const int at[] = {10, 100, steps};
        for (int i = 0; i < 3; i++) {
            if (hist.diverged_at && at[i] >= hist.diverged_at - 1) fprintf(t, " %13s", "inf");
            else fprintf(t, " %13.4g", hist.loss[at[i]]);
        }
        if (hist.diverged_at) fprintf(t, "   %2d (overflow at step %d)\n", flips, hist.diverged_at);
        else fprintf(t, "   %2d\n", flips);
        if (lrs[l] == 2.5f) report_value(r, "overflow_step", "%d", hist.diverged_at);
        fprintf(figure_data(fig), "$lr%d << EOD\n", l);
        for (int s = 0; s <= 60 && s <= hist.steps_done; s++)
            if (isfinite(hist.loss[s])) fprintf(figure_data(fig), "%d %.6g\n", s, hist.loss[s]);
        fprintf(figure_data(fig), "EOD\n");
        train_history_free(&hist);
        optimizer_free(opt);
        problem_free(p);
    }
    report_table_end(r);
    FILE *cmd = figure_commands(fig);
    fprintf(cmd, "set xlabel 'step'\nset ylabel 'loss'\nset logscale y\nset format y '10^{%%T}'\n"
                 "set yrange [1e-12:1e4]\nset key outside right\n");
    fprintf(cmd, "plot ");
    for (int l = 0; l < num_lrs; l++)
        fprintf(cmd, "%s$lr%d with lines ls %d title 'lr = %g'", l ? ", " : "", l, l + 1, lrs[l]);
    fprintf(cmd, "\n");
    figure_close(fig);
}

/* ---- 6. the largest stable learning rate, measured --------------------------- */

/* Does the loss go down (or stay) at every one of `steps` steps of SGD at lr?
 * For an L-smooth function that is guaranteed when lr < 2/L (the "descent
 * lemma"); here we measure where it stops being true. */
static bool never_increases(Problem *p, float lr, int steps)
{
    p->reset(p, 0);
    Optimizer *opt = make_sgd(p, lr);
    TrainConfig cfg = {.steps = steps, .quiet = true};
    TrainHistory hist;
    bool ok = train(p, opt, &cfg, &hist) == 0;
    for (int t = 1; ok && t <= hist.steps_done; t++) ok = hist.loss[t] <= hist.loss[t - 1];
    train_history_free(&hist);
    optimizer_free(opt);
    return ok;
}

/* Bisection for the largest lr in [lo, hi] at which the loss never increases. */
static double largest_monotone_lr(Problem *p, double lo, double hi, int steps, int rounds)
{
    for (int i = 0; i < rounds; i++) {
        double mid = 0.5 * (lo + hi);
        if (never_increases(p, (float)mid, steps)) lo = mid;
        else hi = mid;
    }
    return lo;
}

/* Largest Hessian eigenvalue by power iteration, with Hessian-vector products
 * from differences of gradients: H v ~ (g(x + eps v) - g(x - eps v)) / (2 eps). */
static double sharpness(Problem *p, int iterations)
{
    size_t n = paramlist_numel(&p->params);
    float *x = malloc(sizeof(float) * n), *v = malloc(sizeof(float) * n);
    float *probe = malloc(sizeof(float) * n), *g_up = malloc(sizeof(float) * n);
    float *g_down = malloc(sizeof(float) * n);
    if (!x || !v || !probe || !g_up || !g_down) fail("out of memory");
    paramlist_get(&p->params, x);
    Rng rng;
    rng_seed(&rng, 1, 13);
    for (size_t i = 0; i < n; i++) v[i] = (float)rng_normal(&rng);
    double lambda = 0.0;
    const double eps = 1e-2;
    for (int it = 0; it < iterations; it++) {
        double norm = vec_norm(v, n);
        for (size_t i = 0; i < n; i++) v[i] = (float)(v[i] / norm);
        for (size_t i = 0; i < n; i++) probe[i] = (float)(x[i] + eps * v[i]);
        problem_loss_at(p, probe);
        paramlist_get_grads(&p->params, g_up);
        for (size_t i = 0; i < n; i++) probe[i] = (float)(x[i] - eps * v[i]);
        problem_loss_at(p, probe);
        paramlist_get_grads(&p->params, g_down);
        for (size_t i = 0; i < n; i++) v[i] = (float)((g_up[i] - g_down[i]) / (2 * eps));
        lambda = vec_norm(v, n);   /* |H v| with |v| = 1 tends to the top eigenvalue */
    }
    paramlist_set(&p->params, x);
    free(x);
    free(v);
    free(probe);
    free(g_up);
    free(g_down);
    return lambda;
}

static void lr_threshold(Report *r, const Args *a)
{
    int steps = a->quick ? 200 : 2000, rounds = a->quick ? 10 : 20;
    FILE *t = report_table(r, "lr_threshold", "Where the loss starts to go up: measured, against 2/L");
    fprintf(t, "problem                L (largest curvature)      2/L    largest lr with the loss\n");
    fprintf(t, "                                                         falling at every step\n");
    const double kappas[] = {10, 100, 1000};
    for (int k = 0; k < 3; k++) {
        Problem *p = ravine_new(2, kappas[k]);
        double L = quadratic_curvature(p, 1);
        double measured = largest_monotone_lr(p, 0.0, 4.0, steps, rounds);
        fprintf(t, "ravine, kappa = %-6g %14.4f %11.4f %17.4f\n", kappas[k], L, 2.0 / L, measured);
        if (k == 0) report_value(r, "ravine_threshold", "%.4f", measured);
        problem_free(p);
    }
    char err[256];
    Problem *p = softmax_regression_new(err, sizeof err);
    if (!p) fail(err);
    double L = sharpness(p, a->quick ? 5 : 100);   /* at the start, w = 0 */
    double measured = largest_monotone_lr(p, 0.0, 10.0 / L, a->quick ? 20 : 500, rounds);
    fprintf(t, "digits softmax regr.   %14.4f %11.4f %17.4f\n", L, 2.0 / L, measured);
    report_table_end(r);
    report_value(r, "softmax_two_over_L", "%.2f", 2.0 / L);
    report_value(r, "softmax_threshold", "%.2f", measured);
    problem_free(p);
}

/* ---- 7. the zig-zag ---------------------------------------------------------- */

static void zigzag(Report *r)
{
    const double kappa = CHAPTER_KAPPA;
    const float lrs[] = {0.5f, 1.8f};
    Figure *fig = report_figure(r, "01_zigzag");
    figure_size(fig, 6.0, 2.6);
    FILE *data = figure_data(fig);
    Problem *p = ravine_new(2, kappa);
    const double levels[] = {0.01, 0.05, 0.15, 0.3, 0.6, 1.0};
    write_contours(data, p, levels, 6);
    for (int l = 0; l < 2; l++) {
        p->reset(p, 0);
        Optimizer *opt = make_sgd(p, lrs[l]);
        TrainConfig cfg = {.steps = 30, .record_params = true, .quiet = true};
        TrainHistory hist;
        if (train(p, opt, &cfg, &hist) != 0) fail("the zig-zag run diverged");
        report_value(r, lrs[l] < 1 ? "zigzag_x_slow" : "zigzag_x_fast", "%.2f", hist.path[60]);
        write_path(data, l == 0 ? "path0" : "path1", &hist);
        train_history_free(&hist);
        optimizer_free(opt);
    }
    problem_free(p);
    FILE *cmd = figure_commands(fig);
    fprintf(cmd, "set size ratio -1\nset xrange [-1:5]\nset yrange [-1.2:1.2]\n"
                 "set xlabel 'x (flat floor, curvature 1/κ)'\nset ylabel 'y (steep wall)'\n"
                 "set key outside right\n"
                 "plot $contours with lines ls 8 title 'loss contours', "
                 "$path0 with linespoints ls 1 title 'lr = %g', "
                 "$path1 with linespoints ls 2 title 'lr = %g'\n",
            lrs[0], lrs[1]);
    figure_close(fig);
}

/* ---- 8. saddle points: stuck, or only slow? ---------------------------------- */

/* Gradient descent on the saddle from (1, y0), optionally with Gaussian noise
 * of standard deviation `noise` added to each gradient (as mini-batches do).
 * Returns the first step with loss below -0.2 (near a minimum), or 0. */
static int steps_to_escape(double y0, double noise, int max_steps, uint64_t seed, double *final_loss)
{
    Problem *p = saddle_new(y0);
    SGDConfig cfg = SGD_DEFAULTS;
    cfg.lr = 0.1f;
    Rng rng;
    rng_seed(&rng, seed, 17);
    Tensor *x = p->params.params[0], *g = p->params.grads[0];
    int escaped = 0;
    for (int t = 1; t <= max_steps && !escaped; t++) {
        p->loss_and_grad(p, NULL, 0);
        for (int i = 0; i < 2; i++) g->data[i] += (float)(noise * rng_normal(&rng));
        sgd_update(x->data, g->data, 2, &cfg);
        if (p->loss_and_grad(p, NULL, 0) < -0.2) escaped = t;
    }
    *final_loss = p->loss_and_grad(p, NULL, 0);
    problem_free(p);
    return escaped;
}

static void saddle_table(Report *r, const Args *a)
{
    int max_steps = a->quick ? 500 : 5000;
    FILE *t = report_table(r, "saddle", "Escaping the saddle f = x^2/2 - y^2/2 + y^4/4 from (1, y0), lr = 0.1");
    fprintf(t, "start y0    gradient noise   steps to escape (f < -0.2)   loss at the end\n");
    const double starts[] = {0.0, 1e-12, 1e-8, 1e-4, 1e-1};
    for (int i = 0; i < 5; i++) {
        double final_loss;
        int steps = steps_to_escape(starts[i], 0.0, max_steps, (uint64_t)a->seed, &final_loss);
        if (steps) fprintf(t, "%8.0e %14s %22d %22.4f\n", starts[i], "none", steps, final_loss);
        else fprintf(t, "%8.0e %14s %22s %22.4f\n", starts[i], "none", "never (stuck)", final_loss);
        if (i == 2) report_value(r, "saddle_steps_1e8", "%d", steps);
        if (i == 3) report_value(r, "saddle_steps_1e4", "%d", steps);
    }
    double final_loss;
    int steps = steps_to_escape(0.0, 1e-3, max_steps, (uint64_t)a->seed, &final_loss);
    fprintf(t, "%8.0e %14s %22d %22.4f\n", 0.0, "sd 1e-3", steps, final_loss);
    report_value(r, "saddle_steps_noise", "%d", steps);
    report_table_end(r);
}

/* ---- 9. SGD trains the digits MLP -------------------------------------------------- */

static void digits_mlp(Report *r, const Args *a)
{
    enum { CHECKPOINTS = 10 };
    Problem *p = make_mlp((uint64_t)a->seed);
    Optimizer *opt = make_sgd(p, a->lr);
    FILE *t = report_table(r, "digits_mlp", "SGD training the digits MLP (64-32-10, tanh)");
    fprintf(t, "lr = %g, batch = %d, %d steps\n\n", a->lr, a->batch, a->steps);
    fprintf(t, " step   train loss   test accuracy\n");
    /* The loss on all training examples at each checkpoint, for the figure. */
    int at_step[CHECKPOINTS + 1] = {0}, points = 1, done = 0;
    double full_loss[CHECKPOINTS + 1] = {p->loss_and_grad(p, NULL, 0)};
    fprintf(t, "%5d %12.4f %14.1f%%\n", 0, full_loss[0], 100 * p->test_accuracy(p));
    Figure *fig = report_figure(r, "01_digits_mlp");
    FILE *data = figure_data(fig);
    fprintf(data, "$batch << EOD\n");
    double accuracy = 0.0;
    for (int c = 1; c <= CHECKPOINTS; c++) {
        TrainConfig cfg = {.steps = a->steps * c / CHECKPOINTS - done, .batch = a->batch,
                           .seed = (uint64_t)a->seed * 7919u + (uint64_t)c};
        TrainHistory hist;
        if (train(p, opt, &cfg, &hist) != 0) {
            fprintf(t, "stopped: %s\n", hist.message);
            train_history_free(&hist);
            break;
        }
        for (int s = 0; s < hist.steps_done; s++) fprintf(data, "%d %.6g\n", done + s, hist.loss[s]);
        done += hist.steps_done;
        accuracy = p->test_accuracy(p);
        at_step[points] = done;
        full_loss[points++] = hist.loss[hist.steps_done];
        fprintf(t, "%5d %12.4f %14.1f%%\n", done, hist.loss[hist.steps_done], 100 * accuracy);
        train_history_free(&hist);
    }
    fprintf(data, "EOD\n$full << EOD\n");
    for (int i = 0; i < points; i++) fprintf(data, "%d %.6g\n", at_step[i], full_loss[i]);
    fprintf(data, "EOD\n");
    report_table_end(r);
    report_value(r, "mlp_accuracy", "%.1f", 100 * accuracy);
    report_value(r, "mlp_steps", "%d", a->steps);
    report_value(r, "mlp_lr", "%g", a->lr);
    report_value(r, "mlp_batch", "%d", a->batch);

    FILE *cmd = figure_commands(fig);
    fprintf(cmd, "set xlabel 'step'\nset ylabel 'loss'\nset logscale y\nset key top right\n"
                 "plot $batch with lines lc rgb '#b0c4de' lw 1 title 'loss of each mini-batch', "
                 "$full with linespoints ls 1 title 'loss on all training examples'\n");
    figure_close(fig);
    optimizer_free(opt);
    problem_free(p);
}

int main(int argc, char **argv)
{
    Args args = {.steps = 3000, .lr = 0.1f, .batch = 32, .seed = 1, .quick = false, .out = "build"};
    const Args defaults = args;
    char err[256];
    int parsed = flags_parse(arg_options, &args, argc, argv, 1, err, sizeof err);
    if (parsed == 1) {
        printf("usage: 01_sgd [flags]\n");
        flags_print_help(stdout, arg_options, &defaults);
        return 0;
    }
    if (parsed != 0) die_usage("01_sgd", "%s", err);
    if (!(args.lr > 0)) die_usage("01_sgd", "--lr must be positive (got %g)", args.lr);
    if (args.batch < 1 || args.batch > 1437)
        die_usage("01_sgd", "--batch must be between 1 and 1437 (got %d)", args.batch);
    if (args.seed < 0) die_usage("01_sgd", "--seed must be >= 0 (got %d)", args.seed);
    if (args.quick && args.steps == defaults.steps) args.steps = 200;

    Report report;
    if (report_open(&report, args.out, "01_sgd") != 0) return 2;   /* --out cannot be written */
    cross_entropy_table(&report);
    backprop_check(&report, &args);
    batch_noise(&report, &args);
    batch_race(&report, &args);
    lr_dilemma(&report, &args);
    lr_threshold(&report, &args);
    zigzag(&report);
    saddle_table(&report, &args);
    digits_mlp(&report, &args);
    return report_close(&report) == 0 ? 0 : 1;
}
