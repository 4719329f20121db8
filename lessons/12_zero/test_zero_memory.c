/* test_zero_memory.c - the ZeRO paper's memory per rank (zero_memory.h):
 * its Figure 1 and small cases worked by hand, padding, refusals. Its
 * tests join the lesson's suite through add_zero_memory_tests() (see
 * test_lesson12.c). */
#include <math.h>

#include "testing.h"
#include "zero_memory.h"

void add_zero_memory_tests(TCase *core, TCase *limits);

/* The paper's Figure 1: Psi = 7.5e9, N = 64, P = G = 2, K = 12 bytes.
 *   stage 0: 16 * 7.5e9                         = 120e9
 *   stage 1: 4 * 7.5e9 + 12 * 7.5e9 / 64         = 30e9 + 1.40625e9  = 31.40625e9
 *   stage 2: 2 * 7.5e9 + 14 * 7.5e9 / 64         = 15e9 + 1.640625e9 = 16.640625e9
 *   stage 3: 16 * 7.5e9 / 64                     = 1.875e9 */
START_TEST(test_paper_figure_1)
{
    static const double EXPECTED[4] = {120e9, 31.40625e9, 16.640625e9, 1.875e9};
    for (int stage = 0; stage < 4; stage++) {
        ZeroRankBytes b = zero_rank_bytes(7.5e9, stage, 64, 2, 2, 12);
        ck_assert_double_eq_tol(b.total, EXPECTED[stage], 1.0);
        ck_assert_double_eq_tol(b.params + b.grads + b.states, b.total, 1.0);
    }
    /* The paper's "4x" and "8x": stage 1 is 4 / 16 of stage 0 and stage 2
     * 2 / 16 as N grows; at N = 1e6 within 1e-5 of them. */
    ck_assert_double_eq_tol(zero_rank_bytes(7.5e9, 1, 1000000, 2, 2, 12).total / 120e9, 0.25, 1e-5);
    ck_assert_double_eq_tol(zero_rank_bytes(7.5e9, 2, 1000000, 2, 2, 12).total / 120e9, 0.125, 1e-5);
}
END_TEST

/* The lesson's FP32 AdamW (P = G = 4, K = 8) on Psi = 10 parameters and
 * N = 3 ranks, by hand: params 40 / 40 / 40 / 40/3, grads 40 / 40 / 40/3 /
 * 40/3, states 80 / 80/3 / 80/3 / 80/3. */
START_TEST(test_small_by_hand)
{
    static const double PARAMS[4] = {40, 40, 40, 40.0 / 3}, GRADS[4] = {40, 40, 40.0 / 3, 40.0 / 3},
                        STATES[4] = {80, 80.0 / 3, 80.0 / 3, 80.0 / 3};
    for (int stage = 0; stage < 4; stage++) {
        ZeroRankBytes b = zero_rank_bytes(10, stage, 3, 4, 4, 8);
        ck_assert_double_eq_tol(b.params, PARAMS[stage], 1e-12);
        ck_assert_double_eq_tol(b.grads, GRADS[stage], 1e-12);
        ck_assert_double_eq_tol(b.states, STATES[stage], 1e-12);
        ck_assert_double_eq_tol(b.total, PARAMS[stage] + GRADS[stage] + STATES[stage], 1e-12);
    }
    /* One rank: every stage keeps everything, 16 bytes a parameter. */
    for (int stage = 0; stage < 4; stage++) ck_assert_double_eq(zero_rank_bytes(10, stage, 1, 4, 4, 8).total, 160);
}
END_TEST

/* A layer of n padded to a multiple of N: ceil(n / N) each. */
START_TEST(test_shard_numel)
{
    ck_assert_uint_eq(zero_shard_numel(2080, 3), 694);   /* 3 * 694 = 2082 >= 2080 > 3 * 693 */
    ck_assert_uint_eq(zero_shard_numel(2080, 4), 520);   /* exact */
    ck_assert_uint_eq(zero_shard_numel(330, 4), 83);     /* 4 * 83 = 332 */
    ck_assert_uint_eq(zero_shard_numel(1, 8), 1);        /* seven ranks own only padding */
    ck_assert_uint_eq(zero_shard_numel(0, 4), 0);
    ck_assert_uint_eq(zero_shard_numel(7, 1), 7);
}
END_TEST

START_TEST(test_refusals)
{
    ck_assert_str_eq(zero_memory_check(10, 4, 3, 4, 4, 8), "the stage must be 0, 1, 2 or 3");
    ck_assert_str_eq(zero_memory_check(10, -1, 3, 4, 4, 8), "the stage must be 0, 1, 2 or 3");
    ck_assert_str_eq(zero_memory_check(10, 1, 0, 4, 4, 8), "there must be at least one rank");
    ck_assert_str_eq(zero_memory_check(-1, 1, 2, 4, 4, 8), "the parameters must be a finite count >= 0");
    ck_assert_str_eq(zero_memory_check(INFINITY, 1, 2, 4, 4, 8), "the parameters must be a finite count >= 0");
    ck_assert_str_eq(zero_memory_check(10, 1, 2, NAN, 4, 8), "the bytes per parameter must be finite and >= 0");
    ck_assert_str_eq(zero_memory_check(10, 1, 2, 4, -4, 8), "the bytes per parameter must be finite and >= 0");
    ck_assert_ptr_null(zero_memory_check(0, 3, 1, 0, 0, 0));
    ZeroRankBytes b = zero_rank_bytes(10, 5, 2, 4, 4, 8);
    ck_assert(isnan(b.params) && isnan(b.grads) && isnan(b.states) && isnan(b.total));
}
END_TEST

void add_zero_memory_tests(TCase *core, TCase *limits)
{
    tcase_add_test(core, test_paper_figure_1);
    tcase_add_test(core, test_small_by_hand);
    tcase_add_test(core, test_shard_numel);
    tcase_add_test(limits, test_refusals);
}
