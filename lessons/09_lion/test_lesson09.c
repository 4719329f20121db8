/* test_lesson09.c - lesson 09's test suite: each test file of the lesson
 * adds its tests to the suite's two test cases, "Core" (the chapter's
 * numbers and claims) and "Limits" (bad input and edge cases), as lesson
 * 07's suite gathers its files (lessons/07_schedules/test_lesson07.c). One
 * line per file. */
#include "testing.h"

AddTests add_lion_tests;        /* test_lion.c: the optimizer */
AddTests add_program_tests;     /* test_program.c: the program and the chapter */
AddTests add_measures_tests;    /* test_lion_measures.c: what the program measures with */

Suite *make_suite(void)
{
    return lesson_suite_of_files("09_lion", (AddTests *const[]){
        add_lion_tests,
        add_program_tests,
        add_measures_tests,
        NULL,
    });
}
