/* test_lesson07.c - lesson 07's test suite: each test file of the lesson
 * adds its tests to the suite's two test cases, "Core" (the chapter's
 * numbers and claims) and "Limits" (bad input and edge cases), as common's
 * own suite gathers its files (common/test_common.c). One line per file. */
#include "testing.h"

AddTests add_clip_tests;       /* test_clip.c: clipping and accumulation */
AddTests add_schedule_tests;   /* test_schedules.c: learning-rate schedules */
AddTests add_program_tests;    /* test_program.c: the program and the chapter */
AddTests add_recipe_tests;     /* test_recipe.c: the chapter's training loop */
AddTests add_measures_tests;   /* test_schedules_measures.c: what the program measures with */

Suite *make_suite(void)
{
    return lesson_suite_of_files("07_schedules", (AddTests *const[]){
        add_clip_tests,
        add_schedule_tests,
        add_program_tests,
        add_recipe_tests,
        add_measures_tests,
        NULL,
    });
}
