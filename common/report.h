/* report.h - where a lesson program puts its results.
 *
 * Each table goes to the terminal (for the reader running the program) and to
 * OUT/out/LESSON/NAME.txt (for the book, which includes it verbatim). Single
 * numbers that the chapter's prose quotes go to OUT/out/LESSON/values.txt as
 * "name value" lines, so the text never states a number the code did not
 * print. Figures go to OUT/fig/. */
#ifndef COMMON_REPORT_H
#define COMMON_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "plot.h"
#include "tensor.h"

typedef struct {
    char out_dir[1024];   /* OUT/out/LESSON */
    char fig_dir[1024];   /* OUT/fig */
    FILE *values;         /* OUT/out/LESSON/values.txt */
    FILE *table;          /* the table being written, or NULL */
    char *table_text;
    size_t table_len;
    char table_name[64];
    char value_name[64];  /* the last name value_name() built */
    char value_tag[64];   /* the last tag value_tag() built */
    bool write_failed;    /* a table could not be saved: report_close fails */
} Report;

/* Creates OUT/out/LESSON and OUT/fig and checks that they take files.
 * Returns 0, or -1 with the reason on stderr (a lesson program then exits
 * with status 2: its --out was bad). */
int report_open(Report *r, const char *out_root, const char *lesson);
/* Starts a table: print to the returned stream, then call report_table_end. */
FILE *report_table(Report *r, const char *name, const char *title);
int report_table_end(Report *r);
/* Records one number (already formatted) under a name for the prose. */
void report_value(Report *r, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A value's name built from parts, for the values of a loop:
 *     report_value(r, value_name(r, "beta%s_steps", tag), "%d", steps);
 * The name lives in r until the next call. */
const char *value_name(Report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One value of a list for report_values: its name, in which a "%s" takes
 * the list's tag, its format, and its number ("%d" prints it as an int). */
typedef struct {
    const char *name, *format;
    double value;
} NamedValue;
/* report_value for each of values[] up to a {NULL} one, in order: the
 * values of one row of a table, one run, one setting.
 *     report_values(r, "adam", (NamedValue[]){{"lr_%s", "%g", lr}, {"steps_%s", "%d", steps}, {NULL}}); */
void report_values(Report *r, const char *tag, const NamedValue *values /* up to a {NULL} entry */);
/* A tag for report_values built from parts, for the values of a loop:
 *     report_values(r, value_tag(r, "%s_%s", problem, optimizer), ...);
 * It lives in r until the next call (apart from value_name's, which
 * report_values uses for each name). */
const char *value_tag(Report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* report_figure with the figure's own gnuplot lines before its plot command
 * (labels, ranges, the key), printf-style: "set xlabel 'step'\n...". */
Figure *report_figure_set(Report *r, const char *name, const char *settings_fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* How a table shows a tensor's shape: its sizes joined by " x " ("64 x 32",
 * "10"; "" for a scalar), into buf[size]; returns buf. */
const char *shape_text(const Tensor *t, char *buf /* [size] */, size_t size);
/* Starts the figure OUT/fig/NAME (see plot.h); never NULL: if the figure
 * cannot be started the program stops with status 1 and the reason. */
Figure *report_figure(Report *r, const char *name);
/* Waits for the figures to be drawn and closes values.txt. Returns 0, or
 * -1 if a table, a figure or values.txt could not be written. */
int report_close(Report *r);

#endif
