/* main.c - the GPU chapter's program: what the chapter can measure on the
 * CPU, for every machine that builds the book.
 *
 *     build/bin/13_gpu [--seed=S] [--quick] [--out=DIR]
 *
 * The bytes each kernel moves a parameter; the shared-memory bank
 * conflicts of 8-bit Adam's table reads, counted from the codes of a real
 * run; the two roundings of the BF16 working copy; and the CPU loop that
 * the kernels replace. The kernels' own timings need a GPU: `make bench-gpu`
 * prints them, and the program reads the ones a GPU recorded in
 * gpu/timings/ (recorded.h). Tables go to DIR/out/13_gpu/; --quick shrinks
 * every experiment to a smoke run (the tests use it). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bank_conflicts.h"
#include "bench_inputs.h"   /* BENCH_RUNS, BENCH_TENSORS, the targets */
#include "experiment.h"
#include "gpu_measures.h"
#include "recorded.h"

static const OptionSpec FLAGS[] = {
    LESSON_FLAGS("not used: the chapter's measurements have fixed sizes"),
    {NULL, 0, 0, NULL, 0, 0},
};

/* ---- 1. bytes a parameter --------------------------------------------------------------- */

/* NVIDIA's H100 SXM datasheet: its HBM3 memory moves 3.35 TB/s. A step that
 * moves B bytes a parameter can do no better than 3.35e12 / B parameters a
 * second there; the kernels' timings (make bench-gpu) say how close they come. */
#define H100_SXM_BYTES_PER_S 3.35e12
/* and its CUDA cores' FP32 arithmetic, 67 TFLOPS (no Tensor Core; chapter 11). */
#define H100_SXM_FP32_FLOPS 67e12

static void traffic(Report *r)
{
    const struct {
        const char *tag, *step;
        const StepArray *arrays;
        int block;
    } steps[] = {
        {"fused", "fused AdamW", FUSED_ADAMW_ARRAYS, 0},
        {"fp32", "AdamW, all FP32 (lesson 06)", ADAMW_FP32_ARRAYS, 0},
        {"q8_fp32", "8-bit Adam, FP32 param and grad", ADAM8BIT_FP32_ARRAYS, 256},
        {"q8_bf16", "8-bit Adam, BF16 param and grad", ADAM8BIT_BF16_ARRAYS, 256},
    };
    const Column columns[] = {{"step", "%s"}, {"read", "%.4g"}, {"written", "%.4g"},
                              {"bytes a\nparameter", "%.4g"}, {"params/s,\nx fused", "%.2f"},
                              {"H100 ceiling,\nG params/s", "%.0f"}, {NULL, NULL}};
    Table *t = table_begin(r, "traffic", "What one step moves, bytes a parameter", columns);
    double fused = NAN;
    for (int s = 0; s < 4; s++) {
        double read, written;
        step_traffic(steps[s].arrays, steps[s].block, &read, &written);
        if (s == 0) fused = read + written;
        const double ceiling = H100_SXM_BYTES_PER_S / (read + written) / 1e9;
        table_row(t, steps[s].step, read, written, read + written, fused / (read + written), ceiling);
        report_values(r, steps[s].tag, (NamedValue[]){{"bytes_%s", "%.4g", read + written},
                                                      {"speedup_%s", "%.2f", fused / (read + written)},
                                                      {"ceiling_%s", "%.0f", ceiling}, {NULL}});
    }
    table_note(t, "fused AdamW: BF16 gradient and working copy, FP32 master weights, exp_avg, exp_avg_sq;");
    table_note(t, "params/s: at one bandwidth, against fused AdamW;");
    table_note(t, "8-bit Adam adds the absmax of m and v, one float each per block of 256, read and written;");
    table_note(t, "the ceiling: the H100 SXM datasheet's %.2f TB/s of memory divided by the bytes",
               H100_SXM_BYTES_PER_S / 1e12);
    table_end(t);
    report_values(r, NULL, (NamedValue[]){{"h100_tbs", "%.2f", H100_SXM_BYTES_PER_S / 1e12},
                                          {"h100_fp32_tflops", "%.1f", H100_SXM_FP32_FLOPS / 1e12},
                                          {"h100_ops_per_byte", "%.0f", H100_SXM_FP32_FLOPS / H100_SXM_BYTES_PER_S},
                                          {NULL}});
}

/* ---- 2. shared-memory bank conflicts --------------------------------------------------- */

/* The passes a warp spends on shared memory for each element it steps:
 * both tables' dequantize reads and searches, and m's sign fix. */
static double passes_per_element(const BankCounts *c)
{
    double passes = c->sign_ways;
    for (int m = 0; m < 2; m++) {
        passes += c->dequantize_ways[m];
        for (int p = 0; p < SEARCH_PROBES; p++) passes += c->search_ways[m][p];
    }
    return passes;
}

static void bank_ways_figure(Report *r, const BankCounts *plain, const BankCounts *padded)
{
    Figure *fig = report_figure_set(r, "13_bank_ways", "set xlabel 'read of the search (1 = code[127])'\n"
                                    "set ylabel 'ways of a warp read (1 = no conflict)'\n"
                                    "set xrange [0.5:8.5]\nset xtics 1\nset key top right\n");
    const double read_number[SEARCH_PROBES] = {1, 2, 3, 4, 5, 6, 7, 8};
    figure_xy(fig, "linespoints ls 1 pt 7", read_number, plain->search_ways[0], SEARCH_PROBES, "m");
    figure_xy(fig, "linespoints ls 2 pt 5", read_number, plain->search_ways[1], SEARCH_PROBES, "v");
    figure_xy(fig, "linespoints ls 1 dt 2 pt 6", read_number, padded->search_ways[0], SEARCH_PROBES,
              "m, padded table");
    figure_xy(fig, "linespoints ls 2 dt 2 pt 4", read_number, padded->search_ways[1], SEARCH_PROBES,
              "v, padded table");
    figure_close(fig);
}

/* The launch Nsight Compute profiled (gpu/timings/nvidia-h200-ncu-fast.txt,
 * 2^26 FP32 parameters): in `adam8bit --bench` the first kernel's warm-up
 * and BENCH_RUNS timed launches come first, then the fast kernel's, of
 * which the profiler skipped NCU_FAST_LAUNCH_SKIP (recorded_profile checks
 * the file's command). So the profiled launch read the codes that so many
 * launches had left. */
enum { NCU_FAST_LAUNCH_SKIP = 2, NCU_FAST_LAUNCHES_BEFORE = 1 + BENCH_RUNS + NCU_FAST_LAUNCH_SKIP };

/* The passes a warp spends an element on the codes of that launch, its
 * first n parameters: what the count says of the profiled launch itself. */
static double bench_passes(size_t n)
{
    Adam8bitRun *run = must(adam8bit_bench_run_new(n, NCU_FAST_LAUNCHES_BEFORE), "out of memory");
    BankCounts c;
    bank_conflicts_count(run->grad, run->state1, run->state2, run->absmax1, run->absmax2, n, run->qmap1,
                         run->qmap2, &run->next, LAYOUT_FAST, TABLE_PLAIN, &c);
    adam8bit_run_free(run);
    return passes_per_element(&c);
}

static void bank_conflicts(Report *r, const LessonArgs *a)
{
    const size_t n = a->quick ? 16 * 256 : 1024 * 256, bench_n = a->quick ? 64 * 256 : 4096 * 256;
    const int steps = a->quick ? 10 : 100;
    Adam8bitRun *run = must(adam8bit_run_new(n, steps, (uint64_t)a->seed), "out of memory");
    /* [0] the first kernel, [1] the fast one, [2] the fast one on padded tables */
    BankCounts c[3];
    const ThreadLayout layout[3] = {LAYOUT_FIRST, LAYOUT_FAST, LAYOUT_FAST};
    const TableLayout table[3] = {TABLE_PLAIN, TABLE_PLAIN, TABLE_PADDED};
    for (int k = 0; k < 3; k++)
        bank_conflicts_count(run->grad, run->state1, run->state2, run->absmax1, run->absmax2, n,
                             run->qmap1, run->qmap2, &run->next, layout[k], table[k], &c[k]);
    const Column columns[] = {{"read", "%s"}, {"m", "%.2f"}, {"m, padded\ntable", "%.2f"}, {"v", "%.2f"},
                              {"v, padded\ntable", "%.2f"}, {"whole warp on\none entry (m)", "%.0f%%"},
                              {NULL, NULL}};
    Table *t = table_begin(r, "banks", "Ways of a warp's read of a code table in shared memory (1 = no conflict)",
                           columns);
    for (int column = 3; column <= 5; column++) table_nan_text(t, column, "");
    const BankCounts *fast = &c[1], *padded = &c[2];
    table_row(t, "code[c]: dequantize", fast->dequantize_ways[0], padded->dequantize_ways[0],
              fast->dequantize_ways[1], padded->dequantize_ways[1], NAN);
    for (int p = 0; p < SEARCH_PROBES; p++) {
        char label[64];
        snprintf(label, sizeof label, "search, read %d", p + 1);
        table_row(t, label, fast->search_ways[0][p], padded->search_ways[0][p], fast->search_ways[1][p],
                  padded->search_ways[1][p], 100 * fast->search_broadcast[0][p]);
    }
    table_row(t, "code[q]: sign fix (m)", fast->sign_ways, padded->sign_ways, NAN, NAN, NAN);
    table_row(t, "passes an element, both tables", passes_per_element(fast), passes_per_element(padded), NAN, NAN,
              NAN);
    table_note(t, "the fast kernel (thread t steps elements 4t .. 4t + 3), one step of 8-bit Adam on %zu", n);
    table_note(t, "parameters after %d steps, %ld warp reads of each table a read; the last row adds", steps,
               fast->reads);
    table_note(t, "both tables' reads (m's column) and the same on padded tables");
    table_end(t);
    bank_ways_figure(r, fast, padded);
    report_values(r, NULL, (NamedValue[]){
        {"banks_n", "%.0f", (double)n}, {"banks_steps", "%d", steps},
        {"banks_deq_m_first", "%.2f", c[0].dequantize_ways[0]}, {"banks_deq_m_fast", "%.2f", fast->dequantize_ways[0]},
        {"banks_deq_v_fast", "%.2f", fast->dequantize_ways[1]},
        {"banks_passes", "%.1f", passes_per_element(fast)}, {"banks_passes_padded", "%.1f", passes_per_element(padded)},
        {"banks_passes_bench", "%.1f", bench_passes(bench_n)}, {"banks_bench_n", "%.0f", (double)bench_n},
        {"banks_bench_launches", "%d", NCU_FAST_LAUNCHES_BEFORE},
        {"banks_read2_m", "%.2f", fast->search_ways[0][1]}, {"banks_read3_m", "%.2f", fast->search_ways[0][2]},
        {"banks_read4_m", "%.2f", fast->search_ways[0][3]}, {"banks_read4_v", "%.2f", fast->search_ways[1][3]},
        {NULL}});
    adam8bit_run_free(run);
}

/* ---- 3. the BF16 working copy: to nearest or stochastic -------------------------------- */

static void rounding(Report *r, const LessonArgs *a)
{
    const size_t n = a->quick ? 4096 : 1 << 18;
    const int steps = a->quick ? 20 : 200;
    const Column columns[] = {{"working copy", "%s"}, {"mean |error|\n(BF16 spacings)", "%.3f"},
                              {"mean error\n(bias)", "%+.4f"}, {"copies that\nmoved", "%.1f%%"}, {NULL, NULL}};
    Table *t = table_begin(r, "rounding", "The BF16 working copy against its FP32 master after the run", columns);
    const char *names[2] = {"rounded to nearest", "rounded stochastically"}, *tags[2] = {"nearest", "sr"};
    for (int s = 0; s < 2; s++) {
        const RoundingError e = working_copy_error(n, steps, s == 1, (uint64_t)a->seed);
        table_row(t, names[s], e.mean_abs_ulps, e.mean_ulps, 100 * e.changed);
        report_values(r, tags[s], (NamedValue[]){{"round_%s_abs", "%.3f", e.mean_abs_ulps},
                                                 {"round_%s_bias", "%+.4f", e.mean_ulps},
                                                 {"round_%s_moved", "%.1f", 100 * e.changed}, {NULL}});
    }
    table_note(t, "%zu master weights in [1, 2), %d steps of AdamW at lr 1e-4 (steps of about 1e-4, the", n, steps);
    table_note(t, "BF16 spacing there is 2^-7 = 0.0078): the copy is made from the master after each step");
    table_end(t);
    report_values(r, NULL, (NamedValue[]){{"round_n", "%.0f", (double)n}, {"round_steps", "%d", steps}, {NULL}});
}

/* ---- 4. the CPU loop ------------------------------------------------------------------ */

static void cpu_loop(Report *r, const LessonArgs *a)
{
    const size_t n = a->quick ? 1 << 16 : 1 << 23;
    const double seconds = cpu_fused_step_seconds(n, a->quick ? 3 : 7);
    double read, written;
    step_traffic(FUSED_ADAMW_ARRAYS, 0, &read, &written);
    report_values(r, NULL, (NamedValue[]){{"cpu_n", "%.0f", (double)n},
                                          {"cpu_ms", "%.1f", 1e3 * seconds},
                                          {"cpu_gparams", "%.3f", (double)n / seconds / 1e9},
                                          {"cpu_gbs", "%.1f", (double)n * (read + written) / seconds / 1e9},
                                          {NULL}});
}

/* ---- 5. what a GPU recorded ------------------------------------------------------------ */

/* The files a device wrote (gpu/timings/, see their header lines): make
 * bench-gpu's output, and Nsight Compute's reports of 8-bit Adam's fast
 * kernel, with the search and with the index, on the same device. */
#define RECORDED_BENCH "nvidia-h200.txt"
#define RECORDED_PROFILE(kernel) "nvidia-h200-ncu-" kernel ".txt"
#define RECORDED_PARAMS (1LL << 28)   /* the size the bench's targets are judged at */
/* BENCH_TENSORS as the recorded lines' tensors column spells it: a run
 * recorded with another count is not found, and the program says so. */
#define SPELLED(x) #x
#define SPELLED_VALUE(x) SPELLED(x)
#define RECORDED_TENSORS SPELLED_VALUE(BENCH_TENSORS)

static const KernelTiming *must_timing(const RecordedBench *rb, bool fused, const char *what, const char *kind)
{
    return must((void *)line_kernel(recorded_line(rb, fused, RECORDED_PARAMS, what), kind),
                "gpu/timings/" RECORDED_BENCH ": a line at 2^28 parameters is missing");
}

/* The parameters of the profiled launch, as each ncu file's header says. */
#define PROFILED_PARAMS "2^26"
#define PROFILED_NUMEL (double)(1 << 26)

/* What held one of 8-bit Adam's fast kernels back, by the profiler: how
 * busy the SMs and the memory were, the share of shared-memory passes that
 * bank conflicts cost, the warp instructions executed; and, to set beside
 * the count of section 2, the shared-memory read instructions and passes a
 * warp spent for each element a thread steps (a warp steps 32 elements at a
 * time, one a thread: n / 32 of them in the launch). */
static void recorded_profile(Report *r, const char *tag, const char *file, int launch_skip)
{
    char skip[64];
    snprintf(skip, sizeof skip, "--launch-skip %d ", launch_skip);
    char *report = must(recorded_file_read(GPU_TIMINGS_DIR, file), "cannot read a file of gpu/timings/");
    const double sm = ncu_metric(report, "Compute (SM) Throughput"), dram = ncu_metric(report, "DRAM Throughput"),
                 conflicts = ncu_metric(report, "l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_ld.sum"),
                 wavefronts = ncu_metric(report, "l1tex__data_pipe_lsu_wavefronts_mem_shared_op_ld.sum"),
                 instructions = ncu_metric(report, "smsp__inst_executed.sum"),
                 shared_reads = ncu_metric(report, "smsp__inst_executed_op_shared_ld.sum"),
                 occupancy = ncu_metric(report, "Achieved Occupancy");
    const bool profiled_size = strstr(report, PROFILED_PARAMS " parameters") != NULL;
    const bool profiled_launch = strstr(report, skip) != NULL;
    free(report);
    if (isnan(sm) || isnan(dram) || isnan(conflicts) || isnan(wavefronts) || isnan(instructions) ||
        isnan(shared_reads) || isnan(occupancy))
        fail("gpu/timings/%s: a metric the chapter quotes is missing", file);
    if (!profiled_size) fail("gpu/timings/%s: its header does not say " PROFILED_PARAMS " parameters", file);
    if (!profiled_launch) fail("gpu/timings/%s: its ncu command does not say %s", file, skip);
    const double warp_elements = PROFILED_NUMEL / 32;
    report_values(r, tag, (NamedValue[]){{"ncu_%s_sm_pct", "%.0f", sm}, {"ncu_%s_dram_pct", "%.0f", dram},
                                         {"ncu_%s_conflict_pct", "%.0f", 100 * conflicts / wavefronts},
                                         {"ncu_%s_instructions_m", "%.0f", instructions / 1e6},
                                         {"ncu_%s_occupancy_pct", "%.0f", occupancy},
                                         {"ncu_%s_shared_reads", "%.1f", shared_reads / warp_elements},
                                         {"ncu_%s_passes", "%.1f", wavefronts / warp_elements}, {NULL}});
}

static void recorded_timings(Report *r)
{
    char err[256];
    char *text = must(recorded_file_read(GPU_TIMINGS_DIR, RECORDED_BENCH), "cannot read gpu/timings/" RECORDED_BENCH);
    RecordedBench rb;
    if (!recorded_bench_parse(text, &rb, err, sizeof err)) fail("gpu/timings/" RECORDED_BENCH ": %s", err);
    free(text);
    const struct {
        const char *label, *tag;
        bool fused;
        const char *what, *kind;
    } rows[] = {
        {"fused AdamW, first", "fused_first", true, "1", "first"},
        {"fused AdamW, fast", "fused_fast", true, "1", "fast"},
        {"fused AdamW, fast, stochastic", "fused_sr", true, "1", "fast+SR"},
        {RECORDED_TENSORS " tensors, first", "fused150_first", true, RECORDED_TENSORS, "first"},
        {RECORDED_TENSORS " tensors, fast", "fused150_fast", true, RECORDED_TENSORS, "fast"},
        {"8-bit Adam FP32, first", "q8_fp32_first", false, "FP32", "first"},
        {"8-bit Adam FP32, fast", "q8_fp32_fast", false, "FP32", "fast"},
        {"8-bit Adam FP32, indexed", "q8_fp32_indexed", false, "FP32", "indexed"},
        {"8-bit Adam BF16, first", "q8_bf16_first", false, "BF16", "first"},
        {"8-bit Adam BF16, fast", "q8_bf16_fast", false, "BF16", "fast"},
        {"8-bit Adam BF16, indexed", "q8_bf16_indexed", false, "BF16", "indexed"},
    };
    const Column columns[] = {{"kernel", "%s"}, {"G params/s", "%.1f"}, {"GB/s", "%.0f"},
                              {"% of\nthe copy", "%.1f%%"}, {NULL, NULL}};
    Table *t = table_begin(r, "timings", "The kernels on a GPU, as recorded", columns);
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        const KernelTiming *kt = must_timing(&rb, rows[k].fused, rows[k].what, rows[k].kind);
        table_row(t, rows[k].label, kt->gparams, kt->gbs, kt->percent);
        report_values(r, rows[k].tag, (NamedValue[]){{"rec_%s_gparams", "%.1f", kt->gparams},
                                                      {"rec_%s_pct", "%.1f", kt->percent}, {NULL}});
    }
    const BenchLine *fused = recorded_line(&rb, true, RECORDED_PARAMS, "1");
    const double q8_over_fused = must_timing(&rb, false, "BF16", "indexed")->gparams /
                                 must_timing(&rb, true, "1", "fast")->gparams;
    table_note(t, "%s, recorded in gpu/timings/" RECORDED_BENCH ": 2^28 parameters (%d tensors:", rb.device,
               BENCH_TENSORS);
    table_note(t, "the same cut into %d), the median of %d runs. %% of the copy: against a copy of as many",
               BENCH_TENSORS, BENCH_RUNS);
    table_note(t, "bytes timed in the same run as the kernel (beside fused AdamW's, the copy moved %.0f GB/s)",
               fused->copy_gbs);
    table_end(t);
    report_value(r, "rec_device", "%s", rb.device);
    report_values(r, NULL, (NamedValue[]){{"rec_checks_ok", "%.0f", (double)rb.checks_ok},
                                          {"rec_checks_failed", "%.0f", (double)rb.checks_failed},
                                          {"rec_copy_gbs", "%.0f", fused->copy_gbs},
                                          {"rec_q8_over_fused", "%.2f", q8_over_fused},
                                          {"rec_tensors", "%d", BENCH_TENSORS}, {"rec_runs", "%d", BENCH_RUNS},
                                          {"target_fused_pct", "%g", BENCH_TARGET_FUSED_PCT},
                                          {"target_q8_pct", "%g", BENCH_TARGET_Q8_PCT},
                                          {"target_q8_over_fused", "%g", BENCH_TARGET_Q8_OVER_FUSED}, {NULL}});

    recorded_profile(r, "fast", RECORDED_PROFILE("fast"), NCU_FAST_LAUNCH_SKIP);
    /* the regex matches both fast kernels: the first's 1 + BENCH_RUNS, then 2 */
    recorded_profile(r, "indexed", RECORDED_PROFILE("indexed"), 1 + BENCH_RUNS + 2);
}

int main(int argc, char **argv)
{
    LessonArgs args = LESSON_DEFAULTS;
    Report report;
    lesson_open(&report, "13_gpu", FLAGS, &args, argc, argv);
    traffic(&report);
    bank_conflicts(&report, &args);
    rounding(&report, &args);
    cpu_loop(&report, &args);
    recorded_timings(&report);
    return report_close(&report) == 0 ? 0 : 1;
}
