/* test_accounting.c - lesson 10's memory accounting (accounting.h): its
 * bytes per parameter agree exactly with the allocations common/'s ledger
 * counts on small models of the same layout, for every optimizer and recipe;
 * the fit it uses for large matrices agrees with allocating them; the study
 * notes' numbers (seeds/) come out where they are right and the corrected
 * ones where they are not; bad queries are refused. The command that prints
 * it, `optlab memory`, is tested in optlab/test_memory.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounting.h"
#include "testing.h"

void add_accounting_tests(TCase *core, TCase *limits);

static const char *const OPTS[] = {"sgd",   "momentum",  "adagrad", "rmsprop", "adam",
                                   "adamw", "adafactor", "lion",    "adam8bit"};
#define NUM_OPTS ((int)(sizeof OPTS / sizeof OPTS[0]))
static const MemoryRecipe RECIPES[] = {RECIPE_FP32, RECIPE_MIXED, RECIPE_MIXED_8BIT, RECIPE_LORA};
#define NUM_RECIPES 4

/* Small layouts: K matrices of R x C, LoRA rank. 64 x 96 holds 24 full
 * blocks of adam8bit's 256 (its rank-16 adapters stay under min_8bit_size:
 * float32 state); 70 x 90 ends in a short block; 128 x 256's adapters are
 * 8-bit, lora_B [128, 32] exactly at min_8bit_size. */
static const struct {
    int k, rows, cols, rank;
} LAYOUTS[] = {{3, 64, 96, 16}, {2, 70, 90, 2}, {1, 128, 256, 32}};
#define NUM_LAYOUTS ((int)(sizeof LAYOUTS / sizeof LAYOUTS[0]))

static const MemoryRow *find_row(const MemoryTable *t, const char *what)
{
    for (int i = 0; i < t->num_rows; i++)
        if (strcmp(t->rows[i].what, what) == 0) return &t->rows[i];
    return NULL;
}

/* The model the table describes, allocated for real: K matrices (or, for
 * LoRA, K pairs of adapters) with gradients, and the optimizer on them. */
typedef struct {
    MemoryLedger ledger;
    int count;
    Tensor *params[8], *grads[8];
    Optimizer *opt;
} RealModel;

static void real_model_make(RealModel *m, const MemoryOptimizer *opt, MemoryRecipe recipe, int k, int rows,
                            int cols, int rank)
{
    memset(m, 0, sizeof *m);
    for (int i = 0; i < k; i++) {
        if (recipe == RECIPE_LORA) {
            m->params[m->count] = tensor_new_2d(&m->ledger, "lora_A.weight", TAG_PARAM, rank, cols);
            m->grads[m->count++] = tensor_new_2d(&m->ledger, "lora_A.weight.grad", TAG_GRAD, rank, cols);
            m->params[m->count] = tensor_new_2d(&m->ledger, "lora_B.weight", TAG_PARAM, rows, rank);
            m->grads[m->count++] = tensor_new_2d(&m->ledger, "lora_B.weight.grad", TAG_GRAD, rows, rank);
        } else {
            m->params[m->count] = tensor_new_2d(&m->ledger, "weight", TAG_PARAM, rows, cols);
            m->grads[m->count++] = tensor_new_2d(&m->ledger, "weight.grad", TAG_GRAD, rows, cols);
        }
    }
    void *config = malloc(opt->spec->config_size);
    char err[256];
    ck_assert(config);
    ck_assert_msg(optimizer_config_parse(opt->spec, config, opt->settings[0] ? 1 : 0, opt->settings, err,
                                         sizeof err) == 0, "%s", err);
    m->opt = opt->spec->create((ParamList){m->count, m->params, m->grads}, config);
    free(config);
    ck_assert(m->opt);
}

static void real_model_free(RealModel *m)
{
    optimizer_free(m->opt);
    for (int i = 0; i < m->count; i++) {
        tensor_free(m->params[i]);
        tensor_free(m->grads[i]);
    }
}

/* Every optimizer, recipe and layout: each row of the table, per parameter
 * and in all, is what the ledger counts when the model is allocated. */
START_TEST(test_memory_matches_allocation)
{
    const char *name = OPTS[_i % NUM_OPTS];
    MemoryRecipe recipe = RECIPES[(_i / NUM_OPTS) % NUM_RECIPES];
    int layout = _i / (NUM_OPTS * NUM_RECIPES);
    MemoryQuery q = {0};
    ck_assert_msg(memory_optimizer_find(name, &q.opt), "%s", name);
    q.rows = LAYOUTS[layout].rows;
    q.cols = LAYOUTS[layout].cols;
    q.rank = LAYOUTS[layout].rank;
    q.params = (double)LAYOUTS[layout].k * (double)(q.rows * q.cols);
    q.recipe = recipe;
    q.grads_fp32 = -1;
    MemoryTable t;
    char err[512];
    int status = memory_account(&q, &t, err, sizeof err);
    bool has_8bit = strcmp(name, "adam") == 0 || strcmp(name, "adamw") == 0 || strcmp(name, "adam8bit") == 0;
    if (recipe == RECIPE_MIXED_8BIT && !has_8bit) {
        ck_assert_int_eq(status, -1);
        ck_assert_msg(strstr(err, "has no 8-bit state") != NULL, "%s", err);
        return;
    }
    ck_assert_msg(status == 0, "%s", err);
    if (recipe == RECIPE_MIXED_8BIT) ck_assert_str_eq(t.opt.spec->name, "adam8bit");
    else ck_assert_ptr_eq(t.opt.spec, q.opt.spec);

    RealModel m;
    real_model_make(&m, &t.opt, recipe, LAYOUTS[layout].k, (int)q.rows, (int)q.cols, q.rank);
    const double n = q.params;
    const double param_bytes = (double)m.ledger.live[TAG_PARAM], grad_bytes = (double)m.ledger.live[TAG_GRAD];
    /* The state, slot by slot: a row for each slot that holds bytes, none
     * for one that holds nothing. */
    double states = 0;
    for (int k = 0; k < m.opt->num_slots; k++) {
        double slot = 0;
        for (int i = 0; i < m.count; i++)
            if (m.opt->slots[k][i]) slot += (double)tensor_bytes(m.opt->slots[k][i]);
        char what[48];
        snprintf(what, sizeof what, "state %s", m.opt->slot_names[k]);
        const MemoryRow *row = find_row(&t, what);
        if (slot == 0) {
            ck_assert_msg(row == NULL, "%s: a row for an empty slot", what);
            continue;
        }
        ck_assert_msg(row != NULL, "%s %s: no row %s", name, recipe == RECIPE_LORA ? "lora" : "", what);
        ck_assert_msg(row->bytes == slot, "%s: %.17g bytes, the ledger %.17g", what, row->bytes, slot);
        ck_assert(row->bytes_per_param == slot / n);
        states += row->bytes;
    }
    ck_assert(states == (double)m.ledger.live[TAG_STATE]);
    ck_assert(states == (double)optimizer_state_bytes(m.opt));
    if (recipe == RECIPE_FP32) {
        ck_assert(find_row(&t, "parameters")->bytes_per_param == param_bytes / n);
        ck_assert(find_row(&t, "gradients")->bytes_per_param == grad_bytes / n);
        ck_assert(find_row(&t, "master weights") == NULL);
        ck_assert(t.bytes == param_bytes + grad_bytes + states);
    } else if (recipe == RECIPE_LORA) {
        double trainable = (double)paramlist_numel(&m.opt->params);
        ck_assert(t.trainable == trainable);
        ck_assert(find_row(&t, "LoRA adapters")->bytes_per_param == param_bytes / n);
        ck_assert(find_row(&t, "adapter gradients")->bytes_per_param == grad_bytes / n);
        ck_assert(find_row(&t, "frozen base (no grad)")->bytes == 2 * n);
        ck_assert(t.bytes == 2 * n + param_bytes + grad_bytes + states);
    } else {
        /* The float32 master copy is the model as the ledger holds it; the
         * bf16 working copy and gradients half of it. */
        ck_assert(find_row(&t, "master weights")->bytes_per_param == param_bytes / n);
        ck_assert(find_row(&t, "parameters (working)")->bytes == param_bytes / 2);
        ck_assert(find_row(&t, "gradients")->bytes == grad_bytes / 2);
        ck_assert(t.bytes == 2 * param_bytes + states);
    }
    real_model_free(&m);
}
END_TEST

/* Matrices too large to allocate are fitted from four smaller ones; on
 * matrices that can be allocated (of 65536 elements or more, as the fit
 * asks), the fit and the allocation agree to the byte, every slot of every
 * optimizer (adam8bit's short last block too). */
START_TEST(test_memory_fit_matches_allocation)
{
    static const int SHAPES[][2] = {{700, 900}, {1024, 1024}, {1, 70000}, {999, 300}, {256, 256}};
    const char *name = OPTS[_i];
    MemoryOptimizer opt;
    ck_assert_msg(memory_optimizer_find(name, &opt), "%s", name);
    char err[512];
    for (size_t s = 0; s < sizeof SHAPES / sizeof SHAPES[0]; s++) {
        MemorySlots measured, fitted;
        ck_assert_msg(memory_state_measure(&opt, SHAPES[s][0], SHAPES[s][1], &measured, err, sizeof err) == 0, "%s",
                      err);
        ck_assert_msg(memory_state_fit(&opt, SHAPES[s][0], SHAPES[s][1], &fitted, err, sizeof err) == 0, "%s", err);
        ck_assert_int_eq(fitted.count, measured.count);
        for (int k = 0; k < measured.count; k++) {
            ck_assert_str_eq(fitted.names[k], measured.names[k]);
            ck_assert_msg(fitted.bytes[k] == measured.bytes[k], "%s %s %dx%d: fitted %.17g, allocated %.17g", name,
                          measured.names[k], SHAPES[s][0], SHAPES[s][1], fitted.bytes[k], measured.bytes[k]);
        }
        ck_assert(fitted.param_bytes == measured.param_bytes);
        ck_assert(fitted.grad_bytes == measured.grad_bytes);
    }
}
END_TEST

static MemoryTable account(double params, MemoryRecipe recipe, const char *opt, int grads_fp32)
{
    MemoryQuery q = {0};
    ck_assert(memory_optimizer_find(opt, &q.opt));
    q.params = params;
    q.recipe = recipe;
    q.rows = q.cols = (long)floor(sqrt(params));
    q.grads_fp32 = grads_fp32;
    MemoryTable t;
    char err[512];
    ck_assert_msg(memory_account(&q, &t, err, sizeof err) == 0, "%s", err);
    return t;
}

/* Whether a and b agree to 1e-9 of b: a model of N parameters as N / (R C)
 * matrices of R x C, a fraction of one (264575 x 264575 for 70e9), counts
 * adam8bit's absmax of a short last block per matrix: 8 bytes in 1e11,
 * and the rounding of the fraction with them. */
static bool near(double a, double b)
{
    return fabs(a - b) <= 1e-9 * fabs(b);
}

static double state_bytes(const MemoryTable *t)
{
    double sum = 0;
    for (int i = 0; i < t->num_rows; i++)
        if (strncmp(t->rows[i].what, "state ", 6) == 0) sum += t->rows[i].bytes;
    return sum;
}

/* The study notes' memory numbers (seeds/), each as the notes count it,
 * and where they err, the count that corrects them. */
START_TEST(test_memory_study_notes)
{
    /* "8B x 2 bytes = 16 GB" of bf16 parameters, "optimizer states 64 GB"
     * (m and v in float32): right. */
    MemoryTable t = account(8e9, RECIPE_MIXED, "adam", -1);
    ck_assert(find_row(&t, "parameters (working)")->bytes == 16e9);
    ck_assert(state_bytes(&t) == 64e9);
    /* 70B, all fp32: 4 + 4 + 4 + 4 = 16 bytes, 1120 GB: right. */
    t = account(70e9, RECIPE_FP32, "adam", -1);
    ck_assert(t.bytes_per_param == 16 && t.bytes == 1120e9);
    /* 70B mixed, "18 bytes, 1260 GB": the notes keep float32 gradients next
     * to the bf16 working copy (Megatron's main_grad). With bf16 gradients,
     * the usual count, 2 + 2 + 4 + 8 = 16 bytes: 1120 GB, as much as fp32. */
    t = account(70e9, RECIPE_MIXED, "adamw", 1);
    ck_assert(t.bytes_per_param == 18 && t.bytes == 1260e9);
    MemoryTable usual = account(70e9, RECIPE_MIXED, "adamw", -1);
    ck_assert(usual.bytes_per_param == 16 && usual.bytes == 1120e9);
    /* "Adam's m and v take 560 GB": right. */
    ck_assert(state_bytes(&usual) == 560e9);
    /* 8-bit Adam "saves 6 bytes a parameter, 420 GB": the codes do (1 + 1
     * in place of 4 + 4); the absmax of each 256-element block adds 8/256,
     * so 8-bit Adam saves 70e9 x 5.96875 = 417.8125 GB. */
    MemoryTable eight = account(70e9, RECIPE_MIXED_8BIT, "adamw", -1);
    ck_assert(near(find_row(&eight, "state state1")->bytes + find_row(&eight, "state state2")->bytes, 140e9));
    ck_assert(near(state_bytes(&usual) - find_row(&eight, "state state1")->bytes -
                       find_row(&eight, "state state2")->bytes,
                   420e9));
    ck_assert(near(eight.bytes_per_param, 16 - 5.96875));
    ck_assert(near(usual.bytes - eight.bytes, 417.8125e9));
    /* "training a 7B model needs 80 GB": the notes count bf16 parameters,
     * bf16 gradients and float32 m, v: 12 bytes, 84 GB; the float32 master
     * weights mixed precision keeps make it 16 bytes, 112 GB, before any
     * activation. The state is 4x the bf16 parameters, as they say. */
    t = account(7e9, RECIPE_MIXED, "adamw", -1);
    ck_assert(t.bytes == 112e9);
    ck_assert(t.bytes - find_row(&t, "master weights")->bytes == 84e9);
    ck_assert(state_bytes(&t) == 4 * find_row(&t, "parameters (working)")->bytes);
    /* SGD "cuts memory by a third": without momentum it keeps no state, 8
     * bytes of Adam's 16 (a half); with momentum 12 (a quarter less). */
    ck_assert(account(70e9, RECIPE_MIXED, "sgd", -1).bytes_per_param == 8);
    ck_assert(account(70e9, RECIPE_MIXED, "momentum", -1).bytes_per_param == 12);
    /* LoRA on a 4096 x 4096 matrix at rank 16: 131 072 parameters of
     * 16 777 216, 0.78%: right. */
    MemoryQuery q = {0};
    ck_assert(memory_optimizer_find("adamw", &q.opt));
    q.params = 4096.0 * 4096.0;
    q.rows = q.cols = 4096;
    q.rank = 16;
    q.recipe = RECIPE_LORA;
    char err[256];
    ck_assert(memory_account(&q, &t, err, sizeof err) == 0);
    ck_assert(t.trainable_per_matrix == 131072 && t.trainable == 131072);
    ck_assert(t.trainable / q.params == 0.0078125);
    /* "70B LoRA fine-tunes on one 80 GB A100": not with a bf16 base, whose
     * 140 GB alone is more (QLoRA's 4-bit base is what the notes mean). */
    q.params = 70e9;
    ck_assert(memory_account(&q, &t, err, sizeof err) == 0);
    ck_assert(find_row(&t, "frozen base (no grad)")->bytes == 140e9);
    ck_assert(t.bytes > 80e9);
}
END_TEST

/* The small helpers the chapter's program and `optlab memory` share: the
 * names, the default square shape, the notes' activation rule. */
START_TEST(test_memory_helpers)
{
    int count = 0;
    for (const char *name; (name = memory_optimizer_name(count)) != NULL; count++) {
        ck_assert_str_eq(name, OPTS[count]);
        MemoryOptimizer opt;
        ck_assert(memory_optimizer_find(name, &opt));
        ck_assert_str_eq(opt.name, name);
    }
    ck_assert_int_eq(count, NUM_OPTS);
    ck_assert_ptr_null(memory_optimizer_name(-1));
    MemoryOptimizer opt;
    ck_assert(!memory_optimizer_find("adamx", &opt));
    ck_assert(!memory_optimizer_find("SGD", &opt));   /* names are PyTorch's lower case */
    ck_assert(memory_optimizer_find("momentum", &opt));
    ck_assert_str_eq(opt.spec->name, "sgd");
    ck_assert_str_eq(opt.settings[0], "momentum=0.9");
    ck_assert_ptr_null(opt.settings[1]);
    ck_assert(memory_optimizer_find("sgd", &opt) && opt.settings[0] == NULL);
    ck_assert_str_eq(memory_recipe_name(RECIPE_MIXED_8BIT), "mixed-8bit");
    ck_assert_str_eq(memory_recipe_name(RECIPE_LORA), "lora");

    ck_assert_int_eq(memory_square_side(1), 1);
    ck_assert_int_eq(memory_square_side(3), 1);
    ck_assert_int_eq(memory_square_side(4096.0 * 4096.0), 4096);
    ck_assert_int_eq(memory_square_side(4096.0 * 4096.0 - 1), 4095);
    ck_assert_int_eq(memory_square_side(70e9), 264575);   /* 264575^2 <= 70e9 < 264576^2 */
    ck_assert_int_eq(memory_square_side(MEMORY_MAX_PARAMS), 31622776);

    /* The notes' 70B (80 layers, hidden 8192, seq 4096) at batch 4 in fp32:
     * 429.5 GB, exactly 4 x 4096 x 8192 x 10 x 4 x 80 bytes. */
    ck_assert(memory_activation_bytes(4, 4096, 8192, 80, 4.0) == 429496729600.0);
    ck_assert(memory_activation_bytes(4, 4096, 8192, 1, 4.0) * 80 == 429496729600.0);
    ck_assert(memory_activation_bytes(16, 4096, 8192, 80, BF16_BYTES) == 858993459200.0);
}
END_TEST

/* Queries memory_account refuses, each with a message (optlab's parsing
 * refuses most of them first; the lesson's program has no parsing). */
START_TEST(test_memory_account_refusals)
{
    MemoryQuery q = {0};
    ck_assert(memory_optimizer_find("adam", &q.opt));
    q.params = 70e9;
    q.rows = q.cols = 4096;
    q.recipe = RECIPE_FP32;
    q.grads_fp32 = -1;
    MemoryTable t;
    char err[512];
    ck_assert_msg(memory_account(&q, &t, err, sizeof err) == 0, "%s", err);

    static const double BAD_PARAMS[] = {0, -7e9, 1.5, 1e16, NAN, INFINITY};
    for (size_t i = 0; i < sizeof BAD_PARAMS / sizeof BAD_PARAMS[0]; i++) {
        MemoryQuery bad = q;
        bad.params = BAD_PARAMS[i];
        err[0] = '\0';
        ck_assert_int_eq(memory_account(&bad, &t, err, sizeof err), -1);
        ck_assert_msg(strstr(err, "whole number from 1 to") != NULL, "%g: %s", BAD_PARAMS[i], err);
    }
    MemoryQuery bad = q;
    bad.params = 100;
    bad.rows = bad.cols = 20;
    ck_assert_int_eq(memory_account(&bad, &t, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "more elements than") != NULL, "%s", err);
    bad = q;
    bad.rows = 0;
    ck_assert_int_eq(memory_account(&bad, &t, err, sizeof err), -1);
    bad = q;
    bad.recipe = RECIPE_LORA;
    bad.rank = 0;
    ck_assert_int_eq(memory_account(&bad, &t, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "LoRA's rank must be from 1 to min(R, C) = 4096") != NULL, "%s", err);
    bad.rank = 4097;
    ck_assert_int_eq(memory_account(&bad, &t, err, sizeof err), -1);
    bad = q;
    bad.recipe = RECIPE_MIXED_8BIT;
    ck_assert(memory_optimizer_find("lion", &bad.opt));
    ck_assert_int_eq(memory_account(&bad, &t, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "lion has no 8-bit state") != NULL, "%s", err);

    /* Measuring allocates, so it is bounded; fitting needs a large matrix. */
    MemorySlots s;
    ck_assert_int_eq(memory_state_measure(&q.opt, 0, 4, &s, err, sizeof err), -1);
    ck_assert_int_eq(memory_state_measure(&q.opt, 2048, 1024, &s, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "at most 1048576 elements") != NULL, "%s", err);
    ck_assert_int_eq(memory_state_fit(&q.opt, 255, 256, &s, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "at least 65536 elements") != NULL, "%s", err);
}
END_TEST

void add_accounting_tests(TCase *core, TCase *limits)
{
    tcase_add_loop_test(core, test_memory_matches_allocation, 0, NUM_OPTS * NUM_RECIPES * NUM_LAYOUTS);
    tcase_add_loop_test(core, test_memory_fit_matches_allocation, 0, NUM_OPTS);
    tcase_add_test(core, test_memory_study_notes);
    tcase_add_test(core, test_memory_helpers);
    tcase_add_test(limits, test_memory_account_refusals);
}
