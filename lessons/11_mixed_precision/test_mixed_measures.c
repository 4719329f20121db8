/* test_mixed_measures.c - lesson 11's tests of what its program measures
 * with (mixed_measures.h), each against numbers worked by hand: float32's
 * spacing, the stall step, what FP16 makes of a gradient times a loss scale,
 * lesson 10's accounting of AdamW, one GradScaler iteration, and the watched
 * runs on a two-coordinate quadratic where one coordinate never moves. Its
 * tests join the lesson's suite through add_measures_tests() (see
 * test_lesson11.c). */
#include <math.h>

#include "mixed_measures.h"
#include "sgd.h"
#include "testing.h"

void add_measures_tests(TCase *core, TCase *limits);

START_TEST(test_fp32_ulp_by_hand)
{
    /* float32 has 24 significant bits: at 1 the next float is 1 + 2^-23,
     * in [0.5, 1) the spacing halves to 2^-24; the sign does not matter. */
    ck_assert_float_eq(fp32_ulp(1.0f), 0x1p-23f);
    ck_assert_float_eq(fp32_ulp(-1.0f), 0x1p-23f);
    ck_assert_float_eq(fp32_ulp(0.75f), 0x1p-24f);
    ck_assert_float_eq(fp32_ulp(1024.0f), 0x1p-13f);
}
END_TEST

START_TEST(test_stall_step_by_hand)
{
    /* moved[1..6]: from step 4 on every share is below half, so 4; a share
     * of exactly half is not below it; never below at the last step: 0. */
    ck_assert_int_eq(stall_step((const double[]){0, 1, 0.2, 0.9, 0.4, 0.1, 0.3}, 6), 4);
    ck_assert_int_eq(stall_step((const double[]){0, 0.1, 0.5}, 2), 0);
    ck_assert_int_eq(stall_step((const double[]){0, 0.1, 0.2}, 2), 1);
}
END_TEST

START_TEST(test_fp16_shares_by_hand)
{
    /* Four nonzero elements (the 0 is not counted). Times 1 in FP16: 1e-8
     * is under half the smallest subnormal 2^-24 (6e-8): 0; 1e-6 is under
     * 2^-14 (6.1e-5): subnormal; 0.5 and -1 are normal. Times 65536: 6.6e-4,
     * 0.066 and 32768 are normal, 65536 >= 65520 is inf. BF16 has float32's
     * range, so none is 0 there. */
    Fp16Shares s = {0};
    fp16_count(&s, (const float[]){0, 1e-8f, 1e-6f}, 3, (const double[]){1, 65536}, 2);
    fp16_count(&s, (const float[]){0.5f, -1.0f}, 2, (const double[]){1, 65536}, 2);
    ck_assert_double_eq(s.nonzero, 4);
    ck_assert_double_eq(s.largest, 1);
    fp16_shares_finish(&s, 2);
    ck_assert_double_eq(s.zero[0], 0.25);
    ck_assert_double_eq(s.subnormal[0], 0.25);
    ck_assert_double_eq(s.overflow[0], 0);
    ck_assert_double_eq(s.zero[1], 0);
    ck_assert_double_eq(s.subnormal[1], 0);
    ck_assert_double_eq(s.overflow[1], 0.25);
    ck_assert_double_eq(s.bf16_zero, 0);
}
END_TEST

START_TEST(test_adamw_accounting_by_hand)
{
    /* FP32 AdamW: weights 4 bytes, gradients 4, two float32 slots 8; no
     * master copy. Mixed with BF16 gradients: 2 + 2, master 4, state 8:
     * the ZeRO paper's 16. */
    MemoryTable t = adamw_account(70e9, RECIPE_FP32, -1);
    ck_assert_double_eq(rows_per_param(&t, "parameters"), 4);
    ck_assert_double_eq(rows_per_param(&t, "gradients"), 4);
    ck_assert_double_eq(rows_per_param(&t, "state"), 8);
    ck_assert_double_eq(rows_per_param(&t, "master"), 0);
    t = adamw_account(70e9, RECIPE_MIXED, 0);
    ck_assert_double_eq(rows_per_param(&t, "parameters") + rows_per_param(&t, "gradients"), 4);
    ck_assert_double_eq(rows_per_param(&t, "master"), 4);
    ck_assert_double_eq(rows_per_param(&t, "state"), 8);
}
END_TEST

START_TEST(test_scaler_iteration_by_hand)
{
    /* The default scale 65536: 0.5 and -0.25 scale to 32768 and -16384,
     * exact in FP16, and unscale back; the step is taken. 2 scales to
     * 131072, inf in FP16: skipped, and the scale halves to 32768. */
    GradScalerConfig cfg = GRAD_SCALER_DEFAULTS;
    GradScaler s;
    grad_scaler_init(&s, &cfg);
    float grad[2] = {0.5f, -0.25f}, scaled[2];
    ck_assert(!scaler_iteration(&s, grad, scaled, 2));
    ck_assert_float_eq(scaled[0], 32768.0f);
    ck_assert_float_eq(scaled[1], -16384.0f);
    ck_assert_float_eq(grad[0], 0.5f);
    ck_assert_float_eq(grad[1], -0.25f);
    ck_assert_double_eq(s.scale, 65536);
    grad[0] = 2.0f, grad[1] = 0.5f;
    ck_assert(scaler_iteration(&s, grad, scaled, 2));
    ck_assert(isinf(scaled[0]));
    ck_assert_double_eq(s.scale, 32768);
}
END_TEST

/* Two steps of SGD at lr 0.5 on f = (x0^2 + x1^2) / 2 from (1, 0): the
 * gradient is x, so x0 halves each step, 1 -> 0.5 -> 0.25, while x1 sits
 * at the minimum with gradient 0 and never moves. */
static Run half_steps(void)
{
    return (Run){.optimizer = &SGD_SPEC, .lr = 0.5f, .steps = 2};
}

START_TEST(test_watched_runs_on_a_quadratic)
{
    Problem *p = quadratic_new(2, (const double[]){1, 1}, (const float[]){1, 0});
    ck_assert_ptr_nonnull(p);
    /* Each step changes one of the two weights: a share of 1/2. */
    double moved[3] = {-1, -1, -1};
    ck_assert_int_eq(moved_shares(p, half_steps(), moved), 2);
    ck_assert_double_eq(moved[0], -1);
    ck_assert_double_eq(moved[1], 0.5);
    ck_assert_double_eq(moved[2], 0.5);
    /* The one tensor: half its weights unchanged each step; at the end
     * (0.25, 0), RMS sqrt(0.0625 / 2). */
    double unchanged, rms;
    ck_assert_int_eq(tensor_unchanged(p, half_steps(), &unchanged, &rms), 2);
    ck_assert_double_eq(unchanged, 0.5);
    ck_assert_close(rms, sqrt(0.0625 / 2), 0, 1e-15);
    /* The gradient before step 2 is (0.5, 0): one nonzero element. */
    Fp16Shares s[2];
    ck_assert_int_eq(fp16_at_steps(p, half_steps(), (const int[]){2, 5}, 2, (const double[]){1}, 1, s), 2);
    ck_assert_double_eq(s[0].nonzero, 1);
    ck_assert_double_eq(s[0].largest, 0.5);
    ck_assert_double_eq(s[1].nonzero, 0);   /* step 5 never came */
    problem_free(p);
}
END_TEST

START_TEST(test_spiky_gradient_spikes)
{
    /* The same draws with and without a spike: step 9's largest element is
     * 20 times step 1's, step 21's 3 times; the others -1/4 and 1/1000 of it. */
    Rng a, b, c;
    rng_seed(&a, 7, 11), rng_seed(&b, 7, 11), rng_seed(&c, 7, 11);
    float plain[SPIKY_NUMEL], spike[SPIKY_NUMEL], small[SPIKY_NUMEL];
    spiky_gradient(&a, 1, plain), spiky_gradient(&b, 9, spike), spiky_gradient(&c, 21, small);
    ck_assert_close(spike[0], 20.0 * plain[0], 0, 1e-6);
    ck_assert_close(small[0], 3.0 * plain[0], 0, 1e-6);
    ck_assert_close(plain[1], -0.25 * plain[0], 0, 1e-6);
    ck_assert_close(plain[2], 1e-3 * plain[0], 0, 1e-6);
}
END_TEST

void add_measures_tests(TCase *core, TCase *limits)
{
    tcase_add_test(core, test_fp32_ulp_by_hand);
    tcase_add_test(core, test_stall_step_by_hand);
    tcase_add_test(core, test_fp16_shares_by_hand);
    tcase_add_test(core, test_adamw_accounting_by_hand);
    tcase_add_test(core, test_scaler_iteration_by_hand);
    tcase_add_test(core, test_watched_runs_on_a_quadratic);
    tcase_add_test(limits, test_spiky_gradient_spikes);
}
