/* main.c - lesson 11's program: what BF16 and FP16 do to training, and
 * what the three ways out of it cost and buy. It measures
 *
 *   1. the spacing of BF16, FP16 and FP32 at each size of weight, and the
 *      smallest step BF16 keeps;
 *   2. AdamW on the digits MLP in four recipes (FP32; all BF16; BF16 with
 *      stochastic rounding; BF16 with FP32 master weights): loss, and the
 *      share of weights each step changes;
 *   3. the MLP's gradients stored in FP16, times loss scales 1, 256, 65536;
 *   4. the study notes' claims about BF16, checked;
 *   5. what AdamW's training keeps per parameter in five recipes (lesson
 *      10's accounting);
 *   6. the tiny GPT in the four recipes, and which of its tensors all-BF16
 *      AdamW freezes;
 *   7. a GradScaler's scale as overflows come and go.
 *
 *     build/bin/11_mixed_precision [--steps=N] [--seed=S] [--quick] [--out=DIR]
 *
 * Tables print here and go to DIR/out/11_mixed_precision/, figures to
 * DIR/fig/. --steps is the MLP's steps (2000, at least 20; --quick makes it 200
 * unless given, and the GPT 24 steps in place of 150); --seed draws the starts, the batches and the
 * scaler's gradients. About a minute; --quick about two seconds. What it
 * measures with (the watched runs, FP16's shares, the accounting, the
 * GradScaler's loop) is in mixed_measures.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounting.h"
#include "experiment.h"
#include "gpt.h"
#include "grad_scaler.h"
#include "lowp.h"
#include "mixed.h"
#include "mixed_measures.h"
#include "rng.h"
#include "runs.h"

static const OptionSpec FLAGS[] = {
    LESSON_FLAGS("the digits MLP's steps; fewer than 20 run as 20"),
    {NULL, 0, 0, NULL, 0, 0},
};

#define SCALER_STEPS 30    /* the GradScaler example's iterations */
#define MLP_HIDDEN 32      /* the digits MLP of the earlier chapters: 64-32-10, tanh */
#define MLP_BATCH 32
#define MLP_LR 1e-2f       /* AdamW's on the MLP in chapter 6 */
#define MLP_STEPS 2000     /* --steps: the MLP's steps (--quick: 200, lesson_parse's) */
#define RECIPES 4
#define GPT_BATCH 16
#define GPT_STEPS 150     /* as in chapter 10 */
#define GPT_LR 3e-3f
#define TABLE_ROWS 40
/* fp16's largest number is 65504; from 65520 on, a number rounds to inf. */
#define FP16_OVERFLOW 65520.0
/* PyTorch's 2000 clean steps before a growth would not show in a table. */
#define GROWTH_INTERVAL 4

/* ---- 1. the swallowed update: what a step must be to survive --------------------------- */

static void spacing(Report *r)
{
    static const float WEIGHTS[] = {1e-3f, 0.01f, 0.1f, 1.0f, 10.0f, 100.0f, 1000.0f};
    const Column columns[] = {{"weight", "%.3g"},         {"BF16\nspacing", "%.3g"}, {"smallest step\nBF16 keeps", "%.3g"},
                              {"FP16\nspacing", "%.3g"}, {"FP32\nspacing", "%.3g"}, {"lr 1e-5\nin BF16", "%s"},
                              {NULL, NULL}};
    Table *t = table_begin(r, "spacing", "The smallest change each format can hold, at each size of weight",
                           columns);
    for (size_t k = 0; k < sizeof WEIGHTS / sizeof WEIGHTS[0]; k++) {
        const float w = bf16_round(WEIGHTS[k]);   /* a weight a BF16 model can hold */
        const float keeps = bf16_smallest_surviving_update(w);
        table_row(t, (double)w, (double)bf16_ulp(w), (double)keeps, (double)fp16_ulp(w), (double)fp32_ulp(w),
                  bf16_round(w + 1e-5f) == w ? "lost" : "kept");
    }
    table_note(t, "weight: the BF16 number nearest the size named; spacing: from the weight to the next");
    table_note(t, "number up; smallest step: the least u for which bf16(w + u) != w (about half the spacing).");
    table_end(t);
    /* Significant digits: a format with p bits of significand (the stored
     * ones and the leading 1) resolves one part in 2^p, p log10(2) digits. */
    report_values(r, NULL, (NamedValue[]){{"bf16_bits", "%d", 8}, {"bf16_digits", "%.2f", 8 * log10(2.0)},
                                          {"fp16_digits", "%.2f", 11 * log10(2.0)},
                                          {"fp32_digits", "%.2f", 24 * log10(2.0)},
                                          {"bf16_keeps_at_1", "%.8g", (double)bf16_smallest_surviving_update(1.0f)},
                                          {"bf16_keeps_at_100", "%.3g", (double)bf16_smallest_surviving_update(100.0f)},
                                          /* the BF16 number just below 1: 1 - 2^-8 */
                                          {"bf16_keeps_below_1", "%.2g",
                                           (double)bf16_smallest_surviving_update(0.99609375f)},
                                          {"bf16_one_plus_1e5", "%.9g", (double)bf16_round(1.0f + 1e-5f)},
                                          {"bf16_spacing_at_1", "%.6g", (double)bf16_ulp(1.0f)},
                                          {NULL}});
}

/* ---- 2. the digits MLP in four recipes ------------------------------------------------ */

static const char *const RECIPE[RECIPES] = {"FP32", "BF16, round to nearest", "BF16, stochastic rounding",
                                            "BF16 + FP32 master"};
static const char *const RECIPE_TAG[RECIPES] = {"fp32", "bf16", "stochastic", "master"};
static const char *const RECIPE_STYLE[RECIPES] = {"lines ls 1 lw 2", "lines ls 2", "lines ls 3",
                                                  "lines ls 4 dt 2 lw 2"};

/* The MLP's steps: --steps, at least 20, so that every figure has steps to draw. */
static int mlp_steps(const LessonArgs *a)
{
    return lesson_steps(a, 1, 20);
}

/* Recipe k as a Run: lesson 06's AdamW, or lesson 11's on a BF16 model. */
static Run recipe_run(int k, const LessonArgs *a, MixedAdamWConfig *cfg)
{
    static const Precision PRECISION[RECIPES] = {0, PRECISION_BF16, PRECISION_BF16_STOCHASTIC,
                                                 PRECISION_BF16_MASTER};
    static const OptimizerSpec *const SPEC[RECIPES] = {&ADAMW_SPEC, &ADAMW_BF16_SPEC,
                                                       &ADAMW_BF16_STOCHASTIC_SPEC, &ADAMW_BF16_MASTER_SPEC};
    *cfg = (MixedAdamWConfig){ADAMW_DEFAULTS, PRECISION[k], a->seed};
    Run run = lesson_run(a, SPEC[k], MLP_LR, mlp_steps(a), MLP_BATCH);
    run.config = k == 0 ? (const void *)&cfg->adamw : cfg;
    return run;
}

static void mlp_recipes(Report *r, const LessonArgs *a, Problem *p)
{
    const Column columns[] = {{"recipe", "%s"}, {"final\nloss", "%.4f"}, {"test\naccuracy", "%.1f%%"},
                              {"weights moved\nfirst 10 steps", "%.1f%%"}, {"\nlast 10 steps", "%.1f%%"},
                              {"below half\nfrom step", "%d"}, {NULL, NULL}};
    Table *t = table_begin(r, "mlp_recipes", "AdamW on the digits MLP in four recipes", columns);
    Figure *fig = report_figure_set(r, "11_mlp_recipes",
                                    "set xlabel 'step'\nset ylabel 'loss on all training examples'\n"
                                    "set logscale y\nset key top right\n");
    Figure *mv = report_figure_set(r, "11_mlp_moved",
                                   "set xlabel 'step'\nset ylabel 'share of weights a step changed'\n"
                                   "set yrange [0:1.05]\nset key bottom left\n");
    const int steps = mlp_steps(a);
    for (int k = 0; k < RECIPES; k++) {
        MixedAdamWConfig cfg;
        Run run = recipe_run(k, a, &cfg);
        Curve c = run_curve(p, run, 20, NULL);
        if (c.message[0]) fail("%s: %s", RECIPE[k], c.message);
        double *moved = doubles_new((size_t)steps + 1);   /* moved[t]: the share step t changed */
        if (moved_shares(p, run, moved) != steps) fail("%s stopped early on the MLP", RECIPE[k]);
        double first = 0, last = 0;
        for (int i = 1; i <= 10; i++) first += moved[i] / 10, last += moved[steps + 1 - i] / 10;
        const int stall = stall_step(moved, steps);
        table_row(t, RECIPE[k], c.final_loss, 100 * c.final_accuracy, 100 * first, 100 * last, stall);
        report_values(r, RECIPE_TAG[k], (NamedValue[]){{"mlp_%s_loss", "%.4f", c.final_loss},
                                                        {"mlp_%s_acc", "%.1f", 100 * c.final_accuracy},
                                                        {"mlp_%s_moved_first", "%.1f", 100 * first},
                                                        {"mlp_%s_moved_last", "%.1f", 100 * last},
                                                        {"mlp_%s_stall", "%d", stall}, {NULL}});
        figure_checkpoints(fig, RECIPE_STYLE[k], &c, "%s", RECIPE[k]);
        figure_curve(mv, RECIPE_STYLE[k], moved, 1, steps, "%s", RECIPE[k]);
        free(moved);
    }
    table_note(t, "%d steps of batch %d at lr %g, AdamW's defaults otherwise, the same start and batches;",
               steps, MLP_BATCH, (double)MLP_LR);
    table_note(t, "weights moved: the share of the model's weights a step changed, as the model holds them");
    table_note(t, "(BF16 for all but FP32); below half: the step from which that share stays under 50%%");
    table_note(t, "(0: never).");
    table_end(t);
    report_values(r, NULL, (NamedValue[]){{"mlp_steps", "%d", steps}, {"mlp_batch", "%d", MLP_BATCH},
                                          {"mlp_lr", "%g", (double)MLP_LR},
                                          /* what decoupled decay takes from a weight per step */
                                          {"mlp_decay_shrink", "%g",
                                           (double)MLP_LR * ADAMW_DEFAULTS.weight_decay},
                                          {NULL}});
    figure_close(fig);
    figure_close(mv);
}

/* ---- 3. FP16 gradients: underflow, and what a loss scale does ------------------------- */

#define UNDERFLOW_POINTS 4
#define SCALES 3
static const double LOSS_SCALE[SCALES] = {1, 256, 65536};

/* Returns the share (percent) of the last gradient's nonzero elements that
 * BF16 makes 0. */
static double fp16_underflow(Report *r, const LessonArgs *a, Problem *p)
{
    MixedAdamWConfig cfg;
    Run run = recipe_run(0, a, &cfg);   /* FP32 AdamW */
    /* At a few steps of the run, what FP16 makes of the gradient times each
     * loss scale. */
    int at[UNDERFLOW_POINTS] = {1, run.steps / 20, run.steps / 4, run.steps};
    for (int k = 1; k < UNDERFLOW_POINTS; k++)   /* increasing, as fp16_at_steps needs: 1, 2, 5, 20 at 20 steps */
        if (at[k] <= at[k - 1]) at[k] = at[k - 1] + 1;
    Fp16Shares u[UNDERFLOW_POINTS];
    if (fp16_at_steps(p, run, at, UNDERFLOW_POINTS, LOSS_SCALE, SCALES, u) != run.steps)
        fail("AdamW stopped early on the MLP");
    const Column columns[] = {{"step", "%d"},         {"largest\n|grad|", "%.2g"}, {"scale 1\nto 0", "%.1f%%"},
                              {"\nsubn.", "%.1f%%"}, {"scale 256\nto 0", "%.1f%%"}, {"\nsubn.", "%.1f%%"},
                              {"scale 65536\nto 0", "%.2f%%"}, {"\nsubn.", "%.2f%%"}, {"\ninf", "%.2f%%"},
                              {NULL, NULL}};
    Table *t = table_begin(r, "fp16_gradients", "The MLP's gradients stored in FP16, times a loss scale", columns);
    for (int k = 0; k < UNDERFLOW_POINTS; k++)
        table_row(t, at[k], u[k].largest, 100 * u[k].zero[0], 100 * u[k].subnormal[0], 100 * u[k].zero[1],
                  100 * u[k].subnormal[1], 100 * u[k].zero[2], 100 * u[k].subnormal[2], 100 * u[k].overflow[2]);
    table_note(t, "shares of the gradient's nonzero elements, FP32 AdamW at lr %g, batch %d; FP16's", (double)MLP_LR,
               MLP_BATCH);
    table_note(t, "smallest normal number is 2^-14 (6.1e-5); subn.: subnormal, from 2^-24 (6.0e-8) up to it.");
    table_end(t);
    const int last = UNDERFLOW_POINTS - 1;
    report_values(r, NULL, (NamedValue[]){{"fp16_last_step", "%d", at[last]},
                                          {"fp16_last_zero", "%.1f", 100 * u[last].zero[0]},
                                          {"fp16_last_subnormal", "%.1f", 100 * u[last].subnormal[0]},
                                          {"fp16_last_zero_scaled", "%.2f", 100 * u[last].zero[2]},
                                          {"fp16_last_inf_scaled", "%.2f", 100 * u[last].overflow[2]},
                                          {"bf16_last_zero", "%.2f", 100 * u[last].bf16_zero},
                                          {NULL}});
    return 100 * u[last].bf16_zero;
}

/* ---- 4. the study notes' claims ----------------------------------------------------------- */

/* NVIDIA's H100 SXM datasheet: peak TFLOPS, dense. The datasheet gives the
 * Tensor Cores' figures "with sparsity" (TF32 989, BF16 1979) and says they
 * are twice the dense ones. A fact from a source, not a measurement: this
 * book has no GPU of its own. */
#define H100_FP32 67.0                   /* the CUDA cores, no Tensor Core */
#define H100_TF32_TENSOR (989.0 / 2)
#define H100_BF16_TENSOR (1979.0 / 2)

static void claims(Report *r, double bf16_grads_zero)
{
    const double bf16_digits = 8 * log10(2.0), bf16_one_plus = bf16_round(1.0f + 1e-5f);
    const Column columns[] = {{"the study notes' claim", "%s"}, {"notes", "%s"}, {"checked", "%s"}, {NULL, NULL}};
    Table *t = table_begin(r, "claims", "The study notes' claims about BF16, checked", columns);
    char digits[32], one[48], tf32[48], fp32[48], underflow[48];
    snprintf(digits, sizeof digits, "%.2f digits (8 bits)", bf16_digits);
    snprintf(one, sizeof one, "%.9g: lost", bf16_one_plus);
    snprintf(tf32, sizeof tf32, "%.1fx TF32's Tensor Cores", H100_BF16_TENSOR / H100_TF32_TENSOR);
    snprintf(fp32, sizeof fp32, "%.1fx FP32 without them", H100_BF16_TENSOR / H100_FP32);
    snprintf(underflow, sizeof underflow, "%.2f%% of the MLP's to 0 in BF16", bf16_grads_zero);
    report_values(r, NULL, (NamedValue[]){{"h100_bf16_tflops", "%.1f", H100_BF16_TENSOR},
                                          {"h100_tf32_tflops", "%.1f", H100_TF32_TENSOR},
                                          {"h100_fp32_tflops", "%.1f", H100_FP32},
                                          {"h100_bf16_vs_tf32", "%.1f", H100_BF16_TENSOR / H100_TF32_TENSOR},
                                          {"h100_bf16_vs_fp32", "%.1f", H100_BF16_TENSOR / H100_FP32},
                                          {NULL}});
    table_row(t, "BF16 keeps 3 significant digits", "3", digits);
    table_row(t, "1.0 + 0.00001 in BF16 is 1.0", "1.0", one);
    table_row(t, "Tensor Cores run BF16 2x faster", "2x", tf32);
    table_row(t, "", "", fp32);
    table_row(t, "loss scaling keeps gradients from underflowing", "needed", underflow);
    table_note(t, "Tensor Cores: NVIDIA's H100 SXM datasheet, dense peak TFLOPS (BF16 %.1f, TF32 %.1f, FP32",
               H100_BF16_TENSOR, H100_TF32_TENSOR);
    table_note(t, "%.1f); a fact quoted, not measured. Loss scaling is for FP16's range (table above).", H100_FP32);
    table_end(t);
}

/* ---- 5. memory per parameter, recipe by recipe (lesson 10's accounting) ---------------- */

static void memory(Report *r)
{
    const double n = 70e9;
    const MemoryTable fp32 = adamw_account(n, RECIPE_FP32, -1);
    const MemoryTable zero = adamw_account(n, RECIPE_MIXED, 0);    /* BF16 gradients */
    const MemoryTable notes = adamw_account(n, RECIPE_MIXED, 1);   /* FP32 gradients */
    const double state = rows_per_param(&fp32, "state");           /* AdamW's, in FP32: 8 */
    /* The two recipes without master weights are the accounting's parts put
     * together: BF16 weights and gradients, and the state in FP32 (llm.c)
     * or in BF16 (a model.to(torch.bfloat16) under torch.optim.AdamW). */
    struct {
        const char *name, *tag;
        double weights, grads, master, state;
    } rows[] = {
        {"FP32", "fp32", rows_per_param(&fp32, "parameters"), rows_per_param(&fp32, "gradients"), 0, state},
        {"BF16 + master, BF16 gradients", "zero", rows_per_param(&zero, "parameters"),
         rows_per_param(&zero, "gradients"), rows_per_param(&zero, "master"), rows_per_param(&zero, "state")},
        {"BF16 + master, FP32 gradients", "notes", rows_per_param(&notes, "parameters"),
         rows_per_param(&notes, "gradients"), rows_per_param(&notes, "master"), rows_per_param(&notes, "state")},
        {"BF16, stochastic rounding", "llmc", BF16_BYTES, BF16_BYTES, 0, state},
        {"BF16 everything", "bf16", BF16_BYTES, BF16_BYTES, 0, state * BF16_BYTES / 4},
    };
    const Column columns[] = {{"recipe", "%s"}, {"weights", "%.0f"}, {"gradients", "%.0f"}, {"master", "%.0f"},
                              {"AdamW\nstate", "%.0f"}, {"bytes per\nparameter", "%.0f"}, {"70B model\nGB", "%.0f"},
                              {NULL, NULL}};
    Table *t = table_begin(r, "memory", "What AdamW's training keeps, byte by byte, in each recipe", columns);
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        const double total = rows[k].weights + rows[k].grads + rows[k].master + rows[k].state;
        table_row(t, rows[k].name, rows[k].weights, rows[k].grads, rows[k].master, rows[k].state, total,
                  total * n / 1e9);
        report_values(r, rows[k].tag, (NamedValue[]){{"memory_%s_bytes", "%.0f", total},
                                                     {"memory_%s_gb", "%.0f", total * n / 1e9}, {NULL}});
    }
    table_note(t, "bytes a parameter, before activations; from lesson 10's accounting (the state from its");
    table_note(t, "allocation, BF16 as 2 bytes). The ZeRO paper counts 16 (2 + 2 + 4 + 8), the notes 18.");
    table_end(t);
}

/* ---- 6. the tiny GPT in four recipes, and which of its tensors BF16 freezes ------------ */

static void gpt_recipes(Report *r, const LessonArgs *a, Problem *gpt)
{
    const int steps = a->quick ? 24 : GPT_STEPS;
    const Column columns[] = {{"recipe", "%s"}, {"validation\nloss", "%.3f"}, {"above the\nfloor", "%.3f"},
                              {NULL, NULL}};
    Table *t = table_begin(r, "gpt_recipes", "AdamW on the tiny GPT in four recipes", columns);
    Figure *fig = report_figure_set(r, "11_gpt_recipes",
                                    "set xlabel 'step'\nset ylabel 'loss per character, mean of 10 batches'\n"
                                    "set key top right\n");
    double *batch_loss = doubles_new((size_t)steps + 1);
    for (int k = 0; k < RECIPES; k++) {
        MixedAdamWConfig cfg;
        Run run = recipe_run(k, a, &cfg);
        run.lr = GPT_LR, run.steps = steps, run.batch = GPT_BATCH;
        /* One chunk: the loss on every training window only at the start
         * and the end (a GPT's is costly); the batches' losses between. */
        Curve c = run_curve(gpt, run, 1, batch_loss);
        if (c.message[0]) fail("%s: %s", RECIPE[k], c.message);
        const double loss = gpt_validation_loss(gpt);
        table_row(t, RECIPE[k], loss, loss - gpt->min_loss);
        report_values(r, RECIPE_TAG[k], (NamedValue[]){{"gpt_%s_loss", "%.3f", loss},
                                                        {"gpt_%s_above", "%.3f", loss - gpt->min_loss}, {NULL}});
        figure_trailing_means(fig, RECIPE_STYLE[k], batch_loss, steps, 10, "%s", RECIPE[k]);
    }
    free(batch_loss);
    figure_hline(fig, "lines ls 8 dt 2", 0, steps, gpt->min_loss, "the floor: the language's entropy");
    table_note(t, "%d steps of batch %d at lr %g; loss per character on the validation text; the floor", steps,
               GPT_BATCH, (double)GPT_LR);
    table_note(t, "is the entropy of the language the text was drawn from (%.3f).", gpt->min_loss);
    table_end(t);
    figure_close(fig);

    /* Which tensors stop moving when everything is BF16. */
    const int count = gpt->params.count;
    double *unchanged = doubles_new((size_t)count), *rms = doubles_new((size_t)count);
    MixedAdamWConfig cfg;
    Run run = recipe_run(1, a, &cfg);
    run.lr = GPT_LR, run.steps = steps, run.batch = GPT_BATCH;
    if (tensor_unchanged(gpt, run, unchanged, rms) != steps) fail("BF16 AdamW stopped early on the GPT");
    const Column tcolumns[] = {{"tensor", "%s"}, {"numel", "%d"}, {"RMS\nweight", "%.3g"},
                               {"BF16 step kept\nat that size", "%.2g"}, {"steps that did\nnot move it", "%.1f%%"},
                               {NULL, NULL}};
    Table *tt = table_begin(r, "gpt_frozen", "The tiny GPT's tensors under all-BF16 AdamW: which ones stop moving",
                            tcolumns);
    double frozen_gain = 0, gains = 0, other_most = 0;
    for (int i = 0; i < count; i++) {
        const char *name = gpt->params.params[i]->name;
        table_row(tt, name, (int)gpt->params.params[i]->numel, rms[i],
                  (double)bf16_smallest_surviving_update((float)rms[i]), 100 * unchanged[i]);
        if (strstr(name, "ln") && strstr(name, ".weight")) frozen_gain += unchanged[i], gains++;
        else other_most = fmax(other_most, unchanged[i]);
    }
    free(unchanged), free(rms);
    table_note(tt, "all-BF16 AdamW, lr %g, %d steps; the share of a tensor's coordinate-steps after which", (double)GPT_LR,
               steps);
    table_note(tt, "the weight held the same BF16 number. BF16 step kept: the smallest change a weight of");
    table_note(tt, "the tensor's RMS size keeps (about half the spacing).");
    table_end(tt);
    report_values(r, NULL, (NamedValue[]){{"gpt_steps", "%d", steps}, {"gpt_floor", "%.3f", gpt->min_loss},
                                          {"gpt_ln_gain_unchanged", "%.1f", gains ? 100 * frozen_gain / gains : NAN},
                                          {"gpt_other_unchanged_max", "%.1f", 100 * other_most},
                                          {"gpt_lr", "%g", (double)GPT_LR}, {"gpt_batch", "%d", GPT_BATCH},
                                          {NULL}});
}

/* ---- 7. a GradScaler's scale as overflows come and go ------------------------------ */

static void scale_trajectory(Report *r, const LessonArgs *a)
{
    GradScalerConfig cfg = GRAD_SCALER_DEFAULTS;
    cfg.growth_interval = GROWTH_INTERVAL;
    GradScaler scaler;
    grad_scaler_init(&scaler, &cfg);
    Rng rng;
    rng_seed(&rng, (uint64_t)a->seed, 11);
    const int steps = SCALER_STEPS;
    (void)a;
    double *x = doubles_new((size_t)steps), *scale = doubles_new((size_t)steps);
    double lowest = scaler.scale, highest = scaler.scale;
    int skipped = 0, skipped_spike = 0;

    const Column columns[] = {{"step", "%d"},         {"largest\n|grad|", "%.3g"}, {"scaled\n(fp16)", "%.6g"},
                              {"unscaled", "%.3g"},   {"optimizer\nstep", "%s"},   {"scale\nafter", "%.0f"},
                              {"growth\ntracker", "%d"}, {NULL, NULL}};
    Table *t = table_begin(r, "scale", "A GradScaler's scale as overflows come and go", columns);
    for (int step = 1; step <= steps; step++) {
        float grad[SPIKY_NUMEL], scaled[SPIKY_NUMEL];
        spiky_gradient(&rng, step, grad);
        const float largest = grad[0];
        const bool skip = scaler_iteration(&scaler, grad, scaled, SPIKY_NUMEL);
        skipped += skip;
        skipped_spike += skip && (step == 9 || step == 10 || step == 21);   /* spiky_gradient()'s spikes */
        x[step - 1] = step, scale[step - 1] = scaler.scale;
        lowest = fmin(lowest, scaler.scale), highest = fmax(highest, scaler.scale);
        if (step <= TABLE_ROWS)
            table_row(t, step, (double)largest, (double)scaled[0], (double)grad[0], skip ? "skipped" : "taken",
                      (double)scaler.scale, (int)scaler.growth_tracker);
    }
    table_note(t, "GradScaler(init_scale=65536, growth_factor=2, backoff_factor=0.5, growth_interval=%d);",
               GROWTH_INTERVAL);
    table_note(t, "a scaled gradient of %.0f or more is inf in fp16. %d of %d steps skipped%s", FP16_OVERFLOW,
               skipped, steps, steps > TABLE_ROWS ? " (the first 40 shown)" : "");
    table_end(t);
    report_values(r, NULL, (NamedValue[]){{"scale_skipped", "%d", skipped},
                                          {"scale_skipped_spike", "%d", skipped_spike},
                                          {"scale_skipped_other", "%d", skipped - skipped_spike},
                                          {"scale_steps", "%d", steps},
                                          {"scale_growth_interval", "%d", GROWTH_INTERVAL},
                                          {"scale_final", "%.0f", scale[steps - 1]},
                                          {"scale_lowest", "%g", lowest},
                                          {"scale_highest", "%g", highest},
                                          /* the gradient that the highest scale lifts past
                                           * FP16's largest finite number, 65504 */
                                          {"scale_highest_overflow_g", "%.2g", 65504.0 / highest},
                                          {NULL}});

    Figure *fig = report_figure_set(r, "11_scale",
                                    "set xlabel 'step'\nset ylabel 'scale'\nset logscale y 2\nset key top right\n");
    figure_xy(fig, "steps ls 1", x, scale, steps, "scale after update()");
    figure_close(fig);
    free(x);
    free(scale);
}

int main(int argc, char **argv)
{
    LessonArgs args = LESSON_DEFAULTS;
    args.steps = MLP_STEPS;
    Report report;
    lesson_open(&report, "11_mixed_precision", FLAGS, &args, argc, argv);
    Problem *mlp = must_mlp(MLP_HIDDEN, (uint64_t)args.seed);   /* each run resets it to its own start */
    spacing(&report);
    mlp_recipes(&report, &args, mlp);
    claims(&report, fp16_underflow(&report, &args, mlp));
    memory(&report);
    Problem *gpt = must_gpt(args.quick, (uint64_t)args.seed);
    gpt_recipes(&report, &args, gpt);
    problem_free(gpt);
    scale_trajectory(&report, &args);
    problem_free(mlp);
    return report_close(&report) == 0 ? 0 : 1;
}
