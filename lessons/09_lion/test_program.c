/* test_program.c - lesson 09 program tests (placeholder). */
#include "testing.h"
#include "lion.h"

void add_program_tests(TCase *core, TCase *limits);
void add_program_tests(TCase *core, TCase *limits)
{
    (void)core;
    (void)limits;
}
