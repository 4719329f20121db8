/* recorded.c - reading back what a GPU recorded in gpu/timings/ (see
 * recorded.h): make bench-gpu's lines, and numbers of an Nsight Compute
 * report. */
#include "recorded.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reading.h"

char *recorded_file_read(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return read_text_file(path);
}

/* The next space-separated word of *at, copied into word (cut to size);
 * false at the end of the line. */
static bool next_word(const char **at, char *word, size_t size)
{
    const char *s = *at;
    while (*s == ' ' || *s == '\t') s++;
    if (*s == '\0' || *s == '\n') return false;
    size_t n = 0;
    while (s[n] && s[n] != ' ' && s[n] != '\t' && s[n] != '\n') n++;
    snprintf(word, size, "%.*s", (int)n, s);
    *at = s + n;
    return true;
}

/* word as a number, a trailing '%' allowed; false if it is not one. */
static bool number_of(const char *word, double *value)
{
    char *end;
    *value = strtod(word, &end);
    return end != word && (*end == '\0' || (end[0] == '%' && end[1] == '\0'));
}

/* The next word of *at as a number; false if it is not one. */
static bool next_number(const char **at, double *value)
{
    char word[64];
    return next_word(at, word, sizeof word) && number_of(word, value);
}

/* Whether the next word of *at is `expected`. */
static bool next_is(const char **at, const char *expected)
{
    char word[64];
    return next_word(at, word, sizeof word) && strcmp(word, expected) == 0;
}

bool bench_line_parse(const char *line, BenchLine *out)
{
    memset(out, 0, sizeof *out);
    char word[64];
    const char *at = line;
    double params;
    /* params, then the tensors or the precision, then "copy" and its GB/s */
    if (!next_number(&at, &params) || params < 1) return false;
    out->params = (long long)params;
    if (!next_word(&at, out->what, sizeof out->what) || !next_is(&at, "copy") ||
        !next_number(&at, &out->copy_gbs) || !next_is(&at, "GB/s"))
        return false;
    /* each kernel: its name, Gparam/s, GB/s and % of the copy */
    while (out->kernels < BENCH_KERNELS && next_word(&at, word, sizeof word)) {
        KernelTiming *k = &out->kernel[out->kernels];
        snprintf(k->kind, sizeof k->kind, "%.15s", word);   /* a longer name is no kernel of ours */
        if (!next_number(&at, &k->gparams) || !next_is(&at, "Gparam/s") || !next_number(&at, &k->gbs) ||
            !next_is(&at, "GB/s") || !next_number(&at, &k->percent))
            return false;
        out->kernels++;
    }
    return out->kernels > 0;
}

bool recorded_bench_parse(const char *text, RecordedBench *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    enum { NONE, FUSED, Q8 } section = NONE;
    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        const size_t len = end ? (size_t)(end - line) : strlen(line);
        char copy[512];
        snprintf(copy, sizeof copy, "%.*s", (int)len, line);
        BenchLine b;
        if (copy[0] == '#') {
            /* a comment: who recorded the file, and how */
        } else if (strncmp(copy, "device: ", 8) == 0) {
            snprintf(out->device, sizeof out->device, "%.63s", copy + 8);
        } else if (strncmp(copy, "ok ", 3) == 0) {
            out->checks_ok++;
        } else if (strncmp(copy, "FAILED ", 7) == 0) {
            out->checks_failed++;
        } else if (strncmp(copy, "fused AdamW,", 12) == 0) {
            section = FUSED;
        } else if (strncmp(copy, "8-bit Adam:", 11) == 0) {
            section = Q8;
        } else if (section != NONE && bench_line_parse(copy, &b)) {
            int *count = section == FUSED ? &out->num_fused : &out->num_q8;
            if (*count < BENCH_LINES) (section == FUSED ? out->fused : out->q8)[(*count)++] = b;
        }
        line = end ? end + 1 : NULL;
    }
    if (out->device[0] == '\0') {
        snprintf(err, errlen, "no \"device: \" line");
        return false;
    }
    if (out->num_fused == 0 || out->num_q8 == 0) {
        snprintf(err, errlen, "no bench line of %s", out->num_fused == 0 ? "fused AdamW" : "8-bit Adam");
        return false;
    }
    return true;
}

const BenchLine *recorded_line(const RecordedBench *r, bool fused, long long params, const char *what)
{
    const BenchLine *lines = fused ? r->fused : r->q8;
    const int count = fused ? r->num_fused : r->num_q8;
    for (int i = 0; i < count; i++)
        if (lines[i].params == params && strcmp(lines[i].what, what) == 0) return &lines[i];
    return NULL;
}

const KernelTiming *line_kernel(const BenchLine *line, const char *kind)
{
    for (int k = 0; line && k < line->kernels; k++)
        if (strcmp(line->kernel[k].kind, kind) == 0) return &line->kernel[k];
    return NULL;
}

double ncu_metric(const char *report, const char *name)
{
    const size_t name_len = strlen(name);
    for (const char *line = report; line && *line;) {
        const char *end = strchr(line, '\n');
        const char *s = line;
        while (*s == ' ') s++;
        if (strncmp(s, name, name_len) == 0) {
            /* the last word of the line, its commas dropped */
            const size_t len = end ? (size_t)(end - s) : strlen(s);
            char digits[64];
            size_t n = 0, i = len;
            while (i > 0 && s[i - 1] == ' ') i--;
            size_t start = i;
            while (start > 0 && s[start - 1] != ' ') start--;
            for (size_t j = start; j < i && n + 1 < sizeof digits; j++)
                if (s[j] != ',') digits[n++] = s[j];
            digits[n] = '\0';
            double value;
            return number_of(digits, &value) ? value : NAN;
        }
        line = end ? end + 1 : NULL;
    }
    return NAN;
}
