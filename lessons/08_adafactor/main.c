/* main.c - lesson 08's program: every table and figure of the Adafactor chapter.
 *
 *     build/bin/08_adafactor [--steps=N] [--seed=S] [--quick] [--out=DIR]
 *
 * Tables print here and go to DIR/out/08_adafactor/, figures to DIR/fig/.
 * --steps is the digits MLP's steps in sections 2 and 3 (2000; with --quick,
 * a quarter of --steps, which is then 200 unless given; at least 20);
 * --seed draws the starts and batches (section 3's comparison averages this
 * seed and the next two); --quick shrinks every experiment so that the whole
 * program runs in about a second (the tests use it). The runs are lesson
 * 07's trace_run; the measurements of Adafactor's estimate as it runs (a
 * Watch), of the state it allocates, of its clipping and of its relative
 * step are adafactor_measures.h's. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "adafactor.h"
#include "adamw.h"
#include "experiment.h"
#include "adafactor_measures.h"
#include "recipe.h"
#include "runs.h"

static const OptionSpec FLAGS[] = {
    LESSON_FLAGS("the digits MLP's steps in sections 2 and 3; fewer than 20 run as 20"),
    {NULL, 0, 0, NULL, 0, 0},
};

#define MLP_HIDDEN 32   /* the digits MLP of the earlier chapters: 64-32-10, tanh */
#define MLP_BATCH 32

/* The matrices whose estimate the program watches: the MLP's two, a block's of the GPT. */
static const char *const MLP_MATRICES[2] = {"fc1.weight", "fc2.weight"};
#define GPT_WATCHED 5
static const char *const GPT_MATRICES[GPT_WATCHED] = {
    "h.0.attn.c_attn.weight", "h.0.attn.c_proj.weight", "h.0.mlp.c_fc.weight",
    "h.0.mlp.c_proj.weight", "wte.weight"};

static int mlp_steps(const LessonArgs *a)
{
    return lesson_steps(a, 4, 20);   /* --quick: a quarter, at least 20 */
}

/* ---- 1. memory: what each optimizer allocates, as the ledger counts it ------------- */

/* The row of some parameters: AdamW's state and Adafactor's, b. */
static void memory_row(Table *t, Report *r, const char *label, const char *tag, const char *shape,
                       StateBytes b)
{
    double adamw = b.adamw, ada = b.adafactor, n = b.params;
    table_row(t, label, shape, n, adamw, ada, ada / n, adamw / ada);
    report_values(r, tag, (NamedValue[]){{"mem_%s_params", "%.0f", n}, {"mem_%s_adamw", "%.0f", adamw},
                                         {"mem_%s_adafactor", "%.0f", ada}, {"mem_%s_per_param", "%.3g", ada / n},
                                         {"mem_%s_adamw_per_param", "%.3g", adamw / n},
                                         {"mem_%s_numbers_per_param", "%.2g", ada / n / sizeof(float)},
                                         {"mem_%s_ratio", "%.0f", adamw / ada}, {NULL}});
}

static void memory(Report *r, Problem *mlp, Problem *gpt)
{
    const Column columns[] = {{"parameters", "%s"}, {"shape", "%s"}, {"count", "%.0f"},
                              {"state bytes\nAdamW", "%.0f"}, {"\nAdafactor", "%.0f"},
                              {"Adafactor\nper param", "%.3g"}, {"AdamW /\nAdafactor", "%.0f"},
                              {NULL, NULL}};
    Table *t = table_begin(r, "memory", "Optimizer state, as the allocations count it", columns);
    const char *tags[4] = {"fc1_weight", "fc1_bias", "fc2_weight", "fc2_bias"};
    char shape[32];
    for (int i = 0; i < 4; i++) {
        ParamList one = {1, &mlp->params.params[i], &mlp->params.grads[i]};
        shape_text(one.params[0], shape, sizeof shape);
        memory_row(t, r, one.params[0]->name, tags[i], shape, state_bytes(one));
    }
    memory_row(t, r, "the digits MLP", "mlp", "", state_bytes(mlp->params));
    memory_row(t, r, "one large layer", "layer", "4096 x 4096", layer_state_bytes(4096, 4096));
    memory_row(t, r, "the tiny GPT", "gpt", "", state_bytes(gpt->params));
    table_note(t, "bytes of float32 state each optimizer allocates at its defaults, read from the");
    table_note(t, "memory ledger; AdamW: exp_avg and exp_avg_sq, 8 bytes per parameter; Adafactor:");
    table_note(t, "row_var and col_var for a matrix, variance for a vector");
    table_end(t);
}

/* ---- 2. how good the rank-1 estimate is -------------------------------------------- */

/* The table of how far the estimate is from v, matrix by matrix; values
 * PREFIX_TAG_err_1, _err_last, _ratio, _uerr, _mean_v. */
static void estimate_table(Report *r, const char *name, const char *title, const char *prefix, const Watch *w,
                           int count, int steps)
{
    const int at[4] = {1, steps < 10 ? steps : 10, steps < 100 ? steps : 100, steps};
    const Column columns[] = {{"matrix", "%s"}, {"shape", "%s"}, {"error of V\nstep 1", "%.3f"},
                              {"\n10", "%.3f"}, {"\n100", "%.3f"}, {"\nlast", "%.3f"},
                              {"median\nV / v", "%.3f"}, {"error\nof U", "%.3f"}, {NULL, NULL}};
    Table *t = table_begin(r, name, title, columns);
    for (int k = 0; k < count; k++) {
        char shape[32], tag[64];
        snprintf(shape, sizeof shape, "%d x %d", w[k].rows, w[k].cols);
        snprintf(tag, sizeof tag, "%s_%s", prefix, w[k].name);
        for (char *c = tag; *c; c++) *c = *c == '.' ? '_' : *c;   /* h.0.mlp -> h_0_mlp */
        const double *e = w[k].v_error;
        table_row(t, w[k].name, shape, e[at[0]], e[at[1]], e[at[2]], e[at[3]], w[k].median_ratio,
                  w[k].u_error[steps]);
        report_values(r, tag, (NamedValue[]){{"%s_err_1", "%.3f", e[1]}, {"%s_err_last", "%.3f", e[steps]},
                                             {"%s_ratio", "%.3f", w[k].median_ratio},
                                             {"%s_uerr", "%.3f", w[k].u_error[steps]},
                                             {"%s_mean_v", "%.1e", w[k].mean_v}, {NULL}});
    }
    table_note(t, "V: Adafactor's estimate row_var col_var^T / mean(row_var); v: the whole second");
    table_note(t, "moment, averaged with the same beta2_t = 1 - t^-0.8. Error of V: ||V - v|| / ||v||");
    table_note(t, "after the step; error of U: ||U - U_v|| / ||U_v|| after the last, U = g / sqrt(V)");
    table_note(t, "and U_v = g / sqrt(v) the updates before clipping; median V / v: after the last");
    table_end(t);
}

/* The MLP's two matrices over a run of Adafactor at PyTorch's defaults;
 * w[2] keeps them for the figure of section 6. */
static void estimate_mlp(Report *r, const LessonArgs *a, Problem *p, Watch w[2])
{
    const int steps = mlp_steps(a);
    Run run = lesson_run(a, &ADAFACTOR_SPEC, ADAFACTOR_DEFAULTS.lr, steps, MLP_BATCH);
    Trace tr = watch_matrices(p, run, MLP_MATRICES, 2, w);
    if (tr.steps_done < steps) fail("Adafactor diverged on the MLP");
    estimate_table(r, "estimate_mlp", "Adafactor's estimate against the whole second moment: the MLP", "est_mlp",
                   w, 2, steps);
    double one[2];   /* one step on one example: a rank-1 g^2 */
    one_example_error(p, run, MLP_MATRICES, 2, one);
    report_values(r, NULL, (NamedValue[]){{"est_mlp_steps", "%d", steps},
                                          {"est_one_example_fc1", "%.1e", one[0]},
                                          {"est_one_example_fc2", "%.1e", one[1]},
                                          {"est_mlp_first_rms_fc1", "%.3f", w[0].u_rms[1]},
                                          {"est_mlp_first_rms_fc2", "%.3f", w[1].u_rms[1]},
                                          /* R C^T without the division by mean(R) is mean(v) times V */
                                          {"est_mlp_product_u_factor", "%.0f", 1 / sqrt(w[0].mean_v)}, {NULL}});
    trace_free(&tr);
}

/* ---- 3. Adafactor against AdamW on the MLP: every learning rate, then curves ----- */

#define SWEEP_LRS 13

/* The sweep's table: each optimizer's final loss and test accuracy at
 * each learning rate. */
static void sweep_table(Report *r, const SeedSweep s[2] /* AdamW, Adafactor */, int steps)
{
    const Column columns[] = {{"lr", "%.3g"}, {"AdamW\nfinal loss", "%.3g"}, {"\ntest accuracy", "%.1f"},
                              {"Adafactor\nfinal loss", "%.3g"}, {"\ntest accuracy", "%.1f"}, {NULL, NULL}};
    Table *t = table_begin(r, "sweep", "AdamW and Adafactor on the MLP at every learning rate", columns);
    for (int k = 0; k < s[0].count; k++)
        table_row(t, (double)s[0].lr[k], s[0].at[k].loss.mean, s[0].at[k].accuracy.mean, s[1].at[k].loss.mean,
                  s[1].at[k].accuracy.mean);
    table_note(t, "%d steps of batch %d from the same start and batches; final loss on all training", steps,
               MLP_BATCH);
    table_note(t, "examples, test accuracy in percent. AdamW's lr is its step; Adafactor's caps the");
    table_note(t, "relative step rho_t = min(lr, 1/sqrt(t)), a fraction of each tensor's RMS");
    table_end(t);
}

/* The final loss against the learning rate, both optimizers. */
static void sweep_figure(Report *r, const Sweep loss[2] /* AdamW, Adafactor */)
{
    Figure *fig = report_figure_set(r, "08_sweep", "set xlabel 'lr'\nset ylabel 'final training loss'\n"
                                    "set logscale xy\nset format x '10^{%%L}'\nset format y '10^{%%L}'\n"
                                    "set xrange [%g:%g]\nset key top center\n",
                                    loss[0].lr[0] / 2, loss[0].lr[loss[0].count - 1] * 2);
    figure_sweep(fig, "linespoints ls 1 pt 5", &loss[0], "%s", "AdamW");
    figure_sweep(fig, "linespoints ls 2 pt 7", &loss[1], "%s", "Adafactor (lr caps ρ_t)");
    figure_close(fig);
}

/* One optimizer's values of the sweep (tag "adamw", "adafactor"): its best
 * learning rate, which it returns, the band of those within a factor of 10
 * of the best loss, and those that ended no better than a guess, ln 10. */
static float sweep_values(Report *r, const char *tag, const Sweep *loss, const SeedSweep *s)
{
    if (loss->best < 0) fail("%s diverged at every learning rate", tag);
    LrBand band = sweep_lr_band(loss, 10);
    int failed = sweep_failed(loss, log(10));
    float best = loss->lr[loss->best];
    report_values(r, tag, (NamedValue[]){
        {"sweep_%s_best_lr", "%.3g", best}, {"sweep_%s_best_loss", "%.2g", loss->score[loss->best]},
        {"sweep_%s_band_lo", "%.3g", band.from}, {"sweep_%s_band_hi", "%.3g", band.to},
        {"sweep_%s_band_decades", "%.2g", band.decades}, {"sweep_%s_failed", "%d", failed},
        {"sweep_%s_top_test", "%.1f", s->at[loss->count - 1].accuracy.mean},
        {"sweep_%s_bottom_loss", "%.3g", loss->score[0]}, {NULL}});
    return best;
}

/* Both optimizers at each learning rate from 1e-4 to 1; best[2] gets each
 * one's learning rate of the lowest final loss. */
static void sweep(Report *r, const LessonArgs *a, Problem *p, float best[2])
{
    const int steps = mlp_steps(a), count = a->quick ? 5 : SWEEP_LRS;
    float lrs[SWEEP_LRS];
    lr_grid(lrs, count, a->quick ? -4 : -12, a->quick ? 1 : 3);
    SeedSweep s[2] = {sweep_seeds(p, lesson_run(a, &ADAMW_SPEC, 0, steps, MLP_BATCH), 1, 1000, lrs, count),
                      sweep_seeds(p, lesson_run(a, &ADAFACTOR_SPEC, 0, steps, MLP_BATCH), 1, 1000, lrs, count)};
    Sweep loss[2] = {seed_sweep_losses(&s[0]), seed_sweep_losses(&s[1])};
    sweep_table(r, s, steps);
    sweep_figure(r, loss);
    best[0] = sweep_values(r, "adamw", &loss[0], &s[0]);
    best[1] = sweep_values(r, "adafactor", &loss[1], &s[1]);
    report_values(r, NULL, (NamedValue[]){{"sweep_steps", "%d", steps}, {"sweep_count", "%d", count},
                                          {"sweep_lr_lo", "%g", lrs[0]},
                                          {"sweep_lr_hi", "%g", lrs[count - 1]},
                                          {"sweep_cap_free_lr", "%.3g", 1 / sqrt(steps)}, {NULL}});
}

#define COMPARED 4

/* The first start's batch losses of each row, smoothed over windows. */
static void compare_figure(Report *r, const Compared *rows /* [COMPARED] */,
                           const TraceSeeds *runs /* [COMPARED] */, int steps)
{
    int window = steps >= 50 ? steps / 50 : 1;
    Figure *fig = loss_figure(r, "08_compare_mlp", "set key bottom left\n");
    const char *styles[COMPARED] = {"lines ls 1 dt 2", "lines ls 1", "lines ls 2 dt 2", "lines ls 2"};
    for (int k = 0; k < COMPARED; k++)
        figure_window_means(fig, styles[k], runs[k].curve, window, steps / window, "%s, lr %.3g",
                            k < 2 ? "AdamW" : "Adafactor", rows[k].lr);
    figure_close(fig);
}

/* Both optimizers at PyTorch's learning rate and at the sweep's best[2],
 * from `seeds` starts each. */
static void compare_mlp(Report *r, const LessonArgs *a, Problem *p, const float best[2])
{
    const int steps = mlp_steps(a), seeds = a->quick ? 1 : 3;
    const Compared rows[COMPARED] = {
        {"AdamW, PyTorch's lr", "adamw_default", &ADAMW_SPEC, NULL, ADAMW_DEFAULTS.lr},
        {"AdamW, the sweep's best", "adamw_best", &ADAMW_SPEC, NULL, best[0]},
        {"Adafactor, PyTorch's lr", "adafactor_default", &ADAFACTOR_SPEC, NULL,
         ADAFACTOR_DEFAULTS.lr},
        {"Adafactor, the sweep's best", "adafactor_best", &ADAFACTOR_SPEC, NULL, best[1]}};
    TraceSeeds runs[COMPARED];
    compare_seeds(p, lesson_run(a, NULL, 0, steps, MLP_BATCH), rows, COMPARED, seeds, runs);
    const Column columns[] = {{"optimizer", "%s"}, {"lr", "%.3g"}, {"final\nloss", "%.2g"},
                              {"test accuracy\nmean", "%.1f"}, {"\nlowest", "%.1f"}, {"\nhighest", "%.1f"},
                              {NULL, NULL}};
    Table *t = table_begin(r, "compare_mlp", "AdamW and Adafactor on the digits MLP", columns);
    for (int k = 0; k < COMPARED; k++) {
        Spread l = runs[k].loss, te = runs[k].test;
        table_row(t, rows[k].label, (double)rows[k].lr, l.mean, te.mean, te.low, te.high);
        report_values(r, rows[k].tag, (NamedValue[]){{"cmp_%s_lr", "%.3g", rows[k].lr},
                                                     {"cmp_%s_loss", "%.2g", l.mean}, {"cmp_%s_test", "%.1f", te.mean},
                                                     {"cmp_%s_test_low", "%.1f", te.low},
                                                     {"cmp_%s_test_high", "%.1f", te.high}, {NULL}});
    }
    table_note(t, "%d steps of batch %d, the mean of %d start%s; loss on all training examples,", steps, MLP_BATCH,
               seeds, seeds > 1 ? "s" : "");
    table_note(t, "accuracy in percent");
    table_end(t);
    compare_figure(r, rows, runs, steps);
    report_values(r, NULL, (NamedValue[]){{"cmp_steps", "%d", steps}, {"cmp_seeds", "%d", seeds},
                                          {"cmp_default_ratio", "%.2g",
                                           runs[0].loss.mean / runs[2].loss.mean},
                                          {"cmp_best_ratio", "%.2g",
                                           runs[1].loss.mean / runs[3].loss.mean},
                                          {NULL}});
    for (int k = 0; k < COMPARED; k++) free(runs[k].curve);
}

/* ---- 4. update clipping over the first steps ------------------------------------- */

#define CLIP_STEPS 50
#define CLIP_RUNS 6
#define PYTORCH_DECAY -0.8   /* beta2_decay's default: beta2_t = 1 - t^-0.8 */
#define SLOW_DECAY -3.0      /* beta2_t = 1 - t^-3: 0.999 by step 10, a memory that goes stale */

/* The runs of the clipping table (ClipRun: lr, beta2_decay, d). */
static const ClipRun CLIP[CLIP_RUNS] = {{0.01f, PYTORCH_DECAY, 1}, {0.01f, PYTORCH_DECAY, INFINITY},
                                        {1, PYTORCH_DECAY, 1},     {1, PYTORCH_DECAY, INFINITY},
                                        {1, SLOW_DECAY, 1},        {1, SLOW_DECAY, INFINITY}};

/* Run k's row: how large RMS(U) grew in each matrix and how often it went
 * past 1, the highest batch loss and the final loss. */
static void clip_row(Table *t, Report *r, int k, const Trace *tr, const Watch w[2])
{
    ClipOutcome o = clip_outcome(tr, w);
    const double *big = o.largest;
    table_row(t, (double)CLIP[k].lr, CLIP[k].decay, CLIP[k].d, big[0], big[1], o.over, o.highest,
              tr->end_loss);
    report_values(r, value_tag(r, "%d", k), (NamedValue[]){
        {"clip_%s_largest_fc1", "%.3g", big[0]}, {"clip_%s_largest_fc2", "%.3g", big[1]},
        {"clip_%s_over", "%d", o.over}, {"clip_%s_highest", "%.3g", o.highest},
        {"clip_%s_loss", "%.3g", tr->end_loss}, {NULL}});
}

/* The table of the runs, begun (its columns outlive the call: the table reads them
 * to its end). */
static Table *clip_table(Report *r)
{
    static const Column columns[] = {{"lr", "%g"}, {"beta2_decay", "%g"}, {"d", "%g"},
                              {"largest RMS(U)\nfc1.weight", "%.3g"}, {"\nfc2.weight", "%.3g"},
                              {"steps with\nRMS(U) > 1", "%d"},
                              {"highest\nbatch loss", "%.3g"}, {"final\nloss", "%.3g"}, {NULL, NULL}};
    return table_begin(r, "clipping", "Adafactor's first steps on the MLP, with and without clipping", columns);
}

/* The table's notes, and its end. */
static void clip_table_end(Table *t, int steps)
{
    table_note(t, "U = g / sqrt(V), before clipping, over the first %d steps (steps with RMS(U) > 1:", steps);
    table_note(t, "in either matrix); d = inf: no clipping. beta2_decay %g: beta2_t = 1 - t^%g, %.3f", SLOW_DECAY,
               SLOW_DECAY, beta2_at(SLOW_DECAY, 10));
    table_note(t, "at step 10 (PyTorch's %g: %.3f). Final loss on all training examples", PYTORCH_DECAY,
               beta2_at(PYTORCH_DECAY, 10));
    table_end(t);
}

/* Adafactor's first steps at lr 0.01 and 1, beta2_decay -0.8 and -3, with
 * and without clipping; the figures show RMS(U) and the loss at lr 1. */
static void clipping(Report *r, const LessonArgs *a, Problem *p)
{
    const int steps = a->quick ? 20 : CLIP_STEPS;
    Table *t = clip_table(r);
    Figure *rms = report_figure_set(r, "08_clipping", "set xlabel 'step'\nset ylabel 'RMS(U) of fc1.weight, "
                                    "before clipping'\nset logscale y\nset xrange [1:%d]\nset yrange [0.1:100]\n"
                                    "set key top left\n", steps);
    Figure *loss = loss_figure(r, "08_clipping_loss", "set key top left\n");
    fprintf(figure_commands(loss), "set xrange [0:%d]\n", steps);
    const char *styles[4] = {"lines ls 1", "lines ls 1 dt 2", "lines ls 2", "lines ls 2 dt 2"};
    Trace tr[CLIP_RUNS];
    Watch w[CLIP_RUNS][2];
    clip_runs(p, lesson_run(a, &ADAFACTOR_SPEC, 0, steps, MLP_BATCH), CLIP, CLIP_RUNS, MLP_MATRICES, tr, w);
    for (int k = 0; k < CLIP_RUNS; k++) {
        clip_row(t, r, k, &tr[k], w[k]);
        if (CLIP[k].lr != 1) continue;   /* the figures show the runs at lr 1 */
        const char *how = isinf(CLIP[k].d) ? "no clipping" : "d = 1";
        figure_curve(rms, styles[k - 2], w[k][0].u_rms, 1, steps, "β_2 decay %g, %s", CLIP[k].decay,
                     how);
        figure_curve(loss, styles[k - 2], tr[k].loss, 0, steps - 1, "β_2 decay %g, %s",
                     CLIP[k].decay, how);
    }
    clip_table_end(t, steps);
    figure_hline(rms, "lines ls 8 dt 3", 1, steps, 1.0, "d = 1");
    figure_close(rms), figure_close(loss);
    report_values(r, NULL, (NamedValue[]){{"clip_steps", "%d", steps}, {"clip_slow_decay", "%g", SLOW_DECAY},
                                           /* the same start and first batch in every run */
                                           {"clip_start_loss", "%.3g", tr[CLIP_RUNS - 1].loss[0]},
                                           {"clip_slow_beta2_10", "%.3f", beta2_at(SLOW_DECAY, 10)},
                                           {"clip_beta2_10", "%.3f", beta2_at(PYTORCH_DECAY, 10)},
                                           {NULL}});
    for (int k = 0; k < CLIP_RUNS; k++)
        watch_free(&w[k][0]), watch_free(&w[k][1]), trace_free(&tr[k]);
}

/* ---- 5. the step size: the paper, PyTorch, Hugging Face ---------------------------- */

#define STEP_LAST 100000

/* rho_t of the paper, PyTorch (at lr 0.01 and 1) and warmup_init at t = 1,
 * 10 ... STEP_LAST, and the step alpha_t it gives a tensor. */
static void step_sizes(Report *r)
{
    double *torch = doubles_new(STEP_LAST + 1), *torch_1 = doubles_new(STEP_LAST + 1);
    measured_rho(ADAFACTOR_DEFAULTS.lr, STEP_LAST, torch);
    measured_rho(1.0f, STEP_LAST, torch_1);
    const Column columns[] = {{"step t", "%d"}, {"rho_t\npaper, T5, HF", "%.3g"}, {"\nPyTorch 0.01", "%.3g"},
                              {"\nPyTorch 1", "%.3g"}, {"\nwarmup_init", "%.3g"}, {"alpha_t\nRMS 0.02", "%.3g"},
                              {"\nzeros", "%.3g"}, {NULL, NULL}};
    Table *t = table_begin(r, "step_sizes", "The relative step rho_t, and the step alpha_t it gives", columns);
    for (int s = 1; s <= STEP_LAST; s *= 10) {
        double paper = rho_paper(s), warm = rho_warmup_init(s);
        table_row(t, s, paper, torch[s], torch_1[s], warm, 0.02 * paper, ADAFACTOR_DEFAULTS.eps[1] * paper);
        report_values(r, value_tag(r, "%d", s),
                      (NamedValue[]){{"rho_paper_%s", "%.3g", paper}, {"rho_torch_%s", "%.3g", torch[s]},
                                     {"rho_torch_1_%s", "%.3g", torch_1[s]}, {"rho_warmup_%s", "%.3g", warm},
                                     {"alpha_%s", "%.3g", 0.02 * paper}, {NULL}});
    }
    table_note(t, "rho_t: the paper's and T5's min(10^-2, 1/sqrt(t)), also Hugging Face's default");
    table_note(t, "(relative_step=True); PyTorch 0.01 and 1: min(lr, 1/sqrt(t)) at those lr, measured");
    table_note(t, "on adafactor_update_vector; warmup_init (HF): min(10^-6 t, 1/sqrt(t)). alpha_t =");
    table_note(t, "max(eps2, RMS(X)) rho_t with the paper's rho_t: the step of a tensor X at GPT-2's");
    table_note(t, "initial RMS of 0.02, and of a tensor of zeros (eps2 = 10^-3). Without");
    table_note(t, "scale_parameter, Hugging Face's alpha_t is rho_t itself");
    table_end(t);
    report_value(r, "rho_torch_worst", "%.1e", rho_worst(torch, STEP_LAST));
    report_value(r, "rho_steps", "%d", STEP_LAST);
    free(torch), free(torch_1);
}

/* ---- 6. the tiny GPT ------------------------------------------------------------- */

#define GPT_RUNS 4
#define GPT_BATCH 16

/* The estimate's error against the step, on the MLP's matrices and the GPT's. */
static void estimate_figure(Report *r, const Watch *mlp /* [2] */, int mlp_steps, const Watch *gpt /* [GPT_WATCHED] */,
                            int gpt_steps)
{
    Figure *fig = report_figure_set(r, "08_estimate", "set xlabel 'step'\n"
                                    "set ylabel '||V - v|| / ||v||'\nset logscale x\n"
                                    "set xrange [1:%d]\nset yrange [0:1]\n"
                                    "set key outside right noenhanced\n",
                                    mlp_steps > gpt_steps ? mlp_steps : gpt_steps);
    figure_size(fig, 6.5, 3.4);
    for (int k = 0; k < 2; k++)
        figure_log_curve(fig, k ? "lines ls 2 lw 2.5" : "lines ls 1 lw 2.5", mlp[k].v_error, mlp_steps, "MLP %s",
                         mlp[k].name);
    for (int k = 0; k < GPT_WATCHED; k++) {
        char style[32];
        snprintf(style, sizeof style, "lines ls %d", k + 3);
        figure_log_curve(fig, style, gpt[k].v_error, gpt_steps, "GPT %s", gpt[k].name);
    }
    figure_close(fig);
}

/* Each run's batch losses, smoothed over windows, over the floor. */
static void gpt_figure(Report *r, const Compared *runs /* [GPT_RUNS] */,
                       const Trace *tr /* [GPT_RUNS] */, int steps, int window, double floor)
{
    Figure *fig = step_figure(r, "08_gpt", "batch loss (nats per character)", steps,
                              "set key top right\n");
    const char *styles[GPT_RUNS] = {"lines ls 1", "lines ls 1 dt 2", "lines ls 2", "lines ls 2 dt 2"};
    for (int k = 0; k < GPT_RUNS; k++)
        figure_window_means(fig, styles[k], tr[k].loss, window, steps / window, "%s, lr %g", runs[k].label,
                            runs[k].lr);
    figure_hline(fig, "lines ls 8 dt 3", 0, steps, floor, "the floor");
    figure_close(fig);
}

/* A row of the table for each run of runs[GPT_RUNS], ended as tr[GPT_RUNS]. */
static void gpt_table(Report *r, const Problem *p, const Compared *runs /* [GPT_RUNS] */,
                      const Trace *tr /* [GPT_RUNS] */, int steps)
{
    const Column columns[] = {{"optimizer", "%s"}, {"lr", "%g"}, {"validation\nloss", "%.4f"},
                              {"above the\nfloor", "%.4f"}, {NULL, NULL}};
    Table *t = table_begin(r, "gpt", "AdamW and Adafactor on the tiny GPT", columns);
    for (int k = 0; k < GPT_RUNS; k++) {
        table_row(t, runs[k].label, (double)runs[k].lr, tr[k].end_loss, tr[k].end_loss - p->min_loss);
        report_values(r, runs[k].tag, (NamedValue[]){{"gpt_%s_val", "%.3f", tr[k].end_loss},
                                                     {"gpt_%s_gap", "%.3f", tr[k].end_loss - p->min_loss},
                                                     {"gpt_%s_lr", "%g", runs[k].lr}, {NULL}});
    }
    table_note(t, "%d steps of %d windows from the same start and batches, every optimizer at", steps, GPT_BATCH);
    table_note(t, "PyTorch's defaults but lr (and beta1 where shown). The floor, the lowest loss any");
    table_note(t, "model can reach: %.4f nats per character", p->min_loss);
    table_end(t);
}

/* AdamW, with and without momentum, and Adafactor on the tiny GPT; the
 * estimate on its matrices, beside the MLP's (mlp_watch[2]). */
static void gpt(Report *r, const LessonArgs *a, Problem *p, const Watch mlp_watch[2])
{
    const int steps = a->quick ? 24 : 250, window = steps >= 25 ? steps / 25 : 1;
    Watch w[GPT_WATCHED];
    AdamWConfig no_momentum = ADAMW_DEFAULTS;
    no_momentum.betas[0] = 0.0;
    const Compared runs[GPT_RUNS] = {
        {"AdamW", "adamw", &ADAMW_SPEC, NULL, 3e-3f},   /* Adam's best in chapter 5 */
        {"AdamW, beta1 = 0", "adamw_no_momentum", &ADAMW_SPEC, &no_momentum, 3e-3f},
        {"Adafactor", "adafactor", &ADAFACTOR_SPEC, NULL, ADAFACTOR_DEFAULTS.lr},
        {"Adafactor", "adafactor_big", &ADAFACTOR_SPEC, NULL, 0.1f}};
    Trace tr[GPT_RUNS];   /* Adafactor at PyTorch's defaults (run 2) watched in w */
    Run base = lesson_run(a, NULL, 0, steps, GPT_BATCH);   /* each run's optimizer and lr */
    compare_traces(p, base, runs, GPT_RUNS, 2, GPT_MATRICES, GPT_WATCHED, w, tr);
    gpt_table(r, p, runs, tr, steps);
    gpt_figure(r, runs, tr, steps, window, p->min_loss);
    estimate_table(r, "estimate_gpt", "Adafactor's estimate against the whole second moment: the GPT", "est_gpt",
                   w, GPT_WATCHED, steps);
    estimate_figure(r, mlp_watch, mlp_steps(a), w, steps);
    report_values(r, NULL, (NamedValue[]){{"gpt_steps", "%d", steps}, {"gpt_floor", "%.3f", p->min_loss},
                                          {"gpt_window", "%d", window}, {NULL}});
    for (int k = 0; k < GPT_WATCHED; k++) watch_free(&w[k]);
    for (int k = 0; k < GPT_RUNS; k++) trace_free(&tr[k]);
}

/* ==== the program ==== */

int main(int argc, char **argv)
{
    LessonArgs args = LESSON_DEFAULTS;
    args.steps = 2000;   /* the digits MLP's steps (--quick: a quarter of 200) */
    Report report;
    lesson_open(&report, "08_adafactor", FLAGS, &args, argc, argv);
    Problem *mlp = must_mlp(MLP_HIDDEN, (uint64_t)args.seed);   /* each run resets it to its own start */
    Problem *tiny_gpt = must_gpt(args.quick, (uint64_t)args.seed);
    Watch mlp_watch[2];
    float best[2];
    memory(&report, mlp, tiny_gpt);
    estimate_mlp(&report, &args, mlp, mlp_watch);
    sweep(&report, &args, mlp, best);
    compare_mlp(&report, &args, mlp, best);
    clipping(&report, &args, mlp);
    step_sizes(&report);
    gpt(&report, &args, tiny_gpt, mlp_watch);
    watch_free(&mlp_watch[0]), watch_free(&mlp_watch[1]);
    problem_free(mlp), problem_free(tiny_gpt);
    return report_close(&report) == 0 ? 0 : 1;
}
