/* test_measures.c - lesson 10's tests of what its program measures with:
 * the study notes' models (memory_notes, memory_rows_bytes), Adam's moments
 * of a run and what 8 bits make of them (moments.h), the stress case
 * (stress.h), the four Adams of the training curves and what a run of one
 * shows, alone and side by side (variants.h), bitsandbytes' linear map and
 * the count of v codes read back as 0. Its tests join the lesson's suite through
 * add_measures_tests() (see test_lesson10.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "accounting.h"
#include "adam.h"
#include "adam8bit.h"
#include "experiment.h"
#include "moments.h"
#include "quantize.h"
#include "stress.h"
#include "testing.h"
#include "variants.h"

void add_measures_tests(TCase *core, TCase *limits);

START_TEST(test_memory_rows_bytes_sums_by_prefix)
{
    MemoryTable t = {.num_rows = 3};
    snprintf(t.rows[0].what, sizeof t.rows[0].what, "parameters (working)"), t.rows[0].bytes = 5;
    snprintf(t.rows[1].what, sizeof t.rows[1].what, "state exp_avg"), t.rows[1].bytes = 10;
    snprintf(t.rows[2].what, sizeof t.rows[2].what, "state exp_avg_sq"), t.rows[2].bytes = 20;
    ck_assert(memory_rows_bytes(&t, "state") == 30);
    ck_assert(memory_rows_bytes(&t, "parameters") == 5);
    ck_assert(memory_rows_bytes(&t, "gradients") == 0);
}
END_TEST

START_TEST(test_memory_notes_from_their_definitions)
{
    /* Bytes a parameter, from the definitions: fp32 Adam 4 + 4 + 8, SGD
     * 4 + 4; mixed Adam 2 + 2 + 4 + 8, SGD 2 + 2 + 4; 8-bit m and v one byte
     * each and two floats a block of 256. Exact but for the 8-bit blocks. */
    MemoryNotes n;
    char err[256];
    ck_assert_msg(memory_notes(&n, err, sizeof err) == 0, "%s", err);
    ck_assert(n.p70.bytes == 70e9 * 16 && n.p70_mixed.bytes == 70e9 * 16 && n.p70_mixed_fp32.bytes == 70e9 * 18);
    ck_assert(n.p7_mixed.bytes == 7e9 * 16);
    ck_assert(n.sgd_saves == 100 * (1 - 8.0 / 16) && n.sgd_saves_mixed == 100 * (1 - 8.0 / 16));
    ck_assert(fabs(n.saved_8bit - 70e9 * (8 - 2 - 8.0 / 256)) <= 1e-9 * 70e9 * 6);
    ck_assert(n.lora.trainable == 16.0 * (4096 + 4096) && n.lora_pct == 100 * 16.0 * 8192 / (4096.0 * 4096.0));
}
END_TEST

START_TEST(test_linear_map_and_its_optimizer)
{
    /* Signed: 255 even steps from -1 to 1 and a 0 in the middle; unsigned:
     * 256 from 0 to 1. The optimizer made with it uses it. */
    float s[QMAP_SIZE], u[QMAP_SIZE];
    create_linear_map(true, s), create_linear_map(false, u);
    ck_assert(s[0] == -1.0f && s[127] == 0.0f && s[255] == 1.0f && u[0] == 0.0f && u[255] == 1.0f);
    for (int i = 1; i < QMAP_SIZE; i++) ck_assert(s[i] > s[i - 1] || (i == 128 && s[i] > 0));
    ck_assert(fabs(s[200] - s[199] - 2.0 / 254) < 1e-6 && fabs(u[1] - 1.0 / 255) < 1e-7);
    Problem *p = quadratic_new(2, (const double[]){1, 1}, (const float[]){1, 1});
    ck_assert_ptr_nonnull(p);
    Optimizer *opt = adam8bit_linear_new(p->params, &ADAM8BIT_DEFAULTS);
    ck_assert_ptr_nonnull(opt);
    ck_assert(memcmp(adam8bit_qmap(opt, 1), s, sizeof s) == 0 && memcmp(adam8bit_qmap(opt, 2), u, sizeof u) == 0);
    optimizer_free(opt);
    problem_free(p);
}
END_TEST

START_TEST(test_zero_v_count)
{
    /* 300 elements in 8 bits: v's code 0 (the value 0) everywhere, m's the
     * signed map's 0 (code 127) in the first 100 and 1.0 (255) in the rest:
     * 200 elements step by m / eps. 32-bit Adam keeps no codes. */
    double h[300];
    float x[300];
    for (int i = 0; i < 300; i++) h[i] = 1, x[i] = 1;
    Problem *p = quadratic_new(300, h, x);
    ck_assert_ptr_nonnull(p);
    Adam8bitConfig cfg = ADAM8BIT_DEFAULTS;
    cfg.min_8bit_size = 0;
    Optimizer *opt = adam8bit_new(p->params, &cfg), *adam = adam_new(p->params, &ADAM_DEFAULTS);
    ck_assert_ptr_nonnull(opt);
    ck_assert_ptr_nonnull(adam);
    Tensor *m = opt->slots[0][0];
    ck_assert_str_eq(opt->slot_names[0], "state1");
    for (int j = 0; j < 300; j++) m->bytes[j] = j < 100 ? 127 : 255;
    double eight_bit = -1;
    ck_assert(adam8bit_zero_v_count(opt, &eight_bit) == 200 && eight_bit == 300);
    ck_assert(adam8bit_zero_v_count(adam, &eight_bit) == 0 && eight_bit == 0);
    optimizer_free(opt), optimizer_free(adam);
    problem_free(p);
}
END_TEST

/* mo over x[n] values, m and v alike given. */
static Moments moments_of(float *m, float *v, size_t n)
{
    return (Moments){.steps = 1, .min_numel = 0, .n = n, .m = m, .v = v};
}

START_TEST(test_state_errors_by_hand)
{
    /* Blocks of 1: each value is its own absmax, x / absmax = +-1. The
     * signed map has 1.0 but no -1: -2 comes back as 2 code[0], off by
     * 1 + code[0] of itself; 3 and the v's come back exactly. The median of
     * two errors is the larger (sort_median's x[n / 2]), the 99th
     * percentile the smaller. */
    float s[QMAP_SIZE], u[QMAP_SIZE];
    create_dynamic_map(true, s), create_dynamic_map(false, u);
    float m[2] = {-2, 3}, v[2] = {4, 9};
    Moments mo = moments_of(m, v, 2);
    StateErrors e = state_errors(s, u, &mo, 1);
    double off = (double)(2 * s[0] + 2) / 2;   /* |2 code[0] - (-2)| / 2, in float as the round trip */
    ck_assert(off > 0);
    ck_assert(fabs(e.m.median - off) < 1e-7 && e.m.p99 == 0 && e.m.zeroed == 0);
    ck_assert(e.v.median == 0 && e.v.p99 == 0 && e.v.zeroed == 0);
    /* One block of two: 1e-12 under an absmax of 1 is below the smallest
     * unsigned code: v comes back 0, half of the values sent to 0. */
    float m2[2] = {1, 1}, v2[2] = {1, 1e-12f};
    mo = moments_of(m2, v2, 2);
    e = state_errors(s, u, &mo, 2);
    ck_assert(e.v.zeroed == 0.5 && e.m.zeroed == 0);
}
END_TEST

START_TEST(test_moments_after_one_step)
{
    /* One Adam step from x = (1, 1) on curvatures (1, 4): g = (1, 4), so
     * exp_avg = (1 - beta1) g and exp_avg_sq = (1 - beta2) g^2; each tensor
     * padded to MOMENTS_ALIGN with zeros. A tensor under min_numel is left
     * out. */
    Problem *p = quadratic_new(2, (const double[]){1, 4}, (const float[]){1, 1});
    ck_assert_ptr_nonnull(p);
    Run run = {.optimizer = &ADAM_SPEC, .lr = 0.1f, .steps = 1};
    Moments mo = moments_after(p, run, 0);
    ck_assert_uint_eq(mo.n, MOMENTS_ALIGN);
    ck_assert(fabs(mo.m[0] - 0.1) < 1e-6 && fabs(mo.m[1] - 0.4) < 1e-6);
    ck_assert(fabs(mo.v[0] - 0.001) < 1e-8 && fabs(mo.v[1] - 0.016) < 1e-8);
    ck_assert(mo.m[2] == 0 && mo.v[MOMENTS_ALIGN - 1] == 0);
    moments_free(&mo);
    mo = moments_after(p, run, 3);
    ck_assert_uint_eq(mo.n, 0);
    moments_free(&mo);
    problem_free(p);
}
END_TEST

START_TEST(test_stress_first_step)
{
    /* Adam's first step is lr g / (|g| + eps): |step| / lr is 1 for every
     * element with a gradient, 0 for the never-seen ones, in every setup. */
    Setup fp32 = {"32-bit", "fp32", 256, 1e-8f, false}, b256 = {"8-bit", "b256", 256, 1e-8f, true};
    Stress s = stress_run(&fp32, 1, 1);
    ck_assert(fabs(s.median[LARGE] - 1) < 1e-5 && fabs(s.largest[SMALL] - 1) < 1e-3 && s.v_zeroed == 0);
    ck_assert(s.largest[NEVER] == 0 && s.median[NEVER] == 0);
    s = stress_run(&b256, 20, 1);
    ck_assert(s.largest[NEVER] == 0 && s.v_zeroed > 0 && s.v_zeroed < 1);
}
END_TEST

/* The loss of p at its parameters, on all its examples. */
static double full_loss(Problem *p)
{
    float x[2];
    paramlist_get(&p->params, x);
    return problem_loss_at(p, x);
}

START_TEST(test_variants_and_their_watched_runs)
{
    Variant v;
    Run base = {.lr = 0.1f, .steps = 5};
    for (int k = 0; k < VARIANTS; k++) {
        Run run = variant_run(k, base, &v);
        ck_assert(run.lr == base.lr && run.steps == base.steps);
        if (k == 0) ck_assert(run.optimizer == &ADAM_SPEC && run.config == NULL);
        else ck_assert(run.config == &v.config && v.config.min_8bit_size == (k == 1 ? 4096 : 0));
        if (k == 3) ck_assert(run.optimizer == &v.linear && v.linear.create == adam8bit_linear_new);
    }
    /* Every tensor in 8 bits on a 2-D bowl: the loss at the start and after
     * steps 2 and 4 (step 5 ends between two points); the first step is
     * lr g / |g| in every coordinate, |step| / lr = 1. */
    Problem *p = quadratic_new(2, (const double[]){1, 4}, (const float[]){1, 1});
    ck_assert_ptr_nonnull(p);
    double curve[3];
    Watched8bit w = run_8bit_watched(p, variant_run(2, base, &v), 2, full_loss, curve);
    ck_assert_int_eq(w.done, 5);
    ck_assert(curve[0] == 0.5 * (1 + 4));
    ck_assert(curve[1] < curve[0] && isfinite(curve[2]));
    ck_assert(w.largest >= 1 - 1e-5 && w.v_zero_share >= 0 && w.v_zero_share <= 1);
    problem_free(p);
}
END_TEST

START_TEST(test_variants_side_by_side_as_one_by_one)
{
    /* variants_watched and variants_digits_means give, side by side, what
     * each variant's run gives alone. */
    Problem *p = quadratic_new(2, (const double[]){1, 4}, (const float[]){1, 1});
    ck_assert_ptr_nonnull(p);
    Run base = {.lr = 0.1f, .steps = 4};
    double curves[VARIANTS * 3], alone[3];
    VariantWatch seen[VARIANTS];
    variants_watched(p, base, 2, full_loss, curves, seen);
    for (int k = 0; k < VARIANTS; k++) {
        Variant v;
        Run run = variant_run(k, base, &v);
        Watched8bit w = run_8bit_watched(p, run, 2, full_loss, alone);
        for (int i = 0; i < 3; i++) ck_assert(curves[k * 3 + i] == alone[i]);
        ck_assert(seen[k].watched.done == w.done && seen[k].watched.largest == w.largest);
        ck_assert(seen[k].watched.v_zero_share == w.v_zero_share);
        ck_assert(seen[k].state_bytes == (double)run_state_bytes(p, run));
    }
    problem_free(p);

    Problem *mlp = must_mlp(4, 1);
    Run digits = {.lr = 3e-3f, .steps = 3, .batch = 8, .seed = 1, .batch_seed = 1};
    double loss[VARIANTS], accuracy[VARIANTS];
    variants_digits_means(mlp, digits, 2, loss, accuracy);
    for (int k = 0; k < VARIANTS; k++) {
        double mean_loss = 0, mean_accuracy = 0;
        for (int s = 0; s < 2; s++) {
            Variant v;
            Run run = run_from_start(variant_run(k, digits, &v), s);
            ck_assert_int_eq(run_watched(mlp, run, NULL, NULL), 3);
            mean_loss += digits_test_loss(mlp) / 2;
            mean_accuracy += 100 * mlp->test_accuracy(mlp) / 2;
        }
        ck_assert(loss[k] == mean_loss && accuracy[k] == mean_accuracy);
        ck_assert(accuracy[k] >= 0 && accuracy[k] <= 100);
    }
    problem_free(mlp);
}
END_TEST

void add_measures_tests(TCase *core, TCase *limits)
{
    (void)limits;
    tcase_add_test(core, test_memory_rows_bytes_sums_by_prefix);
    tcase_add_test(core, test_memory_notes_from_their_definitions);
    tcase_add_test(core, test_linear_map_and_its_optimizer);
    tcase_add_test(core, test_zero_v_count);
    tcase_add_test(core, test_state_errors_by_hand);
    tcase_add_test(core, test_moments_after_one_step);
    tcase_add_test(core, test_stress_first_step);
    tcase_add_test(core, test_variants_and_their_watched_runs);
    tcase_add_test(core, test_variants_side_by_side_as_one_by_one);
}
