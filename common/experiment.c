/* experiment.c - flags, tables, sweeps and measurements of the lesson
 * programs (see experiment.h). */
#include "experiment.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef __wasi__   /* WebAssembly (the book's playground) has no processes */
#include <sys/wait.h>
#endif
#include <unistd.h>

#include "files.h"
#include "ops.h"
#include "path_plot.h"
#include "rng.h"

/* ---- flags ---- */

void lesson_parse(const char *lesson, const OptionSpec *flags, void *args, int argc, char **argv)
{
    LessonArgs *a = args;
    check_stdout_at_exit(lesson);
    if (flags_help_wanted(argc, argv, 1)) {   /* args still holds the defaults */
        printf("usage: %s [flags]\n", lesson);
        flags_print_help(stdout, flags, args);
        exit(0);
    }
    const int default_steps = a->steps;
    a->steps = 0;   /* below --steps' range: still 0 after parsing when --steps was not given */
    char err[256];
    if (flags_parse(flags, args, argc, argv, 1, err, sizeof err) != 0) die_usage(lesson, "%s", err);
    if (!(a->lr > 0)) die_usage(lesson, "--lr must be positive (got %g)", a->lr);
    /* LESSON_TRAIN_FLAGS' --batch has this range; a lesson's own row may not */
    if (a->batch < 1 || a->batch > DIGITS_TRAIN_COUNT)
        die_usage(lesson, "--batch must be between 1 and %d (got %d)", DIGITS_TRAIN_COUNT, a->batch);
    if (a->seed < 0) die_usage(lesson, "--seed must be >= 0 (got %d)", a->seed);
    a->steps_given = a->steps != 0;
    if (!a->steps_given) a->steps = a->quick ? 200 : default_steps;
}

void lesson_open(Report *r, const char *lesson, const OptionSpec *flags, void *args, int argc,
                 char **argv)
{
    lesson_parse(lesson, flags, args, argc, argv);
    const LessonArgs *a = args;
    if (report_open(r, a->out, lesson) != 0) exit(EXIT_USAGE);   /* a bad --out */
}

int lesson_steps(const LessonArgs *a, int quick_share, int at_least)
{
    int steps = a->quick ? a->steps / quick_share : a->steps;
    return steps > at_least ? steps : at_least;
}

/* ---- tables ---- */

#define TABLE_MAX_COLUMNS 16
#define TABLE_GAP 3   /* spaces between columns */

struct Table {
    Report *report;
    char name[64], title[256];
    const Column *columns;
    int count;
    char *header[TABLE_MAX_COLUMNS];   /* table_header's, in place of the column's; or NULL */
    const char *nan_text[TABLE_MAX_COLUMNS];
    char **cells;             /* cells[row * count + column] */
    int rows, capacity;
    char *above, *below;      /* the notes */
    size_t above_len, below_len;
    FILE *above_f, *below_f;
};

/* The conversion a printf format ends in: 'd', 's', 'f', 'e', 'g' ... */
static char conversion(const char *format)
{
    const char *p = format;
    while ((p = strchr(p, '%')) && p[1] == '%') p += 2;
    if (!p) return 0;
    p++;
    return p[strspn(p, "-+ #0123456789.")];
}

Table *table_begin(Report *r, const char *name, const char *title, const Column *columns)
{
    Table *t = must(calloc(1, sizeof *t), "out of memory");
    t->report = r;
    snprintf(t->name, sizeof t->name, "%s", name);
    snprintf(t->title, sizeof t->title, "%s", title);
    t->columns = columns;
    while (columns[t->count].header) {
        char c = conversion(columns[t->count].format);
        if (!strchr("dsfeg", c) || !c) fail("table %s: column format '%s' is not one of %%d %%s %%f %%e %%g",
                                            name, columns[t->count].format);
        if (++t->count > TABLE_MAX_COLUMNS) fail("table %s: more than %d columns", name, TABLE_MAX_COLUMNS);
    }
    t->above_f = must(open_memstream(&t->above, &t->above_len), "out of memory");
    t->below_f = must(open_memstream(&t->below, &t->below_len), "out of memory");
    return t;
}

void table_nan_text(Table *t, int column, const char *text)
{
    if (column >= 0 && column < t->count) t->nan_text[column] = text;
}

void table_note(Table *t, const char *fmt, ...)
{
    FILE *f = t->rows == 0 ? t->above_f : t->below_f;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
}

void table_note_wrapped(Table *t, const char *indent, const char *text, int width)
{
    size_t len = strlen(text), at = 0;
    if (width < 1) width = 1;   /* a character a line, rather than no progress */
    while (at < len) {
        size_t end = at + (size_t)width;   /* the line's end, past its last character */
        if (end >= len) end = len;
        else
            while (end > at && text[end] != ' ') end--;
        if (end == at) end = at + (size_t)width < len ? at + (size_t)width : len;   /* a word too long */
        table_note(t, "%s%.*s", indent, (int)(end - at), text + at);
        at = end;
        while (text[at] == ' ') at++;
    }
}

void table_header(Table *t, int column, const char *fmt, ...)
{
    if (column < 0 || column >= t->count) fail("table %s: no column %d", t->name, column);
    char header[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(header, sizeof header, fmt, ap);
    va_end(ap);
    free(t->header[column]);
    t->header[column] = must(strdup(header), "out of memory");
}

/* Column c's header: table_header's, or its Column's. */
static const char *header_of(const Table *t, int c)
{
    return t->header[c] ? t->header[c] : t->columns[c].header;
}

void table_row(Table *t, ...)
{
    if (t->rows == t->capacity) {
        t->capacity = t->capacity ? 2 * t->capacity : 16;
        t->cells = must(realloc(t->cells, sizeof(char *) * (size_t)(t->capacity * t->count)), "out of memory");
    }
    va_list ap;
    va_start(ap, t);
    for (int c = 0; c < t->count; c++) {
        const Column *col = &t->columns[c];
        char cell[256];
        const char conv = conversion(col->format);
        switch (conv) {
        case 'd': snprintf(cell, sizeof cell, col->format, va_arg(ap, int)); break;
        case 's': snprintf(cell, sizeof cell, col->format, va_arg(ap, const char *)); break;
        default: {
            double v = va_arg(ap, double);
            if (isnan(v)) snprintf(cell, sizeof cell, "%s", t->nan_text[c] ? t->nan_text[c] : "-");
            else if (conv == 'f' && fabs(v) >= 1e15) snprintf(cell, sizeof cell, "%.4g", v);
            else snprintf(cell, sizeof cell, col->format, v);
        }
        }
        t->cells[t->rows * t->count + c] = must(strdup(cell), "out of memory");
    }
    va_end(ap);
    t->rows++;
}

/* Line `line` of a header split at '\n', into out (empty past its last line). */
static void header_line(const char *header, int line, char *out, size_t size)
{
    if (line < 0) header = NULL;   /* above a shorter header */
    for (; line > 0 && header; line--) {
        header = strchr(header, '\n');
        if (header) header++;
    }
    snprintf(out, size, "%.*s", header ? (int)strcspn(header, "\n") : 0, header ? header : "");
}

static int header_lines(const char *header)
{
    int lines = 1;
    for (; *header; header++) lines += *header == '\n';
    return lines;
}

/* One line of the table: the cells padded to their widths, strings to the
 * left and numbers to the right, with no spaces left at the end. */
static void put_line(FILE *f, const Table *t, const int *width, const bool *left, char cells[][256])
{
    char line[TABLE_MAX_COLUMNS * 260] = "";
    size_t len = 0;
    for (int c = 0; c < t->count; c++)
        len += (size_t)snprintf(line + len, sizeof line - len, left[c] ? "%-*s%*s" : "%*s%*s", width[c], cells[c],
                                c + 1 < t->count ? TABLE_GAP : 0, "");
    while (len > 0 && line[len - 1] == ' ') line[--len] = '\0';
    fprintf(f, "%s\n", line);
}

void table_end(Table *t)
{
    fclose(t->above_f);
    fclose(t->below_f);
    int width[TABLE_MAX_COLUMNS] = {0}, lines = 1;
    bool left[TABLE_MAX_COLUMNS];
    char cells[TABLE_MAX_COLUMNS][256];
    for (int c = 0; c < t->count; c++) {
        left[c] = conversion(t->columns[c].format) == 's';
        int n = header_lines(header_of(t, c));
        lines = n > lines ? n : lines;
        for (int l = 0; l < n; l++) {
            header_line(header_of(t, c), l, cells[c], sizeof cells[c]);
            width[c] = (int)strlen(cells[c]) > width[c] ? (int)strlen(cells[c]) : width[c];
        }
        for (int row = 0; row < t->rows; row++) {
            int w = (int)strlen(t->cells[row * t->count + c]);
            width[c] = w > width[c] ? w : width[c];
        }
    }

    FILE *f = report_table(t->report, t->name, t->title);
    if (t->above_len) fprintf(f, "%s\n", t->above);
    /* A header of fewer lines sits at the bottom, next to its numbers. */
    for (int l = 0; l < lines; l++) {
        for (int c = 0; c < t->count; c++)
            header_line(header_of(t, c), l - (lines - header_lines(header_of(t, c))), cells[c], sizeof cells[c]);
        put_line(f, t, width, left, cells);
    }
    for (int row = 0; row < t->rows; row++) {
        for (int c = 0; c < t->count; c++) snprintf(cells[c], sizeof cells[c], "%s", t->cells[row * t->count + c]);
        put_line(f, t, width, left, cells);
    }
    if (t->below_len) fprintf(f, "\n%s", t->below);
    report_table_end(t->report);

    for (int i = 0; i < t->rows * t->count; i++) free(t->cells[i]);
    free(t->cells);
    for (int c = 0; c < t->count; c++) free(t->header[c]);
    free(t->above);
    free(t->below);
    free(t);
}

/* ---- sweeps ---- */

Sweep lr_sweep(const float *lrs, int count, double to_beat, SweepRun *run, void *ctx)
{
    if (count > SWEEP_MAX) fail("a sweep of %d learning rates: at most %d", count, SWEEP_MAX);
    Sweep s = {.count = count, .best = -1};
    for (int k = 0; k < count; k++) {
        s.lr[k] = lrs[k];
        s.score[k] = run(lrs[k], to_beat, ctx);
        if (s.score[k] < to_beat) {
            to_beat = s.score[k];
            s.best = k;
        }
    }
    return s;
}

void sweep_band(const Sweep *s, double factor, int *lo, int *hi)
{
    *lo = 0, *hi = -1;
    if (s->best < 0) return;
    double limit = factor * s->score[s->best];
    for (*lo = s->best; *lo > 0 && s->score[*lo - 1] <= limit;) --*lo;
    for (*hi = s->best; *hi < s->count - 1 && s->score[*hi + 1] <= limit;) ++*hi;
}

LrBand sweep_lr_band(const Sweep *s, double factor)
{
    int lo, hi;
    sweep_band(s, factor, &lo, &hi);
    if (hi < lo) return (LrBand){NAN, NAN, NAN};
    return (LrBand){s->lr[lo], s->lr[hi], log10((double)s->lr[hi] / s->lr[lo])};
}

void lr_grid(float *lrs, int count, int first, int per_decade)
{
    for (int k = 0; k < count; k++) lrs[k] = (float)pow(10.0, (first + k) / (double)per_decade);
}

/* ---- figures ---- */

Figure *loss_figure(Report *r, const char *name, const char *settings)
{
    Figure *fig = report_figure(r, name);
    fprintf(figure_commands(fig), "set xlabel 'step'\nset ylabel 'loss'\nset logscale y\n%s", settings);
    return fig;
}

Figure *step_figure(Report *r, const char *name, const char *y_label, int last, const char *settings)
{
    Figure *fig = report_figure(r, name);
    fprintf(figure_commands(fig), "set xlabel 'step'\nset ylabel '%s'\nset xrange [0:%d]\n%s", y_label, last,
            settings);
    return fig;
}

int figure_sweep(Figure *fig, const char *style, const Sweep *s, const char *title_fmt, ...)
{
    va_list ap;
    va_start(ap, title_fmt);
    int series = figure_series_v(fig, style, title_fmt, ap);
    va_end(ap);
    for (int k = 0; k < s->count; k++) {
        if (isfinite(s->score[k])) figure_point(fig, series, s->lr[k], s->score[k]);
        else figure_gap(fig, series);
    }
    return series;
}

void figure_period_means(Figure *fig, int series, const double *x, int period, int last)
{
    for (int end = period; end <= last; end = (int)fmax(end + period, end * 1.03)) {
        end -= end % period;   /* the mean of x over the period that ends here */
        double sum = 0;
        for (int i = end - period + 1; i <= end; i++) sum += x[i];
        figure_point(fig, series, end, sum / period);
    }
}

void figure_heatmap(Figure *fig, const HeatMap *map)
{
    double low = map->z_low, high = map->z_high;
    if (!(low > 0 && high > low)) {   /* the finite z's own range */
        low = INFINITY, high = -INFINITY;
        for (int k = 0; k < map->nx * map->ny; k++)
            if (isfinite(map->z[k]) && map->z[k] > 0) low = fmin(low, map->z[k]), high = fmax(high, map->z[k]);
        if (!(high > low)) low = 0.5 * (isfinite(low) ? low : 1), high = 2 * low;
    }
    /* i j z "text" colour: the text white on the darker half of the range */
    FILE *data = figure_data(fig), *cmd = figure_commands(fig);
    fprintf(data, "$%s << EOD\n", map->name);
    for (int j = 0; j < map->ny; j++)
        for (int i = 0; i < map->nx; i++) {
            double z = map->z[j * map->nx + i];
            char text[64];
            if (isfinite(z)) snprintf(text, sizeof text, map->cell_format, z);
            else snprintf(text, sizeof text, "%s", map->nan_text);
            bool dark = isfinite(z) && z > 0 && log(z / low) > 0.5 * log(high / low);
            char value[32] = "NaN";   /* gnuplot's missing number: no colour */
            if (isfinite(z) && z > 0) snprintf(value, sizeof value, "%.9g", z);
            fprintf(data, "%d %d %s \"%s\" %s\n", i, j, value, text, dark ? "0xffffff" : "0x000000");
        }
    fprintf(data, "EOD\n");
    fprintf(cmd, "unset object\nset title '%s' noenhanced\nset xrange [-0.5:%g]\nset yrange [-0.5:%g]\n"
                 "set xlabel '%s'\nset ylabel '%s'\n%s\nset cbrange [%.9g:%.9g]\n"
                 "set palette defined (0 '#fde725', 1 '#5ec962', 2 '#21918c', 3 '#3b528b', 4 '#440154')\n"
                 "set xtics (",
            map->title, map->nx - 0.5, map->ny - 0.5, map->x_label, map->y_label,
            high > 10 * low ? "set logscale cb" : "unset logscale cb", low, high);   /* a decade: tics */
    for (int i = 0; i < map->nx; i++) {
        fprintf(cmd, "%s'", i ? ", " : "");
        fprintf(cmd, map->x_format, map->x[i]);
        fprintf(cmd, "' %d", i);
    }
    fprintf(cmd, ")\nset ytics (");
    for (int j = 0; j < map->ny; j++) {
        fprintf(cmd, "%s'", j ? ", " : "");
        fprintf(cmd, map->y_format, map->y[j]);
        fprintf(cmd, "' %d", j);
    }
    fprintf(cmd, ")\n");
    if (map->best_i >= 0 && map->best_j >= 0)
        fprintf(cmd, "set object rect from %g,%g to %g,%g front fillstyle empty border lc rgb '#d55e00' lw 3\n",
                map->best_i - 0.5, map->best_j - 0.5, map->best_i + 0.5, map->best_j + 0.5);
    fprintf(cmd, "plot $%s using 1:2:(0.5):(0.5):3 with boxxyerror fs solid 1.0 noborder lc palette notitle, \\\n"
                 "     $%s using 1:2:4:5 with labels tc rgb variable notitle\n", map->name, map->name);
}

/* ---- running in parallel ---- */

#define WORKERS_MAX 16

#ifndef __wasi__
/* Worker w's jobs (w, w + workers ...), each written to fd as its index and
 * its results. */
static void work(int w, int workers, int count, int width, ParallelJob *job, void *ctx, int fd)
{
    double *record = doubles_new((size_t)width + 1);
    for (int i = w; i < count; i += workers) {
        record[0] = i;
        job(i, ctx, record + 1);
        size_t size = sizeof(double) * ((size_t)width + 1);
        for (const char *at = (const char *)record; size > 0;) {
            ssize_t n = write(fd, at, size);
            if (n <= 0) _exit(1);
            at += n, size -= (size_t)n;
        }
    }
    free(record);
}
#endif

void parallel_jobs(int count, int width, double *out, ParallelJob *job, void *ctx)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int workers = cpus < 1 ? 1 : cpus > WORKERS_MAX ? WORKERS_MAX : (int)cpus;
    if (workers > count) workers = count;
#ifdef __wasi__
    workers = 1;   /* no processes: the jobs run one after another, to the same results */
#endif
    if (workers <= 1) {
        for (int i = 0; i < count; i++) job(i, ctx, out + (size_t)i * width);
        return;
    }
#ifndef __wasi__
    fflush(NULL);   /* a child must not print what the parent has buffered */
    pid_t pid[WORKERS_MAX];
    int fd[WORKERS_MAX];
    for (int w = 0; w < workers; w++) {
        int ends[2];
        if (pipe(ends) != 0 || (pid[w] = fork()) < 0) fail("cannot start a process for a parallel run");
        if (pid[w] == 0) {
            close(ends[0]);
            work(w, workers, count, width, job, ctx, ends[1]);
            _exit(0);   /* no atexit handlers, no buffers of the parent's flushed twice */
        }
        close(ends[1]);
        fd[w] = ends[0];
    }
    /* Each worker's records until it closes its pipe. */
    double *record = doubles_new((size_t)width + 1);
    int received = 0;
    for (int w = 0; w < workers; w++) {
        for (;;) {
            size_t size = sizeof(double) * ((size_t)width + 1), got = 0;
            while (got < size) {
                ssize_t n = read(fd[w], (char *)record + got, size - got);
                if (n <= 0) break;
                got += (size_t)n;
            }
            if (got < size) break;
            int i = (int)record[0];
            if (i < 0 || i >= count) fail("a parallel run sent job %d of %d", i, count);
            memcpy(out + (size_t)i * width, record + 1, sizeof(double) * (size_t)width);
            received++;
        }
        close(fd[w]);
    }
    free(record);
    bool failed = false;
    for (int w = 0; w < workers; w++) {
        int status;
        failed |= waitpid(pid[w], &status, 0) != pid[w] || !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    }
    if (failed || received != count) fail("a parallel run failed");
#endif
}

const double MAP_LEVEL[MAP_LEVELS] = {0.01, 0.05, 0.15, 0.3, 0.6, 1.0};

Figure *ravine_map(Report *r, const char *name, const Problem *ravine, MapView view)
{
    Figure *fig = report_figure(r, name);
    figure_size(fig, 6.0, view.height_in);
    fprintf(figure_commands(fig), "set size ratio -1\nset xrange [%g:5]\nset yrange [%g:%g]\n"
                                  "set xlabel '%s'\nset ylabel 'y (steep wall)'\nset key %s\n",
            view.x_min, -view.y_max, view.y_max, view.x_label, view.key);
    figure_contours(fig, ravine, MAP_LEVEL, MAP_LEVELS);
    return fig;
}

/* ---- stopping ---- */

void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "error: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

void *must(void *ptr, const char *why)
{
    if (!ptr) fail("%s", why);
    return ptr;
}

float *floats_new(size_t n)
{
    return must(malloc(sizeof(float) * n), "out of memory");
}

double *doubles_new(size_t n)
{
    return must(calloc(n, sizeof(double)), "out of memory");
}

Problem *must_mlp(int hidden, uint64_t seed)
{
    char err[256];
    return must(mlp_new(hidden, seed, err, sizeof err), err);
}

Problem *must_gpt(bool quick, uint64_t seed)
{
    char err[512];
    const char *name = quick ? "gpt:quick" : "gpt";
    return must(problem_by_name(name, 0, seed, err, sizeof err), err);
}

/* ---- measurements ---- */

void gradient_into(Problem *p, const int *batch, int size, float *grad)
{
    p->loss_and_grad(p, batch, size);
    paramlist_get_grads(&p->params, grad);
}

double sharpness(Problem *p, int iterations)
{
    size_t n = paramlist_numel(&p->params);
    float *x = floats_new(n);        /* the point, kept */
    float *v = floats_new(n);        /* the direction */
    float *probe = floats_new(n);    /* x +- eps v */
    float *g_up = floats_new(n), *g_down = floats_new(n);
    paramlist_get(&p->params, x);
    Rng rng;
    rng_seed(&rng, 1, 13);
    for (size_t i = 0; i < n; i++) v[i] = (float)rng_normal(&rng);
    double lambda = 0.0;
    /* H v ~ (g(x + eps v) - g(x - eps v)) / (2 eps): eps = 1e-2 keeps float32
     * rounding small against the difference. */
    const double eps = 1e-2;
    for (int it = 0; it < iterations; it++) {
        double norm = vec_norm(v, n);
        for (size_t i = 0; i < n; i++) v[i] = (float)(v[i] / norm);
        for (size_t i = 0; i < n; i++) probe[i] = (float)(x[i] + eps * v[i]);
        problem_loss_at(p, probe);
        paramlist_get_grads(&p->params, g_up);
        for (size_t i = 0; i < n; i++) probe[i] = (float)(x[i] - eps * v[i]);
        problem_loss_at(p, probe);
        paramlist_get_grads(&p->params, g_down);
        for (size_t i = 0; i < n; i++) v[i] = (float)((g_up[i] - g_down[i]) / (2 * eps));
        lambda = vec_norm(v, n);   /* |H v| with |v| = 1 tends to the top eigenvalue */
    }
    paramlist_set(&p->params, x);
    free(x);
    free(v);
    free(probe);
    free(g_up);
    free(g_down);
    return lambda;
}

double loglog_slope(const double *x, const double *y, int n)
{
    double mx = 0, my = 0, sxy = 0, sxx = 0;
    for (int i = 0; i < n; i++) {
        mx += log(x[i]) / n;
        my += log(y[i]) / n;
    }
    for (int i = 0; i < n; i++) {
        sxy += (log(x[i]) - mx) * (log(y[i]) - my);
        sxx += (log(x[i]) - mx) * (log(x[i]) - mx);
    }
    return sxy / sxx;
}

double loglog_slope_over(const double *y, int from, int to)
{
    if (to < from) return NAN;
    double *t = must(malloc(sizeof(double) * (size_t)(to - from + 1)), "out of memory");
    double *v = must(malloc(sizeof(double) * (size_t)(to - from + 1)), "out of memory");
    int n = 0;
    for (int i = from; i <= to; i++)
        if (isfinite(y[i])) {
            t[n] = i;
            v[n++] = y[i];
        }
    double slope = n >= 2 ? loglog_slope(t, v, n) : NAN;
    free(t);
    free(v);
    return slope;
}

double log_crossing(const double *x, const double *y, int n, double level)
{
    for (int i = 1; i < n; i++)
        if ((y[i - 1] - level) * (y[i] - level) <= 0 && y[i] != y[i - 1]) {
            double f = log(y[i - 1] / level) / log(y[i - 1] / y[i]);   /* how far along, on log y */
            return x[i - 1] * pow(x[i] / x[i - 1], f);
        }
    return NAN;
}

double decades(const double *x, int n)
{
    double lo = INFINITY, hi = 0;
    for (int i = 0; i < n; i++) lo = fmin(lo, x[i]), hi = fmax(hi, x[i]);
    return log10(hi / lo);
}

int index_of_max(const double *x, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++) best = x[i] > x[best] ? i : best;
    return best;
}

int index_of_min(const double *x, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++) best = x[i] < x[best] ? i : best;
    return best;
}

double max_abs_difference(const float *a, const float *b, size_t n)
{
    double largest = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabsf(b ? a[i] - b[i] : a[i]);
        if (isnan(d)) return NAN;   /* fmax would skip it */
        largest = fmax(largest, d);
    }
    return largest;
}

/* qsort's order of floats, smallest first. */
static int by_value(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

float sort_median(float *x, size_t n)
{
    qsort(x, n, sizeof(float), by_value);
    return x[n / 2];
}

void tensor_mean_squares(const ParamList *l, const float *before, int samples, double *ms)
{
    for (int i = 0, at = 0; i < l->count; i++) {
        const Tensor *x = before ? l->params[i] : l->grads[i];
        for (size_t j = 0; j < x->numel; j++, at++) {
            double d = before ? (double)x->data[j] - before[at] : x->data[j];
            ms[i] += d * d / ((double)x->numel * samples);
        }
    }
}

void tensor_grad_rms(Problem *p, const int *batch, int size, double *rms)
{
    p->loss_and_grad(p, batch, size);
    for (int i = 0; i < p->params.count; i++) rms[i] = 0;
    tensor_mean_squares(&p->params, NULL, 1, rms);
    for (int i = 0; i < p->params.count; i++) rms[i] = sqrt(rms[i]);
}

double param_norm(const ParamList *l, const char *name)
{
    int i = paramlist_find(l, name);
    if (i < 0) fail("no parameter named '%s'", name);
    double sum = 0;
    for (size_t j = 0; j < l->params[i]->numel; j++) sum += (double)l->params[i]->data[j] * l->params[i]->data[j];
    return sqrt(sum);
}

int steps_until_below(const double *y, int last, double level)
{
    int t = last;
    while (t >= 0 && y[t] < level) t--;
    return t + 1;
}

int first_step_reaching(const double *y, int last, double level)
{
    for (int t = 0; t <= last; t++)
        if (y[t] >= level) return t;
    return last + 1;
}

int next_log_step(int t, int last)
{
    if (t >= last) return -1;
    int next = t == 0 ? 1 : (t % 3 == 0 ? t / 3 * 10 : t * 3);
    return next < last ? next : last;
}

int windows_lowest(const double *const *curves, int count, int lead, int window, int windows)
{
    int ahead = 0;
    for (int w = 0; w < windows; w++) {
        double lead_mean = spread(curves[lead] + w * window, window).mean;
        bool lowest = true;
        for (int c = 0; c < count; c++)
            if (c != lead && !(lead_mean < spread(curves[c] + w * window, window).mean)) lowest = false;
        ahead += lowest;
    }
    return ahead;
}

Spread spread(const double *x, int n)
{
    Spread out = {0.0, x[0], x[0]};
    for (int i = 0; i < n; i++) {
        out.mean += x[i] / n;
        out.low = fmin(out.low, x[i]);
        out.high = fmax(out.high, x[i]);
    }
    return out;
}
