/* graded.h - the list of an exercise set's tests, shared by its two runners.
 *
 * Each exercises/NN_name/test_exercises.c lists its tests once, in
 * GRADED_TESTS, each with the exercise (points.txt id) it grades. From that
 * list graded_suite() makes the Check suite that `make test` runs on
 * solutions/, and tools/grade_child.c runs one test of it at a time when
 * `make grade` grades a student's code (see scripts/grade.sh). One list, so
 * the two can never grade different tests. */
#ifndef EXERCISES_GRADED_H
#define EXERCISES_GRADED_H

#include <check.h>

typedef struct {
    const char *exercise;        /* ex1, ex2, ... as in points.txt */
    const TTest *const *test;    /* &test_name, the START_TEST name */
} GradedTest;

/* Every test_exercises.c defines this list, ended by {NULL, NULL}. The
 * grader reads the same entries from the source text, one per line, as
 *     {"ex1", &test_ex1_plain_step},
 * so keep that form. */
extern const GradedTest GRADED_TESTS[];

/* A Check suite with one test case per exercise, in the order of the list. */
Suite *graded_suite(const char *name, const GradedTest *tests);

#endif
