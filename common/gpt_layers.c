/* gpt_layers.c - the tiny GPT's layers, forward and backward (see
 * gpt_layers.h).
 *
 * Where the time goes (`make bench` measures it; a step is the forward and
 * backward pass on 16 windows of 32 characters at the default size, about
 * 20 ms on one core of the AMD EPYC server this was written on, -O2):
 *   the linear layers (matmul_*)   ~70%   90% of the arithmetic; backward 1.5x forward
 *   GELU                           ~16%   one exp per element each way: cheap
 *                                         arithmetic, but no SIMD for exp at -O2
 *   attention                       ~8%   T = 32 keeps its T^2 small
 *   LayerNorm, embeddings, the residual and the loss: the rest.
 * So the loops that matter are written for the compiler: every inner loop
 * works on blocks of 8 contiguous floats through dot(), axpy() and axpy4()
 * below, which gcc -O2 turns into SIMD instructions (it vectorises a loop
 * only when its trip count is a known multiple of the vector width, and
 * `restrict` tells it the arrays do not overlap). No intrinsics, no threads. */
#include "gpt_layers.h"

#include <math.h>
#include <string.h>

/* a . b over n floats, with 8 partial sums so the 8 products of a block are
 * independent (and vectorised); the rest one by one. */
static inline float dot(const float *restrict a, const float *restrict b, int n)
{
    float acc[8] = {0};
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int u = 0; u < 8; u++) acc[u] += a[i + u] * b[i + u];
    float sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; i < n; i++) sum += a[i] * b[i];
    return sum;
}

/* y += alpha * x over n floats, in blocks of 8. */
static inline void axpy(float *restrict y, float alpha, const float *restrict x, int n)
{
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int u = 0; u < 8; u++) y[i + u] += alpha * x[i + u];
    for (; i < n; i++) y[i] += alpha * x[i];
}

/* y += a[0] x0 + a[1] x1 + a[2] x2 + a[3] x3: four axpys in one pass, so y
 * is loaded and stored once for four rows instead of once for each. */
static inline void axpy4(float *restrict y, const float a[4], const float *restrict x0, const float *restrict x1,
                         const float *restrict x2, const float *restrict x3, int n)
{
    float a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int u = 0; u < 8; u++) y[i + u] += a0 * x0[i + u] + a1 * x1[i + u] + a2 * x2[i + u] + a3 * x3[i + u];
    for (; i < n; i++) y[i] += a0 * x0[i] + a1 * x1[i] + a2 * x2[i] + a3 * x3[i];
}

/* ---- embeddings ------------------------------------------------------------ */

void encoder_forward(float *out, const int *tokens, const float *wte, const float *wpe, int B, int T, int C)
{
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            float *o = out + ((size_t)b * T + t) * C;
            const float *tok = wte + (size_t)tokens[b * T + t] * C, *pos = wpe + (size_t)t * C;
            for (int c = 0; c < C; c++) o[c] = tok[c] + pos[c];
        }
}

void encoder_backward(float *dwte, float *dwpe, const float *dout, const int *tokens, int B, int T, int C)
{
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            const float *d = dout + ((size_t)b * T + t) * C;
            axpy(dwte + (size_t)tokens[b * T + t] * C, 1.0f, d, C);
            axpy(dwpe + (size_t)t * C, 1.0f, d, C);
        }
}

/* ---- LayerNorm -------------------------------------------------------------- */

void layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *weight,
                       const float *bias, int N, int C)
{
    for (int n = 0; n < N; n++) {
        const float *x = inp + (size_t)n * C;
        float *o = out + (size_t)n * C;
        float m = 0.0f;
        for (int c = 0; c < C; c++) m += x[c];
        m /= C;
        float var = 0.0f;   /* biased variance, as nn.LayerNorm */
        for (int c = 0; c < C; c++) var += (x[c] - m) * (x[c] - m);
        var /= C;
        float s = 1.0f / sqrtf(var + LAYERNORM_EPS);
        for (int c = 0; c < C; c++) o[c] = (x[c] - m) * s * weight[c] + bias[c];
        mean[n] = m;
        rstd[n] = s;
    }
}

/* With xhat = (x - mean) * rstd and g = dout * weight, the gradient through
 * the normalisation is rstd * (g - mean(g) - xhat * mean(g * xhat)): the two
 * means are what subtracting the mean and dividing by the std take back. */
void layernorm_backward(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                        const float *weight, const float *mean, const float *rstd, int N, int C)
{
    for (int n = 0; n < N; n++) {
        const float *x = inp + (size_t)n * C, *d = dout + (size_t)n * C;
        float *dx = dinp + (size_t)n * C;
        float g_mean = 0.0f, gx_mean = 0.0f;
        for (int c = 0; c < C; c++) {
            float xhat = (x[c] - mean[n]) * rstd[n], g = d[c] * weight[c];
            g_mean += g;
            gx_mean += g * xhat;
            dbias[c] += d[c];
            dweight[c] += d[c] * xhat;
        }
        g_mean /= C;
        gx_mean /= C;
        for (int c = 0; c < C; c++) {
            float xhat = (x[c] - mean[n]) * rstd[n], g = d[c] * weight[c];
            dx[c] += rstd[n] * (g - g_mean - xhat * gx_mean);
        }
    }
}

/* ---- linear layers ------------------------------------------------------------ */

void matmul_forward(float *out, const float *inp, const float *weight, const float *bias, int N, int C, int OC)
{
    for (int n = 0; n < N; n++) {
        const float *x = inp + (size_t)n * C;
        float *o = out + (size_t)n * OC;
        for (int oc = 0; oc < OC; oc++) o[oc] = (bias ? bias[oc] : 0.0f) + dot(x, weight + (size_t)oc * C, C);
    }
}

/* dinp += dout weight, dweight += dout^T inp, dbias += column sums of dout.
 * Both products go four rows at a time (axpy4): the row being added to
 * stays in registers and cache for four updates instead of one. */
void matmul_backward(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                     const float *weight, int N, int C, int OC)
{
    for (int n = 0; n < N; n++) {
        const float *d = dout + (size_t)n * OC;
        float *dx = dinp + (size_t)n * C;
        int oc = 0;
        for (; oc + 4 <= OC; oc += 4) {
            const float *w = weight + (size_t)oc * C;
            axpy4(dx, d + oc, w, w + C, w + 2 * C, w + 3 * C, C);
        }
        for (; oc < OC; oc++) axpy(dx, d[oc], weight + (size_t)oc * C, C);
        if (dbias) axpy(dbias, 1.0f, d, OC);
    }
    int n = 0;
    for (; n + 4 <= N; n += 4) {
        const float *x = inp + (size_t)n * C, *d = dout + (size_t)n * OC;
        for (int oc = 0; oc < OC; oc++) {
            float a[4] = {d[oc], d[OC + oc], d[2 * OC + oc], d[3 * OC + oc]};
            axpy4(dweight + (size_t)oc * C, a, x, x + C, x + 2 * C, x + 3 * C, C);
        }
    }
    for (; n < N; n++)
        for (int oc = 0; oc < OC; oc++)
            axpy(dweight + (size_t)oc * C, dout[(size_t)n * OC + oc], inp + (size_t)n * C, C);
}

/* ---- attention ---------------------------------------------------------------- */

void attention_forward(float *out, float *att, const float *qkv, int B, int T, int C, int NH)
{
    int hs = C / NH;   /* channels per head */
    float scale = 1.0f / sqrtf((float)hs);
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++)
            for (int t = 0; t < T; t++) {
                const float *q = qkv + ((size_t)b * T + t) * 3 * C + h * hs;
                float *a = att + (((size_t)b * NH + h) * T + t) * T;
                /* scores against keys 0..t, then their softmax */
                float max = -INFINITY;
                for (int t2 = 0; t2 <= t; t2++) {
                    const float *k = qkv + ((size_t)b * T + t2) * 3 * C + C + h * hs;
                    a[t2] = dot(q, k, hs) * scale;
                    if (a[t2] > max) max = a[t2];
                }
                float sum = 0.0f;
                for (int t2 = 0; t2 <= t; t2++) {
                    a[t2] = expf(a[t2] - max);
                    sum += a[t2];
                }
                for (int t2 = 0; t2 <= t; t2++) a[t2] /= sum;
                for (int t2 = t + 1; t2 < T; t2++) a[t2] = 0.0f;   /* the future is masked */
                /* the weighted sum of the values */
                float *o = out + ((size_t)b * T + t) * C + h * hs;
                memset(o, 0, sizeof(float) * (size_t)hs);
                for (int t2 = 0; t2 <= t; t2++)
                    axpy(o, a[t2], qkv + ((size_t)b * T + t2) * 3 * C + 2 * C + h * hs, hs);
            }
}

/* Backward through out_t = sum att v, att = softmax(scores), scores = q.k * scale:
 * datt = dout . v; dscores = att * (datt - sum(att * datt)) (the softmax's
 * Jacobian); then dq, dk, dv by the chain rule. */
void attention_backward(float *dqkv, const float *dout, const float *qkv, const float *att,
                        int B, int T, int C, int NH)
{
    int hs = C / NH;
    float scale = 1.0f / sqrtf((float)hs);
    float datt[GPT_MAX_BLOCK_SIZE];
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++)
            for (int t = 0; t < T; t++) {
                const float *a = att + (((size_t)b * NH + h) * T + t) * T;
                const float *d = dout + ((size_t)b * T + t) * C + h * hs;
                const float *q = qkv + ((size_t)b * T + t) * 3 * C + h * hs;
                float *dq = dqkv + ((size_t)b * T + t) * 3 * C + h * hs;
                float weighted = 0.0f;
                for (int t2 = 0; t2 <= t; t2++) {
                    const float *v = qkv + ((size_t)b * T + t2) * 3 * C + 2 * C + h * hs;
                    datt[t2] = dot(d, v, hs);
                    weighted += a[t2] * datt[t2];
                    axpy(dqkv + ((size_t)b * T + t2) * 3 * C + 2 * C + h * hs, a[t2], d, hs);   /* dv */
                }
                for (int t2 = 0; t2 <= t; t2++) {
                    float dscore = a[t2] * (datt[t2] - weighted) * scale;
                    const float *k = qkv + ((size_t)b * T + t2) * 3 * C + C + h * hs;
                    axpy(dq, dscore, k, hs);
                    axpy(dqkv + ((size_t)b * T + t2) * 3 * C + C + h * hs, dscore, q, hs);   /* dk */
                }
            }
}

/* ---- GELU and the residual ------------------------------------------------------ */

#define GELU_SCALE 0.7978845608028654f   /* sqrt(2/pi) */

/* tanh(u) = 1 - 2 / (exp(2u) + 1): the same number to float precision, and
 * about three times faster than glibc's tanhf, which made GELU the slowest
 * layer of the model. Exact at both ends: exp overflows to inf (tanh = 1) or
 * underflows to 0 (tanh = -1). */
static inline float fast_tanh(float u)
{
    return 1.0f - 2.0f / (expf(2.0f * u) + 1.0f);
}

void gelu_forward(float *out, const float *inp, int n)
{
    for (int i = 0; i < n; i++) {
        float x = inp[i];
        out[i] = 0.5f * x * (1.0f + fast_tanh(GELU_SCALE * (x + 0.044715f * x * x * x)));
    }
}

void gelu_backward(float *dinp, const float *inp, const float *dout, int n)
{
    for (int i = 0; i < n; i++) {
        float x = inp[i];
        float th = fast_tanh(GELU_SCALE * (x + 0.044715f * x * x * x));
        float dth = (1.0f - th * th) * GELU_SCALE * (1.0f + 3.0f * 0.044715f * x * x);
        dinp[i] += (0.5f * (1.0f + th) + 0.5f * x * dth) * dout[i];
    }
}

void residual_forward(float *out, const float *a, const float *b, int n)
{
    for (int i = 0; i < n; i++) out[i] = a[i] + b[i];
}

/* ---- the loss --------------------------------------------------------------------- */

double crossentropy_forward_backward(float *dlogits, const float *logits, const int *targets,
                                     int N, int V, float dloss)
{
    double total = 0.0;
    for (int n = 0; n < N; n++) {
        const float *z = logits + (size_t)n * V;
        float max = z[0];
        for (int v = 1; v < V; v++)
            if (z[v] > max) max = z[v];
        /* -log softmax(z)[y] = log sum exp(z - max) - (z[y] - max), stable for any z */
        float sum = 0.0f;
        for (int v = 0; v < V; v++) sum += expf(z[v] - max);
        total += logf(sum) - (z[targets[n]] - max);
        if (!dlogits) continue;
        float *dz = dlogits + (size_t)n * V;
        for (int v = 0; v < V; v++) dz[v] += dloss * (expf(z[v] - max) / sum - (v == targets[n]));
    }
    return total;
}
