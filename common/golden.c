/* golden.c - the reader for the files in tests/golden/ (see golden.h), and
 * the line reader it shares with lesson 7's readers of clip.txt and
 * schedules.txt. */
#include "golden.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "reading.h"

#ifndef OPTIMIZERS_GOLDEN_DIR
#define OPTIMIZERS_GOLDEN_DIR "tests/golden"
#endif

const char *golden_dir(void)
{
    return dir_from_env("OPTIMIZERS_GOLDEN_DIR", OPTIMIZERS_GOLDEN_DIR);
}

/* ---- the line reader ------------------------------------------------------------ */

/* What separates the words of a line (\r: a file saved with Windows line ends). */
#define BLANKS " \t\r\n"

int golden_reader_open(GoldenReader *r, const char *path, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->in = fopen(path, "r");
    if (!r->in) {
        snprintf(err, errlen, "cannot open %s", path);
        return -1;
    }
    return 0;
}

const char *golden_reader_next(GoldenReader *r)
{
    while (getline(&r->line, &r->cap, r->in) > 0) {
        r->lineno++;
        /* strtok_r, not strtok: the place in the line is the reader's own. */
        const char *word = strtok_r(r->line, BLANKS, &r->next_word);
        if (word && word[0] != '#') return word;
    }
    r->at_end = true;
    return NULL;
}

char *golden_reader_word(GoldenReader *r)
{
    return strtok_r(NULL, BLANKS, &r->next_word);
}

int golden_reader_name(GoldenReader *r, char *name, size_t size)
{
    const char *word = golden_reader_word(r);
    size_t len = word ? strlen(word) : size;
    if (len >= size) return -1;
    memcpy(name, word, len + 1);
    return 0;
}

int golden_reader_floats(GoldenReader *r, float *out, size_t n, bool finite_only)
{
    size_t count = 0;
    for (const char *word; (word = golden_reader_word(r)) != NULL; count++) {
        double v;
        char *end;
        if (count == n) return -1;
        if (finite_only) {
            if (parse_double(word, &v) != 0) return -1;
        } else {
            v = strtod(word, &end);   /* nan, inf and -inf too */
            if (*end != '\0') return -1;
        }
        out[count] = (float)v;
    }
    return count == n ? 0 : -1;
}

float *golden_reader_new_floats(GoldenReader *r, size_t n)
{
    float *values = malloc(sizeof(float) * (n ? n : 1));
    if (values && golden_reader_floats(r, values, n, false) != 0) {
        free(values);
        return NULL;
    }
    return values;
}

int golden_reader_shape(GoldenReader *r, int *shape, int max_dims, size_t *numel)
{
    int ndim = 0;
    *numel = 1;
    for (const char *word; (word = golden_reader_word(r)) != NULL;) {
        char *end;
        long size = strtol(word, &end, 10);
        if (ndim == max_dims || *end != '\0' || size < 1 || size > INT_MAX) return -1;
        if (*numel > (size_t)INT_MAX / (size_t)size) return -1;   /* a case's count is an int */
        shape[ndim++] = (int)size;
        *numel *= (size_t)size;
    }
    return ndim;
}

int golden_reader_settings(GoldenReader *r, char **settings, int *count, int max)
{
    for (const char *word; (word = golden_reader_word(r)) != NULL;) {
        if (*count == max) return -1;
        if (!(settings[*count] = strdup(word))) return -1;
        (*count)++;
    }
    return 0;
}

int golden_reader_close(GoldenReader *r, const char *open_case, char *err, size_t errlen)
{
    int status = 0;
    if (!r->at_end) {
        snprintf(err, errlen, "%s:%d: cannot read this line", r->path, r->lineno);
        status = -1;
    } else if (open_case) {
        snprintf(err, errlen, "%s: case '%s' has no 'end'", r->path, open_case);
        status = -1;
    }
    free(r->line);
    fclose(r->in);
    memset(r, 0, sizeof *r);
    return status;
}

/* ---- the trajectories ------------------------------------------------------------- */

/* Grows a steps x numel array by one row; returns the new row. */
static float *add_row(float **rows, int steps, int numel)
{
    float *bigger = realloc(*rows, sizeof(float) * (size_t)numel * (size_t)(steps + 1));
    if (!bigger) return NULL;
    *rows = bigger;
    return bigger + (size_t)numel * steps;
}

static void case_free(GoldenCase *c)
{
    for (int i = 0; i < c->num_settings; i++) free(c->settings[i]);
    free(c->param);
    free(c->grad);
    free(c->expect);
    for (int k = 0; k < c->num_states; k++) free(c->state[k]);
    memset(c, 0, sizeof *c);
}

/* The state named by the line's next word: its index in case c, added
 * (shaped like the parameter until a state_shape line says otherwise) if
 * it is new. -1 if there is no name or no room. */
static int state_named(GoldenReader *r, GoldenCase *c)
{
    const char *name = golden_reader_word(r);
    if (!name || c->numel == 0) return -1;
    int k = golden_state_index(c, name);
    if (k < 0) {
        if (c->num_states == GOLDEN_MAX_STATES || strlen(name) >= sizeof c->state_names[0]) return -1;
        k = c->num_states++;
        strcpy(c->state_names[k], name);
        c->state_ndim[k] = c->ndim;
        memcpy(c->state_shape[k], c->shape, sizeof c->shape);
        c->state_numel[k] = c->numel;
    }
    return k;
}

/* A state_shape line: the shape of a state not shaped like the parameter
 * (Adafactor's row_var), before its first row. Returns 0 or -1. */
static int read_state_shape(GoldenReader *r, GoldenCase *c, const int *state_rows /* [GOLDEN_MAX_STATES] */)
{
    int k = state_named(r, c);
    if (k < 0 || state_rows[k] != 0) return -1;
    size_t numel;
    c->state_ndim[k] = golden_reader_shape(r, c->state_shape[k], 4, &numel);
    c->state_numel[k] = (int)numel;
    return c->state_ndim[k] >= 0 ? 0 : -1;
}

/* A state row of case c for step c->steps: the state named by the line's
 * next word, then its numbers. state_rows[k] counts the rows of state k so
 * far. Returns 0 or -1. */
static int read_state_row(GoldenReader *r, GoldenCase *c, int *state_rows /* [GOLDEN_MAX_STATES] */)
{
    if (c->steps == 0) return -1;
    int k = state_named(r, c);
    if (k < 0 || state_rows[k] != c->steps - 1) return -1;   /* one row per step */
    float *row = add_row(&c->state[k], state_rows[k]++, c->state_numel[k]);
    return row ? golden_reader_floats(r, row, (size_t)c->state_numel[k], true) : -1;
}

int golden_load(const char *path, GoldenFile *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    GoldenReader r;
    if (golden_reader_open(&r, path, err, errlen) != 0) return -1;
    int expect_rows = 0, state_rows[GOLDEN_MAX_STATES] = {0};   /* rows read in this case */
    GoldenCase *c = NULL;
    /* A line that cannot be read stops the loop (break); golden_reader_close names it. */
    for (const char *word; (word = golden_reader_next(&r)) != NULL;) {
        if (strcmp(word, "case") == 0) {
            if (c) break;   /* the last case has no end */
            GoldenCase *bigger = realloc(out->cases, sizeof *bigger * (size_t)(out->count + 1));
            if (!bigger) break;
            out->cases = bigger;
            c = &out->cases[out->count++];
            memset(c, 0, sizeof *c);
            expect_rows = 0;
            memset(state_rows, 0, sizeof state_rows);
            if (golden_reader_name(&r, c->name, sizeof c->name) != 0) break;
        } else if (!c) {
            break;
        } else if (strcmp(word, "optimizer") == 0) {
            if (golden_reader_name(&r, c->optimizer, sizeof c->optimizer) != 0) break;
        } else if (strcmp(word, "settings") == 0) {
            if (golden_reader_settings(&r, c->settings, &c->num_settings, GOLDEN_MAX_SETTINGS) != 0) break;
        } else if (strcmp(word, "shape") == 0) {
            size_t numel;
            if (c->numel || (c->ndim = golden_reader_shape(&r, c->shape, 4, &numel)) < 0) break;
            c->numel = (int)numel;
        } else if (strcmp(word, "param") == 0) {
            if (c->param || !c->numel || !(c->param = malloc(sizeof(float) * (size_t)c->numel))) break;
            if (golden_reader_floats(&r, c->param, (size_t)c->numel, true) != 0) break;
        } else if (strcmp(word, "grad") == 0) {
            /* A gradient may hold nan or inf: lesson 10's 8-bit Adam is
             * recorded skipping such elements. */
            float *row = add_row(&c->grad, c->steps, c->numel);
            if (!row || golden_reader_floats(&r, row, (size_t)c->numel, false) != 0) break;
            c->steps++;
        } else if (strcmp(word, "expect") == 0) {
            if (expect_rows != c->steps - 1) break;   /* one expect per grad */
            float *row = add_row(&c->expect, expect_rows++, c->numel);
            if (!row || golden_reader_floats(&r, row, (size_t)c->numel, true) != 0) break;
        } else if (strcmp(word, "state") == 0) {
            if (read_state_row(&r, c, state_rows) != 0) break;
        } else if (strcmp(word, "state_shape") == 0) {
            if (read_state_shape(&r, c, state_rows) != 0) break;
        } else if (strcmp(word, "end") == 0) {
            int k = 0;   /* the first state short of a row, if any */
            while (k < c->num_states && state_rows[k] == c->steps) k++;
            if (!c->param || c->steps == 0 || expect_rows != c->steps || k < c->num_states) break;
            c = NULL;
        } else {
            break;
        }
    }
    if (golden_reader_close(&r, c ? c->name : NULL, err, errlen) == 0) return 0;
    golden_free(out);
    return -1;
}

const GoldenCase *golden_find(const GoldenFile *file, const char *name)
{
    for (int i = 0; i < file->count; i++)
        if (strcmp(file->cases[i].name, name) == 0) return &file->cases[i];
    return NULL;
}

int golden_state_index(const GoldenCase *c, const char *state_name)
{
    for (int k = 0; k < c->num_states; k++)
        if (strcmp(c->state_names[k], state_name) == 0) return k;
    return -1;
}

double golden_state_largest(const GoldenCase *c, const char *state_name)
{
    const int k = golden_state_index(c, state_name);
    double largest = 0.0;
    for (size_t e = 0; k >= 0 && e < (size_t)c->steps * c->state_numel[k]; e++)
        largest = fmax(largest, fabs(c->state[k][e]));
    return largest;
}

void golden_free(GoldenFile *file)
{
    for (int i = 0; i < file->count; i++) case_free(&file->cases[i]);
    free(file->cases);
    file->cases = NULL;
    file->count = 0;
}
