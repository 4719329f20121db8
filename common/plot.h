/* plot.h - figures through a pipe to gnuplot.
 *
 * A program writes its data as gnuplot data blocks and its plot commands as
 * text; figure_close() saves both in one self-contained script NAME.gp and,
 * when gnuplot is installed, pipes the script to it to draw NAME.svg (for the
 * HTML book) and NAME.pdf (for the PDF book). Without gnuplot the program
 * still runs: it keeps NAME.gp and says so in one line.
 *
 *     Figure *fig = figure_open("build/fig", "01_lr_dilemma");
 *     fprintf(figure_data(fig), "$loss << EOD\n1 0.5\n2 0.25\nEOD\n");
 *     fprintf(figure_commands(fig), "plot $loss with lines ls 1\n");
 *     figure_close(fig);
 *
 * Most figures are lines of (x, y) points. Name each line as a series, add
 * its points, and figure_close() writes the data blocks and the plot command
 * (after any `set` lines written to figure_commands):
 *
 *     Figure *fig = figure_open("build/fig", "01_lr_dilemma");
 *     fprintf(figure_commands(fig), "set logscale y\n");
 *     int s = figure_series(fig, "lines ls 1", "lr = %g", 0.5);
 *     for (int t = 0; t <= steps; t++) figure_point(fig, s, t, loss[t]);
 *     figure_close(fig);
 *
 * Line styles 1..8 are a colour-blind-safe palette (Okabe and Ito), the same
 * in every figure of the book. */
#ifndef COMMON_PLOT_H
#define COMMON_PLOT_H

#include <stdarg.h>
#include <stdio.h>

typedef struct Figure Figure;

/* Starts a figure named NAME in directory dir (created if missing). NULL on
 * failure, with the reason on stderr: also when a name is too long or holds a
 * control character, which a gnuplot script cannot carry. */
Figure *figure_open(const char *dir, const char *name);
FILE *figure_data(Figure *fig);       /* data blocks: $name << EOD ... EOD */
FILE *figure_commands(Figure *fig);   /* set ..., plot ... */
/* Size in inches for the PDF (the SVG keeps the same proportions). Default 5.5 x 3.4. */
void figure_size(Figure *fig, double width_in, double height_in);
/* Series: lines of the plot command, in the order they are added. */
#define FIGURE_MAX_SERIES 16
/* Adds a series drawn `with STYLE` ("lines ls 1", "linespoints ls 2 dt 2")
 * and titled in the key (an empty title: none). Returns its number for
 * figure_point, or -1 past FIGURE_MAX_SERIES or out of memory (figure_close
 * then fails, saying which). */
int figure_series(Figure *fig, const char *style, const char *title_fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same with the title's arguments in a va_list: for the functions that
 * add a series with a title of the caller's (figure_curve, figure_path). */
int figure_series_v(Figure *fig, const char *style, const char *title_fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
/* Adds the point (x, y) to a series. A point that is not finite is left out:
 * gnuplot cannot place it (a diverged run's loss, a zero on a log scale is
 * the caller's to leave out). */
void figure_point(Figure *fig, int series, double x, double y);
/* Ends one piece of a series' line: the next point starts a new one (the
 * separate ellipses of a contour plot). */
void figure_gap(Figure *fig, int series);
/* Adds a series of the points (t, y[t]) for t = first..last: a curve over
 * the steps of a run (y is a TrainHistory's loss, or what a run recorded at
 * each step). Returns the series' number, as figure_series. */
int figure_curve(Figure *fig, const char *style, const double *y /* [last + 1] */, int first, int last,
                 const char *title_fmt, ...) __attribute__((format(printf, 6, 7)));

/* Adds a series of the points (x[i], y[i]) for i = 0..n - 1: a measure
 * against a setting (steps against kappa, loss against lr). Returns the
 * series' number. */
int figure_xy(Figure *fig, const char *style, const double *x /* [n] */, const double *y /* [n] */, int n,
              const char *title_fmt, ...) __attribute__((format(printf, 6, 7)));
/* Adds a series of the points (i every, y[i]) for i = 0..n - 1: a measure
 * taken every `every` steps of a run (a validation loss), y[0] at the start.
 * Returns the series' number. */
int figure_every(Figure *fig, const char *style, const double *y /* [n] */, int n, int every,
                 const char *title_fmt, ...) __attribute__((format(printf, 6, 7)));
/* Adds a series of one level line, y from x = x0 to x1: a floor no run can
 * go below, a baseline to beat. Returns the series' number. */
int figure_hline(Figure *fig, const char *style, double x0, double x1, double y, const char *title_fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Adds a series of the means of y over windows of `window` steps: the mean
 * of y[w window .. (w + 1) window - 1] at the window's middle, for w =
 * 0..count - 1. A noisy run's curve, smoothed: y[count window - 1] is its
 * last point. Returns the series' number, as figure_series. */
int figure_window_means(Figure *fig, const char *style, const double *y /* [count * window] */, int window,
                        int count, const char *title_fmt, ...) __attribute__((format(printf, 6, 7)));
/* Adds a series of the trailing means of y over `window` steps: at x = i + 1
 * the mean of y[i - window + 1 .. i], for i = window - 1 .. n - 1 (y[i] is
 * the loss of step i + 1). A noisy run's curve smoothed, each point at the
 * last step it covers (figure_window_means puts one per window, at its
 * middle). Returns the series' number. */
int figure_trailing_means(Figure *fig, const char *style, const double *y /* [n] */, int n,
                          int window, const char *title_fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Adds a series of the points (t, y[t]) for t = 1, 2 ... 20, then each about
 * 5% past the one before, up to `last`: a curve over steps on a log axis,
 * its points evenly spread there. Returns the series' number. */
int figure_log_curve(Figure *fig, const char *style, const double *y /* [last + 1] */, int last,
                     const char *title_fmt, ...) __attribute__((format(printf, 5, 6)));

/* Writes NAME.gp, draws it if gnuplot is available, frees the figure.
 * Returns 0 if the figure was drawn, 1 if only the script was written
 * (no gnuplot), -1 on error (with a message on stderr). */
int figure_close(Figure *fig);

/* Lets figure_close return as soon as gnuplot has the script, and the
 * program compute on while gnuplot draws (a lesson's figures take gnuplot
 * 0.1 to 0.2 s each: drawn one after another, half of a --quick run).
 * figure_close then returns 0 once gnuplot has started; figures_finish
 * says how the drawing went. A report's figures are drawn so. */
void figure_draw_in_background(Figure *fig);

/* Waits until every figure drawn in the background is drawn. Returns 0, or
 * -1 if gnuplot failed on one, or if a figure_close failed since the last
 * call (each named on stderr). */
int figures_finish(void);

#endif
