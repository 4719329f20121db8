/* testing.h - what the Check test suites of every chapter share: float
 * comparisons with a stated tolerance, and running a built program the way a
 * reader would (with input, capturing output and exit status).
 *
 * Each test program defines make_suite(); common/check_main.c runs it, prints
 * "NAME: N passed, M failed" and, when given a file name, writes TAP there
 * for the grading report. */
#ifndef COMMON_TESTING_H
#define COMMON_TESTING_H

#include <check.h>
#include <math.h>
#include <stddef.h>

#include "golden.h"
#include "optimizer_spec.h"

Suite *make_suite(void);

#ifndef OPTIMIZERS_BIN_DIR
#define OPTIMIZERS_BIN_DIR "build/bin"
#endif

/* |actual - expected| <= atol + rtol * |expected|; NaN never passes. */
#define ck_assert_close(actual, expected, atol, rtol)                                   \
    do {                                                                                 \
        double actual_ = (actual), expected_ = (expected);                               \
        ck_assert_msg(fabs(actual_ - expected_) <= (atol) + (rtol) * fabs(expected_),    \
                      "%s = %.9g, expected %.9g (atol %g, rtol %g)", #actual, actual_,   \
                      expected_, (double)(atol), (double)(rtol));                        \
    } while (0)

/* The index of the first element outside atol + rtol*|expected|, or -1. */
long first_mismatch(const float *actual, const float *expected, size_t n,
                    double atol, double rtol);

/* Asserts that n floats match; the message names `what` and the first bad element. */
#define ck_assert_all_close(actual, expected, n, atol, rtol, what)                        \
    do {                                                                                 \
        const float *a_ = (actual), *e_ = (expected);                                    \
        long bad_ = first_mismatch(a_, e_, (n), (atol), (rtol));                         \
        ck_assert_msg(bad_ < 0, "%s[%ld] = %.9g, expected %.9g (atol %g, rtol %g)",      \
                      (what), bad_, bad_ < 0 ? 0.0 : (double)a_[bad_],                   \
                      bad_ < 0 ? 0.0 : (double)e_[bad_], (double)(atol), (double)(rtol)); \
    } while (0)

/* Replays one golden case through an optimizer spec (settings parsed as
 * optlab parses them) and asserts the parameters, and every state the case
 * records, after each step. Parameters are compared with atol + rtol * s,
 * where s is the largest magnitude the element has had up to that step. `settings_override` replaces the case's settings
 * when not NULL (to test defaults: pass an empty list with count 0). */
void check_golden_case(const OptimizerSpec *spec, const GoldenCase *c,
                       double atol, double rtol);
void check_golden_case_with(const OptimizerSpec *spec, const GoldenCase *c,
                            int num_settings, const char *const *settings,
                            double atol, double rtol);
/* Loads tests/golden/NAME, failing the test if it cannot. */
void load_golden(const char *name, GoldenFile *out);

typedef struct {
    int status;     /* exit status, or -1 if it did not exit normally */
    char *out;      /* everything written to stdout */
    char *err;      /* everything written to stderr */
} ProgramRun;

/* text in single quotes for the shell, each ' in it written '\'' , so that a
 * path with spaces or quotes stays one word. Fails the test if the result
 * does not fit in `len` bytes. Returns out. */
const char *shell_quote(const char *text, char *out, size_t len);

/* The shell command "'DIR/PROGRAM' ARGS", the path quoted (the repository may
 * live under a directory whose name has a space); ARGS are copied as they
 * are. Fails the test if it does not fit. Usually DIR is OPTIMIZERS_BIN_DIR. */
void program_command(char *cmd, size_t len, const char *dir, const char *program, const char *args);

/* Runs a shell command with `input` on its standard input (NULL: empty).
 * Returns 0 when the command could be run at all. */
int run_program(const char *command, const char *input, ProgramRun *run);
void program_run_free(ProgramRun *run);

/* The smoke run of a lesson program: `LESSON --quick` without gnuplot, into a
 * fresh directory whose name has a space and a quote. Asserts exit status 0, that stdout contains `expect_text`,
 * that each named table exists as out/LESSON/NAME.txt (NULL-terminated list;
 * include "values"), that each named figure left its script fig/NAME.gp, and
 * that the program said it could not draw. */
void check_lesson_smoke_run(const char *lesson, const char *expect_text,
                            const char *const *tables, const char *const *figures);

/* The rules every lesson program's flags follow: --help or -h anywhere (exit
 * 0, the --steps limit of 1..100000 stated), --steps at most 100000, each
 * flag at most once, a bare --quick, a long bad value quoted short, and an
 * --out that cannot be written refused before any work with the reason. */
void check_lesson_flags(const char *lesson);

/* Asserts the book's rule for bad input: the command exits with status 2,
 * prints nothing on stdout, and its message on stderr contains `expected`. */
void assert_refused(const char *command, const char *input, const char *expected);

/* The whole file as a NUL-terminated string (free it), or NULL. */
char *read_text_file(const char *path);

/* A fresh empty directory under $TMPDIR (or /tmp); the caller removes it
 * with remove_tree(). Returns 0 or -1. */
int make_temp_dir(char *path, size_t len);
void remove_tree(const char *path);

#endif
