/* main.c - lesson 02's program: every table and figure of the momentum chapter.
 *
 *     build/bin/02_momentum [--steps=N] [--lr=X] [--momentum=B] [--batch=B]
 *                           [--seed=S] [--quick] [--out=DIR]
 *
 * Tables print here and go to DIR/out/02_momentum/, figures to DIR/fig/.
 * --steps, --lr, --momentum and --batch set the final experiment, SGD with and
 * without momentum training the digits MLP; --quick shrinks every experiment
 * so that the whole program runs in about a second (the tests use it). The
 * runs, sweeps and settings it measures with are in momentum_measures.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "experiment.h"
#include "momentum.h"
#include "momentum_measures.h"
#include "path_plot.h"
#include "pit.h"
#include "problems.h"
#include "runs.h"

typedef struct {
    LessonArgs lesson;   /* first: the flags every lesson shares */
    float momentum;
} Args;

static const OptionSpec FLAGS[] = {
    LESSON_FLAGS("steps of the final experiment, the digits MLP"),
    LESSON_TRAIN_FLAGS("SGD's learning rate in the final experiment, the others' from it",
                       "mini-batch size of the final experiment", 1),
    {"momentum", OPT_FLOAT, offsetof(Args, momentum), "momentum (beta) for the digits MLP", 0, 0},
    {NULL, 0, 0, NULL, 0, 0},
};

#define MLP_HIDDEN 32
/* The ravine of chapter 1: 2-D, curvatures 1/20 (the floor) and 1 (the wall).
 * main() makes it once; the experiments that run on it get it as p. */
#define CHAPTER_KAPPA 20.0

/* ---- 1. the problem: gradient descent on chapter 1's ravine ------------------ */

static void gd_ravine(Report *r, Problem *p)
{
    TrainHistory h = momentum_path(p, 1.8f, 0.0f, false, 8);
    const Column columns[] = {{"step", "%d"}, {"x", "%.4f"}, {"y", "%.4f"}, {"grad x", "%.4f"},
                              {"grad y", "%.4f"}, {NULL, NULL}};
    Table *t = table_begin(r, "gd_ravine", "Gradient descent on chapter 1's ravine, lr = 1.8", columns);
    double sum_gx = 0, sum_gy = 0;
    for (int s = 0; s <= 8; s++) {
        double x = h.path[2 * s], y = h.path[2 * s + 1];
        double gx = x / CHAPTER_KAPPA, gy = y;   /* the gradient h_i x_i */
        table_row(t, s, x, y, gx, gy);
        if (s < 8) sum_gx += gx, sum_gy += gy;
    }
    /* How many steps does gradient descent need at its best learning rate? */
    Best gd = sweep_momentum(p, false, false, 100000);
    table_note(t, "sum of the 8 gradients used: %.4f %.4f", sum_gx, sum_gy);
    table_note(t, "best lr of the sweep: %g, steps until the loss is 1e-6 of its start: %d", gd.lr, gd.steps);
    table_end(t);
    report_values(r, NULL, (NamedValue[]){{"gd_sum_gx", "%.2f", sum_gx}, {"gd_sum_gy", "%.2f", sum_gy},
                                          {"gd_k20_steps", "%d", gd.steps}, {"gd_k20_lr", "%.2f", gd.lr}, {NULL}});
    train_history_free(&h);
}

/* ---- 2. heavy ball on the same ravine --------------------------------------- */

static void ravine_paths(Report *r, Problem *p)
{
    Best gd = sweep_momentum(p, false, false, 100000), hb = sweep_momentum(p, true, false, 100000);
    float theory_lr, theory_beta;
    heavy_ball_theory(1.0, 1.0 / CHAPTER_KAPPA, &theory_lr, &theory_beta);
    int theory_steps = momentum_steps(p, theory_lr, theory_beta, false, 100000);
    const int steps = 30;
    TrainHistory gd_path = momentum_path(p, gd.lr, 0.0f, false, steps);
    TrainHistory hb_path = momentum_path(p, hb.lr, hb.momentum, false, steps);

    const Column columns[] = {{"method", "%s"}, {"lr", "%.3f"}, {"momentum", "%.3f"}, {"steps to 1e-6", "%d"},
                              {"loss after 30 steps", "%.2e"}, {NULL, NULL}};
    Table *t = table_begin(r, "ravine_paths", "The ravine (kappa = 20): best settings of each method",
                           columns);
    table_row(t, "gradient descent", gd.lr, 0.0, gd.steps, gd_path.loss[steps]);
    table_row(t, "heavy ball (sweep)", hb.lr, hb.momentum, hb.steps, hb_path.loss[steps]);
    table_row(t, "heavy ball (theory)", theory_lr, theory_beta, theory_steps, NAN);
    table_end(t);
    report_values(r, NULL, (NamedValue[]){
        {"hb_k20_steps", "%d", hb.steps}, {"hb_k20_lr", "%.2f", hb.lr}, {"hb_k20_beta", "%.2f", hb.momentum},
        {"hb_k20_theory_lr", "%.2f", theory_lr}, {"hb_k20_theory_beta", "%.2f", theory_beta},
        {"hb_k20_theory_steps", "%d", theory_steps}, {"paths_gd_loss", "%.1e", gd_path.loss[steps]},
        {"paths_hb_loss", "%.1e", hb_path.loss[steps]}, {NULL}});

    Figure *fig = ravine_map(r, "02_ravine_paths", p, (MapView){3.2, -1.0, 1.5, "x (flat floor, curvature 1/κ)",
                                                                "below horizontal"});
    figure_path(fig, &gd_path, "linespoints ls 1", "GD, lr %.2f", gd.lr);
    figure_path(fig, &hb_path, "linespoints ls 2", "heavy ball, lr %.2f, β %.2f", hb.lr, hb.momentum);
    figure_close(fig);
    train_history_free(&gd_path);
    train_history_free(&hb_path);
}

/* ---- 3. steps against the condition number ------------------------------------ */

#define MAX_KAPPAS 7
/* The step counts whose slope against kappa the table notes: each method's
 * best, then theory's settings. */
enum { GD, HB, NAG, GD_THEORY, HB_THEORY, KAPPA_COLUMNS };

static void kappa_sweep(Report *r, const LessonArgs *a)
{
    const double all_kappas[MAX_KAPPAS] = {10, 30, 100, 300, 1000, 3000, 10000}, quick_kappas[] = {10, 100};
    const int n = a->quick ? 2 : MAX_KAPPAS;
    double kappa[MAX_KAPPAS], steps[KAPPA_COLUMNS][MAX_KAPPAS], slope[KAPPA_COLUMNS];   /* steps[method][ravine] */
    const Column columns[] = {{"\nkappa", "%g"},
                              {"GD\nlr", "%.2f"}, {"\nsteps", "%d"},
                              {"HB\nlr", "%.2f"}, {"\nmomentum", "%.4f"}, {"\nsteps", "%d"},
                              {"NAG\nlr", "%.2f"}, {"\nmomentum", "%.4f"}, {"\nsteps", "%d"},
                              {"theory's\nGD", "%d"}, {"\nHB", "%d"}, {NULL, NULL}};
    Table *t = table_begin(r, "kappa_sweep",
                           "Steps until the loss is 1e-6 of its start, against the condition number",
                           columns);
    table_note(t, "GD gradient descent, HB heavy ball, NAG Nesterov: the best settings of the sweep;");
    table_note(t, "then the steps that theory's settings take");
    for (int i = 0; i < n; i++) {
        kappa[i] = a->quick ? quick_kappas[i] : all_kappas[i];
        KappaRow row = kappa_row(kappa[i]);
        table_row(t, kappa[i], row.gd.lr, row.gd.steps, row.hb.lr, row.hb.momentum, row.hb.steps,
                  row.nag.lr, row.nag.momentum, row.nag.steps, row.gd_theory, row.hb_theory);
        if (kappa[i] == 10000)   /* the values the chapter quotes from the hardest ravine */
            report_values(r, NULL, (NamedValue[]){
                {"k1e4_gd_steps", "%d", row.gd.steps}, {"k1e4_hb_steps", "%d", row.hb.steps},
                {"k1e4_nag_steps", "%d", row.nag.steps}, {"k1e4_hb_beta", "%.3f", row.hb.momentum},
                {"k1e4_hb_theory_beta", "%.3f", row.hb_theory_beta}, {NULL}});
        const int of_row[KAPPA_COLUMNS] = {row.gd.steps, row.hb.steps, row.nag.steps, row.gd_theory, row.hb_theory};
        for (int m = 0; m < KAPPA_COLUMNS; m++) steps[m][i] = of_row[m];
    }
    for (int m = 0; m < KAPPA_COLUMNS; m++) slope[m] = loglog_slope(kappa, steps[m], n);
    double nag_over_hb_least = INFINITY, nag_over_hb_most = 0;   /* Nesterov's steps over heavy ball's */
    for (int i = 0; i < n; i++) {
        nag_over_hb_least = fmin(nag_over_hb_least, steps[NAG][i] / steps[HB][i]);
        nag_over_hb_most = fmax(nag_over_hb_most, steps[NAG][i] / steps[HB][i]);
    }
    table_note(t, "slope of log(steps) against log(kappa), fitted over these %d ravines:", n);
    table_note(t, "  best settings of the sweep   GD %.2f   heavy ball %.2f   Nesterov %.2f", slope[GD], slope[HB],
               slope[NAG]);
    table_note(t, "  theory's settings            GD %.2f   heavy ball %.2f", slope[GD_THEORY], slope[HB_THEORY]);
    table_end(t);
    report_values(r, NULL, (NamedValue[]){{"slope_gd", "%.2f", slope[GD]}, {"slope_hb", "%.2f", slope[HB]},
                                          {"slope_nag", "%.2f", slope[NAG]},
                                          {"nag_over_hb_least", "%.1f", nag_over_hb_least},
                                          {"nag_over_hb_most", "%.1f", nag_over_hb_most},
                                          {"slope_hb_theory", "%.2f", slope[HB_THEORY]}, {NULL}});

    /* The steps of each method's best settings against kappa, on log scales. */
    Figure *fig = report_figure(r, "02_kappa");
    fprintf(figure_commands(fig), "set logscale xy\nset xlabel 'condition number κ'\n"
                                  "set ylabel 'steps to reach 10^{-6} of the starting loss'\n"
                                  "set format x '10^{%%T}'\nset key top left\n");
    figure_xy(fig, "linespoints ls 1 pt 7", kappa, steps[GD], n, "gradient descent (slope %.2f)", slope[GD]);
    figure_xy(fig, "linespoints ls 2 pt 5", kappa, steps[HB], n, "heavy ball (slope %.2f)", slope[HB]);
    figure_xy(fig, "linespoints ls 3 pt 9", kappa, steps[NAG], n, "Nesterov (slope %.2f)", slope[NAG]);
    figure_close(fig);
}

/* ---- 4. how much momentum? ----------------------------------------------------- */

static void beta_sweep(Report *r, Problem *p, const LessonArgs *a)
{
    const float betas[] = {0.0f, 0.5f, 0.9f, 0.99f};
    const char *tags[] = {"0", "05", "09", "099"};   /* in the values' names */
    /* Plain SGD dashed: momentum 0.99 wanders around it. */
    const char *styles[] = {"lines ls 1 dt 2 lw 3", "lines ls 2", "lines ls 3", "lines ls 4"};
    const int steps = a->quick ? 200 : 2000, plot_steps = 400;
    const Column columns[] = {{"momentum", "%.2f"}, {"steps\nat lr 0.1", "%d"}, {"sign changes\nof x", "%d"},
                              {"\nof y", "%d"}, {"most negative x\n(overshoot)", "%.3f"}, {"best\nlr", "%.2f"},
                              {"steps at\nbest lr", "%d"}, {NULL, NULL}};
    Table *t = table_begin(r, "beta_sweep", "How much momentum? The ravine (kappa = 20)", columns);
    table_note(t, "steps: until the loss is 1e-6 of its start; sign changes: in the first 100 steps at lr 0.1");
    Figure *fig = loss_figure(r, "02_beta_sweep", "set format y '10^{%T}'\nset yrange [1e-16:10]\n"
                                                  "set key outside right\n");
    int plain_steps = 0;
    for (int b = 0; b < 4; b++) {
        TrainHistory h = momentum_path(p, 0.1f, betas[b], false, steps);
        int reached = momentum_steps(p, 0.1f, betas[b], false, 100000), flips_x = sign_changes(&h, 0, 100);
        double min_x = most_negative(&h, 0);
        Best best = sweep_betas(p, &betas[b], 1, false, 100000);   /* for this momentum alone */
        table_row(t, betas[b], reached, flips_x, sign_changes(&h, 1, 100), min_x, best.lr, best.steps);
        figure_curve(fig, styles[b], h.loss, 0, h.steps_done < plot_steps ? h.steps_done : plot_steps,
                     "momentum %g", betas[b]);
        if (b == 0) plain_steps = reached;
        if (b == 2) report_value(r, "beta09_speedup", "%.0f", (double)plain_steps / reached);
        report_values(r, tags[b], (NamedValue[]){{"beta%s_steps", "%d", reached},
                                                 {"beta%s_best_steps", "%d", best.steps},
                                                 {"beta%s_min_x", "%.2f", min_x}, {"beta%s_flips_x", "%d", flips_x},
                                                 {NULL}});
        train_history_free(&h);
    }
    table_end(t);
    figure_close(fig);
}

/* ---- 4b. does momentum reduce oscillation? ----------------------------------- */

static void oscillation(Report *r, Problem *p)
{
    const float lrs[] = {0.1f, 1.0f, 1.8f}, betas[] = {0.0f, 0.5f, 0.9f};
    const int steps = 50;
    const Column columns[] = {{"lr", "%.1f"}, {"sign changes of y\nmomentum 0", "%d"}, {"\n0.5", "%d"},
                              {"\n0.9", "%d"}, {"|y| at the end\nmomentum 0", "%.1e"}, {"\n0.5", "%.1e"},
                              {"\n0.9", "%.1e"}, {NULL, NULL}};
    Table *t = table_begin(r, "oscillation", "The steep coordinate y on the ravine (kappa = 20): "
                                             "does momentum calm it?", columns);
    table_note(t, "%d steps at each lr and momentum", steps);
    for (int l = 0; l < 3; l++) {
        int flips[3];
        double y[3];
        for (int b = 0; b < 3; b++) {
            RavineEnd end = ravine_end(p, lrs[l], betas[b], false, steps, steps);
            flips[b] = end.y_flips, y[b] = end.y_at;
            report_value(r, value_name(r, "osc_flips_lr%d_b%d", l, b), "%d", flips[b]);
            report_value(r, value_name(r, "osc_y_lr%d_b%d", l, b), "%.0e", y[b]);
        }
        table_row(t, lrs[l], flips[0], flips[1], flips[2], y[0], y[1], y[2]);
    }
    table_end(t);
}

/* ---- 5. heavy ball against Nesterov ------------------------------------------- */

/* The two paths at lr 0.5 on the map of the ravine. */
static void nesterov_figure(Report *r, Problem *p, float beta)
{
    Figure *fig = ravine_map(r, "02_nesterov_paths", p, (MapView){3.0, -3.5, 1.2, "x (flat floor)",
                                                                   "below horizontal"});
    for (int nesterov = 0; nesterov < 2; nesterov++) {
        TrainHistory h = momentum_path(p, 0.5f, beta, nesterov, 40);
        figure_path(fig, &h, nesterov ? "linespoints ls 3" : "linespoints ls 2",
                    nesterov ? "Nesterov" : "heavy ball");
        train_history_free(&h);
    }
    figure_close(fig);
}

static void nesterov_table(Report *r, Problem *p, const LessonArgs *a)
{
    const float beta = 0.9f, lrs[] = {0.1f, 0.3f, 0.5f, 1.0f, 1.3f, 2.0f, 3.0f};
    const int steps = 100, bisect_steps = a->quick ? 300 : 3000;
    const Column columns[] = {{"lr", "%.2f"},
                              {"loss after 100 steps\nheavy ball", "%.2e"}, {"\nNesterov", "%.2e"},
                              {"|y| after 20 steps\nheavy ball", "%.2e"}, {"\nNesterov", "%.2e"},
                              {NULL, NULL}};
    Table *t = table_begin(r, "nesterov",
                           "Heavy ball against Nesterov, momentum 0.9, the ravine (kappa = 20)", columns);
    table_nan_text(t, 1, "grows");
    table_nan_text(t, 2, "grows");
    for (int i = 0; i < 7; i++) {
        /* Heavy ball, Nesterov: the loss at the end, and the table's loss and |y|
         * after 20 steps, NaN where the loss grew. */
        double end[2], loss[2], y20[2];
        for (int nesterov = 0; nesterov < 2; nesterov++) {
            RavineEnd e = ravine_end(p, lrs[i], beta, nesterov, steps, 20);
            end[nesterov] = e.loss, loss[nesterov] = e.grew ? NAN : e.loss, y20[nesterov] = e.grew ? NAN : e.y_at;
        }
        table_row(t, lrs[i], loss[0], loss[1], y20[0], y20[1]);
        if (lrs[i] == 0.5f)
            report_values(r, NULL, (NamedValue[]){{"hb_loss_lr05", "%.1e", end[0]}, {"nag_loss_lr05", "%.1e", end[1]},
                                                  {"hb_y20_lr05", "%.2f", y20[0]},
                                                  {"nag_y20_lr05", "%.1e", y20[1]}, {NULL}});
    }
    double hb_max = largest_stable_lr(p, beta, false, bisect_steps);
    double nag_max = largest_stable_lr(p, beta, true, bisect_steps);
    table_note(t, "largest lr that does not diverge, measured (theory for a quadratic, L = 1):");
    table_note(t, "  heavy ball %.3f (2(1+b) = %.3f)   Nesterov %.3f (2(1+b)/(1+2b) = %.3f)", hb_max,
               2.0 * (1 + beta), nag_max, 2.0 * (1 + beta) / (1 + 2 * beta));
    table_end(t);
    report_values(r, NULL, (NamedValue[]){{"hb_max_lr", "%.2f", hb_max}, {"nag_max_lr", "%.2f", nag_max}, {NULL}});
    nesterov_figure(r, p, beta);
}

/* ---- 6. two ways to write the velocity ------------------------------------------ */

static void conventions(Report *r, Problem *p)
{
    const float beta = 0.9f, lr = 0.1f;
    VelocityForms f = velocity_forms(p, lr, beta, 100);
    const Column columns[] = {{"", "%s"}, {"the velocity", "%s"}, {"", "%s"}, {"lr", "%.1f"},
                              {"length of\nstep 1", "%.4f"}, {"farthest from A\nin 100 steps", "%.2e"},
                              {NULL, NULL}};
    Table *t = table_begin(r, "conventions",
                           "Two ways to write the velocity, momentum 0.9, the ravine (kappa = 20)", columns);
    table_row(t, "A", "v = 0.9v + g", "PyTorch, dampening 0", lr, f.first[0], NAN);
    table_row(t, "B", "v = 0.9v + 0.1g", "starting from v = 0", lr / (1.0f - beta), f.first[1], f.apart[1]);
    table_row(t, "C", "v = 0.9v + 0.1g", "PyTorch, dampening 0.9", lr / (1.0f - beta), f.first[2], f.apart[2]);
    report_values(r, NULL, (NamedValue[]){{"conv_dist_b", "%.0e", f.apart[1]}, {"conv_dist_c", "%.2f", f.apart[2]},
                                          {"conv_first_a", "%.3f", f.first[0]},
                                          {"conv_first_c", "%.3f", f.first[2]},
                                          {"conv_loss_start", "%.2f", f.loss_start},
                                          {"conv_loss_a", "%.0e", f.loss_after[0]},
                                          {"conv_loss_c", "%.0e", f.loss_after[2]}, {NULL}});
    /* On a steady slope (the same gradient every step) step t of form A has
     * length lr g (1 + beta + ... + beta^(t-1)): the 90% of the past is added
     * to 100% of the present, not to 10% of it. */
    double length[101];   /* length[t]: that of step t */
    steady_slope(lr, beta, 100, length);
    table_note(t, "On a steady slope (the gradient is 1 at every step), form A with lr = %.1f:", lr);
    table_note(t, "  step                   1      2      5     10     20     50    100");
    table_note(t, "  length of the step %6.3f %6.3f %6.3f %6.3f %6.3f %6.3f %6.3f", length[1], length[2],
               length[5], length[10], length[20], length[50], length[100]);
    table_end(t);
    report_values(r, NULL, (NamedValue[]){{"steady_step_100", "%.3f", length[100]},
                                          {"steady_ratio", "%.1f", length[100] / lr}, {NULL}});
}

/* ---- 7. rolling through a pit ------------------------------------------------------ */

static const char *const OUTCOME[] = {"pit", "valley", "moving", "diverges"};   /* [PitOutcome] */

/* A printed loss value: rounding may leave -0.00 for a tiny negative. */
static double shown(double v) { return fabs(v) < 5e-3 ? 0.0 : v; }

/* Position against step on the shallow landscape, lr 0.03, from x = -3. */
static void pit_figure(Report *r, const double *minima /* [2] */)
{
    const float betas[] = {0.0f, 0.8f, 0.9f};
    const char *styles[] = {"lines ls 1", "lines ls 2", "lines ls 3"};
    const int steps = 300;
    Figure *fig = report_figure(r, "02_pit");
    fprintf(figure_commands(fig), "set xlabel 'step'\nset ylabel 'position x'\nset key outside right\n"
                                  "set yrange [-3.2:6]\nset rmargin 8\n");
    for (int m = 0; m < 2; m++)   /* where the pit and the valley are */
        fprintf(figure_commands(fig), "set arrow from 0,%g to %d,%g nohead ls 8 dt 2\n"
                                      "set label '%s' at %d,%g offset 0.5,0\n",
                minima[m], steps, minima[m], m == 0 ? "pit" : "valley", steps, minima[m]);
    for (int b = 0; b < 3; b++) {
        TrainHistory h = pit_path(&PIT_SHALLOW, 0.03f, betas[b], steps);
        figure_coordinate(fig, &h, 0, styles[b], "momentum %g", betas[b]);
        train_history_free(&h);
    }
    figure_close(fig);
}

static void pit_table(Report *r, const LessonArgs *a)
{
    const PitShape *shapes[2] = {&PIT_SHALLOW, &PIT_DEEP};
    const float betas[] = {0.0f, 0.5f, 0.7f, 0.8f, 0.9f, 0.95f, 0.99f}, lrs[] = {0.01f, 0.03f, 0.06f};
    const int steps = a->quick ? 500 : 5000;
    double minima[2][2];   /* [shape][pit, valley] */
    for (int s = 0; s < 2; s++)
        if (pit_minima(shapes[s], -5.0, 7.0, minima[s], 2) != 2) fail("the pit has lost a minimum");
    const Column columns[] = {{"momentum", "%.2f"}, {"shallow pit\nlr 0.01", "%s"}, {"\nlr 0.03", "%s"},
                              {"\nlr 0.06", "%s"}, {"deep pit\nlr 0.01", "%s"}, {"\nlr 0.03", "%s"},
                              {"\nlr 0.06", "%s"}, {NULL, NULL}};
    Table *t = table_begin(r, "pit", "Rolling through a pit: where momentum ends, from x = -3", columns);
    for (int s = 0; s < 2; s++)
        table_note(t, "%-12s pit: x = %.2f, f = %5.2f    valley: x = %.2f, f = %5.2f", shapes[s]->name,
                   minima[s][0], shown(pit_value(shapes[s], minima[s][0])), minima[s][1],
                   shown(pit_value(shapes[s], minima[s][1])));
    float passes[3] = {-1, -1, -1};   /* the smallest momentum that passes the shallow pit, by lr */
    for (int b = 0; b < 7; b++) {
        const char *where[2][3];
        for (int s = 0; s < 2; s++)
            for (int l = 0; l < 3; l++) {
                PitOutcome outcome = pit_outcome(shapes[s], lrs[l], betas[b], steps, minima[s]);
                where[s][l] = OUTCOME[outcome];
                if (s == 0 && outcome == IN_VALLEY && passes[l] < 0) passes[l] = betas[b];
            }
        table_row(t, betas[b], where[0][0], where[0][1], where[0][2], where[1][0], where[1][1], where[1][2]);
    }
    table_end(t);
    report_values(r, NULL, (NamedValue[]){
        {"pit_x", "%.2f", minima[0][0]}, {"pit_f", "%.2f", pit_value(&PIT_SHALLOW, minima[0][0])},
        {"deep_pit_f", "%.2f", pit_value(&PIT_DEEP, minima[1][0])}, {"pit_passes_lr001", "%g", passes[0]},
        {"pit_passes_lr003", "%g", passes[1]}, {"pit_passes_lr006", "%g", passes[2]}, {NULL}});
    pit_figure(r, minima[0]);
}

/* ---- 8. the digits MLP ---------------------------------------------------------------- */

enum { MLP_RUNS = 5, MLP_SEEDS = 3, MLP_POINTS = 10 };

typedef struct {
    const char *label, *tag;   /* the tag names its values: mlp_TAG_loss */
    float lr, momentum;
    bool nesterov;
} MlpRun;

static void digits_mlp(Report *r, const LessonArgs *a, float beta)
{
    const MlpRun runs[MLP_RUNS] = {
        {"SGD", "sgd", a->lr, 0.0f, false},
        {"SGD", "sgd_big", a->lr / (1.0f - beta), 0.0f, false},
        {"heavy ball", "hb_small", a->lr * (1.0f - beta), beta, false},
        {"heavy ball", "hb", a->lr, beta, false},
        {"Nesterov", "nag", a->lr, beta, true},
    };
    /* The figure has the loss curves of the first seed of each run. One
     * colour per lr/(1 - beta): solid for SGD, dashed with open points for
     * heavy ball, so that curves lying on top of each other stay visible. */
    const char *styles[MLP_RUNS] = {"linespoints ls 1", "linespoints ls 2", "linespoints ls 1 dt 2 pt 6 ps 1.2",
                                    "linespoints ls 2 dt 2 pt 4 ps 1.2", "linespoints ls 3"};
    const Column columns[] = {{"method", "%s"}, {"lr", "%.3f"}, {"momentum", "%.2f"}, {"lr/(1-b)", "%.3f"},
                              {"loss\nmean", "%.4f"}, {"\nlow", "%.4f"}, {"\nhigh", "%.4f"},
                              {"accuracy\nmean", "%.1f%%"}, {"\nlow", "%.1f"}, {"\nhigh", "%.1f"}, {NULL, NULL}};
    Table *t = table_begin(r, "digits_mlp",
                           "SGD with and without momentum on the digits MLP (64-32-10, tanh)", columns);
    table_note(t, "batch %d, %d steps; the final training loss and the test accuracy:", a->batch, a->steps);
    table_note(t, "their mean, lowest and highest over %d seeds", MLP_SEEDS);
    Figure *fig = report_figure(r, "02_digits_mlp");
    fprintf(figure_commands(fig), "set xlabel 'step'\nset ylabel 'loss on all training examples'\n"
                                  "set logscale y\nset key top right\n");
    Problem *p = must_mlp(MLP_HIDDEN, (uint64_t)a->seed);
    double losses[MLP_RUNS], accuracy[MLP_RUNS];
    for (int i = 0; i < MLP_RUNS; i++) {
        const MlpRun *run = &runs[i];
        SGDMomentumConfig cfg = sgd_momentum_config(run->lr, run->momentum, run->nesterov);
        Curve first;
        SeedRuns s = mlp_seeds(p, &cfg, a->steps, a->batch, (uint64_t)a->seed, MLP_SEEDS, MLP_POINTS, &first);
        table_row(t, run->label, run->lr, run->momentum, run->lr / (1 - run->momentum), s.loss.mean, s.loss.low,
                  s.loss.high, s.accuracy.mean, s.accuracy.low, s.accuracy.high);
        report_values(r, run->tag, (NamedValue[]){{"mlp_%s_loss", "%.4f", s.loss.mean},
                                                  {"mlp_%s_acc", "%.1f", s.accuracy.mean}, {NULL}});
        char beta_text[32] = "";
        if (run->momentum > 0) snprintf(beta_text, sizeof beta_text, ", β %g", (double)run->momentum);
        figure_checkpoints(fig, styles[i], &first, "%s, lr %g%s", run->label, run->lr, beta_text);
        losses[i] = s.loss.mean, accuracy[i] = s.accuracy.mean;
        if (s.diverged)   /* said under the table, not left to an "inf" in it */
            table_note(t, "%s at lr %g: %d of %d starts diverged (their loss counts as inf); lower --lr",
                       run->label, run->lr, s.diverged, MLP_SEEDS);
    }
    table_end(t);
    figure_close(fig);
    Spread acc = spread(accuracy, MLP_RUNS);
    /* What momentum costs: one float32 buffer per parameter. */
    SGDMomentumConfig heavy_ball = sgd_momentum_config(a->lr, beta, false);
    size_t params = paramlist_numel(&p->params), bytes = run_state_bytes(p, full_batch(&heavy_ball, 0));
    report_values(r, NULL, (NamedValue[]){
        {"mlp_steps", "%d", a->steps}, {"mlp_batch", "%d", a->batch}, {"mlp_seeds", "%d", MLP_SEEDS},
        {"mlp_acc_min", "%.1f", acc.low}, {"mlp_acc_max", "%.1f", acc.high},
        {"mlp_loss_ratio", "%.0f", losses[0] / losses[3]},   /* SGD / heavy ball, both at --lr */
        {"mlp_lr", "%g", a->lr}, {"mlp_beta", "%g", beta}, {"mlp_big_lr", "%g", a->lr / (1.0f - beta)},
        {"mlp_small_lr", "%g", a->lr * (1.0f - beta)}, {"mlp_params", "%d", (double)params},
        {"mlp_state_bytes", "%d", (double)bytes}, {"mlp_state_bytes_per_param", "%g", (double)bytes / (double)params},
        {NULL}});
    problem_free(p);
}

int main(int argc, char **argv)
{
    Args args = {.lesson = LESSON_DEFAULTS, .momentum = 0.9f};
    lesson_parse("02_momentum", FLAGS, &args, argc, argv);
    if (!(args.momentum > 0 && args.momentum < 1))
        die_usage("02_momentum", "--momentum must be between 0 and 1, both excluded (got %g)", args.momentum);
    if (!isfinite(args.lesson.lr / (1.0f - args.momentum)))
        die_usage("02_momentum", "--lr=%g: the SGD run at lr / (1 - momentum) would have an infinite lr; lower it",
                  args.lesson.lr);
    Report report;
    if (report_open(&report, args.lesson.out, "02_momentum") != 0) return EXIT_USAGE;   /* a bad --out */
    Problem *ravine = must(ravine_new(2, CHAPTER_KAPPA), "out of memory");
    gd_ravine(&report, ravine);
    ravine_paths(&report, ravine);
    kappa_sweep(&report, &args.lesson);
    beta_sweep(&report, ravine, &args.lesson);
    oscillation(&report, ravine);
    nesterov_table(&report, ravine, &args.lesson);
    conventions(&report, ravine);
    pit_table(&report, &args.lesson);
    digits_mlp(&report, &args.lesson, args.momentum);
    problem_free(ravine);
    return report_close(&report) == 0 ? 0 : 1;
}
