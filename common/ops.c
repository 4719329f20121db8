/* ops.c - elementwise ops, reductions, matmul and softmax cross-entropy. */
#include "ops.h"

#include <math.h>

void tensor_fill(Tensor *t, float value)
{
    for (size_t i = 0; i < t->numel; i++) t->data[i] = value;
}

void tensor_copy(Tensor *dst, const Tensor *src)
{
    for (size_t i = 0; i < dst->numel && i < src->numel; i++) dst->data[i] = src->data[i];
}

void tensor_scale(Tensor *t, float s)
{
    for (size_t i = 0; i < t->numel; i++) t->data[i] *= s;
}

void tensor_axpy(Tensor *y, float a, const Tensor *x)
{
    for (size_t i = 0; i < y->numel; i++) y->data[i] += a * x->data[i];
}

void tensor_add(Tensor *out, const Tensor *a, const Tensor *b)
{
    for (size_t i = 0; i < out->numel; i++) out->data[i] = a->data[i] + b->data[i];
}

void tensor_mul(Tensor *out, const Tensor *a, const Tensor *b)
{
    for (size_t i = 0; i < out->numel; i++) out->data[i] = a->data[i] * b->data[i];
}

double vec_dot(const float *a, const float *b, size_t n)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) sum += (double)a[i] * (double)b[i];
    return sum;
}

double vec_norm(const float *a, size_t n)
{
    return sqrt(vec_dot(a, a, n));
}

bool vec_all_finite(const float *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(a[i])) return false;
    return true;
}

double tensor_dot(const Tensor *a, const Tensor *b)
{
    return vec_dot(a->data, b->data, a->numel < b->numel ? a->numel : b->numel);
}

double tensor_norm(const Tensor *t)
{
    return vec_norm(t->data, t->numel);
}

bool tensor_all_finite(const Tensor *t)
{
    return vec_all_finite(t->data, t->numel);
}

void matmul(int M, int N, int K,
            const float *A, bool trans_a,
            const float *B, bool trans_b,
            float *C, bool accumulate)
{
    for (int i = 0; i < M; i++) {
        for (int j = 0; j < N; j++) {
            float sum = 0.0f;
            for (int k = 0; k < K; k++) {
                float a = trans_a ? A[(size_t)k * M + i] : A[(size_t)i * K + k];
                float b = trans_b ? B[(size_t)j * K + k] : B[(size_t)k * N + j];
                sum += a * b;
            }
            C[(size_t)i * N + j] = accumulate ? C[(size_t)i * N + j] + sum : sum;
        }
    }
}

double softmax_cross_entropy(const float *logits, const int *labels,
                             int rows, int classes, float *dlogits)
{
    double total = 0.0;
    for (int r = 0; r < rows; r++) {
        const float *z = logits + (size_t)r * classes;
        float zmax = z[0];
        for (int c = 1; c < classes; c++)
            if (z[c] > zmax) zmax = z[c];
        double sum_exp = 0.0;
        for (int c = 0; c < classes; c++) sum_exp += exp((double)(z[c] - zmax));
        double log_sum_exp = log(sum_exp) + zmax;
        /* -log softmax(z)[label] = logsumexp(z) - z[label] */
        total += log_sum_exp - z[labels[r]];
        if (dlogits) {
            float *dz = dlogits + (size_t)r * classes;
            for (int c = 0; c < classes; c++) {
                double p = exp((double)z[c] - log_sum_exp);
                dz[c] = (float)((p - (c == labels[r] ? 1.0 : 0.0)) / rows);
            }
        }
    }
    return total / rows;
}
