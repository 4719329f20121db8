/* schedule_golden.h - reading tests/golden/schedules.txt, the learning
 * rates PyTorch's own schedulers (and nanoGPT's get_lr) give, step by step
 * (written by tools/make_golden.py):
 *
 *     case NAME
 *     schedule cosine                      (optlab's name: linear cosine onecycle
 *                                           warmup_cosine sequential)
 *     settings lr=0.1 T_max=10             (optlab's keys: PyTorch's names and lr)
 *     lr <steps numbers>                   (the lr in effect at steps 0, 1, ...)
 *     momentum <steps numbers>             (optional, OneCycleLR: SGD's momentum)
 *     beta1 <steps numbers>                (optional, OneCycleLR: Adam's betas[0])
 *     end
 *
 * The numbers are Python floats written with repr: strtod reads back the
 * very doubles PyTorch computed. Lines starting with # are comments. The
 * lesson's tests and optlab's read it. */
#ifndef LESSON_SCHEDULE_GOLDEN_H
#define LESSON_SCHEDULE_GOLDEN_H

#include <stddef.h>

#define SCHEDULE_GOLDEN_MAX_SETTINGS 16
#define SCHEDULE_GOLDEN_MAX_SERIES 4

typedef struct {
    char name[64];
    char schedule[32];
    int num_settings;
    char *settings[SCHEDULE_GOLDEN_MAX_SETTINGS];   /* "key=value" */
    int steps;                                       /* numbers in each series */
    int num_series;
    char series_names[SCHEDULE_GOLDEN_MAX_SERIES][16];   /* "lr" first */
    double *series[SCHEDULE_GOLDEN_MAX_SERIES];          /* series[k][steps] */
} ScheduleCase;

typedef struct {
    int count;
    ScheduleCase *cases;
} ScheduleGoldenFile;

/* Reads a file of this format: every case has an lr series, and every
 * series of a case as many numbers as its lr. Returns 0, or -1 with a
 * message in err. */
int schedule_golden_load(const char *path, ScheduleGoldenFile *out, char *err, size_t errlen);
/* The case with the given name, or NULL. */
const ScheduleCase *schedule_golden_find(const ScheduleGoldenFile *file, const char *name);
/* Series `name` of case c ("lr", "momentum", "beta1"), or NULL. */
const double *schedule_golden_series(const ScheduleCase *c, const char *name);
void schedule_golden_free(ScheduleGoldenFile *file);

#endif
