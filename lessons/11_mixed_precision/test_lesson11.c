/* test_lesson11.c - lesson 11's test suite: each test file of the lesson
 * adds its tests to the suite's two test cases, "Core" (the chapter's
 * numbers and claims) and "Limits" (bad input and edge cases), as lesson
 * 09's suite gathers its files (lessons/09_lion/test_lesson09.c). One line
 * per file. */
#include "testing.h"

AddTests add_mixed_tests;         /* test_mixed.c: the three recipes' steps */
AddTests add_grad_scaler_tests;   /* test_grad_scaler.c: dynamic loss scaling */
AddTests add_measures_tests;      /* test_mixed_measures.c: what the program measures with */
AddTests add_program_tests;       /* test_program.c: the program and the chapter */

Suite *make_suite(void)
{
    return lesson_suite_of_files("11_mixed_precision", (AddTests *const[]){
        add_mixed_tests,
        add_grad_scaler_tests,
        add_measures_tests,
        add_program_tests,
        NULL,
    });
}
