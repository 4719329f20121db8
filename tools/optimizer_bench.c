/* optimizer_bench.c - every optimizer's step against the memory roofline of
 * this machine (`make bench-optimizers`, part of `make bench`; lesson 10).
 *
 * The measurement is lesson 10's (lessons/10_memory/roofline.h says what it
 * measures): for each optimizer its step, the lesson's own update function
 * called chunk by chunk, and a memory-only kernel that reads and writes
 * exactly the arrays the step reads and writes. The kernel's time over the
 * step's time is how close the step comes to the roofline.
 *
 * The same files are built twice (tools/optimizer_bench.mk): with the
 * project's CFLAGS (-O2: the teaching build, one thread) and with
 * -O3 -march=native -fno-math-errno -flto -fopenmp (the fast build,
 * BENCH_FAST; the .mk file says what each flag changes), each time with the
 * lessons' own update functions and lesson 10's roofline.c compiled the
 * same way. The fast build hands the chunks to its threads. The update
 * functions are elementwise, so a chunk's step is exactly the whole step's,
 * and both builds end on the same bits (the `bits` column checks it).
 * Adafactor's step is one call on the whole tensor (it sums over all of
 * it), which shares its sections among the threads itself.
 *
 *     optimizer_bench [--n=1e7] [--repeats=5] [--threads=2] [--only=adam,adamw]
 *                     [--tsv] [--teaching=FILE] [--torch=FILE]
 *
 * --tsv prints this build's measurements as rows for another run to read;
 * otherwise a table, joined with the teaching build's rows (--teaching) and
 * PyTorch's (--torch, from tools/torch_optimizer_bench.py) when given.
 * Each time is the median of `repeats` runs after one warm-up run. Timings
 * vary with the machine and its load; no test asserts on them. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "experiment.h"
#include "files.h"
#include "flags.h"
#include "input.h"   /* excerpt */
#include "roofline.h"

#ifdef _OPENMP
#include <omp.h>
#endif

#ifdef BENCH_FAST
#define BUILD_NAME "fast"
#else
#define BUILD_NAME "teaching"
#endif
/* The two builds' flags, as tools/optimizer_bench.mk passes them. */
#ifndef BENCH_TEACHING_FLAGS
#define BENCH_TEACHING_FLAGS "?"
#endif
#ifndef BENCH_FAST_FLAGS
#define BENCH_FAST_FLAGS "?"
#endif
#ifdef BENCH_FAST
#define BENCH_FLAGS BENCH_FAST_FLAGS
#else
#define BENCH_FLAGS BENCH_TEACHING_FLAGS
#endif

#ifdef BENCH_FAST
static const char COMMAND[] = "optimizer_bench_fast";
#else
static const char COMMAND[] = "optimizer_bench";
#endif

/* The table's optimizers are roofline.h's, in its order; at most this many. */
enum { MAX_BENCHES = 32 };

/* The index in roofline.h's table of the optimizer named by the first len
 * bytes of name, or -1. */
static int bench_index(const char *name, size_t len)
{
    for (int k = 0; k < roofline_count(); k++)
        if (strlen(roofline_name(k)) == len && strncmp(name, roofline_name(k), len) == 0) return k;
    return -1;
}

/* ---- the other builds' rows, and the table -------------------------------------------- */

typedef struct {
    int have;
    double step_s;
    uint64_t hash;
    char why[128];   /* PyTorch: why there is no time */
} Row;

/* Reads rows "PREFIX NAME N ..." (tab-separated) of a --tsv run (prefix
 * step: "step NAME N SECONDS HASH ...") or of tools/torch_optimizer_bench.py
 * (prefix torch: "torch NAME N SECONDS", or "torch NAME N - WHY") into
 * rows[], by optimizer; rows of another n are not this table's. Such a file
 * has a few dozen short lines: a longer line, or more than ROWS_MAX_LINES,
 * is not one (/dev/zero would be read for ever). */
enum { ROWS_MAX_LINES = 10000 };
static void read_rows(const char *path, const char *prefix, Row rows[MAX_BENCHES], size_t n)
{
    FILE *f = fopen(path, "r");
    if (!f) die_usage(COMMAND, "cannot read %s: %s", path, strerror(errno));
    char line[512];
    int number = 0, ours = 0;   /* the line's number; the rows with our prefix */
    while (fgets(line, sizeof line, f)) {
        number++;
        if (number > ROWS_MAX_LINES)
            die_usage(COMMAND, "%s: more than %d lines (is it the right file?)", path, ROWS_MAX_LINES);
        if (!strchr(line, '\n') && !feof(f))   /* or a NUL byte before its end: not text either way */
            die_usage(COMMAND, "%s, line %d: longer than %zu bytes, or not text (is it the right file?)", path,
                      number, sizeof line - 2);
        line[strcspn(line, "\r\n")] = '\0';
        char *field[6] = {0};
        int fields = 0;
        for (char *s = line; s && fields < 6; fields++) {
            field[fields] = s;
            s = strchr(s, '\t');
            if (s) *s++ = '\0';
        }
        if (fields < 4 || strcmp(field[0], prefix) != 0) continue;
        ours++;
        const int k = bench_index(field[1], strlen(field[1]));
        if (k < 0) die_usage(COMMAND, "%s, line %d: no optimizer '%.40s' in this bench", path, number, field[1]);
        if (strtoull(field[2], NULL, 10) != n) continue;
        double seconds = 0;
        /* No step is timed below a nanosecond (the clock's resolution) or
         * above a day: outside that, a row is not a timing, and its ratios
         * would print as 1e+297x. */
        if (strcmp(field[3], "-") != 0 &&
            (parse_double(field[3], &seconds) != 0 || !(seconds >= 1e-9 && seconds <= 86400)))
            die_usage(COMMAND, "%s, line %d: '%.40s' is not a time in seconds (1e-9 to 86400, or -)", path,
                      number, field[3]);
        Row *r = &rows[k];
        if (strcmp(field[3], "-") == 0) {
            snprintf(r->why, sizeof r->why, "%s", fields > 4 ? field[4] : "no time");
        } else if (strcmp(prefix, "torch") == 0 || fields >= 5) {
            r->have = 1, r->step_s = seconds;
            if (fields >= 5) {   /* the parameters' hash: 16 hex digits, as --tsv prints it */
                char *end;
                r->hash = strtoull(field[4], &end, 16);
                if (strlen(field[4]) != 16 || *end != '\0' || !isxdigit((unsigned char)field[4][0]))
                    die_usage(COMMAND, "%s, line %d: '%.40s' is not a hash of 16 hex digits", path, number,
                              field[4]);
            }
        }
    }
    if (ferror(f)) die_usage(COMMAND, "cannot read %s: %s", path, strerror(errno));   /* a directory */
    fclose(f);
    if (ours == 0) die_usage(COMMAND, "%s holds no '%s' rows (is it the right file?)", path, prefix);
}

typedef struct {
    double n;
    int repeats;
    int threads;
    const char *only;
    bool tsv;
    const char *teaching;
    const char *torch;
} BenchArgs;

static const OptionSpec bench_options[] = {
    {"n", OPT_DOUBLE, offsetof(BenchArgs, n), "parameters (one flat tensor), e.g. 1e8", 0, 0},
    {"repeats", OPT_INT, offsetof(BenchArgs, repeats), "timed runs after one warm-up; the median is reported", 1, 99},
    {"threads", OPT_INT, offsetof(BenchArgs, threads), "threads of the fast build (OpenMP)", 1, 256},
    {"only", OPT_STRING, offsetof(BenchArgs, only), "optimizers to time, comma-separated (default all)", 0, 0},
    {"tsv", OPT_BOOL, offsetof(BenchArgs, tsv), "print rows for another run to read, not the table", 0, 0},
    {"teaching", OPT_STRING, offsetof(BenchArgs, teaching), "the teaching build's --tsv rows, for the table", 0, 0},
    {"torch", OPT_STRING, offsetof(BenchArgs, torch), "tools/torch_optimizer_bench.py's rows, for the table", 0, 0},
    {NULL, 0, 0, NULL, 0, 0},
};

static bool wanted(const char *only, const char *name)
{
    if (!only || !*only) return true;
    size_t len = strlen(name);
    for (const char *s = only; *s;) {
        const char *end = strchr(s, ',');
        size_t l = end ? (size_t)(end - s) : strlen(s);
        if (l == len && strncmp(s, name, len) == 0) return true;
        s += l + (end != NULL);
    }
    return false;
}

static void check_only(const char *only)
{
    if (!only) return;
    bool named[MAX_BENCHES] = {false};
    for (const char *s = only; *s;) {
        const char *end = strchr(s, ',');
        size_t l = end ? (size_t)(end - s) : strlen(s);
        const int k = bench_index(s, l);
        Excerpt shown;
        if (k < 0) die_usage(COMMAND, "--only: no optimizer '%s' here", excerpt(s, l, &shown));
        if (named[k]) die_usage(COMMAND, "--only: %s is named twice", roofline_name(k));
        named[k] = true;
        s += l + (end != NULL);
    }
}

static void print_table(const BenchArgs *args, size_t n, const RooflineTiming *fast,
                        const double *in_cache, const Row *teaching, const Row *torch)
{
    int threads = 1;
#ifdef _OPENMP
    threads = args->threads;
#endif
    printf("optimizer step at n = %zu parameters (one flat float32 tensor), median of %d steps\n",
           n, args->repeats);
    printf("teaching build: %s, 1 thread; fast build: %s, %d thread%s\n", BENCH_TEACHING_FLAGS,
           BENCH_FAST_FLAGS, threads, threads == 1 ? "" : "s");
#ifndef _OPENMP
    printf("no OpenMP (the compiler refused -fopenmp): the fast build runs on 1 thread\n");
#endif
    printf("kernel: the step's reads and writes and no arithmetic, fast build, the step's threads\n");
    printf("in cache: the fast build's step on arrays in the cache, the step's threads\n\n");
    printf("%-9s %6s %9s %9s %8s %8s %6s %8s %9s %8s %5s\n", "", "bytes/", "teaching", "fast",
           "fast", "kernel", "% of", "in cache", "PyTorch", "fast vs", "same");
    printf("%-9s %6s %9s %9s %8s %8s %6s %8s %9s %8s %5s\n", "optimizer", "param", "Gparam/s",
           "Gparam/s", "GB/s", "GB/s", "kernel", "Gparam/s", "Gparam/s", "PyTorch", "bits");
    int met_kernel = 0, met_torch = 0, timed = 0, torch_timed = 0;
    char missed_kernel[256] = "", missed_torch[256] = "", arithmetic_bound[256] = "",
         out_of_reach[512] = "";
    for (int k = 0; k < roofline_count(); k++) {
        const RooflineOptimizer *b = roofline_optimizer(k);
        if (!wanted(args->only, b->name)) continue;
        const RooflineTiming *m = &fast[k];
        const double gps = n / m->step_seconds * 1e-9, gbs = gps * b->bytes_per_param;
        const double kernel_gbs = n / m->kernel_seconds * 1e-9 * b->bytes_per_param;
        const double pct = 100.0 * m->kernel_seconds / m->step_seconds;
        char teach[16] = "-", same[8] = "-", tgps[16] = "-", ratio[16] = "";
        if (teaching[k].have) {
            snprintf(teach, sizeof teach, "%.3f", n / teaching[k].step_s * 1e-9);
            snprintf(same, sizeof same, "%s", teaching[k].hash == m->param_hash ? "yes" : "NO");
        }
        if (torch[k].have) {
            snprintf(tgps, sizeof tgps, "%.3f", n / torch[k].step_s * 1e-9);
            snprintf(ratio, sizeof ratio, "%.1fx", torch[k].step_s / m->step_seconds);
            torch_timed++;
            if (torch[k].step_s / m->step_seconds >= 20) met_torch++;
            else
                snprintf(missed_torch + strlen(missed_torch), sizeof missed_torch - strlen(missed_torch),
                         " %s", b->name);
            /* No step that moves these bytes beats the kernel: PyTorch's
             * time over the kernel's is the most any code can gain on it. */
            const double at_most = torch[k].step_s / m->kernel_seconds;
            if (at_most < 20)
                snprintf(out_of_reach + strlen(out_of_reach), sizeof out_of_reach - strlen(out_of_reach),
                         " %s (%.1fx)", b->name, at_most);
        } else {
            snprintf(ratio, sizeof ratio, "%s", args->torch ? "none" : "no torch");
        }
        timed++;
        if (pct >= 90) met_kernel++;
        else
            snprintf(missed_kernel + strlen(missed_kernel), sizeof missed_kernel - strlen(missed_kernel),
                     " %s", b->name);
        /* Slower with nothing to wait for than memory lets it be: the
         * arithmetic, not memory, sets this step's speed. */
        if (in_cache[k] * b->bytes_per_param < kernel_gbs * 1e9)
            snprintf(arithmetic_bound + strlen(arithmetic_bound),
                     sizeof arithmetic_bound - strlen(arithmetic_bound), " %s", b->name);
        printf("%-9s %6.2f %9s %9.3f %8.2f %8.2f %6.1f %8.3f %9s %8s %5s%s\n", b->name,
               b->bytes_per_param, teach, gps, gbs, kernel_gbs, pct, in_cache[k] * 1e-9, tgps, ratio,
               same, b->sliced ? "" : " (one call)");
    }
    printf("\nbytes a parameter, counted from each update function's loops:\n");
    for (int k = 0; k < roofline_count(); k++)
        if (wanted(args->only, roofline_name(k)))
            printf("  %-9s %s\n", roofline_name(k), roofline_optimizer(k)->traffic);
    for (int k = 0; k < roofline_count(); k++)
        if (wanted(args->only, roofline_name(k)) && !roofline_optimizer(k)->sliced)
            printf("%s: one call on the whole tensor (its RMS(param) and update clipping sum all of "
                   "it), its sections shared among the threads\n",
                   roofline_name(k));
    for (int k = 0; k < roofline_count(); k++)
        if (wanted(args->only, roofline_name(k)) && !torch[k].have && args->torch && torch[k].why[0])
            printf("PyTorch %s: %s\n", roofline_name(k), torch[k].why);
    printf("fast build >= 90%% of its memory kernel: %d of %d%s%s\n", met_kernel, timed,
           *missed_kernel ? "; below:" : "", missed_kernel);
    printf("bound by arithmetic (in cache slower than its kernel lets it be):%s\n",
           *arithmetic_bound ? arithmetic_bound : " none");
    if (torch_timed) {
        printf("fast build >= 20x PyTorch's step: %d of %d%s%s\n", met_torch, torch_timed,
               *missed_torch ? "; below:" : "", missed_torch);
        if (*out_of_reach)
            printf("20x PyTorch is beyond memory's reach for some: PyTorch's step over the kernel's,\n"
                   "the most any code moving the same bytes can gain on it:%s\n", out_of_reach);
    } else {
        printf("fast build vs PyTorch: no step timed in PyTorch (%s), no ratio\n",
               args->torch ? "none of these optimizers" : "python3-torch not found");
    }
}

int main(int argc, char **argv)
{
    check_stdout_at_exit("optimizer_bench");
    BenchArgs args = {1e7, 5, 2, NULL, false, NULL, NULL};
    const BenchArgs defaults = args;
    char err[512];
    int parsed = flags_parse(bench_options, &args, argc, argv, 1, err, sizeof err);
    if (parsed == 1) {
        printf("usage: %s [flags]\n\nTimes every optimizer's step against a memory-only kernel with "
               "its traffic.\nThis is the %s build (%s).\n\n",
               COMMAND, BUILD_NAME, BENCH_FLAGS);
        flags_print_help(stdout, bench_options, &defaults);
        return 0;
    }
    if (parsed != 0) die_usage(COMMAND, "%s", err);
    if (!(args.n >= 1 && args.n <= 4e9 && args.n == floor(args.n)))
        die_usage(COMMAND, "--n must be a whole number from 1 to 4e9, not %g", args.n);
    if ((args.teaching || args.torch) && args.tsv)
        die_usage(COMMAND, "--tsv prints rows; --teaching and --torch are for the table");
    if (roofline_count() > MAX_BENCHES) fail("%s: more optimizers than MAX_BENCHES", COMMAND);
    check_only(args.only);
    const size_t n = (size_t)args.n;
    /* malloc promises more than the machine has (Linux overcommits), and the
     * kernel kills the process when the pages are touched: ask first. */
    const double memory = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
    for (int k = 0; k < roofline_count(); k++) {
        const RooflineOptimizer *o = roofline_optimizer(k);
        const double bytes = args.n * (4.0 * o->floats + o->codes);
        if (wanted(args.only, o->name) && memory > 0 && bytes > memory)
            die_usage(COMMAND, "--n=%g: %s's arrays need %.1f GB, more than this machine's %.1f GB", args.n,
                      o->name, bytes / 1e9, memory / 1e9);
    }
#ifdef _OPENMP
    omp_set_num_threads(args.threads);
    omp_set_dynamic(0);
#endif
    Row teaching[MAX_BENCHES], torch[MAX_BENCHES];
    memset(teaching, 0, sizeof teaching);
    memset(torch, 0, sizeof torch);
    if (args.teaching) read_rows(args.teaching, "step", teaching, n);
    if (args.torch) read_rows(args.torch, "torch", torch, n);

    RooflineTiming fast[MAX_BENCHES];
    double in_cache[MAX_BENCHES] = {0};
    memset(fast, 0, sizeof fast);
    for (int k = 0; k < roofline_count(); k++) {
        if (!wanted(args.only, roofline_name(k))) continue;
        /* The teaching build's rows need no kernel: the table's kernel is the fast build's. */
        if (roofline_measure(k, n, args.repeats, !args.tsv, &fast[k]) != 0)
            fail("%s: out of memory (%s's arrays at n = %zu)", COMMAND, roofline_name(k), n);
        if (!args.tsv && roofline_in_cache(k, 4000000, args.repeats, &in_cache[k]) != 0)
            fail("%s: out of memory (%s's arrays in cache)", COMMAND, roofline_name(k));
        if (args.tsv)
            printf("step\t%s\t%zu\t%.9f\t%016llx\t%s\t%d\t%.4f\n", fast[k].name, n,
                   fast[k].step_seconds, (unsigned long long)fast[k].param_hash, BUILD_NAME,
                   fast[k].threads, fast[k].bytes_per_param);
        fflush(stdout);
    }
    if (!args.tsv) print_table(&args, n, fast, in_cache, teaching, torch);
    return 0;
}
