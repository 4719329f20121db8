/* clip_golden.c - the reader for tests/golden/clip.txt (see clip_golden.h). */
#include "clip_golden.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One number of the file: a float32, or nan, inf, -inf. Returns 0 or -1. */
static int read_float(const char *text, float *out)
{
    char *end;
    double v = strtod(text, &end);
    if (end == text || *end != '\0') return -1;
    *out = (float)v;
    return 0;
}

/* Reads exactly n numbers from text into a new array *out. Returns 0 or -1. */
static int read_numbers(char *text, float **out, size_t n)
{
    *out = malloc(sizeof(float) * (n ? n : 1));
    if (!*out) return -1;
    size_t count = 0;
    for (char *tok = strtok(text, " \t\r\n"); tok; tok = strtok(NULL, " \t\r\n"))
        if (count == n || read_float(tok, &(*out)[count++]) != 0) return -1;
    return count == n ? 0 : -1;
}

/* "max_norm=1", "norm_type=inf" or "clip_value=0.5" into the case.
 * Returns which (SET_MAX_NORM, SET_NORM_TYPE, SET_CLIP_VALUE), or 0. */
enum { SET_MAX_NORM = 1, SET_NORM_TYPE = 2, SET_CLIP_VALUE = 4 };
static int read_setting(const char *text, ClipCase *c)
{
    const char *eq = strchr(text, '=');
    size_t key = eq ? (size_t)(eq - text) : 0;
    if (key == 8 && strncmp(text, "max_norm", key) == 0)
        return read_float(eq + 1, &c->max_norm) == 0 ? SET_MAX_NORM : 0;
    if (key == 9 && strncmp(text, "norm_type", key) == 0)
        return read_float(eq + 1, &c->norm_type) == 0 ? SET_NORM_TYPE : 0;
    if (key == 10 && strncmp(text, "clip_value", key) == 0)
        return read_float(eq + 1, &c->clip_value) == 0 ? SET_CLIP_VALUE : 0;
    return 0;
}

static void case_free(ClipCase *c)
{
    for (int i = 0; i < CLIP_GOLDEN_MAX_TENSORS; i++) {
        free(c->grad[i]);
        free(c->clipped[i]);
    }
    memset(c, 0, sizeof *c);
}

int clip_golden_load(const char *path, ClipGoldenFile *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    FILE *in = fopen(path, "r");
    if (!in) {
        snprintf(err, errlen, "cannot open %s", path);
        return -1;
    }
    size_t cap = 0;
    char *line = NULL;
    int lineno = 0, status = 0;
    int shapes = 0, clipped = 0, settings = 0;   /* of this case, so far */
    bool has_total = false;
    ClipCase *c = NULL;
    while (getline(&line, &cap, in) > 0) {
        lineno++;
        char *rest = line + strspn(line, " \t");
        if (*rest == '#' || *rest == '\n' || *rest == '\0') continue;
        char word[32];
        int used = 0;
        if (sscanf(rest, "%31s%n", word, &used) != 1) continue;
        rest += used;
        if (strcmp(word, "case") == 0) {
            if (c) goto fail;   /* the last one has no end */
            ClipCase *bigger = realloc(out->cases, sizeof *bigger * (size_t)(out->count + 1));
            if (!bigger) goto fail;
            out->cases = bigger;
            c = &out->cases[out->count++];
            memset(c, 0, sizeof *c);
            c->max_norm = c->norm_type = c->clip_value = c->total_norm = NAN;
            shapes = clipped = settings = 0;
            has_total = false;
            if (sscanf(rest, "%63s", c->name) != 1) goto fail;
        } else if (!c) {
            goto fail;
        } else if (strcmp(word, "function") == 0) {
            char name[32];
            if (sscanf(rest, "%31s", name) != 1) goto fail;
            if (strcmp(name, "clip_grad_value_") == 0) c->by_value = true;
            else if (strcmp(name, "clip_grad_norm_") != 0) goto fail;
        } else if (strcmp(word, "settings") == 0) {
            for (char *tok = strtok(rest, " \t\r\n"); tok; tok = strtok(NULL, " \t\r\n")) {
                int which = read_setting(tok, c);
                if (!which || (settings & which)) goto fail;
                settings |= which;
            }
        } else if (strcmp(word, "shape") == 0) {
            if (shapes == CLIP_GOLDEN_MAX_TENSORS || clipped) goto fail;
            int i = shapes++;
            c->numel[i] = 1;
            for (char *tok = strtok(rest, " \t\r\n"); tok; tok = strtok(NULL, " \t\r\n")) {
                int d = atoi(tok);
                if (c->ndim[i] == TENSOR_MAX_DIMS || d <= 0) goto fail;
                c->shape[i][c->ndim[i]++] = d;
                c->numel[i] *= (size_t)d;
            }
            if (c->ndim[i] == 0) goto fail;
        } else if (strcmp(word, "grad") == 0) {
            if (c->count != shapes - 1) goto fail;   /* one grad after each shape */
            if (read_numbers(rest, &c->grad[c->count], c->numel[c->count]) != 0) goto fail;
            c->count++;
        } else if (strcmp(word, "clipped") == 0) {
            if (clipped == c->count) goto fail;
            if (read_numbers(rest, &c->clipped[clipped], c->numel[clipped]) != 0) goto fail;
            clipped++;
        } else if (strcmp(word, "total_norm") == 0) {
            char *tok = strtok(rest, " \t\r\n");
            if (!tok || read_float(tok, &c->total_norm) != 0) goto fail;
            has_total = true;
        } else if (strcmp(word, "end") == 0) {
            /* Complete: every tensor clipped, and the settings and result
             * its function has. */
            bool complete = c->count > 0 && shapes == c->count && clipped == c->count &&
                            (c->by_value ? settings == SET_CLIP_VALUE && !has_total
                                         : settings == (SET_MAX_NORM | SET_NORM_TYPE) && has_total &&
                                               (c->norm_type == 2.0f || c->norm_type == INFINITY));
            if (!complete) goto fail;
            c = NULL;
        } else {
            goto fail;
        }
    }
    if (c) {
        snprintf(err, errlen, "%s: case '%s' has no 'end'", path, c->name);
        status = -1;
    }
    goto done;
fail:
    snprintf(err, errlen, "%s:%d: cannot read this line", path, lineno);
    status = -1;
done:
    free(line);
    fclose(in);
    if (status != 0) clip_golden_free(out);
    return status;
}

const ClipCase *clip_golden_find(const ClipGoldenFile *file, const char *name)
{
    for (int i = 0; i < file->count; i++)
        if (strcmp(file->cases[i].name, name) == 0) return &file->cases[i];
    return NULL;
}

void clip_golden_free(ClipGoldenFile *file)
{
    for (int i = 0; i < file->count; i++) case_free(&file->cases[i]);
    free(file->cases);
    file->cases = NULL;
    file->count = 0;
}
