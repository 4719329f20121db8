/* grade_child.c - the main() of a grading binary: the pristine tests of one
 * exercise set linked with a student's code. It runs exactly one test,
 *
 *     SET-BINARY --run TEST_NAME        (record pipe on file descriptor 3)
 *
 * and is started, one test per process, by tools/grade_run.c, which never
 * runs student code itself. It writes one record to descriptor 3:
 *
 *     "pass TOKEN\n"            only after the test function has returned
 *     "fail\n" MESSAGE          when an assertion failed, or a longjmp left
 *                              the test (it did not run to its end)
 *
 * and nothing at all when the test was left otherwise (exit, _exit, abort,
 * a signal): grade_run counts a missing record as a failure, whatever the
 * exit status. TOKEN is a random word that grade_run hands over on
 * descriptor 4, read and closed here before any student code runs (the
 * grader refuses constructors): code that writes "pass" to descriptor 3 and
 * exits does not know it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "graded.h"

static const TTest *target;
/* Set only when the test function returned normally (a failed assertion or
 * a longjmp leaves it 0). */
static volatile int completed;

static void run_target(int i)
{
    target->fn(i);
    completed = 1;
}

static char token[80];

static void write_record(const char *kind, const char *message)
{
    char buf[1024];
    int n = strcmp(kind, "pass") == 0 ? snprintf(buf, sizeof buf, "pass %s\n", token)
                                      : snprintf(buf, sizeof buf, "%s\n%s", kind, message ? message : "");
    if (n < 0) return;
    if ((size_t)n >= sizeof buf) n = (int)sizeof buf - 1;
    ssize_t written = write(3, buf, (size_t)n);
    (void)written;   /* nothing to do if the grader has gone */
}

int main(int argc, char **argv)
{
    if (argc != 3 || strcmp(argv[1], "--run") != 0) {
        fprintf(stderr, "usage: %s --run TEST_NAME (started by grade_run)\n", argv[0]);
        return 2;
    }
    ssize_t got = read(4, token, sizeof token - 1);
    token[got > 0 ? got : 0] = '\0';
    close(4);
    const GradedTest *graded = NULL;
    for (const GradedTest *t = GRADED_TESTS; t->exercise; t++)
        if (strcmp((*t->test)->name, argv[2]) == 0) graded = t;
    if (!graded) {
        write_record("fail", "no such test in this grader");
        _exit(0);
    }

    /* Check runs the test in this process (no fork: grade_run has already
     * given it a process of its own) through a wrapper that marks its end. */
    target = *graded->test;
    TTest wrapper = {target->name, run_target, target->file, target->line};
    Suite *suite = suite_create("grade");
    TCase *tcase = tcase_create(graded->exercise);
    tcase_add_test(tcase, &wrapper);
    suite_add_tcase(suite, tcase);
    SRunner *runner = srunner_create(suite);
    srunner_set_fork_status(runner, CK_NOFORK);
    srunner_run_all(runner, CK_SILENT);
    fflush(stdout);

    if (srunner_ntests_failed(runner) > 0) {
        TestResult **failures = srunner_failures(runner);
        write_record("fail", tr_msg(failures[0]));
        free(failures);
    } else if (completed) {
        write_record("pass", NULL);
    } else {
        write_record("fail", "the test did not run to its end (it was left by a jump)");
    }
    /* _exit: no atexit handlers or destructors run after the verdict. */
    memset(token, 0, sizeof token);
    _exit(0);
}
