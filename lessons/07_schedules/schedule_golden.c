/* schedule_golden.c - the reader for tests/golden/schedules.txt (see
 * schedule_golden.h), one loop over golden.h's line reader. */
#include "schedule_golden.h"

#include <stdlib.h>
#include <string.h>

#include "golden.h"
#include "input.h"

/* The rest of the line: its numbers, as many as there are, into a new
 * array *out (free it). Returns how many, or -1 when one is not a finite
 * number. */
static int read_series(GoldenReader *r, double **out)
{
    int count = 0, room = 0;
    *out = NULL;
    for (const char *word; (word = golden_reader_word(r)) != NULL;) {
        if (count == room) {
            room = 2 * room + 16;
            double *bigger = realloc(*out, sizeof(double) * (size_t)room);
            if (!bigger) return -1;
            *out = bigger;
        }
        if (parse_double(word, &(*out)[count++]) != 0) return -1;
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
    GoldenReader r;
    if (golden_reader_open(&r, path, err, errlen) != 0) return -1;
    ScheduleCase *c = NULL;
    /* A line that cannot be read stops the loop (break); golden_reader_close names it. */
    for (const char *word; (word = golden_reader_next(&r)) != NULL;) {
        if (strcmp(word, "case") == 0) {
            if (c) break;   /* the last case has no end */
            ScheduleCase *bigger = realloc(out->cases, sizeof *bigger * (size_t)(out->count + 1));
            if (!bigger) break;
            out->cases = bigger;
            c = &out->cases[out->count++];
            memset(c, 0, sizeof *c);
            c->steps = -1;
            if (golden_reader_name(&r, c->name, sizeof c->name) != 0) break;
        } else if (!c) {
            break;
        } else if (strcmp(word, "schedule") == 0) {
            if (golden_reader_name(&r, c->schedule, sizeof c->schedule) != 0) break;
        } else if (strcmp(word, "settings") == 0) {
            if (golden_reader_settings(&r, c->settings, &c->num_settings, SCHEDULE_GOLDEN_MAX_SETTINGS) != 0)
                break;
        } else if (strcmp(word, "end") == 0) {
            if (!c->schedule[0] || !schedule_golden_series(c, "lr") || c->steps < 1) break;
            c = NULL;
        } else {
            /* a series: lr, momentum, beta1; each once, all of one length */
            if (strlen(word) >= sizeof c->series_names[0] || schedule_golden_series(c, word) ||
                c->num_series == SCHEDULE_GOLDEN_MAX_SERIES)
                break;
            int k = c->num_series++;
            strcpy(c->series_names[k], word);
            int n = read_series(&r, &c->series[k]);
            if (n < 1 || (c->steps >= 0 && n != c->steps)) break;
            c->steps = n;
        }
    }
    if (golden_reader_close(&r, c ? c->name : NULL, err, errlen) == 0) return 0;
    schedule_golden_free(out);
    return -1;
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
