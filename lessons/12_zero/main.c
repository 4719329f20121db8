/* main.c - lesson 12's program: ZeRO's three stages on the digits MLP,
 * data-parallel over N ranks. It measures
 *
 *   1. that every stage, on 1 to 4 ranks, trains the same weights as
 *      single-process AdamW on the same global batches, and how closely;
 *   2. each rank's memory for parameters, gradients and AdamW's state, read
 *      from its allocations, against the paper's formulas;
 *   3. what each rank passes to the collectives per step, against the
 *      paper's 2 Psi, 2 Psi, 3 Psi;
 *   4. the time of a step by stage and rank count: threads in one process,
 *      and OpenMPI processes under mpirun;
 *   5. the paper's Figure 1: a 7.5-billion-parameter model on 64 GPUs.
 *
 *     build/bin/12_zero [--steps=N] [--seed=S] [--lr=LR] [--batch=B] [--quick] [--out=DIR]
 *     mpirun -np N build/bin/12_zero --mpi [--steps=N] ...   (one of N ranks)
 *
 * Tables print here and go to DIR/out/12_zero/, figures to DIR/fig/. Under
 * mpirun with --mpi the program is one rank, and rank 0 prints what the
 * ranks measured. About 20 seconds; --quick under two. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "experiment.h"
#include "mpi_comm.h"
#include "ops.h"
#include "simulate.h"
#include "zero_memory.h"
#include "zero_run.h"

typedef struct {
    LessonArgs lesson;
    bool mpi;
} Args;

#define FIGURE_RANKS 8     /* the memory figure: N = 1 .. 8 */

static const OptionSpec FLAGS[] = {
    LESSON_FLAGS("AdamW's steps on the digits MLP in each run"),
    LESSON_TRAIN_FLAGS("AdamW's learning rate in every run",
                       "global mini-batch of every run, at least one example a rank", FIGURE_RANKS),
    {"mpi", OPT_BOOL, offsetof(Args, mpi), "be one rank of a run under mpirun -np N", 0, 0},
    {NULL, 0, 0, NULL, 0, 0},
};

#define STAGES 4
#define MAX_RANKS 4        /* the most ranks of a run: the agreement table's N = 1 .. 4, the times' 1, 2, 4 */
#define TABLE_RANKS 4      /* the memory and traffic tables' N */
#define MLP_HIDDEN 32      /* the digits MLP of the earlier chapters: 64-32-10 */
#define MLP_STEPS 200
/* Our model states in FP32: 4-byte parameters and gradients, and AdamW's
 * exp_avg and exp_avg_sq, K = 8 bytes. The paper's mixed precision: 2, 2
 * and K = 12 (an FP32 master copy, exp_avg and exp_avg_sq). */
#define FP32_PARAM 4.0
#define FP32_GRAD 4.0
#define FP32_STATE 8.0

static const char *const STAGE_NAME[STAGES] = {"0 (plain DP)", "1 (P_os)", "2 (P_os+g)", "3 (P_os+g+p)"};

static ZeroRunConfig run_config(const Args *a, int stage)
{
    AdamWConfig adamw = ADAMW_DEFAULTS;
    adamw.lr = a->lesson.lr;
    return (ZeroRunConfig){.stage = stage, .hidden = MLP_HIDDEN, .batch = a->lesson.batch,
                           .steps = a->lesson.steps, .seed = (uint64_t)a->lesson.seed,
                           .batch_seed = (uint64_t)a->lesson.seed, .adamw = adamw};
}

/* Runs cfg on `ranks` threads; results[ranks]. */
static void simulate(int ranks, const ZeroRunConfig *cfg, ZeroRunResult *results)
{
    char err[256];
    if (zero_simulate(ranks, cfg, results, err, sizeof err) != 0) fail("%s", err);
}

static void free_results(ZeroRunResult *results, int ranks)
{
    for (int q = 0; q < ranks; q++) zero_run_result_free(&results[q]);
}

/* The largest difference between any rank's weights and the reference's,
 * and between the ranks themselves. */
static void differences(const ZeroRunResult *results, int ranks, const float *reference, double *from_reference,
                        double *between_ranks)
{
    size_t n = results[0].numel;
    *from_reference = *between_ranks = 0;
    for (int q = 0; q < ranks; q++) {
        *from_reference = fmax(*from_reference, max_abs_difference(results[q].params, reference, n));
        *between_ranks = fmax(*between_ranks, max_abs_difference(results[q].params, results[0].params, n));
    }
}

static size_t bit_identical(const float *a, const float *b, size_t n)
{
    size_t same = 0;
    for (size_t i = 0; i < n; i++) same += memcmp(&a[i], &b[i], sizeof(float)) == 0;
    return same;
}

/* ---- 1. the same weights as one process ------------------------------------------------ */

static void agreement(Report *r, const Args *a, const float *reference, size_t numel)
{
    const Column columns[] = {{"ranks", "%d"}, {"stage", "%s"}, {"max |ZeRO - AdamW|", "%.2e"},
                              {"elements\nbit for bit", "%.1f%%"}, {"ranks agree\nbit for bit", "%s"},
                              {"= stage 0\nbit for bit", "%s"}, {NULL, NULL}};
    Table *t = table_begin(r, "agreement", "ZeRO's weights against single-process AdamW, same batches", columns);
    double worst = 0;
    int stages_differ = 0;
    float *stage0 = floats_new(numel);
    for (int ranks = 1; ranks <= MAX_RANKS; ranks++)
        for (int stage = 0; stage < STAGES; stage++) {
            ZeroRunConfig cfg = run_config(a, stage);
            ZeroRunResult results[MAX_RANKS];
            simulate(ranks, &cfg, results);
            double diff, spread;
            differences(results, ranks, reference, &diff, &spread);
            double same = 100.0 * bit_identical(results[0].params, reference, numel) / numel;
            /* The stages change what a rank keeps, not what it adds up. */
            if (stage == 0) memcpy(stage0, results[0].params, sizeof(float) * numel);
            bool as_stage0 = bit_identical(results[0].params, stage0, numel) == numel;
            stages_differ += !as_stage0;
            table_row(t, ranks, STAGE_NAME[stage], diff, same, spread == 0 ? "yes" : "no", as_stage0 ? "yes" : "no");
            report_values(r, value_tag(r, "n%d_s%d", ranks, stage),
                          (NamedValue[]){{"diff_%s", "%.1e", diff}, {"same_%s", "%.1f", same}, {NULL}});
            worst = fmax(worst, diff);
            free_results(results, ranks);
        }
    table_note(t, "%d steps of AdamW (lr %g, PyTorch's other defaults) on the %zu weights of the 64-%d-10",
               a->lesson.steps, (double)a->lesson.lr, numel, MLP_HIDDEN);
    table_note(t, "MLP, global batch %d split over the ranks; the ranks are threads, adding in rank order.",
               a->lesson.batch);
    table_end(t);
    free(stage0);
    report_values(r, NULL, (NamedValue[]){{"agree_steps", "%d", a->lesson.steps},
                                          {"stages_differ", "%d", stages_differ},
                                          {"agree_worst", "%.1e", worst},
                                          {"numel", "%d", (double)numel},
                                          {"batch", "%d", a->lesson.batch},
                                          {NULL}});
}

/* ---- 2. the layout and memory per rank ------------------------------------------------ */

/* The MLP's layers and their shards at N = 3 and N = 4 ranks. */
static void layout(Report *r, const Args *a)
{
    const Column columns[] = {{"layer", "%s"},       {"elements", "%d"},     {"share", "%.1f%%"},
                              {"padded\nN = 3", "%d"}, {"shard\nN = 3", "%d"}, {"padded\nN = 4", "%d"},
                              {"shard\nN = 4", "%d"},  {NULL, NULL}};
    Table *t = table_begin(r, "layout", "The MLP's layers, each padded to a multiple of N and cut in N", columns);
    Problem *mlp = must_mlp(MLP_HIDDEN, (uint64_t)a->lesson.seed);
    ZeroLayout three, four;
    char err[256];
    if (zero_layout(&three, &mlp->params, 3, err, sizeof err) != 0 ||
        zero_layout(&four, &mlp->params, 4, err, sizeof err) != 0)
        fail("%s", err);
    for (int l = 0; l < four.layers; l++) {
        const ZeroLayer *l3 = &three.layer[l], *l4 = &four.layer[l];
        double share = 100.0 * l4->numel / four.numel;
        table_row(t, l4->name, (int)l4->numel, share, (int)l3->padded, (int)l3->shard_numel, (int)l4->padded,
                  (int)l4->shard_numel);
        report_values(r, l4->name, (NamedValue[]){{"%s_numel", "%d", l4->numel}, {"%s_share", "%.1f", share},
                                                   {"%s_kib", "%.2f", 4.0 * l4->padded / 1024}, {NULL}});
    }
    table_note(t, "A layer is its tensors by name (fc1.weight and fc1.bias), one flat buffer; rank r owns");
    table_note(t, "elements r * shard ... (r + 1) * shard - 1 of it.");
    table_end(t);
    problem_free(mlp);
}

/* ---- 2. memory per rank ---------------------------------------------------------------- */

static double kib(size_t bytes) { return bytes / 1024.0; }

static void memory(Report *r, const Args *a)
{
    const Column columns[] = {{"stage", "%s"},          {"parameters\nKiB", "%.2f"}, {"gradients\nKiB", "%.2f"},
                              {"AdamW state\nKiB", "%.2f"}, {"total\nKiB", "%.2f"},   {"paper's\nformula", "%.2f"},
                              {"peak in\na step", "%.2f"}, {NULL, NULL}};
    Table *t = table_begin(r, "memory", "What one rank of four keeps, read from its allocations", columns);
    table_header(t, 0, "stage (N = %d)", TABLE_RANKS);
    Figure *fig = report_figure_set(r, "12_memory",
                                    "set xlabel 'ranks N'\nset ylabel 'model states per rank (KiB)'\n"
                                    "set xrange [0.5:%d.5]\nset xtics 1\nset yrange [0:50]\nset key top right horizontal\n", FIGURE_RANKS);
    Args quick = *a;
    quick.lesson.steps = 1;   /* memory does not change after the first step */
    for (int stage = 0; stage < STAGES; stage++) {
        ZeroRunConfig cfg = run_config(&quick, stage);
        /* one colour a stage: its measured points on its formula's line */
        char style[64];
        snprintf(style, sizeof style, "points pt 7 ps 1.2 lc %d", stage + 1);
        int measured = figure_series(fig, style, "stage %d", stage);
        snprintf(style, sizeof style, "lines lc %d notitle", stage + 1);
        int formula = figure_series(fig, style, "%s", "");
        for (int ranks = 1; ranks <= FIGURE_RANKS; ranks++) {
            ZeroRunResult results[FIGURE_RANKS];
            simulate(ranks, &cfg, results);
            const size_t *live = results[0].model_bytes;
            size_t total = live[TAG_PARAM] + live[TAG_GRAD] + live[TAG_STATE];
            ZeroRankBytes paper = zero_rank_bytes((double)results[0].numel, stage, ranks, FP32_PARAM, FP32_GRAD,
                                                  FP32_STATE);
            figure_point(fig, measured, ranks, kib(total));
            figure_point(fig, formula, ranks, paper.total / 1024);
            if (ranks == TABLE_RANKS) {
                size_t peak_total = results[0].peak_bytes;
                table_row(t, STAGE_NAME[stage], kib(live[TAG_PARAM]), kib(live[TAG_GRAD]), kib(live[TAG_STATE]),
                          kib(total), paper.total / 1024, kib(peak_total));
                report_values(r, value_tag(r, "s%d", stage),
                              (NamedValue[]){{"mem_total_%s", "%.2f", kib(total)},
                                             {"mem_paper_%s", "%.2f", paper.total / 1024},
                                             {"mem_peak_%s", "%.2f", kib(peak_total)},
                                             {"mem_transient_%s", "%.2f", kib(peak_total - total)},
                                             {NULL}});
            }
            free_results(results, ranks);
        }
    }
    figure_close(fig);
    report_value(r, "mem_ranks", "%d", TABLE_RANKS);
    report_value(r, "mem_figure_ranks", "%d", FIGURE_RANKS);
    table_note(t, "FP32 throughout: 4 bytes a parameter, 4 a gradient, 8 of AdamW state (K = 8); the formula is");
    table_note(t, "the paper's with these sizes and no padding. Peak: the most live at once during a step,");
    table_note(t, "with a layer gathered (stage 3) or a layer's full gradient not yet reduced (stages 2-3).");
    table_end(t);
}

/* ---- 3. communication per step --------------------------------------------------------- */

static void traffic(Report *r, const Args *a)
{
    static const double PAPER[STAGES] = {2, 2, 2, 3};
    const Column columns[] = {{"stage", "%s"},     {"all-reduce", "%.3f"}, {"reduce-scatter", "%.3f"},
                              {"all-gather", "%.3f"}, {"total", "%.3f"},   {"paper", "%.0f"},
                              {NULL, NULL}};
    Table *t = table_begin(r, "traffic", "What one rank passes to the collectives in a step, in units of Psi",
                           columns);
    table_header(t, 0, "stage (N = %d)", TABLE_RANKS);
    Args quick = *a;
    quick.lesson.steps = 2;
    for (int stage = 0; stage < STAGES; stage++) {
        ZeroRunConfig cfg = run_config(&quick, stage);
        ZeroRunResult results[TABLE_RANKS];
        simulate(TABLE_RANKS, &cfg, results);
        const double psi = (double)results[0].numel, *e = results[0].traffic.elements;
        double total = (e[COLL_ALL_REDUCE] + e[COLL_REDUCE_SCATTER] + e[COLL_ALL_GATHER]) / psi;
        table_row(t, STAGE_NAME[stage], e[COLL_ALL_REDUCE] / psi, e[COLL_REDUCE_SCATTER] / psi,
                  e[COLL_ALL_GATHER] / psi, total, PAPER[stage]);
        const int *calls = results[0].traffic.calls;
        report_values(r, value_tag(r, "s%d", stage),
                      (NamedValue[]){{"traffic_%s", "%.3f", total},
                                     {"calls_%s", "%d", (calls[COLL_ALL_REDUCE] + calls[COLL_REDUCE_SCATTER] +
                                                             calls[COLL_ALL_GATHER]) / quick.lesson.steps},
                                     {NULL}});
        free_results(results, TABLE_RANKS);
    }
    table_note(t, "Elements of the full buffer passed to each collective (an all-reduce counts twice: it is a");
    table_note(t, "reduce-scatter and an all-gather), over Psi, the model's parameters. Above 1 x: the padding.");
    table_end(t);
}

/* ---- 4. time per step ------------------------------------------------------------------ */

static void times(Report *r, const Args *a)
{
    const Column columns[] = {{"ranks", "%d"},          {"stage 0\nms/step", "%.3f"}, {"stage 1\nms/step", "%.3f"},
                              {"stage 2\nms/step", "%.3f"}, {"stage 3\nms/step", "%.3f"}, {"in collectives\nstage 0-3", "%s"},
                              {NULL, NULL}};
    Table *t = table_begin(r, "times", "Time of a step on threads in one process (a simulation on this machine)",
                           columns);
    for (int ranks = 1; ranks <= MAX_RANKS; ranks *= 2) {
        double ms[STAGES];
        char shares[64] = "", *at = shares;
        for (int stage = 0; stage < STAGES; stage++) {
            ZeroRunConfig cfg = run_config(a, stage);
            ZeroRunResult results[MAX_RANKS];
            simulate(ranks, &cfg, results);
            ms[stage] = 1e3 * results[0].seconds;
            double share = 100 * results[0].traffic.seconds / results[0].seconds;
            at += snprintf(at, shares + sizeof shares - at, "%s%.0f%%", stage ? " " : "", share);
            report_value(r, value_name(r, "ms_threads_n%d_s%d", ranks, stage), "%.3f", ms[stage]);
            report_value(r, value_name(r, "share_threads_n%d_s%d", ranks, stage), "%.0f", share);
            free_results(results, ranks);
        }
        table_row(t, ranks, ms[0], ms[1], ms[2], ms[3], shares);
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    table_note(t, "%d steps each, wall clock per step on rank 0; this machine has %ld core%s, so more ranks",
               a->lesson.steps, cores, cores == 1 ? "" : "s");
    table_note(t, "than cores take turns. In collectives: the share of the step spent in (or waiting for) them.");
    table_end(t);
    report_value(r, "cores", "%ld", cores);
}

/* The same on OpenMPI processes: this program under mpirun, for 2 to 4 ranks. */
static void mpi_times(Report *r, const Args *a)
{
    const Column columns[] = {{"ranks", "%d"},          {"stage 0\nms/step", "%.3f"}, {"stage 1\nms/step", "%.3f"},
                              {"stage 2\nms/step", "%.3f"}, {"stage 3\nms/step", "%.3f"}, {"in collectives\nstage 0-3", "%s"},
                              {"max |ZeRO - AdamW|\nany stage", "%.2e"}, {NULL, NULL}};
    Table *t = table_begin(r, "mpi", "Time of a step on OpenMPI processes (mpirun on this machine)", columns);
    char flags[160], err[256];
    snprintf(flags, sizeof flags, "--steps=%d --lr=%g --batch=%d --seed=%d", a->lesson.steps, (double)a->lesson.lr,
             a->lesson.batch, a->lesson.seed);
    /* --quick: two ranks only, as each mpirun takes a third of a second to start */
    for (int ranks = 2; ranks <= (a->lesson.quick ? 2 : MAX_RANKS); ranks++) {
        ZeroMpiLine lines[STAGES];
        int got = zero_mpirun(ranks, flags, lines, STAGES, err, sizeof err);
        if (got >= 0 && got != STAGES) snprintf(err, sizeof err, "mpirun gave %d of %d stages", got, STAGES);
        if (got != STAGES) {
            /* within the book's width: mpirun's last line may be long */
            table_note(t, "Not measured: %.76s", err);
            report_value(r, value_name(r, "mpi_n%d", ranks), "%s", "(not measured)");
            continue;
        }
        char shares[64] = "", *at = shares;
        double worst = 0;
        for (int s = 0; s < STAGES; s++) {
            at += snprintf(at, shares + sizeof shares - at, "%s%.0f%%", s ? " " : "", 100 * lines[s].collectives);
            worst = fmax(worst, lines[s].diff);
            if (!lines[s].ranks_same) fail("mpirun -np %d, stage %d: the ranks hold different weights", ranks, s);
            report_value(r, value_name(r, "ms_mpi_n%d_s%d", ranks, s), "%.3f", lines[s].ms);
        }
        table_row(t, ranks, lines[0].ms, lines[1].ms, lines[2].ms, lines[3].ms, shares, worst);
        report_value(r, value_name(r, "mpi_diff_n%d", ranks), "%.1e", worst);
    }
    table_note(t, "mpirun -np N --oversubscribe 12_zero --mpi: N processes on this machine's cores, talking");
    table_note(t, "through shared memory; the slowest rank's time per step. OpenMPI adds in its own order, so");
    table_note(t, "the weights differ from one process's by rounding, as the threads' do; every rank agrees.");
    table_end(t);
}

/* ---- 5. the paper's Figure 1 ----------------------------------------------------------- */

static void paper_figure(Report *r)
{
    const double psi = 7.5e9;
    const int ranks = 64;
    const Column columns[] = {{"stage", "%s"}, {"parameters\nGB", "%.3f"}, {"gradients\nGB", "%.3f"},
                              {"optimizer\nGB", "%.3f"}, {"per GPU\nGB", "%.3f"}, {NULL, NULL}};
    Table *t = table_begin(r, "paper", "The paper's Figure 1: 7.5 billion parameters on 64 GPUs", columns);
    for (int stage = 0; stage < STAGES; stage++) {
        ZeroRankBytes b = zero_rank_bytes(psi, stage, ranks, 2, 2, 12);
        table_row(t, STAGE_NAME[stage], b.params / 1e9, b.grads / 1e9, b.states / 1e9, b.total / 1e9);
        report_value(r, value_name(r, "paper_s%d", stage), "%.3g", b.total / 1e9);   /* the prose's */
    }
    table_note(t, "Mixed precision: FP16 parameters and gradients (2 bytes each), and K = 12 bytes of optimizer");
    table_note(t, "state (FP32 master weights, exp_avg, exp_avg_sq); GB = 1e9. optlab memory prints the same.");
    table_end(t);
}

/* ---- 6. OpenMPI ------------------------------------------------------------------------ */

/* One rank of `mpirun -np N 12_zero --mpi`: every stage in turn; rank 0
 * prints one line per stage, for a reader and for the lesson program that
 * started it ("zero-mpi RANKS STAGE DIFF MS COLLECTIVES SAME"). */
static int mpi_rank(Args *a, int argc, char **argv)
{
    char err[256];
    ZeroComm comm;
    if (zero_mpi_init(&argc, &argv, &comm, err, sizeof err) != 0) die_usage("12_zero", "%s", err);
    size_t numel = zero_mlp_numel(MLP_HIDDEN);
    float *reference = floats_new(numel);
    for (int stage = 0; stage < STAGES; stage++) {
        ZeroRunConfig cfg = run_config(a, stage);
        ZeroRunResult mine, all[64];
        bool failed = zero_run_rank(&comm, &cfg, &mine, err, sizeof err) != 0;
        if (zero_mpi_any(&comm, failed)) {
            if (comm.rank == 0) fprintf(stderr, "12_zero: %s\n", failed ? err : "a rank failed");
            zero_mpi_finalize();
            return 1;
        }
        if (comm.world_size > 64) fail("at most 64 ranks");
        zero_mpi_gather_results(&comm, &mine, all);
        if (comm.rank == 0) {
            if (stage == 0 && zero_reference_run(&cfg, reference, numel, err, sizeof err) != 0) fail("%s", err);
            double diff, spread, slowest = 0, share = 0;
            differences(all, comm.world_size, reference, &diff, &spread);
            for (int q = 0; q < comm.world_size; q++)
                slowest = fmax(slowest, all[q].seconds), share += all[q].traffic.seconds / all[q].seconds;
            zero_mpi_print_line(&(ZeroMpiLine){comm.world_size, stage, diff, 1e3 * slowest,
                                               share / comm.world_size, spread == 0});
            free_results(all, comm.world_size);
        }
        zero_run_result_free(&mine);
    }
    free(reference);
    zero_mpi_finalize();
    return 0;
}

int main(int argc, char **argv)
{
    Args args = {LESSON_DEFAULTS, false};
    args.lesson.steps = MLP_STEPS;
    args.lesson.lr = 1e-2f;
    lesson_parse("12_zero", FLAGS, &args, argc, argv);
    if (args.lesson.quick && !args.lesson.steps_given) args.lesson.steps = 20;
    if (args.mpi || zero_mpi_launched()) return mpi_rank(&args, argc, argv);
    Report report;
    if (report_open(&report, args.lesson.out, "12_zero") != 0) return EXIT_USAGE;   /* a bad --out */
    size_t numel = zero_mlp_numel(MLP_HIDDEN);
    float *reference = floats_new(numel);
    ZeroRunConfig cfg = run_config(&args, 0);
    char err[256];
    if (zero_reference_run(&cfg, reference, numel, err, sizeof err) != 0) fail("%s", err);
    /* NaN weights would agree with NaN weights bit for bit: no measure of ZeRO. */
    if (!vec_all_finite(reference, numel))
        die_usage("12_zero", "--lr=%g: AdamW's weights are not finite after %d steps; lower it",
                  (double)args.lesson.lr, args.lesson.steps);
    agreement(&report, &args, reference, numel);
    layout(&report, &args);
    memory(&report, &args);
    traffic(&report, &args);
    times(&report, &args);
    mpi_times(&report, &args);
    paper_figure(&report);
    free(reference);
    return report_close(&report) == 0 ? 0 : 1;
}
