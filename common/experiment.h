/* experiment.h - the toolkit of the lesson programs, so that an experiment
 * says what it measures and not how to print it:
 *
 *   LessonArgs, lesson_parse   the flags every lesson program shares
 *   Table                      columns with a header and a printf format;
 *                              widths and alignment are worked out from them
 *   lr_sweep                   a grid of learning rates, a run each, the best
 *   fail, must, floats_new     stop with one line when the program cannot go on
 *   gradient_into, sharpness,  measurements more than one chapter makes
 *   loglog_slope
 *
 * Values for the prose are report_value (report.h); figures are series of
 * (x, y) points (figure_series in plot.h). */
#ifndef COMMON_EXPERIMENT_H
#define COMMON_EXPERIMENT_H

#include <stdbool.h>
#include <stddef.h>

#include "flags.h"
#include "problems.h"
#include "report.h"

/* ---- the flags of a lesson program ---- */

typedef struct {
    int steps;          /* training steps of the final experiment */
    float lr;           /* its learning rate */
    int batch;          /* its mini-batch size */
    int seed;           /* initialisation and batches */
    bool quick;         /* every experiment small: a smoke run of about a second */
    const char *out;    /* where out/ and fig/ go */
} LessonArgs;

#define LESSON_DEFAULTS \
    ((LessonArgs){.steps = 3000, .lr = 0.1f, .batch = 32, .seed = 1, .quick = false, .out = "build"})

/* A lesson's own Args starts with a LessonArgs (or is one), and its flag table
 * starts with LESSON_FLAGS, then LESSON_TRAIN_FLAGS if it trains with --lr and
 * --batch, then its own flags, then {NULL}. */
#define LESSON_FLAGS                                                                                \
    {"steps", OPT_INT, offsetof(LessonArgs, steps), "training steps of the final experiment", 1, 100000}, \
    {"seed", OPT_INT, offsetof(LessonArgs, seed), "seed for initialisation and batches", 0, 0},       \
    {"quick", OPT_BOOL, offsetof(LessonArgs, quick), "small experiments (a smoke run)", 0, 0},        \
    {"out", OPT_STRING, offsetof(LessonArgs, out), "where out/ and fig/ go", 0, 0}
#define LESSON_TRAIN_FLAGS                                                                          \
    {"lr", OPT_FLOAT, offsetof(LessonArgs, lr), "learning rate of the final experiment", 0, 0},      \
    {"batch", OPT_INT, offsetof(LessonArgs, batch), "mini-batch size of the final experiment", 0, 0}

/* Parses argv into args (a LessonArgs first, then the lesson's own fields)
 * as `flags` describes them; prints the help and exits 0 on --help; refuses
 * bad input (also a non-positive --lr, a --batch outside the digits' 1..1437,
 * a negative --seed) with one line and exit status 2. --quick without --steps
 * makes the final experiment 200 steps. */
void lesson_parse(const char *lesson, const OptionSpec *flags, void *args, int argc, char **argv);

/* ---- tables ---- */

typedef struct {
    const char *header;    /* the column's title; '\n' splits it over lines */
    const char *format;    /* one cell: "%d" takes an int, "%s" a string, any
                              other ("%.4f", "%.1e", "%.1f%%") a double */
} Column;

typedef struct Table Table;

/* Starts the table NAME (the book includes out/LESSON/NAME.txt) with the
 * columns up to a {NULL} one. Each column is as wide as its header or its
 * widest cell; strings are aligned left, numbers right. */
Table *table_begin(Report *r, const char *name, const char *title, const Column *columns);
/* A NaN in a column of doubles shows as "-", or as `text` ("never", "grows"):
 * a run that has no number to show. */
void table_nan_text(Table *t, int column, const char *text);
/* A line of text: above the header if no row came yet, below the rows after. */
void table_note(Table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One row: a value for each column, of the type its format takes. */
void table_row(Table *t, ...);
/* Prints the table, saves it, frees it. */
void table_end(Table *t);

/* ---- learning-rate sweeps ---- */

#define SWEEP_MAX 64

/* One run at lr, scored: lower is better, INFINITY for a failed run. to_beat
 * is the best score so far: a run that cannot beat it may stop early. */
typedef double SweepRun(float lr, double to_beat, void *ctx);

typedef struct {
    int count;
    float lr[SWEEP_MAX];
    double score[SWEEP_MAX];
    int best;               /* the lowest score's index (the first, on a tie);
                               -1 if no run scored below the to_beat it began with */
} Sweep;

/* Runs `run` at each lr of the grid, in order. */
Sweep lr_sweep(const float *lrs /* [count] */, int count, double to_beat, SweepRun *run, void *ctx);
/* A grid of learning rates evenly spaced on a log scale:
 * lrs[k] = 10^((first + k) / per_decade). */
void lr_grid(float *lrs /* [count] */, int count, int first, int per_decade);

/* ---- stopping ---- */

/* Prints the message on stderr and exits with status 1: something that
 * should not fail did (memory ran out, a run that must converge diverged). */
_Noreturn void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* ptr, or fail with `why` when it is NULL: must(mlp_new(32, 1, err, sizeof err), err). */
void *must(void *ptr, const char *why);
/* n floats (uninitialised), or fail with "out of memory". */
float *floats_new(size_t n);

/* ---- measurements ---- */

/* The gradient of p's loss on the examples batch[size] (all of them when
 * batch is NULL) at p's parameters, into grad[numel of p's parameters]. */
void gradient_into(Problem *p, const int *batch, int size, float *grad);

/* The largest eigenvalue of the Hessian at p's parameters, by power iteration
 * with Hessian-vector products from differences of gradients. */
double sharpness(Problem *p, int iterations);
/* The least-squares slope of log y against log x. */
double loglog_slope(const double *x /* [n] */, const double *y /* [n] */, int n);

#endif
