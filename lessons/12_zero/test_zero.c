/* test_zero.c - lesson 12's tests of the ZeRO engine (zero.h) on ranks
 * simulated as threads (simulate.h): the layout of the digits MLP worked
 * by hand, the three collectives on buffers whose sums are known, one
 * AdamW step by hand at every stage on a six-parameter model, the
 * chapter's claims of agreement with single-process AdamW, each rank's
 * memory and traffic counted by hand from the padded layout, and the
 * refusals. Its tests join the lesson's suite through add_zero_tests()
 * (see test_lesson12.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adamw.h"
#include "problems.h"
#include "simulate.h"
#include "testing.h"
#include "zero.h"
#include "zero_run.h"

void add_zero_tests(TCase *core, TCase *limits);

#define STAGES 4

/* ---- a model of named 1-D tensors -------------------------------------------------- */

typedef struct {
    MemoryLedger ledger;
    Tensor *params[ZERO_MAX_TENSORS], *grads[ZERO_MAX_TENSORS];
    ParamList list;
} Model;

/* count tensors named names[i] of numel[i] elements, the parameters from
 * values[] (flat, in order; NULL: zeros). Safe to call from a rank's thread:
 * it asserts nothing (a NULL tensor is the caller's to check). */
static int model_make(Model *m, int count, const char *const *names, const int *numel, const float *values)
{
    memset(m, 0, sizeof *m);
    size_t at = 0;
    for (int i = 0; i < count; i++) {
        m->params[i] = tensor_new_1d(&m->ledger, names[i], TAG_PARAM, numel[i]);
        m->grads[i] = tensor_new_1d(&m->ledger, names[i], TAG_GRAD, numel[i]);
        if (!m->params[i] || !m->grads[i]) return -1;
        if (values) memcpy(m->params[i]->data, values + at, sizeof(float) * (size_t)numel[i]);
        at += (size_t)numel[i];
    }
    m->list = (ParamList){count, m->params, m->grads};
    return 0;
}

static void model_free(Model *m)
{
    for (int i = 0; i < ZERO_MAX_TENSORS; i++) tensor_free(m->params[i]), tensor_free(m->grads[i]);
}

static Problem *mlp_for_test(int hidden)
{
    char err[256];
    Problem *p = mlp_new(hidden, 1, err, sizeof err);
    ck_assert_msg(p != NULL, "%s", err);
    return p;
}

/* The largest |a[i] - b[i]|, in double; infinite if either holds a NaN (a
 * NaN must never pass as a small difference). */
static double largest_difference(const float *a, const float *b, size_t n)
{
    double largest = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (isnan(d)) return INFINITY;
        if (d > largest) largest = d;
    }
    return largest;
}

static bool same_bits(const float *a, const float *b, size_t n)
{
    return memcmp(a, b, sizeof(float) * n) == 0;
}

/* ---- the layout ---------------------------------------------------------------------- */

/* The 64-32-10 MLP: fc1 is 32 x 64 weights and 32 biases, 2048 + 32 = 2080;
 * fc2 is 10 x 32 and 10, 320 + 10 = 330; 2410 in all. Each layer is padded
 * up to a multiple of N: shard = ceil(numel / N), padded = N * shard, and
 * fc2 starts where fc1's padding ends. */
static const struct {
    int ranks;
    size_t fc1_shard, fc1_padded, fc2_shard, fc2_padded;
} MLP_LAYOUT[] = {
    {1, 2080, 2080, 330, 330},
    {2, 1040, 2080, 165, 330},
    {3, 694, 2082, 110, 330},   /* 2080 / 3 = 693.3: 694 a rank, 2 of padding; 330 / 3 = 110 */
    {4, 520, 2080, 83, 332},    /* 330 / 4 = 82.5: 83 a rank, 2 of padding */
};

START_TEST(test_layout_of_the_mlp_by_hand)
{
    const int N = MLP_LAYOUT[_i].ranks;
    Problem *p = mlp_for_test(32);
    ZeroLayout lay;
    char err[256];
    ck_assert_msg(zero_layout(&lay, &p->params, N, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(lay.world_size, N);
    ck_assert_int_eq(lay.layers, 2);
    const ZeroLayer *fc1 = &lay.layer[0], *fc2 = &lay.layer[1];
    ck_assert_str_eq(fc1->name, "fc1");
    ck_assert_str_eq(fc2->name, "fc2");
    /* fc1.weight, fc1.bias, fc2.weight, fc2.bias: two tensors a layer */
    ck_assert_int_eq(fc1->first_tensor, 0);
    ck_assert_int_eq(fc1->tensors, 2);
    ck_assert_int_eq(fc2->first_tensor, 2);
    ck_assert_int_eq(fc2->tensors, 2);
    ck_assert_uint_eq(fc1->numel, 2080);
    ck_assert_uint_eq(fc2->numel, 330);
    ck_assert_uint_eq(fc1->shard_numel, MLP_LAYOUT[_i].fc1_shard);
    ck_assert_uint_eq(fc1->padded, MLP_LAYOUT[_i].fc1_padded);
    ck_assert_uint_eq(fc2->shard_numel, MLP_LAYOUT[_i].fc2_shard);
    ck_assert_uint_eq(fc2->padded, MLP_LAYOUT[_i].fc2_padded);
    ck_assert_uint_eq(fc1->offset, 0);
    ck_assert_uint_eq(fc2->offset, MLP_LAYOUT[_i].fc1_padded);
    ck_assert_uint_eq(lay.numel, 2410);
    ck_assert_uint_eq(lay.padded, MLP_LAYOUT[_i].fc1_padded + MLP_LAYOUT[_i].fc2_padded);
    /* a rank's share of the model: its shard of each layer */
    ck_assert_uint_eq(lay.shard_numel, MLP_LAYOUT[_i].fc1_shard + MLP_LAYOUT[_i].fc2_shard);
    problem_free(p);
}
END_TEST

START_TEST(test_layout_groups_tensors_by_the_name_before_the_last_dot)
{
    /* "h.0.attn.weight" and "h.0.attn.bias" are layer "h.0.attn"; a name
     * without a dot is a layer of its own. 7 + 1 = 8 and 5 elements over 3
     * ranks: shards of 3 (padded 9) and 2 (padded 6). */
    static const char *const names[] = {"h.0.attn.weight", "h.0.attn.bias", "scale"};
    static const int numel[] = {7, 1, 5};
    Model m;
    ck_assert_int_eq(model_make(&m, 3, names, numel, NULL), 0);
    ZeroLayout lay;
    char err[256];
    ck_assert_msg(zero_layout(&lay, &m.list, 3, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(lay.layers, 2);
    ck_assert_str_eq(lay.layer[0].name, "h.0.attn");
    ck_assert_str_eq(lay.layer[1].name, "scale");
    ck_assert_uint_eq(lay.layer[0].numel, 8);
    ck_assert_uint_eq(lay.layer[0].shard_numel, 3);
    ck_assert_uint_eq(lay.layer[0].padded, 9);
    ck_assert_uint_eq(lay.layer[1].shard_numel, 2);
    ck_assert_uint_eq(lay.layer[1].padded, 6);
    ck_assert_uint_eq(lay.layer[1].offset, 9);
    ck_assert_uint_eq(lay.padded, 15);
    ck_assert_uint_eq(lay.shard_numel, 5);
    model_free(&m);
}
END_TEST

START_TEST(test_layout_refuses_what_it_cannot_shard)
{
    ZeroLayout lay;
    char err[256];
    /* a layer is one flat buffer: its tensors must be next to each other */
    static const char *const apart[] = {"a.weight", "b.weight", "a.bias"};
    static const int numel[] = {3, 1, 2};
    Model m;
    ck_assert_int_eq(model_make(&m, 3, apart, numel, NULL), 0);
    ck_assert_int_eq(zero_layout(&lay, &m.list, 2, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "layer a's tensors are not next to each other") != NULL, "%s", err);
    model_free(&m);

    /* no ranks, or fewer */
    static const char *const one[] = {"a.weight"};
    ck_assert_int_eq(model_make(&m, 1, one, numel, NULL), 0);
    err[0] = '\0';
    ck_assert_int_eq(zero_layout(&lay, &m.list, 0, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "world_size must be >= 1, not 0") != NULL, "%s", err);
    ck_assert_int_eq(zero_layout(&lay, &m.list, -2, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "world_size must be >= 1, not -2") != NULL, "%s", err);
    model_free(&m);

    /* one layer more than ZERO_MAX_LAYERS */
    char names[ZERO_MAX_LAYERS + 1][16];
    const char *name_of[ZERO_MAX_LAYERS + 1];
    int ones[ZERO_MAX_LAYERS + 1];
    for (int l = 0; l <= ZERO_MAX_LAYERS; l++) {
        snprintf(names[l], sizeof names[l], "l%d.weight", l);
        name_of[l] = names[l];
        ones[l] = 1;
    }
    ck_assert_int_eq(model_make(&m, ZERO_MAX_LAYERS + 1, name_of, ones, NULL), 0);
    ck_assert_int_eq(zero_layout(&lay, &m.list, 1, err, sizeof err), -1);
    char expected[64];
    snprintf(expected, sizeof expected, "more than %d layers", ZERO_MAX_LAYERS);
    ck_assert_msg(strstr(err, expected) != NULL, "%s", err);
    model_free(&m);
}
END_TEST

/* ---- the collectives ------------------------------------------------------------------- */

/* Three ranks, six elements: three shards of two. Each column sums to a
 * number read off by eye, but the last, which shows the order of the sum:
 * in float 1 + 2^24 is 2^24 (16777217 has no float; the tie rounds to the
 * even 2^24), so rank order, (1 + 2^24) - 2^24, gives 0, where any other
 * order that adds the two big ones first gives 1. */
#define COLL_RANKS 3
#define COLL_SHARD 2
#define COLL_N (COLL_RANKS * COLL_SHARD)
static const float COLL_INPUT[COLL_RANKS][COLL_N] = {
    {1, 2, 3, 4, 5, 1},
    {10, 20, 30, 40, 50, 0x1p24f},
    {100, 200, 300, 400, 500, -0x1p24f},
};
static const float COLL_SUM[COLL_N] = {111, 222, 333, 444, 555, 0};

typedef struct {
    float all_reduce[COLL_RANKS][COLL_N];
    float reduce_scatter[COLL_RANKS][COLL_SHARD];
    float reduce_scatter_in_place[COLL_RANKS][COLL_N];
    float all_gather[COLL_RANKS][COLL_N];
    float all_gather_in_place[COLL_RANKS][COLL_N];
    ZeroTraffic traffic[COLL_RANKS];
} Collectives;

/* rank q's shard for the all-gathers: {10 q + 1, 10 q + 2} */
static float gather_value(int q, int i) { return (float)(10 * q + 1 + i); }

static void collectives_rank(ZeroComm *comm, void *ctx)
{
    Collectives *c = ctx;
    const int q = comm->rank;
    memcpy(c->all_reduce[q], COLL_INPUT[q], sizeof c->all_reduce[q]);
    zero_all_reduce(comm, c->all_reduce[q], COLL_N);

    zero_reduce_scatter(comm, COLL_INPUT[q], c->reduce_scatter[q], COLL_SHARD);
    /* in place, as stage 1 calls it: the rank's shard of its full buffer */
    float *full = c->reduce_scatter_in_place[q];
    memcpy(full, COLL_INPUT[q], sizeof c->reduce_scatter_in_place[q]);
    zero_reduce_scatter(comm, full, full + q * COLL_SHARD, COLL_SHARD);

    float shard[COLL_SHARD];
    for (int i = 0; i < COLL_SHARD; i++) shard[i] = gather_value(q, i);
    for (int i = 0; i < COLL_N; i++) c->all_gather[q][i] = c->all_gather_in_place[q][i] = -1;
    zero_all_gather(comm, shard, c->all_gather[q], COLL_SHARD);
    /* in place, as stages 1-2 call it: the shard already in its place */
    full = c->all_gather_in_place[q];
    memcpy(full + q * COLL_SHARD, shard, sizeof shard);
    zero_all_gather(comm, full + q * COLL_SHARD, full, COLL_SHARD);
    c->traffic[q] = comm->traffic;
}

START_TEST(test_collectives_on_threads_by_hand)
{
    Collectives c;
    char err[256];
    ck_assert_msg(zero_simulate_each(COLL_RANKS, collectives_rank, &c, err, sizeof err) == 0, "%s", err);
    for (int q = 0; q < COLL_RANKS; q++) {
        for (int i = 0; i < COLL_N; i++) {
            ck_assert_msg(c.all_reduce[q][i] == COLL_SUM[i], "rank %d: all-reduce[%d] = %g, expected %g", q, i,
                          c.all_reduce[q][i], COLL_SUM[i]);
            ck_assert_msg(c.all_gather[q][i] == gather_value(i / COLL_SHARD, i % COLL_SHARD),
                          "rank %d: all-gather[%d] = %g", q, i, c.all_gather[q][i]);
            ck_assert_msg(c.all_gather_in_place[q][i] == gather_value(i / COLL_SHARD, i % COLL_SHARD),
                          "rank %d: all-gather in place [%d] = %g", q, i, c.all_gather_in_place[q][i]);
        }
        for (int i = 0; i < COLL_SHARD; i++) {
            const float want = COLL_SUM[q * COLL_SHARD + i];
            ck_assert_msg(c.reduce_scatter[q][i] == want, "rank %d: reduce-scatter[%d] = %g, expected %g", q, i,
                          c.reduce_scatter[q][i], want);
            ck_assert_msg(c.reduce_scatter_in_place[q][q * COLL_SHARD + i] == want,
                          "rank %d: reduce-scatter in place [%d] = %g, expected %g", q, i,
                          c.reduce_scatter_in_place[q][q * COLL_SHARD + i], want);
        }
        /* What each rank passed, in elements of the full buffer: an
         * all-reduce of n counts 2 n (a reduce-scatter and an all-gather),
         * a reduce-scatter or all-gather of shards of 2 over 3 ranks 6.
         * One all-reduce, two of each other. */
        const ZeroTraffic *t = &c.traffic[q];
        ck_assert_double_eq(t->elements[COLL_ALL_REDUCE], 2 * 6);
        ck_assert_double_eq(t->elements[COLL_REDUCE_SCATTER], 2 * (2 * 3));
        ck_assert_double_eq(t->elements[COLL_ALL_GATHER], 2 * (2 * 3));
        ck_assert_int_eq(t->calls[COLL_ALL_REDUCE], 1);
        ck_assert_int_eq(t->calls[COLL_REDUCE_SCATTER], 2);
        ck_assert_int_eq(t->calls[COLL_ALL_GATHER], 2);
        ck_assert(t->seconds >= 0);
    }
}
END_TEST

/* ---- one step by hand ------------------------------------------------------------------ */

/* Layer a: a.weight [3] and a.bias [2], 5 elements; layer b: b.weight [1].
 * Over 2 ranks: a's shards 3 (padded 6), b's 1 (padded 2); over 3: 2
 * (padded 6) and 1 (padded 3). Each layer ends in padding on some rank. */
#define HAND_N 6
#define HAND_MAX_RANKS 3
static const char *const HAND_NAMES[] = {"a.weight", "a.bias", "b.weight"};
static const int HAND_NUMEL[] = {3, 2, 1};
static const float HAND_START[HAND_N] = {1, -2, 0.5f, 3, -0.25f, 4};
/* Each rank's own gradient (its slice of the batch): halves and quarters,
 * so that every sum is exact in float in any order. Over 2 ranks the sums
 * are {1.5, -0.5, -2, 0, -2, 3}, over 3 {-0.5, -0.25, -1, 0.5, 0, 2.5}:
 * each has a zero, which AdamW's first step leaves to the decay alone. */
static const float HAND_GRAD[HAND_MAX_RANKS][HAND_N] = {
    {0.5f, -1, 2, 0.25f, -3, 1},
    {1, 0.5f, -4, -0.25f, 1, 2},
    {-2, 0.25f, 1, 0.5f, 2, -0.5f},
};

static AdamWConfig hand_config(void)
{
    AdamWConfig cfg = ADAMW_DEFAULTS;
    cfg.lr = 0.1f;
    cfg.weight_decay = 0.5f;   /* a decay of 5% a step, to be seen beside the update */
    return cfg;
}

typedef struct {
    int stage;
    float params[HAND_MAX_RANKS][HAND_N];   /* each rank's view after the step */
    bool padding_zero[HAND_MAX_RANKS];
    int status[HAND_MAX_RANKS];
    char err[HAND_MAX_RANKS][256];
} HandStep;

/* Whether every padding element of buf is 0: buf holds the whole padded
 * layout (sharded false) or this rank's shard of each layer, back to back. */
static bool padding_is_zero(const ZeroRank *r, const float *buf, bool sharded)
{
    const ZeroLayout *lay = &r->layout;
    const size_t q = (size_t)r->comm->rank;
    for (int l = 0; l < lay->layers; l++) {
        const ZeroLayer *layer = &lay->layer[l];
        for (size_t j = layer->numel; j < layer->padded; j++) {
            if (!sharded && buf[layer->offset + j] != 0) return false;
            if (sharded && j / layer->shard_numel == q &&
                buf[layer->offset / lay->world_size + j - q * layer->shard_numel] != 0)
                return false;
        }
    }
    return true;
}

/* One rank: the model, a backward pass that hands in this rank's gradient
 * layer by layer (the last layer first, as a backward pass does), the step,
 * and what the rank holds afterwards. */
static void hand_step_rank(ZeroComm *comm, void *ctx)
{
    HandStep *h = ctx;
    const int q = comm->rank;
    const AdamWConfig cfg = hand_config();
    Model m;
    ZeroRank r;
    if (model_make(&m, 3, HAND_NAMES, HAND_NUMEL, HAND_START) != 0) {
        /* (six floats: only out of memory, and on every rank alike) */
        h->status[q] = -1, snprintf(h->err[q], sizeof h->err[q], "out of memory");
        model_free(&m);
        return;
    }
    h->status[q] = zero_rank_init(&r, h->stage, comm, &m.list, &cfg, h->err[q], sizeof h->err[q]);
    if (h->status[q] != 0) {
        model_free(&m);
        return;
    }
    for (int l = r.layout.layers - 1; l >= 0; l--) {
        size_t at = 0;   /* where layer l starts in the unpadded model */
        for (int k = 0; k < l; k++) at += r.layout.layer[k].numel;
        Tensor *temporary;
        float *grad = zero_layer_grad_buffer(&r, l, &temporary);
        memcpy(grad, HAND_GRAD[q] + at, sizeof(float) * r.layout.layer[l].numel);
        zero_reduce_layer_grad(&r, l, &temporary);
    }
    zero_step(&r);
    h->padding_zero[q] = padding_is_zero(&r, r.param->data, h->stage >= 3) &&
                         padding_is_zero(&r, r.grad->data, h->stage >= 2) &&
                         padding_is_zero(&r, r.exp_avg->data, h->stage >= 1) &&
                         padding_is_zero(&r, r.exp_avg_sq->data, h->stage >= 1);
    zero_gather_params(&r, h->params[q]);
    zero_rank_free(&r);
    model_free(&m);
}

/* N = 1, 2, 3 ranks, each at stages 0 .. 3: _i = 4 (N - 1) + stage. */
START_TEST(test_one_step_by_hand)
{
    const int N = 1 + _i / STAGES;
    HandStep h = {.stage = _i % STAGES};
    char err[256];
    ck_assert_msg(zero_simulate_each(N, hand_step_rank, &h, err, sizeof err) == 0, "%s", err);
    for (int q = 0; q < N; q++) ck_assert_msg(h.status[q] == 0, "rank %d: %s", q, h.err[q]);

    /* AdamW's first step (t = 1) from zero state: exp_avg = (1 - b1) g and
     * exp_avg_sq = (1 - b2) g^2, divided by the bias corrections 1 - b1 and
     * 1 - b2, are g and g^2 exactly; so the step is
     *     param = param (1 - lr wd) - lr g / (|g| + eps),
     * worked here in double from the summed gradient g (exact: halves and
     * quarters). The float code rounds on the way: the decay's factor and
     * product (relative 2^-24 each) and the update's dozen float operations
     * (1 - b1, 1 - b2, g*g, their products, the root and its correction,
     * + eps, step_size and its product and quotient, the subtraction), each
     * within 2^-24 of the update's size lr. So: atol 16 * 2^-24 * lr, rtol
     * 2^-22 (four roundings of the result's own size). Measured: at most
     * 1.3 ulps of the parameter, under a sixth of what this allows; the check
     * bit for bit below is the tight one. */
    const AdamWConfig cfg = hand_config();
    const double lr = cfg.lr, wd = cfg.weight_decay, eps = cfg.eps;
    float summed[HAND_N], expected_bits[HAND_N], exp_avg[HAND_N] = {0}, exp_avg_sq[HAND_N] = {0};
    for (int i = 0; i < HAND_N; i++) {
        double g = 0;
        for (int q = 0; q < N; q++) g += HAND_GRAD[q][i];
        summed[i] = (float)g;
        const double expected = HAND_START[i] * (1 - lr * wd) - lr * g / (fabs(g) + eps);
        char what[96];
        snprintf(what, sizeof what, "N = %d, stage %d: param[%d] (g = %g)", N, h.stage, i, g);
        ck_assert_close_msg(what, h.params[0][i], expected, 16 * 0x1p-24 * lr, 0x1p-22);
    }
    /* The update is element by element, so sharding cannot change a bit of
     * it: lesson 06's adamw_update on the summed gradient in one piece. */
    memcpy(expected_bits, HAND_START, sizeof expected_bits);
    adamw_update(expected_bits, summed, exp_avg, exp_avg_sq, NULL, HAND_N, 1, &cfg);
    ck_assert_msg(same_bits(h.params[0], expected_bits, HAND_N),
                  "N = %d, stage %d: not bit for bit lesson 06's step", N, h.stage);
    for (int q = 0; q < N; q++) {
        ck_assert_msg(same_bits(h.params[q], h.params[0], HAND_N), "N = %d, stage %d: rank %d differs from rank 0",
                      N, h.stage, q);
        ck_assert_msg(h.padding_zero[q], "N = %d, stage %d: rank %d has padding that is not 0", N, h.stage, q);
    }
}
END_TEST

/* ---- the chapter's claims of agreement -------------------------------------------------- */

/* The lesson program's run: the 64-32-10 MLP, global batch 32, AdamW at
 * lr 1e-2 (PyTorch's other defaults), 200 steps. */
#define AGREE_STEPS 200
#define AGREE_LR 1e-2f

static ZeroRunConfig run_config(int stage, int steps)
{
    AdamWConfig adamw = ADAMW_DEFAULTS;
    adamw.lr = AGREE_LR;
    return (ZeroRunConfig){.stage = stage, .hidden = 32, .batch = 32, .steps = steps, .seed = 1,
                           .batch_seed = 1, .adamw = adamw};
}

static void simulate_for_test(int ranks, const ZeroRunConfig *cfg, ZeroRunResult *results)
{
    char err[256];
    ck_assert_msg(zero_simulate(ranks, cfg, results, err, sizeof err) == 0, "%s", err);
    for (int q = 0; q < ranks; q++) ck_assert_ptr_nonnull(results[q].params);
}

static void free_results(ZeroRunResult *results, int ranks)
{
    for (int q = 0; q < ranks; q++) zero_run_result_free(&results[q]);
}

/* How far ZeRO on N > 1 ranks may end from one process. The ranks sum a
 * gradient in another order than one process's batch (each rank its slice,
 * then the slices), so each gradient element differs by a few float
 * roundings of its terms: relative 1e-6 covers 16 of them. AdamW's step,
 * lr m/(sqrt(v) + eps), is about lr in size (a few lr at most) and, m and
 * sqrt(v) both moving with g, changes by about twice g's relative error:
 * some 2e-6 lr a step. Allowing 1e-4 lr a step leaves a factor 50 for the elements whose
 * gradient partly cancels (its error relative to its terms, not to itself)
 * and for the weights' differences feeding back into later gradients; over
 * S steps the differences at worst add up: S lr 1e-4 (2e-4 here; the
 * chapter's table measures some 3e-7). test_program.c holds the runs under
 * mpirun to the same bound. */
static double agreement_tolerance(int steps, double lr) { return steps * lr * 1e-4; }

/* N = 1 .. 4 ranks (_i = N - 1), every stage. */
START_TEST(test_stages_agree_with_one_process)
{
    const int N = 1 + _i;
    const size_t numel = zero_mlp_numel(32);
    ck_assert_uint_eq(numel, 64 * 32 + 32 + 32 * 10 + 10);
    float *reference = malloc(sizeof(float) * numel);
    ck_assert_ptr_nonnull(reference);
    char err[256];
    ZeroRunConfig cfg = run_config(0, AGREE_STEPS);
    ck_assert_msg(zero_reference_run(&cfg, reference, numel, err, sizeof err) == 0, "%s", err);
    const double tolerance = agreement_tolerance(AGREE_STEPS, AGREE_LR);
    float *stage0 = malloc(sizeof(float) * numel);
    ck_assert_ptr_nonnull(stage0);
    for (int stage = 0; stage < STAGES; stage++) {
        ZeroRunResult results[4];
        cfg = run_config(stage, AGREE_STEPS);
        simulate_for_test(N, &cfg, results);
        const float *params = results[0].params;
        ck_assert_uint_eq(results[0].numel, numel);
        /* Every rank holds the same weights, bit for bit. */
        for (int q = 1; q < N; q++)
            ck_assert_msg(same_bits(results[q].params, params, numel), "N = %d, stage %d: rank %d differs", N,
                          stage, q);
        if (N == 1) {
            /* One rank sums nothing: the same operations as one process. */
            ck_assert_msg(same_bits(params, reference, numel), "N = 1, stage %d: not bit for bit one process's",
                          stage);
        } else {
            double diff = largest_difference(params, reference, numel);
            ck_assert_msg(diff <= tolerance, "N = %d, stage %d: max |ZeRO - AdamW| = %g, over %g", N, stage, diff,
                          tolerance);
            /* ... and the sums' other order shows: not every weight is one
             * process's bit for bit (the chapter's table counts how many). */
            ck_assert_msg(!same_bits(params, reference, numel), "N = %d, stage %d: no weight differs", N, stage);
        }
        /* The stages sum the same numbers in the same (rank) order and
         * update each element alike: for a given N, the same bits. */
        if (stage == 0) memcpy(stage0, params, sizeof(float) * numel);
        else ck_assert_msg(same_bits(params, stage0, numel), "N = %d: stage %d differs from stage 0", N, stage);
        free_results(results, N);
    }
    free(stage0);
    free(reference);
}
END_TEST

/* ---- memory and traffic per rank -------------------------------------------------------- */

/* Bytes a rank keeps, worked from the padded layout (MLP_LAYOUT): 4 bytes
 * a parameter and a gradient, 8 of AdamW's state (exp_avg, exp_avg_sq).
 *   N = 3: padded 2082 + 330 = 2412, shard 694 + 110 = 804, fc1 padded 2082
 *   N = 4: padded 2080 + 332 = 2412, shard 520 +  83 = 603, fc1 padded 2080
 * Stage 0 keeps all three whole; 1 shards the state, 2 also the gradients,
 * 3 also the parameters. The peak adds what a step holds for a while, in
 * zero_mlp.c's order: stages 0-1 nothing. Stage 2: fc2's whole gradient
 * (freed once reduced), then fc1's: fc1's, 4 * padded(fc1). Stage 3: fc1
 * gathered for the forward pass (released before fc2 is gathered); in the
 * backward pass fc2 gathered and its gradient (2 * 4 * 332, less), then
 * fc1's gradient alone (fc1 is not gathered again): 4 * padded(fc1). */
static const struct {
    int ranks, stage;
    size_t params, grads, state, peak_extra;
} MEMORY[] = {
    {4, 0, 4 * 2412, 4 * 2412, 8 * 2412, 0},
    {4, 1, 4 * 2412, 4 * 2412, 8 * 603, 0},
    {4, 2, 4 * 2412, 4 * 603, 8 * 603, 4 * 2080},
    {4, 3, 4 * 603, 4 * 603, 8 * 603, 4 * 2080},
    {3, 0, 4 * 2412, 4 * 2412, 8 * 2412, 0},
    {3, 1, 4 * 2412, 4 * 2412, 8 * 804, 0},
    {3, 2, 4 * 2412, 4 * 804, 8 * 804, 4 * 2082},
    {3, 3, 4 * 804, 4 * 804, 8 * 804, 4 * 2082},
};

START_TEST(test_memory_per_rank_by_hand)
{
    const int N = MEMORY[_i].ranks, stage = MEMORY[_i].stage;
    ZeroRunConfig cfg = run_config(stage, 2);
    ZeroRunResult results[4];
    simulate_for_test(N, &cfg, results);
    const size_t live = MEMORY[_i].params + MEMORY[_i].grads + MEMORY[_i].state;
    for (int q = 0; q < N; q++) {
        const size_t *bytes = results[q].model_bytes;
        ck_assert_msg(bytes[TAG_PARAM] == MEMORY[_i].params, "N = %d, stage %d, rank %d: %zu bytes of parameters", N,
                      stage, q, bytes[TAG_PARAM]);
        ck_assert_msg(bytes[TAG_GRAD] == MEMORY[_i].grads, "N = %d, stage %d, rank %d: %zu bytes of gradients", N,
                      stage, q, bytes[TAG_GRAD]);
        ck_assert_msg(bytes[TAG_STATE] == MEMORY[_i].state, "N = %d, stage %d, rank %d: %zu bytes of state", N,
                      stage, q, bytes[TAG_STATE]);
        /* the activations live in the MLP's own ledger, not the rank's */
        ck_assert_uint_eq(bytes[TAG_ACTIVATION], 0);
        ck_assert_uint_eq(bytes[TAG_OTHER], 0);
        ck_assert_msg(results[q].peak_bytes == live + MEMORY[_i].peak_extra,
                      "N = %d, stage %d, rank %d: peak %zu, expected %zu", N, stage, q, results[q].peak_bytes,
                      live + MEMORY[_i].peak_extra);
    }
    free_results(results, N);
}
END_TEST

/* Elements a rank passes to each collective in a step, from the padded
 * layout (MLP_LAYOUT; 2412 padded at N = 3 and 4; fc2 padded 330 and 332):
 * stage 0 all-reduces everything once (2 * padded); stages 1-2 reduce-
 * scatter each layer's gradient and all-gather its updated parameters
 * (padded each); stage 3 reduce-scatters as much, and all-gathers each
 * layer for the forward pass and fc2 again for the backward pass (fc1's
 * weights are not needed there: nothing flows back to the input), padded +
 * padded(fc2). Calls a step: 1 all-reduce; or one reduce-scatter a layer,
 * and one all-gather a layer (stage 3: and one more for fc2). */
static const struct {
    int ranks, stage;
    double elements[COLL_COUNT];
    int calls[COLL_COUNT];
} TRAFFIC[] = {
    {4, 0, {2 * 2412, 0, 0}, {1, 0, 0}},
    {4, 1, {0, 2412, 2412}, {0, 2, 2}},
    {4, 2, {0, 2412, 2412}, {0, 2, 2}},
    {4, 3, {0, 2412, 2412 + 332}, {0, 2, 3}},
    {3, 0, {2 * 2412, 0, 0}, {1, 0, 0}},
    {3, 1, {0, 2412, 2412}, {0, 2, 2}},
    {3, 2, {0, 2412, 2412}, {0, 2, 2}},
    {3, 3, {0, 2412, 2412 + 330}, {0, 2, 3}},
};

START_TEST(test_traffic_per_step_by_hand)
{
    enum { STEPS = 3 };
    const int N = TRAFFIC[_i].ranks, stage = TRAFFIC[_i].stage;
    ZeroRunConfig cfg = run_config(stage, STEPS);
    ZeroRunResult results[4];
    simulate_for_test(N, &cfg, results);
    for (int q = 0; q < N; q++)
        for (int c = 0; c < COLL_COUNT; c++) {
            /* elements: a step's (the run's over its steps); calls: the run's */
            ck_assert_msg(results[q].traffic.elements[c] == TRAFFIC[_i].elements[c],
                          "N = %d, stage %d, rank %d, collective %d: %g elements a step, expected %g", N, stage, q, c,
                          results[q].traffic.elements[c], TRAFFIC[_i].elements[c]);
            ck_assert_msg(results[q].traffic.calls[c] == STEPS * TRAFFIC[_i].calls[c],
                          "N = %d, stage %d, rank %d, collective %d: %d calls in %d steps", N, stage, q, c,
                          results[q].traffic.calls[c], STEPS);
        }
    free_results(results, N);
}
END_TEST

/* ---- refusals ---------------------------------------------------------------------------- */

static void assert_simulate_refuses(int ranks, const ZeroRunConfig *cfg, const char *expected)
{
    ZeroRunResult results[SIMULATE_MAX_RANKS + 1];
    memset(results, 0, sizeof results);
    char err[256] = "";
    ck_assert_msg(zero_simulate(ranks, cfg, results, err, sizeof err) == -1, "%d ranks, stage %d, batch %d: accepted",
                  ranks, cfg->stage, cfg->batch);
    ck_assert_msg(strstr(err, expected) != NULL, "%d ranks: '%s', expected '%s'", ranks, err, expected);
    for (int q = 0; q < SIMULATE_MAX_RANKS + 1; q++) ck_assert_ptr_null(results[q].params);
}

static void nothing(ZeroComm *comm, void *ctx)
{
    (void)comm, (void)ctx;
}

START_TEST(test_runs_refuse_bad_settings)
{
    ZeroRunConfig cfg = run_config(1, 2);
    char err[256];
    /* the ranks: 1 .. SIMULATE_MAX_RANKS */
    assert_simulate_refuses(0, &cfg, "ranks must be 1 .. 16, not 0");
    assert_simulate_refuses(SIMULATE_MAX_RANKS + 1, &cfg, "ranks must be 1 .. 16, not 17");
    ck_assert_int_eq(zero_simulate_each(0, nothing, NULL, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "ranks must be 1 .. 16, not 0") != NULL, "%s", err);
    ck_assert_int_eq(zero_simulate_each(-1, nothing, NULL, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "ranks must be 1 .. 16, not -1") != NULL, "%s", err);
    /* the stage: 0 .. 3 */
    cfg.stage = 4;
    assert_simulate_refuses(2, &cfg, "stage must be 0, 1, 2 or 3, not 4");
    cfg.stage = -1;
    assert_simulate_refuses(2, &cfg, "stage must be 0, 1, 2 or 3, not -1");
    /* a batch with an example for every rank */
    cfg = run_config(1, 2);
    cfg.batch = 2;
    assert_simulate_refuses(3, &cfg, "the batch (2) must hold at least one example per rank (3)");

    /* zero_run_rank itself refuses before any collective (so a comm
     * without any will do), and leaves no result to free */
    ZeroComm comm = {.rank = 0, .world_size = 3};
    ZeroRunResult result;
    ck_assert_int_eq(zero_run_rank(&comm, &cfg, &result, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "the batch (2) must hold at least one example per rank (3)") != NULL, "%s", err);
    ck_assert_ptr_null(result.params);
    cfg = run_config(4, 2);
    ck_assert_int_eq(zero_run_rank(&comm, &cfg, &result, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "stage must be 0, 1, 2 or 3, not 4") != NULL, "%s", err);
    ck_assert_ptr_null(result.params);

    /* the engine: a stage it does not have */
    Model m;
    ck_assert_int_eq(model_make(&m, 3, HAND_NAMES, HAND_NUMEL, HAND_START), 0);
    ZeroRank r;
    const AdamWConfig adamw = hand_config();
    comm.world_size = 1;
    ck_assert_int_eq(zero_rank_init(&r, 4, &comm, &m.list, &adamw, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "stage must be 0, 1, 2 or 3, not 4") != NULL, "%s", err);
    model_free(&m);

    /* the reference: a model of another size */
    float flat[100];
    cfg = run_config(0, 1);
    ck_assert_int_eq(zero_reference_run(&cfg, flat, 100, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "the MLP has 2410 parameters, not 100") != NULL, "%s", err);
}
END_TEST

void add_zero_tests(TCase *core, TCase *limits)
{
    tcase_add_loop_test(core, test_layout_of_the_mlp_by_hand, 0, TABLE_SIZE(MLP_LAYOUT));
    tcase_add_test(core, test_layout_groups_tensors_by_the_name_before_the_last_dot);
    tcase_add_test(core, test_collectives_on_threads_by_hand);
    tcase_add_loop_test(core, test_one_step_by_hand, 0, HAND_MAX_RANKS * STAGES);
    tcase_add_loop_test(core, test_stages_agree_with_one_process, 0, 4);
    tcase_add_loop_test(core, test_memory_per_rank_by_hand, 0, TABLE_SIZE(MEMORY));
    tcase_add_loop_test(core, test_traffic_per_step_by_hand, 0, TABLE_SIZE(TRAFFIC));
    tcase_add_test(limits, test_layout_refuses_what_it_cannot_shard);
    tcase_add_test(limits, test_runs_refuse_bad_settings);
}
