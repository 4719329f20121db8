/* clip.c - `optlab clip --max_norm=X [--norm_type=2|inf]`: clips gradients
 * from stdin as torch.nn.utils.clip_grad_norm_ does (lesson 07's
 * clip_grad_norm_).
 *
 * Each input line is one gradient tensor, its numbers separated by spaces
 * (blank lines and lines starting with # are skipped; a line ends in LF,
 * CRLF or CR); the tensors may have different sizes. All of them are
 * clipped together, by one total norm. The output is each tensor after
 * clipping on its own line, "%.9g", then a last line with the total norm
 * before clipping (what clip_grad_norm_ returns). Bad input is refused
 * before anything is printed, and the input is bounded (optlab.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clip.h"
#include "experiment.h"
#include "flags.h"
#include "optlab.h"

/* Bad input stops with die_usage (one line, status 2); what should not
 * fail (memory) with fail (status 1). */
static const char COMMAND[] = "optlab clip";

typedef struct {
    const char *max_norm;
    const char *norm_type;
} ClipArgs;

static const OptionSpec clip_options[] = {
    {"max_norm", OPT_STRING, offsetof(ClipArgs, max_norm), "required: the largest total norm the gradients keep", 0, 0},
    {"norm_type", OPT_STRING, offsetof(ClipArgs, norm_type), "2, or inf for the largest |g|", 0, 0},
    {NULL, 0, 0, NULL, 0, 0},
};

static void usage(const ClipArgs *defaults)
{
    printf("usage: optlab clip --max_norm=X [--norm_type=2|inf]  < gradients\n"
           "\n"
           "Clips gradient tensors as torch.nn.utils.clip_grad_norm_(params, max_norm,\n"
           "norm_type) does. Each line of standard input is one tensor (numbers separated\n"
           "by spaces; blank lines and lines starting with # are skipped); all of them are\n"
           "clipped together. Prints each tensor after clipping, %%.9g, one per line, then\n"
           "a last line with the total norm before clipping. As in PyTorch, a negative\n"
           "max_norm is not refused: it flips the gradients; a total norm past float32's\n"
           "range (inf) zeroes them, and a line on stderr says so.\n"
           "\n");
    flags_print_help(stdout, clip_options, defaults);
    printf("\nLimits: at most %d tensors (lines), %d bytes in a line and %d numbers in all.\n",
           CLIP_MAX_TENSORS, TRACE_MAX_LINE, TRACE_MAX_NUMBERS);
}

/* --max_norm: a finite float32 number (negative ones too, as PyTorch). */
static float parse_max_norm(const char *text)
{
    Excerpt shown;
    float v;
    if (!text) die_usage(COMMAND, "--max_norm is required, e.g. --max_norm=1");
    const char *why = parse_float32(text, &v);
    if (why) die_usage(COMMAND, "--max_norm: '%s' %s", excerpt(text, strlen(text), &shown), why);
    return v;
}

/* --norm_type: 2 (the default) or inf, the two norms lesson 07 computes. */
static float parse_norm_type(const char *text)
{
    Excerpt shown;
    double v;
    if (!text) return 2.0f;
    if (strcmp(text, "inf") == 0) return INFINITY;
    if (parse_double(text, &v) != 0 || v != 2.0)
        die_usage(COMMAND, "--norm_type: '%s' is not 2 or inf (the norms this book computes)",
                  excerpt(text, strlen(text), &shown));
    return 2.0f;
}

/* Every tensor of the input, one per non-blank line, as gradients. */
typedef struct {
    MemoryLedger ledger;
    int count;
    Tensor **grads;   /* grads[count] */
} Gradients;

static void read_gradients(FILE *in, Gradients *g)
{
    InputLine line = {COMMAND, malloc(TRACE_MAX_LINE + 1), 0, 0};
    float *row = malloc(sizeof(float) * (TRACE_MAX_LINE / 2 + 1));   /* a number takes 2 bytes at least */
    size_t total = 0;
    if (!line.text || !row) fail("out of memory");
    while (input_line_read(in, &line)) {
        char *p = input_line_content(&line);
        if (!p) continue;   /* blank, or a comment */
        if (g->count == CLIP_MAX_TENSORS)
            die_usage(COMMAND, "line %ld: more than %d tensors (lines)", line.number, CLIP_MAX_TENSORS);
        int n = 0;
        for (char *tok = strtok(p, " \t"); tok; tok = strtok(NULL, " \t")) {
            float v;
            Excerpt shown;
            const char *why = parse_float32(tok, &v);
            if (why) die_usage(COMMAND, "line %ld: '%s' %s", line.number, excerpt(tok, strlen(tok), &shown), why);
            if (total++ == TRACE_MAX_NUMBERS)
                die_usage(COMMAND, "line %ld: more than %d numbers in all", line.number, TRACE_MAX_NUMBERS);
            row[n++] = v;
        }
        if ((g->count & (g->count - 1)) == 0) {   /* 0, 1, 2, 4, ...: double the room */
            Tensor **bigger = realloc(g->grads, sizeof *bigger * (size_t)(g->count ? 2 * g->count : 1));
            if (!bigger) fail("out of memory");
            g->grads = bigger;
        }
        Tensor *t = tensor_new_1d(&g->ledger, "grad", TAG_GRAD, n);
        if (!t) fail("out of memory");
        memcpy(t->data, row, sizeof(float) * (size_t)n);
        g->grads[g->count++] = t;
    }
    free(row);
    free(line.text);
}

static void print_row(const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) printf(i ? " %.9g" : "%.9g", x[i]);
    putchar('\n');
}

int optlab_clip(int argc, char **argv)
{
    ClipArgs args = {NULL, "2"};
    const ClipArgs defaults = args;
    char err[512];
    int parsed = flags_parse(clip_options, &args, argc, argv, 2, err, sizeof err);
    if (parsed == 1) {
        usage(&defaults);
        return 0;
    }
    if (parsed != 0) die_usage(COMMAND, "%s", err);
    float max_norm = parse_max_norm(args.max_norm);
    float norm_type = parse_norm_type(args.norm_type);

    Gradients g = {0};
    read_gradients(stdin, &g);
    if (g.count == 0) die_usage(COMMAND, "no input: give one gradient tensor per line");
    /* Clipping reads and writes only the gradients; they stand in for the
     * parameters in the list too. */
    ParamList list = {g.count, g.grads, g.grads};
    float total_norm = clip_grad_norm_(&list, max_norm, norm_type);
    for (int i = 0; i < g.count; i++) print_row(g.grads[i]->data, g.grads[i]->numel);
    printf("%.9g\n", total_norm);
    /* PyTorch's output, but not silently: its error_if_nonfinite=True would
     * raise here. (The numbers are finite: only the squares overflow.) */
    if (!isfinite(total_norm))
        fprintf(stderr, "%s: the total norm is inf (a sum of squares past float32's range): as in PyTorch, "
                "every gradient was multiplied by max_norm / inf = 0\n", COMMAND);
    for (int i = 0; i < g.count; i++) tensor_free(g.grads[i]);
    free(g.grads);
    return 0;   /* check_stdout_at_exit (main) sees a failed write, with its reason */
}
