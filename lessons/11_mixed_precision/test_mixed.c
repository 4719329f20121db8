/* test_mixed.c - lesson 11's tests of AdamW on BF16 weights (mixed.h):
 * PyTorch's BF16 AdamW bit for bit and its FP32-master recipe
 * (tests/golden/adamw_bf16.txt), a first step by hand, the swallowed update
 * (lost in BF16, kept by the master, kept on average by stochastic
 * rounding), the smallest update that survives, llm.c's recipe against
 * lesson 06's step and its random bits, and the edge cases (t = 1, zero,
 * huge, inf and NaN gradients, n = 0). Its tests join the lesson's suite
 * through add_mixed_tests() (see test_lesson11.c). */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adamw.h"
#include "golden.h"
#include "lowp.h"
#include "mixed.h"
#include "testing.h"

void add_mixed_tests(TCase *core, TCase *limits);

/* Two BF16 patterns hold the same number: the same bits, or both NaN
 * (PyTorch's vectorized kernels write NaN as 0xFFFF, lowp.c as 0x7FC0). */
static bool same_bf16(uint16_t a, uint16_t b)
{
    const float x = float_from_bf16(a), y = float_from_bf16(b);
    return isnan(x) || isnan(y) ? isnan(x) && isnan(y) : a == b;
}

static AdamWConfig config(float lr, float weight_decay)
{
    AdamWConfig cfg = ADAMW_DEFAULTS;
    cfg.lr = lr;
    cfg.weight_decay = weight_decay;
    return cfg;
}

/* ---- tests/golden/adamw_bf16.txt ----------------------------------------------------
 *
 * tools/mixed_reference.py ran torch.optim.AdamW (torch 1.13, foreach=False)
 * on BF16 weights ("recipe bf16") and on FP32 master weights with a BF16
 * working copy ("recipe master"); every number is a hex bit pattern, BF16
 * (4 digits) or float32 (8): the master weights and the master recipe's
 * states are float32, all else BF16. */

#define MIXED_MAX_N 64
#define MIXED_MAX_STEPS 16
#define MIXED_MAX_CASES 24
#define MIXED_STATES 3

static const char *const STATE_NAMES[MIXED_STATES] = {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};

typedef struct {
    char name[64];
    bool master;                  /* recipe master, else recipe bf16 */
    AdamWConfig cfg;
    size_t n;
    int steps;
    uint16_t param[MIXED_MAX_N];          /* the BF16 weights at the start */
    uint32_t master_start[MIXED_MAX_N];   /* recipe master: the float32 master at the start */
    uint16_t grad[MIXED_MAX_STEPS][MIXED_MAX_N];
    uint16_t expect[MIXED_MAX_STEPS][MIXED_MAX_N];          /* the BF16 weights after each step */
    uint32_t master_after[MIXED_MAX_STEPS][MIXED_MAX_N];    /* recipe master */
    bool has_state[MIXED_STATES];
    uint32_t state[MIXED_STATES][MIXED_MAX_STEPS][MIXED_MAX_N];   /* BF16 or float32 bits */
} MixedCase;

typedef struct {
    int count;
    MixedCase cases[MIXED_MAX_CASES];
} MixedGolden;

/* The rest of the line: exactly n words "0x" and `digits` hex digits.
 * Returns 0, or -1. */
static int read_bits(GoldenReader *r, uint32_t *out /* [n] */, size_t n, int digits)
{
    for (size_t i = 0; i < n; i++) {
        const char *word = golden_reader_word(r);
        char *end;
        if (!word || strlen(word) != (size_t)digits + 2 || strncmp(word, "0x", 2) != 0) return -1;
        unsigned long value = strtoul(word + 2, &end, 16);
        if (*end != '\0') return -1;
        out[i] = (uint32_t)value;
    }
    return golden_reader_word(r) == NULL ? 0 : -1;
}

static int read_bits16(GoldenReader *r, uint16_t *out /* [n] */, size_t n)
{
    uint32_t wide[MIXED_MAX_N];
    if (n > MIXED_MAX_N || read_bits(r, wide, n, 4) != 0) return -1;
    for (size_t i = 0; i < n; i++) out[i] = (uint16_t)wide[i];
    return 0;
}

/* One line of a case; returns 0, or -1 for a line it cannot read. */
static int read_case_line(GoldenReader *r, const char *word, MixedCase *c)
{
    if (strcmp(word, "recipe") == 0) {
        const char *recipe = golden_reader_word(r);
        if (!recipe || (strcmp(recipe, "bf16") != 0 && strcmp(recipe, "master") != 0)) return -1;
        c->master = strcmp(recipe, "master") == 0;
        return golden_reader_word(r) == NULL ? 0 : -1;
    }
    if (strcmp(word, "settings") == 0) {
        char *settings[GOLDEN_MAX_SETTINGS];
        int count = 0;
        char err[256];
        if (golden_reader_settings(r, settings, &count, GOLDEN_MAX_SETTINGS) != 0) return -1;
        int bad = optimizer_config_parse(&ADAMW_SPEC, &c->cfg, count, (const char *const *)settings,
                                         err, sizeof err);
        for (int k = 0; k < count; k++) free(settings[k]);
        return bad;
    }
    if (strcmp(word, "shape") == 0) {
        int shape[1];
        size_t numel;
        if (golden_reader_shape(r, shape, 1, &numel) != 1 || numel > MIXED_MAX_N) return -1;
        c->n = numel;
        return 0;
    }
    if (strcmp(word, "param") == 0) return c->steps == 0 ? read_bits16(r, c->param, c->n) : -1;
    if (strcmp(word, "master") == 0) {
        if (!c->master) return -1;
        uint32_t *row = c->steps == 0 ? c->master_start : c->master_after[c->steps - 1];
        return read_bits(r, row, c->n, 8);
    }
    if (strcmp(word, "grad") == 0) {
        if (c->steps == MIXED_MAX_STEPS) return -1;
        return read_bits16(r, c->grad[c->steps++], c->n);
    }
    if (c->steps == 0) return -1;
    if (strcmp(word, "expect") == 0) return read_bits16(r, c->expect[c->steps - 1], c->n);
    if (strcmp(word, "state") == 0) {
        const char *name = golden_reader_word(r);
        for (int k = 0; name && k < MIXED_STATES; k++) {
            if (strcmp(name, STATE_NAMES[k]) != 0) continue;
            c->has_state[k] = true;
            return read_bits(r, c->state[k][c->steps - 1], c->n, c->master ? 8 : 4);
        }
    }
    return -1;
}

/* Loads tests/golden/adamw_bf16.txt into *g (calloc'd: free it). */
static MixedGolden *load_mixed_golden(void)
{
    char path[4096], err[512];
    snprintf(path, sizeof path, "%s/adamw_bf16.txt", golden_dir());
    MixedGolden *g = calloc(1, sizeof *g);
    ck_assert(g != NULL);
    GoldenReader r;
    ck_assert_msg(golden_reader_open(&r, path, err, sizeof err) == 0, "%s", err);
    MixedCase *open = NULL;
    for (const char *word; (word = golden_reader_next(&r)) != NULL;) {
        if (strcmp(word, "case") == 0) {
            if (open || g->count == MIXED_MAX_CASES) break;
            open = &g->cases[g->count++];
            open->cfg = ADAMW_DEFAULTS;
            if (golden_reader_name(&r, open->name, sizeof open->name) != 0) break;
        } else if (strcmp(word, "end") == 0) {
            if (!open || open->steps == 0 || !open->has_state[0] || !open->has_state[1]) break;
            open = NULL;
        } else if (!open || read_case_line(&r, word, open) != 0) {
            break;
        }
    }
    ck_assert_msg(golden_reader_close(&r, open ? open->name : NULL, err, sizeof err) == 0, "%s", err);
    return g;
}

static const MixedCase *find_case(const MixedGolden *g, const char *name)
{
    for (int i = 0; i < g->count; i++)
        if (strcmp(g->cases[i].name, name) == 0) return &g->cases[i];
    ck_abort_msg("tests/golden/adamw_bf16.txt has no case %s", name);
    return NULL;
}

/* Every case of recipe bf16, each checked bit for bit: the C code rounds
 * where PyTorch's kernels round, so there is nothing to allow for. */
static const char *const BF16_CASES[] = {
    "bf16_default", "bf16_lr_decay", "bf16_decay_rounds", "bf16_keywords", "bf16_amsgrad",
    "bf16_amsgrad_default_betas", "bf16_maximize", "bf16_tiny_grads", "bf16_huge_grads",
    "bf16_overflow", "bf16_swallowed", "bf16_zero_grad", "bf16_long", "bf16_fused_addcmul",
    "bf16_eps_rounds",
};

static const char *const MASTER_CASES[] = {
    "master_default", "master_lr_decay", "master_amsgrad_maximize", "master_swallowed",
};

START_TEST(test_golden_bf16)
{
    MixedGolden *g = load_mixed_golden();
    const MixedCase *c = find_case(g, BF16_CASES[_i]);
    ck_assert(!c->master);
    uint16_t param[MIXED_MAX_N], state[MIXED_STATES][MIXED_MAX_N] = {{0}};
    memcpy(param, c->param, sizeof param);
    for (int t = 0; t < c->steps; t++) {
        adamw_update_bf16(param, c->grad[t], state[0], state[1], c->cfg.amsgrad ? state[2] : NULL, c->n,
                          t + 1, &c->cfg);
        for (size_t i = 0; i < c->n; i++)
            ck_assert_msg(same_bf16(param[i], c->expect[t][i]), "%s step %d: param[%zu] = 0x%04X, PyTorch 0x%04X",
                          c->name, t + 1, i, param[i], c->expect[t][i]);
        for (int k = 0; k < MIXED_STATES; k++) {
            if (!c->has_state[k]) continue;
            for (size_t i = 0; i < c->n; i++)
                ck_assert_msg(same_bf16(state[k][i], (uint16_t)c->state[k][t][i]),
                              "%s step %d: %s[%zu] = 0x%04X, PyTorch 0x%04X", c->name, t + 1, STATE_NAMES[k], i,
                              state[k][i], c->state[k][t][i]);
        }
    }
    ck_assert(c->has_state[2] == c->cfg.amsgrad);
    free(g);
}
END_TEST

/* The master recipe: PyTorch's float32 AdamW against lesson 06's
 * adamw_update, which PyTorch's kernels differ from by their fused
 * multiply-adds (test_adamw.c: up to 1.5 ulp). Every number is compared at
 * the largest size it has had so far (golden_scale's rule: exp_avg cancels
 * towards 0 and keeps the absolute error of its larger past). Measured
 * over these cases: the master at most 6.0e-8 of that size, exp_avg
 * 1.6e-7, exp_avg_sq 2.1e-7, max_exp_avg_sq 1.2e-7 (under 2 ulp). Allowed
 * lesson 06's 6e-7 (5 ulp). The BF16 working copy is compared bit for bit:
 * a master an ulp off moves its rounding only within an ulp of a BF16
 * midpoint, about one element-step in 30000, and that happens in none of
 * these. */
#define MASTER_RTOL 6e-7

START_TEST(test_golden_master)
{
    MixedGolden *g = load_mixed_golden();
    const MixedCase *c = find_case(g, MASTER_CASES[_i]);
    ck_assert(c->master);
    float master[MIXED_MAX_N], grad[MIXED_MAX_N], state[MIXED_STATES][MIXED_MAX_N] = {{0}};
    double scale[MIXED_MAX_N], state_scale[MIXED_STATES][MIXED_MAX_N] = {{0}};
    uint16_t param[MIXED_MAX_N];
    for (size_t i = 0; i < c->n; i++) {
        master[i] = float_from_bits(c->master_start[i]);
        scale[i] = fabsf(master[i]);
        /* The working copy at the start is the master rounded, as PyTorch's .to(torch.bfloat16). */
        ck_assert_uint_eq(bf16_from_float(master[i]), c->param[i]);
    }
    for (int t = 0; t < c->steps; t++) {
        for (size_t i = 0; i < c->n; i++) grad[i] = float_from_bf16(c->grad[t][i]);
        adamw_update_master(param, master, grad, state[0], state[1], c->cfg.amsgrad ? state[2] : NULL, c->n,
                            t + 1, &c->cfg);
        for (size_t i = 0; i < c->n; i++) {
            const float want = float_from_bits(c->master_after[t][i]);
            scale[i] = fmax(scale[i], fabsf(want));
            ck_assert_msg(same_float(master[i], want, MASTER_RTOL * scale[i], 0),
                          "%s step %d: master[%zu] = %.9g, PyTorch %.9g", c->name, t + 1, i, master[i], want);
            ck_assert_msg(param[i] == c->expect[t][i], "%s step %d: param[%zu] = 0x%04X, PyTorch 0x%04X", c->name,
                          t + 1, i, param[i], c->expect[t][i]);
        }
        for (int k = 0; k < MIXED_STATES; k++) {
            if (!c->has_state[k]) continue;
            for (size_t i = 0; i < c->n; i++) {
                const float want = float_from_bits(c->state[k][t][i]);
                state_scale[k][i] = fmax(state_scale[k][i], fabsf(want));
                ck_assert_msg(same_float(state[k][i], want, MASTER_RTOL * state_scale[k][i], 0),
                              "%s step %d: %s[%zu] = %.9g, PyTorch %.9g", c->name, t + 1, STATE_NAMES[k], i,
                              state[k][i], want);
            }
        }
    }
    free(g);
}
END_TEST

START_TEST(test_every_golden_case_is_checked)
{
    MixedGolden *g = load_mixed_golden();
    ck_assert_int_eq(g->count, TABLE_SIZE(BF16_CASES) + TABLE_SIZE(MASTER_CASES));
    for (int i = 0; i < TABLE_SIZE(BF16_CASES); i++) ck_assert(!find_case(g, BF16_CASES[i])->master);
    for (int i = 0; i < TABLE_SIZE(MASTER_CASES); i++) ck_assert(find_case(g, MASTER_CASES[i])->master);
    free(g);
}
END_TEST

/* `optlab trace adamw_bf16 --state` and `optlab trace adamw_bf16_master
 * --state` on the golden cases: the command a reader types prints
 * PyTorch's numbers. The BF16 recipe's are compared bit for bit (trace
 * prints each BF16 value exactly, with 9 digits); the master recipe's
 * working copy bit for bit and its float32 master and states with
 * MASTER_RTOL, as test_golden_master does. */
static void trace_case(const MixedCase *c, char *args, size_t len, char **input)
{
    const AdamWConfig *a = &c->cfg;
    snprintf(args, len,
             "trace %s --state --lr=%.9g --betas=%.17g,%.17g --eps=%.9g --weight_decay=%.9g"
             " --amsgrad=%s --maximize=%s",
             c->master ? "adamw_bf16_master" : "adamw_bf16", a->lr, a->betas[0], a->betas[1], a->eps,
             a->weight_decay, a->amsgrad ? "true" : "false", a->maximize ? "true" : "false");
    size_t cap = (size_t)(c->steps + 1) * c->n * 20 + 16, used = 0;
    char *text = malloc(cap);
    ck_assert(text != NULL);
    for (int row = 0; row <= c->steps; row++) {
        for (size_t i = 0; i < c->n; i++) {
            /* The start is the master for recipe master (the adapter keeps
             * it and rounds the model), else the BF16 weights. */
            const float x = row > 0     ? float_from_bf16(c->grad[row - 1][i])
                            : c->master ? float_from_bits(c->master_start[i])
                                        : float_from_bf16(c->param[i]);
            used += (size_t)snprintf(text + used, cap - used, i ? " %.9g" : "%.9g", x);
        }
        used += (size_t)snprintf(text + used, cap - used, "\n");
    }
    *input = text;
}

/* The next number of a trace line, failing the test at the line's end. */
static float next_number(char **line, const char *name, int step)
{
    char *end;
    const float x = strtof(*line, &end);
    ck_assert_msg(end != *line, "%s: step %d has too few numbers", name, step);
    *line = end;
    return x;
}

START_TEST(test_optlab_trace_matches_pytorch)
{
    MixedGolden *g = load_mixed_golden();
    const int case_count = TABLE_SIZE(BF16_CASES) + TABLE_SIZE(MASTER_CASES);
    ck_assert(_i < case_count);
    const MixedCase *c = find_case(g, _i < TABLE_SIZE(BF16_CASES) ? BF16_CASES[_i]
                                                                  : MASTER_CASES[_i - TABLE_SIZE(BF16_CASES)]);
    char args[512], cmd[4096], *input;
    trace_case(c, args, sizeof args, &input);
    program_command(cmd, sizeof cmd, OPTIMIZERS_BIN_DIR, "optlab", args);
    ProgramRun run;
    ck_assert(run_program(cmd, input, &run) == 0);
    bool finite = true;
    for (int t = 0; t < c->steps; t++)
        for (size_t i = 0; i < c->n; i++) finite = finite && isfinite(float_from_bf16(c->grad[t][i]));
    if (!finite) {
        /* bf16_overflow's gradients hold inf: trace refuses its input. */
        ck_assert_msg(run.status == 2 && strstr(run.err, "is not a finite float32 number"),
                      "optlab %s: exit %d: %s", args, run.status, run.err);
        program_run_free(&run), free(input), free(g);
        return;
    }
    ck_assert_msg(run.status == 0, "optlab %s: exit %d: %s", args, run.status, run.err);
    char *line = strchr(run.out, '\n');   /* past the header */
    ck_assert(line != NULL);
    line++;
    double master_scale[MIXED_MAX_N], state_scale[MIXED_STATES][MIXED_MAX_N] = {{0}};
    for (size_t i = 0; i < c->n; i++) master_scale[i] = fabsf(float_from_bits(c->master_start[i]));
    for (int t = 0; t < c->steps; t++) {
        for (size_t i = 0; i < c->n; i++) {
            const float p = next_number(&line, c->name, t + 1);
            ck_assert_msg(same_bf16(bf16_from_float(p), c->expect[t][i]) && (bf16_round(p) == p || isnan(p)),
                          "%s step %d: param[%zu] = %.9g, PyTorch 0x%04X", c->name, t + 1, i, p, c->expect[t][i]);
        }
        for (int k = 0; k < MIXED_STATES; k++) {
            for (size_t i = 0; c->has_state[k] && i < c->n; i++) {
                const float x = next_number(&line, c->name, t + 1);
                if (!c->master) {
                    ck_assert_msg(bf16_round(x) == x || isnan(x), "%s: %s is not BF16", c->name, STATE_NAMES[k]);
                    ck_assert_msg(same_bf16(bf16_from_float(x), (uint16_t)c->state[k][t][i]),
                                  "%s step %d: %s[%zu] = %.9g, PyTorch 0x%04X", c->name, t + 1, STATE_NAMES[k], i,
                                  x, c->state[k][t][i]);
                    continue;
                }
                const float want = float_from_bits(c->state[k][t][i]);
                state_scale[k][i] = fmax(state_scale[k][i], fabsf(want));
                ck_assert_msg(same_float(x, want, MASTER_RTOL * state_scale[k][i], 0),
                              "%s step %d: %s[%zu] = %.9g, PyTorch %.9g", c->name, t + 1, STATE_NAMES[k], i, x,
                              want);
            }
        }
        for (size_t i = 0; c->master && i < c->n; i++) {
            const float x = next_number(&line, c->name, t + 1), want = float_from_bits(c->master_after[t][i]);
            master_scale[i] = fmax(master_scale[i], fabsf(want));
            ck_assert_msg(same_float(x, want, MASTER_RTOL * master_scale[i], 0),
                          "%s step %d: master[%zu] = %.9g, PyTorch %.9g", c->name, t + 1, i, x, want);
        }
        ck_assert_msg(strtol(line, &line, 10) == t + 1 && *line == '\n', "%s: step %d ends wrong", c->name,
                      t + 1);
        line++;
    }
    ck_assert_msg(*line == '\0', "%s: more lines than steps", c->name);
    program_run_free(&run);
    free(input);
    free(g);
}
END_TEST

/* ---- by hand ----------------------------------------------------------------------- */

START_TEST(test_bf16_steps_by_hand)
{
    /* p = 1, g = 0.5 then 0.25, lr 0.01, wd 0.1, betas (0.9, 0.999), worked
     * with BF16's 8 significant bits (the spacing of BF16 at x in [2^e,
     * 2^(e+1)) is 2^(e-7)):
     * constants: bf(1 - 0.001) = 1 (0.999 is 0.26 of a spacing 2^-8 below 1),
     *   bf(0.9) = 0.8984375 (230/256), bf(0.1) = 0.10009765625 (205/2048),
     *   bf(0.999) = 1, bf(sqrt(1 - 0.999)) = bf(0.0316228) = 130 * 2^-12 =
     *   0.03173828125, bf(1e-8) = 1.00117176e-8; addcmul_'s value 0.001 and
     *   addcdiv_'s -lr/(1 - 0.9) = -0.1 stay float32.
     * step 1: p = 1 * 1 = 1; m = 0 + 0.10009765625 * 0.5 = 0.050048828125
     *   (exact); v = bf(0.001f * 0.25) = bf(2.5e-4) = 131 * 2^-19 =
     *   2.49862671e-4 (2.5e-4 is 131.07 * 2^-19);
     *   denom: sqrt(v) = 0.0158071 -> bf 129 * 2^-13 = 0.0157470703;
     *   / 0.03173828125 = 0.49615 -> bf 127 * 2^-8 = 0.49609375; + 1e-8 ->
     *   0.49609375 (far below its spacing);
     *   p = 1 - 0.1 * 0.050048828125 / 0.49609375 = 1 - 0.0100885827 =
     *   0.98991142 -> bf 253 * 2^-8 = 0.98828125.
     * step 2: p = 0.98828125 * 1; m = bf(0.050048828125 * 0.8984375 =
     *   0.0449656) = 184 * 2^-12 = 0.044921875, then bf(0.044921875 +
     *   0.10009765625 * 0.25 = 0.0699462890625) = 143 * 2^-11 =
     *   0.06982421875; v = bf(2.49862671e-4 * 1) = itself, then
     *   bf(2.49862671e-4 + 0.001f * 0.0625 = 3.12362676e-4) = 164 * 2^-19 =
     *   3.12805176e-4 (it would be 3.1225e-4 with beta2 unrounded);
     *   t = 2: step_size = 0.01 / 0.19, bc2 = 0.001999, bf(sqrt(0.001999) =
     *   0.0447102) = 183 * 2^-12 = 0.044677734375;
     *   denom: sqrt(3.12805176e-4) = 0.0176863 -> bf 145 * 2^-13 =
     *   0.0177001953; / 0.044677734375 = 0.396176 -> bf 203 * 2^-9 =
     *   0.396484375; + 1e-8 -> itself;
     *   p = 0.98828125 - 0.0526315789 * 0.06982421875 / 0.396484375 =
     *   0.98828125 - 0.00926875 = 0.9790125 -> bf 251 * 2^-8 = 0.98046875. */
    AdamWConfig cfg = config(0.01f, 0.1f);
    uint16_t p[1] = {bf16_from_float(1.0f)}, m[1] = {0}, v[1] = {0};
    adamw_update_bf16(p, (uint16_t[]){bf16_from_float(0.5f)}, m, v, NULL, 1, 1, &cfg);
    ck_assert_float_eq(float_from_bf16(m[0]), 0.050048828125f);
    ck_assert_float_eq(float_from_bf16(v[0]), 131.0f * 0x1p-19f);
    ck_assert_float_eq(float_from_bf16(p[0]), 253.0f * 0x1p-8f);
    adamw_update_bf16(p, (uint16_t[]){bf16_from_float(0.25f)}, m, v, NULL, 1, 2, &cfg);
    ck_assert_float_eq(float_from_bf16(m[0]), 143.0f * 0x1p-11f);
    ck_assert_float_eq(float_from_bf16(v[0]), 164.0f * 0x1p-19f);
    ck_assert_float_eq(float_from_bf16(p[0]), 251.0f * 0x1p-8f);
}
END_TEST

START_TEST(test_master_step_by_hand)
{
    /* The master recipe at the same settings: lesson 06's step in float32,
     * p = 0.999 - 0.01 * 0.5 / (0.5 + 1e-8) = 0.989 (test_adamw.c), and the
     * working copy is 0.989 rounded: 253.18 * 2^-8 -> 0.98828125. Step 2:
     * 0.978689204 (test_adamw.c) -> 250.54 * 2^-8 -> 0.98046875: the same
     * BF16 numbers as the BF16 recipe, but the master keeps the digits. */
    AdamWConfig cfg = config(0.01f, 0.1f);
    float master[1] = {1.0f}, m[1] = {0}, v[1] = {0};
    uint16_t p[1];
    adamw_update_master(p, master, (float[]){0.5f}, m, v, NULL, 1, 1, &cfg);
    ck_assert_close(master[0], 0.98900000002, 0, 2.4e-7);
    ck_assert_float_eq(float_from_bf16(p[0]), 0.98828125f);
    adamw_update_master(p, master, (float[]){0.25f}, m, v, NULL, 1, 2, &cfg);
    ck_assert_close(master[0], 0.978689204047546, 0, 2.4e-7);
    ck_assert_float_eq(float_from_bf16(p[0]), 251.0f * 0x1p-8f);
}
END_TEST

/* ---- the swallowed update ------------------------------------------------------------ */

START_TEST(test_swallowed_update)
{
    /* 1 + 1e-5 is 1 in BF16: the spacing there is 2^-7. */
    ck_assert_float_eq(bf16_round(1.0f + 1e-5f), 1.0f);
    /* A step of lr = 1e-5 on weights of 1 (every gradient 1, so every step
     * is lr): 300 steps of the BF16 recipe leave them at 1, bit for bit. The
     * master takes every one (1 - 300e-5 = 0.997), and its working copy
     * moves once the master passes 1 - 2^-9, halfway to 1 - 2^-8. */
    enum { N = 4096, STEPS = 300 };
    AdamWConfig cfg = config(1e-5f, 0.0f);
    uint16_t p16[N], grad16[N], m16[N] = {0}, v16[N] = {0}, working[N], stochastic[N];
    float master[N], grad[N], m[N] = {0}, v[N] = {0}, sm[N] = {0}, sv[N] = {0};
    for (int i = 0; i < N; i++) {
        p16[i] = working[i] = stochastic[i] = bf16_from_float(1.0f);
        grad16[i] = bf16_from_float(1.0f);
        master[i] = 1.0f, grad[i] = 1.0f;
    }
    for (int t = 1; t <= STEPS; t++) {
        adamw_update_bf16(p16, grad16, m16, v16, NULL, N, t, &cfg);
        adamw_update_master(working, master, grad, m, v, NULL, N, t, &cfg);
        adamw_update_bf16_stochastic(stochastic, grad, sm, sv, NULL, N, t, 2024, &cfg);
    }
    double mean = 0;
    for (int i = 0; i < N; i++) {
        ck_assert_uint_eq(p16[i], bf16_from_float(1.0f));
        /* 300 subtractions, each rounded to float32's spacing below 1 (6e-8):
         * up to 9e-6 off in all. */
        ck_assert_close(master[i], 1.0 - STEPS * 1e-5, 1e-5, 0);
        ck_assert_float_eq(float_from_bf16(working[i]), 0.99609375f);
        mean += float_from_bf16(stochastic[i]) / N;
    }
    /* Stochastic rounding keeps them on average. Each step a weight drops
     * by the spacing 2^-8 with probability 1e-5 / 2^-8 and otherwise stays,
     * so after 300 steps it has dropped a Poisson number of times, mean
     * 0.768 (0.003 in all, the master's 0.997): sigma 0.88 * 2^-8 = 0.0034 a
     * weight, 5.3e-5 for the mean of 4096. Allowed 3e-4 (5.6 sigma). */
    ck_assert_close(mean, 1.0 - STEPS * 1e-5, 3e-4, 0);
}
END_TEST

START_TEST(test_smallest_surviving_update)
{
    /* The closed forms of mixed.h, for 1 (even: 0x3F80) and 1 + 2^-7 (odd:
     * 0x3F81), spacing U = 2^-7 at both. */
    ck_assert_float_eq(bf16_smallest_surviving_update(1.0f), 0x1p-8f * (1.0f + 0x1p-16f + 0x1p-23f));
    ck_assert_float_eq(bf16_smallest_surviving_update(1.0f + 0x1p-7f), 0x1p-8f * (1.0f - 0x1p-16f));
    /* 1e-5 is far below: swallowed. Half a spacing exactly is not enough at
     * an even weight, and enough at an odd one. */
    ck_assert(bf16_smallest_surviving_update(1.0f) > 1e-5f);
    ck_assert_float_eq(bf16_round(1.0f + 0x1p-8f), 1.0f);
    ck_assert_float_eq(bf16_round(1.0f + 0x1p-7f + 0x1p-8f), 1.0f + 0x1p-6f);
    /* For every kind of weight, it is the threshold: w + u moves, w + the
     * float below u does not. Negative weights move up towards 0, where
     * at -1 the spacing is half that above 1. */
    const float weights[] = {1.0f, 1.0f + 0x1p-7f, 3.0f, 100.0f, 0.01f, 1e-30f, -1.0f, -1.0f - 0x1p-7f, -0.3f,
                             0.0f, -0.0f, float_from_bits(0x00010000u) /* the smallest BF16 */, 0x1.fep127f /* the largest */,
                             -0x1.fep127f, 1.0f + 1e-5f /* not a BF16: taken as 1 */};
    for (int k = 0; k < TABLE_SIZE(weights); k++) {
        const float w = bf16_round(weights[k]), u = bf16_smallest_surviving_update(weights[k]);
        const float below = nextafterf(u, 0.0f);
        ck_assert_msg(u > 0 && bf16_round(w + u) != w && bf16_round(w + below) == w,
                      "w = %a: u = %a does not mark where w starts to move", (double)w, (double)u);
    }
    ck_assert_float_eq(bf16_smallest_surviving_update(-1.0f), 0x1p-9f * (1.0f + 0x1p-16f + 0x1p-23f));
    ck_assert(isnan(bf16_smallest_surviving_update(INFINITY)));
    ck_assert(isnan(bf16_smallest_surviving_update(-INFINITY)));
    ck_assert(isnan(bf16_smallest_surviving_update(NAN)));
}
END_TEST

/* ---- llm.c's recipe ------------------------------------------------------------------ */

START_TEST(test_random_bits)
{
    /* SplitMix64's published numbers: seeded with 0, its first three; with
     * 42, its first (Vigna's splitmix64.c). */
    ck_assert_uint_eq(splitmix64_number(0, 1), UINT64_C(0xE220A8397B1DCDAF));
    ck_assert_uint_eq(splitmix64_number(0, 2), UINT64_C(0x6E789E6AA1B965F4));
    ck_assert_uint_eq(splitmix64_number(0, 3), UINT64_C(0x06C45D188009454F));
    ck_assert_uint_eq(splitmix64_number(42, 1), UINT64_C(0xBDD732262FEB6E95));
    /* The bits of (seed, step, index), worked with Python's integers from
     * the definition in mixed.h (an independent port: the mix, two steps):
     * (0, 1, 0) is the top half of SplitMix64's first number seeded with
     * 0xE220A8397B1DCDAF. */
    static const struct {
        uint64_t seed;
        long step;
        size_t index;
        uint32_t bits;
    } KNOWN[] = {
        {0, 1, 0, 0xA706DD2Fu},  {0, 1, 1, 0xB382A305u},    {0, 2, 0, 0x46B73E79u},
        {1, 1, 0, 0x5E41AB08u},  {42, 7, 1000, 0x0931C578u}, {UINT64_MAX, 1, 0, 0x5DC20AA7u},
    };
    for (int k = 0; k < TABLE_SIZE(KNOWN); k++)
        ck_assert_msg(stochastic_rounding_bits(KNOWN[k].seed, KNOWN[k].step, KNOWN[k].index) == KNOWN[k].bits,
                      "bits(%llu, %ld, %zu) = 0x%08X, expected 0x%08X", (unsigned long long)KNOWN[k].seed,
                      KNOWN[k].step, KNOWN[k].index,
                      stochastic_rounding_bits(KNOWN[k].seed, KNOWN[k].step, KNOWN[k].index), KNOWN[k].bits);
    /* The low 16 bits, the ones stochastic rounding reads, spread evenly:
     * over 65536 indices each of 16 bins of them holds 4096 +- 64 (one
     * sigma; allowed 5). */
    int bins[16] = {0};
    for (size_t i = 0; i < 65536; i++) bins[(stochastic_rounding_bits(7, 3, i) & 0xFFFF) >> 12]++;
    for (int b = 0; b < 16; b++) ck_assert_msg(abs(bins[b] - 4096) < 320, "bin %d holds %d", b, bins[b]);
}
END_TEST

START_TEST(test_stochastic_is_adamw_then_stochastic_rounding)
{
    /* llm.c's recipe is lesson 06's float32 step followed by
     * bf16_from_float_stochastic with the documented bits, bit for bit:
     * states and weights over 3 steps of 1000 weights (several chunks of
     * the function's 256), with amsgrad and decay. */
    enum { N = 1000 };
    AdamWConfig cfg = config(0.01f, 0.1f);
    cfg.amsgrad = true;
    uint16_t p[N];
    float wide[N], g[N], m[N] = {0}, v[N] = {0}, mx[N] = {0}, m2[N] = {0}, v2[N] = {0}, mx2[N] = {0};
    for (int i = 0; i < N; i++) p[i] = bf16_from_float(sinf(0.37f * (float)i) * 2.0f);
    for (long t = 1; t <= 3; t++) {
        for (int i = 0; i < N; i++) {
            g[i] = bf16_round(cosf(0.11f * (float)(i * t)) * powf(10.0f, (float)(i % 7) - 3.0f));
            wide[i] = float_from_bf16(p[i]);
        }
        adamw_update(wide, g, m2, v2, mx2, N, t, &cfg);
        adamw_update_bf16_stochastic(p, g, m, v, mx, N, t, 99, &cfg);
        for (int i = 0; i < N; i++) {
            ck_assert_uint_eq(p[i], bf16_from_float_stochastic(wide[i], stochastic_rounding_bits(99, t, (size_t)i)));
            ck_assert(float_bits(m[i]) == float_bits(m2[i]) && float_bits(v[i]) == float_bits(v2[i]) &&
                      float_bits(mx[i]) == float_bits(mx2[i]));
        }
    }
}
END_TEST

START_TEST(test_stochastic_is_unbiased)
{
    /* One step from weights of 1 with lr 0.001 (the first step is lr * sign(g)
     * to 7 digits): the float32 weight is 0.999, which rounds to nearest to
     * 1 (0.26 of the spacing 2^-8 below it) every time. Over 64 seeds x 256
     * weights, stochastic rounding gives 1 - 2^-8 with probability 0.256
     * and its mean is 0.999: sigma of the mean 2^-8 * sqrt(0.256 * 0.744) /
     * sqrt(16384) = 1.4e-5; allowed 7e-5 (5 sigma). Rounding to nearest is
     * 0.001 off, 70 sigma. */
    enum { N = 256, SEEDS = 64 };
    AdamWConfig cfg = config(1e-3f, 0.0f);
    float fp32[1] = {1.0f}, fm[1] = {0}, fv[1] = {0};
    adamw_update(fp32, (float[]){1.0f}, fm, fv, NULL, 1, 1, &cfg);
    ck_assert_close(fp32[0], 0.999, 0, 1e-6);
    ck_assert_float_eq(bf16_round(fp32[0]), 1.0f);
    double sum = 0;
    for (uint64_t seed = 0; seed < SEEDS; seed++) {
        uint16_t p[N];
        float g[N], m[N] = {0}, v[N] = {0};
        for (int i = 0; i < N; i++) p[i] = bf16_from_float(1.0f), g[i] = 1.0f;
        adamw_update_bf16_stochastic(p, g, m, v, NULL, N, 1, seed, &cfg);
        for (int i = 0; i < N; i++) sum += float_from_bf16(p[i]);
    }
    ck_assert_close(sum / (N * SEEDS), fp32[0], 7e-5, 0);
}
END_TEST

/* ---- the edge cases ---------------------------------------------------------------- */

START_TEST(test_first_step_is_lr_times_sign)
{
    /* t = 1: both averages hold their first gradient, corrected back to g
     * and g^2, so each weight moves by lr * sign(g) whatever |g| is (where
     * |g| is far above eps). From 0, in BF16 the ratio is 0.10009765625 g /
     * 0.1 over sqrt(0.001) |g| / 0.03173828125 (the rounded constants:
     * 1.0046 in all) and five roundings of 2^-9 (exp_avg, sqrt, the
     * division, the sum; exp_avg_sq's counts half under the root): within
     * 1.5% of lr. The master: lesson 06's float32 step, lr / (1 + eps/|g|),
     * 1e-5 off at |g| = 1e-3; its working copy one rounding (2^-9) more, the
     * stochastic one within a spacing (2^-7 of the value at most). */
    const float grads[] = {1e-3f, -0.02f, 0.5f, -1.0f, 3.0f, -700.0f, 1e6f};
    AdamWConfig cfg = config(0.01f, 0.0f);
    for (int k = 0; k < TABLE_SIZE(grads); k++) {
        const float g = bf16_round(grads[k]), want = g > 0 ? -0.01f : 0.01f;
        uint16_t p16[1] = {0}, m16[1] = {0}, v16[1] = {0}, working[1] = {0}, sr[1] = {0};
        float master[1] = {0}, m[1] = {0}, v[1] = {0}, sm[1] = {0}, sv[1] = {0};
        adamw_update_bf16(p16, (uint16_t[]){bf16_from_float(g)}, m16, v16, NULL, 1, 1, &cfg);
        adamw_update_master(working, master, (float[]){g}, m, v, NULL, 1, 1, &cfg);
        adamw_update_bf16_stochastic(sr, (float[]){g}, sm, sv, NULL, 1, 1, 5, &cfg);
        ck_assert_close(float_from_bf16(p16[0]), want, 0, 0.015);
        ck_assert_close(master[0], want, 0, 2e-5);
        ck_assert_close(float_from_bf16(working[0]), want, 0, 0.0022);
        ck_assert_close(float_from_bf16(sr[0]), want, 0, 0.008);
    }
}
END_TEST

START_TEST(test_zero_gradient)
{
    /* A zero gradient from the start: both averages stay exactly 0, the
     * denominator is bf(eps), and 0 / it moves nothing: only the decay acts.
     * In BF16 the decay factor is itself rounded, 1 - 0.1 * 0.1 = 0.99 to
     * 0.98828125 (253/256), so the weight shrinks by 1.17% a step where the
     * master shrinks by 1%; with the defaults (0.99999 -> 1) it does not
     * shrink at all. */
    AdamWConfig cfg = config(0.1f, 0.1f);
    uint16_t p16[1] = {bf16_from_float(1.0f)}, m16[1] = {0}, v16[1] = {0}, mx16[1] = {0}, zero16[1] = {0};
    float master[1] = {1.0f}, m[1] = {0}, v[1] = {0}, zero[1] = {0};
    uint16_t working[1];
    cfg.amsgrad = true;
    float mx[1] = {0};
    float want16 = 1.0f;
    for (int t = 1; t <= 3; t++) {
        adamw_update_bf16(p16, zero16, m16, v16, mx16, 1, t, &cfg);
        adamw_update_master(working, master, zero, m, v, mx, 1, t, &cfg);
        want16 = bf16_round(want16 * 0.98828125f);
        ck_assert_float_eq(float_from_bf16(p16[0]), want16);
        ck_assert(m16[0] == 0 && v16[0] == 0 && mx16[0] == 0 && m[0] == 0 && v[0] == 0 && mx[0] == 0);
        ck_assert_close(master[0], pow(0.99, t), 0, 5e-7);   /* float32's 0.99, and a product a step */
    }
    /* 253/256, then 0.97670 -> 250/256, then 0.96512 -> 247/256 (0.9653 unrounded) */
    ck_assert_float_eq(want16, 247.0f / 256.0f);
    AdamWConfig defaults = ADAMW_DEFAULTS;
    uint16_t q[1] = {bf16_from_float(3.0f)}, qm[1] = {0}, qv[1] = {0};
    for (int t = 1; t <= 5; t++) adamw_update_bf16(q, zero16, qm, qv, NULL, 1, t, &defaults);
    ck_assert_float_eq(float_from_bf16(q[0]), 3.0f);
}
END_TEST

START_TEST(test_huge_inf_and_nan_gradients)
{
    /* As PyTorch (tests/golden/adamw_bf16.txt, case bf16_overflow):
     * - g = 1e22 (a BF16 number; BF16 reaches 3.4e38 as float32 does):
     *   (0.001 * g) * g = 1e41 overflows float32 to inf, so exp_avg_sq = inf, the
     *   denominator inf, and the step m / inf = 0: the weight stops. And it
     *   stays stopped: inf * bf(0.999) = inf, so every later step is 0 too.
     *   The float32 master recipe overflows alike (lesson 06's step).
     * - g = inf: exp_avg = inf, and inf / inf = NaN: the weight is NaN.
     * - g = NaN: everything it touches is NaN. */
    AdamWConfig cfg = config(0.01f, 0.0f);
    uint16_t p[3], m[3] = {0}, v[3] = {0};
    const float start[3] = {0.5f, 0.5f, 0.5f};
    for (int i = 0; i < 3; i++) p[i] = bf16_from_float(start[i]);
    const uint16_t g[3] = {bf16_from_float(1e22f), bf16_from_float(INFINITY), bf16_from_float(NAN)};
    adamw_update_bf16(p, g, m, v, NULL, 3, 1, &cfg);
    ck_assert(isinf(float_from_bf16(v[0])) && isfinite(float_from_bf16(m[0])));
    ck_assert_float_eq(float_from_bf16(p[0]), 0.5f);
    ck_assert(isnan(float_from_bf16(p[1])) && isinf(float_from_bf16(m[1])));
    ck_assert(isnan(float_from_bf16(p[2])) && isnan(float_from_bf16(m[2])) && isnan(float_from_bf16(v[2])));
    for (int t = 2; t <= 4; t++) {
        adamw_update_bf16(p, (uint16_t[]){bf16_from_float(1.0f), 0, 0}, m, v, NULL, 1, t, &cfg);
        ck_assert_float_eq(float_from_bf16(p[0]), 0.5f);
    }
    float master[1] = {0.5f}, fm[1] = {0}, fv[1] = {0};
    uint16_t working[1];
    adamw_update_master(working, master, (float[]){1e22f}, fm, fv, NULL, 1, 1, &cfg);
    ck_assert(isinf(fv[0]) && master[0] == 0.5f && float_from_bf16(working[0]) == 0.5f);
    /* 1e20 does not overflow: (0.001 * 1e20) * 1e20 = 1e37, a normal step of lr. */
    uint16_t q[1] = {bf16_from_float(0.5f)}, qm[1] = {0}, qv[1] = {0};
    adamw_update_bf16(q, (uint16_t[]){bf16_from_float(1e20f)}, qm, qv, NULL, 1, 1, &cfg);
    ck_assert(isfinite(float_from_bf16(qv[0])));
    ck_assert_close(float_from_bf16(q[0]), 0.49, 0, 0.004);
}
END_TEST

START_TEST(test_n_zero)
{
    /* n = 0: nothing is read or written (the arrays hold sentinels). */
    AdamWConfig cfg = ADAMW_DEFAULTS;
    cfg.amsgrad = true;
    uint16_t p[1] = {0x1234}, g16[1] = {0x3F80}, m16[1] = {0x5678}, v16[1] = {0x9ABC}, mx16[1] = {0xDEF0};
    float master[1] = {7.0f}, g[1] = {1.0f}, m[1] = {8.0f}, v[1] = {9.0f}, mx[1] = {10.0f};
    adamw_update_bf16(p, g16, m16, v16, mx16, 0, 1, &cfg);
    adamw_update_bf16_stochastic(p, g, m, v, mx, 0, 1, 3, &cfg);
    adamw_update_master(p, master, g, m, v, mx, 0, 1, &cfg);
    ck_assert(p[0] == 0x1234 && m16[0] == 0x5678 && v16[0] == 0x9ABC && mx16[0] == 0xDEF0);
    ck_assert(master[0] == 7.0f && m[0] == 8.0f && v[0] == 9.0f && mx[0] == 10.0f);
}
END_TEST

/* ---- the adapter: a model trained in each recipe ----------------------------------- */

/* Two tensors, 3 x 5 and 37, of float32 values that are not BF16. */
enum { ADAPTER_TENSORS = 2 };
static const int ADAPTER_NUMEL[ADAPTER_TENSORS] = {15, 37};

typedef struct {
    MemoryLedger ledger;
    Tensor *param[ADAPTER_TENSORS], *grad[ADAPTER_TENSORS];
} TinyModel;

static ParamList tiny_model(TinyModel *m)
{
    memset(m, 0, sizeof *m);
    m->param[0] = tensor_new_2d(&m->ledger, "fc.weight", TAG_PARAM, 3, 5);
    m->grad[0] = tensor_new_2d(&m->ledger, "fc.weight.grad", TAG_GRAD, 3, 5);
    m->param[1] = tensor_new_1d(&m->ledger, "fc.bias", TAG_PARAM, 37);
    m->grad[1] = tensor_new_1d(&m->ledger, "fc.bias.grad", TAG_GRAD, 37);
    for (int k = 0; k < ADAPTER_TENSORS; k++) {
        ck_assert(m->param[k] && m->grad[k]);
        for (int i = 0; i < ADAPTER_NUMEL[k]; i++) m->param[k]->data[i] = 1.0001f + 0.01f * sinf((float)(i + 40 * k));
    }
    return (ParamList){ADAPTER_TENSORS, m->param, m->grad};
}

/* Step t's gradient of tensor k, element i: sizes from 1e-3 to 1e3, some
 * not BF16 values (the adapter rounds them). */
static float tiny_grad(int k, int i, long t)
{
    return cosf(0.3f * (float)(i + 7 * k) * (float)t) * powf(10.0f, (float)((i + k) % 7) - 3.0f);
}

static void tiny_model_free(TinyModel *m)
{
    for (int k = 0; k < ADAPTER_TENSORS; k++) tensor_free(m->param[k]), tensor_free(m->grad[k]);
}

static const MixedAdamWConfig *adapter_config(Precision precision, bool amsgrad)
{
    static MixedAdamWConfig cfg;
    cfg = (MixedAdamWConfig){ADAMW_DEFAULTS, precision, 7};
    cfg.adamw.lr = 0.01f, cfg.adamw.weight_decay = 0.1f, cfg.adamw.amsgrad = amsgrad;
    return &cfg;
}

START_TEST(test_adapter_makes_the_model_bf16)
{
    /* As model.to(torch.bfloat16): every weight rounded to nearest; the
     * master recipe keeps the float32 values first. */
    for (int r = PRECISION_BF16; r <= PRECISION_BF16_MASTER; r++) {
        TinyModel m;
        ParamList params = tiny_model(&m);
        float before[ADAPTER_TENSORS][37];
        for (int k = 0; k < ADAPTER_TENSORS; k++)
            memcpy(before[k], m.param[k]->data, (size_t)ADAPTER_NUMEL[k] * sizeof(float));
        Optimizer *opt = mixed_adamw_new(params, adapter_config((Precision)r, false));
        ck_assert_ptr_nonnull(opt);
        ck_assert_int_eq(opt->num_slots, r == PRECISION_BF16_MASTER ? 3 : 2);
        for (int k = 0; k < ADAPTER_TENSORS; k++)
            for (int i = 0; i < ADAPTER_NUMEL[k]; i++) {
                ck_assert(bf16_round(before[k][i]) != before[k][i]);   /* not BF16 to start with */
                ck_assert(m.param[k]->data[i] == bf16_round(before[k][i]));
                if (r == PRECISION_BF16_MASTER) {
                    ck_assert_str_eq(opt->slot_names[2], "master");
                    ck_assert(opt->slots[2][k]->data[i] == before[k][i]);
                }
            }
        optimizer_free(opt);
        tiny_model_free(&m);
    }
}
END_TEST

START_TEST(test_adapter_steps_as_the_update_functions)
{
    /* Six steps of each recipe through the Optimizer interface, against the
     * update functions on bit patterns kept here: the same weights and
     * states, bit for bit, with and without amsgrad. */
    for (int r = PRECISION_BF16; r <= PRECISION_BF16_MASTER; r++)
        for (int ams = 0; ams <= 1; ams++) {
            TinyModel m;
            ParamList params = tiny_model(&m);
            const MixedAdamWConfig cfg = *adapter_config((Precision)r, ams);
            uint16_t p16[ADAPTER_TENSORS][37], m16[ADAPTER_TENSORS][37] = {{0}},
                v16[ADAPTER_TENSORS][37] = {{0}}, x16[ADAPTER_TENSORS][37] = {{0}};
            float master[ADAPTER_TENSORS][37], mf[ADAPTER_TENSORS][37] = {{0}},
                vf[ADAPTER_TENSORS][37] = {{0}}, xf[ADAPTER_TENSORS][37] = {{0}};
            for (int k = 0; k < ADAPTER_TENSORS; k++)
                for (int i = 0; i < ADAPTER_NUMEL[k]; i++) {
                    master[k][i] = m.param[k]->data[i];
                    p16[k][i] = bf16_from_float(m.param[k]->data[i]);
                }
            Optimizer *opt = mixed_adamw_new(params, &cfg);
            ck_assert_ptr_nonnull(opt);
            for (long t = 1; t <= 6; t++) {
                for (int k = 0; k < ADAPTER_TENSORS; k++) {
                    const size_t n = (size_t)ADAPTER_NUMEL[k];
                    float g[37];
                    uint16_t g16[37];
                    for (size_t i = 0; i < n; i++) {
                        m.grad[k]->data[i] = tiny_grad(k, (int)i, t);
                        g16[i] = bf16_from_float(tiny_grad(k, (int)i, t));
                        g[i] = float_from_bf16(g16[i]);
                    }
                    if (r == PRECISION_BF16)
                        adamw_update_bf16(p16[k], g16, m16[k], v16[k], ams ? x16[k] : NULL, n, t, &cfg.adamw);
                    else if (r == PRECISION_BF16_STOCHASTIC)
                        adamw_update_bf16_stochastic(p16[k], g, mf[k], vf[k], ams ? xf[k] : NULL, n, t,
                                                     7 + (uint64_t)k, &cfg.adamw);
                    else
                        adamw_update_master(p16[k], master[k], g, mf[k], vf[k], ams ? xf[k] : NULL, n, t,
                                            &cfg.adamw);
                }
                optimizer_step(opt);
                for (int k = 0; k < ADAPTER_TENSORS; k++)
                    for (int i = 0; i < ADAPTER_NUMEL[k]; i++) {
                        ck_assert_msg(float_bits(m.param[k]->data[i]) == float_bits(float_from_bf16(p16[k][i])),
                                      "recipe %d amsgrad %d step %ld: param %d[%d]", r, ams, t, k, i);
                        const float want_m = r == PRECISION_BF16 ? float_from_bf16(m16[k][i]) : mf[k][i];
                        const float want_v = r == PRECISION_BF16 ? float_from_bf16(v16[k][i]) : vf[k][i];
                        ck_assert(float_bits(opt->slots[0][k]->data[i]) == float_bits(want_m));
                        ck_assert(float_bits(opt->slots[1][k]->data[i]) == float_bits(want_v));
                        if (ams) {
                            const float want_x = r == PRECISION_BF16 ? float_from_bf16(x16[k][i]) : xf[k][i];
                            ck_assert(float_bits(opt->slots[2][k]->data[i]) == float_bits(want_x));
                        }
                        if (r == PRECISION_BF16_MASTER)
                            ck_assert(float_bits(opt->slots[ams ? 3 : 2][k]->data[i]) == float_bits(master[k][i]));
                    }
            }
            optimizer_free(opt);
            tiny_model_free(&m);
        }
}
END_TEST

START_TEST(test_specs_take_adamws_keywords)
{
    /* AdamW's keywords and PyTorch's checks; the stochastic recipe's seed
     * besides, and only there. */
    const OptimizerSpec *specs[] = {&ADAMW_BF16_SPEC, &ADAMW_BF16_STOCHASTIC_SPEC, &ADAMW_BF16_MASTER_SPEC};
    for (int s = 0; s < 3; s++) {
        MixedAdamWConfig cfg;
        char err[256];
        const char *ok[] = {"lr=0.1", "betas=0.8,0.9", "eps=1e-6", "weight_decay=0.5", "amsgrad", "maximize"};
        ck_assert_int_eq(optimizer_config_parse(specs[s], &cfg, 6, ok, err, sizeof err), 0);
        ck_assert(cfg.adamw.lr == 0.1f && cfg.adamw.betas[1] == 0.9 && cfg.adamw.amsgrad && cfg.adamw.maximize);
        ck_assert_int_eq((int)cfg.precision, s);
        const char *bad[] = {"lr=-1"};
        ck_assert_int_eq(optimizer_config_parse(specs[s], &cfg, 1, bad, err, sizeof err), -1);
        ck_assert_ptr_nonnull(strstr(err, "Invalid learning rate: -1"));
        const char *seed[] = {"seed=5"};
        ck_assert_int_eq(optimizer_config_parse(specs[s], &cfg, 1, seed, err, sizeof err), s == 1 ? 0 : -1);
        if (s == 1) ck_assert_int_eq(cfg.seed, 5);
    }
}
END_TEST

void add_mixed_tests(TCase *core, TCase *limits)
{
    tcase_add_test(core, test_adapter_makes_the_model_bf16);
    tcase_add_test(core, test_adapter_steps_as_the_update_functions);
    tcase_add_test(limits, test_specs_take_adamws_keywords);
    tcase_add_loop_test(core, test_golden_bf16, 0, TABLE_SIZE(BF16_CASES));
    tcase_add_loop_test(core, test_golden_master, 0, TABLE_SIZE(MASTER_CASES));
    tcase_add_test(core, test_every_golden_case_is_checked);
    tcase_add_loop_test(core, test_optlab_trace_matches_pytorch, 0,
                        TABLE_SIZE(BF16_CASES) + TABLE_SIZE(MASTER_CASES));
    tcase_add_test(core, test_bf16_steps_by_hand);
    tcase_add_test(core, test_master_step_by_hand);
    tcase_add_test(core, test_swallowed_update);
    tcase_add_test(core, test_smallest_surviving_update);
    tcase_add_test(core, test_random_bits);
    tcase_add_test(core, test_stochastic_is_adamw_then_stochastic_rounding);
    tcase_add_test(core, test_stochastic_is_unbiased);
    tcase_add_test(limits, test_first_step_is_lr_times_sign);
    tcase_add_test(limits, test_zero_gradient);
    tcase_add_test(limits, test_huge_inf_and_nan_gradients);
    tcase_add_test(limits, test_n_zero);
}
