/* experiment.h - the toolkit of the lesson programs, so that an experiment
 * says what it measures and not how to print it:
 *
 *   LessonArgs, lesson_parse,  the flags every lesson program shares; the
 *   lesson_open, lesson_steps  report opened at --out; steps from --steps
 *   Table                      columns with a header and a printf format;
 *                              widths and alignment are worked out from them
 *   lr_sweep                   a grid of learning rates, a run each, the best
 *   loss_figure, step_figure,  the figures every chapter draws: loss curves,
 *   ravine_map                 curves over steps, paths on the map of the ravine
 *   fail, must, floats_new,    stop with one line when the program cannot go on
 *   doubles_new, must_mlp,
 *   must_gpt
 *   gradient_into, sharpness,  measurements more than one chapter makes
 *   loglog_slope(_over), log_crossing,
 *   spread, steps_until_below,
 *   first_step_reaching,
 *   decades, index_of_max/min,
 *   sort_median, sweep_band,
 *   sweep_lr_band, figure_sweep,
 *   figure_heatmap, figure_period_means,
 *   windows_lowest,
 *   tensor_mean_squares,
 *   max_abs_difference,
 *   tensor_grad_rms,
 *   param_norm
 *   next_log_step              the rows of a table over a long run
 *   parallel_jobs              independent runs on every processor at once
 *
 * The runs themselves (a Run, its loss curve, steps to a target, sweeps over
 * them) are in runs.h. Values for the prose are report_value (report.h);
 * figures are series of (x, y) points (figure_series, figure_curve in plot.h). */
#ifndef COMMON_EXPERIMENT_H
#define COMMON_EXPERIMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
    bool steps_given;   /* --steps was on the command line (set by lesson_parse) */
} LessonArgs;

#define LESSON_DEFAULTS \
    ((LessonArgs){.steps = 3000, .lr = 0.1f, .batch = 32, .seed = 1, .quick = false, .out = "build"})

/* A lesson's own Args starts with a LessonArgs (or is one), and its flag table
 * starts with LESSON_FLAGS("what --steps counts in this lesson, and its floor if
 * it has one"), then LESSON_TRAIN_FLAGS(...) if it trains with --lr and
 * --batch, then its own flags, then {NULL}. */
#define LESSON_FLAGS(steps_help)                                                                    \
    {"steps", OPT_INT, offsetof(LessonArgs, steps), steps_help, 1, 100000},                           \
    {"seed", OPT_INT, offsetof(LessonArgs, seed), "seed for initialisation and batches", 0, 0},       \
    {"quick", OPT_BOOL, offsetof(LessonArgs, quick), "small experiments (a smoke run)", 0, 0},        \
    {"out", OPT_STRING, offsetof(LessonArgs, out), "where out/ and fig/ go", 0, 0}
/* lr_help and batch_help say which runs the two set; a batch is at least
 * batch_min and at most the digits' 1437 training images. */
#define LESSON_TRAIN_FLAGS(lr_help, batch_help, batch_min)                                           \
    {"lr", OPT_FLOAT, offsetof(LessonArgs, lr), lr_help, 0, 0},                                      \
    {"batch", OPT_INT, offsetof(LessonArgs, batch), batch_help, batch_min, DIGITS_TRAIN_COUNT}

/* Parses argv into args (a LessonArgs first, then the lesson's own fields)
 * as `flags` describes them; prints the help and exits 0 on --help; refuses
 * bad input (also a non-positive --lr, a --batch outside the digits' 1..1437,
 * a negative --seed) with one line and exit status 2. --quick without --steps
 * makes the final experiment 200 steps. */
void lesson_parse(const char *lesson, const OptionSpec *flags /* up to a {NULL} entry */, void *args, int argc,
                  char **argv /* [argc] */);
/* lesson_parse, then report_open of r at the --out it parsed, as every
 * lesson program begins: exits with status EXIT_USAGE (2) when that
 * directory cannot take the lesson's files (report_open says why). */
void lesson_open(Report *r, const char *lesson, const OptionSpec *flags /* up to a {NULL} entry */, void *args,
                 int argc, char **argv /* [argc] */);
/* An experiment's steps from --steps: a->steps, a `quick_share`-th of it
 * with --quick (a smoke run), and never fewer than `at_least`, the steps
 * it needs to have something to measure. */
int lesson_steps(const LessonArgs *a, int quick_share, int at_least);

/* ---- tables ---- */

typedef struct {
    const char *header;    /* the column's title; '\n' splits it over lines */
    const char *format;    /* one cell: "%d" takes an int, "%s" a string, a
                              %f, %e or %g ("%.4f", "%.1e", "%.1f%%") a double;
                              any other conversion is refused */
} Column;

typedef struct Table Table;

/* Starts the table NAME (the book includes out/LESSON/NAME.txt) with the
 * columns up to a {NULL} one. Each column is as wide as its header or its
 * widest cell; strings are aligned left, numbers right. */
Table *table_begin(Report *r, const char *name, const char *title,
                   const Column *columns /* up to a {NULL, NULL} entry */);
/* A NaN in a column of doubles shows as "-", or as `text` ("never", "grows"):
 * a run that has no number to show. */
void table_nan_text(Table *t, int column, const char *text);
/* A line of text: above the header if no row came yet, below the rows after. */
void table_note(Table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A long text (a message the program received, a run's diagnosis) as
 * notes of at most `width` of its characters each, each after `indent`:
 * broken at spaces (the spaces there dropped), or inside a word longer
 * than a line. */
void table_note_wrapped(Table *t, const char *indent, const char *text, int width);
/* Sets a column's header from a format, in place of its Column's: a header
 * that names a number of the program ("loss after\n%d steps"). */
void table_header(Table *t, int column, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* One row: a value for each column, of the type its format takes. A %f
 * column shows a value of 1e15 or more in size as %.4g: a diverged run's
 * loss, whose thirty digits in fixed notation would be noise. */
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
/* The learning rates around a sweep's best whose scores are all within
 * `factor` of the best score: the indices *lo .. *hi, the band where the lr
 * hardly matters (*lo = 0, *hi = -1 when the sweep has no best). */
void sweep_band(const Sweep *s, double factor, int *lo, int *hi);
/* The same band as learning rates: from, to, and the decades it spans,
 * log10(to / from); all NAN when the sweep has no best. */
typedef struct {
    double from, to, decades;
} LrBand;
LrBand sweep_lr_band(const Sweep *s, double factor);
/* A grid of learning rates evenly spaced on a log scale:
 * lrs[k] = 10^((first + k) / per_decade). */
void lr_grid(float *lrs /* [count] */, int count, int first, int per_decade);

/* ---- figures ---- */

/* Starts the figure NAME of the loss against the step, the loss on a log
 * scale; `settings` are its own gnuplot lines after those (a range, the key).
 * Add its curves with figure_curve. */
Figure *loss_figure(Report *r, const char *name, const char *settings);

/* Starts the figure NAME of a quantity against the step, steps 0 to
 * `last` on linear axes (a learning rate, a momentum, a noisy batch loss),
 * y_label up the side; `settings` are its own gnuplot lines after those.
 * Add its curves with figure_curve. */
Figure *step_figure(Report *r, const char *name, const char *y_label, int last, const char *settings);

/* Adds a series of a sweep's points (lr, score), a gap in its line at each
 * failed run (a score that is not finite): a score against the learning
 * rate, on log scales. Returns the series' number, as figure_series. */
int figure_sweep(Figure *fig, const char *style, const Sweep *s, const char *title_fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Adds the points of series (figure_series) for a long curve that swings
 * with a period, on a log axis of steps: at steps `period`, then about 3%
 * further each time (at least a period), each rounded down to a multiple of
 * `period`, the mean of x over the period that ends there. */
void figure_period_means(Figure *fig, int series, const double *x /* [last + 1] */, int period, int last);

/* A heat map: a measure over a grid of two settings (the final loss over
 * learning rate and weight decay), one coloured cell for each (x[i], y[j])
 * with its number z[j nx + i] written on it. The cells sit at even steps
 * whatever the values, so a grid even on a log scale reads as log axes (and
 * a 0 may lead it); the tics are labelled with the values themselves. */
typedef struct {
    const char *name;                 /* of its data block: unique in a figure */
    const double *x;                  /* [nx] across */
    int nx;
    const char *x_label, *x_format;   /* "%g" */
    const double *y;                  /* [ny] up */
    int ny;
    const char *y_label, *y_format;
    const double *z;                  /* [ny * nx]: z[j nx + i] at (x[i], y[j]) */
    const char *title, *cell_format;  /* the plot's title; each cell's number ("%.2f") */
    const char *nan_text;             /* on a cell whose z is not finite (left white) */
    double z_low, z_high;             /* the colour range (both > 0);
                                         NAN: the finite z's own */
    int best_i, best_j;               /* the cell framed (-1: none) */
} HeatMap;

/* Writes map's data and its plot command to fig: light (low z, better) to
 * dark, on a log scale when the range spans more than a decade. Several maps side by side go in a `set multiplot` the caller writes
 * around them; each map sets (and resets) its own ranges, tics and frame. */
void figure_heatmap(Figure *fig, const HeatMap *map);

/* How a map of the ravine is framed: 6 inches wide and height_in tall, x
 * across and y up at the same scale, x from x_min to 5 and y within +-y_max. */
typedef struct {
    double height_in;
    double x_min, y_max;
    const char *x_label;   /* y is always the steep wall */
    const char *key;       /* where gnuplot puts the key: "outside right" */
} MapView;

/* The loss levels of the contour lines on every map of the ravine. */
#define MAP_LEVELS 6
extern const double MAP_LEVEL[MAP_LEVELS];

/* Starts the figure NAME: a map of a 2-D ravine (quadratic) with its contour
 * lines, for the paths of runs drawn on it (figure_path in path_plot.h). */
Figure *ravine_map(Report *r, const char *name, const Problem *ravine, MapView view);

/* ---- running in parallel ---- */

/* One job of parallel_jobs: job i writes its `width` results to out. */
typedef void ParallelJob(int i, void *ctx, double *out /* [width] */);

/* Runs job(i, ctx, out + i width) for i = 0 .. count - 1, spread over the
 * machine's processors in forked processes: a job sees the program's memory
 * as it was at the call, and what it changes there is lost, but for its
 * results. They are the same as in one process, whatever the number of
 * processors, so a sweep of independent runs takes a fraction of the time.
 * Fails (status 1) if a process does. */
void parallel_jobs(int count, int width, double *out /* [count * width] */, ParallelJob *job, void *ctx);

/* ---- stopping ---- */

/* Prints the message on stderr and exits with status 1: something that
 * should not fail did (memory ran out, a run that must converge diverged). */
_Noreturn void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* ptr, or fail with `why` when it is NULL: must(mlp_new(32, 1, err, sizeof err), err). */
void *must(void *ptr, const char *why);
/* n floats (uninitialised), or fail with "out of memory". */
float *floats_new(size_t n);
/* n doubles set to 0, or fail with "out of memory": what a run records at
 * each of its steps. */
double *doubles_new(size_t n);
/* mlp_new(hidden, seed), or fail with its message (the digits data could
 * not be read). */
Problem *must_mlp(int hidden, uint64_t seed);
/* The tiny GPT on the character language (problems.h's "gpt", or with
 * quick its small "gpt:quick" for a smoke run) from the start of seed, or
 * fail with its message. */
Problem *must_gpt(bool quick, uint64_t seed);

/* ---- measurements ---- */

/* The gradient of p's loss on the examples batch[size] (all of them when
 * batch is NULL) at p's parameters, into grad[numel of p's parameters]. */
void gradient_into(Problem *p, const int *batch /* [size] or NULL */, int size,
                   float *grad /* [paramlist_numel(&p->params)] */);

/* The largest |eigenvalue| of the Hessian at p's parameters (the top
 * curvature where the Hessian has no large negative one), by power iteration
 * with Hessian-vector products from differences of gradients. */
double sharpness(Problem *p, int iterations);
/* The least-squares slope of log y against log x. */
double loglog_slope(const double *x /* [n] */, const double *y /* [n] */, int n);
/* The slope of log y[t] against log t for t = from..to (from >= 1), over the
 * finite y: how a quantity of a run falls with the step (-1/2: like 1/sqrt t).
 * NAN with fewer than two finite points. */
double loglog_slope_over(const double *y /* [to + 1] */, int from, int to);

/* The x at which y first crosses `level` going along x[n], interpolated
 * between the two points around it on log scales (x, y and level > 0):
 * where a measured curve meets a line. NAN if it does not cross. */
double log_crossing(const double *x /* [n] */, const double *y /* [n] */, int n, double level);

/* log10 of the largest over the smallest of x[n] (all > 0): how many
 * decades the values span. */
double decades(const double *x /* [n] */, int n);
/* The index of the largest (smallest) of x[n], n >= 1: the first, on a tie. */
int index_of_max(const double *x /* [n] */, int n);
int index_of_min(const double *x /* [n] */, int n);
/* The largest |a[i] - b[i]| over n numbers (the difference taken in
 * float, as the numbers are), or with b NULL the largest |a[i]|: how far
 * apart two sets of parameters or gradients ended, and on what scale. NaN
 * if a difference is NaN (a NaN on either side): never 0 for NaN weights. */
double max_abs_difference(const float *a /* [n] */, const float *b /* [n] or NULL */, size_t n);
/* Sorts x[n] in place, smallest first, and returns its median x[n / 2]
 * (n >= 1; x[0] is then the smallest). */
float sort_median(float *x /* [n] */, size_t n);
/* Adds each tensor's mean square over `samples` samples to ms[l->count]: of
 * its gradient (before NULL), or of its change since `before`, the flat
 * parameters before a step. sqrt(ms[i]) is then tensor i's RMS gradient or
 * step: how fast each part of a model moves. */
void tensor_mean_squares(const ParamList *l, const float *before /* [numel] or NULL */, int samples,
                         double *ms /* [l->count] */);

/* Each tensor's RMS gradient of p's loss on the examples batch[size] (all
 * of them when batch is NULL) at p's parameters, into rms[p's tensors]: how
 * differently the parts of a model are pulled. */
void tensor_grad_rms(Problem *p, const int *batch /* [size] or NULL */, int size,
                     double *rms /* [p->params.count] */);

/* The Euclidean norm of the parameter named `name` ("fc1.weight"); fails
 * when l has none. How large a tensor has grown: what weight decay holds
 * back. */
double param_norm(const ParamList *l, const char *name);

/* The first step after which y stays below `level` up to step `last`
 * (last + 1: it does not end below): when a quantity of a run has settled. */
int steps_until_below(const double *y /* [last + 1] */, int last, double level);
/* The first step t at which y[t] >= level (last + 1: never): when a rising
 * quantity of a run gets there. */
int first_step_reaching(const double *y /* [last + 1] */, int last, double level);
/* The step after t of the rows of a table over a run of `last` steps:
 * 0, 1, 3, 10, 30, 100 ... and the last; -1 after the last:
 *     for (int t = 0; t >= 0; t = next_log_step(t, steps)) table_row(...); */
int next_log_step(int t, int last);

/* In how many of `windows` windows of `window` steps curve `lead`'s mean
 * is below every other of curves[count]'s (each curve
 * [windows * window]): how often one run is ahead of the others. */
int windows_lowest(const double *const *curves /* [count] */, int count, int lead, int window, int windows);

/* The mean of x[n] (summed in the order of x) and its lowest and highest,
 * n >= 1: the same run from several seeds. */
typedef struct {
    double mean, low, high;
} Spread;
Spread spread(const double *x /* [n] */, int n);

#endif
