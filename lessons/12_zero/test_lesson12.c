/* test_lesson12.c - lesson 12's test suite: each test file of the lesson
 * adds its tests to the suite's two test cases, "Core" (the chapter's
 * numbers and claims) and "Limits" (bad input and edge cases), as lesson
 * 09's suite gathers its files (lessons/09_lion/test_lesson09.c). One line
 * per file. */
#include "testing.h"

AddTests add_zero_tests;      /* test_zero.c: the layout, the collectives, the stages */
AddTests add_zero_memory_tests;   /* test_zero_memory.c: the paper's memory per rank */
AddTests add_zero_golden_tests;   /* test_zero_golden.c: against PyTorch's ZeroRedundancyOptimizer */
/* test_zero_adamw.c's adder goes here */
AddTests add_program_tests;   /* test_program.c: the program, its flags, its runs under mpirun */

Suite *make_suite(void)
{
    return lesson_suite_of_files("12_zero", (AddTests *const[]){
        add_zero_tests,
        add_zero_memory_tests,
        add_zero_golden_tests,
        /* test_zero_adamw.c's adder goes here */
        add_program_tests,
        NULL,
    });
}
