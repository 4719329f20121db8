/* test_lesson05.c - lesson 05's test suite: each test file of the lesson
 * adds its tests to the suite's two test cases, "Core" (the chapter's
 * numbers and claims) and "Limits" (bad input and edge cases), as lesson
 * 10's suite gathers its files. One line per file. */
#include "testing.h"

AddTests add_adam_tests;       /* test_adam.c: the optimizer, the program, the chapter */
AddTests add_measures_tests;   /* test_adam_measures.c: what the program measures with */

Suite *make_suite(void)
{
    return lesson_suite_of_files("05_adam", (AddTests *const[]){
        add_adam_tests,
        add_measures_tests,
        NULL,
    });
}
