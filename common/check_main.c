/* check_main.c - the main() of every test program: runs make_suite() with
 * Check (each test in its own process, so a crash or an endless loop fails
 * that test instead of the run), prints "NAME: N passed, M failed", and
 * writes TAP to argv[1] when given (scripts/run-tests.sh keeps it in
 * build/tap/). Grading does not use this main: tools/grade_child.c runs one
 * graded test at a time under tools/grade_run.c. */
#include <stdio.h>
#include <string.h>

#include "testing.h"

int main(int argc, char **argv)
{
    const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    SRunner *runner = srunner_create(make_suite());
    if (argc > 1) srunner_set_tap(runner, argv[1]);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    int run = srunner_ntests_run(runner);
    srunner_free(runner);
    printf("%s: %d passed, %d failed\n", name, run - failed, failed);
    return failed ? 1 : 0;
}
