/* test_exercises.c - the grader of chapter 12's exercises. Each Check test
 * case is one exercise (ex1, ex2, ex3, with the points in points.txt); each
 * test runs in its own process with a time limit, so code that crashes, or
 * ranks that wait forever for a collective another rank never calls, fail
 * their test instead of stopping the grading.
 *
 * `make grade` runs these tests on exercises/12_zero/ (your code);
 * `make test` runs them on solutions/12_zero/. The ranks are lesson 12's
 * threads (simulate.h), which add in rank order 0, 1, ..., N-1: so the
 * single-process answers below add in that order too, and exercise 1 must
 * match them bit for bit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clip.h"
#include "exercises.h"
#include "graded.h"
#include "rng.h"
#include "simulate.h"
#include "testing.h"
#include "zero_run.h"

/* Numbers worked by hand in decimal: a few float32 roundings each. */
#define HAND_RTOL 1e-6
#define MAX_RANKS 4
#define MAX_PADDED 64
#define MAX_STEPS 3

/* A flat problem on `ranks` ranks: n real elements padded with zeros to a
 * multiple of the ranks, a start, each rank's own gradient at each step,
 * and what each rank ends with. */
typedef struct {
    int ranks, steps;
    size_t n, padded;
    AdamWConfig cfg;
    float max_norm;                                     /* exercise 3 */
    float start[MAX_PADDED];
    float local[MAX_STEPS][MAX_RANKS][MAX_PADDED];
    float param[MAX_RANKS][MAX_PADDED];                 /* after the last step */
    float norm[MAX_RANKS][MAX_STEPS];                   /* exercise 3's returns */
    ZeroTraffic traffic[MAX_RANKS];
} Flat;

static void flat_init(Flat *f, int ranks, size_t n, int steps, uint64_t seed)
{
    memset(f, 0, sizeof *f);
    f->ranks = ranks, f->n = n, f->steps = steps;
    f->padded = (n + (size_t)ranks - 1) / (size_t)ranks * (size_t)ranks;
    f->cfg = ADAMW_DEFAULTS;
    f->cfg.lr = 0.05f;
    Rng rng;
    rng_seed(&rng, seed, 12);
    for (size_t i = 0; i < n; i++) f->start[i] = (float)rng_normal(&rng);
    for (int t = 0; t < steps; t++)
        for (int q = 0; q < ranks; q++)
            for (size_t i = 0; i < n; i++) f->local[t][q][i] = (float)rng_normal(&rng);
}

/* The gradient the ranks sum to at step t, added in rank order. */
static void summed(const Flat *f, int t, float *g /* [padded] */)
{
    for (size_t i = 0; i < f->padded; i++) {
        float s = f->local[t][0][i];
        for (int q = 1; q < f->ranks; q++) s += f->local[t][q][i];
        g[i] = s;
    }
}

static void run_ranks(Flat *f, void (*rank_fn)(ZeroComm *, void *))
{
    char err[256];
    ck_assert_int_eq(zero_simulate_each(f->ranks, rank_fn, f, err, sizeof err), 0);
}

/* ---- exercise 1 -------------------------------------------------------------- */

static void stage1_rank(ZeroComm *comm, void *ctx)
{
    Flat *f = ctx;
    float *param = f->param[comm->rank], grad[MAX_PADDED];
    float exp_avg[MAX_PADDED] = {0}, exp_avg_sq[MAX_PADDED] = {0};
    memcpy(param, f->start, sizeof f->start);
    for (int t = 0; t < f->steps; t++) {
        memcpy(grad, f->local[t][comm->rank], sizeof grad);
        ex_stage1_step(comm, param, grad, exp_avg, exp_avg_sq, f->padded, t + 1, &f->cfg);
    }
    f->traffic[comm->rank] = comm->traffic;
}

/* Lesson 06's AdamW in one process on the summed gradients. */
static void single_process_adamw(const Flat *f, float *param /* [padded] */)
{
    float m[MAX_PADDED] = {0}, v[MAX_PADDED] = {0}, g[MAX_PADDED];
    memcpy(param, f->start, sizeof(float) * MAX_PADDED);
    for (int t = 0; t < f->steps; t++) {
        summed(f, t, g);
        adamw_update(param, g, m, v, NULL, f->padded, t + 1, &f->cfg);
    }
}

/* Two ranks, one step, sums exact: (1 + 1, -1 - 2, 0 + 0, 0.5 + 0.5) =
 * (2, -3, 0, 1). From exp_avg and exp_avg_sq at 0, bias correction makes
 * AdamW's first step lr g / (|g| + eps), about lr sign(g), after the decay
 * w (1 - lr wd) = 0.9995 w:
 *     w = 1,   g = 2:  0.9995 - 0.05   = 0.9495
 *     w = -1,  g = -3: -0.9995 + 0.05  = -0.9495
 *     w = 0.5, g = 0:  0.49975         (no gradient: the decay alone)
 *     w = 2,   g = 1:  1.999 - 0.05    = 1.949 */
START_TEST(test_ex1_by_hand)
{
    static Flat f;
    flat_init(&f, 2, 4, 1, 1);
    static const float START[4] = {1, -1, 0.5f, 2}, RANK0[4] = {1, -1, 0, 0.5f}, RANK1[4] = {1, -2, 0, 0.5f};
    static const double EXPECTED[4] = {0.9495, -0.9495, 0.49975, 1.949};
    memcpy(f.start, START, sizeof START);
    memcpy(f.local[0][0], RANK0, sizeof RANK0);
    memcpy(f.local[0][1], RANK1, sizeof RANK1);
    run_ranks(&f, stage1_rank);
    for (int q = 0; q < 2; q++)
        for (int i = 0; i < 4; i++)
            ck_assert_msg(fabs(f.param[q][i] - EXPECTED[i]) <= HAND_RTOL * fabs(EXPECTED[i]),
                          "rank %d, weight %d: %.9g, expected %.9g", q, i, (double)f.param[q][i], EXPECTED[i]);
}
END_TEST

/* 1 to 4 ranks, sizes that divide and do not: every rank ends with
 * single-process AdamW's weights bit for bit (the sums are added in the
 * same order), and the padding stays 0. */
START_TEST(test_ex1_matches_adamw)
{
    static const size_t SIZES[] = {1, 7, 12, 37};
    for (int ranks = 1; ranks <= MAX_RANKS; ranks++)
        for (size_t k = 0; k < sizeof SIZES / sizeof SIZES[0]; k++) {
            static Flat f;
            flat_init(&f, ranks, SIZES[k], MAX_STEPS, 100 + k);
            run_ranks(&f, stage1_rank);
            float want[MAX_PADDED];
            single_process_adamw(&f, want);
            for (int q = 0; q < ranks; q++)
                for (size_t i = 0; i < f.padded; i++)
                    ck_assert_msg(memcmp(&f.param[q][i], &want[i], sizeof(float)) == 0,
                                  "%d ranks, %zu elements: rank %d, weight %zu is %.9g, AdamW %.9g", ranks,
                                  f.n, q, i, (double)f.param[q][i], (double)want[i]);
        }
}
END_TEST

/* What a rank sends: one reduce-scatter and one all-gather of the whole
 * padded buffer a step (the paper's 2 Psi), through the counted wrappers,
 * and no all-reduce. */
START_TEST(test_ex1_traffic)
{
    static Flat f;
    flat_init(&f, 3, 37, MAX_STEPS, 7);
    run_ranks(&f, stage1_rank);
    for (int q = 0; q < 3; q++) {
        const ZeroTraffic *t = &f.traffic[q];
        ck_assert_int_eq(t->calls[COLL_REDUCE_SCATTER], MAX_STEPS);
        ck_assert_int_eq(t->calls[COLL_ALL_GATHER], MAX_STEPS);
        ck_assert_int_eq(t->calls[COLL_ALL_REDUCE], 0);
        ck_assert_double_eq(t->elements[COLL_REDUCE_SCATTER], (double)MAX_STEPS * f.padded);
        ck_assert_double_eq(t->elements[COLL_ALL_GATHER], (double)MAX_STEPS * f.padded);
    }
}
END_TEST

/* ---- exercise 2 -------------------------------------------------------------- */

/* The engine's own ledger: one step of the MLP with zero_simulate, the
 * rank-0 numbers (every rank's are the same). */
static void measured(int hidden, int stage, int ranks, size_t *between, size_t *peak)
{
    ZeroRunConfig cfg = {.stage = stage, .hidden = hidden, .batch = 16, .steps = 1, .seed = 1, .batch_seed = 1,
                         .adamw = ADAMW_DEFAULTS};
    ZeroRunResult results[8];
    char err[256];
    ck_assert_msg(zero_simulate(ranks, &cfg, results, err, sizeof err) == 0, "%s", err);
    const size_t *live = results[0].model_bytes;
    *between = live[TAG_PARAM] + live[TAG_GRAD] + live[TAG_STATE];
    *peak = results[0].peak_bytes;
    for (int q = 0; q < ranks; q++) zero_run_result_free(&results[q]);
}

/* The lesson's MLP (hidden 32) on 4 ranks, by hand: fc1 = 2080 elements
 * (4 divides it), fc2 = 330, padded to 332; the whole 2412, a shard 603.
 *     stage 2: fc1's full gradient, 4 * 2080 = 8320 bytes above
 *              4 * 2412 + 12 * 603 = 16884 between steps: 25204
 *     stage 3: fc1 gathered (or its gradient), 8320 above 16 * 603 = 9648:
 *              17968 (fc2 gathered with its gradient: 8 * 332 = 2656, less) */
START_TEST(test_ex2_by_hand)
{
    ck_assert_uint_eq(ex_transient_bytes(32, 0, 4), 0);
    ck_assert_uint_eq(ex_transient_bytes(32, 1, 4), 0);
    ck_assert_uint_eq(ex_transient_bytes(32, 2, 4), 8320);
    ck_assert_uint_eq(ex_transient_bytes(32, 3, 4), 8320);
    ck_assert_uint_eq(ex_peak_bytes(32, 2, 4), 25204);
    ck_assert_uint_eq(ex_peak_bytes(32, 3, 4), 17968);
    ck_assert_uint_eq(ex_peak_bytes(32, 0, 4), 16 * 2412);
}
END_TEST

/* Against the engine's ledger at every stage, on the given ranks. */
static void check_against_engine(int hidden, const int *ranks, int count)
{
    for (int stage = 0; stage < 4; stage++)
        for (int k = 0; k < count; k++) {
            size_t between, peak;
            measured(hidden, stage, ranks[k], &between, &peak);
            ck_assert_msg(ex_transient_bytes(hidden, stage, ranks[k]) == peak - between,
                          "hidden %d, stage %d, %d ranks: transient %zu, the engine's %zu", hidden, stage, ranks[k],
                          ex_transient_bytes(hidden, stage, ranks[k]), peak - between);
            ck_assert_msg(ex_peak_bytes(hidden, stage, ranks[k]) == peak,
                          "hidden %d, stage %d, %d ranks: peak %zu, the engine's %zu", hidden, stage, ranks[k],
                          ex_peak_bytes(hidden, stage, ranks[k]), peak);
        }
}

/* The lesson's MLP on 3 and 8 ranks (each run loads the digits on every
 * rank: the tests keep to a few runs, well within the grader's time). */
START_TEST(test_ex2_against_the_engine)
{
    check_against_engine(32, (const int[]){3, 8}, 2);
}
END_TEST

/* A narrow MLP (fc1 260 elements, fc2 50) on 1 and 5 ranks. */
START_TEST(test_ex2_narrow_against_the_engine)
{
    check_against_engine(4, (const int[]){1, 5}, 2);
}
END_TEST

/* Widths the engine is not run at here (the formula must be the engine's,
 * not a table): stage 2 on 3 ranks, hidden 100: fc1 6500 (padded 6501),
 * fc2 1010 (padded 1011): the transient is fc1's gradient, 26004 bytes;
 * between steps 4 * 7512 + 12 * 2504 = 60096; the peak 86100. */
START_TEST(test_ex2_other_width)
{
    ck_assert_uint_eq(ex_transient_bytes(100, 2, 3), 26004);
    ck_assert_uint_eq(ex_peak_bytes(100, 2, 3), 86100);
    /* stage 3 on 64 ranks: fc1 padded 6528 against fc2 gathered with its
     * gradient, 2 * 1024: 4 * 6528 = 26112 above 16 * (6528 + 1024) / 64 =
     * 1888 between steps */
    ck_assert_uint_eq(ex_transient_bytes(100, 3, 64), 26112);
    ck_assert_uint_eq(ex_peak_bytes(100, 3, 64), 28000);
}
END_TEST

/* ---- exercise 3 -------------------------------------------------------------- */

static void stage2_rank(ZeroComm *comm, void *ctx)
{
    Flat *f = ctx;
    const size_t shard = f->padded / (size_t)f->ranks;
    float *param = f->param[comm->rank], grad_shard[MAX_PADDED] = {0};
    float exp_avg[MAX_PADDED] = {0}, exp_avg_sq[MAX_PADDED] = {0};
    memcpy(param, f->start, sizeof f->start);
    for (int t = 0; t < f->steps; t++)
        f->norm[comm->rank][t] = ex_stage2_clipped_step(comm, param, f->local[t][comm->rank], grad_shard, exp_avg,
                                                        exp_avg_sq, f->padded, t + 1, &f->cfg, f->max_norm);
    (void)shard;
    f->traffic[comm->rank] = comm->traffic;
}

/* Lesson 07's clip_grad_norm_ and lesson 06's AdamW in one process on the
 * summed gradients: the weights after the steps, the norm of each step. */
static void single_process_clipped(const Flat *f, float *param /* [padded] */, float *norms /* [steps] */)
{
    MemoryLedger ledger = {0};
    Tensor *p = tensor_new_1d(&ledger, "param", TAG_PARAM, (int)f->padded);
    Tensor *g = tensor_new_1d(&ledger, "param.grad", TAG_GRAD, (int)f->padded);
    ParamList list = {1, &p, &g};
    float m[MAX_PADDED] = {0}, v[MAX_PADDED] = {0};
    memcpy(p->data, f->start, sizeof(float) * f->padded);
    for (int t = 0; t < f->steps; t++) {
        summed(f, t, g->data);
        norms[t] = clip_grad_norm_(&list, f->max_norm, 2.0f);
        adamw_update(p->data, g->data, m, v, NULL, f->padded, t + 1, &f->cfg);
    }
    memcpy(param, p->data, sizeof(float) * f->padded);
    tensor_free(p), tensor_free(g);
}

/* Two ranks, one step, by hand: the summed gradient (3, 4) has norm 5;
 * max_norm 1 scales it to (0.6, 0.8), whose first step moves each weight
 * by about lr = 0.05 against its sign, after the decay: w = (1, 1) gives
 * 0.9995 - 0.05 = 0.9495 both. */
START_TEST(test_ex3_by_hand)
{
    static Flat f;
    flat_init(&f, 2, 2, 1, 1);
    f.start[0] = f.start[1] = 1;
    f.local[0][0][0] = 1, f.local[0][0][1] = 1;   /* rank 0 */
    f.local[0][1][0] = 2, f.local[0][1][1] = 3;   /* rank 1 */
    f.max_norm = 1;
    run_ranks(&f, stage2_rank);
    for (int q = 0; q < 2; q++) {
        ck_assert_msg(fabs(f.norm[q][0] - 5.0) <= HAND_RTOL * 5, "rank %d: total norm %.9g, expected 5", q,
                      (double)f.norm[q][0]);
        for (int i = 0; i < 2; i++)
            ck_assert_msg(fabs(f.param[q][i] - 0.9495) <= HAND_RTOL, "rank %d, weight %d: %.9g, expected 0.9495",
                          q, i, (double)f.param[q][i]);
    }
}
END_TEST

/* 1 to 4 ranks, clipping on and off: every rank returns the whole
 * gradient's norm (not its shard's) and ends with the single-process
 * weights. The norm is summed in another order (shards in double, then the
 * ranks) than clip_grad_norm_'s, so the two agree to float32 rounding:
 * 1e-6 relative for the norm; for the weights, a clipped gradient off by
 * 1e-6 relative moves AdamW's steps of about lr by about as much, each
 * step: within 1e-5 of lr a step, plus the weight's own rounding. */
START_TEST(test_ex3_matches_clip_then_adamw)
{
    static const size_t SIZES[] = {5, 12, 37};
    static const float MAX_NORMS[] = {0.5f, 1e6f};
    for (int ranks = 1; ranks <= MAX_RANKS; ranks++)
        for (size_t k = 0; k < sizeof SIZES / sizeof SIZES[0]; k++)
            for (size_t c = 0; c < 2; c++) {
                static Flat f;
                flat_init(&f, ranks, SIZES[k], MAX_STEPS, 200 + k);
                f.max_norm = MAX_NORMS[c];
                run_ranks(&f, stage2_rank);
                float want[MAX_PADDED], norms[MAX_STEPS];
                single_process_clipped(&f, want, norms);
                for (int q = 0; q < ranks; q++) {
                    for (int t = 0; t < f.steps; t++)
                        ck_assert_msg(fabs(f.norm[q][t] - norms[t]) <= 1e-6 * norms[t],
                                      "%d ranks, %zu elements, step %d: rank %d's norm %.9g, the whole's %.9g",
                                      ranks, f.n, t + 1, q, (double)f.norm[q][t], (double)norms[t]);
                    for (size_t i = 0; i < f.padded; i++)
                        ck_assert_msg(fabs(f.param[q][i] - want[i]) <=
                                          1e-5 * f.cfg.lr * f.steps + 1e-6 * fabs(want[i]),
                                      "%d ranks, %zu elements, max_norm %g: rank %d, weight %zu is %.9g, %.9g",
                                      ranks, f.n, (double)f.max_norm, q, i, (double)f.param[q][i], (double)want[i]);
                }
            }
}
END_TEST

/* What a rank sends: a reduce-scatter of the gradient, one all-reduce of a
 * single number (the norm's squares), an all-gather of the weights. */
START_TEST(test_ex3_traffic)
{
    static Flat f;
    flat_init(&f, 4, 37, MAX_STEPS, 9);
    f.max_norm = 1;
    run_ranks(&f, stage2_rank);
    for (int q = 0; q < 4; q++) {
        const ZeroTraffic *t = &f.traffic[q];
        ck_assert_int_eq(t->calls[COLL_REDUCE_SCATTER], MAX_STEPS);
        ck_assert_int_eq(t->calls[COLL_ALL_REDUCE], MAX_STEPS);
        ck_assert_int_eq(t->calls[COLL_ALL_GATHER], MAX_STEPS);
        ck_assert_double_eq(t->elements[COLL_ALL_REDUCE], 2.0 * MAX_STEPS);   /* one float, counted twice */
        ck_assert_double_eq(t->elements[COLL_REDUCE_SCATTER], (double)MAX_STEPS * f.padded);
    }
}
END_TEST

const GradedTest GRADED_TESTS[] = {
    {"ex1", &test_ex1_by_hand},
    {"ex1", &test_ex1_matches_adamw},
    {"ex1", &test_ex1_traffic},
    {"ex2", &test_ex2_by_hand},
    {"ex2", &test_ex2_against_the_engine},
    {"ex2", &test_ex2_narrow_against_the_engine},
    {"ex2", &test_ex2_other_width},
    {"ex3", &test_ex3_by_hand},
    {"ex3", &test_ex3_matches_clip_then_adamw},
    {"ex3", &test_ex3_traffic},
    {NULL, NULL},
};

Suite *make_suite(void)
{
    return graded_suite("exercises 12_zero", GRADED_TESTS);
}
