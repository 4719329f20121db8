/* test_lesson10.c - lesson 10's test suite: each test file of the lesson
 * adds its tests to the suite's two test cases, "Core" (the chapter's
 * numbers and claims) and "Limits" (bad input and edge cases), as lesson
 * 08's suite gathers its files. One line per file. */
#include "testing.h"

AddTests add_adam8bit_tests;   /* test_adam8bit.c: quantization, 8-bit Adam */
AddTests add_program_tests;    /* test_program.c: the program and the chapter */
AddTests add_bench_tests;      /* test_bench.c: tools/optimizer_bench runs, both builds */
AddTests add_accounting_tests; /* test_accounting.c: memory accounting vs allocations */
AddTests add_measures_tests;   /* test_measures.c: what the program measures with */

Suite *make_suite(void)
{
    return lesson_suite_of_files("10_memory", (AddTests *const[]){
        add_adam8bit_tests,
        add_program_tests,
        add_bench_tests,
        add_accounting_tests,
        add_measures_tests,
        NULL,
    });
}
