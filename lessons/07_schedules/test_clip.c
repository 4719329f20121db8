/* test_clip.c - lesson 07's tests of gradient clipping and accumulation:
 * clip_grad_norm_ and clip_grad_value_ on cases worked by hand and on every
 * case of PyTorch's tests/golden/clip.txt, the total norm as the norm of the
 * per-tensor norms, the norm left after clipping, error_if_nonfinite's
 * message, what PyTorch does with NaN, inf, overflow and unchecked
 * arguments, the golden reader's refusals, and k micro-batches against one
 * batch of k*m (the gradient and an AdamW step). The lesson's suite adds
 * them through add_clip_tests() (see test_lesson07.c). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accumulate.h"
#include "adamw.h"
#include "clip.h"
#include "clip_golden.h"
#include "rng.h"
#include "testing.h"

void add_clip_tests(TCase *core, TCase *limits);

/* Hand-worked numbers, in double, against the float32 code: the total norm
 * is exact or one rounding of sqrt away; the coefficient rounds 1e-6 to
 * float32 and to an ulp of the total in total + 1e-6 (for a total of 5,
 * 1e-6 becomes 2 ulps, 9.5e-7: 1e-8 of the coefficient), then the reciprocal
 * and two products round once each. Measured: at most 3.3e-8 apart (the
 * [3, 4] cases); allowed 3e-7, 2.5 ulp. */
#define HAND_RTOL 3e-7

/* PyTorch adds the squares of a tensor in float32 in vector lanes (eight at
 * a time on this machine, the last few one by one with fused multiply-adds);
 * get_total_norm adds them one by one. Measured over every case of
 * tests/golden/clip.txt: the totals at most 1.06e-7 of themselves apart
 * (one ulp, norm_three_tensors_max_norm_0.1; 20 of 24 are bit for bit the
 * same), the clipped gradients at most 1.55e-7 (1.3 ulp). Allowed 4e-7, 3.4
 * ulp. The difference grows with the number of squares: over 400 random
 * sets of 1 to 5 tensors checked against PyTorch 1.13 while writing this
 * chapter, totals of up to 100 numbers stayed within 1.8e-7, up to 1000
 * within 3.3e-7, up to 4400 within 1.2e-6: a few float32 roundings, which
 * no clipping threshold notices. */
#define GOLDEN_RTOL 4e-7
/* A clipped gradient among the subnormals (norm_tiny_subnormal: 1e-20
 * scaled by about 1e-24) is a multiple of the smallest float32, 1.4e-45: a
 * coefficient one ulp off may move it by one such step. */
#define GOLDEN_ATOL FLT_TRUE_MIN

/* ---- gradients to clip ---------------------------------------------------------- */

/* Grads, grads_make, grads_free and same_float are common/testing.h's. */
_Static_assert(CLIP_GOLDEN_MAX_TENSORS <= GRADS_MAX_TENSORS, "a golden case fits in Grads");

/* ---- clip_grad_norm_ worked by hand ------------------------------------------- */

/* Up to three tensors of up to four numbers, the total norm and the
 * gradients after clip_grad_norm_, worked out in double from clip.h's
 * equations: clip_coef = max_norm / (total + 1e-6), applied when below 1. */
static const ClipByHand BY_HAND[] = {
    /* ||(3, 4)|| = 5; 1/(5 + 1e-6) = 0.19999996, not quite 1/5. */
    {"(3, 4), max_norm 1", 1.0f, 2.0f, 1, {2}, {{3, 4}}, 5.0, {{3 / 5.000001, 4 / 5.000001}}},
    {"(3, 4), max_norm 10: 10/5 > 1, nothing to clip", 10.0f, 2.0f, 1, {2}, {{3, 4}}, 5.0, {{3, 4}}},
    /* Two tensors are clipped as one vector: the same numbers as (3, 4). */
    {"(3) and (4): one norm over both tensors", 1.0f, 2.0f, 2, {1, 1}, {{3}, {4}}, 5.0,
     {{3 / 5.000001}, {4 / 5.000001}}},
    /* At the limit the 1e-6 still scales by 5/(5 + 1e-6). */
    {"(3, 4) at max_norm 5", 5.0f, 2.0f, 1, {2}, {{3, 4}}, 5.0, {{15 / 5.000001, 20 / 5.000001}}},
    /* sqrt(1 + 4 + 4 + 0) = 3; 1.5/(3 + 1e-6) halves them. */
    {"(1, 2, 2) and (0), max_norm 1.5", 1.5f, 2.0f, 2, {3, 1}, {{1, 2, 2}, {0}}, 3.0,
     {{1.5 / 3.000001, 3 / 3.000001, 3 / 3.000001}, {0}}},
    /* The infinity norm is the largest |g| of all, 4: the scale is 2/(4 + 1e-6). */
    {"inf: (3, -4) and (1), max_norm 2", 2.0f, INFINITY, 2, {2, 1}, {{3, -4}, {1}}, 4.0,
     {{6 / 4.000001, -8 / 4.000001}, {2 / 4.000001}}},
    {"inf: (0.5, -0.25), max_norm 1: nothing to clip", 1.0f, INFINITY, 1, {2}, {{0.5f, -0.25f}}, 0.5,
     {{0.5, -0.25}}},
    /* A zero gradient has norm 0, and 1e-6 keeps 1/(0 + 1e-6) finite. */
    {"zeros: nothing to clip", 1.0f, 2.0f, 2, {2, 1}, {{0, 0}, {0}}, 0.0, {{0, 0}, {0}}},
    {"max_norm 0 zeroes every gradient", 0.0f, 2.0f, 1, {2}, {{3, 4}}, 5.0, {{0, 0}}},
    /* PyTorch does not check max_norm: -1/(5 + 1e-6) flips the gradient. */
    {"a negative max_norm flips the gradient", -1.0f, 2.0f, 1, {2}, {{3, 4}}, 5.0,
     {{-3 / 5.000001, -4 / 5.000001}}},
};

START_TEST(test_clip_grad_norm_by_hand)
{
    check_clip_by_hand(clip_grad_norm_, &BY_HAND[_i], HAND_RTOL);
}
END_TEST

/* ---- PyTorch's golden cases --------------------------------------------------------- */

/* Every case of tests/golden/clip.txt (made by tools/make_golden.py). */
static const char *const GOLDEN[] = {
    "norm_hand_3_4", "norm_at_max", "norm_study_notes", "norm_one_tensor", "norm_one_tensor_no_clip",
    "norm_three_tensors", "norm_three_tensors_no_clip", "norm_three_tensors_max_norm_0.1", "norm_inf",
    "norm_inf_no_clip", "norm_mlp_shapes", "norm_mlp_shapes_inf", "norm_zeros", "norm_max_norm_zero",
    "norm_negative_max_norm", "norm_tiny", "norm_tiny_subnormal", "norm_tiny_inf", "norm_huge",
    "norm_huge_inf", "norm_overflow_across_tensors", "norm_nan", "norm_inf_element", "norm_nan_inf_norm",
    "value_hand", "value_three_tensors", "value_no_clip", "value_zero", "value_negative", "value_huge_tiny",
};

static void load_clip_golden(ClipGoldenFile *f)
{
    char path[2048], err[512];
    snprintf(path, sizeof path, "%s/clip.txt", golden_dir());
    ck_assert_msg(clip_golden_load(path, f, err, sizeof err) == 0, "%s", err);
}

START_TEST(test_clip_matches_pytorch)
{
    ClipGoldenFile f;
    load_clip_golden(&f);
    const ClipCase *c = clip_golden_find(&f, GOLDEN[_i]);
    ck_assert_msg(c != NULL, "tests/golden/clip.txt has no case %s", GOLDEN[_i]);
    Grads g;
    grads_make(&g, c->count, c->ndim, (const int(*)[TENSOR_MAX_DIMS])c->shape, (const float *const *)c->grad);
    if (c->by_value) {
        clip_grad_value_(&g.list, c->clip_value);
    } else {
        float total = clip_grad_norm_(&g.list, c->max_norm, c->norm_type);
        ck_assert_msg(same_float(total, c->total_norm, 0, GOLDEN_RTOL), "%s: total_norm = %.9g, PyTorch's %.9g",
                      c->name, total, c->total_norm);
    }
    for (int i = 0; i < c->count; i++)
        for (size_t j = 0; j < c->numel[i]; j++)
            ck_assert_msg(same_float(g.grads[i]->data[j], c->clipped[i][j], GOLDEN_ATOL, GOLDEN_RTOL),
                          "%s: grads[%d][%zu] = %.9g, PyTorch's %.9g", c->name, i, j, g.grads[i]->data[j],
                          c->clipped[i][j]);
    grads_free(&g);
    clip_golden_free(&f);
}
END_TEST

START_TEST(test_golden_file_has_every_case)
{
    /* The table above is the file: a case added to tools/make_golden.py
     * must be added here too, so that it is checked. */
    ClipGoldenFile f;
    load_clip_golden(&f);
    ck_assert_int_eq(f.count, TABLE_SIZE(GOLDEN));
    for (int i = 0; i < f.count; i++)
        ck_assert_msg(strcmp(f.cases[i].name, GOLDEN[i]) == 0, "case %d is %s, the table says %s", i,
                      f.cases[i].name, GOLDEN[i]);
    clip_golden_free(&f);
}
END_TEST

/* ---- properties the chapter states ---------------------------------------------- */

/* n numbers from a fixed generator, of size about `scale`. */
static void fill_numbers(float *x, int n, uint64_t seed, float scale)
{
    Rng rng;
    rng_seed(&rng, seed, 1);
    for (int i = 0; i < n; i++) x[i] = scale * (float)rng_normal(&rng);
}

START_TEST(test_total_norm_is_the_norm_of_one_long_vector)
{
    /* Three tensors and the same numbers as one: the 2-norm of the per-tensor
     * norms is the 2-norm of the concatenation, up to the roundings of the
     * three square roots and their squares and of 346 additions in another
     * order (measured 2.0e-7 apart, and 1.5e-7 from the norm worked in
     * double; allowed 4e-7, GOLDEN_RTOL); the infinity norm is the same
     * number exactly. */
    enum { A = 6, B = 40, C = 300 };
    float all[A + B + C];
    fill_numbers(all, A + B + C, 11, 1.0f);
    Grads three, one;
    grads_make_1d(&three, 3, (int[]){A, B, C}, (const float *const[]){all, all + A, all + A + B});
    grads_make_1d(&one, 1, (int[]){A + B + C}, (const float *const[]){all});
    double exact = 0.0;
    for (int i = 0; i < A + B + C; i++) exact += (double)all[i] * all[i];
    ck_assert_close(get_total_norm(&three.list, 2.0f), get_total_norm(&one.list, 2.0f), 0, GOLDEN_RTOL);
    ck_assert_close(get_total_norm(&three.list, 2.0f), sqrt(exact), 0, GOLDEN_RTOL);
    ck_assert(get_total_norm(&three.list, INFINITY) == get_total_norm(&one.list, INFINITY));
    /* Measuring changes nothing. */
    ck_assert(memcmp(three.grads[2]->data, all + A + B, sizeof(float) * C) == 0);
    grads_free(&three);
    grads_free(&one);
}
END_TEST

START_TEST(test_clipping_keeps_the_direction)
{
    /* Every tensor is scaled by one factor: after clipping, the total norm is
     * max_norm * total/(total + 1e-6), just below max_norm, and each element
     * is its old value times max_norm/total. To float32's roundings: measured
     * 4.6e-8 for the norm, 1.9e-7 for an element; allowed 5e-7, 4 ulps. */
    enum { A = 12, B = 64 };
    float a[A], b[B];
    fill_numbers(a, A, 21, 3.0f);
    fill_numbers(b, B, 22, 0.5f);
    Grads g;
    grads_make_1d(&g, 2, (int[]){A, B}, (const float *const[]){a, b});
    const float max_norms[] = {1.0f, 0.01f, 1e-5f};
    for (int k = 0; k < TABLE_SIZE(max_norms); k++) {
        memcpy(g.grads[0]->data, a, sizeof a);
        memcpy(g.grads[1]->data, b, sizeof b);
        double total = clip_grad_norm_(&g.list, max_norms[k], 2.0f);
        ck_assert(total > 5.0);   /* far above every max_norm */
        double after = get_total_norm(&g.list, 2.0f);
        ck_assert_close(after, max_norms[k] * total / (total + 1e-6), 0, 5e-7);
        ck_assert(after <= max_norms[k]);
        double scale = max_norms[k] / total;
        for (int j = 0; j < A; j++) ck_assert_close(g.grads[0]->data[j], a[j] * scale, 0, 5e-7);
        for (int j = 0; j < B; j++) ck_assert_close(g.grads[1]->data[j], b[j] * scale, 0, 5e-7);
    }
    /* clip_grad_value_ does not keep it: (3, 0.5) becomes (1, 0.5). */
    float v[2] = {3.0f, 0.5f};
    Grads h;
    grads_make_1d(&h, 1, (int[]){2}, (const float *const[]){v});
    clip_grad_value_(&h.list, 1.0f);
    ck_assert(h.grads[0]->data[0] == 1.0f && h.grads[0]->data[1] == 0.5f);
    grads_free(&h);
    grads_free(&g);
}
END_TEST

START_TEST(test_clip_grad_norm_is_its_two_halves)
{
    /* clip_grad_norm_ is get_total_norm, then clip_grads_with_norm_ with
     * that total: the same floats, bit for bit. */
    enum { N = 50 };
    float x[N];
    fill_numbers(x, N, 31, 2.0f);
    Grads a, b;
    grads_make_1d(&a, 1, (int[]){N}, (const float *const[]){x});
    grads_make_1d(&b, 1, (int[]){N}, (const float *const[]){x});
    float total = get_total_norm(&b.list, 2.0f);
    clip_grads_with_norm_(&b.list, 0.5f, total);
    ck_assert(clip_grad_norm_(&a.list, 0.5f, 2.0f) == total);
    ck_assert(memcmp(a.grads[0]->data, b.grads[0]->data, sizeof x) == 0);
    grads_free(&a);
    grads_free(&b);
}
END_TEST

START_TEST(test_clip_coef_rounds_as_pytorch)
{
    /* With an exact total (||(3, 4)|| = 5) every later step is one float32
     * rounding, the same as PyTorch's: max_norm / (5 + 1e-6) is the
     * reciprocal of 5.00000095 times max_norm, which for these max_norms is
     * an ulp from the quotient max_norm / 5.00000095. PyTorch 1.13 prints
     * these gradients; a division in place of the reciprocal gives others. */
    const struct {
        float max_norm, clipped[2];
    } cases[] = {
        {2.2f, {1.31999969f, 1.75999963f}},   /* the quotient gives 1.31999981, 1.75999975 */
        {4.4f, {2.63999939f, 3.51999927f}},
    };
    for (int k = 0; k < TABLE_SIZE(cases); k++) {
        Grads g;
        grads_make_1d(&g, 1, (int[]){2}, (const float *const[]){(float[]){3.0f, 4.0f}});
        ck_assert(clip_grad_norm_(&g.list, cases[k].max_norm, 2.0f) == 5.0f);
        for (int j = 0; j < 2; j++)
            ck_assert_msg(g.grads[0]->data[j] == cases[k].clipped[j], "max_norm %g: grads[%d] = %.9g, PyTorch's %.9g",
                          cases[k].max_norm, j, g.grads[0]->data[j], cases[k].clipped[j]);
        grads_free(&g);
    }
}
END_TEST

/* error_if_nonfinite=True, as PyTorch 1.13 raises it (its exact text). */
START_TEST(test_error_if_nonfinite)
{
    char buf[512];
    ck_assert_ptr_null(nonfinite_norm_error(5.0f, 2.0f, buf, sizeof buf));
    ck_assert_ptr_null(nonfinite_norm_error(0.0f, INFINITY, buf, sizeof buf));
    ck_assert_str_eq(nonfinite_norm_error(NAN, 2.0f, buf, sizeof buf),
                     "The total norm of order 2.0 for gradients from `parameters` is non-finite, so it "
                     "cannot be clipped. To disable this error and scale the gradients by the non-finite "
                     "norm anyway, set `error_if_nonfinite=False`");
    ck_assert_ptr_nonnull(strstr(nonfinite_norm_error(INFINITY, INFINITY, buf, sizeof buf), "order inf for"));
    ck_assert_ptr_nonnull(nonfinite_norm_error(-INFINITY, 2.0f, buf, sizeof buf));
    /* PyTorch raises before it scales: the gradients stay as they were. */
    float x[3] = {1e30f, -1e30f, 1.0f};
    Grads g;
    grads_make_1d(&g, 1, (int[]){3}, (const float *const[]){x});
    float total = get_total_norm(&g.list, 2.0f);
    ck_assert(isinf(total));
    if (!nonfinite_norm_error(total, 2.0f, buf, sizeof buf)) clip_grads_with_norm_(&g.list, 1.0f, total);
    ck_assert(memcmp(g.grads[0]->data, x, sizeof x) == 0);
    grads_free(&g);
}
END_TEST

/* ---- gradient accumulation ---------------------------------------------------------- */

/* One batch of micro_batches * micro_batch examples of a problem, against
 * the same batch as micro-batches. */
static const struct {
    const char *problem;
    int micro_batches, micro_batch;
} ACCUMULATION[] = {
    {"mlp", 4, 16},       /* the chapter's: 4 micro-batches of 16 for a batch of 64 */
    {"mlp", 1, 64},       /* one micro-batch is the batch, bit for bit */
    {"mlp", 2, 32},
    {"mlp", 8, 8},
    {"mlp", 3, 21},       /* 1/3 is not a float32: one more rounding */
    {"softmax", 4, 16},
    {"sparse", 4, 16},
    {"gpt:quick", 4, 4},  /* the tiny GPT: a batch of 16 windows */
};

/* Accumulating k micro-batch gradients (means over m examples, each times
 * 1/k) in float32 against one mean over k*m: the sums are the same terms
 * added in another order. Measured over the rows above: each gradient
 * tensor within 5.3e-7 of its largest |element| (softmax; the MLP 3.6e-7,
 * the GPT 3.5e-7), a few ulps of it; single elements that nearly cancel
 * differ more relative to themselves (up to 1.4e-4). Allowed 1.2e-6 of the
 * tensor's largest element, 10 ulps. */
#define ACCUMULATED_RTOL 1.2e-6
/* AdamW's first step is about lr * sign(g) wherever |g| >> eps, so a
 * gradient a few ulps off moves a parameter by its rounding, not by the
 * difference (the GPT has gradients far below eps, where the step is lr *
 * g/eps: those steps are 1e-10 or less and differ less). Measured: at most
 * 2 ulps of the largest parameter after the step (softmax: 2.3e-10 at
 * |p| = 1e-3; the MLP 7.5e-9 at 0.18, the GPT 2.5e-8 at 1). Allowed 4 ulps
 * of the largest parameter. */
#define ADAMW_STEP_ULPS 4

static Problem *problem_for_test(const char *name)
{
    char err[256];
    Problem *p = problem_by_name(name, 1.0, 7, err, sizeof err);
    ck_assert_msg(p != NULL, "%s: %s", name, err);
    return p;
}

/* Asserts that each tensor of got[numel] is within rtol of its largest
 * element in want[numel] (tensors laid out as in the list). */
static void assert_grads_close(const ParamList *list, const float *got, const float *want, double factor,
                               double rtol, const char *what)
{
    for (int t = 0; t < list->count; t++) {
        size_t n = list->grads[t]->numel;
        double largest = 0.0;
        for (size_t j = 0; j < n; j++) largest = fmax(largest, fabs(factor * want[j]));
        long bad = -1;
        for (size_t j = 0; j < n && bad < 0; j++)
            if (!(fabs(got[j] - factor * want[j]) <= rtol * largest)) bad = (long)j;
        ck_assert_msg(bad < 0, "%s: %s[%ld] = %.9g, expected %.9g (within %g of %.9g)", what,
                      list->grads[t]->name, bad, bad < 0 ? 0.0 : got[bad], bad < 0 ? 0.0 : factor * want[bad],
                      rtol, largest);
        ck_assert_msg(largest > 0.0, "%s: %s has no gradient to compare", what, list->grads[t]->name);
        got += n;
        want += n;
    }
}

/* The parameters after one AdamW step (PyTorch's defaults, lr 1e-3) from
 * `start` on the gradient now in p's grads, into after[numel]. */
static void adamw_step_from(Problem *p, const float *start, float *after)
{
    AdamWConfig cfg = ADAMW_DEFAULTS;
    paramlist_set(&p->params, start);
    Optimizer *opt = adamw_new(p->params, &cfg);
    ck_assert_ptr_nonnull(opt);
    optimizer_step(opt);
    paramlist_get(&p->params, after);
    optimizer_free(opt);
    paramlist_set(&p->params, start);
}

START_TEST(test_accumulation_matches_one_batch)
{
    int k = ACCUMULATION[_i].micro_batches, m = ACCUMULATION[_i].micro_batch, batch = k * m;
    Problem *p = problem_for_test(ACCUMULATION[_i].problem);
    size_t numel = paramlist_numel(&p->params);
    float *start = malloc(sizeof(float) * numel), *whole = malloc(sizeof(float) * numel),
          *accumulated = malloc(sizeof(float) * numel), *sum = malloc(sizeof(float) * numel),
          *step_whole = malloc(sizeof(float) * numel), *step_accumulated = malloc(sizeof(float) * numel);
    ck_assert(start && whole && accumulated && sum && step_whole && step_accumulated);
    paramlist_get(&p->params, start);
    int idx[64];
    for (int i = 0; i < batch; i++) idx[i] = (i * 37 + 5) % (p->num_examples > 0 ? p->num_examples : 1);

    double loss = p->loss_and_grad(p, idx, batch);
    paramlist_get_grads(&p->params, whole);
    adamw_step_from(p, start, step_whole);

    double accumulated_loss = loss_and_grad_accumulated(p, idx, k, m, sum);
    paramlist_get_grads(&p->params, accumulated);
    char what[96];
    snprintf(what, sizeof what, "%s, %d x %d", ACCUMULATION[_i].problem, k, m);
    /* The mean loss too: 1/k rounded to float32 scales each part (3e-8 for k = 3). */
    ck_assert_close_msg(what, accumulated_loss, loss, 0, 1e-7);
    assert_grads_close(&p->params, accumulated, whole, 1.0, ACCUMULATED_RTOL, what);
    if (k == 1) ck_assert(memcmp(accumulated, whole, sizeof(float) * numel) == 0);
    adamw_step_from(p, start, step_accumulated);
    double largest = 0.0;
    for (size_t j = 0; j < numel; j++) largest = fmax(largest, fabs(step_whole[j]));
    long bad = first_mismatch(step_accumulated, step_whole, numel, ADAMW_STEP_ULPS * FLT_EPSILON * largest, 0);
    ck_assert_msg(bad < 0, "%s: after AdamW's step, parameter %ld is %.9g, from the whole batch %.9g", what, bad,
                  bad < 0 ? 0.0 : step_accumulated[bad], bad < 0 ? 0.0 : step_whole[bad]);

    /* The workspace is zeroed each time: a second call gives the same floats. */
    loss_and_grad_accumulated(p, idx, k, m, sum);
    paramlist_get_grads(&p->params, whole);
    ck_assert(memcmp(accumulated, whole, sizeof(float) * numel) == 0);
    problem_free(p);
    free(start), free(whole), free(accumulated), free(sum), free(step_whole), free(step_accumulated);
}
END_TEST

START_TEST(test_forgetting_to_divide_by_k)
{
    /* loss.backward() without / k on each of 4 micro-batches of 16: the sum
     * of 4 means, 4 times the batch's gradient (to the rounding above) - a
     * learning rate 4 times too large. */
    Problem *p = problem_for_test("mlp");
    size_t numel = paramlist_numel(&p->params);
    float *whole = malloc(sizeof(float) * numel), *sum = calloc(numel, sizeof(float));
    ck_assert(whole && sum);
    int idx[64];
    for (int i = 0; i < 64; i++) idx[i] = (i * 37 + 5) % p->num_examples;
    double loss = p->loss_and_grad(p, idx, 64);
    paramlist_get_grads(&p->params, whole);
    double summed_loss = 0.0;
    for (int k = 0; k < 4; k++) summed_loss += backward_accumulate(p, idx + 16 * k, 16, 1.0f, sum);
    ck_assert_close(summed_loss, 4 * loss, 0, 1e-7);
    assert_grads_close(&p->params, sum, whole, 4.0, ACCUMULATED_RTOL, "without / k");
    problem_free(p);
    free(whole);
    free(sum);
}
END_TEST

/* ---- limits: non-finite gradients, unchecked arguments, extremes ---------------------- */

START_TEST(test_nonfinite_gradients_by_default)
{
    /* error_if_nonfinite=False: a NaN makes the total NaN and, through the
     * coefficient, every gradient NaN, in every tensor, for both norms. */
    const float norm_types[] = {2.0f, INFINITY};
    for (int k = 0; k < 2; k++) {
        Grads g;
        grads_make_1d(&g, 2, (int[]){2, 1}, (const float *const[]){(float[]){NAN, 1.0f}, (float[]){2.0f}});
        ck_assert(isnan(clip_grad_norm_(&g.list, 1.0f, norm_types[k])));
        ck_assert(isnan(g.grads[0]->data[1]) && isnan(g.grads[1]->data[0]));
        grads_free(&g);
    }
    /* An inf makes the total inf, the coefficient 1/inf = 0: the others
     * become 0 and the inf itself inf * 0 = NaN. */
    Grads g;
    grads_make_1d(&g, 2, (int[]){2, 1}, (const float *const[]){(float[]){INFINITY, 1.0f}, (float[]){-2.0f}});
    ck_assert(isinf(clip_grad_norm_(&g.list, 1.0f, 2.0f)));
    ck_assert(isnan(g.grads[0]->data[0]) && g.grads[0]->data[1] == 0.0f && g.grads[1]->data[0] == 0.0f);
    grads_free(&g);
    /* Finite gradients whose squares overflow float32 (1e20^2 > 3.4e38) give
     * the same: total inf, every gradient 0. The infinity norm squares
     * nothing and clips them properly. */
    grads_make_1d(&g, 1, (int[]){3}, (const float *const[]){(float[]){1e20f, -1e20f, 1.0f}});
    ck_assert(isinf(clip_grad_norm_(&g.list, 1.0f, 2.0f)));
    for (int j = 0; j < 3; j++) ck_assert(g.grads[0]->data[j] == 0.0f);
    memcpy(g.grads[0]->data, (float[]){1e20f, -1e20f, 1.0f}, 3 * sizeof(float));
    ck_assert(clip_grad_norm_(&g.list, 1.0f, INFINITY) == 1e20f);
    ck_assert_close(g.grads[0]->data[0], 1.0, 0, 2.4e-7);
    ck_assert_close(g.grads[0]->data[2], 1e-20, 0, 2.4e-7);
    grads_free(&g);
    /* Squares below the smallest float32 are 0: (1e-30, -3e-30) has norm
     * 0, and 1/(0 + 1e-6) is clamped to 1: nothing changes. */
    grads_make_1d(&g, 1, (int[]){2}, (const float *const[]){(float[]){1e-30f, -3e-30f}});
    ck_assert(clip_grad_norm_(&g.list, 1.0f, 2.0f) == 0.0f);
    ck_assert(g.grads[0]->data[0] == 1e-30f && g.grads[0]->data[1] == -3e-30f);
    grads_free(&g);
}
END_TEST

START_TEST(test_no_gradients_and_other_norms)
{
    /* No tensors: PyTorch returns tensor(0.) and touches nothing. */
    ParamList none = {0, NULL, NULL};
    ck_assert(clip_grad_norm_(&none, 1.0f, 2.0f) == 0.0f);
    ck_assert(get_total_norm(&none, INFINITY) == 0.0f);
    clip_grad_value_(&none, 1.0f);
    /* This book computes the 2-norm and the infinity norm; any other
     * norm_type gives NaN (PyTorch takes any p). */
    float x[2] = {3.0f, 4.0f};
    Grads g;
    grads_make_1d(&g, 1, (int[]){2}, (const float *const[]){x});
    ck_assert(isnan(get_total_norm(&g.list, 1.0f)));
    ck_assert(isnan(get_total_norm(&g.list, -INFINITY)));
    ck_assert(isnan(get_total_norm(&g.list, NAN)));
    grads_free(&g);
}
END_TEST

/* clip_grad_value_ on (3, -4, 0.5, -0.25, NaN): torch.clamp in place. */
static const struct {
    const char *name;
    float clip_value;
    float clipped[4];   /* the NaN stays NaN, except where all are NaN */
    bool all_nan;
} BY_VALUE[] = {
    {"clip_value 1", 1.0f, {1, -1, 0.5f, -0.25f}, false},
    {"clip_value 10: nothing to clip", 10.0f, {3, -4, 0.5f, -0.25f}, false},
    {"clip_value 0.25", 0.25f, {0.25f, -0.25f, 0.25f, -0.25f}, false},
    {"clip_value 0: all zero", 0.0f, {0, 0, 0, 0}, false},
    /* Not checked by PyTorch: clamp(min=1, max=-1) gives max, -1, everywhere. */
    {"a negative clip_value", -1.0f, {-1, -1, -1, -1}, false},
    {"clip_value NaN: all NaN", NAN, {0}, true},
    {"clip_value inf: nothing to clip", INFINITY, {3, -4, 0.5f, -0.25f}, false},
};

START_TEST(test_clip_grad_value)
{
    float x[5] = {3.0f, -4.0f, 0.5f, -0.25f, NAN};
    Grads g;
    grads_make_1d(&g, 1, (int[]){5}, (const float *const[]){x});
    clip_grad_value_(&g.list, BY_VALUE[_i].clip_value);
    for (int j = 0; j < 4; j++)
        ck_assert_msg(BY_VALUE[_i].all_nan ? isnan(g.grads[0]->data[j]) : g.grads[0]->data[j] == BY_VALUE[_i].clipped[j],
                      "%s: grads[%d] = %.9g", BY_VALUE[_i].name, j, g.grads[0]->data[j]);
    ck_assert_msg(isnan(g.grads[0]->data[4]), "%s: the NaN became %.9g", BY_VALUE[_i].name, g.grads[0]->data[4]);
    grads_free(&g);
}
END_TEST

START_TEST(test_golden_reader_refuses_broken_files)
{
    /* A case missing any part, or with a part out of place, is refused with
     * the line it stopped at; the whole file is then not used. */
    static const char *const broken[] = {
        "case a\nfunction clip_grad_norm_\nsettings max_norm=1 norm_type=2\nshape 2\ngrad 1 2\nclipped 1 2\nend\n",
        "case a\nfunction clip_grad_norm_\nsettings max_norm=1 norm_type=3\nshape 1\ngrad 1\nclipped 1\n"
        "total_norm 1\nend\n",
        "case a\nfunction clip_grad_norm_\nsettings max_norm=1\nshape 1\ngrad 1\nclipped 1\ntotal_norm 1\nend\n",
        "case a\nfunction clip_grad_norm_\nsettings max_norm=1 norm_type=2\nshape 2\ngrad 1\nclipped 1\n"
        "total_norm 1\nend\n",
        "case a\nfunction clip_grad_norm_\nsettings max_norm=1 norm_type=2\nshape 1\ngrad 1\nclipped 1 x\n"
        "total_norm 1\nend\n",
        "case a\nfunction clip_grad_norm_\nsettings max_norm=1 norm_type=2\nshape 1\ngrad 1\nshape 1\n"
        "clipped 1\ntotal_norm 1\nend\n",
        "case a\nfunction clip_grad_value_\nsettings clip_value=1 clip_value=2\nshape 1\ngrad 1\nclipped 1\nend\n",
        "case a\nfunction clip_grad_value_\nsettings lr=1\nshape 1\ngrad 1\nclipped 1\nend\n",
        "case a\nfunction clip_grad_sign_\nsettings clip_value=1\nshape 1\ngrad 1\nclipped 1\nend\n",
        "case a\nfunction clip_grad_value_\nsettings clip_value=1\nshape 0\ngrad\nclipped\nend\n",
        "case a\nfunction clip_grad_value_\nsettings clip_value=1\nshape 1\ngrad 1\nclipped 1\n",
        "grad 1\n",
    };
    char dir[512], path[600], err[512];
    ck_assert(make_temp_dir(dir, sizeof dir) == 0);
    snprintf(path, sizeof path, "%s/clip.txt", dir);
    /* A good one first, so that the refusals are the reader's. */
    write_text_file(path, "# comment\ncase a\nfunction clip_grad_value_\nsettings clip_value=1\nshape 2\n"
                          "grad nan -inf\nclipped nan -1\nend\n");
    ClipGoldenFile f;
    ck_assert_msg(clip_golden_load(path, &f, err, sizeof err) == 0, "%s", err);
    ck_assert(f.count == 1 && isnan(f.cases[0].clipped[0][0]) && f.cases[0].clipped[0][1] == -1.0f);
    clip_golden_free(&f);
    for (int i = 0; i < TABLE_SIZE(broken); i++) {
        write_text_file(path, broken[i]);
        ck_assert_msg(clip_golden_load(path, &f, err, sizeof err) == -1, "broken file %d was accepted", i);
        ck_assert_int_eq(f.count, 0);
    }
    remove_tree(dir);
}
END_TEST

void add_clip_tests(TCase *core, TCase *limits)
{
    tcase_add_loop_test(core, test_clip_grad_norm_by_hand, 0, TABLE_SIZE(BY_HAND));
    tcase_add_loop_test(core, test_clip_matches_pytorch, 0, TABLE_SIZE(GOLDEN));
    tcase_add_test(core, test_golden_file_has_every_case);
    tcase_add_test(core, test_total_norm_is_the_norm_of_one_long_vector);
    tcase_add_test(core, test_clipping_keeps_the_direction);
    tcase_add_test(core, test_clip_grad_norm_is_its_two_halves);
    tcase_add_test(core, test_clip_coef_rounds_as_pytorch);
    tcase_add_test(core, test_error_if_nonfinite);
    tcase_add_loop_test(core, test_accumulation_matches_one_batch, 0, TABLE_SIZE(ACCUMULATION));
    tcase_add_test(core, test_forgetting_to_divide_by_k);
    tcase_add_test(limits, test_nonfinite_gradients_by_default);
    tcase_add_test(limits, test_no_gradients_and_other_norms);
    tcase_add_loop_test(limits, test_clip_grad_value, 0, TABLE_SIZE(BY_VALUE));
    tcase_add_test(limits, test_golden_reader_refuses_broken_files);
}
