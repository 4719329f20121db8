/* test_lesson08.c - lesson 08's test suite: each test file of the lesson
 * adds its tests to the suite's two test cases, "Core" (the chapter's
 * numbers and claims) and "Limits" (bad input and edge cases), as lesson
 * 07's suite gathers its files (lessons/07_schedules/test_lesson07.c). One
 * line per file. */
#include "testing.h"

void add_adafactor_tests(TCase *core, TCase *limits);   /* test_adafactor.c: the optimizer */
void add_measures_tests(TCase *core, TCase *limits);    /* test_adafactor_measures.c: what the program measures */
void add_program_tests(TCase *core, TCase *limits);     /* test_program.c: the program and the chapter */

Suite *make_suite(void)
{
    Suite *suite = suite_create("08_adafactor");
    TCase *core = tcase_create("Core"), *limits = tcase_create("Limits");
    add_adafactor_tests(core, limits);
    add_measures_tests(core, limits);
    add_program_tests(core, limits);
    /* Core may run the whole lesson program; Limits' tests are short
     * (lesson_suite in common/testing.c allows the same). */
    tcase_set_timeout(core, 300);
    tcase_set_timeout(limits, 60);
    suite_add_tcase(suite, core);
    suite_add_tcase(suite, limits);
    return suite;
}
