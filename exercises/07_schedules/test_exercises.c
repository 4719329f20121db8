/* test_exercises.c - the grader of chapter 7's exercises. Each Check test
 * case is one exercise (ex1, ex2, ex3, with the points in points.txt); each
 * test runs in its own process with a time limit, so code that crashes or
 * loops forever fails its test instead of stopping the grading.
 *
 * `make grade` runs these tests on exercises/07_schedules/ (your code);
 * `make test` runs them on solutions/07_schedules/. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accumulate.h"
#include "adamw.h"
#include "clip_golden.h"
#include "exercises.h"
#include "graded.h"
#include "rng.h"
#include "schedule_golden.h"
#include "testing.h"

/* ---- exercise 1 -------------------------------------------------------------- */

/* Hand-worked numbers, in double, against float32 code: the total norm is
 * exact or one rounding of sqrtf away; the coefficient rounds 1e-6 to
 * float32 (9.9999999747e-7) and total + 1e-6 to an ulp of the sum, then the
 * reciprocal and two products round once each: a few float32 roundings.
 * Measured: 5.9e-8 at most (the (3e-7, 4e-7) case). Allowed 3e-7, 2.5 ulp:
 * a forgotten 1e-6 is 2e-7 off at a norm of 5 and 50% off at 5e-7. */
#define CLIP_HAND_RTOL 3e-7
/* PyTorch adds a tensor's squares in vector lanes, eight at a time, in
 * another order than one loop: lesson 7 measured its totals within 1.1e-7
 * of themselves of one loop's and the clipped gradients within 1.6e-7 (1.3
 * ulp) on every case of clip.txt. Allowed 4e-7, as the lesson's tests. */
#define CLIP_GOLDEN_RTOL 4e-7
/* A clipped gradient among the subnormals (norm_tiny_subnormal: 1e-20
 * scaled by about 1e-24) is a multiple of the smallest float32: a
 * coefficient one ulp off moves it by one such step. */
#define CLIP_GOLDEN_ATOL FLT_TRUE_MIN

/* Grads, grads_make, grads_free and same_float are common/testing.h's. */
_Static_assert(CLIP_GOLDEN_MAX_TENSORS <= GRADS_MAX_TENSORS, "a golden case fits in Grads");

/* Up to three tensors of up to four numbers: the total norm and the
 * gradients after clip_grad_norm_, worked out in double from the
 * equations of exercises.h (ClipByHand is common/testing.h's). */
static const ClipByHand NORM_BY_HAND[] = {
    /* ||(3, 4)|| = 5, and 1/(5 + 1e-6) is not quite 1/5. */
    {"(3, 4), max_norm 1", 1.0f, 2.0f, 1, {2}, {{3, 4}}, 5.0, {{3 / 5.000001, 4 / 5.000001}}},
    {"(3, 4), max_norm 10: nothing to clip", 10.0f, 2.0f, 1, {2}, {{3, 4}}, 5.0, {{3, 4}}},
    /* Two tensors are one vector: the numbers of (3, 4). */
    {"(3) and (4): one norm over both", 1.0f, 2.0f, 2, {1, 1}, {{3}, {4}}, 5.0, {{3 / 5.000001}, {4 / 5.000001}}},
    /* sqrt(1 + 4 + 4) = 3 over two tensors; 1.5/(3 + 1e-6) halves them. */
    {"(1, 2, 2) and (0), max_norm 1.5", 1.5f, 2.0f, 2, {3, 1}, {{1, 2, 2}, {0}}, 3.0,
     {{1.5 / 3.000001, 3 / 3.000001, 3 / 3.000001}, {0}}},
    /* The infinity norm: the largest |g| of all, 4, in the first tensor. */
    {"inf: (3, -4) and (1), max_norm 2", 2.0f, INFINITY, 2, {2, 1}, {{3, -4}, {1}}, 4.0,
     {{6 / 4.000001, -8 / 4.000001}, {2 / 4.000001}}},
    {"inf: (0.5) and (-0.25, 7), max_norm 14: nothing to clip", 14.0f, INFINITY, 2, {1, 2}, {{0.5f}, {-0.25f, 7}},
     7.0, {{0.5}, {-0.25, 7}}},
    /* The 1e-6 is absolute: a norm of 5e-7 under a max_norm of 1e-6 is
     * still clipped, by 1e-6/(5e-7 + 1e-6) = 2/3. */
    {"(3e-7, 4e-7) and (0), max_norm 1e-6", 1e-6f, 2.0f, 2, {2, 1}, {{3e-7f, 4e-7f}, {0}}, 5e-7,
     {{2e-7, 4e-7 / 1.5}, {0}}},
    /* At max_norm 1e-7, a gradient of norm 1e-7 keeps 1e-7/(1.1e-6) of itself. */
    {"(1e-7, 0), max_norm 1e-7", 1e-7f, 2.0f, 1, {2}, {{1e-7f, 0}}, 1e-7, {{1e-14 / 1.1e-6, 0}}},
    /* Zeros at max_norm 0: 0 * (1/(0 + 1e-6)) = 0, where 0/0 would be NaN. */
    {"zeros, max_norm 0", 0.0f, 2.0f, 2, {2, 1}, {{0, 0}, {0}}, 0.0, {{0, 0}, {0}}},
    /* max_norm is not checked: a negative one flips the gradient. */
    {"(3, 4), max_norm -1", -1.0f, 2.0f, 1, {2}, {{3, 4}}, 5.0, {{-3 / 5.000001, -4 / 5.000001}}},
};

START_TEST(test_ex1_norm_by_hand)
{
    for (int c = 0; c < TABLE_SIZE(NORM_BY_HAND); c++)
        check_clip_by_hand(ex_clip_grad_norm, &NORM_BY_HAND[c], CLIP_HAND_RTOL);
    /* No tensors: a norm of 0. */
    ParamList none = {0, NULL, NULL};
    ck_assert_msg(ex_clip_grad_norm(&none, 1.0f, 2.0f) == 0.0f, "no tensors: the total norm should be 0");
}
END_TEST

START_TEST(test_ex1_norm_keeps_the_direction)
{
    /* Random gradients in three tensors of different sizes, from 0.01 to
     * 100: the total norm is that of one long vector, worked out here in
     * double; every element is scaled by the same max_norm / (total +
     * 1e-6), so the direction is kept and the norm after is max_norm
     * total / (total + 1e-6); and a norm below max_norm is multiplied by 1:
     * nothing moves. float32 against double, over 60 numbers: measured
     * 1.7e-7 apart at most; allowed 1e-6. */
    Rng rng;
    rng_seed(&rng, 7, 1);
    const int numel[3] = {5, 12, 43};
    for (int trial = 0; trial < 20; trial++) {
        float v[3][43];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < numel[i]; j++) v[i][j] = (float)(rng_normal(&rng) * pow(10.0, trial % 5 - 2));
        for (int inf = 0; inf < 2; inf++) {
            double norm = 0;
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < numel[i]; j++)
                    norm = inf ? fmax(norm, fabs(v[i][j])) : norm + (double)v[i][j] * v[i][j];
            if (!inf) norm = sqrt(norm);
            for (int below = 0; below < 2; below++) {
                float max_norm = (float)(below ? 2 * norm : norm / 4);
                Grads g;
                grads_make_1d(&g, 3, numel, (const float *const[]){v[0], v[1], v[2]});
                float total = ex_clip_grad_norm(&g.list, max_norm, inf ? INFINITY : 2.0f);
                char what[160];
                snprintf(what, sizeof what, "trial %d, %s-norm, max_norm %s the norm: the total norm", trial,
                         inf ? "inf" : "2", below ? "above" : "below");
                ck_assert_close_msg(what, total, norm, 0, 1e-6);
                double coef = below ? 1.0 : (double)max_norm / (norm + 1e-6);
                double after = 0;
                for (int i = 0; i < 3; i++)
                    for (int j = 0; j < numel[i]; j++) {
                        float x = g.grads[i]->data[j];
                        snprintf(what, sizeof what, "trial %d, %s-norm, max_norm %s: grads[%d][%d]", trial,
                                 inf ? "inf" : "2", below ? "above the norm, nothing to clip" : "a quarter of it",
                                 i, j);
                        if (below)
                            ck_assert_msg(x == v[i][j], "%s = %.9g, should stay %.9g", what, x, v[i][j]);
                        else
                            ck_assert_close_msg(what, x, coef * v[i][j], 0, 1e-6);
                        after = inf ? fmax(after, fabs(x)) : after + (double)x * x;
                    }
                if (!inf) after = sqrt(after);
                if (!below) {
                    snprintf(what, sizeof what, "trial %d, %s-norm: the norm after clipping", trial,
                             inf ? "inf" : "2");
                    ck_assert_close_msg(what, after, max_norm * norm / (norm + 1e-6), 0, 1e-6);
                }
                grads_free(&g);
            }
        }
    }
}
END_TEST

START_TEST(test_ex1_value_by_hand)
{
    /* torch.clamp(g, -c, c), checked against PyTorch 1.13: a NaN element
     * stays NaN, infinities become the bounds, and with c < 0 the bounds
     * cross and the upper one, c, wins for every element. */
    const struct {
        const char *name;
        float clip_value;
        float grad[5];
        float clipped[5];
    } cases[] = {
        {"(3, -4, 0.5, 1, -1) at 1", 1.0f, {3, -4, 0.5f, 1, -1}, {1, -1, 0.5f, 1, -1}},
        {"NaN stays", 1.0f, {NAN, 2, -3, 0.5f, 0}, {NAN, 1, -1, 0.5f, 0}},
        {"infinities", 2.0f, {INFINITY, -INFINITY, -3, 0.5f, 2}, {2, -2, -2, 0.5f, 2}},
        {"at -1 the upper bound wins", -1.0f, {3, -4, 0.5f, -1, 1}, {-1, -1, -1, -1, -1}},
        {"at 0 everything is 0", 0.0f, {3, -4, 0.5f, 1e-30f, -1e-30f}, {0, 0, 0, 0, 0}},
    };
    for (int c = 0; c < TABLE_SIZE(cases); c++) {
        Grads g;
        /* the first two numbers in one tensor, the other three in another */
        grads_make_1d(&g, 2, (const int[]){2, 3}, (const float *const[]){cases[c].grad, cases[c].grad + 2});
        ex_clip_grad_value(&g.list, cases[c].clip_value);
        for (int j = 0; j < 5; j++) {
            float got = j < 2 ? g.grads[0]->data[j] : g.grads[1]->data[j - 2];
            ck_assert_msg(same_float(got, cases[c].clipped[j], 0, 0),
                          "clip_grad_value_, %s: element %d = %.9g, not %.9g", cases[c].name, j, got,
                          cases[c].clipped[j]);
        }
        grads_free(&g);
    }
}
END_TEST

START_TEST(test_ex1_matches_pytorch)
{
    /* Every case of tests/golden/clip.txt, made by PyTorch 1.13
     * (tools/make_golden.py, clip_cases): the gradients after clipping and,
     * for clip_grad_norm_, the total norm returned, NaN and inf included. */
    char path[2048], err[512];
    snprintf(path, sizeof path, "%s/clip.txt", golden_dir());
    ClipGoldenFile f;
    ck_assert_msg(clip_golden_load(path, &f, err, sizeof err) == 0, "%s", err);
    ck_assert_int_ge(f.count, 20);
    for (int k = 0; k < f.count; k++) {
        const ClipCase *c = &f.cases[k];
        Grads g;
        grads_make(&g, c->count, c->ndim, (const int(*)[TENSOR_MAX_DIMS])c->shape, (const float *const *)c->grad);
        if (c->by_value) {
            ex_clip_grad_value(&g.list, c->clip_value);
        } else {
            float total = ex_clip_grad_norm(&g.list, c->max_norm, c->norm_type);
            ck_assert_msg(same_float(total, c->total_norm, 0, CLIP_GOLDEN_RTOL),
                          "%s: the total norm = %.9g, PyTorch's %.9g", c->name, total, c->total_norm);
        }
        for (int i = 0; i < c->count; i++)
            for (size_t j = 0; j < c->numel[i]; j++)
                ck_assert_msg(same_float(g.grads[i]->data[j], c->clipped[i][j], CLIP_GOLDEN_ATOL, CLIP_GOLDEN_RTOL),
                              "%s: grads[%d][%zu] = %.9g, PyTorch's %.9g", c->name, i, j, g.grads[i]->data[j],
                              c->clipped[i][j]);
        grads_free(&g);
    }
    clip_golden_free(&f);
}
END_TEST

/* ---- exercise 2 -------------------------------------------------------------- */

/* The digits MLP, small: 64 -> 16 -> 10, 1210 parameters, from seed 7. */
#define MLP_HIDDEN 16
#define MLP_SEED 7
/* Each run: STEPS steps from the same start on the same examples. */
#define STEPS 6
/* A micro-batch of 4 examples, up to 8 of them a step. */
#define MICRO 4
#define MAX_K 8

/* Two runs that take the same steps in exact arithmetic but round
 * differently in float32 (k not a power of two, or one batch against
 * micro-batches): their parameters after STEPS steps are at most this far
 * apart, over the largest |parameter| (about 0.3). Measured: 3.8e-7 at most
 * (AdamW, k = 6); allowed 2e-6. For k a power of two the tests ask for the
 * same floats: dividing by k is then exact, in any order. */
#define ROUNDING_APART 2e-6
/* The mean loss of k micro-batches against one batch of k*m: a double sum
 * of the same float32 losses in another order, after runs that are
 * ROUNDING_APART apart. Measured: 6.2e-9 apart at most; allowed 1e-6. */
#define LOSS_APART 1e-6

static Problem *mlp(void)
{
    char err[256];
    Problem *p = mlp_new(MLP_HIDDEN, MLP_SEED, err, sizeof err);
    ck_assert_msg(p != NULL, "%s", err);
    return p;
}

/* The examples of STEPS steps of up to MAX_K micro-batches: a fixed walk
 * over the training set. */
static const int *examples(const Problem *p)
{
    static int idx[STEPS * MAX_K * MICRO];
    for (int i = 0; i < TABLE_SIZE(idx); i++) idx[i] = (int)(((long)i * 613 + 29) % p->num_examples);
    return idx;
}

typedef enum { SGD, ADAGRAD, ADAM, ADAMW } Kind;

/* An optimizer and its settings. */
typedef struct {
    const char *name;
    Kind kind;
    SGDMomentumConfig sgd;
    AdagradConfig adagrad;
    AdamConfig adam;   /* Adam's, or AdamW's */
} Settings;

static Optimizer *optimizer_for(Problem *p, const Settings *s)
{
    Optimizer *opt = NULL;
    switch (s->kind) {
    case SGD: opt = sgd_momentum_new(p->params, &s->sgd); break;
    case ADAGRAD: opt = adagrad_new(p->params, &s->adagrad); break;
    case ADAM: opt = adam_new(p->params, &s->adam); break;
    case ADAMW: opt = adamw_new(p->params, &s->adam); break;
    }
    ck_assert_msg(opt != NULL, "out of memory");
    return opt;
}

/* Which loop trains. */
typedef enum {
    MEAN,          /* the book's: accumulate.h's backward_accumulate, each micro-batch / k */
    SUM,           /* the same without the / k */
    ONE_BATCH,     /* no micro-batches: p->loss_and_grad on the k*m examples at once */
    YOURS_MEAN,    /* ex_train_accumulated(..., divide = true) */
    YOURS_SUM,     /* ex_train_accumulated(..., divide = false) */
} Loop;

/* STEPS steps of s from the MLP's start on k micro-batches of MICRO, by
 * `loop`: the parameters after them in theta, the last step's loss (the
 * mean over its k*MICRO examples) returned. */
static double train(Problem *p, const Settings *s, int k, Loop loop, float *theta)
{
    const int *idx = examples(p);
    size_t n = paramlist_numel(&p->params);
    p->reset(p, MLP_SEED);
    Optimizer *opt = optimizer_for(p, s);
    double loss = NAN;
    if (loop == YOURS_MEAN || loop == YOURS_SUM) {
        loss = ex_train_accumulated(p, opt, idx, STEPS, k, MICRO, loop == YOURS_MEAN);
    } else {
        float *sum = malloc(sizeof(float) * n);
        ck_assert(sum != NULL);
        for (int step = 0; step < STEPS; step++) {
            const int *batch = idx + (size_t)step * k * MICRO;
            optimizer_zero_grad(opt);
            if (loop == ONE_BATCH) {
                loss = p->loss_and_grad(p, batch, k * MICRO);
            } else {
                float scale = loop == MEAN ? 1.0f / (float)k : 1.0f;
                memset(sum, 0, sizeof(float) * n);
                loss = 0;
                for (int b = 0; b < k; b++)
                    loss += backward_accumulate(p, batch + b * MICRO, MICRO, scale, sum) / scale / k;
                const float *from = sum;
                for (int i = 0; i < p->params.count; i++) {
                    memcpy(p->params.grads[i]->data, from, tensor_bytes(p->params.grads[i]));
                    from += p->params.grads[i]->numel;
                }
            }
            optimizer_step(opt);
        }
        free(sum);
    }
    optimizer_free(opt);
    paramlist_get(&p->params, theta);
    return loss;
}

/* Asserts that two runs' parameters are the same floats (apart = 0) or
 * within apart of the largest |parameter|. */
static void assert_same_run(const float *got, const float *want, size_t n, double apart, const char *what)
{
    double largest = 0;
    for (size_t i = 0; i < n; i++) largest = fmax(largest, fabsf(want[i]));
    ck_assert_msg(largest > 0.1, "%s: the reference run has no parameters to compare", what);
    for (size_t i = 0; i < n; i++) {
        bool same = apart == 0 ? got[i] == want[i] : fabs((double)got[i] - want[i]) <= apart * largest;
        ck_assert_msg(same, "%s: parameter %zu after %d steps is %.9g, should be %.9g%s", what, i, STEPS, got[i],
                      want[i], apart == 0 ? " (bit for bit)" : "");
    }
}

/* The optimizers of the tests, with the settings a recipe might have. */
static const Settings SGD_PLAIN = {"SGD, lr 0.5", SGD, .sgd = {.lr = 0.5f}};
static const Settings ADAM_DEFAULT = {"Adam, lr 0.01", ADAM,
                                      .adam = {.lr = 0.01f, .betas = {0.9, 0.999}, .eps = 1e-8f}};
/* SGD_PLAIN at 4 times its lr (2 = 4 x 0.5 exactly). */
static const Settings SGD_FOUR_TIMES = {"SGD, lr 2", SGD, .sgd = {.lr = 2.0f}};

/* Your settings for a recipe run without the / k: ex_sgd_without_division
 * and its kin, by the recipe's optimizer. */
static Settings your_settings(const Settings *recipe, int k)
{
    Settings s = *recipe;
    switch (recipe->kind) {
    case SGD: s.sgd = ex_sgd_without_division(&recipe->sgd, k); break;
    case ADAGRAD: s.adagrad = ex_adagrad_without_division(&recipe->adagrad, k); break;
    case ADAM:
    case ADAMW: s.adam = ex_adam_without_division(&recipe->adam, k, recipe->kind == ADAMW); break;
    }
    return s;
}

/* The last losses of two runs that sum the same float32 losses, only the
 * division by k grouped otherwise: the same to a double's rounding. */
#define SAME_LOSS 1e-12
/* The last losses of a pair of runs are not compared. */
#define NO_LOSS (-1.0)

/* Two runs of STEPS steps on k micro-batches of MICRO examples that must
 * end at the same parameters: one of your code, and the run it must
 * match. */
typedef struct {
    int k;
    const Settings *settings;        /* your run: its optimizer */
    Loop loop;                       /* and its loop */
    const Settings *want_settings;   /* the run it must match */
    Loop want_loop;
    double apart;                    /* 0: the same floats; else ROUNDING_APART (assert_same_run) */
    double loss_apart;               /* the last losses within this, relative; or NO_LOSS */
} RunPair;

static const char *const LOOP_NAMES[] = {
    [MEAN] = "the book's loop, each micro-batch / k",
    [SUM] = "the book's loop without the / k",
    [ONE_BATCH] = "one batch of the k*m examples",
    [YOURS_MEAN] = "ex_train_accumulated(divide true)",
    [YOURS_SUM] = "ex_train_accumulated(divide false)",
};

/* Runs each pair's two runs and asserts that they end at the same
 * parameters (and losses, where the pair compares them). */
static void check_run_pairs(const RunPair *pairs /* [count] */, int count)
{
    Problem *p = mlp();
    size_t n = paramlist_numel(&p->params);
    float *want = malloc(sizeof(float) * n), *got = malloc(sizeof(float) * n);
    ck_assert(want && got);
    for (int i = 0; i < count; i++) {
        const RunPair *pair = &pairs[i];
        char what[400];
        if (pair->want_settings == pair->settings)
            snprintf(what, sizeof what, "%s, %d micro-batches of %d: %s against %s", pair->settings->name,
                     pair->k, MICRO, LOOP_NAMES[pair->loop], LOOP_NAMES[pair->want_loop]);
        else
            snprintf(what, sizeof what, "%d micro-batches of %d: %s in %s, against %s in %s", pair->k, MICRO,
                     pair->settings->name, LOOP_NAMES[pair->loop], pair->want_settings->name,
                     LOOP_NAMES[pair->want_loop]);
        double got_loss = train(p, pair->settings, pair->k, pair->loop, got);
        double want_loss = train(p, pair->want_settings, pair->k, pair->want_loop, want);
        assert_same_run(got, want, n, pair->apart, what);
        if (pair->loss_apart != NO_LOSS) ck_assert_close_msg(what, got_loss, want_loss, 0, pair->loss_apart);
    }
    free(want), free(got);
    problem_free(p);
}

START_TEST(test_ex2_one_micro_batch)
{
    /* k = 1: one micro-batch of m is a batch of m, divided by 1 or not; the
     * same losses, only the division by k grouped otherwise. */
    static const RunPair pairs[] = {
        {1, &SGD_PLAIN, YOURS_SUM, &SGD_PLAIN, ONE_BATCH, 0, SAME_LOSS},
        {1, &SGD_PLAIN, YOURS_MEAN, &SGD_PLAIN, ONE_BATCH, 0, SAME_LOSS},
        {1, &ADAM_DEFAULT, YOURS_SUM, &ADAM_DEFAULT, ONE_BATCH, 0, SAME_LOSS},
        {1, &ADAM_DEFAULT, YOURS_MEAN, &ADAM_DEFAULT, ONE_BATCH, 0, SAME_LOSS},
    };
    check_run_pairs(pairs, TABLE_SIZE(pairs));
}
END_TEST

START_TEST(test_ex2_micro_batches_are_the_batch)
{
    /* k micro-batches of m, each / k, are a batch of k*m: the mean of the
     * k means is the mean of all k*m gradients (the same to float32
     * rounding), and the loss the mean of all k*m losses. The book's loop
     * (accumulate.h) gives the same floats for k a power of two, where
     * dividing by k is exact whatever the order. */
    static const RunPair pairs[] = {
        {4, &SGD_PLAIN, YOURS_MEAN, &SGD_PLAIN, ONE_BATCH, ROUNDING_APART, LOSS_APART},
        {4, &SGD_PLAIN, YOURS_MEAN, &SGD_PLAIN, MEAN, 0, NO_LOSS},
        {3, &SGD_PLAIN, YOURS_MEAN, &SGD_PLAIN, ONE_BATCH, ROUNDING_APART, LOSS_APART},
        {8, &SGD_PLAIN, YOURS_MEAN, &SGD_PLAIN, ONE_BATCH, ROUNDING_APART, LOSS_APART},
        {8, &SGD_PLAIN, YOURS_MEAN, &SGD_PLAIN, MEAN, 0, NO_LOSS},
        {4, &ADAM_DEFAULT, YOURS_MEAN, &ADAM_DEFAULT, ONE_BATCH, ROUNDING_APART, LOSS_APART},
        {4, &ADAM_DEFAULT, YOURS_MEAN, &ADAM_DEFAULT, MEAN, 0, NO_LOSS},
        {3, &ADAM_DEFAULT, YOURS_MEAN, &ADAM_DEFAULT, ONE_BATCH, ROUNDING_APART, LOSS_APART},
        {8, &ADAM_DEFAULT, YOURS_MEAN, &ADAM_DEFAULT, ONE_BATCH, ROUNDING_APART, LOSS_APART},
        {8, &ADAM_DEFAULT, YOURS_MEAN, &ADAM_DEFAULT, MEAN, 0, NO_LOSS},
    };
    check_run_pairs(pairs, TABLE_SIZE(pairs));
}
END_TEST

START_TEST(test_ex2_without_the_division)
{
    /* divide false: the plain sum of the k micro-batch gradients, in order
     * (the same floats as the book's loop with scale 1), and the loss still
     * the mean over the k*m examples. For SGD that is the recipe at k times
     * the lr: bit for bit for k = 4. */
    static const RunPair pairs[] = {
        {3, &SGD_PLAIN, YOURS_SUM, &SGD_PLAIN, SUM, 0, SAME_LOSS},
        {4, &SGD_PLAIN, YOURS_SUM, &SGD_PLAIN, SUM, 0, SAME_LOSS},
        {3, &ADAM_DEFAULT, YOURS_SUM, &ADAM_DEFAULT, SUM, 0, SAME_LOSS},
        {4, &ADAM_DEFAULT, YOURS_SUM, &ADAM_DEFAULT, SUM, 0, SAME_LOSS},
        {4, &SGD_PLAIN, YOURS_SUM, &SGD_FOUR_TIMES, MEAN, 0, NO_LOSS},
    };
    check_run_pairs(pairs, TABLE_SIZE(pairs));
}
END_TEST

/* Checks your settings for each recipe and k: the book's loop without the
 * / k on your settings against the recipe with it (the same floats for k a
 * power of two, where the / k is exact). */
#define MAX_RECIPES 5
static void check_without_division(const Settings *recipes /* [count] */, int count)
{
    static const int ks[6] = {1, 2, 4, 8, 3, 6};
    Settings yours[MAX_RECIPES][6];
    char names[MAX_RECIPES][160];
    RunPair pairs[MAX_RECIPES * 6];
    int n = 0;
    ck_assert(count <= MAX_RECIPES);
    for (int r = 0; r < count; r++) {
        snprintf(names[r], sizeof names[r], "your settings for %s", recipes[r].name);
        for (int i = 0; i < 6; i++) {
            yours[r][i] = your_settings(&recipes[r], ks[i]);
            yours[r][i].name = names[r];
            double apart = ks[i] % 3 == 0 ? ROUNDING_APART : 0;
            pairs[n++] = (RunPair){ks[i], &yours[r][i], SUM, &recipes[r], MEAN, apart, NO_LOSS};
        }
    }
    check_run_pairs(pairs, n);
}

START_TEST(test_ex2_sgd_without_division)
{
    const Settings recipes[] = {
        SGD_PLAIN,
        {"SGD with momentum 0.9, weight_decay 0.01", SGD,
         .sgd = {.lr = 0.1f, .momentum = 0.9f, .weight_decay = 0.01f}},
        {"SGD with momentum 0.8, dampening 0.1, weight_decay 0.05", SGD,
         .sgd = {.lr = 0.05f, .momentum = 0.8f, .dampening = 0.1f, .weight_decay = 0.05f}},
        {"SGD, Nesterov, weight_decay 0.1", SGD,
         .sgd = {.lr = 0.05f, .momentum = 0.9f, .weight_decay = 0.1f, .nesterov = true}},
        {"SGD, maximize", SGD, .sgd = {.lr = 0.01f, .momentum = 0.5f, .weight_decay = 0.01f, .maximize = true}},
    };
    check_without_division(recipes, TABLE_SIZE(recipes));
}
END_TEST

START_TEST(test_ex2_adagrad_without_division)
{
    const Settings recipes[] = {
        {"Adagrad, PyTorch's defaults, lr 0.05", ADAGRAD, .adagrad = {.lr = 0.05f, .eps = 1e-10f}},
        {"Adagrad, eps 1e-3, weight_decay 0.01", ADAGRAD,
         .adagrad = {.lr = 0.05f, .eps = 1e-3f, .weight_decay = 0.01f}},
        {"Adagrad, initial_accumulator_value 0.1, lr_decay 0.1", ADAGRAD,
         .adagrad = {.lr = 0.05f, .eps = 1e-10f, .initial_accumulator_value = 0.1f, .lr_decay = 0.1f,
                     .weight_decay = 0.01f}},
    };
    check_without_division(recipes, TABLE_SIZE(recipes));
}
END_TEST

START_TEST(test_ex2_adam_without_division)
{
    /* eps 1e-3 and a weight_decay large enough to matter in six steps: a
     * setting left as the recipe had it changes the run in its first bits. */
    const Settings recipes[] = {
        ADAM_DEFAULT,
        {"Adam, eps 1e-3, L2 weight_decay 0.1, amsgrad", ADAM,
         .adam = {.lr = 0.01f, .betas = {0.9, 0.999}, .eps = 1e-3f, .weight_decay = 0.1f, .amsgrad = true}},
        {"Adam, betas (0.5, 0.9), eps 1e-4, weight_decay 1", ADAM,
         .adam = {.lr = 0.01f, .betas = {0.5, 0.9}, .eps = 1e-4f, .weight_decay = 1.0f}},
        {"AdamW, PyTorch's defaults, lr 0.01", ADAMW,
         .adam = {.lr = 0.01f, .betas = {0.9, 0.999}, .eps = 1e-8f, .weight_decay = 0.01f}},
        {"AdamW, eps 1e-3, weight_decay 1, maximize", ADAMW,
         .adam = {.lr = 0.01f, .betas = {0.9, 0.999}, .eps = 1e-3f, .weight_decay = 1.0f, .maximize = true}},
    };
    check_without_division(recipes, TABLE_SIZE(recipes));
}
END_TEST

/* ---- exercise 3 -------------------------------------------------------------- */

/* PyTorch's order of operations (exercises.h) gives PyTorch's lrs to the
 * last bit: measured, the reference solution is bit for bit on every case
 * of warm_restarts.txt. Other orders of the same operations (pi * (T_cur /
 * T_i), base_lr c + eta_min (1 - c)) are a few ulp of the larger of lr and
 * eta_min off. Allowed 1e-14 of it. A restart a step early or late, or a
 * cycle found otherwise than PyTorch finds it, is 1e-4 of it off or more. */
#define SCHEDULE_TOL 1e-14

/* The settings of a case: lr, T_0, T_mult (1 unless given), eta_min (0). */
typedef struct {
    double lr, eta_min;
    int T_0, T_mult;
} WarmRestartsSettings;

static WarmRestartsSettings settings_of(const ScheduleCase *c)
{
    WarmRestartsSettings s = {.lr = NAN, .eta_min = 0.0, .T_0 = 0, .T_mult = 1};
    for (int i = 0; i < c->num_settings; i++) {
        const char *kv = c->settings[i], *value = strchr(kv, '=');
        ck_assert_msg(value != NULL, "%s: setting %s", c->name, kv);
        value++;
        if (strncmp(kv, "lr=", 3) == 0) s.lr = strtod(value, NULL);
        else if (strncmp(kv, "eta_min=", 8) == 0) s.eta_min = strtod(value, NULL);
        else if (strncmp(kv, "T_0=", 4) == 0) s.T_0 = atoi(value);
        else if (strncmp(kv, "T_mult=", 7) == 0) s.T_mult = atoi(value);
        else ck_abort_msg("%s: unknown setting %s", c->name, kv);
    }
    ck_assert_msg(isfinite(s.lr) && s.T_0 >= 1, "%s: no lr or T_0", c->name);
    return s;
}

static void assert_lr(const char *what, double got, double want, const WarmRestartsSettings *s)
{
    double scale = fmax(fabs(s->lr), fabs(s->eta_min));
    ck_assert_msg(fabs(got - want) <= SCHEDULE_TOL * scale, "%s: lr = %.17g, should be %.17g", what, got, want);
}

static WarmRestarts started(const WarmRestartsSettings *s)
{
    WarmRestarts w = {0};
    char err[256] = "";
    ck_assert_msg(ex_warm_restarts_start(&w, s->lr, s->T_0, s->T_mult, s->eta_min, err, sizeof err) == 0,
                  "ex_warm_restarts_start(lr %g, T_0 %d, T_mult %d, eta_min %g) refused: %s", s->lr, s->T_0,
                  s->T_mult, s->eta_min, err);
    return w;
}

/* The closed form, eta_min + (lr - eta_min)(1 + cos(pi t / T))/2. */
static double cosine_at(const WarmRestartsSettings *s, double t, double T)
{
    return s->eta_min + (s->lr - s->eta_min) * 0.5 * (1.0 + cos(3.14159265358979323846 * t / T));
}

START_TEST(test_ex3_start)
{
    /* PyTorch's ValueErrors, T_0's first. */
    const struct {
        int T_0, T_mult;
        const char *message;
    } refused[] = {
        {0, 1, "Expected positive integer T_0, but got 0"},
        {-3, 2, "Expected positive integer T_0, but got -3"},
        {2, 0, "Expected integer T_mult >= 1, but got 0"},
        {5, -1, "Expected integer T_mult >= 1, but got -1"},
        {0, 0, "Expected positive integer T_0, but got 0"},
    };
    for (int i = 0; i < TABLE_SIZE(refused); i++) {
        WarmRestarts w = {0};
        char err[256] = "";
        ck_assert_msg(ex_warm_restarts_start(&w, 0.1, refused[i].T_0, refused[i].T_mult, 0.0, err, sizeof err) == -1,
                      "T_0 %d, T_mult %d should be refused", refused[i].T_0, refused[i].T_mult);
        ck_assert_str_eq(err, refused[i].message);
    }
    /* The first lr is the optimizer's: T_cur = 0, cos 0 = 1. */
    const WarmRestartsSettings ok[] = {{0.1, 0.0, 10, 1}, {0.05, 0.001, 1, 3}, {0.01, 0.1, 4, 2}};
    for (int i = 0; i < TABLE_SIZE(ok); i++) {
        WarmRestarts w = started(&ok[i]);
        assert_lr("the lr after the constructor", w.lr, ok[i].lr, &ok[i]);
    }
}
END_TEST

START_TEST(test_ex3_steps_by_hand)
{
    /* T_0 4, T_mult 1, lr 1: (1 + cos(pi t/4))/2 for t = 0, 1, 2, 3, then
     * the restart: 1, 0.8536, 0.5, 0.1464, 1, 0.8536, ... */
    const WarmRestartsSettings flat = {1.0, 0.0, 4, 1};
    WarmRestarts w = started(&flat);
    const double four[4] = {1.0, 0.85355339059327373, 0.5, 0.14644660940672624};
    for (int step = 1; step <= 12; step++) {
        char what[96];
        snprintf(what, sizeof what, "T_0 4, T_mult 1: step() number %d", step);
        assert_lr(what, ex_warm_restarts_step(&w), four[step % 4], &flat);
        assert_lr(what, w.lr, four[step % 4], &flat);
    }
    /* T_0 2, T_mult 2, eta_min 0.1: cycles of 2, 4, 8, 16 steps, restarts
     * after steps 2, 6, 14 and 30. */
    const WarmRestartsSettings grow = {1.0, 0.1, 2, 2};
    w = started(&grow);
    for (int step = 1, start = 0, T = 2; step <= 40; step++) {
        if (step - start == T) start = step, T *= 2;
        char what[96];
        snprintf(what, sizeof what, "T_0 2, T_mult 2, eta_min 0.1: step() number %d", step);
        assert_lr(what, ex_warm_restarts_step(&w), cosine_at(&grow, step - start, T), &grow);
    }
}
END_TEST

START_TEST(test_ex3_epochs_by_hand)
{
    char what[128];
    /* T_mult 1: epoch % T_0; 7.5 % 3 = 1.5, half way down. */
    const WarmRestartsSettings flat = {0.2, 0.0, 3, 1};
    WarmRestarts w = started(&flat);
    assert_lr("T_0 3: step(7.5)", ex_warm_restarts_step_to(&w, 7.5), 0.1, &flat);
    assert_lr("T_0 3: step(7.5), then step()", ex_warm_restarts_step(&w), cosine_at(&flat, 2.5, 3), &flat);
    assert_lr("T_0 3: then step() again, a restart at 3.5", ex_warm_restarts_step(&w), cosine_at(&flat, 0.5, 3),
              &flat);
    /* T_0 2, T_mult 2: cycles [0, 2), [2, 6), [6, 14), [14, 30), ... */
    const WarmRestartsSettings grow = {1.0, 0.0, 2, 2};
    w = started(&grow);
    assert_lr("T_0 2, T_mult 2: step(3)", ex_warm_restarts_step_to(&w, 3), cosine_at(&grow, 1, 4), &grow);
    assert_lr("T_0 2, T_mult 2: step(0.5)", ex_warm_restarts_step_to(&w, 0.5), cosine_at(&grow, 0.5, 2), &grow);
    assert_lr("T_0 2, T_mult 2: step(26)", ex_warm_restarts_step_to(&w, 26), cosine_at(&grow, 12, 16), &grow);
    for (int i = 1; i <= 6; i++) {
        double t = 12 + i, T = 16;
        if (t >= 16) t -= 16, T = 32;
        snprintf(what, sizeof what, "T_0 2, T_mult 2: step(26), then step() %d times", i);
        assert_lr(what, ex_warm_restarts_step(&w), cosine_at(&grow, t, T), &grow);
    }
    assert_lr("T_0 2, T_mult 2: step(13.75)", ex_warm_restarts_step_to(&w, 13.75), cosine_at(&grow, 7.75, 8),
              &grow);
    /* A negative epoch is refused and changes nothing. */
    double before = w.lr;
    ck_assert_msg(isnan(ex_warm_restarts_step_to(&w, -1)), "step(-1) should return NAN (PyTorch refuses it)");
    ck_assert_msg(w.lr == before, "step(-1) changed the lr from %.17g to %.17g", before, w.lr);
    assert_lr("T_0 2, T_mult 2: step(13.75), step(-1) refused, then step()", ex_warm_restarts_step(&w),
              cosine_at(&grow, 0.75, 16), &grow);
    /* PyTorch's cycle for an epoch: n = int(math.log(epoch / T_0 * (T_mult
     * - 1) + 1, T_mult)), log(x)/log(T_mult) in double. At the restart
     * epoch 121 of T_0 1, T_mult 3 (1 + 3 + 9 + 27 + 81), x = 243 and the
     * quotient is 4.999999999999999: n = 4, T_cur = 121 - 40 = 81 = T_i,
     * and the lr is eta_min, where 121 step() calls restart at the lr. */
    const WarmRestartsSettings three = {1.0, 0.0, 1, 3};
    w = started(&three);
    assert_lr("T_0 1, T_mult 3: step(40), a restart", ex_warm_restarts_step_to(&w, 40), 1.0, &three);
    assert_lr("T_0 1, T_mult 3: step(121), PyTorch's end of a cycle", ex_warm_restarts_step_to(&w, 121), 0.0,
              &three);
    assert_lr("T_0 1, T_mult 3: step(121), then step()", ex_warm_restarts_step(&w), cosine_at(&three, 1, 243),
              &three);
    w = started(&three);
    for (int i = 0; i < 121; i++) ex_warm_restarts_step(&w);
    assert_lr("T_0 1, T_mult 3: 121 step() calls, a restart", w.lr, 1.0, &three);
}
END_TEST

/* Every case of tests/golden/warm_restarts.txt with (epochs) or without
 * an epoch series: your scheduler, called as PyTorch's was, against its
 * lrs. */
static void replay_warm_restarts(bool with_epochs)
{
    char path[2048], err[512];
    snprintf(path, sizeof path, "%s/warm_restarts.txt", golden_dir());
    ScheduleGoldenFile f;
    ck_assert_msg(schedule_golden_load(path, &f, err, sizeof err) == 0, "%s", err);
    int replayed = 0;
    for (int k = 0; k < f.count; k++) {
        const ScheduleCase *c = &f.cases[k];
        const double *lr = schedule_golden_series(c, "lr"), *epoch = schedule_golden_series(c, "epoch");
        if ((epoch != NULL) != with_epochs) continue;
        ck_assert_str_eq(c->schedule, "warm_restarts");
        WarmRestartsSettings s = settings_of(c);
        WarmRestarts w = started(&s);
        char what[160];
        snprintf(what, sizeof what, "%s: after the constructor", c->name);
        assert_lr(what, w.lr, lr[0], &s);
        for (int i = 1; i < c->steps; i++) {
            double got;
            if (epoch && epoch[i] >= 0) {
                got = ex_warm_restarts_step_to(&w, epoch[i]);
                snprintf(what, sizeof what, "%s: call %d, step(%.17g)", c->name, i, epoch[i]);
            } else {
                got = ex_warm_restarts_step(&w);
                snprintf(what, sizeof what, "%s: call %d, step()", c->name, i);
            }
            assert_lr(what, got, lr[i], &s);
            assert_lr(what, w.lr, lr[i], &s);
        }
        replayed++;
    }
    ck_assert_int_ge(replayed, 7);
    schedule_golden_free(&f);
}

START_TEST(test_ex3_steps_match_pytorch)
{
    replay_warm_restarts(false);
}
END_TEST

START_TEST(test_ex3_epochs_match_pytorch)
{
    replay_warm_restarts(true);
}
END_TEST

const GradedTest GRADED_TESTS[] = {
    {"ex1", &test_ex1_norm_by_hand},
    {"ex1", &test_ex1_norm_keeps_the_direction},
    {"ex1", &test_ex1_value_by_hand},
    {"ex1", &test_ex1_matches_pytorch},
    {"ex2", &test_ex2_one_micro_batch},
    {"ex2", &test_ex2_micro_batches_are_the_batch},
    {"ex2", &test_ex2_without_the_division},
    {"ex2", &test_ex2_sgd_without_division},
    {"ex2", &test_ex2_adagrad_without_division},
    {"ex2", &test_ex2_adam_without_division},
    {"ex3", &test_ex3_start},
    {"ex3", &test_ex3_steps_by_hand},
    {"ex3", &test_ex3_epochs_by_hand},
    {"ex3", &test_ex3_steps_match_pytorch},
    {"ex3", &test_ex3_epochs_match_pytorch},
    {NULL, NULL},
};

Suite *make_suite(void)
{
    return graded_suite("exercises 07_schedules", GRADED_TESTS);
}
