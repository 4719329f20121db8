/* graded.c - builds the Check suite of an exercise set from its list of
 * tests (see graded.h): one test case per exercise, named after it. */
#include <string.h>

#include "graded.h"

/* Sanitizer builds are slow; the grader has its own, shorter limit. */
#define TEST_TIMEOUT_S 30

Suite *graded_suite(const char *name, const GradedTest *tests)
{
    Suite *suite = suite_create(name);
    TCase *tcase = NULL;
    const char *current = NULL;
    for (const GradedTest *t = tests; t->exercise; t++) {
        if (!current || strcmp(current, t->exercise) != 0) {
            current = t->exercise;
            tcase = tcase_create(current);
            tcase_set_timeout(tcase, TEST_TIMEOUT_S);   /* an endless loop fails, it does not hang */
            suite_add_tcase(suite, tcase);
        }
        tcase_add_test(tcase, *t->test);
    }
    return suite;
}
