/* golden.c - the reader for the files in tests/golden/ (see golden.h). */
#include "golden.h"

#include <stdbool.h>
#include <stdio.h>
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

/* Reads exactly n numbers from text into out. Returns 0 or -1. */
static int read_numbers(char *text, float *out, int n)
{
    int count = 0;
    for (char *tok = strtok(text, " \t\r\n"); tok; tok = strtok(NULL, " \t\r\n")) {
        double v;
        if (count == n || parse_double(tok, &v) != 0) return -1;
        out[count++] = (float)v;
    }
    return count == n ? 0 : -1;
}

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

int golden_load(const char *path, GoldenFile *out, char *err, size_t errlen)
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
    int expect_rows = 0, state_rows[GOLDEN_MAX_STATES] = {0};  /* rows read in this case */
    GoldenCase *c = NULL;
    while (getline(&line, &cap, in) > 0) {
        lineno++;
        char *rest = line + strspn(line, " \t");
        if (*rest == '#' || *rest == '\n' || *rest == '\0') continue;
        char word[32];
        int used = 0;
        if (sscanf(rest, "%31s%n", word, &used) != 1) continue;
        rest += used;
        if (strcmp(word, "case") == 0) {
            GoldenCase *bigger = realloc(out->cases, sizeof *bigger * (size_t)(out->count + 1));
            if (!bigger) goto fail;
            out->cases = bigger;
            c = &out->cases[out->count++];
            memset(c, 0, sizeof *c);
            expect_rows = 0;
            memset(state_rows, 0, sizeof state_rows);
            if (sscanf(rest, "%95s", c->name) != 1) goto fail;
        } else if (!c) {
            goto fail;
        } else if (strcmp(word, "optimizer") == 0) {
            if (sscanf(rest, "%31s", c->optimizer) != 1) goto fail;
        } else if (strcmp(word, "settings") == 0) {
            for (char *tok = strtok(rest, " \t\r\n"); tok; tok = strtok(NULL, " \t\r\n")) {
                if (c->num_settings == GOLDEN_MAX_SETTINGS) goto fail;
                c->settings[c->num_settings++] = strdup(tok);
            }
        } else if (strcmp(word, "shape") == 0) {
            c->numel = 1;
            for (char *tok = strtok(rest, " \t\r\n"); tok; tok = strtok(NULL, " \t\r\n")) {
                if (c->ndim == 4) goto fail;
                c->shape[c->ndim] = atoi(tok);
                if (c->shape[c->ndim] <= 0) goto fail;
                c->numel *= c->shape[c->ndim++];
            }
        } else if (strcmp(word, "param") == 0) {
            c->param = malloc(sizeof(float) * (size_t)c->numel);
            if (!c->numel || !c->param || read_numbers(rest, c->param, c->numel) != 0) goto fail;
        } else if (strcmp(word, "grad") == 0) {
            float *row = add_row(&c->grad, c->steps, c->numel);
            if (!row || read_numbers(rest, row, c->numel) != 0) goto fail;
            c->steps++;
        } else if (strcmp(word, "expect") == 0) {
            if (expect_rows != c->steps - 1) goto fail;   /* one expect per grad */
            float *row = add_row(&c->expect, expect_rows++, c->numel);
            if (!row || read_numbers(rest, row, c->numel) != 0) goto fail;
        } else if (strcmp(word, "state") == 0 || strcmp(word, "state_shape") == 0) {
            char name[32];
            bool shape_line = strcmp(word, "state_shape") == 0;
            if (sscanf(rest, "%31s%n", name, &used) != 1 || (!shape_line && c->steps == 0)) goto fail;
            int k = golden_state_index(c, name);
            if (k < 0) {   /* a new state, shaped like the parameter until told */
                if (c->num_states == GOLDEN_MAX_STATES || c->numel == 0) goto fail;
                k = c->num_states++;
                snprintf(c->state_names[k], sizeof c->state_names[k], "%s", name);
                c->state_ndim[k] = c->ndim;
                memcpy(c->state_shape[k], c->shape, sizeof c->shape);
                c->state_numel[k] = c->numel;
            }
            if (shape_line) {   /* before the state's first row */
                if (state_rows[k] != 0) goto fail;
                c->state_ndim[k] = 0;
                c->state_numel[k] = 1;
                for (char *tok = strtok(rest + used, " \t\r\n"); tok; tok = strtok(NULL, " \t\r\n")) {
                    int size = atoi(tok);
                    if (c->state_ndim[k] == 4 || size <= 0) goto fail;
                    c->state_shape[k][c->state_ndim[k]++] = size;
                    c->state_numel[k] *= size;
                }
                continue;
            }
            if (state_rows[k] != c->steps - 1) goto fail;  /* one row per step */
            float *row = add_row(&c->state[k], state_rows[k]++, c->state_numel[k]);
            if (!row || read_numbers(rest + used, row, c->state_numel[k]) != 0) goto fail;
        } else if (strcmp(word, "end") == 0) {
            if (!c->param || c->steps == 0 || expect_rows != c->steps) goto fail;
            for (int k = 0; k < c->num_states; k++)
                if (state_rows[k] != c->steps) goto fail;
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
    if (status != 0) golden_free(out);
    return status;
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

void golden_free(GoldenFile *file)
{
    for (int i = 0; i < file->count; i++) case_free(&file->cases[i]);
    free(file->cases);
    file->cases = NULL;
    file->count = 0;
}
