/* memory.c - `optlab memory --params=N --recipe=R --opt=NAME`: bytes per
 * parameter and totals for the parameters, gradients, master weights and
 * each optimizer state, from the real allocations (memory.h). */
#include "memory.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flags.h"
#include "optlab.h"
#include "registry.h"

static const char COMMAND[] = "optlab memory";

static int set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* The names --opt takes, in the book's order. */
static const char *const OPT_NAMES[] = {"sgd",       "momentum", "adagrad", "rmsprop", "adam",
                                        "adamw",     "adafactor", "lion",   "adam8bit", NULL};

bool memory_optimizer_find(const char *name, MemoryOptimizer *out)
{
    memset(out, 0, sizeof *out);
    out->name = name;
    if (strcmp(name, "momentum") == 0) {
        out->spec = registry_find("sgd");
        out->settings[0] = "momentum=0.9";   /* any momentum but 0 allocates the buffer */
    } else {
        out->spec = registry_find(name);
    }
    return out->spec != NULL;
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

/* --- the command --- */

typedef struct {
    const char *params, *recipe, *opt, *shape, *grads;
    int rank;
    int batch, seq, hidden, layers;
} MemoryArgs;

static const OptionSpec memory_options[] = {
    {"params", OPT_STRING, offsetof(MemoryArgs, params), "required: the model's parameters, e.g. 70e9", 0, 0},
    {"recipe", OPT_STRING, offsetof(MemoryArgs, recipe), "required: fp32, mixed, mixed-8bit or lora", 0, 0},
    {"opt", OPT_STRING, offsetof(MemoryArgs, opt),
     "required: sgd momentum adagrad rmsprop adam adamw adafactor lion adam8bit", 0, 0},
    {"shape", OPT_STRING, offsetof(MemoryArgs, shape),
     "R,C: the model's matrices (default: one square matrix of about --params)", 0, 0},
    {"rank", OPT_INT, offsetof(MemoryArgs, rank), "LoRA's rank (recipe lora; PEFT's default 8)", 1, INT_MAX},
    {"grads", OPT_STRING, offsetof(MemoryArgs, grads),
     "fp32 or bf16: the gradients of mixed and mixed-8bit (default bf16)", 0, 0},
    {"batch", OPT_INT, offsetof(MemoryArgs, batch), "activations: sequences in a batch", 1, INT_MAX},
    {"seq", OPT_INT, offsetof(MemoryArgs, seq), "activations: tokens in a sequence", 1, INT_MAX},
    {"hidden", OPT_INT, offsetof(MemoryArgs, hidden), "activations: the hidden size", 1, INT_MAX},
    {"layers", OPT_INT, offsetof(MemoryArgs, layers), "activations: the layers", 1, INT_MAX},
    {NULL, 0, 0, NULL, 0, 0},
};

static void usage(void)
{
    printf("usage: optlab memory --params=N --recipe=R --opt=NAME [--shape=R,C] [--rank=K]\n"
           "                     [--grads=fp32|bf16] [--batch=B --seq=S --hidden=H --layers=L]\n"
           "\n"
           "Prints the memory of training a model of N parameters: bytes per parameter and\n"
           "totals (GB = 1e9 bytes, GiB = 2^30 bytes) of the parameters, gradients, master\n"
           "weights and each optimizer state, named as the optimizer names it. The state is\n"
           "read from the optimizer's real allocation on a small model of the same layout.\n"
           "\n"
           "Recipes:\n"
           "  fp32        fp32 parameters, gradients and optimizer state\n"
           "  mixed       bf16 working parameters and gradients, fp32 master weights and\n"
           "              state (Adam: 2 + 2 + 4 + 8 = 16 bytes a parameter); --grads=fp32\n"
           "              keeps fp32 gradients (Megatron's main_grad: 18 for Adam)\n"
           "  mixed-8bit  mixed, with bitsandbytes' 8-bit Adam state (adam, adamw, adam8bit)\n"
           "  lora        a frozen bf16 base, and on each R x C matrix two fp32 adapters,\n"
           "              lora_A [K, C] and lora_B [R, K], trained with NAME\n"
           "\n"
           "The model is N / (R C) matrices of R x C (--shape; the default is one square\n"
           "matrix of about N elements). Only Adafactor's factored state and LoRA's adapters\n"
           "depend on the shape. --batch, --seq, --hidden and --layers together add the\n"
           "study notes' activation estimate, batch x seq x hidden x 10 x bytes x layers.\n"
           "\n"
           "  --params=N        required: the model's parameters, a whole number (70e9)\n"
           "  --recipe=R        required: fp32, mixed, mixed-8bit or lora\n"
           "  --opt=NAME        required: sgd momentum adagrad rmsprop adam adamw\n"
           "                    adafactor lion adam8bit (momentum: SGD, momentum=0.9)\n"
           "  --shape=R,C       the model's matrices (default: one square matrix)\n"
           "  --rank=K          LoRA's rank, lora only (default 8, PEFT's)\n"
           "  --grads=fp32|bf16 the gradients of mixed and mixed-8bit (default bf16)\n"
           "  --batch=B --seq=S --hidden=H --layers=L   the activation estimate\n"
           "\n"
           "Limits: --params from 1 to %g; R and C up to %d.\n",
           MEMORY_MAX_PARAMS, INT_MAX);
}

/* A whole number from 1 to max, written as a number ("70e9"). */
static double parse_count(const char *flag, const char *text, double max)
{
    Excerpt shown;
    double v;
    if (parse_double(text, &v) != 0)
        die_usage(COMMAND, "--%s: '%s' is not a number", flag, excerpt(text, strlen(text), &shown));
    if (v < 1 || v > max || floor(v) != v)
        die_usage(COMMAND, "--%s: '%s' is not a whole number from 1 to %g", flag, excerpt(text, strlen(text), &shown),
                  max);
    return v;
}

static void parse_shape(const char *text, double params, long *rows, long *cols)
{
    Excerpt shown;
    const char *comma = strchr(text, ',');
    char first[64];
    size_t len = comma ? (size_t)(comma - text) : 0;
    if (!comma || len >= sizeof first || strchr(comma + 1, ','))
        die_usage(COMMAND, "--shape: '%s' is not two sizes R,C like 4096,4096", excerpt(text, strlen(text), &shown));
    memcpy(first, text, len);
    first[len] = '\0';
    *rows = (long)parse_count("shape", first, (double)INT_MAX);
    *cols = (long)parse_count("shape", comma + 1, (double)INT_MAX);
    if ((double)*rows * (double)*cols > params)
        die_usage(COMMAND, "--shape=%ld,%ld has more elements than --params (%.17g)", *rows, *cols, params);
}

static const char *recipe_name(MemoryRecipe r)
{
    static const char *const names[] = {"fp32", "mixed", "mixed-8bit", "lora"};
    return names[r];
}

static void print_bytes_row(const char *what, const char *dtype, double per_param, double bytes)
{
    printf("%-24s %-6s %14.7g %16.3f %16.3f\n", what, dtype, per_param, bytes / 1e9, bytes / 1073741824.0);
}

int optlab_memory(int argc, char **argv)
{
    MemoryArgs args = {0};
    char err[512];
    Excerpt shown;
    int parsed = flags_parse(memory_options, &args, argc, argv, 2, err, sizeof err);
    if (parsed == 1) {
        usage();
        return 0;
    }
    if (parsed != 0) die_usage(COMMAND, "%s", err);
    if (!args.params) die_usage(COMMAND, "--params=N is required, e.g. --params=70e9");
    if (!args.recipe) die_usage(COMMAND, "--recipe is required: fp32, mixed, mixed-8bit or lora");
    if (!args.opt) die_usage(COMMAND, "--opt is required: sgd momentum adagrad rmsprop adam adamw adafactor lion adam8bit");

    MemoryQuery q = {0};
    q.params = parse_count("params", args.params, MEMORY_MAX_PARAMS);
    if (strcmp(args.recipe, "fp32") == 0) q.recipe = RECIPE_FP32;
    else if (strcmp(args.recipe, "mixed") == 0) q.recipe = RECIPE_MIXED;
    else if (strcmp(args.recipe, "mixed-8bit") == 0) q.recipe = RECIPE_MIXED_8BIT;
    else if (strcmp(args.recipe, "lora") == 0) q.recipe = RECIPE_LORA;
    else
        die_usage(COMMAND, "unknown recipe '%s' (fp32 mixed mixed-8bit lora)",
                  excerpt(args.recipe, strlen(args.recipe), &shown));
    bool known = false;
    for (int i = 0; OPT_NAMES[i]; i++) known = known || strcmp(OPT_NAMES[i], args.opt) == 0;
    if (!known)
        die_usage(COMMAND, "unknown optimizer '%s' (sgd momentum adagrad rmsprop adam adamw adafactor lion adam8bit)",
                  excerpt(args.opt, strlen(args.opt), &shown));
    if (!memory_optimizer_find(args.opt, &q.opt))
        die_usage(COMMAND, "--opt=%s: not in this build's registry (its lesson is not here)", args.opt);
    if (args.shape) {
        parse_shape(args.shape, q.params, &q.rows, &q.cols);
    } else {
        long side = (long)floor(sqrt(q.params));
        while ((double)side * (double)side > q.params) side--;
        while ((double)(side + 1) * (double)(side + 1) <= q.params) side++;
        q.rows = q.cols = side;
    }
    if (args.rank && q.recipe != RECIPE_LORA) die_usage(COMMAND, "--rank is for --recipe=lora");
    q.rank = args.rank ? args.rank : 8;
    q.grads_fp32 = -1;
    if (args.grads) {
        if (q.recipe != RECIPE_MIXED && q.recipe != RECIPE_MIXED_8BIT)
            die_usage(COMMAND, "--grads is for --recipe=mixed and mixed-8bit");
        if (strcmp(args.grads, "fp32") == 0) q.grads_fp32 = 1;
        else if (strcmp(args.grads, "bf16") == 0) q.grads_fp32 = 0;
        else die_usage(COMMAND, "--grads: '%s' is not fp32 or bf16", excerpt(args.grads, strlen(args.grads), &shown));
    }
    int activation_flags = (args.batch > 0) + (args.seq > 0) + (args.hidden > 0) + (args.layers > 0);
    if (activation_flags != 0 && activation_flags != 4)
        die_usage(COMMAND, "--batch, --seq, --hidden and --layers go together (the activation estimate)");

    MemoryTable t;
    if (memory_account(&q, &t, err, sizeof err) != 0) die_usage(COMMAND, "%s", err);

    printf("model: %.17g parameters: %.9g matrices of %ld x %ld (%s)\n", q.params, t.matrices, q.rows, q.cols,
           args.shape ? "--shape" : "default: square");
    printf("recipe: %s", recipe_name(q.recipe));
    if (q.recipe == RECIPE_LORA) printf(", rank %d", q.rank);
    printf("; optimizer: %s", q.opt.name);
    if (t.opt.spec != q.opt.spec) printf(", its state as %s's (%s)", t.opt.name, t.opt.spec->torch_name);
    else printf(" (%s%s%s)", q.opt.spec->torch_name, q.opt.settings[0] ? ", " : "",
                q.opt.settings[0] ? q.opt.settings[0] : "");
    printf("\n");
    if (q.recipe == RECIPE_LORA)
        printf("trainable: %.17g of %.17g per matrix, %.0f in all: %.6g%%\n", t.trainable_per_matrix,
               (double)q.rows * (double)q.cols, t.trainable, 100.0 * t.trainable / q.params);
    printf("bytes/param is per parameter of the model; GB = 1e9 bytes, GiB = 2^30 bytes\n\n");
    printf("%-24s %-6s %14s %16s %16s\n", "what", "dtype", "bytes/param", "GB", "GiB");
    for (int i = 0; i < t.num_rows; i++)
        print_bytes_row(t.rows[i].what, t.rows[i].dtype, t.rows[i].bytes_per_param, t.rows[i].bytes);
    double states = 0;
    for (int i = 0; i < t.num_rows; i++)
        if (strncmp(t.rows[i].what, "state ", 6) == 0) states += t.rows[i].bytes;
    print_bytes_row("optimizer state", "", states / q.params, states);
    print_bytes_row("total", "", t.bytes_per_param, t.bytes);
    if (activation_flags == 4) {
        double bytes = q.recipe == RECIPE_FP32 ? 4.0 : BF16_BYTES;
        double layer = (double)args.batch * args.seq * args.hidden * 10.0 * bytes;
        printf("\nactivations, the study notes' estimate: batch x seq x hidden x 10 x %g bytes x layers\n", bytes);
        print_bytes_row("activations, one layer", bytes == 4.0 ? "fp32" : "bf16", layer / q.params, layer);
        print_bytes_row("activations, all layers", "", layer * args.layers / q.params, layer * args.layers);
        print_bytes_row("total with activations", "", (t.bytes + layer * args.layers) / q.params,
                        t.bytes + layer * args.layers);
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
