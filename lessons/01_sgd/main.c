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

#include "experiment.h"
#include "ops.h"
#include "path_plot.h"
#include "problems.h"
#include "runs.h"
#include "sgd.h"
#include "timing.h"
#include "train.h"

static const OptionSpec FLAGS[] = {
    LESSON_FLAGS("steps of the final experiment, SGD on the digits MLP"),
    LESSON_TRAIN_FLAGS("learning rate of the final experiment", "mini-batch size of the final experiment", 1),
    {NULL, 0, 0, NULL, 0, 0},
};

#define MLP_HIDDEN 32
/* The ravine of this chapter: 2-D, curvatures 1/20 (the floor) and 1 (the wall). */
#define CHAPTER_KAPPA 20.0

/* Plain SGD at lr (PyTorch's other defaults are 0): `steps` full-batch steps
 * from a problem's start. */
static Run sgd(float lr, int steps)
{
    return (Run){.optimizer = &SGD_SPEC, .lr = lr, .steps = steps};
}

/* ---- 1. the loss: cross-entropy of one prediction -------------------------- */

static void cross_entropy_table(Report *r)
{
    const Column columns[] = {{"p(correct class)", "%.2f"}, {"loss = -log p", "%.4f"},
                              {"d loss / d logit(correct)", "%.4f"}, {NULL, NULL}};
    Table *t = table_begin(r, "cross_entropy", "Cross-entropy of one prediction over 10 classes", columns);
    const double probs[] = {0.99, 0.9, 0.5, 0.1, 0.01};
    for (int i = 0; i < 5; i++) {
        /* Logits whose softmax gives probs[i] to class 0 and shares the rest. */
        float logits[DIGITS_CLASSES], dlogits[DIGITS_CLASSES];
        logits[0] = (float)log(probs[i]);
        for (int c = 1; c < DIGITS_CLASSES; c++) logits[c] = (float)log((1.0 - probs[i]) / 9.0);
        int label = 0;
        double loss = softmax_cross_entropy(logits, &label, 1, DIGITS_CLASSES, dlogits);
        table_row(t, probs[i], loss, (double)dlogits[0]);
        if (probs[i] == 0.9) report_value(r, "ce_loss_p90", "%.3f", loss);
        if (probs[i] == 0.1) report_value(r, "ce_loss_p10", "%.3f", loss);
    }
    table_end(t);
}

/* ---- 2. backpropagation checked against finite differences ----------------- */

/* Central difference (f(x + h) - f(x - h)) / 2h of the loss in entry j of
 * theta[numel]. The loss is computed in float32, so h cannot be tiny: h =
 * 1e-2 balances rounding error (which grows like 1/h) against truncation
 * error (which grows like h^2). */
static double finite_difference(Problem *p, float *theta, size_t j, const int *batch, int size)
{
    const float h = 1e-2f, saved = theta[j];
    theta[j] = saved + h;
    double up = problem_loss_at_batch(p, theta, batch, size);
    theta[j] = saved - h;
    double down = problem_loss_at_batch(p, theta, batch, size);
    theta[j] = saved;
    return (up - down) / (2.0 * h);
}

/* How the table names entry `local` of a parameter: [row,column] of a
 * matrix, [i] of a vector. */
static const char *entry_name(const Tensor *param, size_t local, char *out, size_t size)
{
    if (param->ndim == 2)
        snprintf(out, size, "[%zu,%zu]", local / (size_t)param->shape[1], local % (size_t)param->shape[1]);
    else snprintf(out, size, "[%zu]", local);
    return out;
}

static void backprop_check(Report *r, const LessonArgs *a)
{
    enum { BATCH = 64, SAMPLES = 6 };
    Problem *p = must_mlp(MLP_HIDDEN, (uint64_t)a->seed);
    int idx[BATCH];
    for (int i = 0; i < BATCH; i++) idx[i] = i;
    size_t numel = paramlist_numel(&p->params);
    float *theta = floats_new(numel), *grad = floats_new(numel);   /* [numel] each */
    paramlist_get(&p->params, theta);
    gradient_into(p, idx, BATCH, grad);
    const Column columns[] = {{"parameter", "%s"}, {"entry", "%s"}, {"backprop", "%.6f"},
                              {"finite diff.", "%.6f"}, {"difference", "%.1e"}, {NULL, NULL}};
    Table *t = table_begin(r, "backprop_check",
                           "Backpropagation against finite differences (MLP, 64 examples)", columns);
    Rng rng;
    rng_seed(&rng, (uint64_t)a->seed, 5);
    double worst = 0.0, largest = 0.0;
    size_t offset = 0;   /* where this parameter starts in theta */
    for (int k = 0; k < p->params.count; k++) {
        const Tensor *param = p->params.params[k];
        for (int s = 0; s < SAMPLES; s++) {
            size_t local = rng_below(&rng, (uint32_t)param->numel), j = offset + local;
            double fd = finite_difference(p, theta, j, idx, BATCH), diff = fabs(fd - grad[j]);
            worst = fmax(worst, diff);
            largest = fmax(largest, fabs(grad[j]));
            char entry[32];
            if (s < 2) table_row(t, param->name, entry_name(param, local, entry, sizeof entry), (double)grad[j], fd,
                                 diff);
        }
        offset += param->numel;
    }
    table_note(t, "largest difference over %d sampled entries: %.1e (largest gradient entry %.3f)",
               SAMPLES * p->params.count, worst, largest);
    table_end(t);
    report_value(r, "fd_worst_diff", "%.1e", worst);
    free(theta);
    free(grad);
    problem_free(p);
}

/* ---- 3. gradient noise against batch size ------------------------------------- */

static double sq_distance(const float *a /* [n] */, const float *b /* [n] */, size_t n)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) sum += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    return sum;
}

/* sigma^2: how far one example's gradient is from the full gradient
 * full[numel], on average over all examples. */
static double per_example_variance(Problem *p, const float *full, float *g /* [numel] */, size_t numel)
{
    double sigma2 = 0.0;
    for (int e = 0; e < p->num_examples; e++) {
        gradient_into(p, &e, 1, g);
        sigma2 += sq_distance(g, full, numel) / p->num_examples;
    }
    return sigma2;
}

/* B distinct examples: the first B of a partial shuffle of order[n]. */
static void draw_batch(Rng *rng, int *order, int n, int batch)
{
    for (int i = 0; i < batch; i++) {
        int j = i + (int)rng_below(rng, (uint32_t)(n - i)), tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
    }
}

/* Gradient noise at one batch size: the mean of |g_B - g|^2 over `draws`
 * batches of B distinct examples, and the time one gradient takes. */
typedef struct {
    Problem *p;
    size_t numel;
    float *full, *g;   /* the full gradient and one batch's: [numel] each */
    int *order;        /* [num_examples]: the examples, shuffled in part for each batch */
    int draws;
    Rng rng;
} NoiseBench;

static double noise_at(NoiseBench *nb, int batch, double *micros)
{
    double sum = 0.0, seconds = 0.0;
    for (int d = 0; d < nb->draws; d++) {
        draw_batch(&nb->rng, nb->order, nb->p->num_examples, batch);
        const double start = wall_seconds();   /* the gradient alone, not the measuring */
        gradient_into(nb->p, nb->order, batch, nb->g);
        seconds += wall_seconds() - start;
        sum += sq_distance(nb->g, nb->full, nb->numel);
    }
    *micros = 1e6 * seconds / nb->draws;
    return sum / nb->draws;
}

/* Measured and predicted noise against the batch size, on log scales (the
 * full batch has no noise: nothing to draw there). */
static void noise_figure(Report *r, const int *batches /* [count] */, const double *measured /* [count] */,
                         const double *predicted /* [count] */, int count)
{
    Figure *fig = report_figure(r, "01_batch_noise");
    fprintf(figure_commands(fig), "set logscale xy\nset xlabel 'examples per batch B'\n"
                                  "set ylabel 'E|g_B - g|^2 / |g|^2'\nset key top right\n");
    int predicted_line = figure_series(fig, "lines ls 8", "predicted: σ²/B · (N-B)/(N-1)");
    int measured_points = figure_series(fig, "points ls 1 pt 7 ps 0.8", "measured");
    for (int s = 0; s < count; s++) {
        if (!(predicted[s] > 0)) continue;
        figure_point(fig, predicted_line, batches[s], predicted[s]);
        figure_point(fig, measured_points, batches[s], measured[s]);
    }
    figure_close(fig);
}

static void batch_noise(Report *r, const LessonArgs *a)
{
    enum { SIZES = 12 };
    const int batches[SIZES] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 1437};   /* 1437: all */
    NoiseBench nb = {.p = must_mlp(MLP_HIDDEN, (uint64_t)a->seed), .draws = a->quick ? 5 : 300};
    int n = nb.p->num_examples;
    nb.numel = paramlist_numel(&nb.p->params);
    nb.full = floats_new(nb.numel);
    nb.g = floats_new(nb.numel);
    nb.order = must(malloc(sizeof(int) * (size_t)n), "out of memory");
    for (int i = 0; i < n; i++) nb.order[i] = i;
    rng_seed(&nb.rng, (uint64_t)a->seed, 9);
    gradient_into(nb.p, NULL, 0, nb.full);
    double full_sq = vec_dot(nb.full, nb.full, nb.numel), measured[SIZES], predicted[SIZES];
    /* Sampling B of N examples without replacement has
     * E|g_B - g|^2 = sigma^2 / B * (N - B) / (N - 1). */
    double sigma2 = per_example_variance(nb.p, nb.full, nb.g, nb.numel);
    const Column columns[] = {{"batch", "%d"}, {"E|g_B - g|^2 / |g|^2", "%.4f"}, {"predicted", "%.4f"},
                              {"examples/step", "%d"}, {"microseconds/step", "%.1f"}, {NULL, NULL}};
    Table *t = table_begin(r, "batch_noise", "Gradient noise and cost against batch size (MLP at its start)",
                           columns);
    for (int s = 0; s < SIZES; s++) {
        int batch = batches[s];
        double micros;
        measured[s] = noise_at(&nb, batch, &micros) / full_sq;
        predicted[s] = sigma2 / batch * (n - batch) / (n - 1) / full_sq;
        table_row(t, batch, measured[s], predicted[s], batch, micros);
        if (batch == 1) report_value(r, "noise_b1", "%.0f", measured[s]);
        if (batch == 32) report_value(r, "noise_b32", "%.1f", measured[s]);
        if (batch == 1) report_value(r, "us_per_example_b1", "%.1f", micros);
        if (batch == 32) report_value(r, "us_per_example_b32", "%.1f", micros / 32);
    }
    table_end(t);
    noise_figure(r, batches, measured, predicted, SIZES);
    free(nb.full);
    free(nb.g);
    free(nb.order);
    problem_free(nb.p);
}

/* ---- 4. one example, a mini-batch, or all of them, for the same work ----------- */

static void batch_race(Report *r, const LessonArgs *a)
{
    const float lrs[] = {0.01f, 0.03f, 0.1f, 0.3f, 1.0f, 3.0f};
    const int epochs = a->quick ? 1 : 10, num_lrs = a->quick ? 2 : 6;
    const int batches[] = {1, 32, 1437};
    const char *labels[] = {"batch 1", "batch 32", "full batch"};
    const char *styles[] = {"linespoints ls 2", "linespoints ls 1", "linespoints ls 3"};
    const char *values[] = {"race_loss_b1", "race_loss_b32", "race_loss_full"};
    const Column columns[] = {{"batch", "%d"}, {"steps", "%d"}, {"best lr", "%g"}, {"train loss", "%.4f"},
                              {"test accuracy", "%.1f%%"}, {"seconds", "%.2f"}, {NULL, NULL}};
    Table *t = table_begin(r, "batch_race", "Same work, different batches: SGD on the digits MLP", columns);
    table_note(t, "each run processes %d epochs = %d examples; lr is the best of %d from %g to %g", epochs,
               epochs * 1437, num_lrs, lrs[0], lrs[num_lrs - 1]);
    Figure *fig = report_figure(r, "01_batch_race");
    fprintf(figure_commands(fig), "set xlabel 'epochs (passes over the 1437 training examples)'\n"
                                  "set ylabel 'training loss'\nset logscale y\nset key top right\n");
    Problem *p = must_mlp(MLP_HIDDEN, (uint64_t)a->seed);
    for (int b = 0; b < 3; b++) {
        Run run = {.optimizer = &SGD_SPEC, .steps = epochs * 1437 / batches[b], .batch = batches[b],
                   .seed = (uint64_t)a->seed, .batch_seed = (uint64_t)a->seed * 1000};
        Curve best = best_curve(p, run, a->quick ? 4 : 20, lrs, num_lrs);   /* the lowest final loss */
        table_row(t, batches[b], run.steps, best.lr, best.final_loss, 100 * best.final_accuracy, best.seconds);
        report_value(r, values[b], "%.3f", best.final_loss);
        int curve = figure_series(fig, styles[b], "%s (lr %g)", labels[b], best.lr);
        for (int i = 0; i < best.points; i++)   /* x: the examples processed, in epochs */
            figure_point(fig, curve, (double)best.step[i] * batches[b] / 1437.0, best.loss[i]);
    }
    table_end(t);
    report_value(r, "race_epochs", "%d", epochs);
    figure_close(fig);
    problem_free(p);
}

/* ---- 5. the learning-rate dilemma on the ravine -------------------------------- */

static void lr_dilemma(Report *r, const LessonArgs *a)
{
    const float lrs[] = {0.1f, 1.0f, 1.9f, 1.99f, 2.05f, 2.5f};
    const char *styles[] = {"lines ls 1", "lines ls 2", "lines ls 3",
                            "lines ls 4", "lines ls 5", "lines ls 6"};
    const int steps = a->quick ? 100 : 300;
    const Column columns[] = {{"lr", "%.2f"}, {"loss after\n10 steps", "%.4g"}, {"\n100 steps", "%.4g"},
                              {"\nthe end", "%.4g"}, {"sign flips of y\nin 20 steps", "%d"},
                              {"overflow\nat step", "%.0f"}, {NULL, NULL}};
    Table *t = table_begin(r, "lr_dilemma", "The learning-rate dilemma: SGD on the ravine, kappa = 20, L = 1",
                           columns);
    table_note(t, "y is the steep coordinate; the end is step %d", steps);
    Figure *fig = loss_figure(r, "01_lr_dilemma", "set format y '10^{%T}'\nset yrange [1e-12:1e4]\n"
                                                  "set key outside right\n");
    Problem *p = must(ravine_new(2, CHAPTER_KAPPA), "out of memory");
    for (int l = 0; l < 6; l++) {
        TrainHistory hist = run_path(p, sgd(lrs[l], steps));
        table_row(t, lrs[l], loss_after(&hist, 10), loss_after(&hist, 100), loss_after(&hist, steps),
                  sign_changes(&hist, 1, 20), hist.diverged_at ? hist.diverged_at : NAN);
        if (lrs[l] == 2.5f) report_value(r, "overflow_step", "%d", hist.diverged_at);
        figure_curve(fig, styles[l], hist.loss, 0, hist.steps_done < 60 ? hist.steps_done : 60, "lr = %g", lrs[l]);
        train_history_free(&hist);
    }
    table_end(t);
    figure_close(fig);
    problem_free(p);
}

/* ---- 6. the largest stable learning rate, measured --------------------------- */

/* The largest lr at which the loss goes down (or stays) at every step of
 * SGD. For an L-smooth function that is guaranteed when lr < 2/L (the
 * "descent lemma"); here we measure where it stops being true. */
static void lr_threshold(Report *r, const LessonArgs *a)
{
    const int steps = a->quick ? 200 : 2000, rounds = a->quick ? 10 : 20;
    const Column columns[] = {{"problem", "%s"}, {"kappa", "%g"}, {"L (largest\ncurvature)", "%.4f"},
                              {"\n2/L", "%.4f"}, {"largest lr with the loss\nfalling at every step", "%.4f"},
                              {NULL, NULL}};
    Table *t = table_begin(r, "lr_threshold", "Where the loss starts to go up: measured, against 2/L",
                           columns);
    const double kappas[] = {10, 100, 1000};
    for (int k = 0; k < 3; k++) {
        Problem *p = must(ravine_new(2, kappas[k]), "out of memory");
        double L = quadratic_curvature(p, 1);
        double measured = largest_lr(p, sgd(0, steps), loss_never_rises, 0.0, 4.0, rounds);
        table_row(t, "ravine", kappas[k], L, 2.0 / L, measured);
        if (k == 0) report_value(r, "ravine_threshold", "%.4f", measured);
        problem_free(p);
    }
    char err[256];
    Problem *p = must(softmax_regression_new(err, sizeof err), err);
    double L = sharpness(p, a->quick ? 5 : 100);   /* at the start, w = 0 */
    double measured = largest_lr(p, sgd(0, a->quick ? 20 : 500), loss_never_rises, 0.0, 10.0 / L, rounds);
    table_row(t, "digits softmax regression", NAN, L, 2.0 / L, measured);
    table_end(t);
    report_value(r, "softmax_two_over_L", "%.2f", 2.0 / L);
    report_value(r, "softmax_threshold", "%.2f", measured);
    problem_free(p);
}

/* ---- 7. the zig-zag ---------------------------------------------------------- */

static void zigzag(Report *r)
{
    const float lrs[] = {0.5f, 1.8f};
    const char *values[] = {"zigzag_x_slow", "zigzag_x_fast"};
    const char *styles[] = {"linespoints ls 1", "linespoints ls 2"};
    Problem *p = must(ravine_new(2, CHAPTER_KAPPA), "out of memory");
    Figure *fig = ravine_map(r, "01_zigzag", p, (MapView){2.6, -1.0, 1.2, "x (flat floor, curvature 1/κ)",
                                                          "outside right"});
    for (int l = 0; l < 2; l++) {
        TrainHistory hist = run_path(p, sgd(lrs[l], 30));
        if (hist.diverged_at) fail("the zig-zag run diverged");
        report_value(r, values[l], "%.2f", hist.path[60]);   /* x after 30 steps */
        figure_path(fig, &hist, styles[l], "lr = %g", lrs[l]);
        train_history_free(&hist);
    }
    figure_close(fig);
    problem_free(p);
}

/* ---- 8. saddle points: stuck, or only slow? ---------------------------------- */

/* Gradient descent on the saddle from (1, y0), optionally with Gaussian noise
 * of standard deviation `noise` added to each gradient (as mini-batches do).
 * Returns the first step with loss below -0.2 (near a minimum), or 0. */
static int steps_to_escape(double y0, double noise, int max_steps, uint64_t seed, double *final_loss)
{
    Problem *p = must(saddle_new(y0), "out of memory");
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

static void saddle_table(Report *r, const LessonArgs *a)
{
    const int max_steps = a->quick ? 500 : 5000;
    const Column columns[] = {{"start y0", "%.0e"}, {"gradient noise", "%s"},
                              {"steps to escape (f < -0.2)", "%.0f"}, {"loss at the end", "%.4f"},
                              {NULL, NULL}};
    Table *t = table_begin(r, "saddle",
                           "Escaping the saddle f = x^2/2 - y^2/2 + y^4/4 from (1, y0), lr = 0.1", columns);
    table_nan_text(t, 2, "never (stuck)");
    const double starts[] = {0.0, 1e-12, 1e-8, 1e-4, 1e-1, 0.0}, noise[] = {0, 0, 0, 0, 0, 1e-3};
    const char *values[] = {NULL, NULL, "saddle_steps_1e8", "saddle_steps_1e4", NULL, "saddle_steps_noise"};
    for (int i = 0; i < 6; i++) {
        double final_loss;
        int steps = steps_to_escape(starts[i], noise[i], max_steps, (uint64_t)a->seed, &final_loss);
        table_row(t, starts[i], noise[i] ? "sd 1e-3" : "none", steps ? steps : NAN, final_loss);
        if (values[i]) report_value(r, values[i], "%d", steps);
    }
    table_end(t);
}

/* ---- 9. SGD trains the digits MLP -------------------------------------------------- */

static void digits_mlp(Report *r, const LessonArgs *a)
{
    Problem *p = must_mlp(MLP_HIDDEN, (uint64_t)a->seed);
    Run run = {.optimizer = &SGD_SPEC, .lr = a->lr, .steps = a->steps, .batch = a->batch,
               .seed = (uint64_t)a->seed, .batch_seed = (uint64_t)a->seed * 7919u};
    double *batch_loss = doubles_new((size_t)a->steps);   /* [steps] */
    Curve c = run_curve(p, run, 10, batch_loss);
    const Column columns[] = {{"step", "%d"}, {"train loss", "%.4f"}, {"test accuracy", "%.1f%%"},
                              {NULL, NULL}};
    Table *t = table_begin(r, "digits_mlp", "SGD training the digits MLP (64-32-10, tanh)", columns);
    table_note(t, "lr = %g, batch = %d, %d steps", a->lr, a->batch, a->steps);
    for (int i = 0; i < c.points; i++) table_row(t, c.step[i], c.loss[i], 100 * c.accuracy[i]);
    if (c.message[0]) table_note(t, "stopped: %s", c.message);
    table_end(t);
    /* The training curve: the loss of each mini-batch, and on all examples at the checkpoints. */
    Figure *fig = loss_figure(r, "01_digits_mlp", "set key top right\n");
    figure_curve(fig, "lines lc rgb '#b0c4de' lw 1", batch_loss, 0, c.step[c.points - 1] - 1,
                 "loss of each mini-batch");
    figure_checkpoints(fig, "linespoints ls 1", &c, "loss on all training examples");
    figure_close(fig);
    report_value(r, "mlp_accuracy", "%.1f", 100 * c.accuracy[c.points - 1]);
    report_value(r, "mlp_steps", "%d", a->steps);
    report_value(r, "mlp_lr", "%g", a->lr);
    report_value(r, "mlp_batch", "%d", a->batch);
    free(batch_loss);
    problem_free(p);
}

int main(int argc, char **argv)
{
    LessonArgs args = LESSON_DEFAULTS;
    Report report;
    lesson_open(&report, "01_sgd", FLAGS, &args, argc, argv);
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
