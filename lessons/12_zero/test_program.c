/* test_program.c - lesson 12's program: its smoke run, its flags, and its
 * runs as N OpenMPI processes under mpirun (each stage's weights the same
 * on every rank, and as close to one process's as the threads' are, by
 * test_zero.c's bound). Without mpirun, or with a program built without
 * MPI, the runs under mpirun say so in one line and pass. Never a timing:
 * the machine running the tests may be busy. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testing.h"

void add_program_tests(TCase *core, TCase *limits);

/* Its own flags' bad values. */
static const Refusal PROGRAM_REFUSALS[] = {
    /* the memory figure runs up to 8 ranks, each needing an example */
    {"--batch=4", NULL, "--batch must be at least 8 (got 4)"},
    {"--steps=0", NULL, "--steps must be at least 1"},
    {"--lr=-1", NULL, "--lr must be positive"},
    {"--ranks=2", NULL, "unknown flag '--ranks'"},
    {"--mpi=perhaps", NULL, "--mpi: 'perhaps' is not true or false"},
};

/* What the program's smoke run and flags tests (add_lesson_program_tests) check. */
static const LessonProgram PROGRAM = {
    .lesson = "12_zero",
    .expect_text = "ZeRO's weights against single-process AdamW",
    .tables = (const char *const[]){"agreement", "memory", "traffic", "times", "mpi", "paper",
                                    "values", NULL},
    .figures = (const char *const[]){"12_memory", NULL},
    .flags = LESSON_FLAGS_TRAINING,
    .refusals = PROGRAM_REFUSALS,
    .num_refusals = TABLE_SIZE(PROGRAM_REFUSALS),
};

/* ---- under mpirun ------------------------------------------------------------------------- */

/* The program's default lr (1e-2) for 20 steps. test_zero.c's bound for
 * the threads, steps * lr * 1e-4 (why, there), holds for OpenMPI too: it
 * adds each element's N partial sums in an order of its own, one more
 * reordering of the same kind. */
#define MPI_STEPS 20
#define MPI_LR 1e-2
#define MPI_TOLERANCE (MPI_STEPS * MPI_LR * 1e-4)

/* Runs `mpirun -np ranks 12_zero --mpi --steps=20` into *run; false (after
 * saying why in one line) when this machine cannot: no mpirun, or a
 * program built without MPI. */
static bool run_under_mpirun(int ranks, ProgramRun *run)
{
    if (system("command -v mpirun >/dev/null 2>&1") != 0) {
        printf("12_zero: mpirun not found: the runs under mpirun are skipped\n");
        fflush(stdout);
        return false;
    }
    /* OpenMPI refuses root unless told twice; containers often forbid one
     * process to read another's memory, which its shared-memory transport
     * tries by default. */
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
    setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 1);
#ifdef OPTIMIZERS_SANITIZE
    /* OpenMPI keeps what MPI_Init allocated until the process ends, which
     * LeakSanitizer would report as the ranks' leaks and fail them (their
     * stacks run through OpenMPI's unloaded plugins, so no suppression can
     * name them). The engine's own memory is checked in test_zero.c. */
    setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
#endif
    char program[4096], cmd[4300], args[64];
    snprintf(args, sizeof args, "--mpi --steps=%d", MPI_STEPS);
    program_command(program, sizeof program, OPTIMIZERS_BIN_DIR, "12_zero", args);
    /* timeout: a hung mpirun fails this test instead of outliving it */
    snprintf(cmd, sizeof cmd, "timeout 240 mpirun -np %d --oversubscribe %s", ranks, program);
    ck_assert(run_program(cmd, NULL, run) == 0);
    if (strstr(run->out, "built without MPI") || strstr(run->err, "built without MPI")) {
        printf("12_zero: the program was built without MPI: the runs under mpirun are skipped\n");
        fflush(stdout);
        program_run_free(run);
        return false;
    }
    ck_assert_msg(run->status == 0, "%s: exit %d\nstdout: %s\nstderr: %s", cmd, run->status, run->out, run->err);
    return true;
}

/* The program's "zero-mpi RANKS STAGE DIFF MS COLLECTIVES SAME" lines
 * (mpi_comm.h): one per stage, in order, each from all `ranks` ranks, all
 * holding the same weights, within MPI_TOLERANCE of one process's. */
static void check_mpi_lines(int ranks, const char *out)
{
    int stage = 0;
    for (const char *line = strstr(out, "zero-mpi "); line; line = strstr(line + 1, "zero-mpi ")) {
        int n, s;
        double diff, ms, share;
        char same[16];
        ck_assert_msg(sscanf(line, "zero-mpi %d %d %lf %lf %lf %15s", &n, &s, &diff, &ms, &share, same) == 6,
                      "-np %d: a line that does not parse: %.120s", ranks, line);
        ck_assert_msg(stage < 4, "-np %d: more than four zero-mpi lines:\n%s", ranks, out);
        ck_assert_int_eq(n, ranks);
        ck_assert_int_eq(s, stage);
        ck_assert_msg(strcmp(same, "same") == 0, "-np %d, stage %d: the ranks' weights %s", ranks, s, same);
        /* a NaN fails this too */
        ck_assert_msg(diff <= MPI_TOLERANCE, "-np %d, stage %d: max |ZeRO - AdamW| = %g, over %g", ranks, s, diff,
                      MPI_TOLERANCE);
        stage++;
    }
    ck_assert_msg(stage == 4, "-np %d: %d zero-mpi lines, not 4:\n%s", ranks, stage, out);
}

/* 2 and 3 processes: the batch split in halves, and in thirds. */
START_TEST(test_program_under_mpirun)
{
    for (int ranks = 2; ranks <= 3; ranks++) {
        ProgramRun run;
        if (!run_under_mpirun(ranks, &run)) return;
        check_mpi_lines(ranks, run.out);
        program_run_free(&run);
    }
}
END_TEST

void add_program_tests(TCase *core, TCase *limits)
{
    add_lesson_program_tests(core, limits, &PROGRAM);
    tcase_add_test(core, test_program_under_mpirun);
}
