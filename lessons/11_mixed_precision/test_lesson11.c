/* test_lesson11.c - lesson 11's test suite: each test file of the lesson
 * adds its tests to the suite's two test cases, "Core" (the chapter's
 * numbers and claims) and "Limits" (bad input and edge cases), as lesson
 * 09's suite gathers its files (lessons/09_lion/test_lesson09.c). One line
 * per file. */
#include "testing.h"

void add_mixed_tests(TCase *core, TCase *limits);         /* test_mixed.c: the three recipes' steps */
void add_grad_scaler_tests(TCase *core, TCase *limits);   /* test_grad_scaler.c: dynamic loss scaling */
void add_program_tests(TCase *core, TCase *limits);       /* test_program.c: the program and the chapter */

Suite *make_suite(void)
{
    Suite *suite = suite_create("11_mixed_precision");
    TCase *core = tcase_create("Core"), *limits = tcase_create("Limits");
    add_mixed_tests(core, limits);
    add_grad_scaler_tests(core, limits);
    add_program_tests(core, limits);
    /* Core runs the lesson program; Limits' tests are short (lesson_suite
     * in common/testing.c allows the same). */
    tcase_set_timeout(core, 300);
    tcase_set_timeout(limits, 60);
    suite_add_tcase(suite, core);
    suite_add_tcase(suite, limits);
    return suite;
}
