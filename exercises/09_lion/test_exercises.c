/* test_exercises.c - the grader of chapter 9's exercises. Each Check test
 * case is one exercise (ex1, ex2, ex3, with the points in points.txt); each
 * test runs in its own process with a time limit, so code that crashes or
 * loops forever fails its test instead of stopping the grading.
 *
 * `make grade` runs these tests on exercises/09_lion/ (your code);
 * `make test` runs them on solutions/09_lion/. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exercises.h"
#include "graded.h"
#include "lion.h"
#include "rng.h"
#include "testing.h"

/* A step worked by hand rounds a decay, two products and a sum, and one
 * subtraction, an ulp or so each, on numbers near 1: 4 ulp allowed, as in
 * the earlier chapters' exercises. A decay after the step, or an exp_avg
 * updated before the sign is taken, is 1e-3 off or more. */
#define HAND_RTOL 5e-7
/* tests/golden/lion.txt (tools/lion_reference.py, the authors' Lion) and
 * lion_variants.txt (tools/lion_variants_reference.py, lucidrains') round
 * as the C reads: the solutions match both exactly (measured). PyTorch's
 * CPU kernels fuse exp_avg's multiply-adds: measured against them
 * (lion_variants_reference.py --against-torch), the parameters are the
 * same and exp_avg is within 9.5e-8 of its largest value; an exp_avg that
 * averages gradients of both signs keeps that absolute error near zero, so
 * it is compared with an atol of GOLDEN_RTOL times its largest value.
 * Allowed 5 ulp, as the earlier chapters allow, so that code that rounds
 * as PyTorch does passes too. */
#define GOLDEN_RTOL 6e-7

/* ---- exercise 1 -------------------------------------------------------------- */

/* Your ex_lion_step as check_steps_by_hand and check_golden_update run it:
 * state[0] is exp_avg[n], starting at 0. */
static void lion_step(float *param, const float *grad, float *const *state, size_t n, const void *config,
                      long step)
{
    (void)step;   /* Lion keeps no step count */
    ex_lion_step(param, grad, state[0], n, config);
}

static const UpdateFunction EX_LION = {
    .name = "ex_lion_step",
    .spec = &LION_SPEC,
    .step = lion_step,
    .state_names = {"exp_avg"},
};

/* Two steps from p = 1 and exp_avg = 0, worked by hand: exp_avg and the
 * parameter after step 1 and after step 2. */
static const HandSteps LION_BY_HAND[] = {
    /* Step 1: c = 0.1 * 0.5 > 0, p = 1 - 0.1; exp_avg = 0.01 * 0.5. Step 2:
     * c = 0.9 * 0.005 + 0.1 * (-2) = -0.1955 < 0, p = 0.9 + 0.1; exp_avg =
     * 0.99 * 0.005 + 0.01 * (-2) = -0.01505. Every step is lr, whatever g. */
    {"a step is lr, whatever the gradient",
     &(LionConfig){.lr = 0.1f, .betas = {0.9, 0.99}, .weight_decay = 0.0f}, {0.5f, -2.0f},
     {{0.005, -0.01505}}, {0.9, 1.0}},
    /* Step 2, g = -0.05: c = 0.9 * 0.01 + 0.1 * (-0.05) = 0.004 > 0: the
     * memory outvotes today's gradient and p goes down again, to 0.8;
     * exp_avg = 0.0099 - 0.0005 = 0.0094. */
    {"the memory outvotes the gradient",
     &(LionConfig){.lr = 0.1f, .betas = {0.9, 0.99}, .weight_decay = 0.0f}, {1.0f, -0.05f},
     {{0.01, 0.0094}}, {0.9, 0.8}},
    /* beta2 0.5: exp_avg = 0.5 after g = 1. Step 2, g = -1: c is blended
     * from the OLD exp_avg, 0.45 - 0.1 = 0.35 > 0, so p = 0.8; blended
     * from the new one (-0.25) it would be -0.325 and p would go back to
     * 1. exp_avg = 0.25 - 0.5 = -0.25. */
    {"the sign is taken before exp_avg learns",
     &(LionConfig){.lr = 0.1f, .betas = {0.9, 0.5}, .weight_decay = 0.0f}, {1.0f, -1.0f},
     {{0.5, -0.25}}, {0.9, 0.8}},
    /* weight_decay 0.5: p *= 1 - 0.05 first, then the step: 0.95 - 0.1 =
     * 0.85, 0.85 * 0.95 - 0.1 = 0.7075 (decayed after the step it would
     * be 0.855, then 0.71725). */
    {"the decay comes first",
     &(LionConfig){.lr = 0.1f, .betas = {0.9, 0.99}, .weight_decay = 0.5f}, {0.5f, 0.5f},
     {{0.005, 0.00995}}, {0.85, 0.7075}},
    /* A zero gradient: c = 0, sign(0) = 0, only the decay moves p: 0.99,
     * then 0.9801. */
    {"sign(0) is 0",
     &(LionConfig){.lr = 0.1f, .betas = {0.9, 0.99}, .weight_decay = 0.1f}, {0.0f, 0.0f},
     {{0, 0}}, {0.99, 0.9801}},
    /* beta1 0: the sign of today's gradient, however small: p = 1.01, then
     * 1.0; exp_avg = -0.03, then 0.99 * (-0.03) + 0.01 * 1e-9. */
    {"beta1 0 is the sign of the gradient",
     &(LionConfig){.lr = 0.01f, .betas = {0.0, 0.99}, .weight_decay = 0.0f}, {-3.0f, 1e-9f},
     {{-0.03, -0.02969999999}}, {1.01, 1.0}},
    /* lr 0 with weight_decay 1: the decay is lr * weight_decay, nothing
     * moves; exp_avg still learns (betas 0.5, 0.25). */
    {"lr 0 moves nothing",
     &(LionConfig){.lr = 0.0f, .betas = {0.5, 0.25}, .weight_decay = 1.0f}, {2.0f, 4.0f},
     {{1.5, 3.375}}, {1.0, 1.0}},
};

START_TEST(test_ex1_first_steps_by_hand)
{
    for (int i = 0; i < TABLE_SIZE(LION_BY_HAND); i++)
        check_steps_by_hand(&EX_LION, &LION_BY_HAND[i], HAND_RTOL);
}
END_TEST

/* Your ex_lion_step on p[n] and exp_avg m[n], keeping both as they were
 * before it in before[n] and m_before[n]: the two tests below check each
 * step against where it started. */
static void lion_step_keeping_before(float *p, const float *g, float *m, size_t n, const LionConfig *cfg,
                                     float *before, float *m_before)
{
    memcpy(before, p, n * sizeof *p);
    memcpy(m_before, m, n * sizeof *m);
    ex_lion_step(p, g, m, n, cfg);
}

START_TEST(test_ex1_every_step_is_lr)
{
    /* Gradients from 1e-30 to 1e30 and 0: with no decay each weight moves
     * by exactly lr against sign(c), or not at all where c is 0, at every
     * step. Checked against the sign of c worked out here from the
     * exp_avg the step started from: to an ulp of the weight. */
    const LionConfig cfgs[] = {
        {.lr = 1e-3f, .betas = {0.9, 0.99}},
        {.lr = 0.25f, .betas = {0.95, 0.98}},
        {.lr = 1e-2f, .betas = {0.0, 0.0}},
    };
    Rng rng;
    rng_seed(&rng, 9, 1);
    for (int k = 0; k < TABLE_SIZE(cfgs); k++) {
        enum { N = 40, STEPS = 12 };
        float p[N], m[N] = {0}, g[N];
        for (int i = 0; i < N; i++) p[i] = (float)rng_normal(&rng);
        for (int s = 0; s < STEPS; s++) {
            for (int i = 0; i < N; i++) {
                double scale = pow(10.0, (double)(i % 7) * 10.0 - 30.0);   /* 1e-30 ... 1e30 */
                g[i] = i % 11 == 0 ? 0.0f : (float)(rng_normal(&rng) * scale);
            }
            float before[N], m_before[N];
            lion_step_keeping_before(p, g, m, N, &cfgs[k], before, m_before);
            for (int i = 0; i < N; i++) {
                float c = (float)cfgs[k].betas[0] * m_before[i] + (float)(1.0 - cfgs[k].betas[0]) * g[i];
                double sign = c > 0 ? 1.0 : c < 0 ? -1.0 : 0.0;
                char what[96];
                snprintf(what, sizeof what, "lr %g, step %d, g[%d] = %g: param", cfgs[k].lr, s + 1, i, g[i]);
                ck_assert_close_msg(what, p[i], before[i] - cfgs[k].lr * sign, 1.2e-7 * (fabs(before[i]) + cfgs[k].lr), 0);
            }
        }
    }
}
END_TEST

START_TEST(test_ex1_equal_betas_are_signum)
{
    /* With beta1 = beta2 = beta, the blend c is the new exp_avg itself:
     * Lion is Signum, p -= lr * sign(exp_avg) with exp_avg updated first.
     * In float32 the two are the same operations, so after every step the
     * move is -lr * sign(new exp_avg) exactly (to the rounding of p - lr).
     * Code that blends the new exp_avg instead moves where it should not. */
    const double betas[] = {0.5, 0.9, 0.99};
    Rng rng;
    rng_seed(&rng, 9, 2);
    for (int b = 0; b < TABLE_SIZE(betas); b++) {
        enum { N = 32, STEPS = 20 };
        const LionConfig cfg = {.lr = 0.01f, .betas = {betas[b], betas[b]}};
        float p[N], m[N] = {0}, g[N];
        for (int i = 0; i < N; i++) p[i] = (float)rng_normal(&rng);
        for (int s = 0; s < STEPS; s++) {
            /* A drift that flips sign every few steps, and noise: exp_avg
             * changes sign often. */
            for (int i = 0; i < N; i++) g[i] = (float)(((s / 3) % 2 ? -0.5 : 0.5) + rng_normal(&rng));
            float before[N], m_before[N];
            lion_step_keeping_before(p, g, m, N, &cfg, before, m_before);
            for (int i = 0; i < N; i++) {
                const float m_want = (float)betas[b] * m_before[i] + (float)(1.0 - betas[b]) * g[i];
                double sign = m[i] > 0 ? 1.0 : m[i] < 0 ? -1.0 : 0.0;
                char what[96];
                snprintf(what, sizeof what, "betas (%g, %g), step %d: exp_avg[%d]", betas[b], betas[b], s + 1, i);
                ck_assert_close_msg(what, m[i], m_want, 0, HAND_RTOL);
                snprintf(what, sizeof what, "betas (%g, %g), step %d: param[%d]", betas[b], betas[b], s + 1, i);
                ck_assert_close_msg(what, p[i], before[i] - cfg.lr * sign, 1.2e-7 * (fabs(before[i]) + cfg.lr), 0);
            }
        }
    }
}
END_TEST

/* The atol of a golden case's exp_avg: 5 ulp of the largest |exp_avg| it
 * records (exp_avg cancels towards zero, where only an atol can check it). */
static double exp_avg_atol(const GoldenCase *c)
{
    return GOLDEN_RTOL * golden_state_largest(c, "exp_avg");
}

/* After step `step` (0 is the first) with settings k: your param[n] and
 * exp_avg[n] against lesson 9's lion_update's lib_p[n] and lib_m[n], each
 * to GOLDEN_RTOL of the largest size lion_update's has had (*largest_p and
 * *largest_m, which this keeps up). */
static void assert_follows_lion_update(int k, int step, const float *p, const float *m,
                                       const float *lib_p, const float *lib_m, int n,
                                       double *largest_p, double *largest_m)
{
    for (int i = 0; i < n; i++) {
        *largest_p = fmax(*largest_p, fabs(lib_p[i]));
        *largest_m = fmax(*largest_m, fabs(lib_m[i]));
    }
    char what[96];
    snprintf(what, sizeof what, "settings %d, step %d: param", k, step + 1);
    ck_assert_all_close(p, lib_p, n, GOLDEN_RTOL * *largest_p, 0, what);
    snprintf(what, sizeof what, "settings %d, step %d: exp_avg", k, step + 1);
    ck_assert_all_close(m, lib_m, n, GOLDEN_RTOL * *largest_m, 0, what);
}

/* Loads tests/golden/FILE into *g (golden_free it), which must hold at
 * least `least` cases, each of the optimizer `optimizer` (NULL: any), and
 * replays every case through f: the parameters after every step with no
 * atol, then exp_avg with its atol. */
static void replay_every_case(const UpdateFunction *f, const char *file, const char *optimizer, int least,
                              GoldenFile *g)
{
    load_golden(file, g);
    ck_assert_int_ge(g->count, least);
    for (int k = 0; k < g->count; k++) {
        const GoldenCase *c = &g->cases[k];
        if (optimizer) ck_assert_str_eq(c->optimizer, optimizer);
        check_golden_update_atol_for(f, c, "exp_avg", exp_avg_atol(c), GOLDEN_RTOL);
    }
}

START_TEST(test_ex1_matches_the_authors_code)
{
    /* Every case of tests/golden/lion.txt (the authors' Lion run by
     * PyTorch): the parameters after every step with no atol, then exp_avg
     * with its atol. */
    GoldenFile g;
    replay_every_case(&EX_LION, "lion.txt", NULL, 10, &g);
    golden_free(&g);
}
END_TEST

START_TEST(test_ex1_matches_the_library)
{
    /* Long runs on random tensors against lesson 9's lion_update, at
     * settings the golden file may not have: 200 steps, gradients whose
     * mean drifts, every weight_decay and beta below. The parameters to 5
     * ulp of their largest size, exp_avg to 5 ulp of its largest value. */
    const LionConfig cfgs[] = {
        LION_DEFAULTS,
        {.lr = 3e-3f, .betas = {0.95, 0.98}, .weight_decay = 1.0f},
        {.lr = 0.02f, .betas = {0.5, 0.999}, .weight_decay = 0.1f},
        {.lr = 1e-2f, .betas = {0.0, 0.0}, .weight_decay = 0.0f},
    };
    Rng rng;
    rng_seed(&rng, 9, 3);
    for (int k = 0; k < TABLE_SIZE(cfgs); k++) {
        enum { N = 64, STEPS = 200 };
        float p[N], m[N] = {0}, lib_p[N], lib_m[N] = {0}, g[N];
        double largest_p = 0.0, largest_m = 0.0;
        for (int i = 0; i < N; i++) lib_p[i] = p[i] = (float)rng_normal(&rng);
        for (int s = 0; s < STEPS; s++) {
            for (int i = 0; i < N; i++) g[i] = (float)(sin(0.05 * s + i) + rng_normal(&rng));
            ex_lion_step(p, g, m, N, &cfgs[k]);
            lion_update(lib_p, g, lib_m, N, &cfgs[k]);
            assert_follows_lion_update(k, s, p, m, lib_p, lib_m, N, &largest_p, &largest_m);
        }
    }
}
END_TEST

/* ---- exercise 2 -------------------------------------------------------------- */

/* The answer, measured here with lesson 9's lion_update, as exercises.h
 * defines it. */
static LionOnQuadratic library_on_quadratic(float w0, float h, const LionConfig *cfg, long steps)
{
    LionOnQuadratic r = {0, 0.0, 0};
    float w = w0, exp_avg = 0.0f;
    long outside = 0;
    for (long t = 1; t <= steps; t++) {
        const float g = h * w;
        lion_update(&w, &g, &exp_avg, 1, cfg);
        if (r.reach == 0 && w <= 0.0f) r.reach = t;
        r.overshoot = fmax(r.overshoot, -(double)w);
        if (fabsf(w) > 2.0f * cfg->lr) outside = t;
    }
    r.settle = outside == steps ? 0 : outside + 1;
    return r;
}

/* Asserts your answer against `want`: reach and settle exactly (they are
 * counts of float32 steps the two compute alike), the overshoot to 1e-6 of
 * w0 (a multiple of lr, exact in the tests but for the rounding of w). */
static void assert_quadratic(const char *what, LionOnQuadratic got, LionOnQuadratic want, double w0)
{
    ck_assert_msg(got.reach == want.reach, "%s: reach = %ld, expected %ld", what, got.reach, want.reach);
    ck_assert_msg(fabs(got.overshoot - want.overshoot) <= 1e-6 * w0, "%s: overshoot = %.9g, expected %.9g",
                  what, got.overshoot, want.overshoot);
    ck_assert_msg(got.settle == want.settle, "%s: settle = %ld, expected %ld", what, got.settle, want.settle);
}

START_TEST(test_ex2_sign_descent_by_hand)
{
    /* betas (0, 0): sign descent, p -= lr sign(h w). From w0 = 128 lr (lr =
     * 2^-7, every w exact): w_t = (128 - t) lr, so it reaches 0 at step
     * 128 and stays (sign(0) = 0): no overshoot, and |w| <= 2 lr from step
     * 126. From w0 = 1.5 lr: 0.5 lr, then -0.5 lr, +0.5 lr, ...: reach 2,
     * overshoot lr / 2, settled from step 1. betas (0.9, 0): c blends the
     * last two gradients: it crosses once, by one step of lr. */
    const float lr = 0x1p-7f;
    const LionConfig sign_descent = {.lr = lr, .betas = {0.0, 0.0}};
    const LionConfig two_gradients = {.lr = lr, .betas = {0.9, 0.0}};
    assert_quadratic("betas (0, 0), w0 = 128 lr", ex_lion_on_quadratic(1.0f, 1.0f, &sign_descent, 1000),
                     (LionOnQuadratic){128, 0.0, 126}, 1.0);
    assert_quadratic("betas (0, 0), w0 = 1.5 lr", ex_lion_on_quadratic(1.5f * lr, 3.0f, &sign_descent, 1000),
                     (LionOnQuadratic){2, 0.5 * lr, 1}, 1.0);
    assert_quadratic("betas (0.9, 0), w0 = 128 lr", ex_lion_on_quadratic(1.0f, 1.0f, &two_gradients, 1000),
                     (LionOnQuadratic){128, lr, 126}, 1.0);
    /* Too few steps to get there: no reach, no overshoot, not settled. */
    assert_quadratic("betas (0.9, 0.99), 100 steps of 128", ex_lion_on_quadratic(1.0f, 1.0f, &LION_DEFAULTS, 100),
                     (LionOnQuadratic){0, 0.0, 0}, 1.0);
}
END_TEST

START_TEST(test_ex2_the_curvature_does_not_matter)
{
    /* sign(c) does not change when every gradient is multiplied by the
     * same h > 0 (c is linear in them): Lion walks the same path on a
     * quadratic a million times steeper. From w0 = 1 at lr = 2^-7 it
     * reaches 0 at step 128 = w0 / lr, whatever the betas; then it goes
     * where the library's own run goes. Your answers at h = 1e-3 and 1e3
     * must be your answer at h = 1, and the library's. */
    const float lr = 0x1p-7f;
    const double betas[][2] = {{0.9, 0.99}, {0.9, 0.9}, {0.95, 0.98}, {0.5, 0.99}};
    const float curvatures[] = {1.0f, 1e-3f, 1e3f};
    for (int b = 0; b < TABLE_SIZE(betas); b++) {
        const LionConfig cfg = {.lr = lr, .betas = {betas[b][0], betas[b][1]}};
        const LionOnQuadratic at_1 = ex_lion_on_quadratic(1.0f, 1.0f, &cfg, 3000);
        char what[96];
        snprintf(what, sizeof what, "betas (%g, %g), h = 1", betas[b][0], betas[b][1]);
        ck_assert_msg(at_1.reach == 128, "%s: reach = %ld, expected 128 = w0 / lr", what, at_1.reach);
        for (int k = 0; k < TABLE_SIZE(curvatures); k++) {
            snprintf(what, sizeof what, "betas (%g, %g), h = %g", betas[b][0], betas[b][1], curvatures[k]);
            LionOnQuadratic got = ex_lion_on_quadratic(1.0f, curvatures[k], &cfg, 3000);
            assert_quadratic(what, got, at_1, 1.0);
            assert_quadratic(what, got, library_on_quadratic(1.0f, curvatures[k], &cfg, 3000), 1.0);
        }
    }
}
END_TEST

START_TEST(test_ex2_against_the_library)
{
    /* The overshoot and the settling time are what the betas decide: at
     * the authors' betas Lion arrives with exp_avg full of the descent and
     * crosses by 59 steps of lr from w0 = 128 lr, 90 from w0 = 10^4 lr;
     * Signum (beta1 = beta2) with a long memory never settles, swinging by
     * 6 lr about 0 (measured). Each answer against the library's own run
     * of the same settings. */
    static const struct {
        float w0, h;
        LionConfig cfg;
        long steps;
    } runs[] = {
        {1.0f, 1.0f, {.lr = 0x1p-7f, .betas = {0.9, 0.99}}, 6000},
        {1.0f, 1.0f, {.lr = 0x1p-7f, .betas = {0.9, 0.999}}, 6000},
        {1.0f, 1.0f, {.lr = 0x1p-7f, .betas = {0.99, 0.99}}, 6000},
        {1.0f, 1.0f, {.lr = 0x1p-7f, .betas = {0.9, 0.9}}, 6000},
        {1.0f, 1.0f, {.lr = 0x1p-7f, .betas = {0.0, 0.99}}, 6000},
        {1.0f, 2.0f, {.lr = 0.01f, .betas = {0.9, 0.99}}, 6000},
        {0.3f, 1.0f, {.lr = 1e-3f, .betas = {0.95, 0.98}}, 6000},
        {5.0f, 0.5f, {.lr = 0.05f, .betas = {0.9, 0.99}, .weight_decay = 0.1f}, 6000},
        {1.0f, 1.0f, LION_DEFAULTS, 30000},
    };
    for (int i = 0; i < TABLE_SIZE(runs); i++) {
        char what[128];
        snprintf(what, sizeof what, "w0 %g, h %g, lr %g, betas (%g, %g), weight_decay %g, %ld steps", runs[i].w0,
                 runs[i].h, runs[i].cfg.lr, runs[i].cfg.betas[0], runs[i].cfg.betas[1], runs[i].cfg.weight_decay,
                 runs[i].steps);
        assert_quadratic(what, ex_lion_on_quadratic(runs[i].w0, runs[i].h, &runs[i].cfg, runs[i].steps),
                         library_on_quadratic(runs[i].w0, runs[i].h, &runs[i].cfg, runs[i].steps), runs[i].w0);
    }
}
END_TEST

/* ---- exercise 3 -------------------------------------------------------------- */

/* Two steps of lucidrains' Lion from p = 1 and exp_avg = 0, at the lr of
 * each step, worked by hand. */
typedef struct {
    const char *name;
    LucidrainsLionConfig cfg;
    double lr[HAND_STEPS];
    float grad[HAND_STEPS];
    double exp_avg[HAND_STEPS], param[HAND_STEPS];
} LucidrainsByHand;

static const LucidrainsByHand LUCIDRAINS_BY_HAND[] = {
    /* decoupled, init_lr 0.01, weight_decay 0.1: wd = 0.1 / 0.01 = 10.
     * Step 1 at lr 0.01: p = 1 * (1 - 0.1) - 0.01 = 0.89. Step 2 at lr
     * 0.005: p = 0.89 * (1 - 0.05) - 0.005 = 0.8405. The first step takes
     * weight_decay of the weight, whatever init_lr is. */
    {"decoupled: weight_decay / init_lr",
     {.lr = 0.01, .betas = {0.9, 0.99}, .weight_decay = 0.1, .decoupled_weight_decay = true},
     {0.01, 0.005}, {1.0f, 1.0f}, {0.01, 0.0199}, {0.89, 0.8405}},
    /* The same, coupled: p = 0.999 - 0.01 = 0.989, then 0.989 * 0.9995 -
     * 0.005 = 0.9835055. */
    {"coupled: lr * weight_decay",
     {.lr = 0.01, .betas = {0.9, 0.99}, .weight_decay = 0.1}, {0.01, 0.005}, {1.0f, 1.0f}, {0.01, 0.0199},
     {0.989, 0.9835055}},
    /* A rising lr, decoupled, init_lr 0.001 and weight_decay 0.01: wd = 10;
     * shrinks 0.99 then 0.98. g = -1: p = 0.99 + 0.001 = 0.991; then g = 0,
     * c = 0.9 * (-0.01) < 0: p = 0.991 * 0.98 + 0.002 = 0.97318. */
    {"decoupled under a rising lr",
     {.lr = 0.001, .betas = {0.9, 0.99}, .weight_decay = 0.01, .decoupled_weight_decay = true},
     {0.001, 0.002}, {-1.0f, 0.0f}, {-0.01, -0.0099}, {0.991, 0.97318}},
    /* The defaults (no decay) at lr 0.1 and 0.2: the authors' steps. */
    {"the defaults", LUCIDRAINS_LION_DEFAULTS, {0.1, 0.2}, {0.5f, -2.0f}, {0.005, -0.01505}, {0.9, 1.1}},
};

START_TEST(test_ex3_steps_by_hand)
{
    for (int i = 0; i < TABLE_SIZE(LUCIDRAINS_BY_HAND); i++) {
        const LucidrainsByHand *h = &LUCIDRAINS_BY_HAND[i];
        float p = 1.0f, m = 0.0f;
        for (int s = 0; s < HAND_STEPS; s++) {
            ex_lion_lucidrains_step(&p, &h->grad[s], &m, 1, h->lr[s], &h->cfg);
            char what[128];
            snprintf(what, sizeof what, "%s: step %d, exp_avg", h->name, s + 1);
            ck_assert_close_msg(what, m, h->exp_avg[s], 0, HAND_RTOL);
            snprintf(what, sizeof what, "%s: step %d, param", h->name, s + 1);
            ck_assert_close_msg(what, p, h->param[s], 0, HAND_RTOL);
        }
    }
}
END_TEST

/* A case of tests/golden/lion_variants.txt: Lion's keyword arguments and
 * the schedule's gamma (the lr of step t is lr * gamma^(t - 1)). */
typedef struct {
    LucidrainsLionConfig lion;
    double gamma;
} ScheduledLion;

static const OptionSpec scheduled_lion_options[] = {
    {"lr", OPT_DOUBLE, offsetof(ScheduledLion, lion.lr), "the lr Lion is made with", 0, 0},
    {"betas", OPT_DOUBLE2, offsetof(ScheduledLion, lion.betas), "beta1, beta2", 0, 0},
    {"weight_decay", OPT_DOUBLE, offsetof(ScheduledLion, lion.weight_decay), "the decay", 0, 0},
    {"decoupled_weight_decay", OPT_BOOL, offsetof(ScheduledLion, lion.decoupled_weight_decay),
     "weight_decay / init_lr", 0, 0},
    {"gamma", OPT_DOUBLE, offsetof(ScheduledLion, gamma), "ExponentialLR's factor per step", 0, 0},
    {NULL, 0, 0, NULL, 0, 0},
};

static const ScheduledLion scheduled_lion_defaults = {LUCIDRAINS_LION_DEFAULTS, 1.0};

/* Lion.__init__'s asserts: lr > 0, every beta in [0, 1]. */
static const char *scheduled_lion_validate(const void *config, char *buf, size_t len)
{
    const ScheduledLion *cfg = config;
    if (!(cfg->lion.lr > 0.0))
        snprintf(buf, len, "assert lr > 0.");
    else if (!(cfg->lion.betas[0] >= 0.0 && cfg->lion.betas[0] <= 1.0 && cfg->lion.betas[1] >= 0.0 &&
               cfg->lion.betas[1] <= 1.0))
        snprintf(buf, len, "assert all([0. <= beta <= 1. for beta in betas])");
    else
        return NULL;
    return buf;
}

static const OptimizerSpec SCHEDULED_LION_SPEC = {
    .name = "lion_lucidrains",
    .torch_name = "lion_pytorch.Lion",
    .options = scheduled_lion_options,
    .config_size = sizeof(ScheduledLion),
    .defaults = &scheduled_lion_defaults,
    .validate = scheduled_lion_validate,
};

/* Your ex_lion_lucidrains_step as check_golden_update runs it, at the lr
 * the case's ExponentialLR gives step `step`: state[0] is exp_avg[n]. */
static void lucidrains_step(float *param, const float *grad, float *const *state, size_t n, const void *config,
                            long step)
{
    const ScheduledLion *cfg = config;
    ex_lion_lucidrains_step(param, grad, state[0], n, cfg->lion.lr * pow(cfg->gamma, (double)(step - 1)),
                            &cfg->lion);
}

static const UpdateFunction EX_LUCIDRAINS = {
    .name = "ex_lion_lucidrains_step",
    .spec = &SCHEDULED_LION_SPEC,
    .step = lucidrains_step,
    .state_names = {"exp_avg"},
};

START_TEST(test_ex3_matches_lucidrains)
{
    /* Every case of tests/golden/lion_variants.txt
     * (tools/lion_variants_reference.py, a float32 NumPy port of
     * lion-pytorch's Lion.step): the parameters after every step with no
     * atol, then exp_avg with its atol; then the defaults case again from
     * LUCIDRAINS_LION_DEFAULTS, not its settings line. */
    GoldenFile g;
    replay_every_case(&EX_LUCIDRAINS, "lion_variants.txt", "lion_lucidrains", 16, &g);
    const GoldenCase *with_defaults = golden_find(&g, "lucidrains_default");
    ck_assert_ptr_nonnull(with_defaults);
    GoldenCase defaults = *with_defaults;   /* the same arrays, and no settings */
    defaults.num_settings = 0;
    check_golden_update(&EX_LUCIDRAINS, &defaults, exp_avg_atol(&defaults), GOLDEN_RTOL);
    golden_free(&g);
}
END_TEST

START_TEST(test_ex3_coupled_is_the_authors_lion)
{
    /* decoupled_weight_decay false at a constant lr is the chapter's Lion:
     * against lesson 9's lion_update on random tensors for 100 steps. The
     * two round lr differently (a float there, a double here) in 1 - lr *
     * weight_decay: 5 ulp of the largest weight allowed, and of exp_avg. */
    const LucidrainsLionConfig cfgs[] = {
        {.lr = 1e-3, .betas = {0.9, 0.99}, .weight_decay = 1.0},
        {.lr = 0.03, .betas = {0.95, 0.98}, .weight_decay = 0.1},
    };
    Rng rng;
    rng_seed(&rng, 9, 4);
    for (int k = 0; k < TABLE_SIZE(cfgs); k++) {
        enum { N = 48, STEPS = 100 };
        const LionConfig authors = {.lr = (float)cfgs[k].lr, .betas = {cfgs[k].betas[0], cfgs[k].betas[1]},
                                    .weight_decay = (float)cfgs[k].weight_decay};
        float p[N], m[N] = {0}, lib_p[N], lib_m[N] = {0}, g[N];
        double largest_p = 0.0, largest_m = 0.0;
        for (int i = 0; i < N; i++) lib_p[i] = p[i] = (float)rng_normal(&rng);
        for (int s = 0; s < STEPS; s++) {
            for (int i = 0; i < N; i++) g[i] = (float)(cos(0.1 * s + i) + rng_normal(&rng));
            ex_lion_lucidrains_step(p, g, m, N, cfgs[k].lr, &cfgs[k]);
            lion_update(lib_p, g, lib_m, N, &authors);
            assert_follows_lion_update(k, s, p, m, lib_p, lib_m, N, &largest_p, &largest_m);
        }
    }
}
END_TEST

START_TEST(test_ex3_the_box)
{
    /* Each step moves w by lr (sign(c) = +-1) and takes lr * wd * w of it
     * (wd = weight_decay, or weight_decay / init_lr when decoupled). Where
     * the two balance, w = 1 / wd: the decay keeps every weight inside
     * the box |w| <= 1 / wd, whatever the loss wants (Chen et al. 2023,
     * and "Lion secretly solves constrained optimization", Chen, Liu et
     * al. 2023). So on h (w - target)^2 / 2 the weight rests at target
     * when target is inside the box, oscillating about it by about lr,
     * and on the wall when it is outside: clamp(target, -1/wd, 1/wd),
     * for any h. On the wall the rest is exact (sign(c) stays -1 or +1)
     * but for the rounding of w * (1 - lr wd): measured 1.5e-5 of the
     * wall at most, 1e-4 allowed. Inside, the decay shifts the mean of
     * the oscillation a little: measured 0.06 lr from target at most,
     * lr allowed. A
     * coupled decay where a decoupled one is asked puts the wall at
     * 1 / weight_decay instead: 20 where it should be 0.2. */
    static const struct {
        LucidrainsLionConfig cfg;
        double target, h;
    } runs[] = {
        {{.lr = 0.01, .betas = {0.9, 0.99}, .weight_decay = 1.0}, 3.0, 1.0},
        {{.lr = 0.01, .betas = {0.9, 0.99}, .weight_decay = 1.0}, -5.0, 100.0},
        {{.lr = 0.01, .betas = {0.9, 0.99}, .weight_decay = 1.0}, 0.5, 1.0},
        {{.lr = 0.001, .betas = {0.9, 0.99}, .weight_decay = 0.002, .decoupled_weight_decay = true}, 2.0, 1.0},
        {{.lr = 0.001, .betas = {0.9, 0.99}, .weight_decay = 0.002, .decoupled_weight_decay = true}, -0.3, 0.01},
        {{.lr = 0.01, .betas = {0.95, 0.98}, .weight_decay = 0.05, .decoupled_weight_decay = true}, -1.0, 1.0},
        {{.lr = 0.01, .betas = {0.95, 0.98}, .weight_decay = 0.05, .decoupled_weight_decay = true}, 0.1, 10.0},
        {{.lr = 0.01, .betas = {0.0, 0.0}, .weight_decay = 0.05, .decoupled_weight_decay = true}, 0.3, 1.0},
    };
    for (int i = 0; i < TABLE_SIZE(runs); i++) {
        const LucidrainsLionConfig *cfg = &runs[i].cfg;
        const double wd = cfg->decoupled_weight_decay ? cfg->weight_decay / cfg->lr : cfg->weight_decay;
        const double wall = 1.0 / wd;
        const bool inside = fabs(runs[i].target) < wall;
        const double want = inside ? runs[i].target : copysign(wall, runs[i].target);
        char what[160];
        snprintf(what, sizeof what, "lr %g, weight_decay %g%s, target %g, h %g: the resting weight (box %g)",
                 cfg->lr, cfg->weight_decay, cfg->decoupled_weight_decay ? " decoupled" : "", runs[i].target,
                 runs[i].h, wall);
        ck_assert_close_msg(what, ex_lion_resting_weight(cfg, runs[i].target, runs[i].h), want,
                            inside ? cfg->lr : 1e-4 * wall, 0);
    }
}
END_TEST

const GradedTest GRADED_TESTS[] = {
    {"ex1", &test_ex1_first_steps_by_hand},
    {"ex1", &test_ex1_every_step_is_lr},
    {"ex1", &test_ex1_equal_betas_are_signum},
    {"ex1", &test_ex1_matches_the_authors_code},
    {"ex1", &test_ex1_matches_the_library},
    {"ex2", &test_ex2_sign_descent_by_hand},
    {"ex2", &test_ex2_the_curvature_does_not_matter},
    {"ex2", &test_ex2_against_the_library},
    {"ex3", &test_ex3_steps_by_hand},
    {"ex3", &test_ex3_matches_lucidrains},
    {"ex3", &test_ex3_coupled_is_the_authors_lion},
    {"ex3", &test_ex3_the_box},
    {NULL, NULL},
};

Suite *make_suite(void)
{
    return graded_suite("exercises 09_lion", GRADED_TESTS);
}
