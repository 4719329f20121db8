/* test_lesson07.c - lesson 07's test suite: each test file of the lesson
 * adds its tests to the suite's two test cases, "Core" (the chapter's
 * numbers and claims) and "Limits" (bad input and edge cases), as common's
 * own suite gathers its files (common/test_common.c). One line per file. */
#include "testing.h"

void add_clip_tests(TCase *core, TCase *limits);   /* test_clip.c: clipping and accumulation */
void add_schedule_tests(TCase *core, TCase *limits);   /* test_schedules.c: learning-rate schedules */
void add_program_tests(TCase *core, TCase *limits);    /* test_program.c: the program and the chapter */
void add_recipe_tests(TCase *core, TCase *limits);     /* test_recipe.c: the chapter's training loop */

Suite *make_suite(void)
{
    Suite *suite = suite_create("07_schedules");
    TCase *core = tcase_create("Core"), *limits = tcase_create("Limits");
    add_clip_tests(core, limits);
    add_schedule_tests(core, limits);
    add_program_tests(core, limits);
    add_recipe_tests(core, limits);
    /* Core runs the whole lesson program; Limits' tests are short
     * (lesson_suite in common/testing.c allows the same). */
    tcase_set_timeout(core, 300);
    tcase_set_timeout(limits, 60);
    suite_add_tcase(suite, core);
    suite_add_tcase(suite, limits);
    return suite;
}
