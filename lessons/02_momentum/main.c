/* main.c - lesson 02's program: every table and figure of the momentum chapter.
 *
 *     build/bin/02_momentum [--steps=N] [--lr=X] [--momentum=B] [--batch=B]
 *                           [--seed=S] [--quick] [--out=DIR]
 *
 * Tables print here and go to DIR/out/02_momentum/, figures to DIR/fig/.
 * --steps, --lr, --momentum and --batch set the final experiment, SGD with and
 * without momentum training the digits MLP; --quick shrinks every experiment
 * so that the whole program runs in about a second (the tests use it). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flags.h"
#include "momentum.h"
#include "path_plot.h"
#include "pit.h"
#include "problems.h"
#include "report.h"
#include "train.h"

typedef struct {
    int steps;
    float lr;
    float momentum;
    int batch;
    int seed;
    bool quick;
    const char *out;
} Args;

static const OptionSpec arg_options[] = {
    {"steps", OPT_INT, offsetof(Args, steps), "steps for the digits MLP", 1, 100000},
    {"lr", OPT_FLOAT, offsetof(Args, lr), "plain SGD's learning rate for the digits MLP", 0, 0},
    {"momentum", OPT_FLOAT, offsetof(Args, momentum), "momentum (beta) for the digits MLP", 0, 0},
    {"batch", OPT_INT, offsetof(Args, batch), "mini-batch size for the digits MLP", 0, 0},
    {"seed", OPT_INT, offsetof(Args, seed), "seed for initialisation and batches", 0, 0},
    {"quick", OPT_BOOL, offsetof(Args, quick), "small experiments (a smoke run)", 0, 0},
    {"out", OPT_STRING, offsetof(Args, out), "where out/ and fig/ go", 0, 0},
    {NULL, 0, 0, NULL, 0, 0},
};

#define MLP_HIDDEN 32
/* The ravine of chapter 1: 2-D, curvatures 1/20 (the floor) and 1 (the wall). */
#define CHAPTER_KAPPA 20.0
/* "Converged" on a ravine: the loss is down to this fraction of where it started. */
#define TARGET_FRACTION 1e-6

static void fail(const char *what)
{
    fprintf(stderr, "02_momentum: %s\n", what);
    exit(1);
}

static SGDMomentumConfig config(float lr, float momentum, bool nesterov)
{
    SGDMomentumConfig cfg = SGD_MOMENTUM_DEFAULTS;
    cfg.lr = lr;
    cfg.momentum = momentum;
    cfg.nesterov = nesterov;
    return cfg;
}

static Optimizer *make_optimizer(Problem *p, const SGDMomentumConfig *cfg)
{
    Optimizer *opt = sgd_momentum_new(p->params, cfg);
    if (!opt) fail("out of memory");
    return opt;
}

static Problem *make_ravine(int dim, double kappa)
{
    Problem *p = ravine_new(dim, kappa);
    if (!p) fail("out of memory");
    return p;
}

/* Full-batch steps from p's start until the loss is down to TARGET_FRACTION
 * of its starting value and stays there: the first step t after which it
 * stays below for t + 10 more steps (momentum's paths oscillate, and a loss
 * that merely dips below the target on its way up again does not count).
 * -1 when it does not get there in max_steps steps, or the run blows up. */
static int steps_to_target(Problem *p, const SGDMomentumConfig *cfg, int max_steps)
{
    p->reset(p, 0);
    Optimizer *opt = make_optimizer(p, cfg);
    double start = 0.0;
    int below_since = -1;
    for (int t = 0;; t++) {
        optimizer_zero_grad(opt);
        double loss = p->loss_and_grad(p, NULL, 0);
        if (t == 0) start = loss;
        if (!isfinite(loss) || loss > 1e6 * start) {
            below_since = -1;
            break;
        }
        if (loss > TARGET_FRACTION * start) below_since = -1;
        else if (below_since < 0) below_since = t;
        if (below_since >= 0 && t >= 2 * below_since + 10) break;   /* it stayed there */
        if (below_since < 0 && t >= max_steps) break;               /* too slow */
        optimizer_step(opt);
    }
    optimizer_free(opt);
    return below_since;
}

/* Runs `steps` full-batch steps from p's start, keeping the path. */
static TrainHistory run_path(Problem *p, const SGDMomentumConfig *cfg, int steps)
{
    p->reset(p, 0);
    Optimizer *opt = make_optimizer(p, cfg);
    TrainConfig tc = {.steps = steps, .record_params = true, .quiet = true};
    TrainHistory hist;
    if (train(p, opt, &tc, &hist) < 0) fail("out of memory");
    optimizer_free(opt);
    return hist;
}

/* ---- the sweeps: the best settings, measured --------------------------------- */

/* The grids every sweep of the chapter uses: learning rates 10^(k/16) from
 * 0.03 to 4.2 (L = 1 on every ravine, so 2/L = 2 is inside), and momentum
 * 1 - 10^(-j/8), from 0.25 to 0.999, finer as it approaches 1. */
#define LR_GRID 35
#define BETA_GRID 24
static float grid_lr(int k) { return (float)pow(10.0, (k - 24) / 16.0); }
static float grid_beta(int j) { return (float)(1.0 - pow(10.0, -(j + 1) / 8.0)); }

typedef struct {
    int steps;            /* steps to the target, or -1 */
    float lr, momentum;
} Best;

/* The fewest steps to the target over the grids: learning rates only when
 * with_momentum is false, learning rates and momentum otherwise. */
static Best sweep(Problem *p, bool with_momentum, bool nesterov, int max_steps)
{
    Best best = {-1, 0, 0};
    int betas = with_momentum ? BETA_GRID : 1;
    for (int j = 0; j < betas; j++) {
        for (int k = 0; k < LR_GRID; k++) {
            float beta = with_momentum ? grid_beta(j) : 0.0f;
            SGDMomentumConfig cfg = config(grid_lr(k), beta, nesterov && with_momentum);
            /* Only a run that beats the best so far matters: stop it there. */
            int cap = best.steps >= 0 ? best.steps - 1 : max_steps;
            int steps = steps_to_target(p, &cfg, cap);
            if (steps >= 0) best = (Best){steps, cfg.lr, cfg.momentum};
        }
    }
    return best;
}

/* Heavy ball's optimal settings for a quadratic with curvatures in [mu, L]
 * (Polyak 1964): lr = 4 / (sqrt L + sqrt mu)^2, beta = ((sqrt k - 1)/(sqrt k + 1))^2. */
static void heavy_ball_theory(double L, double mu, float *lr, float *beta)
{
    double k = L / mu;
    *lr = (float)(4.0 / ((sqrt(L) + sqrt(mu)) * (sqrt(L) + sqrt(mu))));
    *beta = (float)(((sqrt(k) - 1.0) / (sqrt(k) + 1.0)) * ((sqrt(k) - 1.0) / (sqrt(k) + 1.0)));
}

/* The loss levels drawn as contour lines on the maps of the ravine. */
static const double CONTOUR_LEVELS[6] = {0.01, 0.05, 0.15, 0.3, 0.6, 1.0};

/* ---- 1. the problem: gradient descent on chapter 1's ravine ------------------ */

static void gd_ravine(Report *r)
{
    Problem *p = make_ravine(2, CHAPTER_KAPPA);
    const float lr = 1.8f;
    SGDMomentumConfig cfg = config(lr, 0.0f, false);
    TrainHistory h = run_path(p, &cfg, 8);
    FILE *t = report_table(r, "gd_ravine", "Gradient descent on chapter 1's ravine, lr = 1.8");
    fprintf(t, "step          x          y     grad x     grad y\n");
    double sum_gx = 0, sum_gy = 0;
    for (int s = 0; s <= 8; s++) {
        double x = h.path[2 * s], y = h.path[2 * s + 1];
        double gx = x / CHAPTER_KAPPA, gy = y;   /* the gradient h_i x_i */
        fprintf(t, "%4d %10.4f %10.4f %10.4f %10.4f\n", s, x, y, gx, gy);
        if (s < 8) {
            sum_gx += gx;
            sum_gy += gy;
        }
    }
    fprintf(t, "sum of the 8 gradients used: %.4f %.4f\n", sum_gx, sum_gy);
    report_value(r, "gd_sum_gx", "%.2f", sum_gx);
    report_value(r, "gd_sum_gy", "%.2f", sum_gy);
    train_history_free(&h);

    /* How many steps does gradient descent need at its best learning rate? */
    Best gd = sweep(p, false, false, 100000);
    fprintf(t, "\nbest lr of the sweep: %g, steps until the loss is 1e-6 of its start: %d\n",
            gd.lr, gd.steps);
    report_table_end(r);
    report_value(r, "gd_k20_steps", "%d", gd.steps);
    report_value(r, "gd_k20_lr", "%.2f", gd.lr);
    problem_free(p);
}

/* ---- 2. heavy ball on the same ravine --------------------------------------- */

static void ravine_paths(Report *r)
{
    const double kappa = CHAPTER_KAPPA;
    Problem *p = make_ravine(2, kappa);
    Best gd = sweep(p, false, false, 100000);
    Best hb = sweep(p, true, false, 100000);
    float theory_lr, theory_beta;
    heavy_ball_theory(1.0, 1.0 / kappa, &theory_lr, &theory_beta);
    SGDMomentumConfig theory = config(theory_lr, theory_beta, false);
    int theory_steps = steps_to_target(p, &theory, 100000);

    const int steps = 30;
    SGDMomentumConfig gd_cfg = config(gd.lr, 0.0f, false), hb_cfg = config(hb.lr, hb.momentum, false);
    TrainHistory gd_path = run_path(p, &gd_cfg, steps), hb_path = run_path(p, &hb_cfg, steps);

    FILE *t = report_table(r, "ravine_paths", "The ravine (kappa = 20): best settings of each method");
    fprintf(t, "method                    lr   momentum   steps to 1e-6   loss after %d steps\n", steps);
    fprintf(t, "gradient descent      %6.3f %10.3f %15d %20.2e\n", gd.lr, 0.0, gd.steps,
            gd_path.loss[steps]);
    fprintf(t, "heavy ball (sweep)    %6.3f %10.3f %15d %20.2e\n", hb.lr, hb.momentum, hb.steps,
            hb_path.loss[steps]);
    fprintf(t, "heavy ball (theory)   %6.3f %10.3f %15d\n", theory_lr, theory_beta, theory_steps);
    report_table_end(r);
    report_value(r, "hb_k20_steps", "%d", hb.steps);
    report_value(r, "hb_k20_lr", "%.2f", hb.lr);
    report_value(r, "hb_k20_beta", "%.2f", hb.momentum);
    report_value(r, "hb_k20_theory_lr", "%.2f", theory_lr);
    report_value(r, "hb_k20_theory_beta", "%.2f", theory_beta);
    report_value(r, "hb_k20_theory_steps", "%d", theory_steps);
    report_value(r, "paths_gd_loss", "%.1e", gd_path.loss[steps]);
    report_value(r, "paths_hb_loss", "%.1e", hb_path.loss[steps]);

    Figure *fig = report_figure(r, "02_ravine_paths");
    figure_size(fig, 6.0, 3.2);
    FILE *data = figure_data(fig);
    write_contours(data, p, CONTOUR_LEVELS, 6);
    write_path(data, "gd", &gd_path);
    write_path(data, "hb", &hb_path);
    fprintf(figure_commands(fig),
            "set size ratio -1\nset xrange [-1:5]\nset yrange [-1.5:1.5]\n"
            "set xlabel 'x (flat floor, curvature 1/κ)'\nset ylabel 'y (steep wall)'\n"
            "set key below horizontal\n"
            "plot $contours with lines ls 8 title 'loss contours', "
            "$gd with linespoints ls 1 title 'GD, lr %.2f', "
            "$hb with linespoints ls 2 title 'heavy ball, lr %.2f, β %.2f'\n",
            gd.lr, hb.lr, hb.momentum);
    figure_close(fig);
    train_history_free(&gd_path);
    train_history_free(&hb_path);
    problem_free(p);
}

/* ---- 3. steps against the condition number ------------------------------------ */

/* Least-squares slope of log y against log x. */
static double loglog_slope(const double *x, const double *y, int n)
{
    double mx = 0, my = 0, sxy = 0, sxx = 0;
    for (int i = 0; i < n; i++) {
        mx += log(x[i]) / n;
        my += log(y[i]) / n;
    }
    for (int i = 0; i < n; i++) {
        sxy += (log(x[i]) - mx) * (log(y[i]) - my);
        sxx += (log(x[i]) - mx) * (log(x[i]) - mx);
    }
    return sxy / sxx;
}

/* The ravine of this experiment has KAPPA_DIM coordinates, their curvatures
 * spread geometrically from 1/kappa to 1, like the spectrum of a real model
 * (with only two curvatures, a lucky setting can exploit the gap between them). */
#define KAPPA_DIM 10

static void kappa_sweep(Report *r, const Args *a)
{
    const double all_kappas[] = {10, 30, 100, 300, 1000, 3000, 10000};
    int n = a->quick ? 2 : 7;
    const double *kappas = all_kappas;
    const double quick_kappas[] = {10, 100};
    if (a->quick) kappas = quick_kappas;
    double gd_steps[7], hb_steps[7], nag_steps[7], gd_theory[7], hb_theory[7], k[7];

    FILE *t = report_table(r, "kappa_sweep", "Steps until the loss is 1e-6 of its start, "
                                              "against the condition number");
    fprintf(t, "        gradient descent  heavy ball               Nesterov               "
               "theory's\n");
    fprintf(t, "  kappa     lr    steps     lr  momentum  steps     lr  momentum  steps     "
               "GD     HB\n");
    for (int i = 0; i < n; i++) {
        Problem *p = make_ravine(KAPPA_DIM, kappas[i]);
        int cap = (int)(20 * kappas[i]) + 1000;
        Best gd = sweep(p, false, false, cap);
        Best hb = sweep(p, true, false, gd.steps > 0 ? gd.steps : cap);
        Best nag = sweep(p, true, true, gd.steps > 0 ? gd.steps : cap);
        /* Theory: GD's best lr is 2/(L + mu); heavy ball's is Polyak's. */
        SGDMomentumConfig gd_th = config((float)(2.0 / (1.0 + 1.0 / kappas[i])), 0.0f, false);
        float lr, beta;
        heavy_ball_theory(1.0, 1.0 / kappas[i], &lr, &beta);
        SGDMomentumConfig hb_th = config(lr, beta, false);
        int gd_th_steps = steps_to_target(p, &gd_th, cap), hb_th_steps = steps_to_target(p, &hb_th, cap);
        fprintf(t, "%7g %6.2f %8d %6.2f %9.4f %6d %6.2f %9.4f %6d %6d %6d\n", kappas[i], gd.lr,
                gd.steps, hb.lr, hb.momentum, hb.steps, nag.lr, nag.momentum, nag.steps, gd_th_steps,
                hb_th_steps);
        k[i] = kappas[i];
        gd_steps[i] = gd.steps;
        hb_steps[i] = hb.steps;
        nag_steps[i] = nag.steps;
        gd_theory[i] = gd_th_steps;
        hb_theory[i] = hb_th_steps;
        if (kappas[i] == 10000) {
            report_value(r, "k1e4_gd_steps", "%d", gd.steps);
            report_value(r, "k1e4_hb_steps", "%d", hb.steps);
            report_value(r, "k1e4_nag_steps", "%d", nag.steps);
            report_value(r, "k1e4_hb_beta", "%.3f", hb.momentum);
            report_value(r, "k1e4_hb_theory_beta", "%.3f", beta);
        }
        problem_free(p);
    }
    double s_gd = loglog_slope(k, gd_steps, n), s_hb = loglog_slope(k, hb_steps, n);
    double s_nag = loglog_slope(k, nag_steps, n);
    double s_gd_th = loglog_slope(k, gd_theory, n), s_hb_th = loglog_slope(k, hb_theory, n);
    fprintf(t, "\nslope of log(steps) against log(kappa), fitted over these %d ravines:\n", n);
    fprintf(t, "  best settings of the sweep   GD %.2f   heavy ball %.2f   Nesterov %.2f\n", s_gd, s_hb,
            s_nag);
    fprintf(t, "  theory's settings            GD %.2f   heavy ball %.2f\n", s_gd_th, s_hb_th);
    report_table_end(r);
    report_value(r, "slope_gd", "%.2f", s_gd);
    report_value(r, "slope_hb", "%.2f", s_hb);
    report_value(r, "slope_nag", "%.2f", s_nag);
    report_value(r, "slope_hb_theory", "%.2f", s_hb_th);

    Figure *fig = report_figure(r, "02_kappa");
    FILE *data = figure_data(fig);
    fprintf(data, "$steps << EOD\n");
    for (int i = 0; i < n; i++)
        fprintf(data, "%g %g %g %g\n", k[i], gd_steps[i], hb_steps[i], nag_steps[i]);
    fprintf(data, "EOD\n");
    fprintf(figure_commands(fig),
            "set logscale xy\nset xlabel 'condition number κ'\n"
            "set ylabel 'steps to reach 10^{-6} of the starting loss'\n"
            "set format x '10^{%%T}'\nset key top left\n"
            "plot $steps using 1:2 with linespoints ls 1 pt 7 title 'gradient descent (slope %.2f)', "
            "$steps using 1:3 with linespoints ls 2 pt 5 title 'heavy ball (slope %.2f)', "
            "$steps using 1:4 with linespoints ls 3 pt 9 title 'Nesterov (slope %.2f)'\n",
            s_gd, s_hb, s_nag);
    figure_close(fig);
}

/* ---- 4. how much momentum? ----------------------------------------------------- */

/* How often the sign of coordinate i changes in the first `steps` steps of a
 * recorded 2-D path. */
static int sign_flips(const TrainHistory *h, int i, int steps)
{
    int flips = 0;
    for (int s = 1; s <= h->steps_done && s <= steps; s++)
        flips += (h->path[2 * s + i] > 0) != (h->path[2 * (s - 1) + i] > 0);
    return flips;
}

static void beta_sweep(Report *r, const Args *a)
{
    const float betas[] = {0.0f, 0.5f, 0.9f, 0.99f};
    const float lr = 0.1f;
    const int steps = a->quick ? 200 : 2000, plot_steps = 400;
    Problem *p = make_ravine(2, CHAPTER_KAPPA);
    FILE *t = report_table(r, "beta_sweep", "How much momentum? The ravine (kappa = 20)");
    fprintf(t, "          with lr = 0.1                                     "
               "at its best lr\n");
    fprintf(t, "          steps to   sign changes in 100 steps   most negative x"
               "           steps to\n");
    fprintf(t, "momentum  1e-6       of x          of y          (overshoot)        lr     1e-6\n");
    Figure *fig = report_figure(r, "02_beta_sweep");
    int plain_steps = 0;
    for (int b = 0; b < 4; b++) {
        SGDMomentumConfig cfg = config(lr, betas[b], false);
        TrainHistory h = run_path(p, &cfg, steps);
        int reached = steps_to_target(p, &cfg, 100000);
        double min_x = 0.0;
        for (int s = 0; s <= h.steps_done; s++) min_x = fmin(min_x, h.path[2 * s]);
        /* The best lr for this momentum alone (the grid of the sweeps). */
        Best best = {-1, 0, 0};
        for (int k = 0; k < LR_GRID; k++) {
            SGDMomentumConfig c = config(grid_lr(k), betas[b], false);
            int cap = best.steps >= 0 ? best.steps - 1 : 100000;
            int s = steps_to_target(p, &c, cap);
            if (s >= 0) best = (Best){s, c.lr, c.momentum};
        }
        fprintf(t, "%8.2f %8d %8d %13d %20.3f %11.2f %8d\n", betas[b], reached,
                sign_flips(&h, 0, 100), sign_flips(&h, 1, 100), min_x, best.lr, best.steps);
        char name[64];
        snprintf(name, sizeof name, "b%d", b);
        fprintf(figure_data(fig), "$%s << EOD\n", name);
        for (int s = 0; s <= plot_steps && s <= h.steps_done; s++)
            fprintf(figure_data(fig), "%d %.6g\n", s, h.loss[s]);
        fprintf(figure_data(fig), "EOD\n");
        const char *tags[] = {"0", "05", "09", "099"};
        if (b == 0) plain_steps = reached;
        if (b == 2) report_value(r, "beta09_speedup", "%.0f", (double)plain_steps / reached);
        snprintf(name, sizeof name, "beta%s_steps", tags[b]);
        report_value(r, name, "%d", reached);
        snprintf(name, sizeof name, "beta%s_best_steps", tags[b]);
        report_value(r, name, "%d", best.steps);
        snprintf(name, sizeof name, "beta%s_min_x", tags[b]);
        report_value(r, name, "%.2f", min_x);
        snprintf(name, sizeof name, "beta%s_flips_x", tags[b]);
        report_value(r, name, "%d", sign_flips(&h, 0, 100));
        train_history_free(&h);
    }
    report_table_end(r);
    FILE *cmd = figure_commands(fig);
    fprintf(cmd, "set xlabel 'step'\nset ylabel 'loss'\nset logscale y\nset format y '10^{%%T}'\n"
                 "set yrange [1e-16:10]\nset key outside right\nplot ");
    /* Plain SGD dashed: momentum 0.99 wanders around it. */
    for (int b = 0; b < 4; b++)
        fprintf(cmd, "%s$b%d with lines ls %d%s title 'momentum %g'", b ? ", " : "", b, b + 1,
                b == 0 ? " dt 2 lw 3" : "", betas[b]);
    fprintf(cmd, "\n");
    figure_close(fig);
    problem_free(p);
}

/* ---- 4b. does momentum reduce oscillation? ----------------------------------- */

static void oscillation(Report *r)
{
    const float lrs[] = {0.1f, 1.0f, 1.8f}, betas[] = {0.0f, 0.5f, 0.9f};
    const int steps = 50;
    Problem *p = make_ravine(2, CHAPTER_KAPPA);
    FILE *t = report_table(r, "oscillation", "The steep coordinate y on the ravine (kappa = 20): "
                                             "does momentum calm it?");
    fprintf(t, "        sign changes of y in %d steps       |y| after %d steps\n", steps, steps);
    fprintf(t, "  lr    momentum 0      0.5      0.9        momentum 0       0.5       0.9\n");
    for (int l = 0; l < 3; l++) {
        int flips[3];
        double y[3];
        for (int b = 0; b < 3; b++) {
            SGDMomentumConfig cfg = config(lrs[l], betas[b], false);
            TrainHistory h = run_path(p, &cfg, steps);
            flips[b] = sign_flips(&h, 1, steps);
            y[b] = fabs(h.path[2 * steps + 1]);
            train_history_free(&h);
        }
        fprintf(t, "%4.1f %13d %8d %8d %16.1e %9.1e %9.1e\n", lrs[l], flips[0], flips[1], flips[2],
                y[0], y[1], y[2]);
        char name[64];
        for (int b = 0; b < 3; b++) {
            snprintf(name, sizeof name, "osc_flips_lr%d_b%d", l, b);
            report_value(r, name, "%d", flips[b]);
            snprintf(name, sizeof name, "osc_y_lr%d_b%d", l, b);
            report_value(r, name, "%.0e", y[b]);
        }
    }
    report_table_end(r);
    problem_free(p);
}

/* ---- 5. heavy ball against Nesterov ------------------------------------------- */

/* Does lr keep the loss from growing over `steps` steps (it ends below its start)? */
static bool stays_bounded(Problem *p, float lr, float beta, bool nesterov, int steps)
{
    p->reset(p, 0);
    SGDMomentumConfig cfg = config(lr, beta, nesterov);
    TrainHistory h = run_path(p, &cfg, steps);
    bool ok = h.diverged_at == 0 && h.loss[steps] < h.loss[0];
    train_history_free(&h);
    return ok;
}

static double largest_stable_lr(Problem *p, float beta, bool nesterov, int steps)
{
    double lo = 0.0, hi = 8.0;
    for (int i = 0; i < 30; i++) {
        double mid = 0.5 * (lo + hi);
        if (stays_bounded(p, (float)mid, beta, nesterov, steps)) lo = mid;
        else hi = mid;
    }
    return lo;
}

static void nesterov_table(Report *r, const Args *a)
{
    const float beta = 0.9f;
    const float lrs[] = {0.1f, 0.3f, 0.5f, 1.0f, 1.3f, 2.0f, 3.0f};
    const int steps = 100;
    Problem *p = make_ravine(2, CHAPTER_KAPPA);
    FILE *t = report_table(r, "nesterov", "Heavy ball against Nesterov, momentum 0.9, "
                                          "the ravine (kappa = 20)");
    fprintf(t, "            loss after %d steps          |y| after 20 steps\n", steps);
    fprintf(t, "    lr    heavy ball      Nesterov    heavy ball      Nesterov\n");
    for (int i = 0; i < 7; i++) {
        fprintf(t, "%6.2f", lrs[i]);
        double y20[2];
        for (int nesterov = 0; nesterov < 2; nesterov++) {
            SGDMomentumConfig cfg = config(lrs[i], beta, nesterov);
            TrainHistory h = run_path(p, &cfg, steps);
            bool grew = h.diverged_at || h.loss[steps] > h.loss[0];
            if (grew) fprintf(t, " %13s", "grows");
            else fprintf(t, " %13.2e", h.loss[steps]);
            y20[nesterov] = grew ? NAN : fabs(h.path[2 * 20 + 1]);
            if (lrs[i] == 0.5f)
                report_value(r, nesterov ? "nag_loss_lr05" : "hb_loss_lr05", "%.1e", h.loss[steps]);
            train_history_free(&h);
        }
        for (int k = 0; k < 2; k++) {
            if (isnan(y20[k])) fprintf(t, " %13s", "-");
            else fprintf(t, " %13.2e", y20[k]);
        }
        fprintf(t, "\n");
        if (lrs[i] == 0.5f) {
            report_value(r, "hb_y20_lr05", "%.2f", y20[0]);
            report_value(r, "nag_y20_lr05", "%.1e", y20[1]);
        }
    }
    int bisect_steps = a->quick ? 300 : 3000;
    double hb_max = largest_stable_lr(p, beta, false, bisect_steps);
    double nag_max = largest_stable_lr(p, beta, true, bisect_steps);
    fprintf(t, "\nlargest lr that does not diverge, measured (theory for a quadratic, L = 1):\n");
    fprintf(t, "  heavy ball %.3f (2(1+b) = %.3f)   Nesterov %.3f (2(1+b)/(1+2b) = %.3f)\n", hb_max,
            2.0 * (1 + beta), nag_max, 2.0 * (1 + beta) / (1 + 2 * beta));
    report_table_end(r);
    report_value(r, "hb_max_lr", "%.2f", hb_max);
    report_value(r, "nag_max_lr", "%.2f", nag_max);

    /* The two paths at lr 0.5 on the map. */
    Figure *fig = report_figure(r, "02_nesterov_paths");
    figure_size(fig, 6.0, 3.0);
    FILE *data = figure_data(fig);
    write_contours(data, p, CONTOUR_LEVELS, 6);
    for (int nesterov = 0; nesterov < 2; nesterov++) {
        SGDMomentumConfig cfg = config(0.5f, beta, nesterov);
        TrainHistory h = run_path(p, &cfg, 40);
        write_path(data, nesterov ? "nag" : "hb", &h);
        train_history_free(&h);
    }
    fprintf(figure_commands(fig),
            "set size ratio -1\nset xrange [-3.5:5]\nset yrange [-1.2:1.2]\n"
            "set xlabel 'x (flat floor)'\nset ylabel 'y (steep wall)'\nset key below horizontal\n"
            "plot $contours with lines ls 8 title 'loss contours', "
            "$hb with linespoints ls 2 title 'heavy ball', "
            "$nag with linespoints ls 3 title 'Nesterov'\n");
    figure_close(fig);
    problem_free(p);
}

/* ---- 6. two ways to write the velocity ------------------------------------------ */

/* Max Euclidean distance between two 2-D paths of equal length. */
static double path_distance(const TrainHistory *a, const TrainHistory *b)
{
    double worst = 0.0;
    for (int s = 0; s <= a->steps_done && s <= b->steps_done; s++) {
        double dx = a->path[2 * s] - b->path[2 * s], dy = a->path[2 * s + 1] - b->path[2 * s + 1];
        worst = fmax(worst, sqrt(dx * dx + dy * dy));
    }
    return worst;
}

static void conventions(Report *r)
{
    const float beta = 0.9f, lr = 0.1f;
    const int steps = 100;
    Problem *p = make_ravine(2, CHAPTER_KAPPA);

    /* A: v = beta v + g (PyTorch, dampening 0) at lr. */
    SGDMomentumConfig plain = config(lr, beta, false);
    TrainHistory a = run_path(p, &plain, steps);
    /* B: v = beta v + (1 - beta) g from v = 0, at lr / (1 - beta): the same
     * update function, told that the (zero) buffer already exists, so that its
     * first step is damped as well. */
    SGDMomentumConfig ema = config(lr / (1.0f - beta), beta, false);
    ema.dampening = beta;
    p->reset(p, 0);
    TrainHistory b = {0};
    b.path = malloc(sizeof(float) * 2 * (steps + 1));
    if (!b.path) fail("out of memory");
    float buffer[2] = {0.0f, 0.0f};
    Tensor *x = p->params.params[0], *g = p->params.grads[0];
    memcpy(b.path, x->data, 2 * sizeof(float));
    for (int s = 1; s <= steps; s++) {
        p->loss_and_grad(p, NULL, 0);
        sgd_momentum_update(x->data, g->data, buffer, 2, &ema, s + 1);   /* never "step 1" */
        memcpy(b.path + 2 * s, x->data, 2 * sizeof(float));
    }
    b.steps_done = steps;
    /* C: PyTorch with dampening = beta, at lr / (1 - beta): its buffer starts
     * at the first gradient, undamped. */
    TrainHistory c = run_path(p, &ema, steps);

    double first_a = hypot(a.path[2] - a.path[0], a.path[3] - a.path[1]);
    double first_b = hypot(b.path[2] - b.path[0], b.path[3] - b.path[1]);
    double first_c = hypot(c.path[2] - c.path[0], c.path[3] - c.path[1]);
    double dist_b = path_distance(&a, &b), dist_c = path_distance(&a, &c);
    FILE *t = report_table(r, "conventions", "Two ways to write the velocity, "
                                             "momentum 0.9, the ravine (kappa = 20)");
    fprintf(t, "the velocity                                  lr   length of   farthest from A\n");
    fprintf(t, "                                                   step 1      in %d steps\n", steps);
    fprintf(t, "A  v = 0.9v + g     PyTorch, dampening 0     %4.1f %10.4f %14s\n", lr, first_a, "-");
    fprintf(t, "B  v = 0.9v + 0.1g  starting from v = 0      %4.1f %10.4f %14.1e\n", ema.lr, first_b,
            dist_b);
    fprintf(t, "C  v = 0.9v + 0.1g  PyTorch, dampening 0.9   %4.1f %10.4f %14.4f\n", ema.lr, first_c,
            dist_c);
    report_value(r, "conv_dist_b", "%.0e", dist_b);
    report_value(r, "conv_dist_c", "%.2f", dist_c);
    report_value(r, "conv_first_a", "%.3f", first_a);
    report_value(r, "conv_first_c", "%.3f", first_c);

    /* On a steady slope (the same gradient every step) step t of form A has
     * length lr g (1 + beta + ... + beta^(t-1)): the 90% of the past is added
     * to 100% of the present, not to 10% of it. */
    float param[1] = {0.0f}, buf[1] = {0.0f}, grad[1] = {1.0f};
    fprintf(t, "\nOn a steady slope (the gradient is 1 at every step), form A with lr = %.1f:\n", lr);
    fprintf(t, "  step                   1      2      5     10     20     50    100\n");
    fprintf(t, "  length of the step");
    double step_100 = 0.0;
    for (int s = 1; s <= 100; s++) {
        float before = param[0];
        sgd_momentum_update(param, grad, buf, 1, &plain, s);
        double len = fabs(param[0] - before);
        if (s == 1 || s == 2 || s == 5 || s == 10 || s == 20 || s == 50 || s == 100)
            fprintf(t, " %6.3f", len);
        if (s == 100) step_100 = len;
    }
    fprintf(t, "\n");
    report_table_end(r);
    report_value(r, "steady_step_100", "%.3f", step_100);
    report_value(r, "steady_ratio", "%.1f", step_100 / lr);
    train_history_free(&a);
    train_history_free(&b);
    train_history_free(&c);
    problem_free(p);
}

/* ---- 7. rolling through a pit ------------------------------------------------------ */

enum { IN_PIT, IN_VALLEY, STILL_MOVING, DIVERGED };
static const char *const OUTCOME[] = {"pit", "valley", "moving", "diverges"};

/* Where SGD with momentum is after `steps` steps from x = -3: settled in the
 * pit (minima[0]) or in the valley (minima[1]), or neither. */
static int pit_outcome(const PitShape *shape, float lr, float beta, int steps, const double *minima)
{
    Problem *p = pit_new(shape, -3.0);
    if (!p) fail("out of memory");
    SGDMomentumConfig cfg = config(lr, beta, false);
    TrainHistory h = run_path(p, &cfg, steps);
    int outcome = STILL_MOVING;
    if (h.diverged_at) {
        outcome = DIVERGED;
    } else {
        double x = h.path[steps], last_step = fabs(h.path[steps] - h.path[steps - 1]);
        /* Settled: within 0.01 of a minimum and no longer moving. */
        for (int m = 0; m < 2; m++)
            if (fabs(x - minima[m]) < 1e-2 && last_step < 1e-4) outcome = m == 0 ? IN_PIT : IN_VALLEY;
    }
    train_history_free(&h);
    problem_free(p);
    return outcome;
}

/* A printed loss value: rounding may leave -0.00 for a tiny negative. */
static double shown(double v) { return fabs(v) < 5e-3 ? 0.0 : v; }

static void pit_table(Report *r, const Args *a)
{
    const PitShape *shapes[2] = {&PIT_SHALLOW, &PIT_DEEP};
    const float betas[] = {0.0f, 0.5f, 0.7f, 0.8f, 0.9f, 0.95f, 0.99f};
    const float lrs[] = {0.01f, 0.03f, 0.06f};
    const int steps = a->quick ? 500 : 5000;
    double minima[2][2];
    for (int s = 0; s < 2; s++)
        if (pit_minima(shapes[s], -5.0, 7.0, minima[s], 2) != 2) fail("the pit has lost a minimum");

    FILE *t = report_table(r, "pit", "Rolling through a pit: where momentum ends, from x = -3");
    for (int s = 0; s < 2; s++)
        fprintf(t, "%-12s pit: x = %.2f, f = %5.2f    valley: x = %.2f, f = %5.2f\n", shapes[s]->name,
                minima[s][0], shown(pit_value(shapes[s], minima[s][0])), minima[s][1],
                shown(pit_value(shapes[s], minima[s][1])));
    fprintf(t, "\n            shallow pit, lr:           deep pit, lr:\n");
    fprintf(t, "momentum   0.01    0.03    0.06       0.01    0.03    0.06\n");
    /* The smallest momentum that passes the shallow pit, for each lr. */
    float passes[3] = {-1, -1, -1};
    for (int b = 0; b < 7; b++) {
        fprintf(t, "%8.2f ", betas[b]);
        for (int s = 0; s < 2; s++) {
            for (int l = 0; l < 3; l++) {
                int where = pit_outcome(shapes[s], lrs[l], betas[b], steps, minima[s]);
                fprintf(t, " %7s", OUTCOME[where]);
                if (s == 0 && where == IN_VALLEY && passes[l] < 0) passes[l] = betas[b];
            }
            fprintf(t, s == 0 ? "   " : "\n");
        }
    }
    report_table_end(r);
    report_value(r, "pit_x", "%.2f", minima[0][0]);
    report_value(r, "pit_f", "%.2f", pit_value(&PIT_SHALLOW, minima[0][0]));
    report_value(r, "deep_pit_f", "%.2f", pit_value(&PIT_DEEP, minima[1][0]));
    report_value(r, "pit_passes_lr001", "%g", passes[0]);
    report_value(r, "pit_passes_lr003", "%g", passes[1]);
    report_value(r, "pit_passes_lr006", "%g", passes[2]);

    /* Position against step on the shallow landscape, lr 0.03. */
    Figure *fig = report_figure(r, "02_pit");
    const float shown[] = {0.0f, 0.8f, 0.9f};
    const int plot_steps = 300;
    for (int b = 0; b < 3; b++) {
        Problem *p = pit_new(&PIT_SHALLOW, -3.0);
        if (!p) fail("out of memory");
        SGDMomentumConfig cfg = config(0.03f, shown[b], false);
        TrainHistory h = run_path(p, &cfg, plot_steps);
        fprintf(figure_data(fig), "$b%d << EOD\n", b);
        for (int s = 0; s <= h.steps_done; s++) fprintf(figure_data(fig), "%d %.5f\n", s, h.path[s]);
        fprintf(figure_data(fig), "EOD\n");
        train_history_free(&h);
        problem_free(p);
    }
    FILE *cmd = figure_commands(fig);
    fprintf(cmd, "set xlabel 'step'\nset ylabel 'position x'\nset key outside right\n"
                 "set yrange [-3.2:6]\n"
                 "set arrow from 0,%g to %d,%g nohead ls 8 dt 2\n"
                 "set arrow from 0,%g to %d,%g nohead ls 8 dt 2\n"
                 "set label 'pit' at %d,%g offset 0.5,0\nset label 'valley' at %d,%g offset 0.5,0\n",
            minima[0][0], plot_steps, minima[0][0], minima[0][1], plot_steps, minima[0][1],
            plot_steps, minima[0][0], plot_steps, minima[0][1]);
    fprintf(cmd, "set rmargin 8\nplot ");
    for (int b = 0; b < 3; b++)
        fprintf(cmd, "%s$b%d with lines ls %d title 'momentum %g'", b ? ", " : "", b, b + 1, shown[b]);
    fprintf(cmd, "\n");
    figure_close(fig);
}

/* ---- 8. the digits MLP ---------------------------------------------------------------- */

typedef struct {
    const char *label;
    float lr, momentum;
    bool nesterov;
} MlpRun;

/* Trains a fresh MLP; returns the final training loss and fills the test
 * accuracy and (when curve is not NULL) the full loss at `points` checkpoints. */
static double train_mlp(const MlpRun *run, const Args *a, uint64_t seed, double *accuracy,
                        double *curve, int points)
{
    char err[256];
    Problem *p = mlp_new(MLP_HIDDEN, seed, err, sizeof err);
    if (!p) fail(err);
    SGDMomentumConfig cfg = config(run->lr, run->momentum, run->nesterov);
    Optimizer *opt = make_optimizer(p, &cfg);
    double loss = p->loss_and_grad(p, NULL, 0);
    if (curve) curve[0] = loss;
    int done = 0;
    for (int c = 1; c <= points; c++) {
        TrainConfig tc = {.steps = a->steps * c / points - done, .batch = a->batch,
                          .seed = seed * 7919u + (uint64_t)c, .quiet = true};
        TrainHistory h;
        int status = train(p, opt, &tc, &h);
        if (status < 0) fail("out of memory");
        done += h.steps_done;
        loss = status == 0 ? h.loss[h.steps_done] : INFINITY;
        train_history_free(&h);
        if (curve) curve[c] = loss;
        if (status != 0) {
            for (int rest = c + 1; curve && rest <= points; rest++) curve[rest] = INFINITY;
            break;
        }
    }
    *accuracy = isfinite(loss) ? p->test_accuracy(p) : 0.0;
    optimizer_free(opt);
    problem_free(p);
    return loss;
}

static void digits_mlp(Report *r, const Args *a)
{
    const float beta = a->momentum;
    const MlpRun runs[] = {
        {"SGD", a->lr, 0.0f, false},
        {"SGD", a->lr / (1.0f - beta), 0.0f, false},
        {"heavy ball", a->lr * (1.0f - beta), beta, false},
        {"heavy ball", a->lr, beta, false},
        {"Nesterov", a->lr, beta, true},
    };
    enum { RUNS = 5, SEEDS = 3, POINTS = 10 };
    double curves[RUNS][POINTS + 1], losses[RUNS];
    double acc_min = INFINITY, acc_max = -INFINITY;
    FILE *t = report_table(r, "digits_mlp", "SGD with and without momentum on the digits MLP "
                                            "(64-32-10, tanh)");
    fprintf(t, "batch %d, %d steps; mean of %d seeds (the lowest and highest in brackets)\n\n",
            a->batch, a->steps, SEEDS);
    fprintf(t, "%-11s %6s %9s %9s   %-24s  %s\n", "method", "lr", "momentum", "lr/(1-b)",
            "final train loss", "test accuracy");
    for (int i = 0; i < RUNS; i++) {
        double loss_sum = 0, acc_sum = 0, loss_lo = INFINITY, loss_hi = -INFINITY;
        double acc_lo = INFINITY, acc_hi = -INFINITY;
        for (int s = 0; s < SEEDS; s++) {
            double acc;
            double loss = train_mlp(&runs[i], a, (uint64_t)a->seed + (uint64_t)s, &acc,
                                    s == 0 ? curves[i] : NULL, POINTS);
            loss_sum += loss / SEEDS;
            acc_sum += acc / SEEDS;
            loss_lo = fmin(loss_lo, loss);
            loss_hi = fmax(loss_hi, loss);
            acc_lo = fmin(acc_lo, acc);
            acc_hi = fmax(acc_hi, acc);
        }
        fprintf(t, "%-11s %6.3f %9.2f %9.3f   %.4f [%.4f %.4f]   %.1f%% [%.1f %.1f]\n",
                runs[i].label, runs[i].lr, runs[i].momentum, runs[i].lr / (1 - runs[i].momentum),
                loss_sum, loss_lo, loss_hi, 100 * acc_sum, 100 * acc_lo, 100 * acc_hi);
        losses[i] = loss_sum;
        acc_min = fmin(acc_min, 100 * acc_sum);
        acc_max = fmax(acc_max, 100 * acc_sum);
        const char *names[] = {"sgd", "sgd_big", "hb_small", "hb", "nag"};
        char name[64];
        snprintf(name, sizeof name, "mlp_%s_loss", names[i]);
        report_value(r, name, "%.4f", loss_sum);
        snprintf(name, sizeof name, "mlp_%s_acc", names[i]);
        report_value(r, name, "%.1f", 100 * acc_sum);
    }
    report_table_end(r);
    report_value(r, "mlp_steps", "%d", a->steps);
    report_value(r, "mlp_acc_min", "%.1f", acc_min);
    report_value(r, "mlp_acc_max", "%.1f", acc_max);
    report_value(r, "mlp_loss_ratio", "%.0f", losses[0] / losses[3]);   /* SGD / heavy ball, lr 0.1 */
    report_value(r, "mlp_lr", "%g", a->lr);
    report_value(r, "mlp_beta", "%g", beta);
    report_value(r, "mlp_big_lr", "%g", a->lr / (1.0f - beta));
    report_value(r, "mlp_small_lr", "%g", a->lr * (1.0f - beta));

    /* What momentum costs: one float32 buffer per parameter. */
    char err[256];
    Problem *p = mlp_new(MLP_HIDDEN, 1, err, sizeof err);
    if (!p) fail(err);
    SGDMomentumConfig cfg = config(a->lr, beta, false);
    Optimizer *opt = make_optimizer(p, &cfg);
    size_t params = paramlist_numel(&p->params);
    report_value(r, "mlp_params", "%zu", params);
    report_value(r, "mlp_state_bytes", "%zu", optimizer_state_bytes(opt));
    report_value(r, "mlp_state_bytes_per_param", "%g",
                 (double)optimizer_state_bytes(opt) / (double)params);
    optimizer_free(opt);
    problem_free(p);

    Figure *fig = report_figure(r, "02_digits_mlp");
    for (int i = 0; i < RUNS; i++) {
        fprintf(figure_data(fig), "$r%d << EOD\n", i);
        for (int c = 0; c <= POINTS; c++)
            if (isfinite(curves[i][c]))
                fprintf(figure_data(fig), "%d %.6g\n", a->steps * c / POINTS, curves[i][c]);
        fprintf(figure_data(fig), "EOD\n");
    }
    FILE *cmd = figure_commands(fig);
    fprintf(cmd, "set xlabel 'step'\nset ylabel 'loss on all training examples'\nset logscale y\n"
                 "set key top right\nplot ");
    /* One colour per lr/(1 - beta): solid for SGD, dashed with open points for
     * heavy ball, so that curves lying on top of each other stay visible. */
    const char *styles[RUNS] = {"ls 1", "ls 2", "ls 1 dt 2 pt 6 ps 1.2", "ls 2 dt 2 pt 4 ps 1.2", "ls 3"};
    for (int i = 0; i < RUNS; i++)
        fprintf(cmd, "%s$r%d with linespoints %s title '%s, lr %g%s'", i ? ", " : "", i, styles[i],
                runs[i].label, runs[i].lr, runs[i].momentum > 0 ? ", β 0.9" : "");
    fprintf(cmd, "\n");
    figure_close(fig);
}

int main(int argc, char **argv)
{
    Args args = {.steps = 3000, .lr = 0.1f, .momentum = 0.9f, .batch = 32, .seed = 1,
                 .quick = false, .out = "build"};
    const Args defaults = args;
    char err[256];
    int parsed = flags_parse(arg_options, &args, argc, argv, 1, err, sizeof err);
    if (parsed == 1) {
        printf("usage: 02_momentum [flags]\n");
        flags_print_help(stdout, arg_options, &defaults);
        return 0;
    }
    if (parsed != 0) die_usage("02_momentum", "%s", err);
    if (!(args.lr > 0)) die_usage("02_momentum", "--lr must be positive (got %g)", args.lr);
    if (!(args.momentum > 0 && args.momentum < 1))
        die_usage("02_momentum", "--momentum must be between 0 and 1, both excluded (got %g)",
                  args.momentum);
    if (args.batch < 1 || args.batch > 1437)
        die_usage("02_momentum", "--batch must be between 1 and 1437 (got %d)", args.batch);
    if (args.seed < 0) die_usage("02_momentum", "--seed must be >= 0 (got %d)", args.seed);
    if (args.quick && args.steps == defaults.steps) args.steps = 200;

    Report report;
    if (report_open(&report, args.out, "02_momentum") != 0) return 2;   /* --out cannot be written */
    gd_ravine(&report);
    ravine_paths(&report);
    kappa_sweep(&report, &args);
    beta_sweep(&report, &args);
    oscillation(&report);
    nesterov_table(&report, &args);
    conventions(&report);
    pit_table(&report, &args);
    digits_mlp(&report, &args);
    return report_close(&report) == 0 ? 0 : 1;
}
