/* test_gpt_grad.c - the tiny GPT's gradients (gpt_layers.h, gpt.h): every
 * layer's forward and backward, and the whole model's loss and gradient,
 * against a double-precision reference written here from the description in
 * gpt.h (not from gpt.c), differentiated by central differences. Part of
 * the common suite through add_gpt_gradient_tests() (see test_gpt.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpt.h"
#include "gpt_layers.h"
#include "rng.h"
#include "testing.h"

/* ---- double-precision references of the layers ------------------------------------------ */

static void ref_encoder(double *out, const int *tokens, const double *wte, const double *wpe, int B, int T, int C)
{
    for (int n = 0; n < B * T; n++)
        for (int c = 0; c < C; c++) out[n * C + c] = wte[tokens[n] * C + c] + wpe[(n % T) * C + c];
}

static void ref_layernorm(double *out, const double *inp, const double *w, const double *b, int N, int C)
{
    for (int n = 0; n < N; n++) {
        const double *x = inp + n * C;
        double mean = 0.0, var = 0.0;
        for (int c = 0; c < C; c++) mean += x[c] / C;
        for (int c = 0; c < C; c++) var += (x[c] - mean) * (x[c] - mean) / C;
        for (int c = 0; c < C; c++) out[n * C + c] = (x[c] - mean) / sqrt(var + LAYERNORM_EPS) * w[c] + b[c];
    }
}

static void ref_matmul(double *out, const double *inp, const double *w, const double *bias, int N, int C, int OC)
{
    for (int n = 0; n < N; n++)
        for (int o = 0; o < OC; o++) {
            double s = bias ? bias[o] : 0.0;
            for (int c = 0; c < C; c++) s += inp[n * C + c] * w[o * C + c];
            out[n * OC + o] = s;
        }
}

static void ref_attention(double *out, const double *qkv, int B, int T, int C, int NH)
{
    int hs = C / NH;
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++)
            for (int t = 0; t < T; t++) {
                const double *q = qkv + (b * T + t) * 3 * C + h * hs;
                double score[GPT_MAX_BLOCK_SIZE], max = -INFINITY, sum = 0.0;
                for (int u = 0; u <= t; u++) {
                    const double *k = qkv + (b * T + u) * 3 * C + C + h * hs;
                    score[u] = 0.0;
                    for (int i = 0; i < hs; i++) score[u] += q[i] * k[i] / sqrt(hs);
                    max = fmax(max, score[u]);
                }
                for (int u = 0; u <= t; u++) sum += exp(score[u] - max);
                for (int i = 0; i < hs; i++) {
                    double o = 0.0;
                    for (int u = 0; u <= t; u++)
                        o += exp(score[u] - max) / sum * qkv[(b * T + u) * 3 * C + 2 * C + h * hs + i];
                    out[(b * T + t) * C + h * hs + i] = o;
                }
            }
}

static void ref_gelu(double *out, const double *inp, int n)
{
    for (int i = 0; i < n; i++) {
        double x = inp[i];
        out[i] = 0.5 * x * (1.0 + tanh(sqrt(2.0 / 3.14159265358979323846) * (x + 0.044715 * x * x * x)));
    }
}

static double ref_crossentropy(const double *logits, const int *targets, int N, int V)
{
    double total = 0.0;
    for (int n = 0; n < N; n++) {
        const double *z = logits + n * V;
        double max = z[0], sum = 0.0;
        for (int v = 1; v < V; v++) max = fmax(max, z[v]);
        for (int v = 0; v < V; v++) sum += exp(z[v] - max);
        total += log(sum) + max - z[targets[n]];
    }
    return total;
}

/* ---- checking one layer ------------------------------------------------------------------- */

/* One layer under test: its inputs in double, which the finite differences
 * move, and its reference forward pass. The loss whose gradient is checked
 * is sum(dout * out): its gradient is what backward computes from dout. */
typedef struct LayerCase LayerCase;
struct LayerCase {
    const char *layer;
    double *in[3];            /* the inputs that have gradients */
    size_t in_n[3];
    const char *in_name[3];
    int count;
    double *dout;             /* [out_n] */
    size_t out_n;
    void (*ref)(const LayerCase *lc, double *out);
    int B, T, C, NH, OC, V;
    const int *tokens;        /* encoder: the tokens; cross-entropy: the targets */
};

static double ref_loss(const LayerCase *lc)
{
    double *out = malloc(sizeof(double) * lc->out_n), loss = 0.0;
    lc->ref(lc, out);
    for (size_t i = 0; i < lc->out_n; i++) loss += lc->dout[i] * out[i];
    free(out);
    return loss;
}

/* Random doubles that are exactly floats, so the layer and its reference see the same numbers. */
static double *random_doubles(size_t n, double scale, Rng *rng)
{
    double *x = malloc(sizeof(double) * n);
    for (size_t i = 0; i < n; i++) x[i] = (float)(scale * rng_normal(rng));
    return x;
}

static float *to_floats(const double *x, size_t n)
{
    float *f = malloc(sizeof(float) * n);
    for (size_t i = 0; i < n; i++) f[i] = (float)x[i];
    return f;
}

/* Filled with 1, so that backward's "adds into" is tested: 1 is subtracted after. */
static float *ones(size_t n)
{
    float *f = malloc(sizeof(float) * n);
    for (size_t i = 0; i < n; i++) f[i] = 1.0f;
    return f;
}

/* Compares analytic[n] (from backward, 1 subtracted) with the central
 * difference of the reference loss in input k, at every element. In double
 * with h = 1e-6 the difference is exact to about 1e-9; the analytic side is
 * float32, whose rounding over the few dozen terms of these small layers
 * stays below 1e-5 absolute (values are O(1)) and 1e-4 relative. */
static void check_input_grad(LayerCase *lc, int k, const float *analytic)
{
    const double h = 1e-6;
    for (size_t j = 0; j < lc->in_n[k]; j++) {
        double saved = lc->in[k][j];
        lc->in[k][j] = saved + h;
        double up = ref_loss(lc);
        lc->in[k][j] = saved - h;
        double down = ref_loss(lc);
        lc->in[k][j] = saved;
        double numeric = (up - down) / (2 * h), got = (double)analytic[j] - 1.0;
        ck_assert_msg(fabs(got - numeric) <= 1e-5 + 1e-4 * fabs(numeric),
                      "%s: d loss / d %s[%zu]: backward %.9g, finite difference %.9g", lc->layer,
                      lc->in_name[k], j, got, numeric);
    }
}

/* Float forward out[out_n] against the reference: float32 rounding only. */
static void check_forward(const LayerCase *lc, const float *out)
{
    double *ref = malloc(sizeof(double) * lc->out_n);
    lc->ref(lc, ref);
    for (size_t i = 0; i < lc->out_n; i++)
        ck_assert_msg(fabs(out[i] - ref[i]) <= 1e-5 + 1e-5 * fabs(ref[i]), "%s forward [%zu]: %.9g, reference %.9g",
                      lc->layer, i, out[i], ref[i]);
    free(ref);
}

static void free_case(LayerCase *lc)
{
    for (int k = 0; k < lc->count; k++) free(lc->in[k]);
    free(lc->dout);
}

/* sizes of the layer tests: small, with every path (several heads and windows;
 * rows and outputs that are not multiples of the 4 that matmul_backward takes at once) */
enum { TB = 2, TT = 5, TC = 8, TNH = 2, TOC = 13, TV = 7, TN = TB * TT };

static void ref_matmul_case(const LayerCase *lc, double *out)
{
    ref_matmul(out, lc->in[0], lc->in[1], lc->count > 2 ? lc->in[2] : NULL, lc->B * lc->T, lc->C, lc->OC);
}

START_TEST(test_matmul_gradients)
{
    Rng rng;
    rng_seed(&rng, 5, 1);
    for (int with_bias = 0; with_bias <= 1; with_bias++) {
        LayerCase lc = {.layer = with_bias ? "matmul" : "matmul without bias", .count = 2 + with_bias,
                        .B = TB, .T = TT, .C = TC, .OC = TOC, .ref = ref_matmul_case};
        size_t sizes[3] = {TN * TC, TOC * TC, TOC};
        const char *names[3] = {"inp", "weight", "bias"};
        for (int k = 0; k < lc.count; k++) {
            lc.in[k] = random_doubles(sizes[k], 1.0, &rng);
            lc.in_n[k] = sizes[k];
            lc.in_name[k] = names[k];
        }
        lc.out_n = TN * TOC;
        lc.dout = random_doubles(lc.out_n, 1.0, &rng);
        float *inp = to_floats(lc.in[0], sizes[0]), *w = to_floats(lc.in[1], sizes[1]);
        float *b = with_bias ? to_floats(lc.in[2], sizes[2]) : NULL, *out = malloc(sizeof(float) * lc.out_n);
        float *dout = to_floats(lc.dout, lc.out_n);
        matmul_forward(out, inp, w, b, TN, TC, TOC);
        check_forward(&lc, out);
        float *dinp = ones(sizes[0]), *dw = ones(sizes[1]), *db = with_bias ? ones(sizes[2]) : NULL;
        matmul_backward(dinp, dw, db, dout, inp, w, TN, TC, TOC);
        check_input_grad(&lc, 0, dinp);
        check_input_grad(&lc, 1, dw);
        if (with_bias) check_input_grad(&lc, 2, db);
        free(inp), free(w), free(b), free(out), free(dout), free(dinp), free(dw), free(db);
        free_case(&lc);
    }
}
END_TEST

static void ref_layernorm_case(const LayerCase *lc, double *out)
{
    ref_layernorm(out, lc->in[0], lc->in[1], lc->in[2], lc->B * lc->T, lc->C);
}

START_TEST(test_layernorm_gradients)
{
    Rng rng;
    rng_seed(&rng, 6, 1);
    LayerCase lc = {.layer = "layernorm", .count = 3, .B = TB, .T = TT, .C = TC, .ref = ref_layernorm_case,
                    .in_n = {TN * TC, TC, TC}, .in_name = {"inp", "weight", "bias"}, .out_n = TN * TC};
    lc.in[0] = random_doubles(TN * TC, 2.0, &rng);
    lc.in[1] = random_doubles(TC, 1.0, &rng);
    lc.in[2] = random_doubles(TC, 1.0, &rng);
    lc.dout = random_doubles(lc.out_n, 1.0, &rng);
    float *inp = to_floats(lc.in[0], TN * TC), *w = to_floats(lc.in[1], TC), *b = to_floats(lc.in[2], TC);
    float *out = malloc(sizeof(float) * TN * TC), mean[TN], rstd[TN], *dout = to_floats(lc.dout, lc.out_n);
    layernorm_forward(out, mean, rstd, inp, w, b, TN, TC);
    check_forward(&lc, out);
    float *dinp = ones(TN * TC), *dw = ones(TC), *db = ones(TC);
    layernorm_backward(dinp, dw, db, dout, inp, w, mean, rstd, TN, TC);
    check_input_grad(&lc, 0, dinp);
    check_input_grad(&lc, 1, dw);
    check_input_grad(&lc, 2, db);
    free(inp), free(w), free(b), free(out), free(dout), free(dinp), free(dw), free(db);
    free_case(&lc);
}
END_TEST

static void ref_attention_case(const LayerCase *lc, double *out)
{
    ref_attention(out, lc->in[0], lc->B, lc->T, lc->C, lc->NH);
}

START_TEST(test_attention_gradients)
{
    Rng rng;
    rng_seed(&rng, 7, 1);
    LayerCase lc = {.layer = "attention", .count = 1, .B = TB, .T = TT, .C = TC, .NH = TNH,
                    .ref = ref_attention_case, .in_n = {TN * 3 * TC}, .in_name = {"qkv"}, .out_n = TN * TC};
    lc.in[0] = random_doubles(lc.in_n[0], 1.0, &rng);
    lc.dout = random_doubles(lc.out_n, 1.0, &rng);
    float *qkv = to_floats(lc.in[0], lc.in_n[0]), *out = malloc(sizeof(float) * lc.out_n);
    float *att = malloc(sizeof(float) * TB * TNH * TT * TT), *dout = to_floats(lc.dout, lc.out_n);
    attention_forward(out, att, qkv, TB, TT, TC, TNH);
    check_forward(&lc, out);
    /* each row of attention weights is a distribution over the past only */
    for (int r = 0; r < TB * TNH * TT; r++) {
        int t = r % TT;
        double sum = 0.0;
        for (int u = 0; u < TT; u++) {
            if (u > t) ck_assert_float_eq(att[r * TT + u], 0.0f);
            sum += att[r * TT + u];
        }
        ck_assert_close(sum, 1.0, 1e-6, 0);
    }
    float *dqkv = ones(lc.in_n[0]);
    attention_backward(dqkv, dout, qkv, att, TB, TT, TC, TNH);
    check_input_grad(&lc, 0, dqkv);
    free(qkv), free(out), free(att), free(dout), free(dqkv);
    free_case(&lc);
}
END_TEST

static void ref_gelu_case(const LayerCase *lc, double *out)
{
    ref_gelu(out, lc->in[0], (int)lc->in_n[0]);
}

START_TEST(test_gelu_gradients)
{
    Rng rng;
    rng_seed(&rng, 8, 1);
    enum { n = 200 };
    LayerCase lc = {.layer = "gelu", .count = 1, .ref = ref_gelu_case, .in_n = {n}, .in_name = {"inp"}, .out_n = n};
    lc.in[0] = random_doubles(n, 3.0, &rng);
    lc.in[0][0] = 0.0, lc.in[0][1] = 30.0, lc.in[0][2] = -30.0;   /* where tanh saturates */
    lc.dout = random_doubles(n, 1.0, &rng);
    float *inp = to_floats(lc.in[0], n), out[n], *dout = to_floats(lc.dout, n), *dinp = ones(n);
    gelu_forward(out, inp, n);
    check_forward(&lc, out);
    ck_assert_float_eq(out[1], 30.0f);
    ck_assert_float_eq(out[2], -0.0f);
    gelu_backward(dinp, inp, dout, n);
    check_input_grad(&lc, 0, dinp);
    free(inp), free(dout), free(dinp);
    free_case(&lc);
}
END_TEST

static void ref_encoder_case(const LayerCase *lc, double *out)
{
    ref_encoder(out, lc->tokens, lc->in[0], lc->in[1], lc->B, lc->T, lc->C);
}

START_TEST(test_encoder_gradients)
{
    Rng rng;
    rng_seed(&rng, 9, 1);
    int tokens[TN] = {0, 3, 3, 6, 1, 2, 3, 0, 0, 5};   /* repeats: their gradients add */
    LayerCase lc = {.layer = "encoder", .count = 2, .B = TB, .T = TT, .C = TC, .tokens = tokens,
                    .ref = ref_encoder_case, .in_n = {TV * TC, TT * TC}, .in_name = {"wte", "wpe"},
                    .out_n = TN * TC};
    lc.in[0] = random_doubles(lc.in_n[0], 1.0, &rng);
    lc.in[1] = random_doubles(lc.in_n[1], 1.0, &rng);
    lc.dout = random_doubles(lc.out_n, 1.0, &rng);
    float *wte = to_floats(lc.in[0], lc.in_n[0]), *wpe = to_floats(lc.in[1], lc.in_n[1]);
    float *out = malloc(sizeof(float) * lc.out_n), *dout = to_floats(lc.dout, lc.out_n);
    encoder_forward(out, tokens, wte, wpe, TB, TT, TC);
    check_forward(&lc, out);
    float *dwte = ones(lc.in_n[0]), *dwpe = ones(lc.in_n[1]);
    encoder_backward(dwte, dwpe, dout, tokens, TB, TT, TC);
    check_input_grad(&lc, 0, dwte);
    check_input_grad(&lc, 1, dwpe);
    free(wte), free(wpe), free(out), free(dout), free(dwte), free(dwpe);
    free_case(&lc);
}
END_TEST

static void ref_crossentropy_case(const LayerCase *lc, double *out)
{
    out[0] = ref_crossentropy(lc->in[0], lc->tokens, lc->B * lc->T, lc->V);
}

START_TEST(test_crossentropy_gradients)
{
    Rng rng;
    rng_seed(&rng, 10, 1);
    int targets[TN] = {0, 6, 3, 3, 1, 2, 5, 4, 0, 6};
    LayerCase lc = {.layer = "cross-entropy", .count = 1, .B = TB, .T = TT, .V = TV, .tokens = targets,
                    .ref = ref_crossentropy_case, .in_n = {TN * TV}, .in_name = {"logits"}, .out_n = 1};
    lc.in[0] = random_doubles(lc.in_n[0], 3.0, &rng);
    lc.in[0][0] = 80.0;   /* large logits: the shift by the maximum keeps exp finite */
    lc.dout = malloc(sizeof(double));
    lc.dout[0] = 0.7;     /* dloss */
    float *logits = to_floats(lc.in[0], lc.in_n[0]), *dlogits = ones(lc.in_n[0]);
    double loss = crossentropy_forward_backward(dlogits, logits, targets, TN, TV, 0.7f);
    ck_assert_close(loss, ref_crossentropy(lc.in[0], targets, TN, TV), 1e-5, 1e-6);
    ck_assert_close(crossentropy_forward_backward(NULL, logits, targets, TN, TV, 0.7f), loss, 0, 0);
    check_input_grad(&lc, 0, dlogits);
    free(logits), free(dlogits);
    free_case(&lc);
}
END_TEST

START_TEST(test_residual_forward)
{
    float a[3] = {1, -2, 0.5f}, b[3] = {3, 2, 0.25f}, out[3];
    residual_forward(out, a, b, 3);
    ck_assert_float_eq(out[0], 4.0f);
    ck_assert_float_eq(out[1], 0.0f);
    ck_assert_float_eq(out[2], 0.75f);
}
END_TEST

/* ---- the whole model ---------------------------------------------------------------------- */

/* The model's parameters in double, and the windows it is checked on. */
typedef struct {
    const Problem *p;
    const GPTConfig *cfg;
    double *theta;        /* all parameters, in the ParamList's order */
    size_t *offset;       /* offset[i]: where parameter i starts in theta */
    int B;
    int *tokens, *targets;
} RefModel;

static const double *param(const RefModel *m, const char *name)
{
    int i = paramlist_find(&m->p->params, name);
    ck_assert_msg(i >= 0, "no parameter %s", name);
    return m->theta + m->offset[i];
}

static const double *block_param(const RefModel *m, int l, const char *name)
{
    char full[TENSOR_NAME_LEN];
    snprintf(full, sizeof full, "h.%d.%s", l, name);
    return param(m, full);
}

/* The mean cross-entropy of the model on m's windows, all in double,
 * written from gpt.h's description (not from gpt.c). */
static double ref_model_loss(const RefModel *m)
{
    int T = m->cfg->block_size, C = m->cfg->n_embd, NH = m->cfg->n_head, N = m->B * T, V = CHARLANG_VOCAB;
    double *x = malloc(sizeof(double) * N * C), *ln = malloc(sizeof(double) * N * C);
    double *qkv = malloc(sizeof(double) * N * 3 * C), *y = malloc(sizeof(double) * N * C);
    double *h = malloc(sizeof(double) * N * 4 * C), *hg = malloc(sizeof(double) * N * 4 * C);
    double *branch = malloc(sizeof(double) * N * C), *logits = malloc(sizeof(double) * N * V);
    ref_encoder(x, m->tokens, param(m, "wte.weight"), param(m, "wpe.weight"), m->B, T, C);
    for (int l = 0; l < m->cfg->n_layer; l++) {
        ref_layernorm(ln, x, block_param(m, l, "ln_1.weight"), block_param(m, l, "ln_1.bias"), N, C);
        ref_matmul(qkv, ln, block_param(m, l, "attn.c_attn.weight"), block_param(m, l, "attn.c_attn.bias"), N, C, 3 * C);
        ref_attention(y, qkv, m->B, T, C, NH);
        ref_matmul(branch, y, block_param(m, l, "attn.c_proj.weight"), block_param(m, l, "attn.c_proj.bias"), N, C, C);
        for (int i = 0; i < N * C; i++) x[i] += branch[i];
        ref_layernorm(ln, x, block_param(m, l, "ln_2.weight"), block_param(m, l, "ln_2.bias"), N, C);
        ref_matmul(h, ln, block_param(m, l, "mlp.c_fc.weight"), block_param(m, l, "mlp.c_fc.bias"), N, C, 4 * C);
        ref_gelu(hg, h, N * 4 * C);
        ref_matmul(branch, hg, block_param(m, l, "mlp.c_proj.weight"), block_param(m, l, "mlp.c_proj.bias"), N, 4 * C, C);
        for (int i = 0; i < N * C; i++) x[i] += branch[i];
    }
    ref_layernorm(ln, x, param(m, "ln_f.weight"), param(m, "ln_f.bias"), N, C);
    ref_matmul(logits, ln, param(m, "wte.weight"), NULL, N, C, V);   /* tied */
    double loss = ref_crossentropy(logits, m->targets, N, V) / N;
    free(x), free(ln), free(qkv), free(y), free(h), free(hg), free(branch), free(logits);
    return loss;
}

/* Checks p's gradient on the training windows idx[B] against central
 * differences of the double reference, at `per_tensor` coordinates of every
 * parameter (its first, its last, and random ones). The analytic gradient is
 * a float32 sum over B*T positions, each term with rounding of ~1e-7 of its
 * size; gradients here are 1e-4..1e-1, so 2e-6 absolute plus 1e-3 relative
 * is float32's margin, and far below a wrong term (a missing path through
 * the tied wte, a wrong causal mask) would leave. */
static void check_model_grads(Problem *p, const int *idx, int B, int per_tensor)
{
    const GPTConfig *cfg = gpt_config(p);
    int T = cfg->block_size, count = p->params.count;
    RefModel m = {p, cfg, malloc(sizeof(double) * paramlist_numel(&p->params)), malloc(sizeof(size_t) * count),
                  B, malloc(sizeof(int) * B * T), malloc(sizeof(int) * B * T)};
    size_t len;
    const unsigned char *text = gpt_text(p, 0, &len);
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            m.tokens[b * T + t] = text[(size_t)idx[b] * T + t];
            m.targets[b * T + t] = text[(size_t)idx[b] * T + t + 1];
        }
    size_t at = 0;
    for (int i = 0; i < count; i++) {
        m.offset[i] = at;
        for (size_t j = 0; j < p->params.params[i]->numel; j++) m.theta[at++] = p->params.params[i]->data[j];
    }
    double loss = p->loss_and_grad(p, idx, B);
    ck_assert_close(loss, ref_model_loss(&m), 1e-5, 1e-5);
    Rng rng;
    rng_seed(&rng, 3, 1);
    for (int i = 0; i < count; i++) {
        const Tensor *g = p->params.grads[i];
        for (int s = 0; s < per_tensor; s++) {
            size_t j = s == 0 ? 0 : s == 1 ? g->numel - 1 : rng_below(&rng, (uint32_t)g->numel);
            double *x = m.theta + m.offset[i] + j, saved = *x, h = 1e-5;
            *x = saved + h;
            double up = ref_model_loss(&m);
            *x = saved - h;
            double down = ref_model_loss(&m);
            *x = saved;
            double numeric = (up - down) / (2 * h), got = g->data[j];
            ck_assert_msg(fabs(got - numeric) <= 2e-6 + 1e-3 * fabs(numeric),
                          "d loss / d %s[%zu]: backward %.9g, finite difference %.9g", g->name, j, got, numeric);
        }
    }
    free(m.theta), free(m.offset), free(m.tokens), free(m.targets);
}

/* Moves every parameter away from its initialisation (LayerNorm gains off
 * 1, biases off 0), so that no term of the gradient hides behind a zero. */
static void perturb(Problem *p, double scale, uint64_t seed)
{
    Rng rng;
    rng_seed(&rng, seed, 2);
    for (int i = 0; i < p->params.count; i++)
        for (size_t j = 0; j < p->params.params[i]->numel; j++)
            p->params.params[i]->data[j] += (float)(scale * rng_normal(&rng));
}

START_TEST(test_model_gradient_quick)
{
    GPTConfig cfg = GPT_QUICK;
    Problem *p = gpt_for_test(&cfg, 3);
    perturb(p, 0.3, 1);
    /* 70 windows of 8: more than one pass of 64 windows, whose gradients must add up */
    int idx[70];
    for (int i = 0; i < 70; i++) idx[i] = (37 * i + 5) % cfg.train_windows;
    check_model_grads(p, idx, 70, 4);
    problem_free(p);
}
END_TEST

START_TEST(test_model_gradient_default_size)
{
    GPTConfig cfg = GPT_DEFAULTS;
    Problem *p = gpt_for_test(&cfg, 4);
    perturb(p, 0.1, 2);
    int idx[2] = {17, 4000};
    check_model_grads(p, idx, 2, 2);
    problem_free(p);
}
END_TEST

void add_gpt_gradient_tests(TCase *core);
void add_gpt_gradient_tests(TCase *core)
{
    tcase_add_test(core, test_matmul_gradients);
    tcase_add_test(core, test_layernorm_gradients);
    tcase_add_test(core, test_attention_gradients);
    tcase_add_test(core, test_gelu_gradients);
    tcase_add_test(core, test_encoder_gradients);
    tcase_add_test(core, test_crossentropy_gradients);
    tcase_add_test(core, test_residual_forward);
    tcase_add_test(core, test_model_gradient_quick);
    tcase_add_test(core, test_model_gradient_default_size);
}
