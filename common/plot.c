/* plot.c - writing gnuplot scripts and piping them to gnuplot (see plot.h). */
#include "plot.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "input.h"

struct Figure {
    char dir[1024];
    char name[128];
    char *data_text, *command_text;
    size_t data_len, command_len;
    FILE *data, *commands;
    double width_in, height_in;
    /* Series: each one's points as text, and the plot command's clauses. */
    int series_count;
    char series_refused[64];   /* why a series was refused: figure_close fails */
    char *series_text[FIGURE_MAX_SERIES];
    size_t series_len[FIGURE_MAX_SERIES];
    FILE *series[FIGURE_MAX_SERIES];
    char *plot_text;
    size_t plot_len;
    FILE *plot;
    bool background;   /* figure_close leaves gnuplot drawing it (figures_finish waits) */
};

/* The figures gnuplot is drawing in the background, in the order begun. */
#define MAX_DRAWING 64
static struct {
    FILE *pipe;
    char name[128];
    char log[1200];   /* gnuplot's messages: kept only when it fails */
} drawing[MAX_DRAWING];
static int num_drawing;
/* Figures whose figure_close failed since the last figures_finish: a caller
 * that drops figure_close's status still learns of them there. */
static int num_failed;

int figures_finish(void)
{
    int status = num_failed ? -1 : 0;
    num_failed = 0;
    for (int k = 0; k < num_drawing; k++)
        if (pclose(drawing[k].pipe) != 0) {
            fprintf(stderr, "figure %s: gnuplot failed on it%s%s\n", drawing[k].name,
                    drawing[k].log[0] ? ": see " : "", drawing[k].log);
            status = -1;
        } else if (drawing[k].log[0]) {
            remove(drawing[k].log);
        }
    num_drawing = 0;
    return status;
}

/* A program that exits early (bad input found late, out of memory) still
 * waits for the gnuplots it started: none is left drawing into a directory
 * its caller is about to remove, none leaves its log behind. */
static bool finish_at_exit_registered;
static void finish_at_exit(void)
{
    figures_finish();
}

void figure_draw_in_background(Figure *fig)
{
    fig->background = true;
}

Figure *figure_open(const char *dir, const char *name)
{
    Figure *fig = calloc(1, sizeof *fig);
    if (!fig) {
        fprintf(stderr, "figure %s: out of memory\n", name);
        return NULL;
    }
    /* The names go into a gnuplot script, a command a line: a newline in one
     * would end a command early, a cut one would draw somewhere else. */
    if (snprintf(fig->dir, sizeof fig->dir, "%s", dir) >= (int)sizeof fig->dir ||
        snprintf(fig->name, sizeof fig->name, "%s", name) >= (int)sizeof fig->name ||
        has_control_char(dir) || has_control_char(name)) {
        Excerpt d, n;
        fprintf(stderr, "figure '%s' in '%s': a name too long, or with a control character\n",
                excerpt(name, strlen(name), &n), excerpt(dir, strlen(dir), &d));
        free(fig);
        return NULL;
    }
    if (make_dirs(dir) != 0) {
        fprintf(stderr, "figure %s: cannot create directory %s: %s\n", name, dir, strerror(errno));
        free(fig);
        return NULL;
    }
    fig->width_in = 5.5;
    fig->height_in = 3.4;
    fig->data = open_memstream(&fig->data_text, &fig->data_len);
    fig->commands = open_memstream(&fig->command_text, &fig->command_len);
    fig->plot = open_memstream(&fig->plot_text, &fig->plot_len);
    if (!fig->data || !fig->commands || !fig->plot) {
        if (fig->data) fclose(fig->data);
        if (fig->commands) fclose(fig->commands);
        if (fig->plot) fclose(fig->plot);
        free(fig->data_text);
        free(fig->command_text);
        free(fig->plot_text);
        free(fig);
        fprintf(stderr, "figure %s: out of memory\n", name);
        return NULL;
    }
    return fig;
}

FILE *figure_data(Figure *fig) { return fig->data; }
FILE *figure_commands(Figure *fig) { return fig->commands; }

void figure_size(Figure *fig, double width_in, double height_in)
{
    fig->width_in = width_in;
    fig->height_in = height_in;
}

/* text + suffix as a gnuplot string in single quotes, where a quote is
 * written twice ('it''s'): directory and figure names may hold one. */
static void put_quoted(FILE *out, const char *text, const char *suffix)
{
    fputc('\'', out);
    for (; *text; text++) {
        if (*text == '\'') fputc('\'', out);
        fputc(*text, out);
    }
    fprintf(out, "%s'", suffix);
}

/* A fresh file for gnuplot's own messages (a warning such as "empty y
 * range" on a flat curve), in $TMPDIR or /tmp, never beside the figure: a
 * name there could be a file of the user's. Returns 0, or -1 with log "". */
static int gnuplot_log(char *log /* [1200] */, const char *name)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(log, 1200, "%s/gnuplot-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
    int fd = mkstemp(log);
    if (fd < 0) {
        log[0] = '\0';
        return -1;
    }
    close(fd);
    return 0;
}

/* The shell command that starts gnuplot with its messages going to the file
 * `log` instead of the terminal (to /dev/null without one): when gnuplot
 * fails, one line of ours says so and points there; when it succeeds, the
 * log is removed. The path is quoted for the shell, each ' written '\''. */
static void gnuplot_command(const char *log, char *cmd /* [4096] */)
{
    if (!*log) log = "/dev/null";
    size_t n = (size_t)snprintf(cmd, 4096, "gnuplot 2> '");
    for (const char *c = log; *c && n < 4096 - 8; c++) {
        if (*c == '\'') n += (size_t)snprintf(cmd + n, 4096 - n, "'\\''");
        else cmd[n++] = *c;
    }
    snprintf(cmd + n, 4096 - n, "'");
}

int figure_series(Figure *fig, const char *style, const char *title_fmt, ...)
{
    va_list ap;
    va_start(ap, title_fmt);
    int s = figure_series_v(fig, style, title_fmt, ap);
    va_end(ap);
    return s;
}

int figure_series_v(Figure *fig, const char *style, const char *title_fmt, va_list ap)
{
    if (fig->series_count == FIGURE_MAX_SERIES) {
        snprintf(fig->series_refused, sizeof fig->series_refused, "more than %d series", FIGURE_MAX_SERIES);
        return -1;
    }
    int s = fig->series_count;
    fig->series[s] = open_memstream(&fig->series_text[s], &fig->series_len[s]);
    if (!fig->series[s]) {
        snprintf(fig->series_refused, sizeof fig->series_refused, "out of memory for series %d", s);
        return -1;
    }
    fig->series_count++;
    char title[256];
    vsnprintf(title, sizeof title, title_fmt, ap);
    fprintf(fig->plot, "%s$series%d with %s", s ? ", " : "plot ", s, style);
    if (*title) {
        fprintf(fig->plot, " title ");
        put_quoted(fig->plot, title, "");
    }
    return s;
}

void figure_point(Figure *fig, int series, double x, double y)
{
    if (series < 0 || series >= fig->series_count || !isfinite(x) || !isfinite(y)) return;
    fprintf(fig->series[series], "%.9g %.9g\n", x, y);
}

void figure_gap(Figure *fig, int series)
{
    if (series >= 0 && series < fig->series_count) fputc('\n', fig->series[series]);
}

int figure_curve(Figure *fig, const char *style, const double *y, int first, int last, const char *title_fmt, ...)
{
    va_list ap;
    va_start(ap, title_fmt);
    int series = figure_series_v(fig, style, title_fmt, ap);
    va_end(ap);
    for (int t = first; t <= last; t++) figure_point(fig, series, t, y[t]);
    return series;
}

int figure_xy(Figure *fig, const char *style, const double *x, const double *y, int n, const char *title_fmt, ...)
{
    va_list ap;
    va_start(ap, title_fmt);
    int series = figure_series_v(fig, style, title_fmt, ap);
    va_end(ap);
    for (int i = 0; i < n; i++) figure_point(fig, series, x[i], y[i]);
    return series;
}

int figure_every(Figure *fig, const char *style, const double *y, int n, int every, const char *title_fmt, ...)
{
    va_list ap;
    va_start(ap, title_fmt);
    int series = figure_series_v(fig, style, title_fmt, ap);
    va_end(ap);
    for (int i = 0; i < n; i++) figure_point(fig, series, (double)i * every, y[i]);
    return series;
}

int figure_hline(Figure *fig, const char *style, double x0, double x1, double y, const char *title_fmt, ...)
{
    va_list ap;
    va_start(ap, title_fmt);
    int series = figure_series_v(fig, style, title_fmt, ap);
    va_end(ap);
    figure_point(fig, series, x0, y);
    figure_point(fig, series, x1, y);
    return series;
}

int figure_window_means(Figure *fig, const char *style, const double *y, int window, int count,
                        const char *title_fmt, ...)
{
    va_list ap;
    va_start(ap, title_fmt);
    int series = figure_series_v(fig, style, title_fmt, ap);
    va_end(ap);
    for (int w = 0; w < count; w++) {
        double mean = 0;
        for (int i = w * window; i < (w + 1) * window; i++) mean += y[i] / window;
        figure_point(fig, series, (w + 0.5) * window, mean);
    }
    return series;
}

int figure_trailing_means(Figure *fig, const char *style, const double *y, int n,
                          int window, const char *title_fmt, ...)
{
    va_list ap;
    va_start(ap, title_fmt);
    int series = figure_series_v(fig, style, title_fmt, ap);
    va_end(ap);
    double sum = 0;   /* each step adds its y and drops the one a window back */
    for (int i = 0; i < n; i++) {
        sum += y[i] - (i >= window ? y[i - window] : 0);
        if (i >= window - 1) figure_point(fig, series, i + 1, sum / window);
    }
    return series;
}

int figure_log_curve(Figure *fig, const char *style, const double *y, int last, const char *title_fmt, ...)
{
    va_list ap;
    va_start(ap, title_fmt);
    int series = figure_series_v(fig, style, title_fmt, ap);
    va_end(ap);
    for (int t = 1; t <= last; t = t < 20 ? t + 1 : (int)(t * 1.05)) figure_point(fig, series, t, y[t]);
    return series;
}

/* The book's look: a quiet grid, a colour-blind-safe palette, no clutter. */
static const char *const STYLE =
    "set border 3 lc rgb '#444444'\n"
    "set tics nomirror\n"
    "set grid lc rgb '#dddddd' lt 1\n"
    "set key noautotitle\n"
    "set style line 1 lc rgb '#0072B2' lw 2 pt 7 ps 0.5\n"
    "set style line 2 lc rgb '#D55E00' lw 2 pt 5 ps 0.5\n"
    "set style line 3 lc rgb '#009E73' lw 2 pt 9 ps 0.5\n"
    "set style line 4 lc rgb '#CC79A7' lw 2 pt 11 ps 0.5\n"
    "set style line 5 lc rgb '#E69F00' lw 2 pt 13 ps 0.5\n"
    "set style line 6 lc rgb '#56B4E9' lw 2 pt 4 ps 0.5\n"
    "set style line 7 lc rgb '#000000' lw 2 pt 6 ps 0.5\n"
    "set style line 8 lc rgb '#999999' lw 1 dt 2\n";

static void write_script(const Figure *fig, FILE *out)
{
    fprintf(out, "# Figure %s. Draw it from this directory with: gnuplot %s.gp\n", fig->name, fig->name);
    fputs(fig->data_text, out);
    fputs(STYLE, out);
    /* The same commands twice: once for each output format. */
    fprintf(out, "set terminal svg size %d,%d dynamic font 'Helvetica,13' linewidth 1.2 background rgb 'white'\n",
            (int)(fig->width_in * 120), (int)(fig->height_in * 120));
    fprintf(out, "set output ");
    put_quoted(out, fig->name, ".svg");
    fprintf(out, "\n");
    fputs(fig->command_text, out);
    fprintf(out, "unset output\n");
    fprintf(out, "set terminal pdfcairo size %gin,%gin font 'Helvetica,9'\n", fig->width_in, fig->height_in);
    fprintf(out, "set output ");
    put_quoted(out, fig->name, ".pdf");
    fprintf(out, "\n");
    fputs(fig->command_text, out);
    fprintf(out, "unset output\n");
}

static int gnuplot_available(void)
{
    const char *off = getenv("OPTIMIZERS_NO_GNUPLOT");
    if (off && *off && strcmp(off, "0") != 0) return 0;
    return system("command -v gnuplot >/dev/null 2>&1") == 0;
}

int figure_close(Figure *fig)
{
    /* The series go in last: their data blocks after any written by hand,
     * their plot command after the `set` lines. */
    for (int s = 0; s < fig->series_count; s++) {
        fclose(fig->series[s]);
        fprintf(fig->data, "$series%d << EOD\n%sEOD\n", s, fig->series_text[s]);
        free(fig->series_text[s]);
    }
    fclose(fig->plot);
    if (fig->series_count) fprintf(fig->commands, "%s\n", fig->plot_text);
    free(fig->plot_text);
    fclose(fig->data);
    fclose(fig->commands);
    int status = 0;
    if (fig->series_refused[0]) {
        fprintf(stderr, "figure %s: %s\n", fig->name, fig->series_refused);
        status = -1;
    }
    char path[1400];
    snprintf(path, sizeof path, "%s/%s.gp", fig->dir, fig->name);
    errno = 0;
    FILE *script = fopen(path, "w");
    if (!script) {
        fprintf(stderr, "figure %s: cannot write %s: %s\n", fig->name, path, strerror(errno));
        status = -1;
    } else {
        write_script(fig, script);
        bool lost = ferror(script) != 0;   /* a full disk shows here or at the close */
        if (fclose(script) != 0) lost = true;
        if (lost) {
            fprintf(stderr, "figure %s: cannot write %s: %s\n", fig->name, path,
                    errno ? strerror(errno) : "a write failed");
            status = -1;
        }
    }
    if (status == 0 && !gnuplot_available()) {
        printf("(gnuplot not found: wrote %s; draw it with `gnuplot %s.gp` in that directory)\n",
               path, fig->name);
        status = 1;
    } else if (status == 0) {
        /* gnuplot writes the figures relative to its working directory. */
        char command[4096], log[1200];
        gnuplot_log(log, fig->name);
        gnuplot_command(log, command);
        FILE *pipe = popen(command, "w");
        if (!pipe) {
            fprintf(stderr, "figure %s: cannot start gnuplot\n", fig->name);
            status = -1;
        } else {
            fprintf(pipe, "cd ");
            put_quoted(pipe, fig->dir, "");
            fputc('\n', pipe);
            write_script(fig, pipe);
            if (fig->background) {
                /* gnuplot has the whole script; it finishes when the pipe
                 * closes, in figures_finish. */
                if (num_drawing == MAX_DRAWING && figures_finish() != 0) status = -1;
                if (!finish_at_exit_registered) atexit(finish_at_exit), finish_at_exit_registered = true;
                fflush(pipe);
                drawing[num_drawing].pipe = pipe;
                snprintf(drawing[num_drawing].name, sizeof drawing[0].name, "%s", fig->name);
                snprintf(drawing[num_drawing].log, sizeof drawing[0].log, "%s", log);
                num_drawing++;
            } else if (pclose(pipe) != 0) {
                fprintf(stderr, "figure %s: gnuplot failed on %s%s%s\n", fig->name, path, *log ? ": see " : "", log);
                status = -1;
            } else if (*log) {
                remove(log);
            }
        }
    }
    free(fig->data_text);
    free(fig->command_text);
    free(fig);
    if (status < 0) num_failed++;
    return status;
}
