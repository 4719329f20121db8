/* test_lesson02.c - lesson 02's test suite: each test file of the lesson
 * adds its tests to the suite's two test cases, "Core" (the chapter's
 * numbers and claims) and "Limits" (bad input and edge cases), as lesson
 * 06's suite gathers its files. One line per file. */
#include "testing.h"

AddTests add_momentum_tests;   /* test_momentum.c: the optimizer, the program, the chapter */
AddTests add_measures_tests;   /* test_momentum_measures.c: what the program measures with */

Suite *make_suite(void)
{
    return lesson_suite_of_files("02_momentum", (AddTests *const[]){
        add_momentum_tests,
        add_measures_tests,
        NULL,
    });
}
