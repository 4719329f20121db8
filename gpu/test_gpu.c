/* test_gpu.c - the GPU chapter's suite (its C side, which runs on every
 * machine): each test file adds its tests to "Core" (the chapter's numbers
 * and claims) and "Limits" (edge cases). The kernels themselves are checked
 * by gpu/check-cuda: on the CPU emulation everywhere, and on a device where
 * there is one. One line per file. */
#include "testing.h"

AddTests add_bank_conflicts_tests;   /* test_bank_conflicts.c: the warp's reads of a code table */
AddTests add_gpu_measures_tests;     /* test_gpu_measures.c: bytes, roundings, the program */
AddTests add_recorded_tests;         /* test_recorded.c: what a GPU recorded, read back */

Suite *make_suite(void)
{
    return lesson_suite_of_files("13_gpu", (AddTests *const[]){
        add_bank_conflicts_tests,
        add_gpu_measures_tests,
        add_recorded_tests,
        NULL,
    });
}
