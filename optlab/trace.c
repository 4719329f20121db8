/* trace.c - `optlab trace NAME`: replays an optimizer on numbers from stdin.
 *
 * The first input line holds the initial parameters, each further line the
 * gradient for one step (blank lines and lines starting with # are skipped;
 * a line ends in LF, CRLF or CR). Each step prints one line: the parameters
 * after it, "%.9g" (enough digits to read back the exact float32). With
 * --state the optimizer's state follows in labelled columns, named by a "#"
 * header line, PyTorch's names: each state tensor the parameter has (of its
 * own size: Adafactor's row_var of a 3 x 4 parameter holds 3 numbers), then
 * the step count where PyTorch keeps one. Bad input is refused before any step runs, and the input is
 * bounded (optlab.h), so no input can exhaust the memory; settings and numbers that drive a step to
 * NaN or inf stop the replay at that step. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiment.h"
#include "flags.h"
#include "optlab.h"
#include "registry.h"

/* Bad input stops the replay with die_usage (one line, status 2); what
 * should not fail (memory) with fail (status 1). */
static const char COMMAND[] = "optlab trace";

static void usage(const OptimizerSpec *spec)
{
    printf("usage: optlab trace NAME [--key=value ...] [--shape=R,C] [--state]  < numbers\n"
           "\n"
           "Replays optimizer NAME on numbers from standard input. The first line holds\n"
           "the initial parameters, each further line the gradient for one step (numbers\n"
           "separated by spaces; blank lines and lines starting with # are skipped; lines\n"
           "end in LF, CRLF or CR). Each step prints the parameters after it, %%.9g.\n"
           "A step that leaves a parameter or a state number NaN or infinite stops the\n"
           "replay there, with status 2 (the steps before it are printed).\n"
           "\n"
           "  --shape=R,C      the parameter's shape, up to %d sizes (default: one row)\n"
           "  --state          also print the optimizer's state after each step\n"
           "  --key=value      a setting of NAME by PyTorch's keyword name; a boolean is\n"
           "                   --key, --key=true or --key=false; each flag at most once\n"
           "\n"
           "Limits: at most %d parameters, %d steps (gradient lines), %d bytes\n"
           "in a line and %d numbers in all.\n",
           TENSOR_MAX_DIMS, TRACE_MAX_PARAMS, TRACE_MAX_STEPS, TRACE_MAX_LINE, TRACE_MAX_NUMBERS);
    if (spec) {
        printf("\n%s (%s) settings:\n", spec->name, spec->torch_name);
        flags_print_help(stdout, spec->options, spec->defaults);
    } else {
        printf("\nNAME is one of:");
        for (int i = 0; REGISTRY[i]; i++) printf(" %s", REGISTRY[i]->name);
        printf(" (optlab trace NAME --help lists its settings)\n");
    }
}

/* ---- reading the input ---------------------------------------------------------- */

/* All input rows, each `width` numbers wide (the width of the first row). */
typedef struct {
    int count;
    int width;
    float *values;
} Rows;

static void read_rows(FILE *in, Rows *rows)
{
    InputLine line = {COMMAND, malloc(TRACE_MAX_LINE + 1), 0, 0};
    size_t used = 0, room = 0;
    if (!line.text) fail("out of memory");
    while (input_line_read(in, &line)) {
        char *p = input_line_content(&line);
        if (!p) continue;   /* blank, or a comment */
        if (rows->count == 1 + TRACE_MAX_STEPS)
            die_usage(COMMAND, "line %ld: more than %d steps (gradient lines)", line.number, TRACE_MAX_STEPS);
        int n = 0;
        for (char *tok = strtok(p, " \t"); tok; tok = strtok(NULL, " \t"), n++) {
            float v;
            Excerpt shown;
            const char *why = parse_float32(tok, &v);
            if (why) die_usage(COMMAND, "line %ld: '%s' %s", line.number, excerpt(tok, strlen(tok), &shown), why);
            if (rows->count == 0 && n == TRACE_MAX_PARAMS)
                die_usage(COMMAND, "line 1: more than %d numbers (the most parameters trace takes)",
                          TRACE_MAX_PARAMS);
            if (used == TRACE_MAX_NUMBERS)
                die_usage(COMMAND, "line %ld: more than %d numbers in all", line.number, TRACE_MAX_NUMBERS);
            if (used == room) {
                room = 2 * room + 64 < TRACE_MAX_NUMBERS ? 2 * room + 64 : TRACE_MAX_NUMBERS;
                rows->values = realloc(rows->values, sizeof(float) * room);
                if (!rows->values) fail("out of memory");
            }
            rows->values[used++] = v;
        }
        if (rows->count == 0) rows->width = n;
        else if (n != rows->width)
            die_usage(COMMAND, "line %ld: expected %d numbers (one per parameter, as on the first line), got %d",
                line.number, rows->width, n);
        rows->count++;
    }
    free(line.text);
}

/* ---- the arguments ---------------------------------------------------------------- */

/* Parses "3,4" into shape; returns the number of dimensions. The number of
 * elements is checked as it grows, so that the product can never overflow. */
static int parse_shape(const char *text, int *shape)
{
    Excerpt shown;
    excerpt(text, strlen(text), &shown);
    int ndim = 0;
    long numel = 1;
    const char *p = text;
    for (;;) {
        char *end;
        long d = strtol(p, &end, 10);   /* too large: LONG_MAX, refused below */
        if (end == p || d <= 0 || ndim == TENSOR_MAX_DIMS || (*end != ',' && *end != '\0'))
            die_usage(COMMAND, "--shape: '%s' is not a list of up to %d positive sizes like 3,4", shown.text,
                TENSOR_MAX_DIMS);
        if (d > TRACE_MAX_PARAMS / numel)
            die_usage(COMMAND, "--shape: '%s' has more than %d elements (the most parameters trace takes)",
                shown.text, TRACE_MAX_PARAMS);
        numel *= d;
        shape[ndim++] = (int)d;
        if (*end == '\0') return ndim;
        p = end + 1;
    }
}

/* Whether a flag's text ("shape=3,4", "state") names `key`. */
static bool is_key(const char *text, const char *key)
{
    size_t n = strlen(key);
    return strncmp(text, key, n) == 0 && (text[n] == '=' || text[n] == '\0');
}

/* trace's own flags; every other flag is a setting of the optimizer. */
typedef struct {
    const char *shape;
    bool state;
} TraceArgs;

static const OptionSpec trace_options[] = {
    {"shape", OPT_STRING, offsetof(TraceArgs, shape), "the parameter's shape", 0, 0},
    {"state", OPT_BOOL, offsetof(TraceArgs, state), "print the optimizer's state", 0, 0},
    {NULL, 0, 0, NULL, 0, 0},
};

/* The first of x[n] that is NaN or infinite, or -1. */
static long first_non_finite(const float *x /* [n] */, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return (long)i;
    return -1;
}

/* A step that leaves a parameter or a state number NaN or infinite stops the
 * replay before its line (the lines before it stand): PyTorch would go on,
 * printing NaN from there, or freezing a parameter whose exp_avg_sq is inf.
 * Writes why into err and returns true if this step is one. */
static bool not_finite(const Tensor *param, const Optimizer *opt, int step, char *err, size_t len)
{
    const char *name = "param";
    long at = first_non_finite(param->data, param->numel);
    float value = at >= 0 ? param->data[at] : 0.0f;
    for (int k = 0; at < 0 && k < opt->num_slots; k++) {
        const Tensor *state = opt->slots[k][0];
        if (!state || state->bytes) continue;   /* 8-bit codes are always finite */
        at = first_non_finite(state->data, state->numel);
        if (at >= 0) name = opt->slot_names[k], value = state->data[at];
    }
    if (at < 0) return false;
    snprintf(err, len, "step %d: %s[%ld] became %s: the usual causes are an lr or weight_decay too large, eps 0 "
             "with a zero gradient, or numbers beyond float32's range (a |gradient| above about 1e19 has a "
             "square that overflows) or bf16's", step, name, at, isnan(value) ? "NaN" : value > 0 ? "inf" : "-inf");
    return true;
}

static void print_row(const float *x, int n)
{
    for (int i = 0; i < n; i++) printf(i ? " %.9g" : "%.9g", x[i]);
}

int optlab_trace(int argc, char **argv)
{
    Excerpt shown;
    if (flags_help_wanted(argc, argv, 2)) {
        usage(argc > 2 ? registry_find(argv[2]) : NULL);
        return 0;
    }
    if (argc < 3 || argv[2][0] == '-') die_usage(COMMAND, "which optimizer? (see optlab list)");
    const OptimizerSpec *spec = registry_find(argv[2]);
    if (!spec)
        die_usage(COMMAND, "unknown optimizer '%s' (see optlab list)", excerpt(argv[2], strlen(argv[2]), &shown));

    const char **own = calloc((size_t)argc, sizeof *own);
    const char **settings = calloc((size_t)argc, sizeof *settings);
    int num_own = 0, num_settings = 0;
    if (!own || !settings) fail("out of memory");
    for (int i = 3; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0)
            die_usage(COMMAND, "unexpected argument '%s' (settings look like --lr=0.1)",
                      excerpt(arg, strlen(arg), &shown));
        if (is_key(arg + 2, "shape") || is_key(arg + 2, "state")) own[num_own++] = arg;
        else settings[num_settings++] = arg;
    }
    TraceArgs args = {NULL, false};
    void *config = malloc(spec->config_size);
    char err[512];
    if (!config) fail("out of memory");
    if (options_parse(trace_options, &args, num_own, own, err, sizeof err) != 0) die_usage(COMMAND, "%s", err);
    if (optimizer_config_parse(spec, config, num_settings, settings, err, sizeof err) != 0)
        die_usage(COMMAND, "%s", err);
    free(own);
    free(settings);
    int ndim = 0, shape[TENSOR_MAX_DIMS] = {0};
    if (args.shape) ndim = parse_shape(args.shape, shape);

    Rows rows = {0};
    read_rows(stdin, &rows);
    if (rows.count == 0) die_usage(COMMAND, "no input: the first line must hold the initial parameters");
    int numel = rows.width;
    if (ndim == 0) shape[ndim++] = numel;
    long shape_numel = 1;
    for (int d = 0; d < ndim; d++) shape_numel *= shape[d];   /* at most TRACE_MAX_PARAMS */
    if (shape_numel != numel)
        die_usage(COMMAND, "--shape has %ld elements but the first line has %d numbers", shape_numel, numel);

    MemoryLedger ledger = {0};
    Tensor *param = tensor_new(&ledger, "param", TAG_PARAM, ndim, shape);
    Tensor *grad = tensor_new(&ledger, "grad", TAG_GRAD, ndim, shape);
    if (!param || !grad) fail("out of memory");
    /* The parameter holds its values before the optimizer is made, as in
     * PyTorch: lesson 11's recipes convert the model (and copy its master
     * weights) when they are made. */
    memcpy(param->data, rows.values, sizeof(float) * (size_t)numel);
    Optimizer *opt = spec->create((ParamList){1, &param, &grad}, config);
    if (!opt) fail("out of memory");

    if (args.state) {
        /* The parameter's states: a slot it does not have is NULL for it. */
        int kept = 0;
        printf("#");
        for (int i = 0; i < numel; i++) printf(" param[%d]", i);
        for (int k = 0; k < opt->num_slots; k++)
            for (size_t i = 0; opt->slots[k][0] && i < opt->slots[k][0]->numel; i++, kept++)
                printf(" %s[%zu]", opt->slot_names[k], i);
        if (spec->state_has_step) printf(" step");   /* PyTorch's state["step"] */
        if (kept == 0 && !spec->state_has_step)
            printf("   (%s keeps no state with these settings)", spec->name);
        printf("\n");
    }
    for (int step = 1; step < rows.count; step++) {
        memcpy(grad->data, rows.values + (size_t)step * numel, sizeof(float) * (size_t)numel);
        optimizer_step(opt);
        if (not_finite(param, opt, step, err, sizeof err)) {
            optimizer_free(opt), tensor_free(param), tensor_free(grad), free(rows.values), free(config);
            die_usage(COMMAND, "%s", err);
        }
        print_row(param->data, numel);
        for (int k = 0; args.state && k < opt->num_slots; k++) {
            const Tensor *state = opt->slots[k][0];
            if (!state) continue;
            putchar(' ');
            if (state->bytes) {   /* 8-bit codes (lesson 10): their values 0 .. 255 */
                for (size_t i = 0; i < state->numel; i++)
                    printf("%s%u", i ? " " : "", (unsigned)state->bytes[i]);
            } else {
                print_row(state->data, (int)state->numel);
            }
        }
        if (args.state && spec->state_has_step) printf(" %ld", opt->step_count);
        putchar('\n');
    }
    optimizer_free(opt);
    tensor_free(param);
    tensor_free(grad);
    free(rows.values);
    free(config);
    return 0;   /* check_stdout_at_exit (main) sees a failed write, with its reason */
}
