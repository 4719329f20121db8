/* main.c - lesson 06's program: every table and figure of the AdamW chapter.
 *
 *     build/bin/06_adamw [--steps=N] [--seed=S] [--quick] [--out=DIR]
 *
 * Tables print here and go to DIR/out/06_adamw/, figures to DIR/fig/.
 * --steps is the digits MLP's steps in every run on it (2000; with --quick,
 * a quarter of --steps, which is then 200 unless given; at least 20); --seed draws the
 * starts and batches (sections 3 and 5 average this seed and the next two);
 * --quick shrinks every experiment so that the whole program runs in about
 * a second (the tests use it). The update rules it runs by hand, and what a
 * run ends with, are in adamw_measures.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adamw.h"
#include "adamw_measures.h"
#include "experiment.h"
#include "gpt.h"
#include "runs.h"

static const OptionSpec FLAGS[] = {
    LESSON_FLAGS("the digits MLP's steps in every run on it; fewer than 20 run as 20"),
    {NULL, 0, 0, NULL, 0, 0},
};

#define MLP_HIDDEN 32   /* the digits MLP of the earlier chapters: 64-32-10, tanh */
#define MLP_BATCH 32
#define MLP_LR 1e-2f    /* Adam's and AdamW's on the MLP (but section 4's): in 2000
                           steps they reach 100% training accuracy (at 1e-3, 99%) */

/* ---- 1. L2 inside Adam is divided by the gradient's scale; decoupled decay is not ---- */

#define SHRINK_LR 1e-3f
#define SHRINK_LAMBDA 0.1f
#define SHRINK_SCALES 13   /* s = 10^-4, 10^-3.5 ... 10^2 */

static void shrink_rate(Report *r)
{
    const int steps = 500, window = 100, n = SHRINK_SCALES;
    const double lr = SHRINK_LR, lambda = SHRINK_LAMBDA, eps = ADAM_DEFAULTS.eps;
    float s[SHRINK_SCALES];
    double scale[SHRINK_SCALES], l2[SHRINK_SCALES], w[SHRINK_SCALES], size[SHRINK_SCALES], unused[SHRINK_SCALES];
    double predicted[SHRINK_SCALES];
    for (int i = 0; i < n; i++) s[i] = (float)(scale[i] = pow(10, -4 + 0.5 * i));
    AdamConfig cfg = ADAM_DEFAULTS;   /* for both: Adam with L2, and AdamW */
    cfg.lr = SHRINK_LR, cfg.weight_decay = SHRINK_LAMBDA;
    shrink_rates(&cfg, false, s, n, steps, window, l2, size);
    shrink_rates(&cfg, true, s, n, steps, window, w, unused);
    /* Adam with L2: g = s (-1)^(t+1) + lambda w (+s at t = 1). exp_avg averages
     * the alternation away and keeps lambda w; exp_avg_sq keeps the mean of
     * g^2, s^2 + (lambda w)^2 (the cross term alternates too). The step on w is
     * then lr lambda w / (sqrt(s^2 + (lambda w)^2) + eps): lr lambda / s while
     * s >> lambda |w|, and about lr sign(w) once s << lambda |w|. Where the
     * regimes switch (s = lambda w), and how far off the prediction is where
     * the gradient rules (s > 10 lambda w). */
    double worst = 0, switch_s = NAN, closest = INFINITY;
    for (int i = 0; i < n; i++) {
        double lw = lambda * size[i];
        predicted[i] = lr * lambda / (sqrt(scale[i] * scale[i] + lw * lw) + eps);
        if (scale[i] > 10 * lw) worst = fmax(worst, fabs(l2[i] / predicted[i] - 1));
        if (fabs(log(scale[i] / lw)) < closest) closest = fabs(log(scale[i] / lw)), switch_s = lw;
    }
    const Column columns[] = {{"gradient\nscale s", "%.3g"}, {"Adam + L2\nshrink/step", "%.2e"},
                              {"\npredicted", "%.2e"}, {"\nw there", "%.3f"}, {"AdamW\nshrink/step", "%.2e"},
                              {"\nlr lambda", "%.2e"}, {NULL, NULL}};
    Table *t = table_begin(r, "shrink_rate", "How fast decay shrinks a weight whose gradient has scale s",
                           columns);
    for (int i = 0; i < n; i++) table_row(t, scale[i], l2[i], predicted[i], size[i], w[i], lr * lambda);
    table_note(t, "gradient s (-1)^(t+1), weight from 1, lr %g, lambda (weight_decay) %g for both; shrink:",
               lr, lambda);
    table_note(t, "1 - (w_T / w_{T-%d})^(1/%d) over the last %d of %d steps. Predicted: lr lambda /", window,
               window, window, steps);
    table_note(t, "(sqrt(s^2 + (lambda w)^2) + eps), with w the weight there. Where s < lambda w it");
    table_note(t, "overshoots: exp_avg_sq still remembers the larger w of the earlier steps");
    table_end(t);

    Figure *fig = report_figure(r, "06_shrink_rate");
    fprintf(figure_commands(fig), "set xlabel 'gradient scale s'\nset ylabel 'shrink per step'\n"
                                  "set logscale xy\nset format x '10^{%%L}'\nset format y '10^{%%L}'\n"
                                  "set yrange [3e-7:1e-1]\nset key top right\n");
    figure_xy(fig, "points ls 2 pt 7", scale, l2, n, "Adam + L2, measured");
    figure_xy(fig, "lines ls 2 dt 2", scale, predicted, n, "lr λ / (sqrt(s^2 + (λw)^2) + eps)");
    figure_xy(fig, "points ls 1 pt 5", scale, w, n, "AdamW, measured");
    figure_hline(fig, "lines ls 1 dt 2", scale[0], scale[n - 1], lr * lambda, "lr λ");
    figure_close(fig);

    int l2_max = index_of_max(l2, n), l2_min = index_of_min(l2, n);
    report_values(r, NULL, (NamedValue[]){
        {"shrink_lr", "%g", lr}, {"shrink_lambda", "%g", lambda}, {"shrink_steps", "%d", steps},
        {"shrink_window", "%d", window}, {"shrink_s_lo", "%g", scale[0]}, {"shrink_s_hi", "%g", scale[n - 1]},
        {"shrink_l2_max", "%.2e", l2[l2_max]}, {"shrink_l2_min", "%.2e", l2[l2_min]},
        {"shrink_l2_ratio", "%.0f", l2[l2_max] / l2[l2_min]}, {"shrink_adamw", "%.2e", w[0]},
        {"shrink_adamw_ratio", "%.2f", w[index_of_max(w, n)] / w[index_of_min(w, n)]},
        {"shrink_l2_over_adamw_lo", "%.0f", l2[0] / w[0]}, {"shrink_adamw_over_l2_hi", "%.0f", w[n - 1] / l2[n - 1]},
        {"shrink_w_at_s_lo", "%.2f", size[0]}, {"shrink_switch_s", "%.2g", switch_s},
        {"shrink_equal_s", "%.2g", log_crossing(scale, l2, n, lr * lambda)},
        {"shrink_predicted_worst", "%.1f%%", 100 * worst}, {"shrink_lo_of_predicted", "%.2f", l2[0] / predicted[0]},
        {NULL}});
}

/* ==== the digits MLP ==== */

/* At least 20, so that every figure has steps to draw. */
static int mlp_steps(const LessonArgs *a)
{
    return lesson_steps(a, 4, 20);   /* --quick: a quarter */
}

/* A Run of AdamW or Adam (with L2) at weight_decay lambda on the MLP, from a's seed. */
static Run mlp_run(const LessonArgs *a, const OptimizerSpec *spec, AdamConfig *cfg, float lambda)
{
    *cfg = ADAM_DEFAULTS;
    cfg->weight_decay = lambda;
    Run run = lesson_run(a, spec, MLP_LR, mlp_steps(a), MLP_BATCH);
    run.config = cfg;
    return run;
}

/* ---- 2. for SGD, L2 and decoupled decay are one rule; for Adam they are two ---- */

static void sgd_equivalence(Report *r, const LessonArgs *a, Problem *p)
{
    const float lambda = 0.01f;
    const DecayRecipe pairs[2][2] = {{{.rule = SGD_L2, .lr = 0.1f, .lambda = lambda},
                                      {.rule = SGD_DECOUPLED, .lr = 0.1f, .lambda = lambda}},
                                     {{.rule = ADAM_L2, .lr = MLP_LR, .lambda = lambda},
                                      {.rule = ADAMW_TORCH, .lr = MLP_LR, .lambda = lambda}}};
    const char *labels[2][2] = {{"SGD, L2", "SGD, decoupled"}, {"Adam, L2", "AdamW"}}, *tags[2] = {"sgd", "adam"};
    size_t n = paramlist_numel(&p->params);
    uint64_t seed = (uint64_t)a->seed;
    float *theta[2] = {floats_new(n), floats_new(n)};
    const Column columns[] = {{"rule", "%s"}, {"lr", "%g"}, {"final\nloss", "%.4f"}, {"test\naccuracy", "%.1f%%"},
                              {"||fc1.w||", "%.3f"}, {"largest |difference|\nabsolute", "%.2e"},
                              {"\nrelative", "%.2e"}, {NULL, NULL}};
    Table *t = table_begin(r, "equivalence", "L2 and decoupled decay from the same start: SGD, then Adam",
                           columns);
    for (int k = 0; k < 2; k++) {
        MlpEnd end[2];
        for (int j = 0; j < 2; j++) end[j] = flat_run(p, seed, &pairs[k][j], mlp_steps(a), MLP_BATCH, theta[j], NULL);
        double apart = max_abs_difference(theta[0], theta[1], n), largest = max_abs_difference(theta[0], NULL, n);
        for (int j = 0; j < 2; j++)   /* and after one step: where the difference starts */
            flat_run(p, seed, &pairs[k][j], 1, MLP_BATCH, theta[j], NULL);
        double first_apart = max_abs_difference(theta[0], theta[1], n);
        double first_largest = max_abs_difference(theta[0], NULL, n);
        for (int j = 0; j < 2; j++)
            table_row(t, labels[k][j], (double)pairs[k][j].lr, end[j].loss, end[j].test_acc, end[j].fc1_norm,
                      j ? apart : NAN, j ? apart / largest : NAN);
        report_values(r, tags[k], (NamedValue[]){
            {"eq_%s_lr", "%g", pairs[k][0].lr}, {"eq_%s_apart", "%.2e", apart},
            {"eq_%s_relative", "%.1e", apart / largest}, {"eq_%s_first_apart", "%.1e", first_apart},
            {"eq_%s_first_relative", "%.1e", first_apart / first_largest}, {"eq_%s_l2_loss", "%.4f", end[0].loss},
            {"eq_%s_decoupled_loss", "%.4f", end[1].loss}, {"eq_%s_l2_norm", "%.2f", end[0].fc1_norm},
            {"eq_%s_decoupled_norm", "%.2f", end[1].fc1_norm}, {"eq_%s_l2_test", "%.1f", end[0].test_acc},
            {"eq_%s_decoupled_test", "%.1f", end[1].test_acc}, {NULL}});
    }
    table_note(t, "the digits MLP, %d steps of batch %d from the same start and batches, lambda %g;",
               mlp_steps(a), MLP_BATCH, lambda);
    table_note(t, "difference: between the two rules' parameters at the end (relative: over the");
    table_note(t, "largest |theta|); ||fc1.w||: the norm of fc1.weight at the end");
    table_end(t);
    report_values(r, NULL, (NamedValue[]){{"eq_steps", "%d", mlp_steps(a)}, {"eq_lambda", "%g", lambda}, {NULL}});
    free(theta[0]), free(theta[1]);
}

/* ---- 3. decay strengths on the digits MLP: Adam with L2 against AdamW ---------- */

#define DECAYS 6
static const float DECAY_LAMBDA[DECAYS] = {0, 1e-4f, 1e-3f, 1e-2f, 1e-1f, 1};

/* Each strength's runs; AdamW's ends also go to adamw[DECAYS], for section 5. */
static void decay_strengths(Report *r, const LessonArgs *a, Problem *p, MlpEnd adamw[DECAYS])
{
    const float *lambdas = DECAY_LAMBDA;
    const OptimizerSpec *specs[2] = {&ADAM_SPEC, &ADAMW_SPEC};
    const char *tags[2] = {"l2", "w"};
    const int seeds = a->quick ? 1 : 3;
    MlpEnd end[2][DECAYS];
    AdamConfig cfg;
    for (int o = 0; o < 2; o++)
        for (int k = 0; k < DECAYS; k++) end[o][k] = mlp_end(p, mlp_run(a, specs[o], &cfg, lambdas[k]), seeds);
    const Column columns[] = {{"weight\ndecay", "%g"}, {"Adam + L2\ntrain", "%.1f"}, {"\ntest", "%.1f"},
                              {"\nloss", "%.4f"}, {"\n||fc1.w||", "%.2f"}, {"AdamW\ntrain", "%.1f"},
                              {"\ntest", "%.1f"}, {"\nloss", "%.4f"}, {"\n||fc1.w||", "%.2f"}, {NULL, NULL}};
    Table *t = table_begin(r, "decay_strengths", "The digits MLP at six decay strengths: Adam with L2, AdamW",
                           columns);
    for (int k = 0; k < DECAYS; k++)
        table_row(t, (double)lambdas[k], end[0][k].train_acc, end[0][k].test_acc, end[0][k].loss,
                  end[0][k].fc1_norm, end[1][k].train_acc, end[1][k].test_acc, end[1][k].loss, end[1][k].fc1_norm);
    table_note(t, "train, test: accuracy in percent; loss: on all training examples; the mean of %d", seeds);
    table_note(t, "start%s, each %d steps of batch %d at lr %g", seeds > 1 ? "s" : "", mlp_steps(a), MLP_BATCH,
               MLP_LR);
    table_end(t);

    Figure *fig = report_figure(r, "06_decay_strengths");
    fprintf(figure_commands(fig), "set xlabel 'weight decay λ'\nset ylabel 'accuracy (%%)'\nset logscale x\n"
                                  "set format x '10^{%%L}'\nset xrange [%g:%g]\nset key bottom left\n",
            lambdas[1] / 2, lambdas[DECAYS - 1] * 2);
    const char *styles[2][2] = {{"linespoints ls 2 pt 7 dt 2", "linespoints ls 2 pt 7"},
                                {"linespoints ls 1 pt 5 dt 2", "linespoints ls 1 pt 5"}};
    for (int o = 0; o < 2; o++)
        for (int test = 0; test <= 1; test++) {
            int s = figure_series(fig, styles[o][test], "%s, %s", o ? "AdamW" : "Adam + L2", test ? "test" : "train");
            for (int k = 1; k < DECAYS; k++)
                figure_point(fig, s, lambdas[k], test ? end[o][k].test_acc : end[o][k].train_acc);
        }
    figure_hline(fig, "lines ls 8 dt 3", lambdas[1], lambdas[DECAYS - 1], end[1][0].test_acc, "no decay, test");
    figure_close(fig);

    for (int o = 0; o < 2; o++) {
        int best = 0;   /* the best mean test accuracy; the smaller lambda on a tie */
        for (int k = 1; k < DECAYS; k++)
            if (end[o][k].test_acc > end[o][best].test_acc) best = k;
        const MlpEnd *top = &end[o][DECAYS - 1];
        report_values(r, tags[o], (NamedValue[]){
            {"decay_%s_best_lambda", "%g", lambdas[best]}, {"decay_%s_best_test", "%.1f", end[o][best].test_acc},
            {"decay_%s_best_test_low", "%.1f", end[o][best].test_low},
            {"decay_%s_best_test_high", "%.1f", end[o][best].test_high},
            {"decay_%s_gain", "%.2f", end[o][best].test_acc - end[o][0].test_acc},   /* in test images: */
            {"decay_%s_gain_images", "%.1f", (end[o][best].test_acc - end[o][0].test_acc) * DIGITS_TEST_COUNT / 100},
            {"decay_%s_strongest_test", "%.1f", top->test_acc}, {"decay_%s_strongest_train", "%.1f", top->train_acc},
            {"decay_%s_strongest_norm", "%.2f", top->fc1_norm}, {NULL}});
        for (int k = 0; k < DECAYS; k++)   /* the rows: lambda is decay_lambda_k */
            report_value(r, value_name(r, "decay_%s_test_%d", tags[o], k), "%.1f", end[o][k].test_acc);
    }
    for (int k = 0; k < DECAYS; k++) report_value(r, value_name(r, "decay_lambda_%d", k), "%g", lambdas[k]);
    report_values(r, NULL, (NamedValue[]){{"decay_steps", "%d", mlp_steps(a)}, {"decay_seeds", "%d", seeds},
                                          {"decay_lr", "%g", MLP_LR}, {"decay_none_train", "%.1f", end[1][0].train_acc},
                                          {"decay_none_test", "%.1f", end[1][0].test_acc},
                                          {"decay_none_test_low", "%.1f", end[1][0].test_low},
                                          {"decay_none_test_high", "%.1f", end[1][0].test_high},
                                          {"decay_none_norm", "%.2f", end[1][0].fc1_norm}, {NULL}});
    memcpy(adamw, end[1], sizeof end[1]);
}

/* ---- 4. lr times lambda, or lambda alone: the two ways the notes write it ------- */

static void two_formulas(Report *r, const LessonArgs *a, Problem *p)
{
    const int steps = mlp_steps(a);
    const float lambda = 0.01f, alpha = 1e-3f;   /* PyTorch's default lr */
    enum { TORCH, LAMBDA, TORCH_COS, PAPER_COS, LAMBDA_COS, RUNS };
    const DecayRecipe recipes[RUNS] = {
        {.rule = ADAMW_TORCH, .lr = alpha, .lambda = lambda},   /* (a): decay lr lambda per step */
        {.rule = DECOUPLED, .lr = alpha, .lambda = lambda},     /* (b): decay lambda per step */
        /* PyTorch at lr_t = alpha eta_t with weight_decay lambda / alpha, the
         * paper's Algorithm 2 with (alpha, lambda, eta_t), and (b) under the
         * same schedule */
        {.rule = ADAMW_TORCH, .lr = alpha, .lambda = lambda / alpha, .cosine = true},
        {.rule = DECOUPLED, .lr = alpha, .lambda = lambda, .cosine = true, .decay_in_schedule = true},
        {.rule = DECOUPLED, .lr = alpha, .lambda = lambda, .cosine = true},
    };
    const char *labels[RUNS] = {"(a) PyTorch, optax", "(b) lambda alone", "cosine: PyTorch", "cosine: paper, Alg. 2",
                                "cosine: (b)"};
    const char *tags[RUNS] = {"a", "b", "torch_cos", "paper_cos", "b_cos"};
    size_t n = paramlist_numel(&p->params);
    float *theta[RUNS];
    double *norm[RUNS];
    MlpEnd end[RUNS];
    for (int k = 0; k < RUNS; k++) {
        theta[k] = floats_new(n), norm[k] = doubles_new((size_t)steps + 1);
        end[k] = flat_run(p, (uint64_t)a->seed, &recipes[k], steps, MLP_BATCH, theta[k], norm[k]);
    }
    double apart = max_abs_difference(theta[TORCH_COS], theta[PAPER_COS], n);
    double largest = max_abs_difference(theta[TORCH_COS], NULL, n);

    const Column columns[] = {{"decay", "%s"}, {"shrink/step\nfirst", "%.1e"}, {"\nlast", "%.1e"},
                              {"half-life\nsteps", "%.0f"}, {"\n||fc1.w||", "%.2f"}, {"accuracy\ntrain", "%.1f"},
                              {"\ntest", "%.1f"}, {NULL, NULL}};
    Table *t = table_begin(r, "two_formulas", "AdamW's decay written two ways, at lambda 0.01 and lr 0.001",
                           columns);
    for (int k = 0; k < RUNS; k++) {
        double first, last;   /* the shrink of a weight with no gradient, first and last step */
        recipe_shrink(&recipes[k], steps, &first, &last);
        double half_life = log(2) / -log1p(-first);
        table_row(t, labels[k], first, last, half_life, end[k].fc1_norm, end[k].train_acc, end[k].test_acc);
        report_values(r, tags[k], (NamedValue[]){
            {"formula_%s_shrink", "%.1e", first}, {"formula_%s_half_life", "%.0f", half_life},
            {"formula_%s_norm", "%.2f", end[k].fc1_norm}, {"formula_%s_train", "%.1f", end[k].train_acc},
            {"formula_%s_test", "%.1f", end[k].test_acc}, {NULL}});
    }
    table_note(t, "the digits MLP, %d steps of batch %d from the same start and batches. (a)", steps, MLP_BATCH);
    table_note(t, "w -= lr (adam_step + lambda w); (b) w -= lr adam_step + lambda w. Cosine: eta_t from");
    table_note(t, "1 to 0, lr_t = alpha eta_t, PyTorch's weight_decay lambda/alpha = %g, the paper's", lambda / alpha);
    table_note(t, "decay eta_t lambda. Half-life: of a weight with no gradient, at the first step's");
    table_note(t, "shrink. PyTorch against the paper: largest |difference| %.1e (relative %.1e)", apart,
               apart / largest);
    table_end(t);

    Figure *fig = report_figure(r, "06_two_formulas");
    fprintf(figure_commands(fig), "set xlabel 'step'\nset ylabel '||fc1.weight||'\n"
                                  "set xrange [0:%d]\nset yrange [0:*]\nset key top left\n", steps);
    const char *styles[RUNS] = {"lines ls 1", "lines ls 2", "lines ls 3", "lines ls 5 dt 2", "lines ls 6"};
    for (int k = 0; k < RUNS; k++) figure_curve(fig, styles[k], norm[k], 0, steps, "%s", labels[k]);
    figure_close(fig);
    report_values(r, NULL, (NamedValue[]){{"formula_lambda", "%g", lambda}, {"formula_lr", "%g", alpha},
                                          {"formula_steps", "%d", steps}, {"formula_torch_wd", "%g", lambda / alpha},
                                          {"formula_paper_apart", "%.1e", apart},
                                          {"formula_paper_relative", "%.1e", apart / largest},
                                          {"formula_start_norm", "%.2f", norm[TORCH][0]},
                                          /* optax.adamw's default weight_decay 1e-4 at lr 1e-3 */
                                          {"formula_optax_half_life", "%.2g", log(2) / -log1p(-1e-3 * 1e-4)},
                                          {NULL}});
    for (int k = 0; k < RUNS; k++) free(theta[k]), free(norm[k]);
}

/* ---- 5. param groups on the MLP: decay the matrices, not the biases ------------- */

/* snippet: decay_groups, shown in 06_adamw */
/* Group 0, "decay": the weight matrices; group 1, "no_decay": the rest
 * (biases, LayerNorm gains) and, on the GPT, the embeddings: the grouping of
 * minGPT. (nanoGPT decays every 2-D tensor, the embeddings too.) */
static int decay_group(const Tensor *param)
{
    bool embedding = strcmp(param->name, "wte.weight") == 0 ||
                     strcmp(param->name, "wpe.weight") == 0;
    return param->ndim == 2 && !embedding ? 0 : 1;
}

static ParamGrouping matrices_only(float lambda)
{
    return (ParamGrouping){2, {"decay", "no_decay"}, decay_group, {lambda, 0.0f}};
}
/* end snippet */

/* Decay on the matrices only, against section 3's AdamW runs (adamw[], at
 * DECAY_LAMBDA): decay on every tensor, and none. */
static void groups_mlp(Report *r, const LessonArgs *a, Problem *p, const MlpEnd adamw[DECAYS])
{
    const int rows[2] = {4, 5};   /* lambda 0.1 and 1 in DECAY_LAMBDA */
    const int seeds = a->quick ? 1 : 3;
    const Column columns[] = {{"weight\ndecay", "%g"}, {"decay on", "%s"}, {"accuracy\ntrain", "%.1f"},
                              {"\ntest", "%.1f"}, {"\nloss", "%.4f"}, {"norm\nfc1.weight", "%.2f"},
                              {"\nbiases", "%.3f"}, {NULL, NULL}};
    Table *t = table_begin(r, "groups_mlp", "AdamW on the digits MLP: decay on every tensor, or on the matrices",
                           columns);
    const MlpEnd *none = &adamw[0];
    table_row(t, 0.0, "nothing", none->train_acc, none->test_acc, none->loss, none->fc1_norm, none->bias_norm);
    for (int k = 0; k < 2; k++) {
        float lambda = DECAY_LAMBDA[rows[k]];
        ParamGrouping groups = matrices_only(lambda);
        AdamConfig cfg;
        Run run = mlp_run(a, &ADAMW_SPEC, &cfg, lambda);
        run.groups = &groups;
        MlpEnd end[2] = {adamw[rows[k]], mlp_end(p, run, seeds)};
        for (int g = 0; g < 2; g++)
            table_row(t, (double)lambda, g ? "matrices" : "everything", end[g].train_acc, end[g].test_acc,
                      end[g].loss, end[g].fc1_norm, end[g].bias_norm);
        char tag[8];
        snprintf(tag, sizeof tag, "%d", k);
        report_values(r, tag, (NamedValue[]){
            {"groups_lambda_%s", "%g", lambda}, {"groups_all_test_%s", "%.1f", end[0].test_acc},
            {"groups_matrices_test_%s", "%.1f", end[1].test_acc}, {"groups_all_train_%s", "%.1f", end[0].train_acc},
            {"groups_matrices_train_%s", "%.1f", end[1].train_acc}, {"groups_all_bias_%s", "%.3f", end[0].bias_norm},
            {"groups_matrices_bias_%s", "%.3f", end[1].bias_norm}, {NULL}});
    }
    table_note(t, "matrices: fc1.weight and fc2.weight in a group with the decay, the biases in a");
    table_note(t, "group without. Accuracy in percent; biases: ||(fc1.bias, fc2.bias)||; the mean of %d", seeds);
    table_note(t, "start%s, %d steps of batch %d at lr %g", seeds > 1 ? "s" : "", mlp_steps(a), MLP_BATCH, MLP_LR);
    table_end(t);
    report_values(r, NULL, (NamedValue[]){{"groups_none_test", "%.1f", none->test_acc},
                                          {"groups_none_bias", "%.3f", none->bias_norm}, {NULL}});
}

/* ---- 6. param groups on the tiny GPT --------------------------------------------- */

#define GPT_LR 3e-3f   /* Adam's best of chapter 5 on the GPT */
#define GPT_RUNS 5

static void groups_gpt(Report *r, const LessonArgs *a)
{
    Problem *p = must_gpt(a->quick, (uint64_t)a->seed);
    Run base = lesson_run(a, &ADAMW_SPEC, GPT_LR, a->quick ? 24 : 250, 16);
    const float lambdas[GPT_RUNS] = {0, 0.1f, 0.1f, 1, 1};
    const bool grouped[GPT_RUNS] = {false, true, false, true, false};
    const char *tags[GPT_RUNS] = {"none", "matrices_01", "all_01", "matrices_1", "all_1"};
    GptEnd end[GPT_RUNS];
    for (int k = 0; k < GPT_RUNS; k++) {
        AdamWConfig cfg = ADAMW_DEFAULTS;
        ParamGrouping groups = matrices_only(lambdas[k]);
        Run run = base;
        cfg.weight_decay = lambdas[k], run.config = &cfg, run.groups = grouped[k] ? &groups : NULL;
        end[k] = gpt_end(p, run);
        if (!isfinite(end[k].val_loss)) fail("AdamW diverged on the GPT at lr %g", GPT_LR);
    }
    const Column columns[] = {{"weight\ndecay", "%g"}, {"decay on", "%s"}, {"validation\nloss", "%.4f"},
                              {"above the\nfloor", "%.4f"}, {"LayerNorm\ngain mean", "%.3f"}, {"norm\nwte", "%.2f"},
                              {"\nwpe", "%.2f"}, {NULL, NULL}};
    Table *t = table_begin(r, "groups_gpt", "AdamW on the tiny GPT: which tensors decay", columns);
    for (int k = 0; k < GPT_RUNS; k++) {
        table_row(t, (double)lambdas[k], k == 0 ? "nothing" : grouped[k] ? "matrices" : "everything",
                  end[k].val_loss, end[k].val_loss - p->min_loss, end[k].gain_mean, end[k].wte, end[k].wpe);
        report_values(r, tags[k], (NamedValue[]){{"gpt_%s_val", "%.3f", end[k].val_loss},
                                                 {"gpt_%s_gap", "%.3f", end[k].val_loss - p->min_loss},
                                                 {"gpt_%s_gain", "%.3f", end[k].gain_mean},
                                                 {"gpt_%s_wte", "%.2f", end[k].wte}, {NULL}});
    }
    table_note(t, "matrices: every weight matrix of the blocks; not the biases, the LayerNorm gains and");
    table_note(t, "biases, wte and wpe. lr %g, %d steps of %d windows from the same start and batches;",
               GPT_LR, base.steps, base.batch);
    table_note(t, "the floor, the lowest loss any model can reach: %.4f nats per character", p->min_loss);
    table_end(t);

    /* No decay, and decay 1 on the matrices or on everything (at 0.1 the curves overlap). */
    int window = base.steps >= 30 ? base.steps / 30 : 1, shown[3] = {0, 3, 4};
    const char *styles[3] = {"lines ls 3", "lines ls 1", "lines ls 2"};
    Figure *fig = report_figure(r, "06_groups_gpt");
    fprintf(figure_commands(fig), "set xlabel 'step'\nset ylabel 'batch loss (nats per character)'\n"
                                  "set xrange [0:%d]\nset key top right\n", base.steps + window);
    for (int i = 0; i < 3; i++) {
        int k = shown[i];
        char title[64] = "no decay";
        if (k) snprintf(title, sizeof title, "decay %g on %s", lambdas[k], grouped[k] ? "the matrices" : "everything");
        figure_window_means(fig, styles[i], end[k].batch_loss, window, base.steps / window, "%s", title);
    }
    figure_hline(fig, "lines ls 8 dt 2", 0, base.steps + window, p->min_loss, "the floor");
    figure_close(fig);
    report_values(r, NULL, (NamedValue[]){{"gpt_lr", "%g", GPT_LR}, {"gpt_steps", "%d", base.steps},
                                          {"gpt_batch", "%d", base.batch}, {"gpt_floor", "%.3f", p->min_loss},
                                          {"gpt_window", "%d", window}, {NULL}});
    for (int k = 0; k < GPT_RUNS; k++) free(end[k].batch_loss);
    problem_free(p);
}

/* ==== the program ==== */

int main(int argc, char **argv)
{
    LessonArgs args = LESSON_DEFAULTS;
    args.steps = 2000;   /* the digits MLP's steps (--quick: a quarter of 200) */
    Report report;
    lesson_open(&report, "06_adamw", FLAGS, &args, argc, argv);
    Problem *mlp = must_mlp(MLP_HIDDEN, (uint64_t)args.seed);   /* each run resets it to its own start */
    MlpEnd adamw[DECAYS];
    shrink_rate(&report);
    sgd_equivalence(&report, &args, mlp);
    decay_strengths(&report, &args, mlp, adamw);
    two_formulas(&report, &args, mlp);
    groups_mlp(&report, &args, mlp, adamw);
    groups_gpt(&report, &args);
    /* 7. what AdamW keeps: Adam's exp_avg and exp_avg_sq */
    size_t bytes = run_state_bytes(mlp, (Run){.optimizer = &ADAMW_SPEC, .lr = MLP_LR});
    report_value(&report, "state_per_param", "%d", (int)(bytes / paramlist_numel(&mlp->params)));
    problem_free(mlp);
    return report_close(&report) == 0 ? 0 : 1;
}
