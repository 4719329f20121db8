/* test_adafactor.c - lesson 08's tests of the optimizer: Adafactor's first
 * steps by hand (a vector, and 2 x 2 matrices whose estimate is exact or
 * whose update is clipped), PyTorch's golden trajectories (every keyword and
 * default; 0-, 1-, 2- and 3-D parameters, one row and one column; zero, tiny
 * and huge gradients; every state), the state's shapes and bytes against
 * Adam's, param groups, the rank-1 estimate, PyTorch's refusals and the edge
 * cases. Its tests join the lesson's suite through add_adafactor_tests()
 * (see test_lesson08.c). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adafactor.h"
#include "adam.h"
#include "testing.h"

void add_adafactor_tests(TCase *core, TCase *limits);

/* Steps worked in double from the equations against adafactor_update_*'s
 * float32: each step rounds a lerp, a square root, a division and a product
 * (an ulp or so each) and the step size alpha / denom once. Measured over
 * the cases below: at most 6e-8 apart (half an ulp). Allowed 5e-7 (4 ulp),
 * as lessons 05 and 06 allow Adam and AdamW. */
#define HAND_RTOL 5e-7

/* tests/golden/adafactor.txt comes from tools/adafactor_reference.py, a
 * float32 port of PyTorch's step (PyTorch 1.13, which makes the other golden
 * files, has no Adafactor). Two differences bound what is allowed here:
 * - this code against the port: the same operations, but lr is a float32
 *   here and a Python float there (0.01 against 0.0099999998). Measured: the
 *   states bit for bit, the parameters at most 1.6e-7 of their largest size;
 * - the port against torch.optim.Adafactor itself (torch 2.11 on the CPU,
 *   run with `tools/adafactor_reference.py --against-torch`): PyTorch sums
 *   norms in float32 and fuses lerp's and add_'s multiply-adds. Measured on
 *   every case: at most 4.1e-7 of a parameter's largest size
 *   (adafactor_group_decay) and 3.5e-7 of a state (adafactor_rank_one).
 * Allowed: 6e-7 (5 ulp), so that these tests would pass on PyTorch's own
 * numbers too. A case longer than its max_steps needs a new measurement;
 * so does a larger tensor, whose longer norms PyTorch sums in other orders
 * (a 64 x 48 weight over 10 steps: 7.8e-7). */
#define GOLDEN_RTOL 6e-7
/* Gradients of 1e-20: row_var and col_var near 1e-40 are subnormal, where
 * float32 keeps a few digits: one ulp of them, 1.4e-45, is 3.4e-5 of the
 * value (the port and PyTorch: measured one ulp apart). Allowed: 10 of
 * those ulps as atol. */
#define SUBNORMAL_ATOL 1.4e-44

static AdafactorConfig config(float lr, float weight_decay)
{
    AdafactorConfig cfg = ADAFACTOR_DEFAULTS;
    cfg.lr = lr;
    cfg.weight_decay = weight_decay;
    return cfg;
}

/* ---- the first steps, by hand: a vector ------------------------------------------------ */

/* adafactor_update_vector as check_steps_by_hand runs it (an UpdateStep):
 * state[0] is variance[n], starting at 0; `step` is t, 1 on the first. */
static void adafactor_vector_step(float *param, const float *grad, float *const *state, size_t n,
                                  const void *config, long step)
{
    adafactor_update_vector(param, grad, state[0], n, step, config);
}

static const UpdateFunction ADAFACTOR_VECTOR = {
    .name = "adafactor_update_vector",
    .spec = &ADAFACTOR_SPEC,
    .step = adafactor_vector_step,
    .state_names = {"variance"},
};

/* Two steps of one number from p = 1, worked by hand; p2 is the parameter
 * after step 2. With one number RMS(p) = |p| and RMS(update) = |update|. At
 * t = 1 one_minus_beta2_t = 1^-0.8 = 1: the variance is g^2 and the update
 * g / |g| = 1, so p = 1 - alpha = 1 - lr. At t = 2 the weight is 2^-0.8 =
 * 0.5743491775: with gradients 0.5 then 0.25, variance = 0.25 + 0.5743491775
 * * (0.0625 - 0.25) = 0.1423095292 and the update 0.25 / sqrt(0.1423095292)
 * = 0.6627092275, under d = 1: no clipping. */
static const struct {
    const char *name;
    AdafactorConfig cfg;
    float grad[HAND_STEPS];
    double p2;
} BY_HAND[] = {
    /* alpha = max(1e-3, 1) * min(0.01, 1) = 0.01: p = 0.99. Then alpha =
     * 0.99 * 0.01 = 0.0099: p = 0.99 - 0.0099 * 0.6627092275 = 0.9834391786. */
    {"PyTorch's defaults", ADAFACTOR_DEFAULTS, {0.5f, 0.25f}, 0.983439178648},
    /* lr 1: rho_t = 1/sqrt(t). p = 1 - 1 = 0; then RMS(p) = 0 and eps2 sets
     * the step: alpha = 1e-3 * 0.7071067812, p = -0.0007071067812 *
     * 0.6627092275 = -0.0004686061887. */
    {"lr 1: eps2 at p = 0", {.lr = 1.0f, .beta2_decay = -0.8, .eps = {NAN, 1e-3}, .d = 1.0},
     {0.5f, 0.25f}, -0.000468606188711},
    /* lr 0.1, weight_decay 0.5: shrink 0.95, alpha from RMS before it:
     * p = 0.95 - 0.1 = 0.85; alpha = 0.085, p = 0.85 * 0.95 - 0.085 *
     * 0.6627092275 = 0.8075 - 0.0563302843 = 0.7511697157. */
    {"decoupled weight decay",
     {.lr = 0.1f, .beta2_decay = -0.8, .eps = {NAN, 1e-3}, .d = 1.0, .weight_decay = 0.5f},
     {0.5f, 0.25f}, 0.751169715664},
    /* maximize: the update is -1, p = 1.01; alpha = 0.0101, p = 1.01 +
     * 0.0101 * 0.6627092275 = 1.0166933632. */
    {"maximize", {.lr = 0.01f, .beta2_decay = -0.8, .eps = {NAN, 1e-3}, .d = 1.0, .maximize = true},
     {0.5f, 0.25f}, 1.0166933632},
    /* beta2_decay 0: t^0 = 1 at every step, no memory: variance = 0.0625,
     * the update 0.25/0.25 = 1, p = 0.99 - 0.0099 = 0.9801. */
    {"beta2_decay 0: no memory", {.lr = 0.01f, .beta2_decay = 0.0, .eps = {NAN, 1e-3}, .d = 1.0},
     {0.5f, 0.25f}, 0.9801},
    /* A zero gradient first: the variance stays 0, clamped to eps1^2, and
     * the update is 0 * rsqrt(eps1^2) = 0: p stays 1. Then variance =
     * 0.5743491775 * 0.25 = 0.1435872944, the update 0.5 / sqrt(0.1435872944)
     * = 1.319507911, above d = 1: clipped to 1, p = 1 - 0.01 = 0.99. */
    {"zero, then clipped", ADAFACTOR_DEFAULTS, {0.0f, 0.5f}, 0.99},
    /* The same with d = 2: 1.319507911 < 2, p = 1 - 0.01 * 1.319507911 =
     * 0.9868049209. */
    {"d 2: not clipped", {.lr = 0.01f, .beta2_decay = -0.8, .eps = {NAN, 1e-3}, .d = 2.0},
     {0.0f, 0.5f}, 0.986804920892},
    /* eps1 = 0.1: g^2 = 0.0025 is below eps1^2 = 0.01, so the update is
     * 0.05 / 0.1 = 0.5 (not 1): p = 1 - 0.005 = 0.995, then 0.995 -
     * 0.00995 * 0.5 = 0.990025. */
    {"eps1 0.1 clamps", {.lr = 0.01f, .beta2_decay = -0.8, .eps = {0.1, 1e-3}, .d = 1.0},
     {0.05f, 0.05f}, 0.990025},
};

/* The first two steps of BY_HAND[i] from p = 1, in double, straight from
 * the equations of adafactor.h in the paper's form, U = G / max(sqrt(V), eps1)
 * (none of adafactor.c's code). */
static HandSteps vector_in_double(int i)
{
    const AdafactorConfig *cfg = &BY_HAND[i].cfg;
    HandSteps h = {.name = BY_HAND[i].name, .config = cfg, .grad = {BY_HAND[i].grad[0], BY_HAND[i].grad[1]}};
    const double eps1 = isnan(cfg->eps[0]) ? 1.1920928955078125e-07 : cfg->eps[0];
    double p = 1.0, variance = 0.0;
    for (int t = 1; t <= HAND_STEPS; t++) {
        double g = cfg->maximize ? -h.grad[t - 1] : h.grad[t - 1];
        double w = pow(t, cfg->beta2_decay), rho = fmin(cfg->lr, 1 / sqrt(t));
        double alpha = fmax(cfg->eps[1], fabs(p)) * rho;
        p *= 1 - (double)cfg->lr * cfg->weight_decay;
        variance = (1 - w) * variance + w * g * g;
        double u = g / fmax(sqrt(variance), eps1);
        p -= alpha / fmax(1, fabs(u) / cfg->d) * u;
        h.state[0][t - 1] = variance;
        h.param[t - 1] = p;
    }
    return h;
}

START_TEST(test_vector_steps_by_hand)
{
    HandSteps h = vector_in_double(_i);
    /* The equations give the number worked by hand, but for the float32
     * values of lr, weight_decay and eps (0.1 is 1.5e-9 above 0.1 in float32:
     * with lr 0.1 the worked number moves by 4e-9) ... */
    ck_assert_close_msg(BY_HAND[_i].name, h.param[1], BY_HAND[_i].p2, 5e-9, 0);
    /* ... and adafactor_update_vector gives them, variance and all. */
    check_steps_by_hand(&ADAFACTOR_VECTOR, &h, HAND_RTOL);
}
END_TEST

/* ---- the first steps, by hand: matrices --------------------------------------------- */

/* n floats as double, for comparisons. */
static void assert_floats(const char *what, const float *got, const double *want, int n, double rtol)
{
    for (int k = 0; k < n; k++) {
        char label[96];
        snprintf(label, sizeof label, "%s[%d]", what, k);
        ck_assert_close_msg(label, got[k], want[k], 0, rtol);
    }
}

START_TEST(test_matrix_steps_by_hand)
{
    /* A 2 x 2 weight of ones, PyTorch's defaults. Step 1: g = [[1, 2], [2, 4]]
     * = u v^T, so g^2 = [[1, 4], [4, 16]] is rank one. Row means (1 + 4)/2 =
     * 2.5 and (4 + 16)/2 = 10, column means the same; at t = 1 they are the
     * state. mean(row_var) = 6.25, and the estimate row_var[i] col_var[j] /
     * 6.25 = [[1, 4], [4, 16]] is g^2 exactly: the update g / |g| is 1
     * everywhere, RMS 1, not clipped, and every weight goes to 1 - 0.01. */
    AdafactorConfig cfg = ADAFACTOR_DEFAULTS;
    float p[4] = {1, 1, 1, 1}, r[2] = {0}, c[2] = {0};
    adafactor_update_matrix(p, (float[]){1, 2, 2, 4}, r, c, 1, 2, 2, 1, &cfg);
    assert_floats("row_var", r, (double[]){2.5, 10}, 2, HAND_RTOL);
    assert_floats("col_var", c, (double[]){2.5, 10}, 2, HAND_RTOL);
    assert_floats("param", p, (double[]){0.99, 0.99, 0.99, 0.99}, 4, HAND_RTOL);
    /* Step 2: g = [[2, 0], [0, 0]], whose means are [2, 0] both ways, at
     * weight 2^-0.8 = 0.5743491775: row_var = 0.4256508225 * [2.5, 10] +
     * 0.5743491775 * [2, 0] = [2.212825411, 4.256508225], col_var the same,
     * their mean 3.234666818. Only g[0][0] is not 0: V[0][0] = 2.212825411^2 /
     * 3.234666818 = 1.513786910, the update 2 / sqrt(1.513786910) =
     * 1.625539861, RMS(U) = 1.625539861 / 2 = 0.81277, not clipped. alpha =
     * RMS(p) * 0.01 = 0.0099: p[0][0] = 0.99 - 0.0099 * 1.625539861 =
     * 0.9739071554; the others do not move (their update is 0 / sqrt(V)). */
    adafactor_update_matrix(p, (float[]){2, 0, 0, 0}, r, c, 1, 2, 2, 2, &cfg);
    assert_floats("row_var", r, (double[]){2.212825411, 4.256508225}, 2, HAND_RTOL);
    assert_floats("col_var", c, (double[]){2.212825411, 4.256508225}, 2, HAND_RTOL);
    assert_floats("param", p, (double[]){0.9739071554, 0.99, 0.99, 0.99}, 4, HAND_RTOL);

    /* Clipping at t = 1: g = [[3, 0], [0, 1]], g^2 = diag(9, 1) is not rank
     * one. Means [4.5, 0.5] both ways, their mean 2.5: V = [[8.1, 0.9], [0.9,
     * 0.1]]. The update is 3/sqrt(8.1) = 1.054092553 and 1/sqrt(0.1) =
     * 3.162277660 on the diagonal, RMS(U) = sqrt((9/8.1 + 1/0.1) / 4) =
     * sqrt(25/9) = 5/3 > 1: the step is alpha / (5/3) = 0.006. p[0][0] = 1 -
     * 0.006 * 1.054092553 = 0.9936754447, p[1][1] = 1 - 0.006 * 3.162277660
     * = 0.9810263340. */
    float q[4] = {1, 1, 1, 1}, qr[2] = {0}, qc[2] = {0};
    adafactor_update_matrix(q, (float[]){3, 0, 0, 1}, qr, qc, 1, 2, 2, 1, &cfg);
    assert_floats("row_var", qr, (double[]){4.5, 0.5}, 2, HAND_RTOL);
    assert_floats("param", q, (double[]){0.9936754447, 1, 1, 0.9810263340}, 4, HAND_RTOL);
}
END_TEST

START_TEST(test_t1_state_is_g_squared)
{
    /* At t = 1 one_minus_beta2_t = 1^beta2_decay = 1 for every beta2_decay,
     * and lerp(0, g^2, 1) is computed as g^2 - (g^2 - 0) * 0: the variance
     * is g*g bit for bit. The matrix keeps ||row||^2 / cols: the mean of g^2
     * to two ulps (the norm is rounded before it is squared). */
    const double decays[] = {-0.8, -0.5, 0.0};
    for (int k = 0; k < TABLE_SIZE(decays); k++) {
        AdafactorConfig cfg = ADAFACTOR_DEFAULTS;
        cfg.beta2_decay = decays[k];
        float g[12], p[12], v[12] = {0}, r[3] = {0}, c[4] = {0};
        for (int i = 0; i < 12; i++) g[i] = sinf(1.7f * (float)i + 0.3f) * (float)(i + 1), p[i] = 1.0f;
        adafactor_update_vector(p, g, v, 12, 1, &cfg);
        for (int i = 0; i < 12; i++) ck_assert(v[i] == g[i] * g[i]);
        adafactor_update_matrix(p, g, r, c, 1, 3, 4, 1, &cfg);
        for (int i = 0; i < 3; i++) {
            double mean = 0;
            for (int j = 0; j < 4; j++) mean += (double)g[i * 4 + j] * g[i * 4 + j] / 4;
            ck_assert_close(r[i], mean, 0, 2.4e-7);
        }
        for (int j = 0; j < 4; j++) {
            double mean = 0;
            for (int i = 0; i < 3; i++) mean += (double)g[i * 4 + j] * g[i * 4 + j] / 3;
            ck_assert_close(c[j], mean, 0, 2.4e-7);
        }
    }
}
END_TEST

/* ---- PyTorch's trajectories ------------------------------------------------------------ */

/* Every case of tests/golden/adafactor.txt with its tolerance (see
 * GOLDEN_RTOL) and the most steps that was measured for. */
static const GoldenTolerance GOLDEN_CASES[] = {
    {"adafactor_default_vector", 0, GOLDEN_RTOL, 8},
    {"adafactor_default_matrix", 0, GOLDEN_RTOL, 8},
    {"adafactor_3d", 0, GOLDEN_RTOL, 8},
    {"adafactor_one_row", 0, GOLDEN_RTOL, 6},
    {"adafactor_one_column", 0, GOLDEN_RTOL, 6},
    {"adafactor_scalar", 0, GOLDEN_RTOL, 5},
    {"adafactor_lr", 0, GOLDEN_RTOL, 8},
    {"adafactor_lr_crossing", 0, GOLDEN_RTOL, 8},
    {"adafactor_beta2_decay", 0, GOLDEN_RTOL, 8},
    {"adafactor_beta2_decay_zero", 0, GOLDEN_RTOL, 8},
    {"adafactor_eps1_paper", 0, GOLDEN_RTOL, 8},
    {"adafactor_eps1_large", 0, GOLDEN_RTOL, 8},
    {"adafactor_eps2", 0, GOLDEN_RTOL, 8},
    {"adafactor_zero_start", 0, GOLDEN_RTOL, 8},
    {"adafactor_clipping", 0, GOLDEN_RTOL, 8},
    {"adafactor_d", 0, GOLDEN_RTOL, 8},
    {"adafactor_weight_decay", 0, GOLDEN_RTOL, 8},
    {"adafactor_weight_decay_half", 0, GOLDEN_RTOL, 8},
    {"adafactor_maximize", 0, GOLDEN_RTOL, 8},
    {"adafactor_all_keywords", 0, GOLDEN_RTOL, 8},
    {"adafactor_vector_keywords", 0, GOLDEN_RTOL, 8},
    {"adafactor_zero_grad_vector", 0, GOLDEN_RTOL, 8},
    {"adafactor_zero_grad_matrix", 0, GOLDEN_RTOL, 8},
    {"adafactor_tiny_vector", SUBNORMAL_ATOL, GOLDEN_RTOL, 5},
    {"adafactor_tiny_matrix", SUBNORMAL_ATOL, GOLDEN_RTOL, 5},
    {"adafactor_huge_vector", 0, GOLDEN_RTOL, 5},
    {"adafactor_huge_matrix", 0, GOLDEN_RTOL, 5},
    {"adafactor_rows_apart", 0, GOLDEN_RTOL, 8},
    {"adafactor_rank_one", 0, GOLDEN_RTOL, 6},
    {"adafactor_long_vector", 0, GOLDEN_RTOL, 30},
    {"adafactor_long_matrix", 0, GOLDEN_RTOL, 30},
    {"adafactor_group_decay", 0, GOLDEN_RTOL, 8},
    {"adafactor_group_no_decay", 0, GOLDEN_RTOL, 8},
    {"adafactor_large_matrix", 0, GOLDEN_RTOL, 5},
};

/* The states PyTorch keeps for case c's parameter, which the case must
 * record: row_var and col_var, shaped [..., rows, 1] and [..., 1, cols],
 * for 2 or more dims; variance, shaped like it, for fewer. */
static void assert_records_pytorchs_state(const GoldenCase *c)
{
    if (c->ndim >= 2) {
        int r = golden_state_index(c, "row_var"), k = golden_state_index(c, "col_var");
        ck_assert_msg(r >= 0 && k >= 0 && c->num_states == 2, "case %s: no row_var, col_var", c->name);
        ck_assert_int_eq(c->state_ndim[r], c->ndim);
        ck_assert_int_eq(c->state_ndim[k], c->ndim);
        for (int d = 0; d < c->ndim; d++) {
            ck_assert_int_eq(c->state_shape[r][d], d == c->ndim - 1 ? 1 : c->shape[d]);
            ck_assert_int_eq(c->state_shape[k][d], d == c->ndim - 2 ? 1 : c->shape[d]);
        }
    } else {
        int v = golden_state_index(c, "variance");
        ck_assert_msg(v >= 0 && c->num_states == 1, "case %s: no variance", c->name);
        ck_assert_int_eq(c->state_numel[v], c->numel);
    }
}

START_TEST(test_golden_trajectories)
{
    const GoldenTolerance *t = &GOLDEN_CASES[_i];
    GoldenFile g;
    const GoldenCase *c = load_golden_tolerance_case("adafactor.txt", t, &g);
    ck_assert_str_eq(c->optimizer, "adafactor");
    assert_records_pytorchs_state(c);
    check_golden_case(&ADAFACTOR_SPEC, c, t->atol, t->rtol);
    golden_free(&g);
}
END_TEST

START_TEST(test_every_golden_case_is_checked)
{
    /* A case added to tests/golden/adafactor.txt gets a tolerance here, or fails. */
    assert_every_golden_case_has_a_tolerance("adafactor.txt", GOLDEN_CASES,
                                             TABLE_SIZE(GOLDEN_CASES), false);
}
END_TEST

START_TEST(test_golden_defaults)
{
    /* The port ran with every default written out (eps=None,0.001 among
     * them); we run with no settings at all. */
    check_golden_defaults(&ADAFACTOR_SPEC, "adafactor.txt", "adafactor_default_vector", 6, GOLDEN_RTOL);
    check_golden_defaults(&ADAFACTOR_SPEC, "adafactor.txt", "adafactor_default_matrix", 6, GOLDEN_RTOL);
}
END_TEST

START_TEST(test_defaults_are_pytorchs)
{
    /* torch.optim.Adafactor(params, lr=1e-2, beta2_decay=-0.8, eps=(None,
     * 1e-3), d=1.0, weight_decay=0.0, maximize=False) (its docstring says
     * weight_decay 1e-2; the signature, which PyTorch runs, says 0.0). */
    static const PytorchDefault pytorch[] = {
        {"lr", {1e-2}}, {"beta2_decay", {-0.8}}, {"eps", {NAN, 1e-3}},
        {"d", {1.0}}, {"weight_decay", {0.0}}, {"maximize", {false}},
    };
    AdafactorConfig defaults = ADAFACTOR_DEFAULTS;
    assert_spec_defaults(&ADAFACTOR_SPEC, "adafactor", "torch.optim.Adafactor", &defaults, pytorch,
                         TABLE_SIZE(pytorch));
    /* None is torch.finfo(torch.float32).eps = 2^-23 ... */
    ck_assert(adafactor_eps1(&defaults) == 1.1920928955078125e-07);
    /* ... and an explicit eps1 is itself. */
    defaults.eps[0] = 1e-30;
    ck_assert(adafactor_eps1(&defaults) == 1e-30);
    ck_assert(ADAFACTOR_SPEC.state_has_step);   /* PyTorch's state["step"] */
}
END_TEST

/* ---- the state: shapes, bytes, groups ----------------------------------------------------- */

START_TEST(test_state_is_rows_plus_cols)
{
    /* A 64 x 48 weight, a 2 x 5 x 7 stack of matrices and a bias of 48:
     * Adafactor keeps rows + cols floats per matrix, 64 + 48 and 2 * (5 + 7),
     * and the whole variance of the bias, read from the ledger that counts
     * every state allocation. Adam keeps two floats per weight. */
    MemoryLedger ledger = {0}, adam_ledger = {0};
    const int shapes[3][3] = {{64, 48, 0}, {2, 5, 7}, {48, 0, 0}};
    const int ndims[3] = {2, 3, 1};
    Tensor *params[3], *grads[3], *adam_params[3], *adam_grads[3];
    for (int k = 0; k < 3; k++) {
        params[k] = tensor_new(&ledger, "w", TAG_PARAM, ndims[k], shapes[k]);
        grads[k] = tensor_new(&ledger, "g", TAG_GRAD, ndims[k], shapes[k]);
        adam_params[k] = tensor_new(&adam_ledger, "w", TAG_PARAM, ndims[k], shapes[k]);
        adam_grads[k] = tensor_new(&adam_ledger, "g", TAG_GRAD, ndims[k], shapes[k]);
        ck_assert(params[k] && grads[k] && adam_params[k] && adam_grads[k]);
    }
    AdafactorConfig cfg = ADAFACTOR_DEFAULTS;
    AdamConfig adam_cfg = ADAM_DEFAULTS;
    Optimizer *opt = adafactor_new((ParamList){3, params, grads}, &cfg);
    Optimizer *adam = adam_new((ParamList){3, adam_params, adam_grads}, &adam_cfg);
    ck_assert(opt && adam);
    const size_t factored = (64 + 48) + 2 * (5 + 7), full = 48;
    ck_assert_uint_eq(ledger.live[TAG_STATE], (factored + full) * sizeof(float));
    ck_assert_uint_eq(optimizer_state_bytes(opt), ledger.live[TAG_STATE]);
    ck_assert_uint_eq(adam_ledger.live[TAG_STATE], 2 * (64 * 48 + 2 * 5 * 7 + 48) * sizeof(float));
    /* The slots, in PyTorch's order, and their shapes: row_var [64, 1],
     * col_var [1, 48]; [2, 5, 1] and [2, 1, 7]; the bias has only a variance. */
    ck_assert_int_eq(opt->num_slots, 3);
    ck_assert_str_eq(opt->slot_names[0], "row_var");
    ck_assert_str_eq(opt->slot_names[1], "col_var");
    ck_assert_str_eq(opt->slot_names[2], "variance");
    const Tensor *row = opt->slots[0][0], *col = opt->slots[1][0];
    ck_assert(row->ndim == 2 && row->shape[0] == 64 && row->shape[1] == 1);
    ck_assert(col->ndim == 2 && col->shape[0] == 1 && col->shape[1] == 48);
    row = opt->slots[0][1], col = opt->slots[1][1];
    ck_assert(row->ndim == 3 && row->shape[0] == 2 && row->shape[1] == 5 && row->shape[2] == 1);
    ck_assert(col->ndim == 3 && col->shape[0] == 2 && col->shape[1] == 1 && col->shape[2] == 7);
    ck_assert(opt->slots[2][0] == NULL && opt->slots[2][1] == NULL);
    ck_assert(opt->slots[0][2] == NULL && opt->slots[1][2] == NULL);
    ck_assert(opt->slots[2][2]->ndim == 1 && opt->slots[2][2]->numel == 48);
    for (int s = 0; s < 3; s++)
        for (int k = 0; k < 3; k++) ck_assert(!opt->slots[s][k] || opt->slots[s][k]->tag == TAG_STATE);
    /* Steps allocate nothing. */
    size_t live = ledger.live_total;
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < grads[k]->numel; i++) grads[k]->data[i] = cosf((float)i);
    for (int t = 0; t < 3; t++) optimizer_step(opt);
    ck_assert_uint_eq(ledger.live_total, live);
    optimizer_free(opt);
    optimizer_free(adam);
    ck_assert_uint_eq(ledger.live[TAG_STATE], 0);
    for (int k = 0; k < 3; k++) {
        tensor_free(params[k]), tensor_free(grads[k]);
        tensor_free(adam_params[k]), tensor_free(adam_grads[k]);
    }
}
END_TEST

/* Group 1 holds the vectors, group 0 the matrices. */
static int vectors_apart(const Tensor *param)
{
    return param->ndim < 2;
}

/* Asserts parameter `index` of opt and its states after step `step` (0 is
 * the first) of golden case c, as check_golden_case does. */
static void assert_follows_case(const Optimizer *opt, int index, const GoldenCase *c, int step)
{
    const float *param = opt->params.params[index]->data;
    for (int j = 0; j < c->numel; j++)
        ck_assert_msg(fabs((double)param[j] - c->expect[(size_t)step * c->numel + j]) <=
                          GOLDEN_RTOL * golden_scale(c, step, j),
                      "group of %s, step %d, param[%d] = %.9g, expected %.9g", c->name, step + 1, j,
                      param[j], c->expect[(size_t)step * c->numel + j]);
    for (int k = 0; k < c->num_states; k++) {
        int slot = -1;
        for (int s = 0; s < opt->num_slots; s++)
            if (strcmp(opt->slot_names[s], c->state_names[k]) == 0) slot = s;
        ck_assert_msg(slot >= 0 && opt->slots[slot][index], "no state %s", c->state_names[k]);
        char what[200];
        snprintf(what, sizeof what, "group of %s, step %d, %s", c->name, step + 1, c->state_names[k]);
        size_t n = (size_t)c->state_numel[k];
        ck_assert_all_close(opt->slots[slot][index]->data, c->state[k] + (size_t)step * n, n, 0,
                            GOLDEN_RTOL, what);
    }
}

START_TEST(test_param_groups_follow_pytorch)
{
    /* adafactor_group_decay (a 3 x 4 weight, lr 0.05, weight_decay 0.1) and
     * adafactor_group_no_decay (a bias of 4, lr 0.2, no decay) are PyTorch's
     * Adafactor([{"params": [w]}, {"params": [b], "lr": 0.2,
     * "weight_decay": 0}], lr=0.05, weight_decay=0.1), each group stepped as
     * its own optimizer would. One Adafactor over both, in two groups, must
     * follow both, states and all. The bias comes first in the model, so
     * grouping reorders the parameters and their state (NULL entries too). */
    GoldenFile g;
    load_golden("adafactor.txt", &g);
    const GoldenCase *decay = golden_find(&g, "adafactor_group_decay");
    const GoldenCase *no_decay = golden_find(&g, "adafactor_group_no_decay");
    ck_assert(decay && no_decay && decay->steps == no_decay->steps);
    AdafactorConfig cfg, cfg_no;
    parse_golden_settings(&ADAFACTOR_SPEC, decay, &cfg);
    parse_golden_settings(&ADAFACTOR_SPEC, no_decay, &cfg_no);
    ck_assert(cfg.lr == 0.05f && cfg.weight_decay == 0.1f && cfg_no.lr == 0.2f && cfg_no.weight_decay == 0);
    MemoryLedger ledger = {0};
    const GoldenCase *cases[2] = {no_decay, decay};
    Tensor *params[2], *grads[2];
    for (int k = 0; k < 2; k++) {
        params[k] = tensor_new(&ledger, "p", TAG_PARAM, cases[k]->ndim, cases[k]->shape);
        grads[k] = tensor_new(&ledger, "g", TAG_GRAD, cases[k]->ndim, cases[k]->shape);
        ck_assert(params[k] && grads[k]);
        memcpy(params[k]->data, cases[k]->param, sizeof(float) * (size_t)cases[k]->numel);
    }
    Optimizer *opt = adafactor_new((ParamList){2, params, grads}, &cfg);
    ck_assert_ptr_nonnull(opt);
    const char *group_names[] = {"decay", "no_decay"};
    ck_assert_int_eq(optimizer_set_groups(opt, 2, group_names, vectors_apart), 0);
    opt->groups[1].lr = 0.2f;
    opt->groups[1].weight_decay = 0.0f;
    ck_assert(opt->params.params[0] == params[1] && opt->params.params[1] == params[0]);
    ck_assert(opt->slots[2][0] == NULL && opt->slots[0][1] == NULL);   /* moved with them */
    for (int step = 0; step < decay->steps; step++) {
        for (int k = 0; k < 2; k++)
            memcpy(grads[k]->data, cases[k]->grad + (size_t)step * cases[k]->numel,
                   sizeof(float) * (size_t)cases[k]->numel);
        optimizer_step(opt);
        assert_follows_case(opt, 0, decay, step);
        assert_follows_case(opt, 1, no_decay, step);
    }
    ck_assert_uint_eq(optimizer_state_bytes(opt), (3 + 4 + 4) * sizeof(float));
    optimizer_free(opt);
    for (int k = 0; k < 2; k++) tensor_free(params[k]), tensor_free(grads[k]);
    golden_free(&g);
}
END_TEST

START_TEST(test_adapter_follows_a_changed_lr)
{
    /* One number from 1, gradients 1, lr 0.5 then 0.25, weight_decay 0.1:
     * the update is 1 at both steps (variance 1). Step 1: alpha = 1 *
     * min(0.5, 1) = 0.5, p = 0.95 - 0.5 = 0.45. Step 2 at the new lr: rho =
     * min(0.25, 0.7071) = 0.25, alpha = 0.45 * 0.25 = 0.1125, p = 0.45 *
     * 0.975 - 0.1125 = 0.32625 (the old lr would give 0.45 * 0.95 - 0.225 =
     * 0.2025). */
    AdafactorConfig cfg = config(0.5f, 0.1f);
    size_t state_bytes;
    float p = two_steps_changing_lr(&ADAFACTOR_SPEC, &cfg, 0.25f, &state_bytes);
    ck_assert_close(p, 0.32625, 0, HAND_RTOL);
    ck_assert_uint_eq(state_bytes, sizeof(float));   /* the variance of one number */
}
END_TEST

/* ---- the rank-1 estimate ----------------------------------------------------------------- */

START_TEST(test_rank_one_estimate_is_exact)
{
    /* g = u v^T: g^2 = (u^2)(v^2)^T is rank one, its row means are u_i^2
     * mean(v^2), its column means mean(u^2) v_j^2, and row_mean_i col_mean_j
     * / mean(row_mean) = u_i^2 v_j^2: the estimate is g^2, to the roundings
     * of three products and a division (measured 1.2e-7; allowed 5e-7). */
    const float u[3] = {0.5f, -2.0f, 3.0f}, v[4] = {1.5f, -0.25f, 2.0f, 0.75f};
    float g2[12], row[3], col[4], est[12];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++) g2[i * 4 + j] = (u[i] * v[j]) * (u[i] * v[j]);
    adafactor_factor(g2, 3, 4, row, col);
    adafactor_var_estimate(row, col, 3, 4, FLT_EPSILON, est);
    ck_assert_all_close(est, g2, 12, 0, 5e-7, "estimate of a rank-one g^2");
    /* Not so for a g^2 of rank 3: the identity's means are all 1/3, and the
     * estimate is 1/3 everywhere, the diagonal's 1 and the zeros lost alike. */
    float eye[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1}, r3[3], c3[3], e3[9];
    adafactor_factor(eye, 3, 3, r3, c3);
    adafactor_var_estimate(r3, c3, 3, 3, FLT_EPSILON, e3);
    for (int k = 0; k < 9; k++) ck_assert_close(e3[k], 1.0 / 3, 0, 5e-7);
    /* The mean is clamped to eps1: row means of 1e-9 with eps1 1e-3. */
    float tiny_row[2] = {1e-9f, 1e-9f}, tiny_col[2] = {2e-9f, 4e-9f}, te[4];
    adafactor_var_estimate(tiny_row, tiny_col, 2, 2, 1e-3, te);
    ck_assert_close(te[1], 1e-9 * 4e-9 / 1e-3, 0, 5e-7);
}
END_TEST

START_TEST(test_rank_one_gradient_steps_by_its_sign)
{
    /* Through the optimizer: at t = 1 with a rank-one gradient the estimate
     * is g^2, so the update is g / |g| = sign(g) (RMS 1, not clipped) and
     * every weight moves by exactly alpha = RMS(p) * lr = 0.01, whatever the
     * size of its gradient, from 1e-3 to 12. */
    AdafactorConfig cfg = ADAFACTOR_DEFAULTS;
    const float u[3] = {1e-3f, -2.0f, 3.0f}, v[4] = {1.5f, -0.25f, 4.0f, 0.75f};
    float p[12], g[12], r[3] = {0}, c[4] = {0};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++) g[i * 4 + j] = u[i] * v[j], p[i * 4 + j] = 1.0f;
    adafactor_update_matrix(p, g, r, c, 1, 3, 4, 1, &cfg);
    for (int k = 0; k < 12; k++) ck_assert_close(p[k], g[k] > 0 ? 0.99 : 1.01, 0, HAND_RTOL);
}
END_TEST

/* ---- limits ---------------------------------------------------------------------------------- */

#define REFUSES(expected, ...) ASSERT_SPEC_REFUSES(&ADAFACTOR_SPEC, expected, __VA_ARGS__)

START_TEST(test_spec_refuses_what_pytorch_refuses)
{
    /* torch.optim.Adafactor's constructor's checks, its messages, its order. */
    REFUSES("Learning rate should be >= 0 but is: -0.01", "lr=-0.01");
    REFUSES("beta2_decay should be <= 0 but is: 0.5", "beta2_decay=0.5");
    REFUSES("epsilon1 should be >= 0 but is: -1e-30", "eps=-1e-30,0.001");
    REFUSES("epsilon2 should be >= 0 but is: -0.001", "eps=None,-0.001");
    REFUSES("epsilon2 should be >= 0 but is: -0.001", "eps=1e-30,-0.001");
    REFUSES("Clipping threshold d should be >= 1 but is: 0.5", "d=0.5");
    REFUSES("Clipping threshold d should be >= 1 but is: 0", "d=0");
    REFUSES("weight_decay should be >= 0 but is: -0.1", "weight_decay=-0.1");
    REFUSES("Learning rate", "weight_decay=-1", "d=0", "eps=-1,-1", "beta2_decay=1", "lr=-1");
    REFUSES("beta2_decay", "weight_decay=-1", "d=0", "eps=-1,-1", "beta2_decay=1");
    REFUSES("epsilon1", "weight_decay=-1", "d=0", "eps=-1,-1");
    REFUSES("epsilon2", "weight_decay=-1", "d=0", "eps=None,-1");
    REFUSES("Clipping threshold", "weight_decay=-1", "d=0");
    /* Ours: eps is a pair whose first alone may be None; NaN, infinity and
     * what is not a number; keywords of other Adafactors (Hugging Face's
     * scale_parameter, relative_step; the paper's beta1) are not PyTorch's. */
    REFUSES("'0.001' is not two finite numbers a,b (a may be None)", "eps=0.001");
    REFUSES("is not two finite numbers a,b (a may be None)", "eps=None,None");
    REFUSES("is not two finite numbers a,b (a may be None)", "eps=1e-30,nan");
    REFUSES("is not two finite numbers a,b (a may be None)", "eps=none,0.001");
    REFUSES("not a finite float32 number", "lr=nan");
    REFUSES("not a finite number", "d=inf");
    REFUSES("not a finite number", "beta2_decay=x");
    REFUSES("not true or false", "maximize=1");
    REFUSES("unknown option 'scale_parameter'", "scale_parameter=true");
    REFUSES("unknown option 'relative_step'", "relative_step=false");
    REFUSES("unknown option 'betas'", "betas=0.9,0.999");
    /* What PyTorch accepts: the edges of every check, and every keyword. */
    AdafactorConfig cfg;
    ASSERT_SPEC_ACCEPTS(&ADAFACTOR_SPEC, &cfg, "lr=0", "beta2_decay=0", "eps=0,0", "d=1", "weight_decay=0");
    ck_assert(cfg.eps[0] == 0.0 && cfg.eps[1] == 0.0 && cfg.d == 1.0);
    ASSERT_SPEC_ACCEPTS(&ADAFACTOR_SPEC, &cfg, "lr=0.5", "beta2_decay=-0.5", "eps=1e-30,0.01", "d=2",
                        "weight_decay=0.2", "maximize=true");
    ck_assert(cfg.lr == 0.5f && cfg.beta2_decay == -0.5 && cfg.eps[0] == 1e-30 && cfg.eps[1] == 0.01 &&
              cfg.d == 2.0 && cfg.weight_decay == 0.2f && cfg.maximize);
    ASSERT_SPEC_ACCEPTS(&ADAFACTOR_SPEC, &cfg, "eps=None,0.5");
    ck_assert(isnan(cfg.eps[0]) && cfg.eps[1] == 0.5);
}
END_TEST

START_TEST(test_zero_gradients)
{
    /* Zero gradients from t = 1: the states stay 0, the estimate is clamped
     * (its mean to eps1, itself to eps1^2), the update is 0 * 1/eps1 = 0 and
     * nothing moves: no NaN, for a vector, a matrix and a stack of them. With
     * weight decay, the decay alone acts. */
    for (int wd = 0; wd <= 1; wd++) {
        AdafactorConfig cfg = config(0.1f, wd ? 0.5f : 0.0f);
        const float shrink = wd ? (float)(1.0 - 0.1f * (double)0.5f) : 1.0f;
        float p[24], want[24], g[24] = {0}, v[24] = {0}, r[6] = {0}, c[8] = {0};
        for (int i = 0; i < 24; i++) p[i] = want[i] = 0.5f * (float)i - 3.0f;
        for (long t = 1; t <= 3; t++) {
            adafactor_update_vector(p, g, v, 24, t, &cfg);
            for (int i = 0; i < 24; i++) want[i] *= shrink;
            adafactor_update_matrix(p, g, r, c, 2, 3, 4, t, &cfg);
            for (int i = 0; i < 24; i++) want[i] *= shrink;
            for (int i = 0; i < 24; i++) ck_assert(p[i] == want[i] && v[i] == 0.0f);
            for (int i = 0; i < 6; i++) ck_assert(r[i] == 0.0f);
            for (int i = 0; i < 8; i++) ck_assert(c[i] == 0.0f);
        }
    }
    /* Zero after a real gradient: the states forget by 1 - t^-0.8 a step,
     * and with the gradient 0 the update is 0: the parameters stay. */
    AdafactorConfig cfg = ADAFACTOR_DEFAULTS;
    float p[2] = {1.0f, -1.0f}, v[2] = {0};
    adafactor_update_vector(p, (float[]){2.0f, -1.0f}, v, 2, 1, &cfg);
    float after_first[2] = {p[0], p[1]};
    adafactor_update_vector(p, (float[]){0.0f, 0.0f}, v, 2, 2, &cfg);
    ck_assert(p[0] == after_first[0] && p[1] == after_first[1]);
    ck_assert_close(v[0], 4.0 * (1 - pow(2, -0.8)), 0, HAND_RTOL);
}
END_TEST

START_TEST(test_tiny_and_huge_gradients)
{
    AdafactorConfig cfg = ADAFACTOR_DEFAULTS;
    /* 1e-20: g^2 = 1e-40 is subnormal but not 0; below eps1^2 = 1.4e-14 it
     * is clamped, the update is g / eps1 = 8.4e-14 and the step 8.4e-16:
     * nothing a float32 near 1 can show. */
    float p[2] = {1.0f, -1.0f}, v[2] = {0};
    adafactor_update_vector(p, (float[]){1e-20f, -1e-20f}, v, 2, 1, &cfg);
    ck_assert(v[0] > 0.0f && v[0] < FLT_MIN && p[0] == 1.0f && p[1] == -1.0f);
    /* With the paper's eps1 = 1e-30, eps1^2 = 1e-60 is 0 in float32: no
     * clamp, the update is g / |g| = 1 (to the few digits of a subnormal)
     * and the step a full lr. */
    AdafactorConfig paper = ADAFACTOR_DEFAULTS;
    paper.eps[0] = 1e-30;
    float q[2] = {1.0f, -1.0f}, qv[2] = {0};
    adafactor_update_vector(q, (float[]){1e-20f, -1e-20f}, qv, 2, 1, &paper);
    ck_assert_close(q[0], 0.99, 0, 1e-6);
    ck_assert_close(q[1], -0.99, 0, 1e-6);
    /* Large gradients: the update does not see their scale. The steps for
     * a gradient 1e18 times larger (a vector) or 1e8 times larger (a matrix)
     * are the steps for the gradient itself. */
    float gs[12], gv[12], gm[12], small[2][12], big[2][12], r[2][3] = {{0}}, c[2][4] = {{0}};
    float sv[12] = {0}, bv[12] = {0};
    for (int i = 0; i < 12; i++) {
        gs[i] = sinf((float)i + 0.5f);
        gv[i] = gs[i] * 1e18f;
        gm[i] = gs[i] * 1e8f;
        small[0][i] = small[1][i] = big[0][i] = big[1][i] = cosf((float)i);
    }
    for (long t = 1; t <= 4; t++) {
        adafactor_update_vector(small[0], gs, sv, 12, t, &cfg);
        adafactor_update_vector(big[0], gv, bv, 12, t, &cfg);
        adafactor_update_matrix(small[1], gs, r[0], c[0], 1, 3, 4, t, &cfg);
        adafactor_update_matrix(big[1], gm, r[1], c[1], 1, 3, 4, t, &cfg);
    }
    ck_assert_all_close(big[0], small[0], 12, 0, 2e-6, "vector after gradients of 1e18");
    ck_assert_all_close(big[1], small[1], 12, 0, 2e-6, "matrix after gradients of 1e8");
    for (int i = 0; i < 12; i++) ck_assert(isfinite(bv[i]) && bv[i] > 1e33f * gs[i] * gs[i]);
    /* But a matrix's estimate multiplies two means of g^2 before it divides:
     * at 1e18, row_var @ col_var is about 1e72, inf in float32, the update
     * g * rsqrt(inf) is 0, and the weights stop (PyTorch's too: the golden
     * case adafactor_huge_matrix). Matrices stop near |g| = 4e9, where the
     * mean of g^2 squared passes FLT_MAX. */
    float stuck[12], sr[3] = {0}, sc[4] = {0};
    memcpy(stuck, small[1], sizeof stuck);
    adafactor_update_matrix(stuck, gv, sr, sc, 1, 3, 4, 5, &cfg);
    ck_assert(memcmp(stuck, small[1], sizeof stuck) == 0);
    for (int i = 0; i < 3; i++) ck_assert(isfinite(sr[i]) && sr[i] > 1e30f);
    /* 1e20: g^2 = 1e40 overflows float32 to inf, and at t = 1 lerp(0, inf,
     * 1) = inf - (inf - 0) * 0 = inf - NaN = NaN. PyTorch gives NaN too
     * (torch 2.11: tools/adafactor_reference.py --against-torch prints it);
     * clip gradients before Adafactor sees such numbers. */
    float h[3] = {1, 1, 1}, hv[3] = {0}, hm[6] = {1, 1, 1, 1, 1, 1}, hr[2] = {0}, hc[3] = {0};
    adafactor_update_vector(h, (float[]){1e20f, -1e20f, 1e20f}, hv, 3, 1, &cfg);
    for (int i = 0; i < 3; i++) ck_assert(isnan(h[i]) && isnan(hv[i]));
    adafactor_update_matrix(hm, (float[]){1e20f, 1e20f, 1e20f, 1e20f, 1e20f, 1e20f}, hr, hc, 1, 2, 3, 1, &cfg);
    for (int i = 0; i < 6; i++) ck_assert(isnan(hm[i]));
}
END_TEST

START_TEST(test_relative_step_and_clipping)
{
    /* The step is relative to the weights: the same gradient moves weights
     * of size 100 a hundred times further than weights of size 1 (alpha =
     * RMS(p) * lr), and weights near 0 by eps2 * lr. */
    AdafactorConfig cfg = ADAFACTOR_DEFAULTS;
    float g[4] = {0.3f, -0.7f, 1.1f, 0.2f};
    float big[4] = {100, 100, 100, 100}, one[4] = {1, 1, 1, 1}, zero[4] = {0}, v[3][4] = {{0}};
    adafactor_update_vector(big, g, v[0], 4, 1, &cfg);
    adafactor_update_vector(one, g, v[1], 4, 1, &cfg);
    adafactor_update_vector(zero, g, v[2], 4, 1, &cfg);
    for (int i = 0; i < 4; i++) {
        /* at t = 1 the update is sign(g): steps of 1, 0.01 and 1e-5 */
        double s = g[i] > 0 ? 1 : -1;
        ck_assert_close(big[i], 100 - s * 1.0, 0, HAND_RTOL);
        ck_assert_close(one[i], 1 - s * 0.01, 0, HAND_RTOL);
        ck_assert_close(zero[i], -s * 1e-5, 0, HAND_RTOL);
    }
    /* After a quiet start, a gradient 100 times louder: the update would be
     * far above RMS 1; clipping keeps RMS(update * step / alpha) at d. */
    float p[4] = {1, 1, 1, 1}, pv[4] = {0};
    for (long t = 1; t <= 5; t++) adafactor_update_vector(p, g, pv, 4, t, &cfg);
    float before[4], loud[4];
    memcpy(before, p, sizeof p);
    for (int i = 0; i < 4; i++) loud[i] = 100 * g[i];
    adafactor_update_vector(p, loud, pv, 4, 6, &cfg);
    double sq = 0, rms_p = 0;
    for (int i = 0; i < 4; i++) sq += pow(p[i] - before[i], 2), rms_p += (double)before[i] * before[i];
    /* RMS of the step = alpha * d = RMS(p) * lr * 1 */
    ck_assert_close(sqrt(sq / 4), sqrt(rms_p / 4) * 0.01, 0, 1e-5);
}
END_TEST

void add_adafactor_tests(TCase *core, TCase *limits)
{
    tcase_add_loop_test(core, test_vector_steps_by_hand, 0, TABLE_SIZE(BY_HAND));
    tcase_add_test(core, test_matrix_steps_by_hand);
    tcase_add_test(core, test_t1_state_is_g_squared);
    tcase_add_loop_test(core, test_golden_trajectories, 0, TABLE_SIZE(GOLDEN_CASES));
    tcase_add_test(core, test_every_golden_case_is_checked);
    tcase_add_test(core, test_golden_defaults);
    tcase_add_test(core, test_defaults_are_pytorchs);
    tcase_add_test(core, test_state_is_rows_plus_cols);
    tcase_add_test(core, test_param_groups_follow_pytorch);
    tcase_add_test(core, test_adapter_follows_a_changed_lr);
    tcase_add_test(core, test_rank_one_estimate_is_exact);
    tcase_add_test(core, test_rank_one_gradient_steps_by_its_sign);
    tcase_add_test(core, test_relative_step_and_clipping);
    tcase_add_test(limits, test_spec_refuses_what_pytorch_refuses);
    tcase_add_test(limits, test_zero_gradients);
    tcase_add_test(limits, test_tiny_and_huge_gradients);
}
