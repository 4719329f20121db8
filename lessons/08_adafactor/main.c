/* main.c - lesson 08's program: every table and figure of the Adafactor chapter.
 *
 *     build/bin/08_adafactor [--steps=N] [--seed=S] [--quick] [--out=DIR]
 *
 * Tables print here and go to DIR/out/08_adafactor/, figures to DIR/fig/.
 * --steps is the digits MLP's steps in sections 2 and 3 (2000; with --quick,
 * a quarter of --steps, which is then 200 unless given; at least 20);
 * --seed draws the starts and batches (section 3's comparison averages this
 * seed and the next two); --quick shrinks every experiment so that the whole
 * program runs in about a second (the tests use it). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adafactor.h"
#include "adamw.h"
#include "experiment.h"
#include "gpt.h"
#include "runs.h"
#include "train.h"

static const OptionSpec FLAGS[] = {
    LESSON_FLAGS,
    {NULL, 0, 0, NULL, 0, 0},
};

#define MLP_HIDDEN 32   /* the digits MLP of the earlier chapters: 64-32-10, tanh */
#define MLP_BATCH 32

static int mlp_steps(const LessonArgs *a)
{
    int steps = a->quick ? a->steps / 4 : a->steps;
    return steps > 20 ? steps : 20;
}

static Run mlp_run(const LessonArgs *a, const OptimizerSpec *spec, float lr, int steps)
{
    return (Run){.optimizer = spec, .lr = lr, .steps = steps, .batch = MLP_BATCH, .seed = (uint64_t)a->seed,
                 .batch_seed = (uint64_t)a->seed};
}

/* ==== a run that watches Adafactor's estimate ==== */

/* A matrix watched during an Adafactor run. Beside the optimizer's row and
 * column means it keeps the whole second moment v that Adam would keep,
 * averaged with the same beta2_t, so that the rank-1 estimate can be held
 * against what it replaces. Arrays over steps are indexed by t = 1, 2 ... */
typedef struct {
    const char *name;        /* "fc1.weight" */
    int index, rows, cols;   /* its place in the parameters, its shape */
    float *v;                /* [rows * cols] the whole second moment */
    float *estimate;         /* [rows * cols] row_var col_var^T / mean(row_var) */
    double *v_error;         /* [steps + 1] ||estimate - v|| / ||v|| after step t */
    double *u_error;         /* [steps + 1] ||U - U_v|| / ||U_v||: U = g / sqrt(estimate),
                                U_v = g / sqrt(v), the update with the whole v */
    double *u_rms;           /* [steps + 1] RMS(U), what the clipping holds against d */
    double median_ratio;     /* the median of estimate / v after the last step */
    double mean_v;           /* the mean of v then: also the mean of row_var */
} Watch;

static Watch watch_new(const Problem *p, const char *name, int steps)
{
    int i = paramlist_find(&p->params, name);
    if (i < 0 || p->params.params[i]->ndim != 2) fail("no matrix %s to watch", name);
    const Tensor *x = p->params.params[i];
    return (Watch){.name = name, .index = i, .rows = x->shape[0], .cols = x->shape[1],
                   .v = must(calloc(x->numel, sizeof(float)), "out of memory"), .estimate = floats_new(x->numel),
                   .v_error = doubles_new((size_t)steps + 1), .u_error = doubles_new((size_t)steps + 1),
                   .u_rms = doubles_new((size_t)steps + 1)};
}

static void watch_free(Watch *w)
{
    free(w->v), free(w->estimate), free(w->v_error), free(w->u_error), free(w->u_rms);
}

/* The state `slot` ("row_var", "col_var") of parameter i. */
static const float *slot_of(const Optimizer *opt, const char *slot, int i)
{
    for (int k = 0; k < opt->num_slots; k++)
        if (strcmp(opt->slot_names[k], slot) == 0 && opt->slots[k][i]) return opt->slots[k][i]->data;
    fail("the optimizer keeps no %s for parameter %d", slot, i);
}

/* After step t: v takes this step's g^2 with Adafactor's weight t^beta2_decay,
 * and the estimate is rebuilt from the optimizer's row_var and col_var. */
static void watch_step(Watch *w, const Optimizer *opt, const AdafactorConfig *cfg, long t)
{
    const float *g = opt->params.grads[w->index]->data;
    const double eps1 = adafactor_eps1(cfg), floor = eps1 * eps1;   /* the update's clamp */
    const float weight = (float)pow((double)t, cfg->beta2_decay);
    adafactor_var_estimate(slot_of(opt, "row_var", w->index), slot_of(opt, "col_var", w->index), w->rows,
                           w->cols, eps1, w->estimate);
    size_t n = (size_t)w->rows * w->cols;
    double dv = 0, vv = 0, du = 0, uu = 0, u_sq = 0;
    for (size_t i = 0; i < n; i++) {
        w->v[i] += weight * (g[i] * g[i] - w->v[i]);   /* the library's moving average */
        double e = w->estimate[i], v = w->v[i];
        double u = g[i] / sqrt(fmax(e, floor)), u_v = g[i] / sqrt(fmax(v, floor));
        dv += (e - v) * (e - v), vv += v * v, du += (u - u_v) * (u - u_v), uu += u_v * u_v, u_sq += u * u;
    }
    w->v_error[t] = sqrt(dv / vv), w->u_error[t] = sqrt(du / uu), w->u_rms[t] = sqrt(u_sq / n);
}

/* median_ratio and mean_v, over the elements where v is not 0. */
static void watch_end(Watch *w)
{
    size_t n = (size_t)w->rows * w->cols, m = 0;
    float *ratio = floats_new(n);
    w->mean_v = 0;
    for (size_t i = 0; i < n; i++) {
        w->mean_v += w->v[i] / (double)n;
        if (w->v[i] > 0) ratio[m++] = w->estimate[i] / w->v[i];
    }
    w->median_ratio = m ? sort_median(ratio, m) : NAN;
    free(ratio);
}

/* What a run records. */
typedef struct {
    int steps_done;   /* run.steps, unless a loss was not finite */
    double *loss;     /* [steps] each step's batch loss, before the step */
    double end_loss;  /* on all training examples (the GPT: validation); INFINITY: diverged */
    double test_acc;  /* percent (NAN for the GPT) */
} Trace;

/* run.steps mini-batch steps of run from p->reset(p, run.seed); an
 * Adafactor run may watch `watches` of its matrices. */
static Trace traced_run(Problem *p, Run run, Watch *w, int watches)
{
    Trace tr = {.loss = doubles_new((size_t)run.steps), .end_loss = INFINITY, .test_acc = NAN};
    AdafactorConfig cfg = ADAFACTOR_DEFAULTS;   /* a watched run is Adafactor's */
    if (watches > 0 && run.config) cfg = *(const AdafactorConfig *)run.config;
    p->reset(p, run.seed);
    Optimizer *opt = run_optimizer(p, run);
    BatchSampler batches;
    if (batch_sampler_init(&batches, p->num_examples, run.batch_seed) != 0) fail("out of memory");
    for (int t = 0; t < run.steps; t++) {
        optimizer_zero_grad(opt);
        tr.loss[t] = p->loss_and_grad(p, batch_sampler_next(&batches, run.batch), run.batch);
        if (!isfinite(tr.loss[t])) break;
        optimizer_step(opt);
        for (int k = 0; k < watches; k++) watch_step(&w[k], opt, &cfg, t + 1);
        tr.steps_done = t + 1;
    }
    for (int k = 0; k < watches; k++) watch_end(&w[k]);
    if (tr.steps_done == run.steps) {
        tr.end_loss = p->test_accuracy ? p->loss_and_grad(p, NULL, 0) : gpt_validation_loss(p);
        if (p->test_accuracy) tr.test_acc = 100 * p->test_accuracy(p);
    }
    batch_sampler_free(&batches);
    optimizer_free(opt);
    return tr;
}

/* ---- 1. memory: what each optimizer allocates, as the ledger counts it ------------- */

/* The bytes of state `spec` (at its defaults) allocates for params. */
static size_t state_bytes(const OptimizerSpec *spec, ParamList params)
{
    MemoryLedger *ledger = params.params[0]->ledger;
    size_t before = ledger->live[TAG_STATE];
    Optimizer *opt = must(spec->create(params, spec->defaults), "out of memory");
    size_t bytes = ledger->live[TAG_STATE] - before;
    if (bytes != optimizer_state_bytes(opt)) fail("the ledger and %s disagree on its state", spec->name);
    optimizer_free(opt);
    return bytes;
}

static void memory_row(Table *t, Report *r, const char *label, const char *tag, ParamList params)
{
    double adamw = (double)state_bytes(&ADAMW_SPEC, params), ada = (double)state_bytes(&ADAFACTOR_SPEC, params);
    double n = (double)paramlist_numel(&params);
    const Tensor *x = params.params[0];
    char shape[32] = "";
    if (params.count == 1 && x->ndim == 2) snprintf(shape, sizeof shape, "%d x %d", x->shape[0], x->shape[1]);
    if (params.count == 1 && x->ndim == 1) snprintf(shape, sizeof shape, "%d", x->shape[0]);
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
    for (int i = 0; i < 4; i++)
        memory_row(t, r, mlp->params.params[i]->name, tags[i],
                   (ParamList){1, &mlp->params.params[i], &mlp->params.grads[i]});
    memory_row(t, r, "the digits MLP", "mlp", mlp->params);
    /* One layer of a large model: calloc'd pages that are never touched cost nothing. */
    MemoryLedger ledger = {0};
    Tensor *w = must(tensor_new_2d(&ledger, "layer.weight", TAG_PARAM, 4096, 4096), "out of memory");
    Tensor *g = must(tensor_new_2d(&ledger, "layer.weight.grad", TAG_GRAD, 4096, 4096), "out of memory");
    memory_row(t, r, "one large layer", "layer", (ParamList){1, &w, &g});
    tensor_free(w), tensor_free(g);
    memory_row(t, r, "the tiny GPT", "gpt", gpt->params);
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
    w[0] = watch_new(p, "fc1.weight", steps), w[1] = watch_new(p, "fc2.weight", steps);
    Trace tr = traced_run(p, mlp_run(a, &ADAFACTOR_SPEC, ADAFACTOR_DEFAULTS.lr, steps), w, 2);
    if (tr.steps_done < steps) fail("Adafactor diverged on the MLP");
    estimate_table(r, "estimate_mlp", "Adafactor's estimate against the whole second moment: the MLP", "est_mlp",
                   w, 2, steps);
    /* One step on one example: g = delta x^T, so g^2 = (delta^2)(x^2)^T is rank 1. */
    Watch one[2] = {watch_new(p, "fc1.weight", 1), watch_new(p, "fc2.weight", 1)};
    Run single = mlp_run(a, &ADAFACTOR_SPEC, ADAFACTOR_DEFAULTS.lr, 1);
    single.batch = 1;
    free(traced_run(p, single, one, 2).loss);
    report_values(r, NULL, (NamedValue[]){{"est_mlp_steps", "%d", steps},
                                          {"est_one_example_fc1", "%.1e", one[0].v_error[1]},
                                          {"est_one_example_fc2", "%.1e", one[1].v_error[1]},
                                          {"est_mlp_first_rms_fc1", "%.3f", w[0].u_rms[1]},
                                          {"est_mlp_first_rms_fc2", "%.3f", w[1].u_rms[1]},
                                          /* R C^T without the division by mean(R) is mean(v) times V */
                                          {"est_mlp_product_u_factor", "%.0f", 1 / sqrt(w[0].mean_v)}, {NULL}});
    watch_free(&one[0]), watch_free(&one[1]), free(tr.loss);
}

/* ---- 3. Adafactor against AdamW on the MLP: every learning rate, then curves ----- */

#define SWEEP_LRS 13

/* The learning rates around the best whose final loss is within a factor
 * of 10 of the best one's: the indices *lo .. *hi (a sweep with a best). */
static void loss_band(const SeedSweep *s, int *lo, int *hi)
{
    double limit = 10 * s->at[s->best].loss.mean;
    for (*lo = s->best; *lo > 0 && s->at[*lo - 1].loss.mean <= limit;) --*lo;
    for (*hi = s->best; *hi < s->count - 1 && s->at[*hi + 1].loss.mean <= limit;) ++*hi;
}

/* Both optimizers at each learning rate from 1e-4 to 1; best[2] gets each
 * one's learning rate of the lowest final loss. */
static void sweep(Report *r, const LessonArgs *a, Problem *p, float best[2])
{
    const int steps = mlp_steps(a), count = a->quick ? 5 : SWEEP_LRS;
    const char *tags[2] = {"adamw", "adafactor"};
    float lrs[SWEEP_LRS];
    lr_grid(lrs, count, a->quick ? -4 : -12, a->quick ? 1 : 3);
    SeedSweep s[2] = {sweep_seeds(p, mlp_run(a, &ADAMW_SPEC, 0, steps), 1, 1000, lrs, count),
                      sweep_seeds(p, mlp_run(a, &ADAFACTOR_SPEC, 0, steps), 1, 1000, lrs, count)};
    const Column columns[] = {{"lr", "%.3g"}, {"AdamW\nfinal loss", "%.3g"}, {"\ntest accuracy", "%.1f"},
                              {"Adafactor\nfinal loss", "%.3g"}, {"\ntest accuracy", "%.1f"}, {NULL, NULL}};
    Table *t = table_begin(r, "sweep", "AdamW and Adafactor on the MLP at every learning rate", columns);
    for (int k = 0; k < count; k++)
        table_row(t, (double)lrs[k], s[0].at[k].loss.mean, s[0].at[k].accuracy.mean, s[1].at[k].loss.mean,
                  s[1].at[k].accuracy.mean);
    table_note(t, "%d steps of batch %d from the same start and batches; final loss on all training", steps,
               MLP_BATCH);
    table_note(t, "examples, test accuracy in percent. AdamW's lr is its step; Adafactor's caps the");
    table_note(t, "relative step rho_t = min(lr, 1/sqrt(t)), a fraction of each tensor's RMS");
    table_end(t);

    Figure *fig = report_figure(r, "08_sweep");
    fprintf(figure_commands(fig), "set xlabel 'lr'\nset ylabel 'final training loss'\nset logscale xy\n"
                                  "set format x '10^{%%L}'\nset format y '10^{%%L}'\nset xrange [%g:%g]\n"
                                  "set key top center\n", lrs[0] / 2, lrs[count - 1] * 2);
    const char *styles[2] = {"linespoints ls 1 pt 5", "linespoints ls 2 pt 7"};
    for (int o = 0; o < 2; o++) {
        int series = figure_series(fig, styles[o], "%s", o ? "Adafactor (lr caps ρ_t)" : "AdamW");
        for (int k = 0; k < count; k++) figure_point(fig, series, lrs[k], s[o].at[k].loss.mean);
    }
    figure_close(fig);
    for (int o = 0; o < 2; o++) {
        int lo, hi, failed = 0;   /* failed: ended no better than a guess, ln 10 (or diverged) */
        if (s[o].best < 0) fail("%s diverged at every learning rate", tags[o]);
        loss_band(&s[o], &lo, &hi);
        for (int k = 0; k < count; k++) failed += !(s[o].at[k].loss.mean < log(10));
        best[o] = lrs[s[o].best];
        report_values(r, tags[o], (NamedValue[]){
            {"sweep_%s_best_lr", "%.3g", best[o]}, {"sweep_%s_best_loss", "%.2g", s[o].at[s[o].best].loss.mean},
            {"sweep_%s_band_lo", "%.3g", lrs[lo]}, {"sweep_%s_band_hi", "%.3g", lrs[hi]},
            {"sweep_%s_band_decades", "%.2g", log10(lrs[hi] / lrs[lo])}, {"sweep_%s_failed", "%d", failed},
            {"sweep_%s_top_test", "%.1f", s[o].at[count - 1].accuracy.mean},
            {"sweep_%s_bottom_loss", "%.3g", s[o].at[0].loss.mean}, {NULL}});
    }
    report_values(r, NULL, (NamedValue[]){{"sweep_steps", "%d", steps}, {"sweep_count", "%d", count},
                                          {"sweep_lr_lo", "%g", lrs[0]},
                                          {"sweep_lr_hi", "%g", lrs[count - 1]},
                                          {"sweep_cap_free_lr", "%.3g", 1 / sqrt(steps)}, {NULL}});
}

#define COMPARED 4

static void compare_mlp(Report *r, const LessonArgs *a, Problem *p, const float best[2])
{
    const int steps = mlp_steps(a), seeds = a->quick ? 1 : 3;
    const struct {
        const char *label, *tag;
        const OptimizerSpec *spec;
        float lr;
    } rows[COMPARED] = {{"AdamW, PyTorch's lr", "adamw_default", &ADAMW_SPEC, ADAMW_DEFAULTS.lr},
                        {"AdamW, the sweep's best", "adamw_best", &ADAMW_SPEC, best[0]},
                        {"Adafactor, PyTorch's lr", "adafactor_default", &ADAFACTOR_SPEC, ADAFACTOR_DEFAULTS.lr},
                        {"Adafactor, the sweep's best", "adafactor_best", &ADAFACTOR_SPEC, best[1]}};
    double *curve[COMPARED], mean_loss[COMPARED];
    const Column columns[] = {{"optimizer", "%s"}, {"lr", "%.3g"}, {"final\nloss", "%.2g"},
                              {"test accuracy\nmean", "%.1f"}, {"\nlowest", "%.1f"}, {"\nhighest", "%.1f"},
                              {NULL, NULL}};
    Table *t = table_begin(r, "compare_mlp", "AdamW and Adafactor on the digits MLP", columns);
    for (int k = 0; k < COMPARED; k++) {
        double loss[3], test[3];
        for (int s = 0; s < seeds; s++) {
            Run run = run_from_start(mlp_run(a, rows[k].spec, rows[k].lr, steps), s);
            Trace tr = traced_run(p, run, NULL, 0);
            loss[s] = tr.end_loss, test[s] = tr.test_acc;
            if (s == 0) curve[k] = tr.loss;
            else free(tr.loss);
        }
        Spread l = spread(loss, seeds), te = spread(test, seeds);
        mean_loss[k] = l.mean;
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

    int window = steps >= 50 ? steps / 50 : 1;
    Figure *fig = loss_figure(r, "08_compare_mlp", "set key bottom left\n");
    const char *styles[COMPARED] = {"lines ls 1 dt 2", "lines ls 1", "lines ls 2 dt 2", "lines ls 2"};
    for (int k = 0; k < COMPARED; k++)
        figure_window_means(fig, styles[k], curve[k], window, steps / window, "%s, lr %.3g",
                            k < 2 ? "AdamW" : "Adafactor", rows[k].lr);
    figure_close(fig);
    report_values(r, NULL, (NamedValue[]){{"cmp_steps", "%d", steps}, {"cmp_seeds", "%d", seeds},
                                          {"cmp_default_ratio", "%.2g", mean_loss[0] / mean_loss[2]},
                                          {"cmp_best_ratio", "%.2g", mean_loss[1] / mean_loss[3]}, {NULL}});
    for (int k = 0; k < COMPARED; k++) free(curve[k]);
}

/* ---- 4. update clipping over the first steps ------------------------------------- */

#define CLIP_STEPS 50
#define CLIP_RUNS 6
#define PYTORCH_DECAY -0.8   /* beta2_decay's default: beta2_t = 1 - t^-0.8 */
#define SLOW_DECAY -3.0      /* beta2_t = 1 - t^-3: 0.999 by step 10, a memory that goes stale */

static void clipping(Report *r, const LessonArgs *a, Problem *p)
{
    const int steps = a->quick ? 20 : CLIP_STEPS;
    const struct {
        float lr;
        double decay, d;
    } runs[CLIP_RUNS] = {{0.01f, PYTORCH_DECAY, 1}, {0.01f, PYTORCH_DECAY, INFINITY}, {1, PYTORCH_DECAY, 1},
                         {1, PYTORCH_DECAY, INFINITY}, {1, SLOW_DECAY, 1}, {1, SLOW_DECAY, INFINITY}};
    const Column columns[] = {{"lr", "%g"}, {"beta2_decay", "%g"}, {"d", "%g"},
                              {"largest RMS(U)\nfc1.weight", "%.3g"}, {"\nfc2.weight", "%.3g"},
                              {"steps with\nRMS(U) > 1", "%d"},
                              {"highest\nbatch loss", "%.3g"}, {"final\nloss", "%.3g"}, {NULL, NULL}};
    Table *t = table_begin(r, "clipping", "Adafactor's first steps on the MLP, with and without clipping", columns);
    Figure *rms = report_figure(r, "08_clipping"), *loss = loss_figure(r, "08_clipping_loss", "set key top left\n");
    fprintf(figure_commands(rms), "set xlabel 'step'\nset ylabel 'RMS(U) of fc1.weight, before clipping'\n"
                                  "set logscale y\nset xrange [1:%d]\nset yrange [0.1:100]\nset key top left\n",
            steps);
    fprintf(figure_commands(loss), "set xrange [0:%d]\n", steps);
    const char *styles[4] = {"lines ls 1", "lines ls 1 dt 2", "lines ls 2", "lines ls 2 dt 2"};
    double start_loss = NAN;
    for (int k = 0; k < CLIP_RUNS; k++) {
        AdafactorConfig cfg = ADAFACTOR_DEFAULTS;
        cfg.beta2_decay = runs[k].decay, cfg.d = runs[k].d;
        Run run = mlp_run(a, &ADAFACTOR_SPEC, runs[k].lr, steps);
        run.config = &cfg;
        Watch w[2] = {watch_new(p, "fc1.weight", steps), watch_new(p, "fc2.weight", steps)};
        Trace tr = traced_run(p, run, w, 2);
        int over = 0;
        double big[2] = {0, 0}, highest = tr.loss[index_of_max(tr.loss, tr.steps_done)];
        start_loss = tr.loss[0];   /* the same start and first batch in every run */
        for (int s = 1; s <= tr.steps_done; s++) {
            over += w[0].u_rms[s] > 1 || w[1].u_rms[s] > 1;
            big[0] = fmax(big[0], w[0].u_rms[s]), big[1] = fmax(big[1], w[1].u_rms[s]);
        }
        table_row(t, (double)runs[k].lr, runs[k].decay, runs[k].d, big[0], big[1], over, highest, tr.end_loss);
        char tag[8];
        snprintf(tag, sizeof tag, "%d", k);
        report_values(r, tag, (NamedValue[]){{"clip_%s_largest_fc1", "%.3g", big[0]},
                                             {"clip_%s_largest_fc2", "%.3g", big[1]}, {"clip_%s_over", "%d", over},
                                             {"clip_%s_highest", "%.3g", highest},
                                             {"clip_%s_loss", "%.3g", tr.end_loss}, {NULL}});
        if (runs[k].lr == 1) {   /* the figures show the runs at lr 1 */
            const char *how = isinf(runs[k].d) ? "no clipping" : "d = 1";
            figure_curve(rms, styles[k - 2], w[0].u_rms, 1, steps, "β_2 decay %g, %s", runs[k].decay, how);
            figure_curve(loss, styles[k - 2], tr.loss, 0, steps - 1, "β_2 decay %g, %s", runs[k].decay, how);
        }
        watch_free(&w[0]), watch_free(&w[1]), free(tr.loss);
    }
    table_note(t, "U = g / sqrt(V), before clipping, over the first %d steps (steps with RMS(U) > 1:", steps);
    table_note(t, "in either matrix); d = inf: no clipping. beta2_decay %g: beta2_t = 1 - t^%g, %.3f", SLOW_DECAY,
               SLOW_DECAY, 1 - pow(10, SLOW_DECAY));
    table_note(t, "at step 10 (PyTorch's %g: %.3f). Final loss on all training examples", PYTORCH_DECAY,
               1 - pow(10, PYTORCH_DECAY));
    table_end(t);
    figure_hline(rms, "lines ls 8 dt 3", 1, steps, 1.0, "d = 1");
    figure_close(rms), figure_close(loss);
    report_values(r, NULL, (NamedValue[]){{"clip_steps", "%d", steps}, {"clip_slow_decay", "%g", SLOW_DECAY},
                                           {"clip_start_loss", "%.3g", start_loss},
                                           {"clip_slow_beta2_10", "%.3f", 1 - pow(10, SLOW_DECAY)},
                                           {"clip_beta2_10", "%.3f", 1 - pow(10, PYTORCH_DECAY)}, {NULL}});
}

/* ---- 5. the step size: the paper, PyTorch, Hugging Face ---------------------------- */

/* rho_t of torch.optim.Adafactor at lr, measured: one weight at 1 whose
 * gradient alternates +1, -1, so that v = g^2 and |U| = 1 at every step and
 * the weight moves by alpha_t = max(eps2, |x|) rho_t. Fills rho[last + 1]. */
static void measured_rho(float lr, int last, double *rho)
{
    AdafactorConfig cfg = ADAFACTOR_DEFAULTS;
    cfg.lr = lr;
    float x = 1.0f, variance = 0.0f;
    for (long t = 1; t <= last; t++) {
        float before = x, g = t % 2 ? 1.0f : -1.0f;
        adafactor_update_vector(&x, &g, &variance, 1, t, &cfg);
        rho[t] = fabs((double)x - before) / fmax(cfg.eps[1], fabs((double)before));
    }
}

#define STEP_LAST 100000

static void step_sizes(Report *r)
{
    double *torch = doubles_new(STEP_LAST + 1), *torch_1 = doubles_new(STEP_LAST + 1), worst = 0;
    measured_rho(ADAFACTOR_DEFAULTS.lr, STEP_LAST, torch);
    measured_rho(1.0f, STEP_LAST, torch_1);
    const Column columns[] = {{"step t", "%d"}, {"rho_t\npaper, T5, HF", "%.3g"}, {"\nPyTorch 0.01", "%.3g"},
                              {"\nPyTorch 1", "%.3g"}, {"\nwarmup_init", "%.3g"}, {"alpha_t\nRMS 0.02", "%.3g"},
                              {"\nzeros", "%.3g"}, {NULL, NULL}};
    Table *t = table_begin(r, "step_sizes", "The relative step rho_t, and the step alpha_t it gives", columns);
    for (int s = 1; s <= STEP_LAST; s *= 10) {
        double paper = fmin(1e-2, 1 / sqrt(s)), warm = fmin(1e-6 * s, 1 / sqrt(s));
        table_row(t, s, paper, torch[s], torch_1[s], warm, 0.02 * paper, ADAFACTOR_DEFAULTS.eps[1] * paper);
        char tag[16];
        snprintf(tag, sizeof tag, "%d", s);
        report_values(r, tag, (NamedValue[]){{"rho_paper_%s", "%.3g", paper}, {"rho_torch_%s", "%.3g", torch[s]},
                                             {"rho_torch_1_%s", "%.3g", torch_1[s]}, {"rho_warmup_%s", "%.3g", warm},
                                             {"alpha_%s", "%.3g", 0.02 * paper}, {NULL}});
    }
    for (int s = 1; s <= STEP_LAST; s++) worst = fmax(worst, fabs(torch[s] / fmin(1e-2, 1 / sqrt(s)) - 1));
    table_note(t, "rho_t: the paper's and T5's min(10^-2, 1/sqrt(t)), also Hugging Face's default");
    table_note(t, "(relative_step=True); PyTorch 0.01 and 1: min(lr, 1/sqrt(t)) at those lr, measured");
    table_note(t, "on adafactor_update_vector; warmup_init (HF): min(10^-6 t, 1/sqrt(t)). alpha_t =");
    table_note(t, "max(eps2, RMS(X)) rho_t with the paper's rho_t: the step of a tensor X at GPT-2's");
    table_note(t, "initial RMS of 0.02, and of a tensor of zeros (eps2 = 10^-3). Without");
    table_note(t, "scale_parameter, Hugging Face's alpha_t is rho_t itself");
    table_end(t);
    report_value(r, "rho_torch_worst", "%.1e", worst);
    report_value(r, "rho_steps", "%d", STEP_LAST);
    free(torch), free(torch_1);
}

/* ---- 6. the tiny GPT ------------------------------------------------------------- */

#define GPT_RUNS 4
#define GPT_WATCHED 5

/* The estimate's error against the step, on the MLP's matrices and the GPT's. */
static void estimate_figure(Report *r, const Watch *mlp, int mlp_steps, const Watch *gpt, int gpt_steps)
{
    Figure *fig = report_figure(r, "08_estimate");
    figure_size(fig, 6.5, 3.4);
    fprintf(figure_commands(fig), "set xlabel 'step'\nset ylabel '||V - v|| / ||v||'\nset logscale x\n"
                                  "set xrange [1:%d]\nset yrange [0:1]\nset key outside right noenhanced\n",
            mlp_steps > gpt_steps ? mlp_steps : gpt_steps);
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

static void gpt(Report *r, const LessonArgs *a, Problem *p, const Watch mlp_watch[2])
{
    const int steps = a->quick ? 24 : 250;
    const char *names[GPT_WATCHED] = {"h.0.attn.c_attn.weight", "h.0.attn.c_proj.weight", "h.0.mlp.c_fc.weight",
                                      "h.0.mlp.c_proj.weight", "wte.weight"};
    Watch w[GPT_WATCHED];
    for (int k = 0; k < GPT_WATCHED; k++) w[k] = watch_new(p, names[k], steps);
    AdamWConfig no_momentum = ADAMW_DEFAULTS;
    no_momentum.betas[0] = 0.0;
    const struct {
        const char *label, *tag;
        const OptimizerSpec *spec;
        const void *config;
        float lr;
    } runs[GPT_RUNS] = {{"AdamW", "adamw", &ADAMW_SPEC, NULL, 3e-3f},   /* Adam's best in chapter 5 */
                        {"AdamW, beta1 = 0", "adamw_no_momentum", &ADAMW_SPEC, &no_momentum, 3e-3f},
                        {"Adafactor", "adafactor", &ADAFACTOR_SPEC, NULL, ADAFACTOR_DEFAULTS.lr},
                        {"Adafactor", "adafactor_big", &ADAFACTOR_SPEC, NULL, 0.1f}};
    Trace tr[GPT_RUNS];
    const Column columns[] = {{"optimizer", "%s"}, {"lr", "%g"}, {"validation\nloss", "%.4f"},
                              {"above the\nfloor", "%.4f"}, {NULL, NULL}};
    Table *t = table_begin(r, "gpt", "AdamW and Adafactor on the tiny GPT", columns);
    for (int k = 0; k < GPT_RUNS; k++) {
        Run run = {.optimizer = runs[k].spec, .config = runs[k].config, .lr = runs[k].lr, .steps = steps,
                   .batch = 16, .seed = (uint64_t)a->seed, .batch_seed = (uint64_t)a->seed};
        tr[k] = traced_run(p, run, k == 2 ? w : NULL, k == 2 ? GPT_WATCHED : 0);   /* PyTorch's defaults */
        table_row(t, runs[k].label, (double)runs[k].lr, tr[k].end_loss, tr[k].end_loss - p->min_loss);
        report_values(r, runs[k].tag, (NamedValue[]){{"gpt_%s_val", "%.3f", tr[k].end_loss},
                                                     {"gpt_%s_gap", "%.3f", tr[k].end_loss - p->min_loss},
                                                     {"gpt_%s_lr", "%g", runs[k].lr}, {NULL}});
    }
    table_note(t, "%d steps of 16 windows from the same start and batches, every optimizer at", steps);
    table_note(t, "PyTorch's defaults but lr (and beta1 where shown). The floor, the lowest loss any");
    table_note(t, "model can reach: %.4f nats per character", p->min_loss);
    table_end(t);

    int window = steps >= 25 ? steps / 25 : 1;
    Figure *fig = report_figure(r, "08_gpt");
    fprintf(figure_commands(fig), "set xlabel 'step'\nset ylabel 'batch loss (nats per character)'\n"
                                  "set xrange [0:%d]\nset key top right\n", steps);
    const char *styles[GPT_RUNS] = {"lines ls 1", "lines ls 1 dt 2", "lines ls 2", "lines ls 2 dt 2"};
    for (int k = 0; k < GPT_RUNS; k++)
        figure_window_means(fig, styles[k], tr[k].loss, window, steps / window, "%s, lr %g", runs[k].label,
                            runs[k].lr);
    figure_hline(fig, "lines ls 8 dt 3", 0, steps, p->min_loss, "the floor");
    figure_close(fig);
    estimate_table(r, "estimate_gpt", "Adafactor's estimate against the whole second moment: the GPT", "est_gpt",
                   w, GPT_WATCHED, steps);
    estimate_figure(r, mlp_watch, mlp_steps(a), w, steps);
    report_values(r, NULL, (NamedValue[]){{"gpt_steps", "%d", steps}, {"gpt_floor", "%.3f", p->min_loss},
                                          {"gpt_window", "%d", window}, {NULL}});
    for (int k = 0; k < GPT_WATCHED; k++) watch_free(&w[k]);
    for (int k = 0; k < GPT_RUNS; k++) free(tr[k].loss);
}

/* ==== the program ==== */

int main(int argc, char **argv)
{
    LessonArgs args = LESSON_DEFAULTS;
    args.steps = 2000;   /* the digits MLP's steps (--quick: a quarter of 200) */
    lesson_parse("08_adafactor", FLAGS, &args, argc, argv);
    Report report;
    if (report_open(&report, args.out, "08_adafactor") != 0) return EXIT_USAGE;   /* a bad --out */
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
