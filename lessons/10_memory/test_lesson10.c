/* test_lesson10.c - lesson 10's test suite: each test file of the lesson
 * adds its tests to the suite's two test cases, "Core" (the chapter's
 * numbers and claims) and "Limits" (bad input and edge cases), as lesson
 * 08's suite gathers its files. One line per file. */
#include "testing.h"

void add_adam8bit_tests(TCase *core, TCase *limits);   /* test_adam8bit.c: quantization, 8-bit Adam */
void add_program_tests(TCase *core, TCase *limits);    /* test_program.c: the program and the chapter */
void add_bench_tests(TCase *core, TCase *limits);      /* test_bench.c: tools/optimizer_bench runs, both builds */
void add_accounting_tests(TCase *core, TCase *limits); /* test_accounting.c: memory accounting vs allocations */
void add_measures_tests(TCase *core, TCase *limits);   /* test_measures.c: what the program measures with */

Suite *make_suite(void)
{
    Suite *suite = suite_create("10_memory");
    TCase *core = tcase_create("Core"), *limits = tcase_create("Limits");
    add_adam8bit_tests(core, limits);
    add_program_tests(core, limits);
    add_bench_tests(core, limits);
    add_accounting_tests(core, limits);
    add_measures_tests(core, limits);
    /* Core may run the whole lesson program; Limits' tests are short
     * (lesson_suite in common/testing.c allows the same). */
    tcase_set_timeout(core, 300);
    tcase_set_timeout(limits, 60);
    suite_add_tcase(suite, core);
    suite_add_tcase(suite, limits);
    return suite;
}
