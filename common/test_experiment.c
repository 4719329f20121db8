/* test_experiment.c - tests of the lesson programs' toolkit (experiment.h):
 * tables laid out from their columns, learning-rate sweeps and their best
 * point, the figures every chapter draws, and the measurements more than one
 * chapter makes. Registered by
 * test_common.c through add_experiment_tests(). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "experiment.h"
#include "testing.h"

/* Runs `write` on a fresh report of the lesson 99_demo in a temporary
 * directory and asserts that its file out/99_demo/NAME.txt (a table, or
 * "values") reads exactly `expected`. */
static void assert_out_file(void (*write)(Report *r), const char *name, const char *expected)
{
    char dir[512], path[700];
    Report r;
    open_demo_report(&r, dir, sizeof dir);
    write(&r);
    ck_assert_int_eq(report_close(&r), 0);
    snprintf(path, sizeof path, "%s/out/99_demo/%s.txt", dir, name);
    assert_file_is(path, expected);
    remove_tree(dir);
}

static void two_runs(Report *r)
{
    const Column columns[] = {{"name", "%s"}, {"lr", "%.2f"}, {"steps", "%d"}, {NULL, NULL}};
    Table *t = table_begin(r, "runs", "Two runs", columns);
    table_nan_text(t, 1, "never");
    table_note(t, "A note");
    table_row(t, "sgd", 0.1, 12);
    table_row(t, "momentum", (double)NAN, 7);
    table_note(t, "Below");
    table_end(t);
}

START_TEST(test_table_layout)
{
    /* Widths from the widest header or cell, strings left and numbers right,
     * three spaces between columns, a NaN shown by its column's text, notes
     * above the header and below the rows. The expected text is written out
     * by hand from those rules. */
    assert_out_file(two_runs, "runs",
                 "A note\n"
                 "\n"
                 "name          lr   steps\n"
                 "sgd         0.10      12\n"
                 "momentum   never       7\n"
                 "\n"
                 "Below\n");
}
END_TEST

static void diverged_runs(Report *r)
{
    const Column columns[] = {{"step", "%d"}, {"loss", "%.4f"}, {NULL, NULL}};
    Table *t = table_begin(r, "diverged", "A run that diverges", columns);
    table_row(t, 0, 2.3171);
    table_row(t, 20, 7.0543484e30);
    table_row(t, 40, (double)-INFINITY);
    table_row(t, 60, 999999999999999.0);
    table_end(t);
}

START_TEST(test_table_shows_a_diverged_value_short)
{
    /* %.4f below 1e15, %.4g from there (written out by hand) */
    assert_out_file(diverged_runs, "diverged",
                    "step                   loss\n"
                    "   0                 2.3171\n"
                    "  20              7.054e+30\n"
                    "  40                   -inf\n"
                    "  60   999999999999999.0000\n");
}
END_TEST

static void two_header_lines(Report *r)
{
    const Column columns[] = {{"kappa", "%d"}, {"steps\nto 1e-6", "%d"}, {NULL, NULL}};
    Table *t = table_begin(r, "two", "Two header lines", columns);
    table_row(t, 10, 71);
    table_end(t);
}

START_TEST(test_table_two_line_header)
{
    /* A header split by '\n' takes two lines; a one-line header sits on the
     * lower line, next to its numbers. */
    assert_out_file(two_header_lines, "two",
                 "          steps\n"
                 "kappa   to 1e-6\n"
                 "   10        71\n");
}
END_TEST

/* A run whose score is lowest at lr = 0.1; it records the to_beat it was given. */
typedef struct {
    int calls;
    double to_beat_seen[8];
} SweepLog;

static double bowl_at_a_tenth(float lr, double to_beat, void *ctx)
{
    SweepLog *log = ctx;
    log->to_beat_seen[log->calls++] = to_beat;
    double d = log10(lr) + 1.0;
    return d * d;
}

START_TEST(test_lr_sweep_finds_the_best)
{
    float lrs[5];
    lr_grid(lrs, 5, -3, 1);   /* 1e-3 ... 1e1 */
    const float expected_lrs[5] = {1e-3f, 1e-2f, 1e-1f, 1.0f, 10.0f};
    ck_assert_all_close(lrs, expected_lrs, 5, 0.0, 1e-6, "lr_grid");

    SweepLog log = {0};
    Sweep s = lr_sweep(lrs, 5, INFINITY, bowl_at_a_tenth, &log);
    ck_assert_int_eq(s.count, 5);
    ck_assert_int_eq(log.calls, 5);
    ck_assert_int_eq(s.best, 2);
    ck_assert_close(s.lr[s.best], 0.1, 0, 1e-6);
    ck_assert_close(s.score[0], 4.0, 1e-9, 1e-6);
    /* Each run is told the best score before it, so it may stop early. */
    const double to_beat[5] = {INFINITY, 4.0, 1.0, 0.0, 0.0};
    for (int k = 0; k < 5; k++)
        if (isinf(to_beat[k])) ck_assert(isinf(log.to_beat_seen[k]));
        else ck_assert_close(log.to_beat_seen[k], to_beat[k], 1e-6, 1e-6);
}
END_TEST

START_TEST(test_lr_sweep_with_nothing_better)
{
    /* Nothing scores below a to_beat of -1: no best point. */
    float lrs[3];
    lr_grid(lrs, 3, -2, 1);
    SweepLog log = {0};
    Sweep s = lr_sweep(lrs, 3, -1.0, bowl_at_a_tenth, &log);
    ck_assert_int_eq(s.best, -1);
    ck_assert_int_eq(log.calls, 3);
}
END_TEST

START_TEST(test_loglog_slope_of_a_power_law)
{
    /* y = 3 x^-0.5 exactly: the slope is the exponent. */
    double x[6], y[6];
    for (int i = 0; i < 6; i++) {
        x[i] = pow(10.0, i);
        y[i] = 3.0 * pow(x[i], -0.5);
    }
    ck_assert_close(loglog_slope(x, y, 6), -0.5, 1e-12, 0);
}
END_TEST

START_TEST(test_sharpness_of_the_ravine)
{
    /* The ravine's largest curvature is kappa times its smallest; power
     * iteration converges on it (ratio 10 between the top two here, so 100
     * iterations are plenty; 1e-3 allows for float32 gradients). */
    Problem *p = ravine_new(2, 10.0);
    ck_assert_ptr_nonnull(p);
    double top = fmax(quadratic_curvature(p, 0), quadratic_curvature(p, 1));
    ck_assert_close(sharpness(p, 100), top, 0, 1e-3);
    problem_free(p);
}
END_TEST

START_TEST(test_loglog_slope_over_a_curve)
{
    /* y[t] = 5 / sqrt(t), with a NaN (no value yet) at t = 3 that is left
     * out: the slope over t = 2..50 is -1/2. Fewer than two finite points:
     * no slope. */
    double y[51];
    for (int t = 0; t <= 50; t++) y[t] = 5.0 / sqrt(t);
    y[3] = NAN;
    ck_assert_close(loglog_slope_over(y, 2, 50), -0.5, 1e-12, 0);
    ck_assert(isnan(loglog_slope_over(y, 3, 4)));
    ck_assert(isnan(loglog_slope_over(y, 10, 9)));
}
END_TEST

START_TEST(test_spread_steps_below_and_log_steps)
{
    Spread s = spread((const double[]){3, 1, 2}, 3);
    ck_assert_close(s.mean, 2.0, 1e-15, 0);
    ck_assert_double_eq(s.low, 1);
    ck_assert_double_eq(s.high, 3);
    /* Below 0.05 at step 1, above again at 2, below for good from 3. */
    const double err[5] = {1, 0.01, 0.5, 0.01, 0.001};
    ck_assert_int_eq(steps_until_below(err, 4, 0.05), 3);
    ck_assert_int_eq(steps_until_below(err, 2, 0.05), 3);     /* ends above: never */
    ck_assert_int_eq(steps_until_below(err, 4, 2.0), 0);      /* below from the start */
    ck_assert_int_eq(steps_until_below(err, 4, 0.01), 4);     /* at the level is not below it */
    /* Rows 0, 1, 3, 10, 30, 100 ... and the last, then -1. */
    const int rows100[] = {0, 1, 3, 10, 30, 100, -1}, rows50[] = {0, 1, 3, 10, 30, 50, -1};
    for (int i = 0, t = 0; i < 7; i++, t = next_log_step(t, 100)) ck_assert_int_eq(t, rows100[i]);
    for (int i = 0, t = 0; i < 7; i++, t = next_log_step(t, 50)) ck_assert_int_eq(t, rows50[i]);
    ck_assert_int_eq(next_log_step(0, 1), 1);
    ck_assert_int_eq(next_log_step(1, 1), -1);
    /* At 0.5 or more from step 2 on; 0.5 itself counts; never past 1. */
    const double rising[5] = {0, 0.25, 0.5, 0.4, 0.75};
    ck_assert_int_eq(first_step_reaching(rising, 4, 0.5), 2);
    ck_assert_int_eq(first_step_reaching(rising, 4, 0.0), 0);
    ck_assert_int_eq(first_step_reaching(rising, 4, 1.0), 5);
    double *zeros = doubles_new(3);
    ck_assert(zeros[0] == 0 && zeros[1] == 0 && zeros[2] == 0);
    free(zeros);
}
END_TEST

START_TEST(test_decades_index_median_and_band)
{
    const double x[4] = {0.1, 100, 1, 100};
    ck_assert_close(decades(x, 4), 3.0, 1e-12, 0);
    ck_assert_int_eq(index_of_max(x, 4), 1);   /* the first of the ties */
    ck_assert_int_eq(index_of_min(x, 4), 0);
    float f[5] = {3, -1, 2, 5, 0};
    ck_assert(sort_median(f, 5) == 2.0f);
    ck_assert(f[0] == -1.0f && f[4] == 5.0f);
    /* Scores 9 3 1 2 5 INF: within 2 of the best 1 are indices 2..3; within 3, 1..3. */
    Sweep s = {.count = 6, .score = {9, 3, 1, 2, 5, INFINITY}, .best = 2};
    int lo, hi;
    sweep_band(&s, 2.0, &lo, &hi);
    ck_assert(lo == 2 && hi == 3);
    sweep_band(&s, 3.0, &lo, &hi);
    ck_assert(lo == 1 && hi == 3);
    s.best = -1;
    sweep_band(&s, 2.0, &lo, &hi);
    ck_assert(lo == 0 && hi == -1);
}
END_TEST

START_TEST(test_sweep_lr_band)
{
    /* Scores 9 3 1 2 at lr 0.001 .. 1: within 3 of the best, lr 0.01 .. 1,
     * two decades; without a best, no band. */
    Sweep s = {.count = 4, .lr = {0.001f, 0.01f, 0.1f, 1}, .score = {9, 3, 1, 2},
               .best = 2};
    LrBand band = sweep_lr_band(&s, 3.0);
    ck_assert(band.from == (double)0.01f && band.to == 1.0);
    ck_assert_close(band.decades, 2.0, 1e-6, 0);
    s.best = -1;
    band = sweep_lr_band(&s, 3.0);
    ck_assert(isnan(band.from) && isnan(band.to) && isnan(band.decades));
}
END_TEST

START_TEST(test_tensor_mean_squares)
{
    /* Each tensor's mean square gradient, against the flat gradient; the
     * change since `before` = parameters + 1 is -1 everywhere: 1 over 2 samples. */
    Problem *p = must_mlp(4, 1);
    ParamList *l = &p->params;
    size_t n = paramlist_numel(l);
    p->loss_and_grad(p, NULL, 0);
    float *g = floats_new(n), *before = floats_new(n);
    paramlist_get_grads(l, g);
    paramlist_get(l, before);
    for (size_t i = 0; i < n; i++) before[i] += 1.0f;
    double ms[16] = {0}, change[16] = {0};
    ck_assert_int_le(l->count, 16);
    tensor_mean_squares(l, NULL, 1, ms);
    tensor_mean_squares(l, before, 2, change);
    for (int i = 0, at = 0; i < l->count; i++) {
        double sum = 0;
        for (size_t j = 0; j < l->params[i]->numel; j++, at++) sum += (double)g[at] * g[at];
        ck_assert_close(ms[i], sum / (double)l->params[i]->numel, 1e-12, 1e-9);
        ck_assert_close(change[i], 0.5, 1e-6, 0);
    }
    free(g), free(before);
    problem_free(p);
}
END_TEST

START_TEST(test_log_crossing)
{
    /* y = 1/x at x = 1, 10, 100 meets 0.03 at x = 100/3, exactly on log
     * scales; rising y works the same; a level out of reach: NAN. */
    const double x[3] = {1, 10, 100}, falling[3] = {1, 0.1, 0.01}, rising[3] = {0.01, 0.1, 1};
    ck_assert_close(log_crossing(x, falling, 3, 0.03), 100.0 / 3, 0, 1e-12);
    ck_assert_close(log_crossing(x, rising, 3, 0.3), 30.0, 0, 1e-12);
    ck_assert(isnan(log_crossing(x, falling, 3, 2)));
    ck_assert(isnan(log_crossing(x, falling, 3, 0.001)));
    /* A curve that meets the level exactly at a sample crosses there. */
    ck_assert_double_eq(log_crossing(x, falling, 3, 0.1), 10.0);
    ck_assert_double_eq(log_crossing(x, rising, 3, 0.1), 10.0);
}
END_TEST

START_TEST(test_tensor_grad_rms)
{
    /* Each tensor's RMS gradient on two examples: the square root of
     * tensor_mean_squares over the same gradient (rms starts as garbage:
     * it is set, not added to). */
    Problem *p = must_mlp(4, 1);
    const int batch[2] = {0, 1};
    double rms[16], ms[16] = {0};
    ck_assert_int_le(p->params.count, 16);
    for (int i = 0; i < 16; i++) rms[i] = 123;
    tensor_grad_rms(p, batch, 2, rms);
    tensor_mean_squares(&p->params, NULL, 1, ms);
    for (int i = 0; i < p->params.count; i++)
        ck_assert(rms[i] == sqrt(ms[i]) && rms[i] > 0);
    problem_free(p);
}
END_TEST

START_TEST(test_must_gpt)
{
    /* --quick's GPT is problems.h's "gpt:quick", the same from the same seed. */
    char err[512];
    Problem *p = must_gpt(true, 3);
    Problem *q = problem_by_name("gpt:quick", 0, 3, err, sizeof err);
    ck_assert_ptr_nonnull(q);
    ck_assert_str_eq(p->name, q->name);
    ck_assert_int_eq(p->params.count, q->params.count);
    size_t n = paramlist_numel(&p->params);
    ck_assert_uint_eq(n, paramlist_numel(&q->params));
    float *a = floats_new(n), *b = floats_new(n);
    paramlist_get(&p->params, a), paramlist_get(&q->params, b);
    ck_assert(memcmp(a, b, n * sizeof(float)) == 0);
    free(a), free(b);
    problem_free(p), problem_free(q);
}
END_TEST

START_TEST(test_param_norm)
{
    /* The quadratic's one parameter "x" from (3, 4): norm 5. The MLP's
     * fc1.bias, summed here in the order of its elements. */
    Problem *q = quadratic_new(2, (const double[]){1, 2}, (const float[]){3, 4});
    ck_assert_close(param_norm(&q->params, "x"), 5.0, 1e-12, 0);
    problem_free(q);
    Problem *p = must_mlp(4, 1);
    const Tensor *b = p->params.params[1];
    double sum = 0;
    for (size_t j = 0; j < b->numel; j++) sum += (double)b->data[j] * b->data[j];
    ck_assert_str_eq(b->name, "fc1.bias");
    ck_assert(sum > 0);
    ck_assert_close(param_norm(&p->params, "fc1.bias"), sqrt(sum), 1e-12, 1e-12);
    problem_free(p);
}
END_TEST

/* Draws figure NAME of a fresh report of the lesson 99_demo with `draw`,
 * closes the report and asserts that the figure's script holds each of
 * parts[] (NULL-ended), naming the first it lacks; the report's directory
 * is removed. */
static void assert_figure_holds(const char *name, void (*draw)(Figure *fig), const char *const *parts)
{
    char dir[512], fig_name[100];
    Report r;
    open_demo_report(&r, dir, sizeof dir);
    Figure *fig = report_figure(&r, name);
    draw(fig);
    figure_close(fig);
    ck_assert_int_eq(report_close(&r), 0);
    snprintf(fig_name, sizeof fig_name, "fig/%s", name);
    char *text = figure_script(dir, fig_name);
    remove_tree(dir);
    for (int k = 0; parts[k]; k++)
        ck_assert_msg(strstr(text, parts[k]) != NULL, "%s.gp lacks:\n%s", name, parts[k]);
    free(text);
}

START_TEST(test_loss_figure_and_curves)
{
    /* A loss figure: its axes, the caller's settings, and a curve of the
     * points (t, y[t]) for t = first..last, a non-finite one left out. A
     * figure over steps 0..50: its axes on linear scales, then the caller's
     * settings. */
    char dir[512];
    Report r;
    open_demo_report(&r, dir, sizeof dir);
    Figure *fig = loss_figure(&r, "99_loss", "set key top right\n");
    const double y[4] = {4, 0.5, INFINITY, 0.125};
    ck_assert_int_eq(figure_curve(fig, "lines ls 2", y, 1, 3, "lr = %g", 0.5), 0);
    figure_close(fig);
    figure_close(step_figure(&r, "99_steps", "learning rate", 50, "set key top right\n"));
    Problem *ravine = ravine_new(2, 20.0);
    ck_assert_ptr_nonnull(ravine);
    figure_close(ravine_map(&r, "99_map", ravine, (MapView){2.6, -1.0, 1.2, "x", "outside right"}));
    problem_free(ravine);
    ck_assert_int_eq(report_close(&r), 0);
    char *text = figure_script(dir, "fig/99_loss");
    ck_assert_ptr_nonnull(strstr(text, "set xlabel 'step'\nset ylabel 'loss'\nset logscale y\n"
                                       "set key top right\n"));
    ck_assert_ptr_nonnull(strstr(text, "$series0 << EOD\n1 0.5\n3 0.125\nEOD\n"));
    ck_assert_ptr_nonnull(strstr(text, "$series0 with lines ls 2 title 'lr = 0.5'"));
    free(text);
    text = figure_script(dir, "fig/99_steps");
    ck_assert_ptr_nonnull(strstr(text, "set xlabel 'step'\nset ylabel 'learning rate'\nset xrange [0:50]\n"
                                       "set key top right\n"));
    ck_assert_ptr_null(strstr(text, "logscale"));
    free(text);
    text = figure_script(dir, "fig/99_map");
    ck_assert_ptr_nonnull(strstr(text, "set xrange [-1:5]\nset yrange [-1.2:1.2]\nset xlabel 'x'\n"
                                       "set ylabel 'y (steep wall)'\nset key outside right\n"));
    ck_assert_ptr_nonnull(strstr(text, "title 'loss contours'"));
    free(text);
    remove_tree(dir);
}
END_TEST

static void draw_hline(Figure *fig)
{
    ck_assert_int_eq(figure_hline(fig, "lines ls 8 dt 2", 0, 250, 0.675, "the %s", "floor"), 0);
}

START_TEST(test_report_close_sees_a_figure_it_could_not_write)
{
    /* The figure's directory vanishes before its script is written: the
     * lesson drops figure_close's -1, as lessons do, and report_close still
     * fails, so the program cannot exit 0 without its figure. */
    char dir[512], fig_dir[600];
    Report r;
    open_demo_report(&r, dir, sizeof dir);
    Figure *fig = report_figure(&r, "lost");
    figure_point(fig, figure_series(fig, "points", "a point"), 1, 1);
    snprintf(fig_dir, sizeof fig_dir, "%s/fig", dir);
    remove_tree(fig_dir);
    ck_assert_int_eq(figure_close(fig), -1);
    ck_assert_int_eq(report_close(&r), -1);
    remove_tree(dir);
}
END_TEST

START_TEST(test_figure_refuses_a_series_past_its_room)
{
    /* FIGURE_MAX_SERIES series fit; the next is refused with -1, and the
     * figure then fails to close, saying why, rather than drop a curve
     * unseen. */
    char dir[512];
    ck_assert(make_temp_dir(dir, sizeof dir) == 0);
    Figure *fig = figure_open(dir, "crowded");
    for (int s = 0; s < FIGURE_MAX_SERIES; s++) {
        ck_assert_int_eq(figure_series(fig, "lines", "series %d", s), s);
        figure_point(fig, s, 0, s);
    }
    ck_assert_int_eq(figure_series(fig, "lines", "one too many"), -1);
    CaughtStderr caught;
    stderr_catch(&caught);
    int closed = figure_close(fig);
    char *err = stderr_release(&caught), expected[64];
    ck_assert_int_eq(closed, -1);
    snprintf(expected, sizeof expected, "figure crowded: more than %d series\n", FIGURE_MAX_SERIES);
    ck_assert_str_eq(err, expected);
    free(err);
    remove_tree(dir);
}
END_TEST

START_TEST(test_figure_hline)
{
    /* A level line: the two ends, titled. */
    assert_figure_holds("99_hline", draw_hline, (const char *const[]){
        "$series0 << EOD\n0 0.675\n250 0.675\nEOD\n",
        "$series0 with lines ls 8 dt 2 title 'the floor'",
        NULL});
}
END_TEST

static void tagged_values(Report *r)
{
    report_values(r, value_tag(r, "%s_%d", "adam", 2),
                  (NamedValue[]){{"lr_%s", "%g", 0.5}, {"steps_%s", "%d", 7}, {NULL}});
}

START_TEST(test_value_tag)
{
    /* A tag built from parts survives report_values building each name. */
    assert_out_file(tagged_values, "values", "lr_adam_2 0.5\nsteps_adam_2 7\n");
}
END_TEST

static void draw_trailing_means_and_sweep(Figure *fig)
{
    const double y[4] = {1, 3, 5, 2};
    ck_assert_int_eq(figure_trailing_means(fig, "lines ls 1", y, 4, 2, "mean of %d", 2), 0);
    Sweep s = {.count = 3, .lr = {0.25f, 0.5f, 1}, .score = {4, INFINITY, 2}, .best = 2};
    ck_assert_int_eq(figure_sweep(fig, "linespoints ls 2", &s, "%s", "sgd"), 1);
    double *x = doubles_new(1001);
    for (int t = 0; t <= 1000; t++) x[t] = t;
    figure_period_means(fig, figure_series(fig, "lines ls 3", "x"), x, 10, 1000);
    free(x);
}

START_TEST(test_figure_trailing_means_and_sweep)
{
    /* Trailing means over 2: from x = 2 on, the mean of y[i - 1], y[i].
     * A sweep: (lr, score) with a gap (an empty line) at its failed run.
     * Period means of x_t = t, period 10, up to step 1000: each point is
     * the mean of the period that ends there, e - 4.5; the ends step by a
     * period until 3% of the step is over two periods (past 666): 670,
     * then 690; the last below 1000 is 990. */
    assert_figure_holds("99_trailing", draw_trailing_means_and_sweep, (const char *const[]){
        "$series0 << EOD\n2 2\n3 4\n4 3.5\nEOD\n",
        "$series0 with lines ls 1 title 'mean of 2'",
        "$series1 << EOD\n0.25 4\n\n1 2\nEOD\n",
        "$series1 with linespoints ls 2 title 'sgd'",
        "$series2 << EOD\n10 5.5\n20 15.5\n30 25.5\n",
        "\n660 655.5\n670 665.5\n690 685.5\n710 705.5\n",
        "\n970 965.5\n990 985.5\nEOD\n",
        NULL});
}
END_TEST

static void draw_heatmap(Figure *fig)
{
    const double lrs[2] = {1e-4, 1e-3}, wds[2] = {0, 0.1}, z[4] = {1, NAN, 0.5, 0.1};
    figure_heatmap(fig, &(HeatMap){.name = "lion", .x = lrs, .nx = 2, .x_label = "lr", .x_format = "%g",
                                   .y = wds, .ny = 2, .y_label = "wd", .y_format = "%g", .z = z,
                                   .title = "Lion", .cell_format = "%.2f", .nan_text = "failed",
                                   .z_low = NAN, .z_high = NAN, .best_i = 1, .best_j = 1});
}

START_TEST(test_figure_heatmap)
{
    /* A 2 x 2 grid: the cells at 0, 1 whatever the values, the tics named by
     * the values, the failed cell white with its text, the best framed, the
     * colour range the finite z's, the text white on the darker half (on the
     * log scale: 0.5 is above sqrt(0.1)). */
    assert_figure_holds("99_heat", draw_heatmap, (const char *const[]){
        "$lion << EOD\n0 0 1 \"1.00\" 0xffffff\n1 0 NaN \"failed\" 0x000000\n"
            "0 1 0.5 \"0.50\" 0xffffff\n1 1 0.1 \"0.10\" 0x000000\nEOD\n",
        "set xtics ('0.0001' 0, '0.001' 1)\nset ytics ('0' 0, '0.1' 1)\n",
        "unset logscale cb\nset cbrange [0.1:1]\n",   /* not over a decade */
        "set object rect from 0.5,0.5 to 1.5,1.5 front",
        "plot $lion using 1:2:(0.5):(0.5):3 with boxxyerror",
        NULL});
}
END_TEST

static void square_job(int i, void *ctx, double *out)
{
    out[0] = (double)i * i;
    out[1] = *(const double *)ctx + i;
    *(double *)ctx = -1;   /* a child's change is its own (one process: the same each time) */
}

START_TEST(test_parallel_jobs)
{
    /* Every job's results in its place, whatever the processors; none at all is fine. */
    double out[2 * 37], base = 0.5;
    for (int i = 0; i < 2 * 37; i++) out[i] = NAN;
    parallel_jobs(37, 2, out, square_job, &base);
    for (int i = 0; i < 37; i++) {
        ck_assert(out[2 * i] == (double)i * i);
        ck_assert(out[2 * i + 1] == 0.5 + i || out[2 * i + 1] == -1 + i);
    }
    parallel_jobs(0, 2, NULL, square_job, &base);
}
END_TEST

static void draw_series(Figure *fig)
{
    ck_assert_int_eq(figure_xy(fig, "points ls 1", (const double[]){1, 10}, (const double[]){2, 3}, 2, "xy"), 0);
    const double noisy[6] = {1, 3, 2, 2, 10, 20};
    ck_assert_int_eq(figure_window_means(fig, "lines ls 2", noisy, 2, 3, "smooth %d", 2), 1);
    double y[101];
    for (int t = 0; t <= 100; t++) y[t] = t;
    ck_assert_int_eq(figure_log_curve(fig, "lines ls 3", y, 100, "log"), 2);
}

START_TEST(test_figure_series_helpers)
{
    /* figure_xy: the points as given; figure_window_means: the mean of each
     * window at its middle; figure_log_curve: every step to 20, then 5%
     * further each, rounded down: steps of 1 up to 40, of 2 from there. */
    assert_figure_holds("99_series", draw_series, (const char *const[]){
        "$series0 << EOD\n1 2\n10 3\nEOD\n",
        "$series1 << EOD\n1 2\n3 2\n5 15\nEOD\n",
        "$series2 << EOD\n1 1\n2 2\n",
        "\n39 39\n40 40\n42 42\n44 44\n",
        "\n89 89\n93 93\n97 97\nEOD\n",   /* 101 is past the last */
        "$series1 with lines ls 2 title 'smooth 2'",
        NULL});
}
END_TEST

static void formatted_header_and_wrapped_notes(Report *r)
{
    const Column columns[] = {{"lr", "%g"}, {"loss", "%.2f"}, {NULL, NULL}};
    Table *t = table_begin(r, "wrapped", "A header of the program's, a long note", columns);
    table_header(t, 1, "first %s", "try");   /* replaced by the next */
    table_header(t, 1, "loss after\n%d steps", 100);
    table_row(t, 0.1, 0.25);
    table_note_wrapped(t, "  ", "one two three fourfivesix seven", 9);
    table_end(t);
}

START_TEST(test_table_header_and_wrapped_notes)
{
    /* The formatted header takes two lines ("lr" sits on the lower one) and
     * sets the column's width (10, over the cell's 4). The note wraps at
     * the last space within 9 characters, drops the spaces there, and
     * cuts a word longer than 9 at 9: "one two" | "three" | "fourfives" |
     * "ix seven", each after the indent. Worked out by hand from those rules. */
    assert_out_file(formatted_header_and_wrapped_notes, "wrapped",
                 "      loss after\n"
                 " lr    100 steps\n"
                 "0.1         0.25\n"
                 "\n"
                 "  one two\n"
                 "  three\n"
                 "  fourfives\n"
                 "  ix seven\n");
}
END_TEST

START_TEST(test_max_abs_difference)
{
    /* Differences 0.5, 3 and 0: the largest is 3; the largest |a| is 4 (a
     * negative number). The difference is a float one: 0.2f - 0.1f, not
     * 0.1 in double. Nothing to compare: 0. */
    const float a[3] = {1, -4, 2.5f}, b[3] = {1.5f, -1, 2.5f};
    ck_assert(max_abs_difference(a, b, 3) == 3.0);
    ck_assert(max_abs_difference(b, a, 3) == 3.0);
    ck_assert(max_abs_difference(a, NULL, 3) == 4.0);
    const float small[1] = {0.1f}, large[1] = {0.2f};
    ck_assert(max_abs_difference(small, large, 1) == (double)(0.2f - 0.1f));
    ck_assert(max_abs_difference(a, b, 0) == 0.0);
    /* A NaN on either side, or both: NaN, never a difference of 0. */
    const float nan_at_1[3] = {1, NAN, 2.5f};
    ck_assert(isnan(max_abs_difference(nan_at_1, b, 3)));
    ck_assert(isnan(max_abs_difference(b, nan_at_1, 3)));
    ck_assert(isnan(max_abs_difference(nan_at_1, nan_at_1, 3)));
    ck_assert(isnan(max_abs_difference(nan_at_1, NULL, 3)));
}
END_TEST

START_TEST(test_windows_lowest)
{
    /* Three curves in three windows of two steps: a is lowest in the first
     * (mean 1 against 2 and 3), b in the second; in the third a and b tie
     * at 2, and a tie is not ahead. */
    const double a[6] = {0, 2, 5, 5, 2, 2}, b[6] = {2, 2, 1, 1, 1, 3}, c[6] = {3, 3, 3, 3, 3, 3};
    const double *const curves[3] = {a, b, c};
    ck_assert_int_eq(windows_lowest(curves, 3, 0, 2, 3), 1);
    ck_assert_int_eq(windows_lowest(curves, 3, 1, 2, 3), 1);
    ck_assert_int_eq(windows_lowest(curves, 3, 2, 2, 3), 0);
    ck_assert_int_eq(windows_lowest(curves, 2, 0, 2, 1), 1);   /* a against b alone, the first window */
    ck_assert_int_eq(windows_lowest(curves, 3, 1, 3, 2), 2);   /* windows of 3: b's 5/3 lowest in both */
}
END_TEST

static const OptionSpec DEMO_FLAGS[] = {
    LESSON_FLAGS("training steps"),
    {NULL, 0, 0, NULL, 0, 0},
};

START_TEST(test_lesson_open_parses_and_opens)
{
    /* --seed and --out as given, --quick without --steps making the steps
     * 200; the report opened at --out, so that a table written through it
     * reads back from DIR/out/99_demo/. */
    char dir[512], out[600], path[700];
    char name[] = "99_demo", seed[] = "--seed=7", quick[] = "--quick";
    ck_assert(make_temp_dir(dir, sizeof dir) == 0);
    snprintf(out, sizeof out, "--out=%s", dir);
    char *argv[] = {name, seed, quick, out};
    LessonArgs a = LESSON_DEFAULTS;
    Report r;
    lesson_open(&r, "99_demo", DEMO_FLAGS, &a, 4, argv);
    ck_assert_int_eq(a.seed, 7);
    ck_assert(a.quick);
    ck_assert_int_eq(a.steps, 200);
    ck_assert_str_eq(a.out, dir);
    two_header_lines(&r);
    ck_assert_int_eq(report_close(&r), 0);
    snprintf(path, sizeof path, "%s/out/99_demo/two.txt", dir);
    assert_file_is(path, "          steps\n"
                         "kappa   to 1e-6\n"
                         "   10        71\n");
    remove_tree(dir);
}
END_TEST

START_TEST(test_quick_keeps_a_given_steps)
{
    /* --quick makes the steps 200 only when --steps is not given: given, even
     * at its default, it stays (it once was reset when it equalled the default). */
    LessonArgs a = LESSON_DEFAULTS;
    const int default_steps = a.steps;
    char name[] = "99_demo", quick[] = "--quick", steps[32];
    snprintf(steps, sizeof steps, "--steps=%d", default_steps);
    char *argv[] = {name, quick, steps};
    lesson_parse("99_demo", DEMO_FLAGS, &a, 3, argv);
    ck_assert(a.quick && a.steps_given);
    ck_assert_int_eq(a.steps, default_steps);
    ck_assert_int_ne(default_steps, 200);
    LessonArgs b = LESSON_DEFAULTS;
    char *plain[] = {name, steps};
    lesson_parse("99_demo", DEMO_FLAGS, &b, 2, plain);
    ck_assert_int_eq(b.steps, default_steps);
    LessonArgs c = LESSON_DEFAULTS;
    char *quick_alone[] = {name, quick};
    lesson_parse("99_demo", DEMO_FLAGS, &c, 2, quick_alone);
    ck_assert(!c.steps_given);
    ck_assert_int_eq(c.steps, 200);
}
END_TEST

START_TEST(test_lesson_open_refuses_a_bad_out)
{
    /* No directory can be made under /proc: the program stops with status 2
     * (EXIT_USAGE), as for any other bad flag. */
    char name[] = "99_demo", out[] = "--out=/proc/no/such/dir";
    char *argv[] = {name, out};
    LessonArgs a = LESSON_DEFAULTS;
    Report r;
    lesson_open(&r, "99_demo", DEMO_FLAGS, &a, 2, argv);
}
END_TEST

START_TEST(test_lesson_steps_by_hand)
{
    /* 2000 steps: all of them, or with --quick a quarter, 500; 60 with
     * --quick is 15, raised to the 20 asked for; 10 without --quick is
     * raised too. */
    LessonArgs a = LESSON_DEFAULTS;
    a.steps = 2000;
    ck_assert_int_eq(lesson_steps(&a, 4, 20), 2000);
    a.quick = true;
    ck_assert_int_eq(lesson_steps(&a, 4, 20), 500);
    ck_assert_int_eq(lesson_steps(&a, 10, 20), 200);
    a.steps = 60;
    ck_assert_int_eq(lesson_steps(&a, 4, 20), 20);
    a.steps = 10, a.quick = false;
    ck_assert_int_eq(lesson_steps(&a, 4, 20), 20);
    ck_assert_int_eq(lesson_steps(&a, 4, 1), 10);
}
END_TEST

void add_experiment_tests(TCase *core)
{
    tcase_add_test(core, test_table_layout);
    tcase_add_test(core, test_quick_keeps_a_given_steps);
    tcase_add_test(core, test_report_close_sees_a_figure_it_could_not_write);
    tcase_add_test(core, test_table_shows_a_diverged_value_short);
    tcase_add_test(core, test_table_two_line_header);
    tcase_add_test(core, test_lr_sweep_finds_the_best);
    tcase_add_test(core, test_lr_sweep_with_nothing_better);
    tcase_add_test(core, test_loglog_slope_of_a_power_law);
    tcase_add_test(core, test_sharpness_of_the_ravine);
    tcase_add_test(core, test_loglog_slope_over_a_curve);
    tcase_add_test(core, test_spread_steps_below_and_log_steps);
    tcase_add_test(core, test_loss_figure_and_curves);
    tcase_add_test(core, test_figure_series_helpers);
    tcase_add_test(core, test_figure_heatmap);
    tcase_add_test(core, test_parallel_jobs);
    tcase_add_test(core, test_decades_index_median_and_band);
    tcase_add_test(core, test_tensor_mean_squares);
    tcase_add_test(core, test_param_norm);
    tcase_add_test(core, test_log_crossing);
    tcase_add_test(core, test_figure_refuses_a_series_past_its_room);
    tcase_add_test(core, test_figure_hline);
    tcase_add_test(core, test_sweep_lr_band);
    tcase_add_test(core, test_tensor_grad_rms);
    tcase_add_test(core, test_must_gpt);
    tcase_add_test(core, test_value_tag);
    tcase_add_test(core, test_figure_trailing_means_and_sweep);
    tcase_add_test(core, test_table_header_and_wrapped_notes);
    tcase_add_test(core, test_max_abs_difference);
    tcase_add_test(core, test_windows_lowest);
    tcase_add_test(core, test_lesson_open_parses_and_opens);
    tcase_add_exit_test(core, test_lesson_open_refuses_a_bad_out, EXIT_USAGE);
    tcase_add_test(core, test_lesson_steps_by_hand);
}
