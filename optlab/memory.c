/* memory.c - `optlab memory --params=N --recipe=R --opt=NAME`: bytes per
 * parameter and totals for the parameters, gradients, master weights and
 * each optimizer state, from the real allocations; with --zero=S
 * --ranks=N, what one of N data-parallel ranks keeps under ZeRO's stage S.
 * The command line only: the accounting is lesson 10's
 * (lessons/10_memory/accounting.h) and the sharding lesson 12's
 * (lessons/12_zero/zero_memory.h), which the chapters' programs use. */
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "accounting.h"
#include "flags.h"
#include "optlab.h"
#include "zero_memory.h"

static const char COMMAND[] = "optlab memory";

typedef struct {
    const char *params, *recipe, *opt, *shape, *grads;
    int rank;
    int batch, seq, hidden, layers;
    int zero, ranks;   /* ZeRO's stage (-1: none) and the data-parallel ranks */
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
    {"zero", OPT_INT, offsetof(MemoryArgs, zero), "ZeRO's stage, 0 to 3 (lesson 12)", 0, 3},
    {"ranks", OPT_INT, offsetof(MemoryArgs, ranks), "ZeRO: the data-parallel ranks (GPUs)", 1, INT_MAX},
    {NULL, 0, 0, NULL, 0, 0},
};

static void usage(void)
{
    printf("usage: optlab memory --params=N --recipe=R --opt=NAME [--shape=R,C] [--rank=K]\n"
           "                     [--grads=fp32|bf16] [--batch=B --seq=S --hidden=H --layers=L]\n"
           "                     [--zero=S --ranks=N]\n"
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
           "  --zero=S --ranks=N  what one of N data-parallel ranks keeps under ZeRO's stage\n"
           "                    S: 1 shards the optimizer's part (master weights and state),\n"
           "                    2 the gradients too, 3 the parameters too; 0 shards nothing\n"
           "                    (--ranks is ZeRO's; --rank is LoRA's)\n"
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
        die_usage(COMMAND, "--%s: '%s' is not a whole number from 1 to %.15g", flag, excerpt(text, strlen(text), &shown),
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

static void print_bytes_row(const char *what, const char *dtype, double per_param, double bytes)
{
    printf("%-24s %-6s %14.7g %16.3f %16.3f\n", what, dtype, per_param, bytes / 1e9, bytes / 1073741824.0);
}

/* The table's rows as ZeRO's three parts: the parameters (the working copy,
 * a frozen base, LoRA's adapters), their gradients, and the optimizer's
 * part (master weights and every state), each per parameter of the model. */
static void zero_parts(const MemoryTable *t, double params, double *param_bytes, double *grad_bytes,
                       double *state_bytes)
{
    *param_bytes = *grad_bytes = *state_bytes = 0;
    for (int i = 0; i < t->num_rows; i++) {
        const char *what = t->rows[i].what;
        double per_param = t->rows[i].bytes / params;
        if (strstr(what, "gradients")) *grad_bytes += per_param;
        else if (strncmp(what, "state ", 6) == 0 || strcmp(what, "master weights") == 0) *state_bytes += per_param;
        else *param_bytes += per_param;
    }
}

static void print_zero(const MemoryTable *t, double params, int stage, int ranks)
{
    static const char *const NAME[4] = {"plain data parallelism", "P_os", "P_os+g", "P_os+g+p"};
    double p, g, k;
    zero_parts(t, params, &p, &g, &k);
    ZeroRankBytes b = zero_rank_bytes(params, stage, ranks, p, g, k);
    printf("\nZeRO stage %d (%s) on %d ranks: what one rank keeps\n", stage, NAME[stage], ranks);
    printf("%-24s %-6s %14s %16s %16s\n", "what", "", "bytes/param", "GB", "GiB");
    print_bytes_row("parameters", "", b.params / params, b.params);
    print_bytes_row("gradients", "", b.grads / params, b.grads);
    print_bytes_row("optimizer (K)", "", b.states / params, b.states);
    print_bytes_row("total per rank", "", b.total / params, b.total);
}

int optlab_memory(int argc, char **argv)
{
    MemoryArgs args = {.zero = -1};
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
    if (!memory_optimizer_find(args.opt, &q.opt))
        die_usage(COMMAND, "unknown optimizer '%s' (sgd momentum adagrad rmsprop adam adamw adafactor lion adam8bit)",
                  excerpt(args.opt, strlen(args.opt), &shown));
    if (args.shape) {
        parse_shape(args.shape, q.params, &q.rows, &q.cols);
    } else {
        q.rows = q.cols = memory_square_side(q.params);
    }
    if (args.rank && q.recipe != RECIPE_LORA) die_usage(COMMAND, "--rank is for --recipe=lora");
    q.rank = args.rank ? args.rank : 8;
    if (q.recipe == RECIPE_LORA && !args.rank && (q.rows < q.rank || q.cols < q.rank))   /* not the user's --rank */
        die_usage(COMMAND, "--recipe=lora: LoRA's default rank %d does not fit a %ldx%ld matrix; give --rank=K, "
                  "K from 1 to %ld", q.rank, q.rows, q.cols, q.rows < q.cols ? q.rows : q.cols);
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

    if (args.ranks && args.zero < 0) die_usage(COMMAND, "--ranks=N goes with --zero=S (ZeRO's stage)");
    if (args.zero >= 0 && !args.ranks) die_usage(COMMAND, "--zero=S needs --ranks=N, the data-parallel ranks");
    if (args.ranks > q.params)
        die_usage(COMMAND, "--ranks=%d is more ranks than parameters (%.17g): a rank would hold none", args.ranks,
                  q.params);
    /* An exabyte of activations is past any machine, and past the table's columns. */
    if (activation_flags == 4 && memory_activation_bytes(args.batch, args.seq, args.hidden, args.layers, 4.0) > 1e18)
        die_usage(COMMAND, "the activation estimate (--batch x --seq x --hidden x 10 x bytes x --layers) is over "
                  "1e18 bytes: are --batch, --seq, --hidden and --layers right?");

    MemoryTable t;
    if (memory_account(&q, &t, err, sizeof err) != 0) refuse_or_fail(COMMAND, err);

    printf("model: %.17g parameters: %.9g matrices of %ld x %ld (%s)\n", q.params, t.matrices, q.rows, q.cols,
           args.shape ? "--shape" : "default: square");
    printf("recipe: %s", memory_recipe_name(q.recipe));
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
        double layer = memory_activation_bytes(args.batch, args.seq, args.hidden, 1, bytes);
        double all = memory_activation_bytes(args.batch, args.seq, args.hidden, args.layers, bytes);
        printf("\nactivations, the study notes' estimate: batch x seq x hidden x 10 x %g bytes x layers\n", bytes);
        print_bytes_row("activations, one layer", bytes == 4.0 ? "fp32" : "bf16", layer / q.params, layer);
        print_bytes_row("activations, all layers", "", all / q.params, all);
        print_bytes_row("total with activations", "", (t.bytes + all) / q.params, t.bytes + all);
    }
    if (args.zero >= 0) print_zero(&t, q.params, args.zero, args.ranks);
    return 0;   /* check_stdout_at_exit (main) sees a failed write, with its reason */
}
