/* main.c - lesson 10's program: every table and figure of the memory chapter.
 *
 *     build/bin/10_memory [--steps=N] [--seed=S] [--quick] [--out=DIR]
 *
 * Tables print here and go to DIR/out/10_memory/, figures to DIR/fig/.
 * --steps is the digits MLP's steps at batch 32 (1000; with --quick a
 * tenth, at least 20); the tiny GPT takes GPT_STEPS. --seed draws the
 * starts, batches and the stress case's gradients; --quick shrinks every
 * experiment so that the whole program runs in about a second (the tests
 * use it). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "accounting.h"
#include "adam.h"
#include "adam8bit.h"
#include "adamw.h"
#include "experiment.h"
#include "gpt.h"
#include "moments.h"
#include "quantize.h"
#include "roofline.h"
#include "runs.h"
#include "stress.h"
#include "variants.h"

static const OptionSpec FLAGS[] = {
    LESSON_FLAGS("the digits MLP's steps at batch 32; fewer than 20 run as 20"),
    {NULL, 0, 0, NULL, 0, 0},
};

#define MLP_HIDDEN 32   /* the digits MLP of the earlier chapters: 64-32-10, tanh */
#define MLP_BATCH 32
#define MLP_LR 3e-3f
#define GPT_BATCH 16
#define GPT_STEPS 150
#define GPT_LR 3e-3f
#define GB 1e9

/* ---- 1. the study notes' tables, from the accounting -------------------------------- */

static void notes_tables(Report *r, const MemoryNotes *n)
{
    const Column columns[] = {{"the study notes' claim", "%s"}, {"notes", "%.6g"}, {"measured", "%.6g"},
                              {"unit", "%s"}, {NULL, NULL}};
    Table *t = table_begin(r, "notes", "The study notes' memory numbers, from the accounting", columns);
    double state_8bit = memory_rows_bytes(&n->p70_8bit, "state");   /* m and v's codes and scales */
    table_row(t, "8B model, bf16 parameters", 16.0, memory_rows_bytes(&n->p8_mixed, "parameters") / GB, "GB");
    table_row(t, "8B model, Adam's m and v", 64.0, memory_rows_bytes(&n->p8, "state") / GB, "GB");
    table_row(t, "8B model, 8-bit Adam's m and v", 16.0, memory_rows_bytes(&n->p8_8bit, "state") / GB, "GB");
    table_row(t, "70B, all fp32, Adam", 1120.0, n->p70.bytes / GB, "GB");
    table_row(t, "70B, mixed precision, Adam", 1260.0, n->p70_mixed.bytes / GB, "GB");
    table_row(t, "  the same with fp32 gradients", 1260.0, n->p70_mixed_fp32.bytes / GB, "GB");
    table_row(t, "70B, 8-bit Adam saves", 420.0, n->saved_8bit / GB, "GB");
    table_row(t, "  8-bit m and v, bytes a parameter", 2.0, state_8bit / 70e9, "B");
    table_row(t, "LoRA 4096x4096, rank 16: trainable", 131072.0, n->lora.trainable, "params");
    table_row(t, "  as a share of the matrix", 0.78, n->lora_pct, "%");
    table_row(t, "7B model, mixed-precision AdamW", 80.0, n->p7_mixed.bytes / GB, "GB");
    table_row(t, "SGD instead of Adam saves (fp32)", 33.3, n->sgd_saves, "%");   /* the notes' "1/3" */
    table_row(t, "  in mixed precision", 33.3, n->sgd_saves_mixed, "%");
    table_note(t, "GB = 10^9 bytes. Mixed: bf16 parameters and gradients, fp32 master weights and state;");
    table_note(t, "the state read from each optimizer's real allocation on a small matrix of the layout");
    table_end(t);
    report_values(r, NULL, (NamedValue[]){
        {"notes_8b_params_gb", "%.0f", memory_rows_bytes(&n->p8_mixed, "parameters") / GB},
        {"notes_8b_state_gb", "%.0f", memory_rows_bytes(&n->p8, "state") / GB},
        {"notes_8b_8bit_gb", "%.2f", memory_rows_bytes(&n->p8_8bit, "state") / GB},
        {"notes_70b_fp32_gb", "%.0f", n->p70.bytes / GB}, {"notes_70b_fp32_per_param", "%.0f", n->p70.bytes_per_param},
        {"notes_70b_mixed_gb", "%.0f", n->p70_mixed.bytes / GB},
        {"notes_70b_mixed_per_param", "%.0f", n->p70_mixed.bytes_per_param},
        {"notes_70b_mixed_fp32_gb", "%.0f", n->p70_mixed_fp32.bytes / GB},
        {"notes_70b_mixed_fp32_per_param", "%.0f", n->p70_mixed_fp32.bytes_per_param},
        {"notes_70b_state_gb", "%.0f", memory_rows_bytes(&n->p70_mixed, "state") / GB},
        {"notes_8bit_saved_gb", "%.1f", n->saved_8bit / GB}, {"notes_8bit_state_per_param", "%.5f", state_8bit / 70e9},
        {"notes_8bit_state_gb", "%.1f", state_8bit / GB}, {"notes_8bit_total_gb", "%.1f", n->p70_8bit.bytes / GB},
        {"notes_8bit_per_param", "%.5f", n->p70_8bit.bytes_per_param},
        {"notes_lora_trainable", "%.0f", n->lora.trainable}, {"notes_lora_pct", "%.3f", n->lora_pct},
        {"notes_7b_gb", "%.0f", n->p7_mixed.bytes / GB}, {"notes_7b_per_param", "%.0f", n->p7_mixed.bytes_per_param},
        {"notes_sgd_saves_fp32", "%.0f", n->sgd_saves}, {"notes_sgd_saves_mixed", "%.0f", n->sgd_saves_mixed},
        {"notes_70b_lora_gb", "%.0f", n->p70_lora.bytes / GB},
        {"notes_70b_lora_base_gb", "%.0f", memory_rows_bytes(&n->p70_lora, "frozen") / GB}, {NULL}});
}

/* The notes' activation table (70B: 80 layers, hidden 8192, 4096 tokens)
 * against the formula they give for it. */
static void activations(Report *r)
{
    const int batches[3] = {4, 8, 16}, layers = 80, hidden = 8192, seq = 4096;
    const double notes_fp32[3] = {100, 200, 400};   /* GB, the notes' table */
    const Column columns[] = {{"batch", "%d"}, {"fp32 GB\nnotes", "%.0f"}, {"\nformula", "%.0f"},
                              {"bf16 GB\nnotes", "%.0f"}, {"\nformula", "%.0f"}, {"formula /\nnotes", "%.2f"},
                              {NULL, NULL}};
    Table *t = table_begin(r, "activations", "The notes' activations of a 70B model against their formula",
                           columns);
    double ratio = 0, saved16 = 0;
    for (int b = 0; b < 3; b++) {
        double fp32 = memory_activation_bytes(batches[b], seq, hidden, layers, 4.0) / GB;
        double bf16 = memory_activation_bytes(batches[b], seq, hidden, layers, BF16_BYTES) / GB;
        ratio = fp32 / notes_fp32[b], saved16 = fp32 - bf16;
        table_row(t, batches[b], notes_fp32[b], fp32, notes_fp32[b] / 2, bf16, ratio);
    }
    table_note(t, "formula: batch x %d tokens x hidden %d x 10 x bytes x %d layers; GB = 10^9 bytes", seq, hidden,
               layers);
    table_end(t);
    report_values(r, NULL, (NamedValue[]){
        {"act_ratio", "%.2f", ratio}, {"act_saved16_gb", "%.0f", saved16},
        {"act_layer4_gb", "%.2f", memory_activation_bytes(4, seq, hidden, 1, 4.0) / GB}, {NULL}});
}

/* ---- 2. the tiny GPT's own table ---------------------------------------------------- */

static void gpt_tensors(Report *r, Problem *gpt)
{
    const ParamList *l = &gpt->params;
    Optimizer *adamw = must(adamw_new(*l, &ADAMW_DEFAULTS), "out of memory");
    Optimizer *bit8 = must(adam8bit_new(*l, &ADAM8BIT_DEFAULTS), "out of memory");
    const Column columns[] = {{"tensor", "%s"}, {"shape", "%s"}, {"params", "%.0f"}, {"fp32 AdamW\nbytes", "%.0f"},
                              {"mixed\nAdamW", "%.0f"}, {"mixed\n8-bit Adam", "%.0f"}, {"8-bit\nstate?", "%s"},
                              {NULL, NULL}};
    Table *t = table_begin(r, "gpt_tensors", "The tiny GPT's memory, tensor by tensor, as the ledger counts it",
                           columns);
    double n = 0, in8 = 0, total[3] = {0, 0, 0};
    for (int i = 0; i < l->count; i++) {
        const Tensor *p = l->params[i];
        double numel = (double)p->numel, fp32 = (double)tensor_bytes(p);   /* 4 a parameter */
        double weights = fp32 + (double)tensor_bytes(l->grads[i]), mixed = (2 + 2) * numel + fp32;   /* bf16 */
        double adamw_state = (double)tensor_state_bytes(adamw, i), bit8_state = (double)tensor_state_bytes(bit8, i);
        double bytes[3] = {weights + adamw_state, mixed + adamw_state, mixed + bit8_state};
        bool eight = adam8bit_uses_8bit(p->numel, &ADAM8BIT_DEFAULTS);
        char shape[32];
        table_row(t, p->name, shape_text(p, shape, sizeof shape), numel, bytes[0], bytes[1], bytes[2],
                  eight ? "yes" : "no");
        n += numel, in8 += eight ? numel : 0;
        for (int k = 0; k < 3; k++) total[k] += bytes[k];
    }
    table_row(t, "all", "", n, total[0], total[1], total[2], "");
    table_row(t, "per parameter", "", 1.0, total[0] / n, total[1] / n, total[2] / n, "");
    table_note(t, "mixed: bf16 parameters and gradients (2 + 2 bytes), fp32 master weights (4) and state;");
    table_note(t, "8-bit Adam keeps tensors under min_8bit_size = %d elements in fp32, as bitsandbytes does",
               ADAM8BIT_DEFAULTS.min_8bit_size);
    table_end(t);
    report_values(r, NULL, (NamedValue[]){
        {"gpt_params", "%.0f", n}, {"gpt_tensors", "%d", l->count}, {"gpt_8bit_share", "%.1f", 100 * in8 / n},
        {"gpt_fp32_per_param", "%.2f", total[0] / n}, {"gpt_mixed_per_param", "%.2f", total[1] / n},
        {"gpt_8bit_per_param", "%.2f", total[2] / n},
        {"gpt_8bit_state_per_param", "%.2f", (double)optimizer_state_bytes(bit8) / n}, {NULL}});
    optimizer_free(adamw), optimizer_free(bit8);
}

/* ---- 3. how much a block loses: m and v quantized at each block size ---------------- */

#define BLOCK_SIZES 7

static void block_sizes(Report *r, const Moments *mo)
{
    float signed_map[QMAP_SIZE], unsigned_map[QMAP_SIZE];
    create_dynamic_map(true, signed_map), create_dynamic_map(false, unsigned_map);
    const Column columns[] = {{"block", "%d"}, {"absmax bytes\nper param", "%.4f"}, {"m error\nmedian", "%.4f"},
                              {"\n99%", "%.3f"}, {"v error\nmedian", "%.4f"}, {"\n99%", "%.3f"},
                              {"direction\nmedian", "%.4f"}, {"\n99%", "%.3f"}, {NULL, NULL}};
    Table *t = table_begin(r, "block_sizes", "Adam's m and v on the tiny GPT, quantized at each block size",
                           columns);
    double x[BLOCK_SIZES], em[BLOCK_SIZES], ev[BLOCK_SIZES], ed[BLOCK_SIZES];
    for (int b = 0; b < BLOCK_SIZES; b++) {
        size_t block = (size_t)64 << b;
        StateErrors e = state_errors(signed_map, unsigned_map, mo, block);
        x[b] = (double)block, em[b] = e.m.p99, ev[b] = e.v.p99, ed[b] = e.direction.p99;
        table_row(t, (int)block, 8.0 / (double)block, e.m.median, e.m.p99, e.v.median, e.v.p99, e.direction.median,
                  e.direction.p99);
        report_values(r, value_tag(r, "%zu", block), (NamedValue[]){
            {"block_%s_m", "%.4f", e.m.median}, {"block_%s_m99", "%.3f", e.m.p99},
            {"block_%s_v", "%.4f", e.v.median}, {"block_%s_v99", "%.3f", e.v.p99},
            {"block_%s_dir", "%.4f", e.direction.median}, {"block_%s_dir99", "%.3f", e.direction.p99}, {NULL}});
    }
    table_note(t, "the state of Adam (lr %g) after %d steps of the tiny GPT, its %zu values in", (double)GPT_LR,
               mo->steps, mo->n);
    table_note(t, "tensors of %d or more; relative error of each nonzero value: the median and the 99th", mo->min_numel);
    table_note(t, "percentile. Direction: m / (sqrt(v) + 1e-8), what the step is made of");
    table_end(t);
    Figure *fig = report_figure_set(r, "10_block_sizes", "set xlabel 'block size (elements per absmax)'\n"
                                    "set ylabel 'relative error, 99th percentile'\nset logscale x\n"
                                    "set xtics (64, 128, 256, 512, 1024, 2048, 4096)\nset key top left\n");
    figure_xy(fig, "linespoints ls 1 pt 7", x, em, BLOCK_SIZES, "m (signed map)");
    figure_xy(fig, "linespoints ls 2 pt 5", x, ev, BLOCK_SIZES, "v (unsigned map)");
    figure_xy(fig, "linespoints ls 3 pt 9", x, ed, BLOCK_SIZES, "m / (sqrt(v) + eps)");
    figure_close(fig);
    report_values(r, NULL, (NamedValue[]){{"block_values", "%.0f", (double)mo->n}, {"block_steps", "%d", mo->steps}, {NULL}});
}

/* ---- 4. the linear map against the dynamic one --------------------------------------- */

static void maps(Report *r, const Moments *mo)
{
    float dyn_s[QMAP_SIZE], dyn_u[QMAP_SIZE], lin_s[QMAP_SIZE], lin_u[QMAP_SIZE];
    create_dynamic_map(true, dyn_s), create_dynamic_map(false, dyn_u);
    create_linear_map(true, lin_s), create_linear_map(false, lin_u);
    const Column columns[] = {{"map", "%s"}, {"smallest code\nabove 0", "%.2e"}, {"m error\nmedian", "%.4f"},
                              {"\nsent to 0", "%.2f%%"}, {"v error\nmedian", "%.4f"}, {"\nsent to 0", "%.2f%%"},
                              {"direction\nmedian", "%.4f"}, {"\n99%", "%.3f"}, {NULL, NULL}};
    Table *t = table_begin(r, "maps", "The same m and v in blocks of 256, through each map", columns);
    const char *names[2] = {"dynamic", "linear"};
    const float *s[2] = {dyn_s, lin_s}, *u[2] = {dyn_u, lin_u};
    for (int k = 0; k < 2; k++) {
        StateErrors e = state_errors(s[k], u[k], mo, 256);
        table_row(t, names[k], (double)u[k][1], e.m.median, 100 * e.m.zeroed, e.v.median, 100 * e.v.zeroed,
                  e.direction.median, e.direction.p99);
        report_values(r, names[k], (NamedValue[]){
            {"map_%s_smallest", "%.2e", u[k][1]}, {"map_%s_m", "%.4f", e.m.median},
            {"map_%s_m_zeroed", "%.2f", 100 * e.m.zeroed}, {"map_%s_v", "%.4f", e.v.median},
            {"map_%s_v_zeroed", "%.2f", 100 * e.v.zeroed}, {"map_%s_dir", "%.4f", e.direction.median},
            {"map_%s_dir99", "%.3f", e.direction.p99}, {NULL}});
    }
    /* linspace(-1, 1, 255)'s middle value, beside the 0 the library inserts */
    report_values(r, NULL, (NamedValue[]){{"map_linear_second_zero", "%.2g", lin_s[128]}, {NULL}});
    table_note(t, "the state of the table above; smallest code: the unsigned map's (v's), a fraction of absmax;");
    table_note(t, "errors relative to each value; sent to 0: read back as less than a thousandth of itself");
    table_end(t);
}

/* ---- 5. 8-bit against 32-bit Adam: training curves ---------------------------------- */

/* The four Adams of variants.h, as the tables and figures name them. */
static const char *const VARIANT[VARIANTS] = {"Adam (32-bit)", "Adam8bit", "Adam8bit, every tensor",
                                              "Adam8bit, linear maps"};
static const char *const VARIANT_TAG[VARIANTS] = {"adam", "bnb", "forced", "linear"};
/* Adam8bit at its defaults is drawn dashed: on both models it lies on another curve. */
static const char *const VARIANT_STYLE[VARIANTS] = {"linespoints ls 1 pt 7", "lines ls 2 dt 2 lw 2",
                                                    "linespoints ls 3 pt 9", "linespoints ls 4 pt 11"};

static void gpt_curves(Report *r, const LessonArgs *a, Problem *gpt)
{
    const int steps = a->quick ? 20 : GPT_STEPS, every = a->quick ? 5 : 10, points = steps / every + 1;
    Run base = lesson_run(a, NULL, GPT_LR, steps, GPT_BATCH);   /* each variant's optimizer */
    double *curves = doubles_new((size_t)VARIANTS * points);
    VariantWatch seen[VARIANTS];
    variants_watched(gpt, base, every, gpt_validation_loss, curves, seen);
    const Column columns[] = {{"optimizer", "%s"}, {"state bytes\nper param", "%.2f"}, {"validation\nhalfway", "%.3f"},
                              {"loss\nend", "%.3f"}, {"steps\ndone", "%d"}, {"largest\n|step|/lr", "%.3g"},
                              {"v = 0,\nm != 0", "%.2f%%"}, {NULL, NULL}};
    Table *t = table_begin(r, "gpt_8bit", "8-bit and 32-bit Adam on the tiny GPT", columns);
    table_nan_text(t, 2, "diverged"), table_nan_text(t, 3, "diverged");
    /* From the floor to a little above the start: a run that diverges leaves through the top. */
    Figure *fig = report_figure_set(r, "10_gpt_8bit", "set xlabel 'step'\nset ylabel 'validation loss'\n"
                                    "set key top right\nset yrange [%g:%g]\n", gpt->min_loss,
                                    1.1 * curves[0]);
    double n = (double)paramlist_numel(&gpt->params), end[VARIANTS];
    for (int k = 0; k < VARIANTS; k++) {
        const double *loss = curves + k * points;
        const double state = seen[k].state_bytes / n;
        const Watched8bit w = seen[k].watched;
        end[k] = loss[points - 1];
        table_row(t, VARIANT[k], state, loss[points / 2], end[k], w.done, w.largest,
                  100 * w.v_zero_share);
        figure_every(fig, VARIANT_STYLE[k], loss, points, every, "%s", VARIANT[k]);
        report_values(r, VARIANT_TAG[k], (NamedValue[]){
            {"gpt_%s_end", "%.3f", end[k]}, {"gpt_%s_state", "%.2f", state},
            {"gpt_%s_done", "%.0f", w.done}, {"gpt_%s_largest", "%.3g", w.largest},
            {"gpt_%s_v_zero", "%.2f", 100 * w.v_zero_share}, {NULL}});
    }
    figure_close(fig);
    table_note(t, "%d steps of %d windows at lr %g from the same start and batches, one seed; validation", steps,
               GPT_BATCH, (double)GPT_LR);
    table_note(t, "loss per character (floor %.3f: the language's entropy). v = 0, m != 0: the share of", gpt->min_loss);
    table_note(t, "8-bit elements whose v reads back 0 while m does not, over all steps");
    table_end(t);
    report_values(r, NULL, (NamedValue[]){{"gpt_steps", "%d", steps}, {"gpt_floor", "%.3f", gpt->min_loss},
                                          {"gpt_bnb_gap", "%.3f", end[1] - end[0]}, {NULL}});
    free(curves);
}

/* The digits MLP: final losses and accuracy over seeds, curves of one. */
static void mlp_8bit(Report *r, const LessonArgs *a, Problem *mlp)
{
    const int seeds = a->quick ? 1 : 4, wanted = a->quick ? a->steps / 10 : a->steps;
    const int steps = wanted > 20 ? wanted : 20;   /* at least 20 */
    Run base = lesson_run(a, NULL, MLP_LR, steps, MLP_BATCH);   /* each variant's optimizer */
    double loss[VARIANTS], acc[VARIANTS];
    variants_digits_means(mlp, base, seeds, loss, acc);
    const Column columns[] = {{"optimizer", "%s"}, {"state bytes\nper param", "%.2f"}, {"test loss", "%.4f"},
                              {"test\naccuracy", "%.1f%%"}, {NULL, NULL}};
    Table *t = table_begin(r, "mlp_8bit", "8-bit and 32-bit Adam on the digits MLP", columns);
    table_nan_text(t, 2, "diverged"), table_nan_text(t, 3, "diverged");
    Figure *fig = report_figure_set(r, "10_mlp_8bit", "set xlabel 'step'\nset ylabel 'training loss'\n"
                                    "set logscale y\nset key top right\n");
    double n = (double)paramlist_numel(&mlp->params);
    for (int k = 0; k < VARIANTS; k++) {
        Variant v;
        Run run = variant_run(k, base, &v);
        double state = (double)run_state_bytes(mlp, run) / n;
        table_row(t, VARIANT[k], state, loss[k], acc[k]);
        Curve c = run_curve(mlp, run, 20, NULL);
        figure_checkpoints(fig, VARIANT_STYLE[k], &c, "%s", VARIANT[k]);
        report_values(r, VARIANT_TAG[k], (NamedValue[]){{"mlp_%s_loss", "%.4f", loss[k]},
                                                       {"mlp_%s_acc", "%.1f", acc[k]},
                                                       {"mlp_%s_state", "%.2f", state}, {NULL}});
    }
    figure_close(fig);
    size_t largest = largest_tensor(&mlp->params);
    table_note(t, "%d steps of batch %d at lr %g, the mean of %d start%s; the MLP's largest tensor has %zu", steps,
               MLP_BATCH, (double)MLP_LR, seeds, seeds > 1 ? "s" : "", largest);
    table_note(t, "elements, under min_8bit_size = %d: at its defaults Adam8bit keeps all of it in fp32",
               ADAM8BIT_DEFAULTS.min_8bit_size);
    table_end(t);
    report_values(r, NULL, (NamedValue[]){{"mlp_steps", "%d", steps}, {"mlp_seeds", "%d", seeds},
                                          {"mlp_largest", "%.0f", (double)largest}, {NULL}});
}

/* ---- 6. the stress case: scales 10^4 apart in one block, and zeros ------------------ */

#define STRESS_SETUPS 5

static void stress(Report *r, const LessonArgs *a)
{
    const int steps = a->quick ? 20 : 200;
    const Setup setups[STRESS_SETUPS] = {{"32-bit", "fp32", 256, 1e-8f, false},
                                         {"8-bit, block 256", "b256", 256, 1e-8f, true},
                                         {"8-bit, block 64", "b64", 64, 1e-8f, true},
                                         {"8-bit, eps 1e-6", "eps6", 256, 1e-6f, true},
                                         {"8-bit, eps 1e-4", "eps4", 256, 1e-4f, true}};
    const Column columns[] = {{"setup", "%s"}, {"v codes 0\nwhere v>0", "%.1f%%"}, {"median\nlarge", "%.3g"},
                              {"\nsmall", "%.3g"}, {"\ntiny", "%.3g"}, {"largest\nsparse", "%.3g"},
                              {"\nsmall", "%.3g"}, {"\ntiny", "%.3g"}, {NULL, NULL}};
    Table *t = table_begin(r, "stress", "Gradients 10^4 apart in one block, with zeros: each setup's steps",
                           columns);
    for (int k = 0; k < STRESS_SETUPS; k++) {
        Stress s = stress_run(&setups[k], steps, (uint64_t)a->seed);
        table_row(t, setups[k].label, 100 * s.v_zeroed, s.median[LARGE], s.median[SMALL], s.median[TINY],
                  s.largest[SPARSE], s.largest[SMALL], s.largest[TINY]);
        report_values(r, setups[k].tag, (NamedValue[]){
            {"stress_%s_zeroed", "%.1f", 100 * s.v_zeroed}, {"stress_%s_large", "%.3g", s.median[LARGE]},
            {"stress_%s_small", "%.3g", s.median[SMALL]}, {"stress_%s_tiny", "%.3g", s.median[TINY]},
            {"stress_%s_sparse_max", "%.3g", s.largest[SPARSE]}, {"stress_%s_small_max", "%.3g", s.largest[SMALL]},
            {"stress_%s_tiny_max", "%.3g", s.largest[TINY]}, {NULL}});
    }
    table_note(t, "|step| / lr, the median and the largest of the run, by kind of element; %d elements,",
               STRESS_N);
    table_note(t, "%d steps at lr %g; in every block of 256: 1 large (gradients of scale 1), 32 sparse", steps,
               (double)ADAM8BIT_DEFAULTS.lr);
    table_note(t, "(0.01, nonzero 2%% of steps), 32 never seen (0), 96 small (10^-3), 95 tiny (10^-4); the");
    table_note(t, "never-seen elements never move in any setup; the median sparse element never moves.");
    table_note(t, "eps 1e-8 and blocks of 256 but where the setup says otherwise");
    table_end(t);
    report_values(r, NULL, (NamedValue[]){{"stress_steps", "%d", steps}, {NULL}});
}

/* ---- 7. the roofline: a step against a memory-only kernel ---------------------------- */

static void roofline(Report *r, const LessonArgs *a)
{
    const size_t n = a->quick ? 100000 : 10000000;
    const int repeats = a->quick ? 1 : 5;
    const Column columns[] = {{"optimizer", "%s"}, {"bytes\nper param", "%.2f"}, {"step\nms", "%.1f"},
                              {"memory kernel\nms", "%.1f"}, {"GB/s", "%.1f"}, {"share of\nthe kernel", "%.0f%%"},
                              {"step in\ncache, ms", "%.1f"}, {NULL, NULL}};
    Table *t = table_begin(r, "roofline", "Each optimizer's step against a memory-only kernel of its traffic",
                           columns);
    double adam = NAN, adam8bit = NAN;   /* their step times */
    int arithmetic_bound = 0;            /* steps slower in cache than their kernel from memory */
    for (int i = 0; i < roofline_count(); i++) {
        RooflineTiming rt;
        double in_cache;   /* parameters a second, the arrays in the cache */
        if (roofline_time(i, n, repeats, &rt) != 0 || roofline_in_cache(i, n, repeats, &in_cache) != 0)
            fail("out of memory");
        if (strcmp(rt.name, "adam") == 0) adam = rt.step_seconds;
        if (strcmp(rt.name, "adam8bit") == 0) adam8bit = rt.step_seconds;
        const double share = 100 * rt.kernel_seconds / rt.step_seconds;
        const double gbs = rt.bytes_per_param * (double)n / rt.step_seconds / GB;
        const double cache_seconds = (double)n / in_cache;
        arithmetic_bound += cache_seconds > rt.kernel_seconds;
        table_row(t, rt.name, rt.bytes_per_param, 1e3 * rt.step_seconds, 1e3 * rt.kernel_seconds, gbs,
                  share, 1e3 * cache_seconds);
        report_values(r, rt.name, (NamedValue[]){{"roof_%s_bytes", "%g", rt.bytes_per_param},
                                                {"roof_%s_share", "%.0f", share},
                                                {"roof_%s_gbs", "%.1f", gbs},
                                                {"roof_%s_cache_share", "%.0f",
                                                 100 * cache_seconds / rt.step_seconds},
                                                {NULL}});
    }
    table_note(t, "%zu parameters, one thread, the teaching build (-O2); the median of %d runs. Wall", n, repeats);
    table_note(t, "clock on this machine: `make bench` times 10^7 and 10^8 with the fast build too.");
    table_note(t, "Step in cache: as many parameters stepped with the arrays in the core's cache.");
    table_end(t);
    double search_ns, index_ns;   /* a nearest code, found by the search and by the index */
    if (roofline_nearest_code(n, repeats, &search_ns, &index_ns) != 0) fail("out of memory");
    report_values(r, NULL, (NamedValue[]){{"roof_search_ns", "%.1f", search_ns},
                                          {"roof_index_ns", "%.1f", index_ns},
                                          {"roof_search_vs_index", "%.0f", search_ns / index_ns}, {NULL}});
    report_values(r, NULL, (NamedValue[]){{"roof_n", "%.0e", (double)n},
                                          {"roof_adam8bit_vs_adam", "%.1f", adam8bit / adam},
                                          {"roof_arithmetic_bound", "%.0f", (double)arithmetic_bound},
                                          {"roof_count", "%.0f", (double)roofline_count()}, {NULL}});
}

/* ==== the program ==== */

int main(int argc, char **argv)
{
    LessonArgs args = LESSON_DEFAULTS;
    args.steps = 1000;   /* the digits MLP's steps at batch 32 (--quick: a tenth, at least 20) */
    Report report;
    lesson_open(&report, "10_memory", FLAGS, &args, argc, argv);
    Problem *mlp = must_mlp(MLP_HIDDEN, (uint64_t)args.seed);   /* each run resets it to its own start */
    Problem *gpt = must_gpt(args.quick, (uint64_t)args.seed);
    MemoryNotes notes;
    char err[256];
    if (memory_notes(&notes, err, sizeof err) != 0) fail("%s", err);
    notes_tables(&report, &notes);
    activations(&report);
    gpt_tensors(&report, gpt);
    Run adam = {.optimizer = &ADAM_SPEC, .lr = GPT_LR, .steps = args.quick ? 10 : GPT_STEPS, .batch = GPT_BATCH,
                .seed = (uint64_t)args.seed, .batch_seed = (uint64_t)args.seed};
    /* the quick GPT has no tensor of 4096 */
    Moments mo = moments_after(gpt, adam, args.quick ? 0 : ADAM8BIT_DEFAULTS.min_8bit_size);
    block_sizes(&report, &mo);
    maps(&report, &mo);
    moments_free(&mo);
    mlp_8bit(&report, &args, mlp);
    gpt_curves(&report, &args, gpt);
    stress(&report, &args);
    roofline(&report, &args);
    problem_free(mlp), problem_free(gpt);
    return report_close(&report) == 0 ? 0 : 1;
}
