/* Trick 6: tests of the student's own that always pass. */
#include "graded.h"
#include "testing.h"

START_TEST(test_ex1_plain_step) {}
END_TEST

const GradedTest GRADED_TESTS[] = {{"ex1", &test_ex1_plain_step}, {NULL, NULL}};

Suite *make_suite(void)
{
    return graded_suite("exercises 01_sgd", GRADED_TESTS);
}
