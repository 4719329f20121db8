/* trace.c - `optlab trace NAME`: replays an optimizer on numbers from stdin.
 *
 * The first input line holds the initial parameters, each further line the
 * gradient for one step (blank lines and lines starting with # are skipped).
 * Each step prints one line: the parameters after it, "%.9g" (enough digits to
 * read back the exact float32). With --state the optimizer's state follows in
 * labelled columns, named by a "#" header line. Bad input is refused before
 * any step runs. */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flags.h"
#include "optlab.h"
#include "registry.h"

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "optlab trace: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(OPTLAB_EXIT_USAGE);
}

/* All input rows, each `width` numbers wide (the width of the first row). */
typedef struct {
    int count;
    int width;
    float *values;
} Rows;

static void read_rows(FILE *in, Rows *rows)
{
    char *line = NULL;
    size_t cap = 0, used = 0, room = 0;
    long lineno = 0;
    while (getline(&line, &cap, in) > 0) {
        lineno++;
        char *p = line + strspn(line, " \t\r\n");
        if (*p == '\0' || *p == '#') continue;
        int n = 0;
        for (char *tok = strtok(p, " \t\r\n"); tok; tok = strtok(NULL, " \t\r\n"), n++) {
            double v;
            if (parse_double(tok, &v) != 0 || fabs(v) > FLT_MAX)
                die("line %ld: '%s' is not a finite float32 number", lineno, tok);
            if (used == room) {
                room = 2 * room + 64;
                rows->values = realloc(rows->values, sizeof(float) * room);
                if (!rows->values) die("out of memory");
            }
            rows->values[used++] = (float)v;
        }
        if (rows->count == 0) rows->width = n;
        else if (n != rows->width)
            die("line %ld: expected %d numbers (one per parameter, as on the first line), got %d",
                lineno, rows->width, n);
        rows->count++;
    }
    free(line);
}

/* Parses "3,4" into shape; returns the number of dimensions. */
static int parse_shape(const char *text, int *shape)
{
    int ndim = 0;
    const char *p = text;
    for (;;) {
        char *end;
        long d = strtol(p, &end, 10);
        if (end == p || d <= 0 || d > (1L << 24) || ndim == TENSOR_MAX_DIMS ||
            (*end != ',' && *end != '\0'))
            die("--shape: '%s' is not a list of up to %d positive sizes like 3,4", text,
                TENSOR_MAX_DIMS);
        shape[ndim++] = (int)d;
        if (*end == '\0') return ndim;
        p = end + 1;
    }
}

static void print_row(const float *x, int n)
{
    for (int i = 0; i < n; i++) printf(i ? " %.9g" : "%.9g", x[i]);
}

int optlab_trace(int argc, char **argv)
{
    if (argc < 3 || argv[2][0] == '-') die("which optimizer? (see optlab list)");
    const OptimizerSpec *spec = registry_find(argv[2]);
    if (!spec) die("unknown optimizer '%s' (see optlab list)", argv[2]);

    /* --shape and --state belong to trace; every other flag is a setting. */
    int ndim = 0, shape[TENSOR_MAX_DIMS] = {0};
    bool show_state = false;
    const char **settings = calloc((size_t)argc, sizeof *settings);
    int num_settings = 0;
    if (!settings) die("out of memory");
    for (int i = 3; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0)
            die("unexpected argument '%s' (settings look like --lr=0.1)", arg);
        if (strcmp(arg, "--state") == 0 || strcmp(arg, "--state=true") == 0) show_state = true;
        else if (strcmp(arg, "--state=false") == 0) show_state = false;
        else if (strncmp(arg, "--shape=", 8) == 0) ndim = parse_shape(arg + 8, shape);
        else if (!strchr(arg, '=')) die("%s needs a value, like --lr=0.1", arg);
        else settings[num_settings++] = arg + 2;
    }
    void *config = malloc(spec->config_size);
    char err[512];
    if (!config) die("out of memory");
    if (optimizer_config_parse(spec, config, num_settings, settings, err, sizeof err) != 0)
        die("%s", err);
    free(settings);

    Rows rows = {0};
    read_rows(stdin, &rows);
    if (rows.count == 0) die("no input: the first line must hold the initial parameters");
    int numel = rows.width;
    if (ndim == 0) shape[ndim++] = numel;
    long shape_numel = 1;
    for (int d = 0; d < ndim; d++) shape_numel *= shape[d];
    if (shape_numel != numel)
        die("--shape has %ld elements but the first line has %d numbers", shape_numel, numel);

    MemoryLedger ledger = {0};
    Tensor *param = tensor_new(&ledger, "param", TAG_PARAM, ndim, shape);
    Tensor *grad = tensor_new(&ledger, "grad", TAG_GRAD, ndim, shape);
    Optimizer *opt = param && grad ? spec->create((ParamList){1, &param, &grad}, config) : NULL;
    if (!opt) die("out of memory");
    memcpy(param->data, rows.values, sizeof(float) * (size_t)numel);

    if (show_state) {
        printf("#");
        for (int i = 0; i < numel; i++) printf(" param[%d]", i);
        for (int k = 0; k < opt->num_slots; k++)
            for (int i = 0; i < numel; i++) printf(" %s[%d]", opt->slot_names[k], i);
        if (opt->num_slots == 0) printf("   (%s keeps no state with these settings)", spec->name);
        printf("\n");
    }
    for (int step = 1; step < rows.count; step++) {
        memcpy(grad->data, rows.values + (size_t)step * numel, sizeof(float) * (size_t)numel);
        optimizer_step(opt);
        print_row(param->data, numel);
        for (int k = 0; show_state && k < opt->num_slots; k++) {
            putchar(' ');
            print_row(opt->slots[k][0]->data, numel);
        }
        putchar('\n');
    }
    optimizer_free(opt);
    tensor_free(param);
    tensor_free(grad);
    free(rows.values);
    free(config);
    return fflush(stdout) == 0 ? 0 : 1;
}
