/* test_gpu_measures.c - what the GPU chapter measures on the CPU: the
 * bytes of each step by hand, the CPU step the fused kernel is checked
 * against (against lessons 06 and 11, element by element), the two
 * roundings' errors as the chapter states them, and the program. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "adamw.h"
#include "gpu_measures.h"
#include "gpu_reference.h"
#include "lowp.h"
#include "rounding_bits.h"
#include "testing.h"

/* Bytes a parameter, added up by hand from the arrays each kernel reads
 * and writes. */
START_TEST(test_traffic_by_hand)
{
    double read, written;
    step_traffic(FUSED_ADAMW_ARRAYS, 0, &read, &written);
    ck_assert_double_eq(read, 2 + 4 + 4 + 4);      /* grad, master, exp_avg, exp_avg_sq */
    ck_assert_double_eq(written, 4 + 4 + 4 + 2);   /* master, exp_avg, exp_avg_sq, BF16 param */
    step_traffic(ADAMW_FP32_ARRAYS, 0, &read, &written);
    ck_assert_double_eq(read + written, 4 + 2 * (4 + 4 + 4));   /* the same 28 bytes, all FP32 */
    step_traffic(ADAM8BIT_FP32_ARRAYS, 256, &read, &written);
    ck_assert_double_eq(read, 4 + 4 + 1 + 1 + 8.0 / 256);   /* grad, param, two codes, two absmax */
    ck_assert_double_eq(written, 4 + 1 + 1 + 8.0 / 256);
    step_traffic(ADAM8BIT_BF16_ARRAYS, 256, &read, &written);
    ck_assert_double_eq(read + written, 10 + 16.0 / 256);
}
END_TEST

/* gpu_reference_adamw, the fused kernel's CPU step, is lesson 06's AdamW on
 * the master with the widened gradient times the clipping scale, and the
 * working copy is the master rounded as lesson 11 rounds it: checked bit
 * for bit against those functions called one by one, over three steps with
 * weight decay and a scale of 0.5. */
START_TEST(test_reference_is_the_lessons_step)
{
    enum { N = 300 };
    for (int stochastic = 0; stochastic < 2; stochastic++) {
        float master[N], m[N], v[N], master2[N], m2[N], v2[N], g[N];
        uint16_t param[N], grad[N];
        for (int i = 0; i < N; i++) {
            master[i] = master2[i] = 0.01f * (float)(i - 150);
            m[i] = m2[i] = v[i] = v2[i] = 0.0f;
        }
        for (long t = 1; t <= 3; t++) {
            for (int i = 0; i < N; i++) grad[i] = bf16_from_float(sinf((float)(i * t)));
            gpu_reference_adamw(param, master, grad, m, v, N, t, 1e-2f, 0.9, 0.999, 1e-8f, 0.1f, 0.5f,
                                stochastic, 42);
            AdamWConfig cfg = ADAMW_DEFAULTS;
            cfg.lr = 1e-2f, cfg.weight_decay = 0.1f;
            for (int i = 0; i < N; i++) g[i] = float_from_bf16(grad[i]) * 0.5f;
            adamw_update(master2, g, m2, v2, NULL, N, t, &cfg);
            for (int i = 0; i < N; i++) {
                const uint16_t want = stochastic ? bf16_from_float_stochastic(master2[i],
                                                                              stochastic_rounding_bits(42, t, (size_t)i))
                                                 : bf16_from_float(master2[i]);
                ck_assert_uint_eq(param[i], want);
            }
        }
        ck_assert_mem_eq(master, master2, sizeof master);
        ck_assert_mem_eq(m, m2, sizeof m);
        ck_assert_mem_eq(v, v2, sizeof v);
    }
}
END_TEST

/* The chapter's claims on the working copy: rounded to nearest it is never
 * more than half a spacing off and about a quarter on average; rounded
 * stochastically it is off by more (a third on average for a master spread
 * evenly between its neighbours) but not to one side. */
START_TEST(test_rounding_errors)
{
    const RoundingError nearest = working_copy_error(1 << 14, 30, false, 5);
    const RoundingError sr = working_copy_error(1 << 14, 30, true, 5);
    ck_assert_msg(nearest.mean_abs_ulps > 0.2 && nearest.mean_abs_ulps < 0.3, "%g", nearest.mean_abs_ulps);
    ck_assert_msg(sr.mean_abs_ulps > 0.29 && sr.mean_abs_ulps < 0.38, "%g", sr.mean_abs_ulps);
    ck_assert_msg(fabs(nearest.mean_ulps) < 0.02 && fabs(sr.mean_ulps) < 0.02, "%g %g", nearest.mean_ulps,
                  sr.mean_ulps);
    ck_assert(nearest.changed > 0 && nearest.changed <= 1 && sr.changed > 0 && sr.changed <= 1);
}
END_TEST

/* A run of 8-bit Adam leaves codes of many values and positive scales. */
START_TEST(test_adam8bit_run)
{
    Adam8bitRun *run = adam8bit_run_new(5 * 256 + 7, 8, 1);
    ck_assert_ptr_nonnull(run);
    int seen[256] = {0}, distinct = 0;
    for (size_t i = 0; i < run->n; i++) distinct += !seen[run->state1[i]]++;
    ck_assert_int_gt(distinct, 50);
    for (size_t b = 0; b < 6; b++) ck_assert(run->absmax1[b] > 0 && run->absmax2[b] > 0);
    ck_assert(run->next.step_size < 0);   /* bitsandbytes' sign: p + step_size * ... */
    adam8bit_run_free(run);
    adam8bit_run_free(NULL);
}
END_TEST

START_TEST(test_cpu_loop_times)
{
    const double s = cpu_fused_step_seconds(1 << 12, 3);
    ck_assert(isfinite(s) && s > 0);
    ck_assert(isnan(cpu_fused_step_seconds(16, 0)));
}
END_TEST

START_TEST(test_program_smoke_run)
{
    const char *const tables[] = {"traffic", "banks", "rounding", "timings", "values", NULL};
    const char *const figures[] = {"13_bank_ways", NULL};
    check_lesson_smoke_run("13_gpu", "What one step moves", tables, figures);
}
END_TEST

START_TEST(test_program_flags)
{
    check_lesson_flags("13_gpu");
}
END_TEST

/* The chapter's numbers, as the book runs the program. */
START_TEST(test_program_values)
{
    char *values = lesson_values("13_gpu");
    ck_assert_double_eq_tol(value_in(values, "bytes_fused"), 28, 1e-9);
    ck_assert_double_eq_tol(value_in(values, "bytes_q8_bf16"), 10.06, 1e-9);   /* printed to 4 digits */
    ck_assert_double_eq_tol(value_in(values, "speedup_q8_bf16"), 2.78, 1e-9);
    /* Chapter: padding the maps cuts the passes, to no fewer than one a read;
     * the third read of m's search already conflicts. */
    ck_assert(value_in(values, "banks_passes") > value_in(values, "banks_passes_padded"));
    ck_assert(value_in(values, "banks_passes_padded") >= 19);   /* 1 + 8 + 1 reads for m, 1 + 8 for v, a pass each */
    ck_assert(value_in(values, "banks_read3_m") > 1.0);
    ck_assert(value_in(values, "round_sr_abs") > value_in(values, "round_nearest_abs"));
    ck_assert(value_in(values, "cpu_gparams") > 0);
    free(values);
}
END_TEST

void add_gpu_measures_tests(TCase *core, TCase *limits)
{
    tcase_add_test(core, test_traffic_by_hand);
    tcase_add_test(core, test_reference_is_the_lessons_step);
    tcase_add_test(core, test_rounding_errors);
    tcase_add_test(core, test_adam8bit_run);
    tcase_add_test(core, test_program_smoke_run);
    tcase_add_test(core, test_program_values);
    tcase_add_test(limits, test_cpu_loop_times);
    tcase_add_test(limits, test_program_flags);
}
