/* test_lesson04.c - lesson 04's test suite: each test file of the lesson
 * adds its tests to the suite's two test cases, "Core" (the chapter's
 * numbers and claims) and "Limits" (bad input and edge cases). One line per
 * file. */
#include "testing.h"

AddTests add_rmsprop_tests;    /* test_rmsprop.c: the optimizer, the program, the chapter */
AddTests add_measures_tests;   /* test_rmsprop_measures.c: what the program measures with */

Suite *make_suite(void)
{
    return lesson_suite_of_files("04_rmsprop", (AddTests *const[]){
        add_rmsprop_tests,
        add_measures_tests,
        NULL,
    });
}
