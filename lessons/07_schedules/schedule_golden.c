/* schedule_golden.c - the reader for tests/golden/schedules.txt (see
 * schedule_golden.h). */
#include "schedule_golden.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"

/* The numbers of text, as many as there are, into a new array *out (free
 * it). Returns how many, or -1 when one is not a finite number. */
static int read_numbers(char *text, double **out)
{
    int count = 0, room = 0;
    *out = NULL;
    for (char *tok = strtok(text, " \t\r\n"); tok; tok = strtok(NULL, " \t\r\n")) {
        if (count == room) {
            room = 2 * room + 16;
            double *bigger = realloc(*out, sizeof(double) * (size_t)room);
            if (!bigger) return -1;
            *out = bigger;
        }
        if (parse_double(tok, &(*out)[count++]) != 0) return -1;
    }
    return count;
}

static void case_free(ScheduleCase *c)
{
    for (int i = 0; i < c->num_settings; i++) free(c->settings[i]);
    for (int k = 0; k < c->num_series; k++) free(c->series[k]);
    memset(c, 0, sizeof *c);
}

int schedule_golden_load(const char *path, ScheduleGoldenFile *out, char *err, size_t errlen)
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
    ScheduleCase *c = NULL;
    while (getline(&line, &cap, in) > 0) {
        lineno++;
        char *rest = line + strspn(line, " \t");
        if (*rest == '#' || *rest == '\n' || *rest == '\r' || *rest == '\0') continue;
        char word[32];
        int used = 0;
        if (sscanf(rest, "%31s%n", word, &used) != 1) continue;
        rest += used;
        if (strcmp(word, "case") == 0) {
            if (c) goto fail;   /* the last case has no end */
            ScheduleCase *bigger = realloc(out->cases, sizeof *bigger * (size_t)(out->count + 1));
            if (!bigger) goto fail;
            out->cases = bigger;
            c = &out->cases[out->count++];
            memset(c, 0, sizeof *c);
            c->steps = -1;
            if (sscanf(rest, "%63s", c->name) != 1) goto fail;
        } else if (!c) {
            goto fail;
        } else if (strcmp(word, "schedule") == 0) {
            if (sscanf(rest, "%31s", c->schedule) != 1) goto fail;
        } else if (strcmp(word, "settings") == 0) {
            for (char *tok = strtok(rest, " \t\r\n"); tok; tok = strtok(NULL, " \t\r\n")) {
                if (c->num_settings == SCHEDULE_GOLDEN_MAX_SETTINGS) goto fail;
                if (!(c->settings[c->num_settings++] = strdup(tok))) goto fail;
            }
        } else if (strcmp(word, "end") == 0) {
            if (!c->schedule[0] || !schedule_golden_series(c, "lr") || c->steps < 1) goto fail;
            c = NULL;
        } else {
            /* a series: lr, momentum, beta1; each once, all of one length */
            if (strlen(word) >= sizeof c->series_names[0] || schedule_golden_series(c, word) ||
                c->num_series == SCHEDULE_GOLDEN_MAX_SERIES)
                goto fail;
            int k = c->num_series++;
            snprintf(c->series_names[k], sizeof c->series_names[k], "%s", word);
            int n = read_numbers(rest, &c->series[k]);
            if (n < 1 || (c->steps >= 0 && n != c->steps)) goto fail;
            c->steps = n;
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
    if (status != 0) schedule_golden_free(out);
    return status;
}

const ScheduleCase *schedule_golden_find(const ScheduleGoldenFile *file, const char *name)
{
    for (int i = 0; i < file->count; i++)
        if (strcmp(file->cases[i].name, name) == 0) return &file->cases[i];
    return NULL;
}

const double *schedule_golden_series(const ScheduleCase *c, const char *name)
{
    for (int k = 0; k < c->num_series; k++)
        if (strcmp(c->series_names[k], name) == 0) return c->series[k];
    return NULL;
}

void schedule_golden_free(ScheduleGoldenFile *file)
{
    for (int i = 0; i < file->count; i++) case_free(&file->cases[i]);
    free(file->cases);
    file->cases = NULL;
    file->count = 0;
}
