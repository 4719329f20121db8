/* test_lesson05.c - lesson 05's test suite: each test file of the lesson
 * adds its tests to the suite's two test cases, "Core" (the chapter's
 * numbers and claims) and "Limits" (bad input and edge cases), as lesson
 * 10's suite gathers its files. One line per file. */
#include "testing.h"

void add_adam_tests(TCase *core, TCase *limits);       /* test_adam.c: the optimizer, the program, the chapter */
void add_measures_tests(TCase *core, TCase *limits);   /* test_adam_measures.c: what the program measures with */

Suite *make_suite(void)
{
    Suite *suite = suite_create("05_adam");
    TCase *core = tcase_create("Core"), *limits = tcase_create("Limits");
    add_adam_tests(core, limits);
    add_measures_tests(core, limits);
    /* Core may run the whole lesson program; Limits' tests are short
     * (lesson_suite in common/testing.c allows the same). */
    tcase_set_timeout(core, 300);
    tcase_set_timeout(limits, 60);
    suite_add_tcase(suite, core);
    suite_add_tcase(suite, limits);
    return suite;
}
