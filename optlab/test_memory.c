/* test_memory.c - `optlab memory` (lesson 10), the command line: its printed
 * tables (numbers, units, the book's width), its help, and bad input
 * refused. The accounting it prints is lesson 10's library, tested with it
 * (lessons/10_memory/test_accounting.c). make_suite (test_optlab.c) adds
 * memory_tcase(). */
#include <stdio.h>
#include <string.h>

#include "testing.h"

TCase *memory_tcase(void);

static ProgramRun memory_run(const char *args)
{
    char cmd[4096];
    program_command(cmd, sizeof cmd, OPTIMIZERS_BIN_DIR, "optlab", args);
    ProgramRun run;
    ck_assert(run_program(cmd, NULL, &run) == 0);
    ck_assert_msg(run.status == 0, "optlab %s: exit %d: %s", args, run.status, run.err);
    return run;
}

static void assert_has(const ProgramRun *run, const char *text)
{
    ck_assert_msg(strstr(run->out, text) != NULL, "no '%s' in:\n%s", text, run->out);
}

/* The printed table: its numbers, its units, within the book's width. */
START_TEST(test_memory_output)
{
    ProgramRun run = memory_run("memory --params=70e9 --recipe=mixed --opt=adamw --grads=fp32");
    assert_has(&run, "GB = 1e9 bytes, GiB = 2^30 bytes");
    assert_has(&run, "master weights           fp32                4          280.000          260.770\n");
    assert_has(&run, "state exp_avg_sq         fp32                4          280.000          260.770\n");
    assert_has(&run, "total                                       18         1260.000         1173.466\n");
    const char *where;
    ck_assert_uint_le(longest_line(run.out, "\x01", &where), BOOK_COLUMNS);
    program_run_free(&run);

    run = memory_run("memory --params=70e9 --recipe=mixed-8bit --opt=adam8bit");
    assert_has(&run, "state state1             uint8               1           70.000");
    assert_has(&run, "state absmax1            fp32         0.015625            1.094");
    assert_has(&run, "total                                 10.03125          702.188");
    ck_assert_uint_le(longest_line(run.out, "\x01", &where), BOOK_COLUMNS);
    program_run_free(&run);

    run = memory_run("memory --params=70e9 --recipe=lora --opt=adamw --rank=16 --shape=4096,4096");
    assert_has(&run, "trainable: 131072 of 16777216 per matrix, 546875000 in all: 0.78125%\n");
    assert_has(&run, "frozen base (no grad)    bf16                2          140.000");
    ck_assert_uint_le(longest_line(run.out, "\x01", &where), BOOK_COLUMNS);
    program_run_free(&run);

    /* Adafactor's state follows the shape: 4 (R + C) bytes a matrix. */
    run = memory_run("memory --params=70e9 --recipe=fp32 --opt=adafactor --shape=8192,8192");
    assert_has(&run, "1043.08128 matrices of 8192 x 8192 (--shape)");
    assert_has(&run, "state row_var            fp32     0.0004882812            0.034");
    program_run_free(&run);

    /* The notes' activation rule, batch x seq x hidden x 10 x bytes x
     * layers, for their 70B (80 layers, hidden 8192, seq 4096): 429.5 GB at
     * batch 4 in fp32, where their table says 100 GB. */
    run = memory_run("memory --params=70e9 --recipe=fp32 --opt=adam --batch=4 --seq=4096 --hidden=8192 --layers=80");
    assert_has(&run, "activations, one layer   fp32       0.07669584            5.369            5.000\n");
    assert_has(&run, "activations, all layers               6.135668          429.497          400.000\n");
    program_run_free(&run);
    run = memory_run("memory --params=70e9 --recipe=mixed --opt=adam --batch=16 --seq=4096 --hidden=8192 --layers=80");
    assert_has(&run, "activations, all layers               12.27134          858.993          800.000\n");
    program_run_free(&run);
}
END_TEST

/* --zero --ranks: the ZeRO paper's Figure 1, 7.5e9 parameters in mixed
 * precision (2 + 2 + 12 bytes) on 64 ranks, per rank, in GB:
 * 120, 30 + 90/64 = 31.406, 15 + 105/64 = 16.641, 120/64 = 1.875. */
START_TEST(test_memory_zero)
{
    static const char *const TOTAL[4] = {
        "total per rank                              16          120.000",
        "total per rank                          4.1875           31.406",
        "total per rank                         2.21875           16.641",
        "total per rank                            0.25            1.875",
    };
    for (int stage = 0; stage < 4; stage++) {
        char args[160];
        snprintf(args, sizeof args, "memory --params=7.5e9 --recipe=mixed --opt=adam --zero=%d --ranks=64", stage);
        ProgramRun run = memory_run(args);
        assert_has(&run, TOTAL[stage]);
        const char *where;
        ck_assert_uint_le(longest_line(run.out, "\x01", &where), BOOK_COLUMNS);
        program_run_free(&run);
    }
    /* Stage 1's rows: the optimizer's 12 bytes over 64 ranks, 0.1875. */
    ProgramRun run = memory_run("memory --params=7.5e9 --recipe=mixed --opt=adam --zero=1 --ranks=64");
    assert_has(&run, "ZeRO stage 1 (P_os) on 64 ranks: what one rank keeps");
    assert_has(&run, "parameters                                   2           15.000");
    assert_has(&run, "optimizer (K)                           0.1875            1.406");
    program_run_free(&run);
    /* FP32 AdamW (4 + 4 + 8) at stage 2 on 4 ranks: 4 + 12/4 = 7 bytes a
     * parameter, 7 GB for 1e9. */
    run = memory_run("memory --params=1e9 --recipe=fp32 --opt=adamw --zero=2 --ranks=4");
    assert_has(&run, "total per rank                               7            7.000");
    program_run_free(&run);
}
END_TEST

START_TEST(test_memory_help)
{
    ProgramRun run = memory_run("memory --help");
    assert_has(&run, "usage: optlab memory --params=N --recipe=R --opt=NAME");
    assert_has(&run, "mixed-8bit");
    program_run_free(&run);
}
END_TEST

START_TEST(test_memory_refusals)
{
    static const Refusal refusals[] = {
        {"memory --recipe=fp32 --opt=adam", NULL, "--params=N is required"},
        {"memory --params=70e9 --opt=adam", NULL, "--recipe is required"},
        {"memory --params=70e9 --recipe=fp32", NULL, "--opt is required"},
        {"memory --params=70e9 --recipe=fp16 --opt=adam", NULL, "unknown recipe 'fp16'"},
        {"memory --params=70e9 --recipe=fp32 --opt=adamx", NULL, "unknown optimizer 'adamx'"},
        {"memory --params=seventy --recipe=fp32 --opt=adam", NULL, "--params: 'seventy' is not a number"},
        {"memory --params=70B --recipe=fp32 --opt=adam", NULL, "--params: '70B' is not a number"},
        {"memory --params=-7e9 --recipe=fp32 --opt=adam", NULL, "not a whole number from 1 to 1e+15"},
        {"memory --params=0 --recipe=fp32 --opt=adam", NULL, "not a whole number from 1 to 1e+15"},
        {"memory --params=1.5 --recipe=fp32 --opt=adam", NULL, "not a whole number"},
        {"memory --params=1e16 --recipe=fp32 --opt=adam", NULL, "not a whole number from 1 to 1e+15"},
        {"memory --params=nan --recipe=fp32 --opt=adam", NULL, "is not a number"},
        {"memory --params=70e9 --recipe=fp32 --opt=adam --shape=4096", NULL, "is not two sizes R,C"},
        {"memory --params=70e9 --recipe=fp32 --opt=adam --shape=4096,4096,2", NULL, "is not two sizes R,C"},
        {"memory --params=70e9 --recipe=fp32 --opt=adam --shape=4096,x", NULL, "--shape: 'x' is not a number"},
        {"memory --params=70e9 --recipe=fp32 --opt=adam --shape=0,4", NULL, "--shape: '0' is not a whole number"},
        {"memory --params=70e9 --recipe=fp32 --opt=adam --shape=4096,3e9", NULL, "not a whole number from 1 to"},
        {"memory --params=100 --recipe=fp32 --opt=adam --shape=20,20", NULL, "has more elements than --params"},
        {"memory --params=70e9 --recipe=fp32 --opt=adam --rank=16", NULL, "--rank is for --recipe=lora"},
        {"memory --params=70e9 --recipe=lora --opt=adam --rank=0", NULL, "rank"},
        {"memory --params=70e9 --recipe=lora --opt=adam --rank=5000 --shape=4096,4096", NULL,
         "--rank=5000: LoRA's rank must be from 1 to min(R, C) = 4096"},
        /* no --rank given: the message names the default, not a flag never typed */
        {"memory --params=1 --recipe=lora --opt=adam", NULL,
         "--recipe=lora: LoRA's default rank 8 does not fit a 1x1 matrix; give --rank=K, K from 1 to 1"},
        {"memory --params=70e9 --recipe=mixed-8bit --opt=sgd", NULL, "sgd has no 8-bit state"},
        {"memory --params=70e9 --recipe=mixed --opt=adam --grads=fp16", NULL, "--grads: 'fp16' is not fp32 or bf16"},
        {"memory --params=70e9 --recipe=fp32 --opt=adam --grads=fp32", NULL, "--grads is for --recipe=mixed"},
        {"memory --params=70e9 --recipe=fp32 --opt=adam --batch=4", NULL, "go together"},
        {"memory --params=70e9 --recipe=mixed --opt=adam --ranks=8", NULL, "--ranks=N goes with --zero=S"},
        {"memory --params=70e9 --recipe=mixed --opt=adam --zero=1", NULL, "--zero=S needs --ranks=N"},
        {"memory --params=100 --recipe=fp32 --opt=adam --shape=0,5", NULL, "not a whole number from 1 to 2147483647"},
        {"memory --params=100 --recipe=mixed --opt=adam --zero=3 --ranks=101", NULL,
         "--ranks=101 is more ranks than parameters (100)"},
        {"memory --params=70e9 --recipe=mixed --opt=adam --batch=2147483647 --seq=2147483647 --hidden=8192 "
         "--layers=80", NULL, "the activation estimate"},
        {"memory --params=70e9 --recipe=mixed --opt=adam --zero=4 --ranks=8", NULL, "--zero must be at most 3"},
        {"memory --params=70e9 --recipe=mixed --opt=adam --zero=1 --ranks=0", NULL, "--ranks must be at least 1"},
        {"memory --params=70e9 --recipe=fp32 --opt=adam --batch=-4 --seq=1 --hidden=1 --layers=1", NULL, "batch"},
        {"memory --params=70e9 --recipe=fp32 --opt=adam --lr=0.1", NULL, "unknown flag '--lr'"},
        {"memory --params=70e9 --params=8e9 --recipe=fp32 --opt=adam", NULL, "twice"},
    };
    assert_program_refuses_all("optlab", refusals, (int)(sizeof refusals / sizeof refusals[0]));
    assert_refused_briefly("optlab", "memory --params=@ --recipe=fp32 --opt=adam", NULL, "is not a number", 200);
    assert_refused_briefly("optlab", "memory --params=7 --recipe=@ --opt=adam", NULL, "unknown recipe", 200);
    assert_refused_briefly("optlab", "memory --params=7 --recipe=fp32 --opt=@", NULL, "unknown optimizer", 200);
}
END_TEST

TCase *memory_tcase(void)
{
    TCase *tc = tcase_create("Memory");
    tcase_add_test(tc, test_memory_output);
    tcase_add_test(tc, test_memory_zero);
    tcase_add_test(tc, test_memory_help);
    tcase_add_test(tc, test_memory_refusals);
    tcase_set_timeout(tc, 120);
    return tc;
}
