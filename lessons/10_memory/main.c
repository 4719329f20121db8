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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounting.h"
#include "adam.h"
#include "adam8bit.h"
#include "adamw.h"
#include "experiment.h"
#include "gpt.h"
#include "quantize.h"
#include "rng.h"
#include "roofline.h"
#include "runs.h"

static const OptionSpec FLAGS[] = {
    LESSON_FLAGS,
    {NULL, 0, 0, NULL, 0, 0},
};

#define MLP_HIDDEN 32   /* the digits MLP of the earlier chapters: 64-32-10, tanh */
#define MLP_BATCH 32
#define MLP_LR 3e-3f
#define GPT_BATCH 16
#define GPT_STEPS 150
#define GPT_LR 3e-3f
#define GB 1e9

static int mlp_steps(const LessonArgs *a)
{
    int steps = a->quick ? a->steps / 10 : a->steps;
    return steps > 20 ? steps : 20;
}

/* ---- 1. the study notes' tables, from the accounting -------------------------------- */

/* The accounting of n parameters as 4096 x 4096 matrices (a Llama-sized
 * layer; only Adafactor and LoRA would care about the shape). */
static MemoryTable account(double n, MemoryRecipe recipe, const char *opt, int grads_fp32, int rank)
{
    MemoryQuery q = {.params = n, .rows = 4096, .cols = 4096, .recipe = recipe, .rank = rank,
                     .grads_fp32 = grads_fp32};
    if (n < 4096.0 * 4096.0) q.rows = q.cols = 1024;
    if (!memory_optimizer_find(opt, &q.opt)) fail("no optimizer %s", opt);
    MemoryTable t;
    char err[256];
    if (memory_account(&q, &t, err, sizeof err) != 0) fail("%s", err);
    return t;
}

/* The bytes of the rows of t whose name starts with `prefix`. */
static double rows_bytes(const MemoryTable *t, const char *prefix)
{
    double bytes = 0;
    for (int i = 0; i < t->num_rows; i++)
        if (strncmp(t->rows[i].what, prefix, strlen(prefix)) == 0) bytes += t->rows[i].bytes;
    return bytes;
}

static void notes_tables(Report *r)
{
    const Column columns[] = {{"the study notes' claim", "%s"}, {"notes", "%.6g"}, {"measured", "%.6g"},
                              {"unit", "%s"}, {NULL, NULL}};
    Table *t = table_begin(r, "notes", "The study notes' memory numbers, from the accounting", columns);
    MemoryTable p8_mixed = account(8e9, RECIPE_MIXED, "adam", -1, 0), p8 = account(8e9, RECIPE_FP32, "adam", -1, 0);
    MemoryTable p8_8bit = account(8e9, RECIPE_MIXED_8BIT, "adam", -1, 0);
    MemoryTable p70 = account(70e9, RECIPE_FP32, "adam", -1, 0);
    MemoryTable p70_mixed = account(70e9, RECIPE_MIXED, "adam", -1, 0);
    MemoryTable p70_mixed_fp32 = account(70e9, RECIPE_MIXED, "adam", 1, 0);
    MemoryTable p70_8bit = account(70e9, RECIPE_MIXED_8BIT, "adam", -1, 0);
    MemoryTable p7 = account(7e9, RECIPE_MIXED, "adamw", -1, 0);
    MemoryTable lora = account(4096.0 * 4096.0, RECIPE_LORA, "adamw", -1, 16);
    MemoryTable p70_sgd = account(70e9, RECIPE_FP32, "sgd", -1, 0);
    MemoryTable p70_sgd_mixed = account(70e9, RECIPE_MIXED, "sgd", -1, 0);
    MemoryTable p70_lora = account(70e9, RECIPE_LORA, "adamw", -1, 16);
    double saved_8bit = rows_bytes(&p70_mixed, "state") - rows_bytes(&p70_8bit, "state");
    double lora_pct = 100 * lora.trainable / (4096.0 * 4096.0);
    table_row(t, "8B model, bf16 parameters", 16.0, rows_bytes(&p8_mixed, "parameters") / GB, "GB");
    table_row(t, "8B model, Adam's m and v", 64.0, rows_bytes(&p8, "state") / GB, "GB");
    table_row(t, "8B model, 8-bit Adam's m and v", 16.0, rows_bytes(&p8_8bit, "state") / GB, "GB");
    table_row(t, "70B, all fp32, Adam", 1120.0, p70.bytes / GB, "GB");
    table_row(t, "70B, mixed precision, Adam", 1260.0, p70_mixed.bytes / GB, "GB");
    table_row(t, "  the same with fp32 gradients", 1260.0, p70_mixed_fp32.bytes / GB, "GB");
    table_row(t, "70B, 8-bit Adam saves", 420.0, saved_8bit / GB, "GB");
    table_row(t, "  8-bit m and v, bytes a parameter", 2.0, rows_bytes(&p70_8bit, "state") / 70e9, "B");
    table_row(t, "LoRA 4096x4096, rank 16: trainable", 131072.0, lora.trainable, "params");
    table_row(t, "  as a share of the matrix", 0.78, lora_pct, "%");
    table_row(t, "7B model, mixed-precision AdamW", 80.0, p7.bytes / GB, "GB");
    table_row(t, "SGD instead of Adam saves (fp32)", 100 / 3.0, 100 * (1 - p70_sgd.bytes / p70.bytes), "%");
    table_row(t, "  in mixed precision", 100 / 3.0, 100 * (1 - p70_sgd_mixed.bytes / p70_mixed.bytes), "%");
    table_note(t, "GB = 10^9 bytes. Mixed: bf16 parameters and gradients, fp32 master weights and state;");
    table_note(t, "the state read from each optimizer's real allocation on a small matrix of the layout");
    table_end(t);
    report_values(r, NULL, (NamedValue[]){
        {"notes_8b_params_gb", "%.0f", rows_bytes(&p8_mixed, "parameters") / GB},
        {"notes_8b_state_gb", "%.0f", rows_bytes(&p8, "state") / GB},
        {"notes_8b_8bit_gb", "%.2f", rows_bytes(&p8_8bit, "state") / GB},
        {"notes_70b_fp32_gb", "%.0f", p70.bytes / GB}, {"notes_70b_fp32_per_param", "%.0f", p70.bytes_per_param},
        {"notes_70b_mixed_gb", "%.0f", p70_mixed.bytes / GB},
        {"notes_70b_mixed_per_param", "%.0f", p70_mixed.bytes_per_param},
        {"notes_70b_mixed_fp32_gb", "%.0f", p70_mixed_fp32.bytes / GB},
        {"notes_70b_mixed_fp32_per_param", "%.0f", p70_mixed_fp32.bytes_per_param},
        {"notes_70b_state_gb", "%.0f", rows_bytes(&p70_mixed, "state") / GB},
        {"notes_8bit_saved_gb", "%.1f", saved_8bit / GB},
        {"notes_8bit_state_per_param", "%.5f", rows_bytes(&p70_8bit, "state") / 70e9},
        {"notes_8bit_state_gb", "%.1f", rows_bytes(&p70_8bit, "state") / GB},
        {"notes_8bit_total_gb", "%.1f", p70_8bit.bytes / GB},
        {"notes_lora_trainable", "%.0f", lora.trainable}, {"notes_lora_pct", "%.3f", lora_pct},
        {"notes_7b_gb", "%.0f", p7.bytes / GB}, {"notes_7b_per_param", "%.0f", p7.bytes_per_param},
        {"notes_sgd_saves_fp32", "%.0f", 100 * (1 - p70_sgd.bytes / p70.bytes)},
        {"notes_sgd_saves_mixed", "%.0f", 100 * (1 - p70_sgd_mixed.bytes / p70_mixed.bytes)},
        {"notes_70b_lora_gb", "%.0f", p70_lora.bytes / GB},
        {"notes_70b_lora_base_gb", "%.0f", rows_bytes(&p70_lora, "frozen") / GB}, {NULL}});
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

/* The bytes of state opt keeps for parameter i, as its tensors count them. */
static double state_of(const Optimizer *opt, int i)
{
    double bytes = 0;
    for (int k = 0; k < opt->num_slots; k++)
        if (opt->slots[k][i]) bytes += (double)tensor_bytes(opt->slots[k][i]);
    return bytes;
}

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
        double weights = fp32 + (double)tensor_bytes(l->grads[i]);
        double bytes[3] = {weights + state_of(adamw, i), (2 + 2) * numel + fp32 + state_of(adamw, i),
                           (2 + 2) * numel + fp32 + state_of(bit8, i)};
        char shape[32];
        if (p->ndim == 2) snprintf(shape, sizeof shape, "%d x %d", p->shape[0], p->shape[1]);
        else snprintf(shape, sizeof shape, "%d", p->shape[0]);
        bool eight = adam8bit_uses_8bit(p->numel, &ADAM8BIT_DEFAULTS);
        table_row(t, p->name, shape, numel, bytes[0], bytes[1], bytes[2], eight ? "yes" : "no");
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

/* Adam's exp_avg and exp_avg_sq of the tiny GPT after `steps` steps,
 * concatenated over the tensors of min_numel elements or more (4096: those
 * 8-bit Adam quantizes); each tensor starts on a multiple of 4096 (zeros
 * pad), so that no block of any size straddles two tensors. */
typedef struct {
    int steps, t;
    int min_numel;   /* the smallest tensor taken */
    size_t n;
    float *m, *v;
} Moments;

static void keep_moments(const Optimizer *opt, const float *before, const float *after, void *ctx)
{
    (void)before;
    Moments *mo = ctx;
    if (!after || ++mo->t != mo->steps) return;
    size_t at = 0;
    for (int i = 0; i < opt->params.count; i++) {
        size_t numel = opt->params.params[i]->numel;
        if ((long)numel < mo->min_numel) continue;
        memcpy(mo->m + at, opt->slots[0][i]->data, numel * sizeof(float));
        memcpy(mo->v + at, opt->slots[1][i]->data, numel * sizeof(float));
        at += (numel + 4095) / 4096 * 4096;
    }
    mo->n = at;
}

static Moments gpt_moments(Problem *gpt, int steps, int min_numel, uint64_t seed)
{
    size_t padded = 0;
    for (int i = 0; i < gpt->params.count; i++)
        if ((long)gpt->params.params[i]->numel >= min_numel) padded += (gpt->params.params[i]->numel + 4095) / 4096 * 4096;
    Moments mo = {.steps = steps, .min_numel = min_numel, .m = floats_new(padded), .v = floats_new(padded)};
    memset(mo.m, 0, padded * sizeof(float)), memset(mo.v, 0, padded * sizeof(float));
    Run run = {.optimizer = &ADAM_SPEC, .lr = GPT_LR, .steps = steps, .batch = GPT_BATCH, .seed = seed,
               .batch_seed = seed};
    if (run_watched(gpt, run, keep_moments, &mo) != steps) fail("Adam diverged on the tiny GPT");
    return mo;
}

/* The relative errors |x~ - x| / |x| of the nonzero x[i], summed up: the
 * median, the 99th percentile and the share sent to 0. */
typedef struct {
    double median, p99, zeroed;
} Errors;

static Errors errors_of(float *relative /* [count], sorted here */, size_t count, size_t zeroed)
{
    Errors e = {sort_median(relative, count), relative[(size_t)(0.99 * (double)(count - 1))],
                (double)zeroed / (double)count};
    return e;
}

/* x[n] stored as 8-bit Adam stores its state, block by block, and read
 * back into back[n]: m (is_signed) with quantize_state1's sign fix, v with
 * quantize_state2. */
static void round_trip(const float *code, bool is_signed, const float *x, size_t n, size_t block,
                       float *back /* [n] */)
{
    for (size_t start = 0; start < n; start += block) {
        const size_t end = n - start < block ? n : start + block;
        const float absmax = block_absmax(x + start, end - start);
        for (size_t i = start; i < end; i++) {
            uint8_t q = is_signed ? quantize_state1(code, x[i], absmax) : quantize_state2(code, x[i], absmax);
            back[i] = dequantize_code(code, q, absmax);
        }
    }
}

/* What quantizing Adam's m and v blockwise does to m, to v and to the
 * direction of the step, m / (sqrt(v) + eps), element by element. */
typedef struct {
    Errors m, v, direction;
} StateErrors;

static StateErrors state_errors(const float *signed_code, const float *unsigned_code, const Moments *mo,
                                size_t block)
{
    size_t n = mo->n, counts[3] = {0, 0, 0}, zeroed[3] = {0, 0, 0};
    float *m = floats_new(n), *v = floats_new(n), *rel[3];
    for (int k = 0; k < 3; k++) rel[k] = floats_new(n);
    round_trip(signed_code, true, mo->m, n, block, m);
    round_trip(unsigned_code, false, mo->v, n, block, v);
    for (size_t i = 0; i < n; i++) {
        if (mo->v[i] == 0) continue;   /* padding, or a weight that never had a gradient */
        double exact[3] = {mo->m[i], mo->v[i], mo->m[i] / (sqrt(mo->v[i]) + 1e-8)};
        double got[3] = {m[i], v[i], m[i] / (sqrt(v[i]) + 1e-8)};
        for (int k = 0; k < 3; k++) {
            if (exact[k] == 0) continue;
            rel[k][counts[k]++] = (float)fabs((got[k] - exact[k]) / exact[k]);
            zeroed[k] += got[k] == 0;
        }
    }
    StateErrors e = {errors_of(rel[0], counts[0], zeroed[0]), errors_of(rel[1], counts[1], zeroed[1]),
                     errors_of(rel[2], counts[2], zeroed[2])};
    free(m), free(v);
    for (int k = 0; k < 3; k++) free(rel[k]);
    return e;
}

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
    Figure *fig = report_figure(r, "10_block_sizes");
    fprintf(figure_commands(fig), "set xlabel 'block size (elements per absmax)'\n"
                                  "set ylabel 'relative error, 99th percentile'\nset logscale x\n"
                                  "set xtics (64, 128, 256, 512, 1024, 2048, 4096)\nset key top left\n");
    figure_xy(fig, "linespoints ls 1 pt 7", x, em, BLOCK_SIZES, "m (signed map)");
    figure_xy(fig, "linespoints ls 2 pt 5", x, ev, BLOCK_SIZES, "v (unsigned map)");
    figure_xy(fig, "linespoints ls 3 pt 9", x, ed, BLOCK_SIZES, "m / (sqrt(v) + eps)");
    figure_close(fig);
    report_values(r, NULL, (NamedValue[]){{"block_values", "%.0f", (double)mo->n}, {"block_steps", "%d", mo->steps}, {NULL}});
}

/* ---- 4. the linear map against the dynamic one --------------------------------------- */

/* bitsandbytes' create_linear_map(signed, 8 bits, add_zero=True): 255
 * evenly spaced values from -1 to 1 with one more 0 in the middle when
 * signed, 256 from 0 to 1 when not. */
static void create_linear_map(bool is_signed, float code[QMAP_SIZE])
{
    if (!is_signed) {
        torch_linspace_f32(0.0f, 1.0f, QMAP_SIZE, code);
        return;
    }
    float values[QMAP_SIZE - 1];
    torch_linspace_f32(-1.0f, 1.0f, QMAP_SIZE - 1, values);
    for (int i = 0, k = 0; i < QMAP_SIZE; i++) code[i] = i == 127 ? 0.0f : values[k++];
}

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
    table_note(t, "the state of the table above; smallest code: the unsigned map's (v's), a fraction of absmax;");
    table_note(t, "errors relative to each value");
    table_end(t);
}

/* ---- 5. 8-bit against 32-bit Adam: training curves ---------------------------------- */

/* Adam8bit with bitsandbytes' linear maps in place of its dynamic ones. */
static Optimizer *adam8bit_linear_create(ParamList params, const void *config)
{
    Optimizer *opt = adam8bit_new(params, config);
    if (!opt) return NULL;
    float code1[QMAP_SIZE], code2[QMAP_SIZE];
    create_linear_map(true, code1), create_linear_map(false, code2);
    adam8bit_use_maps(opt, code1, code2);
    return opt;
}

#define VARIANTS 4   /* Adam, Adam8bit at its defaults, Adam8bit forced to 8 bits, linear maps */
static const char *const VARIANT[VARIANTS] = {"Adam (32-bit)", "Adam8bit", "Adam8bit, every tensor",
                                              "Adam8bit, linear maps"};
static const char *const VARIANT_TAG[VARIANTS] = {"adam", "bnb", "forced", "linear"};
/* Adam8bit at its defaults is drawn dashed: on both models it lies on another curve. */
static const char *const VARIANT_STYLE[VARIANTS] = {"linespoints ls 1 pt 7", "lines ls 2 dt 2 lw 2",
                                                    "linespoints ls 3 pt 9", "linespoints ls 4 pt 11"};

static Run variant_run(int k, Run run, Adam8bitConfig *cfg, OptimizerSpec *linear)
{
    *cfg = ADAM8BIT_DEFAULTS;
    run.optimizer = k == 0 ? &ADAM_SPEC : &ADAM8BIT_SPEC, run.config = k == 0 ? NULL : cfg;
    if (k >= 2) cfg->min_8bit_size = 0;   /* 8-bit state even for the biases */
    if (k == 3) *linear = ADAM8BIT_SPEC, linear->create = adam8bit_linear_create, run.optimizer = linear;
    return run;
}

/* What a run on the tiny GPT shows, step by step: the validation loss
 * every `every` steps, the largest step of any weight, and how often an
 * 8-bit v reads back exactly 0 while m does not (the step is then m / eps). */
typedef struct {
    Problem *p;
    int every, t;
    float lr;
    double *loss;        /* [steps / every + 1] */
    double largest;      /* the largest |step| / lr of any weight in any step */
    double v_zero;       /* elements with v = 0 and m != 0, summed over the steps */
    double eight_bit;    /* elements with 8-bit state, summed over the steps */
} Watch;

/* The slot of opt named `name`, or -1. */
static int slot_named(const Optimizer *opt, const char *name)
{
    for (int k = 0; k < opt->num_slots; k++)
        if (strcmp(opt->slot_names[k], name) == 0) return k;
    return -1;
}

static void watch_gpt(const Optimizer *opt, const float *before, const float *after, void *ctx)
{
    Watch *w = ctx;
    if (!after) return;
    size_t n = paramlist_numel(&opt->params);
    for (size_t j = 0; j < n; j++) w->largest = fmax(w->largest, fabs((double)after[j] - before[j]) / w->lr);
    int s1 = slot_named(opt, "state1"), s2 = slot_named(opt, "state2");
    for (int i = 0; s1 >= 0 && i < opt->params.count; i++) {
        const Tensor *m = opt->slots[s1][i], *v = opt->slots[s2][i];
        if (!m->bytes) continue;   /* a small tensor: 32-bit state */
        const float *qmap1 = adam8bit_qmap(opt, 1), *qmap2 = adam8bit_qmap(opt, 2);
        for (size_t j = 0; j < m->numel; j++)
            w->v_zero += qmap2[v->bytes[j]] == 0 && qmap1[m->bytes[j]] != 0;
        w->eight_bit += (double)m->numel;
    }
    if (++w->t % w->every == 0) w->loss[w->t / w->every] = gpt_validation_loss(w->p);
}

typedef struct {
    Problem *p;
    Run base;
    int every, points;
} CurveJobs;

/* out: the losses [points], then the state bytes, the steps done, the
 * largest |step| / lr and the share of 8-bit elements with v = 0, m != 0. */
#define GPT_EXTRA 4

static void gpt_job(int k, void *ctx, double *out)
{
    const CurveJobs *jobs = ctx;
    Adam8bitConfig cfg;
    OptimizerSpec linear;
    Run run = variant_run(k, jobs->base, &cfg, &linear);
    Watch w = {jobs->p, jobs->every, 0, run.lr, out, 0, 0, 0};
    for (int i = 0; i < jobs->points; i++) out[i] = NAN;
    jobs->p->reset(jobs->p, run.seed);
    out[0] = gpt_validation_loss(jobs->p);
    int done = run_watched(jobs->p, run, watch_gpt, &w);
    double *extra = out + jobs->points;
    extra[0] = (double)run_state_bytes(jobs->p, run), extra[1] = done, extra[2] = w.largest;
    extra[3] = w.eight_bit > 0 ? w.v_zero / w.eight_bit : 0;
}

static void gpt_curves(Report *r, const LessonArgs *a, Problem *gpt)
{
    const int steps = a->quick ? 20 : GPT_STEPS, every = a->quick ? 5 : 10, points = steps / every + 1;
    CurveJobs jobs = {gpt, {.lr = GPT_LR, .steps = steps, .batch = GPT_BATCH, .seed = (uint64_t)a->seed,
                            .batch_seed = (uint64_t)a->seed}, every, points};
    const size_t width = (size_t)points + GPT_EXTRA;
    double *out = doubles_new(VARIANTS * width);
    parallel_jobs(VARIANTS, (int)width, out, gpt_job, &jobs);
    const Column columns[] = {{"optimizer", "%s"}, {"state bytes\nper param", "%.2f"}, {"validation\nhalfway", "%.3f"},
                              {"loss\nend", "%.3f"}, {"steps\ndone", "%d"}, {"largest\n|step|/lr", "%.3g"},
                              {"v = 0,\nm != 0", "%.2f%%"}, {NULL, NULL}};
    Table *t = table_begin(r, "gpt_8bit", "8-bit and 32-bit Adam on the tiny GPT", columns);
    table_nan_text(t, 2, "diverged"), table_nan_text(t, 3, "diverged");
    Figure *fig = report_figure(r, "10_gpt_8bit");
    /* From the floor to a little above the start: a run that diverges leaves through the top. */
    fprintf(figure_commands(fig), "set xlabel 'step'\nset ylabel 'validation loss'\nset key top right\n"
                                  "set yrange [%g:%g]\n", gpt->min_loss, 1.1 * out[0]);
    double n = (double)paramlist_numel(&gpt->params), end[VARIANTS];
    for (int k = 0; k < VARIANTS; k++) {
        const double *loss = out + k * width, *extra = loss + points;
        end[k] = loss[points - 1];
        table_row(t, VARIANT[k], extra[0] / n, loss[points / 2], end[k], (int)extra[1], extra[2], 100 * extra[3]);
        int series = figure_series(fig, VARIANT_STYLE[k], "%s", VARIANT[k]);
        for (int i = 0; i < points; i++)
            if (isfinite(loss[i])) figure_point(fig, series, i * every, loss[i]);
        report_values(r, VARIANT_TAG[k], (NamedValue[]){
            {"gpt_%s_end", "%.3f", end[k]}, {"gpt_%s_state", "%.2f", extra[0] / n}, {"gpt_%s_done", "%.0f", extra[1]},
            {"gpt_%s_largest", "%.3g", extra[2]}, {"gpt_%s_v_zero", "%.2f", 100 * extra[3]}, {NULL}});
    }
    figure_close(fig);
    table_note(t, "%d steps of %d windows at lr %g from the same start and batches, one seed; validation", steps,
               GPT_BATCH, (double)GPT_LR);
    table_note(t, "loss per character (floor %.3f: the language's entropy). v = 0, m != 0: the share of", gpt->min_loss);
    table_note(t, "8-bit elements whose v reads back 0 while m does not, over all steps");
    table_end(t);
    report_values(r, NULL, (NamedValue[]){{"gpt_steps", "%d", steps}, {"gpt_floor", "%.3f", gpt->min_loss},
                                          {"gpt_bnb_gap", "%.3f", end[1] - end[0]}, {NULL}});
    free(out);
}

/* The digits MLP: final losses and accuracy over seeds, curves of one. */
typedef struct {
    Problem *p;
    Run base;
} MlpJobs;

static void mlp_job(int i, void *ctx, double *out)
{
    const MlpJobs *jobs = ctx;
    int k = i % VARIANTS, s = i / VARIANTS;
    Adam8bitConfig cfg;
    OptimizerSpec linear;
    Run run = run_from_start(variant_run(k, jobs->base, &cfg, &linear), s);
    bool done = run_watched(jobs->p, run, NULL, NULL) == run.steps;
    out[0] = done ? digits_test_loss(jobs->p) : NAN;
    out[1] = done ? 100 * jobs->p->test_accuracy(jobs->p) : NAN;
}

static void mlp_8bit(Report *r, const LessonArgs *a, Problem *mlp)
{
    const int seeds = a->quick ? 1 : 4, steps = mlp_steps(a);
    MlpJobs jobs = {mlp, {.lr = MLP_LR, .steps = steps, .batch = MLP_BATCH, .seed = (uint64_t)a->seed,
                          .batch_seed = (uint64_t)a->seed}};
    double *out = doubles_new((size_t)seeds * VARIANTS * 2);
    parallel_jobs(seeds * VARIANTS, 2, out, mlp_job, &jobs);
    const Column columns[] = {{"optimizer", "%s"}, {"state bytes\nper param", "%.2f"}, {"test loss", "%.4f"},
                              {"test\naccuracy", "%.1f%%"}, {NULL, NULL}};
    Table *t = table_begin(r, "mlp_8bit", "8-bit and 32-bit Adam on the digits MLP", columns);
    table_nan_text(t, 2, "diverged"), table_nan_text(t, 3, "diverged");
    Figure *fig = report_figure(r, "10_mlp_8bit");
    fprintf(figure_commands(fig), "set xlabel 'step'\nset ylabel 'training loss'\nset logscale y\n"
                                  "set key top right\n");
    double n = (double)paramlist_numel(&mlp->params);
    for (int k = 0; k < VARIANTS; k++) {
        double loss = 0, acc = 0;
        for (int s = 0; s < seeds; s++)
            loss += out[2 * ((size_t)s * VARIANTS + k)] / seeds, acc += out[2 * ((size_t)s * VARIANTS + k) + 1] / seeds;
        Adam8bitConfig cfg;
        OptimizerSpec linear;
        Run run = variant_run(k, jobs.base, &cfg, &linear);
        double state = (double)run_state_bytes(mlp, run) / n;
        table_row(t, VARIANT[k], state, loss, acc);
        Curve c = run_curve(mlp, run, 20, NULL);
        figure_checkpoints(fig, VARIANT_STYLE[k], &c, "%s", VARIANT[k]);
        report_values(r, VARIANT_TAG[k], (NamedValue[]){{"mlp_%s_loss", "%.4f", loss}, {"mlp_%s_acc", "%.1f", acc},
                                                       {"mlp_%s_state", "%.2f", state}, {NULL}});
    }
    figure_close(fig);
    size_t largest = 0;
    for (int i = 0; i < mlp->params.count; i++)
        if (mlp->params.params[i]->numel > largest) largest = mlp->params.params[i]->numel;
    table_note(t, "%d steps of batch %d at lr %g, the mean of %d start%s; the MLP's largest tensor has %zu", steps,
               MLP_BATCH, (double)MLP_LR, seeds, seeds > 1 ? "s" : "", largest);
    table_note(t, "elements, under min_8bit_size = %d: at its defaults Adam8bit keeps all of it in fp32",
               ADAM8BIT_DEFAULTS.min_8bit_size);
    table_end(t);
    report_values(r, NULL, (NamedValue[]){{"mlp_steps", "%d", steps}, {"mlp_seeds", "%d", seeds},
                                          {"mlp_largest", "%.0f", (double)largest}, {NULL}});
    free(out);
}

/* ---- 6. the stress case: scales 10^4 apart in one block, and zeros ------------------ */

/* Within each block of 256: one element with gradients of scale 1 (a
 * frequent feature), sparse ones (scale 0.01, nonzero on 2% of the steps,
 * else exactly 0), never-seen ones (always 0), and the rest at a small and
 * a tiny scale. */
enum { LARGE, SPARSE, NEVER, SMALL, TINY, CLASSES };

static int class_of(size_t i)
{
    size_t j = i % 256;
    return j == 0 ? LARGE : j % 8 == 1 ? SPARSE : j % 8 == 2 ? NEVER : j % 2 ? SMALL : TINY;
}

static float stress_grad(size_t i, Rng *rng)
{
    double g = rng_normal(rng);
    switch (class_of(i)) {
    case LARGE: return (float)g;
    case SPARSE: return rng_uniform(rng) < 0.02 ? (float)(0.01 * g) : 0.0f;
    case NEVER: return 0.0f;
    case SMALL: return (float)(1e-3 * g);
    default: return (float)(1e-4 * g);
    }
}

#define STRESS_N 4096
#define STRESS_SETUPS 5

typedef struct {
    const char *label;
    int block_size;
    float eps;
    bool eight_bit;
} Setup;

/* What one setup's steps were, against 32-bit Adam's on the same gradients. */
typedef struct {
    double v_zeroed;             /* share of elements with v > 0 in 32 bits whose v code is 0 */
    double median[CLASSES];      /* median |step| / lr over the run, per class */
    double largest[CLASSES];     /* the largest |step| / lr, per class */
} Stress;

static Stress stress_run(const Setup *s, int steps, uint64_t seed)
{
    const size_t n = STRESS_N;
    Adam8bitConfig cfg = ADAM8BIT_DEFAULTS;
    cfg.block_size = s->block_size, cfg.eps = s->eps;
    float *p = floats_new(n), *g = floats_new(n), *m = floats_new(n), *v = floats_new(n);
    float *p32 = floats_new(n), *m32 = floats_new(n), *v32 = floats_new(n), *absmax = floats_new(2 * n);
    float *moves[CLASSES];
    size_t count[CLASSES] = {0};
    for (int c = 0; c < CLASSES; c++) moves[c] = floats_new(n * (size_t)steps);
    uint8_t *codes = must(calloc(2, n), "out of memory");
    float qmap1[QMAP_SIZE], qmap2[QMAP_SIZE];
    create_dynamic_map(true, qmap1), create_dynamic_map(false, qmap2);
    memset(p, 0, n * sizeof *p), memset(m, 0, n * sizeof *m), memset(v, 0, n * sizeof *v);
    memset(p32, 0, n * sizeof *p), memset(m32, 0, n * sizeof *m), memset(v32, 0, n * sizeof *v);
    memset(absmax, 0, 2 * n * sizeof *absmax);
    Rng rng;
    rng_seed(&rng, seed, 10);
    Stress out = {0};
    double positive = 0, zeroed = 0;
    for (int t = 1; t <= steps; t++) {
        for (size_t i = 0; i < n; i++) g[i] = stress_grad(i, &rng), p[i] = 0, p32[i] = 0;
        if (s->eight_bit)
            adam8bit_update_blockwise(p, g, codes, codes + n, absmax, absmax + n, qmap1, qmap2, n, t, &cfg);
        else
            adam8bit_update_32bit(p, g, m, v, n, t, &cfg);
        Adam8bitConfig ref = ADAM8BIT_DEFAULTS;   /* the 32-bit reference, at eps 1e-8 */
        adam8bit_update_32bit(p32, g, m32, v32, n, t, &ref);
        for (size_t i = 0; i < n; i++) {
            double step = fabs(p[i]) / cfg.lr;
            int c = class_of(i);
            moves[c][count[c]++] = (float)step;
            out.largest[c] = fmax(out.largest[c], step);
            if (v32[i] > 0 && s->eight_bit) positive++, zeroed += codes[n + i] == 0;
        }
    }
    out.v_zeroed = positive > 0 ? zeroed / positive : 0;
    for (int c = 0; c < CLASSES; c++) out.median[c] = sort_median(moves[c], count[c]), free(moves[c]);
    free(p), free(g), free(m), free(v), free(p32), free(m32), free(v32), free(absmax), free(codes);
    return out;
}

static void stress(Report *r, const LessonArgs *a)
{
    const int steps = a->quick ? 20 : 200;
    const Setup setups[STRESS_SETUPS] = {{"32-bit", 256, 1e-8f, false}, {"8-bit, block 256", 256, 1e-8f, true},
                                         {"8-bit, block 64", 64, 1e-8f, true},
                                         {"8-bit, eps 1e-6", 256, 1e-6f, true},
                                         {"8-bit, eps 1e-4", 256, 1e-4f, true}};
    const char *tags[STRESS_SETUPS] = {"fp32", "b256", "b64", "eps6", "eps4"};
    const Column columns[] = {{"setup", "%s"}, {"v codes 0\nwhere v>0", "%.1f%%"}, {"median\nlarge", "%.3g"},
                              {"\nsmall", "%.3g"}, {"\ntiny", "%.3g"}, {"largest\nsparse", "%.3g"},
                              {"\nsmall", "%.3g"}, {"\ntiny", "%.3g"},
                              {NULL, NULL}};
    Table *t = table_begin(r, "stress", "Gradients 10^4 apart in one block, with zeros: each setup's steps",
                           columns);
    for (int k = 0; k < STRESS_SETUPS; k++) {
        Stress s = stress_run(&setups[k], steps, (uint64_t)a->seed);
        table_row(t, setups[k].label, 100 * s.v_zeroed, s.median[LARGE], s.median[SMALL], s.median[TINY],
                  s.largest[SPARSE], s.largest[SMALL], s.largest[TINY]);
        report_values(r, tags[k], (NamedValue[]){
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
        report_values(r, rt.name, (NamedValue[]){{"roof_%s_share", "%.0f", share},
                                                {"roof_%s_gbs", "%.1f", gbs},
                                                {"roof_%s_cache_share", "%.0f",
                                                 100 * cache_seconds / rt.step_seconds},
                                                {NULL}});
    }
    table_note(t, "%zu parameters, one thread, the teaching build (-O2); the median of %d runs. Wall", n, repeats);
    table_note(t, "clock on this machine: `make bench` times 10^7 and 10^8 with the fast build too.");
    table_note(t, "Step in cache: as many parameters stepped with the arrays in the core's cache.");
    table_end(t);
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
    lesson_parse("10_memory", FLAGS, &args, argc, argv);
    Report report;
    if (report_open(&report, args.out, "10_memory") != 0) return EXIT_USAGE;   /* a bad --out */
    Problem *mlp = must_mlp(MLP_HIDDEN, (uint64_t)args.seed);   /* each run resets it to its own start */
    Problem *gpt = must_gpt(args.quick, (uint64_t)args.seed);
    notes_tables(&report);
    activations(&report);
    gpt_tensors(&report, gpt);
    Moments mo = gpt_moments(gpt, args.quick ? 10 : GPT_STEPS, args.quick ? 0 : ADAM8BIT_DEFAULTS.min_8bit_size,
                              (uint64_t)args.seed);   /* the quick GPT has no tensor of 4096 */
    block_sizes(&report, &mo);
    maps(&report, &mo);
    free(mo.m), free(mo.v);
    mlp_8bit(&report, &args, mlp);
    gpt_curves(&report, &args, gpt);
    stress(&report, &args);
    roofline(&report, &args);
    problem_free(mlp), problem_free(gpt);
    return report_close(&report) == 0 ? 0 : 1;
}
