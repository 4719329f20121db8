/* clip_golden.c - the reader for tests/golden/clip.txt (see clip_golden.h),
 * one loop over golden.h's line reader. */
#include "clip_golden.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "golden.h"

/* One number of a setting: a float32, or nan, inf, -inf. Returns 0 or -1. */
static int read_float(const char *text, float *out)
{
    char *end;
    double v = strtod(text, &end);
    if (end == text || *end != '\0') return -1;
    *out = (float)v;
    return 0;
}

/* The settings line: "max_norm=1 norm_type=inf" or "clip_value=0.5" into
 * the case, each key at most once; *which collects the keys set
 * (SET_MAX_NORM | ...). Returns 0 or -1. */
enum { SET_MAX_NORM = 1, SET_NORM_TYPE = 2, SET_CLIP_VALUE = 4 };
static int read_settings(GoldenReader *r, ClipCase *c, int *which)
{
    for (const char *text; (text = golden_reader_word(r)) != NULL;) {
        const char *eq = strchr(text, '=');
        size_t key = eq ? (size_t)(eq - text) : 0;
        int set = 0;
        if (key == 8 && strncmp(text, "max_norm", key) == 0)
            set = read_float(eq + 1, &c->max_norm) == 0 ? SET_MAX_NORM : 0;
        else if (key == 9 && strncmp(text, "norm_type", key) == 0)
            set = read_float(eq + 1, &c->norm_type) == 0 ? SET_NORM_TYPE : 0;
        else if (key == 10 && strncmp(text, "clip_value", key) == 0)
            set = read_float(eq + 1, &c->clip_value) == 0 ? SET_CLIP_VALUE : 0;
        if (!set || (*which & set)) return -1;
        *which |= set;
    }
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
    GoldenReader r;
    if (golden_reader_open(&r, path, err, errlen) != 0) return -1;
    int shapes = 0, clipped = 0, settings = 0;   /* of this case, so far */
    bool has_total = false;
    ClipCase *c = NULL;
    /* A line that cannot be read stops the loop (break); golden_reader_close names it. */
    for (const char *word; (word = golden_reader_next(&r)) != NULL;) {
        if (strcmp(word, "case") == 0) {
            if (c) break;   /* the last one has no end */
            ClipCase *bigger = realloc(out->cases, sizeof *bigger * (size_t)(out->count + 1));
            if (!bigger) break;
            out->cases = bigger;
            c = &out->cases[out->count++];
            memset(c, 0, sizeof *c);
            c->max_norm = c->norm_type = c->clip_value = c->total_norm = NAN;
            shapes = clipped = settings = 0;
            has_total = false;
            if (golden_reader_name(&r, c->name, sizeof c->name) != 0) break;
        } else if (!c) {
            break;
        } else if (strcmp(word, "function") == 0) {
            const char *name = golden_reader_word(&r);
            if (!name) break;
            if (strcmp(name, "clip_grad_value_") == 0) c->by_value = true;
            else if (strcmp(name, "clip_grad_norm_") != 0) break;
        } else if (strcmp(word, "settings") == 0) {
            if (read_settings(&r, c, &settings) != 0) break;
        } else if (strcmp(word, "shape") == 0) {
            if (shapes == CLIP_GOLDEN_MAX_TENSORS || clipped) break;
            int i = shapes++;
            c->ndim[i] = golden_reader_shape(&r, c->shape[i], TENSOR_MAX_DIMS, &c->numel[i]);
            if (c->ndim[i] < 0) break;
        } else if (strcmp(word, "grad") == 0) {
            if (c->count != shapes - 1) break;   /* one grad after each shape */
            if (!(c->grad[c->count] = golden_reader_new_floats(&r, c->numel[c->count]))) break;
            c->count++;
        } else if (strcmp(word, "clipped") == 0) {
            if (clipped == c->count) break;   /* one clipped per grad */
            if (!(c->clipped[clipped] = golden_reader_new_floats(&r, c->numel[clipped]))) break;
            clipped++;
        } else if (strcmp(word, "total_norm") == 0) {
            if (golden_reader_floats(&r, &c->total_norm, 1, false) != 0) break;
            has_total = true;
        } else if (strcmp(word, "end") == 0) {
            /* Complete: every tensor clipped, and the settings and result
             * its function has. */
            bool complete = c->count > 0 && shapes == c->count && clipped == c->count &&
                            (c->by_value ? settings == SET_CLIP_VALUE && !has_total
                                         : settings == (SET_MAX_NORM | SET_NORM_TYPE) && has_total &&
                                               (c->norm_type == 2.0f || c->norm_type == INFINITY));
            if (!complete) break;
            c = NULL;
        } else {
            break;
        }
    }
    if (golden_reader_close(&r, c ? c->name : NULL, err, errlen) == 0) return 0;
    clip_golden_free(out);
    return -1;
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
