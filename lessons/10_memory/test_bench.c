/* test_bench.c - the roofline benchmark (tools/optimizer_bench.c, `make
 * bench-optimizers`) runs and prints what it should, at a size too small
 * to time: well-formed rows from the teaching build, a table from the fast
 * build, the same bits from both, and bad flags refused. Never a timing:
 * the machine running the tests may be busy. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roofline.h"
#include "testing.h"

/* The optimizers every tree has (lesson 09's Lion joins them when present). */
static const char *const NAMES[] = {"sgd", "momentum", "adagrad", "rmsprop", "adam",
                                    "adamw", "adafactor", "adam8bit"};
enum { NUM_NAMES = sizeof NAMES / sizeof NAMES[0] };

/* 40 000 parameters: ten chunks of the bench's 4096, the last one short
 * and ending inside one of 8-bit Adam's blocks of 256. */
#define TINY "--n=40000 --repeats=1"

static void run_bench(const char *program, const char *args, ProgramRun *run)
{
    char cmd[4096];
    program_command(cmd, sizeof cmd, OPTIMIZERS_BIN_DIR, program, args);
    ck_assert_int_eq(run_program(cmd, NULL, run), 0);
    ck_assert_msg(run->status == 0, "%s %s: exit %d, stderr: %s", program, args, run->status, run->err);
}

/* The line of `text` that starts with "PREFIX" (a copy in line), or NULL. */
static const char *line_starting(const char *text, const char *prefix, char *line, size_t len)
{
    for (const char *s = text; s && *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL) {
        if (strncmp(s, prefix, strlen(prefix)) != 0) continue;
        size_t l = strcspn(s, "\n");
        snprintf(line, len, "%.*s", (int)(l < len ? l : len - 1), s);
        return line;
    }
    return NULL;
}

START_TEST(test_teaching_build_prints_well_formed_rows)
{
    ProgramRun run;
    run_bench("optimizer_bench", TINY " --tsv", &run);
    for (int k = 0; k < NUM_NAMES; k++) {
        char prefix[64], line[512];
        snprintf(prefix, sizeof prefix, "step\t%s\t", NAMES[k]);
        ck_assert_msg(line_starting(run.out, prefix, line, sizeof line) != NULL, "no row for %s", NAMES[k]);
    }
    int rows = 0;   /* each row checked, cut out of run.out in place */
    for (char *s = run.out; *s;) {
        char *end = strchr(s, '\n');
        ck_assert_msg(end != NULL, "an unfinished row: %s", s);
        *end = '\0';
        /* step NAME N SECONDS HASH BUILD THREADS BYTES */
        char kind[16], name[32], hash[32], build[16];
        unsigned long n;
        double seconds, bytes;
        int threads, used = 0;
        int fields = sscanf(s, "%15[^\t]\t%31[^\t]\t%lu\t%lf\t%31[^\t]\t%15[^\t]\t%d\t%lf%n", kind, name,
                            &n, &seconds, hash, build, &threads, &bytes, &used);
        ck_assert_msg(fields == 8 && s[used] == '\0', "not a row: %s", s);
        ck_assert_str_eq(kind, "step");
        ck_assert_uint_eq(n, 40000);
        ck_assert_msg(isfinite(seconds) && seconds > 0, "%s: %g s", name, seconds);
        ck_assert_msg(strlen(hash) == 16 && strspn(hash, "0123456789abcdef") == 16, "hash %s", hash);
        ck_assert_str_eq(build, "teaching");
        ck_assert_int_eq(threads, 1);   /* the teaching build has no threads */
        /* 12 bytes a parameter (SGD) up to 32 (Adafactor's three walks) */
        ck_assert_msg(bytes >= 12 && bytes <= 32, "%s: %g bytes a parameter", name, bytes);
        rows++;
        s = end + 1;
    }
    ck_assert_int_ge(rows, NUM_NAMES);
    program_run_free(&run);
}
END_TEST

/* Two builds, two thread counts, one answer: each update function is
 * elementwise (Adafactor's sums are taken over fixed sections, 64 of about 625
 * elements here, and added in order), so chunks on two threads end on the
 * bits of the teaching build's single thread, and -O3 -march=native
 * -fno-math-errno changes no rounding (C11 mode contracts no a * b + c; a
 * vector sqrt is exact). */
START_TEST(test_fast_build_table_has_every_optimizer_with_the_same_bits)
{
    char dir[512], rows_path[600], args[1400], quoted[1000];
    ck_assert_int_eq(make_temp_dir(dir, sizeof dir), 0);
    snprintf(rows_path, sizeof rows_path, "%s/teaching.tsv", dir);
    ProgramRun teaching, fast;
    run_bench("optimizer_bench", TINY " --tsv", &teaching);
    write_text_file(rows_path, teaching.out);
    snprintf(args, sizeof args, TINY " --threads=2 --teaching=%s",
             shell_quote(rows_path, quoted, sizeof quoted));
    run_bench("optimizer_bench_fast", args, &fast);
    char line[512];
    ck_assert_ptr_nonnull(line_starting(fast.out, "optimizer step at n = 40000 parameters", line, sizeof line));
    for (int k = 0; k < NUM_NAMES; k++) {
        char prefix[64];
        snprintf(prefix, sizeof prefix, "%-9s ", NAMES[k]);
        ck_assert_msg(line_starting(fast.out, prefix, line, sizeof line) != NULL, "no row for %s:\n%s",
                      NAMES[k], fast.out);
        /* name, bytes, teaching, fast, GB/s, kernel GB/s, %, in cache,
         * PyTorch "-", "no torch", bits */
        char name[32], torch[16], no[8], torch_word[8], bits[8];
        double bytes, teach, gps, gbs, kgbs, pct, cache;
        int fields = sscanf(line, "%31s %lf %lf %lf %lf %lf %lf %lf %15s %7s %7s %7s", name, &bytes,
                            &teach, &gps, &gbs, &kgbs, &pct, &cache, torch, no, torch_word, bits);
        ck_assert_msg(fields == 12, "not a row: %s", line);
        /* Printed with 3 decimals: on a loaded machine a slow step may
         * print 0.000, so only negative values are wrong. */
        ck_assert_msg(teach >= 0 && gps >= 0 && kgbs >= 0 && pct >= 0 && cache >= 0, "not a row: %s",
                      line);
        /* GB/s = Gparam/s x bytes, within the printed digits (3 and 2 decimals) */
        ck_assert_msg(fabs(gbs - gps * bytes) <= 0.0005 * bytes + 0.005 + 1e-3 * gbs,
                      "GB/s is not Gparam/s x bytes: %s", line);
        ck_assert_str_eq(torch, "-");
        ck_assert_str_eq(no, "no");
        ck_assert_str_eq(torch_word, "torch");
        ck_assert_msg(strcmp(bits, "yes") == 0, "%s: the fast build's parameters differ: %s", NAMES[k], line);
    }
    ck_assert_ptr_nonnull(line_starting(fast.out, "fast build >= 90% of its memory kernel: ", line, sizeof line));
    ck_assert_ptr_nonnull(line_starting(fast.out, "bound by arithmetic (in cache slower than its kernel",
                                        line, sizeof line));
    ck_assert_ptr_nonnull(line_starting(fast.out, "fast build vs PyTorch: no step timed in PyTorch "
                                                  "(python3-torch not found)", line, sizeof line));
    program_run_free(&teaching);
    program_run_free(&fast);
    remove_tree(dir);
}
END_TEST

START_TEST(test_bench_refuses_bad_flags)
{
    static const Refusal refusals[] = {
        {"--n=0", NULL, "--n must be a whole number"},
        {"--n=1.5", NULL, "--n must be a whole number"},
        {"--n=ten", NULL, "--n"},
        {"--repeats=0", NULL, "--repeats"},
        {"--only=adam,nadam", NULL, "no optimizer 'nadam'"},
        {"--only=sgd,adam,sgd", NULL, "--only: sgd is named twice"},
        {"--tsv --teaching=x", NULL, "--tsv prints rows"},
        {"--teaching=/nonexistent/rows.tsv", NULL, "cannot read /nonexistent/rows.tsv"},
        {"--steps=3", NULL, "steps"},
    };
    assert_program_refuses_all("optimizer_bench", refusals, sizeof refusals / sizeof refusals[0]);
    assert_program_refuses_all("optimizer_bench_fast", refusals, sizeof refusals / sizeof refusals[0]);
}
END_TEST

START_TEST(test_bench_refuses_bad_rows)
{
    /* The fast build's table reads the teaching build's rows and PyTorch's
     * (--teaching, --torch): a time that is not a positive number, or a
     * file with no rows of its kind, is refused, not shown as nan or inf;
     * nor is a time no clock measures (below a nanosecond, above a day). */
    static const struct {
        const char *flag, *rows, *message;
    } cases[] = {
        {"--teaching", "step\tsgd\t40000\tnan\t41b720b33a284f3d\tteaching\t1\t12\n", "line 1: 'nan' is not a time"},
        {"--teaching", "# rows\nstep\tsgd\t40000\t0\t41b720b33a284f3d\tteaching\t1\t12\n", "line 2: '0' is not"},
        {"--teaching", "step\tsgd\t40000\t-1\t41b720b33a284f3d\tteaching\t1\t12\n", "'-1' is not a time"},
        {"--torch", "torch\tsgd\t40000\tabc\n", "'abc' is not a time in seconds"},
        {"--torch", "torch\tsgd\t40000\t1e-300\n", "'1e-300' is not a time in seconds (1e-9 to 86400, or -)"},
        {"--teaching", "step\tsgd\t40000\t1e9\t41b720b33a284f3d\tteaching\t1\t12\n", "'1e9' is not a time"},
        {"--torch", "\xff\xfe garbage\n", "holds no 'torch' rows"},
        /* nor a hash that is not one, an optimizer the bench has not, a line
         * no bench writes (/dev/zero's would never end) */
        {"--teaching", "step\tsgd\t40000\t1e-6\tzzzz\tteaching\t1\t12\n", "'zzzz' is not a hash of 16 hex digits"},
        {"--teaching", "step\tnadam\t40000\t1e-6\t41b720b33a284f3d\tteaching\t1\t12\n", "no optimizer 'nadam'"},
        {"--torch", "torch\tsgd\t40000\t1e-6                                                          "
                    "                                                                                "
                    "                                                                                "
                    "                                                                                "
                    "                                                                                "
                    "                                                                                "
                    "                                                                                \n",
         "line 1: longer than 510 bytes, or not text"},
    };
    char dir[512], path[700], args[1024];
    ck_assert(make_temp_dir(dir, sizeof dir) == 0);
    snprintf(path, sizeof path, "%s/rows.tsv", dir);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs(cases[k].rows, f);
        ck_assert_int_eq(fclose(f), 0);
        snprintf(args, sizeof args, TINY " %s=%s", cases[k].flag, path);
        assert_program_refuses("optimizer_bench_fast", args, NULL, cases[k].message);
    }
    snprintf(args, sizeof args, TINY " --teaching=%s", dir);   /* a directory: read, it fails */
    assert_program_refuses("optimizer_bench_fast", args, NULL, "Is a directory");
    remove_tree(dir);
}
END_TEST

/* Lesson 10's roofline.h, which the bench and the lesson's program call:
 * the table in the bench's order, a timing of every optimizer at a tiny
 * size (positive times, the step's bits the same on a second run), its
 * speed in cache (positive), and bad arguments refused. */
START_TEST(test_roofline_times_every_optimizer)
{
    ck_assert_int_ge(roofline_count(), NUM_NAMES);
    for (int k = 0, i = 0; k < NUM_NAMES; k++, i++) {
        while (i < roofline_count() && strcmp(roofline_name(i), NAMES[k]) != 0) i++;   /* Lion */
        ck_assert_msg(i < roofline_count(), "roofline.h has no %s (in the bench's order)", NAMES[k]);
        RooflineTiming t, again;
        ck_assert_int_eq(roofline_time(i, 5000, 1, &t), 0);
        ck_assert_str_eq(t.name, NAMES[k]);
        ck_assert_double_eq(t.bytes_per_param, roofline_optimizer(i)->bytes_per_param);
        ck_assert_msg(t.step_seconds > 0 && t.kernel_seconds > 0, "%s: %g s, kernel %g s", t.name,
                      t.step_seconds, t.kernel_seconds);
        ck_assert_int_eq(t.threads, 1);
        ck_assert_int_eq(roofline_measure(i, 5000, 1, false, &again), 0);
        ck_assert_double_eq(again.kernel_seconds, -1);
        ck_assert_msg(again.param_hash == t.param_hash, "%s: two runs, two answers", t.name);
        double in_cache = -1;
        ck_assert_int_eq(roofline_in_cache(i, 1, 1, &in_cache), 0);
        ck_assert_msg(in_cache > 0 && isfinite(in_cache), "%s: %g params/s in cache", t.name, in_cache);
    }
    RooflineTiming t;
    double rate = -1;
    ck_assert_int_eq(roofline_in_cache(-1, 1, 1, &rate), -1);
    ck_assert_int_eq(roofline_in_cache(0, 0, 1, &rate), -1);
    ck_assert_int_eq(roofline_in_cache(0, 1, 0, &rate), -1);
    ck_assert_int_eq(roofline_in_cache(0, 1, 129, &rate), -1);
    ck_assert_double_eq(rate, -1);   /* untouched */
    ck_assert_int_eq(roofline_time(-1, 100, 1, &t), -1);
    ck_assert_int_eq(roofline_time(roofline_count(), 100, 1, &t), -1);
    ck_assert_ptr_null(roofline_name(roofline_count()));
    ck_assert_int_eq(roofline_time(0, 0, 1, &t), -1);
    ck_assert_int_eq(roofline_time(0, 100, 0, &t), -1);
    ck_assert_int_eq(roofline_time(0, SIZE_MAX / 2, 1, &t), -1);   /* too many bytes to count */
}
END_TEST

START_TEST(test_nearest_code_timed_both_ways)
{
    /* Times only (no assertion on them): both ways run, and a bad argument
     * leaves the outputs alone. */
    double search = -1, index = -1;
    ck_assert_int_eq(roofline_nearest_code(1000, 1, &search, &index), 0);
    ck_assert_msg(search > 0 && index > 0 && isfinite(search) && isfinite(index), "%g %g ns", search,
                  index);
    search = index = -1;
    ck_assert_int_eq(roofline_nearest_code(0, 1, &search, &index), -1);
    ck_assert_int_eq(roofline_nearest_code(10, 0, &search, &index), -1);
    ck_assert_int_eq(roofline_nearest_code(10, 129, &search, &index), -1);
    ck_assert_int_eq(roofline_nearest_code(SIZE_MAX / 2, 1, &search, &index), -1);
    ck_assert(search == -1 && index == -1);
}
END_TEST

void add_bench_tests(TCase *core, TCase *limits);

void add_bench_tests(TCase *core, TCase *limits)
{
    tcase_add_test(core, test_teaching_build_prints_well_formed_rows);
    tcase_add_test(core, test_fast_build_table_has_every_optimizer_with_the_same_bits);
    tcase_add_test(core, test_roofline_times_every_optimizer);
    tcase_add_test(core, test_nearest_code_timed_both_ways);
    tcase_add_test(limits, test_bench_refuses_bad_flags);
    tcase_add_test(limits, test_bench_refuses_bad_rows);
}
