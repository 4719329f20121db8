/* report.c - tables, values and figures of a lesson program (see report.h). */
#include "report.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"

int report_open(Report *r, const char *out_root, const char *lesson)
{
    memset(r, 0, sizeof *r);
    if (snprintf(r->out_dir, sizeof r->out_dir, "%s/out/%s", out_root, lesson) >= (int)sizeof r->out_dir ||
        snprintf(r->fig_dir, sizeof r->fig_dir, "%s/fig", out_root) >= (int)sizeof r->fig_dir) {
        fprintf(stderr, "%s: --out: the directory name is too long\n", lesson);
        return -1;
    }
    /* Everything that can go wrong with the directory goes wrong here, before
     * the program has done any work or printed anything. */
    if (has_control_char(out_root)) {
        fprintf(stderr, "%s: --out: a directory name with a control character (a tab, a newline), which "
                "the figures' gnuplot scripts cannot name\n", lesson);
        return -1;
    }
    const char *dir = NULL;
    if (make_dirs(r->out_dir) != 0) dir = r->out_dir;
    else if (make_dirs(r->fig_dir) != 0 || access(r->fig_dir, W_OK | X_OK) != 0) dir = r->fig_dir;
    if (dir) {
        fprintf(stderr, "%s: --out=%s: cannot create or write to %s: %s\n", lesson, out_root, dir,
                strerror(errno));
        return -1;
    }
    char path[1100];
    snprintf(path, sizeof path, "%s/values.txt", r->out_dir);
    r->values = fopen(path, "w");
    if (!r->values) {
        fprintf(stderr, "%s: --out=%s: cannot write %s: %s\n", lesson, out_root, path, strerror(errno));
        return -1;
    }
    return 0;
}

FILE *report_table(Report *r, const char *name, const char *title)
{
    snprintf(r->table_name, sizeof r->table_name, "%s", name);
    printf("\n== %s ==\n", title);
    r->table = open_memstream(&r->table_text, &r->table_len);
    if (!r->table) {   /* nowhere to write the table: as any allocation failing */
        fprintf(stderr, "table %s: out of memory\n", name);
        exit(1);
    }
    return r->table;
}

int report_table_end(Report *r)
{
    fclose(r->table);
    r->table = NULL;
    fputs(r->table_text, stdout);
    fflush(stdout);
    char path[1200];
    snprintf(path, sizeof path, "%s/%s.txt", r->out_dir, r->table_name);
    errno = 0;
    FILE *f = fopen(path, "w");
    int status = (f && fputs(r->table_text, f) >= 0) ? 0 : -1;
    if (f && fclose(f) != 0) status = -1;
    if (status != 0) {   /* as figure_close says it of a figure */
        fprintf(stderr, "table %s: cannot write %s: %s\n", r->table_name, path,
                errno ? strerror(errno) : "a write failed");
        r->write_failed = true;
    }
    free(r->table_text);
    r->table_text = NULL;
    return status;
}

void report_value(Report *r, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(r->values, "%s ", name);
    vfprintf(r->values, fmt, ap);
    fputc('\n', r->values);
    va_end(ap);
}

const char *value_name(Report *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->value_name, sizeof r->value_name, fmt, ap);
    va_end(ap);
    return r->value_name;
}

const char *value_tag(Report *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->value_tag, sizeof r->value_tag, fmt, ap);
    va_end(ap);
    return r->value_tag;
}

void report_values(Report *r, const char *tag, const NamedValue *values)
{
    for (const NamedValue *v = values; v->name; v++) {
        const char *name = tag ? value_name(r, v->name, tag) : v->name;
        size_t len = strlen(v->format);
        if (len > 0 && v->format[len - 1] == 'd') report_value(r, name, v->format, (int)v->value);
        else report_value(r, name, v->format, v->value);
    }
}

Figure *report_figure_set(Report *r, const char *name, const char *settings_fmt, ...)
{
    Figure *fig = report_figure(r, name);
    va_list ap;
    va_start(ap, settings_fmt);
    vfprintf(figure_commands(fig), settings_fmt, ap);
    va_end(ap);
    return fig;
}

const char *shape_text(const Tensor *t, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int d = 0; d < t->ndim && len < size; d++)
        len += (size_t)snprintf(buf + len, size - len, d ? " x %d" : "%d", t->shape[d]);
    return buf;
}

Figure *report_figure(Report *r, const char *name)
{
    Figure *fig = figure_open(r->fig_dir, name);
    /* --out was checked at the start, so this is the disk failing under the
     * program (full, or the directory removed): stop, rather than draw into
     * nothing. figure_open has said why. */
    if (!fig) exit(1);
    figure_draw_in_background(fig);   /* report_close waits for it */
    return fig;
}

int report_close(Report *r)
{
    int status = r->write_failed ? -1 : 0;
    if (figures_finish() != 0) status = -1;
    if (r->values && fclose(r->values) != 0) status = -1;
    r->values = NULL;
    return status;
}
