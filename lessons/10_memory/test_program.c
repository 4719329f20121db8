/* test_program.c - lesson 10's tests of its program and chapter (a
 * placeholder: they come with the program). */
#include "testing.h"

void add_program_tests(TCase *core, TCase *limits);

void add_program_tests(TCase *core, TCase *limits)
{
    (void)core;
    (void)limits;
}
