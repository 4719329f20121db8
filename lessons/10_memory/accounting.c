/* accounting.c - lesson 10's memory accounting (accounting.h): bytes per
 * parameter and totals for the parameters, gradients, master weights and
 * each optimizer state, read from the real allocations of the optimizers of
 * lessons 01-10. */
#include "accounting.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adafactor.h"
#include "adagrad.h"
#include "adam.h"
#include "adam8bit.h"
#include "adamw.h"
#include "lion.h"
#include "momentum.h"
#include "rmsprop.h"

static int set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* The optimizers --opt names, in the book's order. This lesson's own list
 * (optlab's registry is not a lesson's to use), of the lessons up to this
 * one. */
static const struct {
    const char *name;
    const OptimizerSpec *spec;
    const char *setting;   /* a PyTorch keyword that picks this variant, or NULL */
} OPTIMIZERS[] = {
    {"sgd", &SGD_MOMENTUM_SPEC, NULL},                 /* lessons 01, 02: torch.optim.SGD */
    {"momentum", &SGD_MOMENTUM_SPEC, "momentum=0.9"},  /* any momentum but 0 allocates the buffer */
    {"adagrad", &ADAGRAD_SPEC, NULL},                  /* lesson 03 */
    {"rmsprop", &RMSPROP_SPEC, NULL},                  /* lesson 04 */
    {"adam", &ADAM_SPEC, NULL},                        /* lesson 05 */
    {"adamw", &ADAMW_SPEC, NULL},                      /* lesson 06 */
    {"adafactor", &ADAFACTOR_SPEC, NULL},              /* lesson 08 */
    {"lion", &LION_SPEC, NULL},                        /* lesson 09 */
    {"adam8bit", &ADAM8BIT_SPEC, NULL},                /* lesson 10: bitsandbytes' Adam8bit */
};
#define NUM_OPTIMIZERS ((int)(sizeof OPTIMIZERS / sizeof OPTIMIZERS[0]))

const char *memory_recipe_name(MemoryRecipe recipe)
{
    static const char *const names[] = {"fp32", "mixed", "mixed-8bit", "lora"};
    return recipe >= RECIPE_FP32 && recipe <= RECIPE_LORA ? names[recipe] : "?";
}

const char *memory_optimizer_name(int i)
{
    return i >= 0 && i < NUM_OPTIMIZERS ? OPTIMIZERS[i].name : NULL;
}

bool memory_optimizer_find(const char *name, MemoryOptimizer *out)
{
    memset(out, 0, sizeof *out);
    for (int i = 0; i < NUM_OPTIMIZERS; i++) {
        if (strcmp(OPTIMIZERS[i].name, name) != 0) continue;
        out->name = OPTIMIZERS[i].name;
        out->spec = OPTIMIZERS[i].spec;
        out->settings[0] = OPTIMIZERS[i].setting;
        return true;
    }
    return false;
}

bool memory_optimizer_8bit(const MemoryOptimizer *opt, MemoryOptimizer *out)
{
    const char *name = opt->spec->name;
    if (strcmp(name, "adam") != 0 && strcmp(name, "adamw") != 0 && strcmp(name, "adam8bit") != 0)
        return false;
    return memory_optimizer_find("adam8bit", out);
}

int memory_state_measure(const MemoryOptimizer *opt, int rows, int cols, MemorySlots *out, char *err,
                         size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (rows < 1 || cols < 1 || (long)rows * cols > MEMORY_MEASURE_MAX)
        return set_err(err, errlen, "cannot allocate a %d x %d matrix to measure (at most %ld elements)", rows,
                       cols, MEMORY_MEASURE_MAX);
    void *config = malloc(opt->spec->config_size);
    if (!config) return set_err(err, errlen, "out of memory");
    int num_settings = opt->settings[0] ? 1 : 0;
    if (optimizer_config_parse(opt->spec, config, num_settings, opt->settings, err, errlen) != 0) {
        free(config);
        return -1;
    }
    MemoryLedger ledger = {0};
    Tensor *param = tensor_new_2d(&ledger, "weight", TAG_PARAM, rows, cols);
    Tensor *grad = tensor_new_2d(&ledger, "weight.grad", TAG_GRAD, rows, cols);
    Optimizer *o = NULL;
    int status = -1;
    if (param && grad) {
        ParamList list = {1, &param, &grad};
        o = opt->spec->create(list, config);
    }
    if (!o) {
        set_err(err, errlen, "out of memory making %s on a %d x %d matrix", opt->name, rows, cols);
    } else if (ledger.live[TAG_STATE] != optimizer_state_bytes(o)) {
        set_err(err, errlen, "%s: the ledger counts %zu bytes of state, the optimizer %zu", opt->name,
                ledger.live[TAG_STATE], optimizer_state_bytes(o));
    } else {
        out->count = o->num_slots;
        for (int k = 0; k < o->num_slots; k++) {
            snprintf(out->names[k], sizeof out->names[k], "%s", o->slot_names[k]);
            const Tensor *s = o->slots[k][0];   /* NULL: this slot holds nothing for a matrix */
            out->bytes[k] = s ? (double)tensor_bytes(s) : 0.0;
            out->bytes_kind[k] = s && s->bytes;
        }
        out->param_bytes = (double)ledger.live[TAG_PARAM];
        out->grad_bytes = (double)ledger.live[TAG_GRAD];
        status = 0;
    }
    if (o) optimizer_free(o);
    tensor_free(grad);
    tensor_free(param);
    free(config);
    return status;
}

int memory_state_fit(const MemoryOptimizer *opt, long rows, long cols, MemorySlots *out, char *err,
                     size_t errlen)
{
    const long P = MEMORY_FIT_PERIOD;
    const long r0 = rows % P, c0 = cols % P;
    if (rows < 1 || cols < 1 || (double)rows * (double)cols < (double)(P * P))
        return set_err(err, errlen, "cannot fit a %ld x %ld matrix (at least %ld elements)", rows, cols, P * P);
    const long r[3] = {r0 + P, r0 + 2 * P, r0 + 3 * P}, c[2] = {c0 + P, c0 + 2 * P};
    MemorySlots s11, s21, s12, s22, check;
    if (memory_state_measure(opt, (int)r[0], (int)c[0], &s11, err, errlen) != 0 ||
        memory_state_measure(opt, (int)r[1], (int)c[0], &s21, err, errlen) != 0 ||
        memory_state_measure(opt, (int)r[0], (int)c[1], &s12, err, errlen) != 0 ||
        memory_state_measure(opt, (int)r[1], (int)c[1], &s22, err, errlen) != 0 ||
        memory_state_measure(opt, (int)r[2], (int)c[0], &check, err, errlen) != 0)
        return -1;
    *out = s11;
    /* bytes = e R C + rho R + gamma C + kappa, slot by slot; float32
     * parameters and gradients are fitted the same way (e = 4). */
    for (int k = 0; k < s11.count + 2; k++) {
        double b11 = k < s11.count ? s11.bytes[k] : k == s11.count ? s11.param_bytes : s11.grad_bytes;
        double b21 = k < s11.count ? s21.bytes[k] : k == s11.count ? s21.param_bytes : s21.grad_bytes;
        double b12 = k < s11.count ? s12.bytes[k] : k == s11.count ? s12.param_bytes : s12.grad_bytes;
        double b22 = k < s11.count ? s22.bytes[k] : k == s11.count ? s22.param_bytes : s22.grad_bytes;
        double bc = k < s11.count ? check.bytes[k] : k == s11.count ? check.param_bytes : check.grad_bytes;
        double e = (b22 - b21 - b12 + b11) / (double)(P * P);
        double gamma = (b12 - b11) / (double)P - e * (double)r[0];
        double rho = (b21 - b11) / (double)P - e * (double)c[0];
        double kappa = b11 - e * (double)r[0] * (double)c[0] - rho * (double)r[0] - gamma * (double)c[0];
        double predicted = e * (double)r[2] * (double)c[0] + rho * (double)r[2] + gamma * (double)c[0] + kappa;
        if (predicted != bc)
            return set_err(err, errlen,
                           "%s: %s's bytes are not e*R*C + r*R + c*C + k (a %ld x %ld matrix: %.17g, fitted %.17g)",
                           opt->name, k < s11.count ? s11.names[k] : "a float32 tensor", r[2], c[0], bc, predicted);
        double v = e * (double)rows * (double)cols + rho * (double)rows + gamma * (double)cols + kappa;
        if (k < s11.count) out->bytes[k] = v;
        else if (k == s11.count) out->param_bytes = v;
        else out->grad_bytes = v;
    }
    return 0;
}

int memory_state(const MemoryOptimizer *opt, long rows, long cols, MemorySlots *out, char *err, size_t errlen)
{
    if (rows <= INT_MAX && cols <= INT_MAX && rows * cols <= MEMORY_MEASURE_MAX)
        return memory_state_measure(opt, (int)rows, (int)cols, out, err, errlen);
    return memory_state_fit(opt, rows, cols, out, err, errlen);
}

static MemoryRow *add_row(MemoryTable *t, const char *what, const char *dtype, double bytes, double params)
{
    MemoryRow *row = &t->rows[t->num_rows++];
    snprintf(row->what, sizeof row->what, "%s", what);
    row->dtype = dtype;
    row->bytes = bytes;
    row->bytes_per_param = bytes / params;
    return row;
}

/* The state rows: each slot's bytes on one matrix (two for LoRA's adapters)
 * times the number of matrices; slots that hold nothing are left out. */
static void add_state_rows(MemoryTable *t, const MemorySlots *a, const MemorySlots *b, double params)
{
    for (int k = 0; k < a->count; k++) {
        double per_matrix = a->bytes[k] + (b ? b->bytes[k] : 0.0);
        if (per_matrix == 0.0) continue;
        char what[48];
        snprintf(what, sizeof what, "state %s", a->names[k]);
        add_row(t, what, a->bytes_kind[k] || (b && b->bytes_kind[k]) ? "uint8" : "fp32",
                per_matrix * t->matrices, params);
    }
}

int memory_account(const MemoryQuery *q, MemoryTable *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    const double n = q->params;
    if (!(n >= 1 && n <= MEMORY_MAX_PARAMS) || floor(n) != n)
        return set_err(err, errlen, "--params must be a whole number from 1 to %g", MEMORY_MAX_PARAMS);
    if (q->rows < 1 || q->cols < 1 || (double)q->rows * (double)q->cols > n)
        return set_err(err, errlen, "--shape=%ld,%ld: a matrix of more elements than --params=%.17g", q->rows,
                       q->cols, n);
    t->opt = q->opt;
    if (q->recipe == RECIPE_MIXED_8BIT && !memory_optimizer_8bit(&q->opt, &t->opt))
        return set_err(err, errlen,
                       "--recipe=mixed-8bit: %s has no 8-bit state here (adam, adamw and adam8bit have: "
                       "bitsandbytes' Adam8bit)",
                       q->opt.name);
    const double rc = (double)q->rows * (double)q->cols;
    t->matrices = n / rc;
    MemorySlots s;
    if (q->recipe == RECIPE_LORA) {
        /* PEFT's LoRA on every matrix: lora_A [rank, C] and lora_B [R, rank],
         * trained in float32 (PEFT keeps adapters float32 by default); the
         * base is frozen in bf16: no gradient, no state, no master copy. */
        if (q->rank < 1 || q->rank > q->rows || q->rank > q->cols)
            return set_err(err, errlen, "--rank=%d: LoRA's rank must be from 1 to min(R, C) = %ld", q->rank,
                           q->rows < q->cols ? q->rows : q->cols);
        MemorySlots b;
        if (memory_state(&t->opt, q->rank, q->cols, &s, err, errlen) != 0 ||
            memory_state(&t->opt, q->rows, q->rank, &b, err, errlen) != 0)
            return -1;
        t->trainable_per_matrix = (double)q->rank * (double)(q->rows + q->cols);
        t->trainable = t->trainable_per_matrix * t->matrices;
        add_row(t, "frozen base (no grad)", "bf16", BF16_BYTES * n, n);
        add_row(t, "LoRA adapters", "fp32", (s.param_bytes + b.param_bytes) * t->matrices, n);
        add_row(t, "adapter gradients", "fp32", (s.grad_bytes + b.grad_bytes) * t->matrices, n);
        add_state_rows(t, &s, &b, n);
    } else {
        if (memory_state(&t->opt, q->rows, q->cols, &s, err, errlen) != 0) return -1;
        t->trainable = n;
        t->trainable_per_matrix = rc;
        const double fp32 = s.param_bytes / rc;   /* 4: what the ledger counts a float */
        if (q->recipe == RECIPE_FP32) {
            add_row(t, "parameters", "fp32", s.param_bytes * t->matrices, n);
            add_row(t, "gradients", "fp32", s.grad_bytes * t->matrices, n);
        } else {
            bool grads_fp32 = q->grads_fp32 == 1;
            add_row(t, "parameters (working)", "bf16", BF16_BYTES * n, n);
            add_row(t, "gradients", grads_fp32 ? "fp32" : "bf16",
                    grads_fp32 ? s.grad_bytes * t->matrices : BF16_BYTES * n, n);
            add_row(t, "master weights", "fp32", fp32 * n, n);
        }
        add_state_rows(t, &s, NULL, n);
    }
    for (int i = 0; i < t->num_rows; i++) t->bytes += t->rows[i].bytes;
    t->bytes_per_param = t->bytes / n;
    return 0;
}

/* memory_account of n parameters as 4096 x 4096 matrices (1024 x 1024 when
 * there are fewer), in t. */
static int account_layers(double n, MemoryRecipe recipe, const char *opt, int grads_fp32, int rank, MemoryTable *t,
                          char *err, size_t errlen)
{
    MemoryQuery q = {.params = n, .rows = 4096, .cols = 4096, .recipe = recipe, .rank = rank,
                     .grads_fp32 = grads_fp32};
    if (n < 4096.0 * 4096.0) q.rows = q.cols = 1024;
    if (!memory_optimizer_find(opt, &q.opt)) return set_err(err, errlen, "no optimizer %s", opt);
    return memory_account(&q, t, err, errlen);
}

int memory_notes(MemoryNotes *out, char *err, size_t errlen)
{
    const struct {
        MemoryTable *t;
        double n;
        MemoryRecipe recipe;
        const char *opt;
        int grads_fp32, rank;
    } models[] = {
        {&out->p8, 8e9, RECIPE_FP32, "adam", -1, 0},          {&out->p8_mixed, 8e9, RECIPE_MIXED, "adam", -1, 0},
        {&out->p8_8bit, 8e9, RECIPE_MIXED_8BIT, "adam", -1, 0}, {&out->p70, 70e9, RECIPE_FP32, "adam", -1, 0},
        {&out->p70_mixed, 70e9, RECIPE_MIXED, "adam", -1, 0},   {&out->p70_mixed_fp32, 70e9, RECIPE_MIXED, "adam", 1, 0},
        {&out->p70_8bit, 70e9, RECIPE_MIXED_8BIT, "adam", -1, 0}, {&out->p70_sgd, 70e9, RECIPE_FP32, "sgd", -1, 0},
        {&out->p70_sgd_mixed, 70e9, RECIPE_MIXED, "sgd", -1, 0}, {&out->p70_lora, 70e9, RECIPE_LORA, "adamw", -1, 16},
        {&out->p7_mixed, 7e9, RECIPE_MIXED, "adamw", -1, 0},
        {&out->lora, 4096.0 * 4096.0, RECIPE_LORA, "adamw", -1, 16},
    };
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++)
        if (account_layers(models[i].n, models[i].recipe, models[i].opt, models[i].grads_fp32, models[i].rank,
                           models[i].t, err, errlen) != 0)
            return -1;
    out->saved_8bit = memory_rows_bytes(&out->p70_mixed, "state") - memory_rows_bytes(&out->p70_8bit, "state");
    out->sgd_saves = 100 * (1 - out->p70_sgd.bytes / out->p70.bytes);
    out->sgd_saves_mixed = 100 * (1 - out->p70_sgd_mixed.bytes / out->p70_mixed.bytes);
    out->lora_pct = 100 * out->lora.trainable / (4096.0 * 4096.0);
    return 0;
}

double memory_rows_bytes(const MemoryTable *t, const char *prefix)
{
    double bytes = 0;
    for (int i = 0; i < t->num_rows; i++)
        if (strncmp(t->rows[i].what, prefix, strlen(prefix)) == 0) bytes += t->rows[i].bytes;
    return bytes;
}

long memory_square_side(double params)
{
    long side = (long)floor(sqrt(params));
    /* sqrt may round either way: step to the largest side that fits. */
    while ((double)side * (double)side > params) side--;
    while ((double)(side + 1) * (double)(side + 1) <= params) side++;
    return side;
}

double memory_activation_bytes(int batch, int seq, int hidden, int layers, double bytes)
{
    /* One layer's first, then the layers: the order `optlab memory` prints
     * them in, so that its numbers are these to the last bit. */
    double layer = (double)batch * seq * hidden * 10.0 * bytes;
    return layer * layers;
}
