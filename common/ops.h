/* ops.h - the arithmetic the problems need: elementwise ops, dot and norm,
 * matrix multiplication, and softmax with cross-entropy.
 *
 * Element-wise work is done in float32, like the tensors. Reductions (dot,
 * norm, losses) accumulate in double so that a sum over thousands of terms
 * does not lose the digits the experiments print. */
#ifndef COMMON_OPS_H
#define COMMON_OPS_H

#include <stdbool.h>
#include <stddef.h>

#include "tensor.h"

void tensor_fill(Tensor *t, float value);
void tensor_copy(Tensor *dst, const Tensor *src);             /* same numel */
void tensor_scale(Tensor *t, float s);                        /* t *= s */
void tensor_axpy(Tensor *y, float a, const Tensor *x);        /* y += a*x */
void tensor_add(Tensor *out, const Tensor *a, const Tensor *b);
void tensor_mul(Tensor *out, const Tensor *a, const Tensor *b);
double tensor_dot(const Tensor *a, const Tensor *b);
double tensor_norm(const Tensor *t);                          /* L2 norm */
bool tensor_all_finite(const Tensor *t);

/* The same on plain arrays of n floats. */
double vec_dot(const float *a /* [n] */, const float *b /* [n] */, size_t n);
double vec_norm(const float *a /* [n] */, size_t n);
bool vec_all_finite(const float *a /* [n] */, size_t n);

/* C[M x N] = op(A) * op(B)  (+ C when accumulate), all row-major.
 * op(A) is M x K: A is stored M x K, or K x M when trans_a.
 * op(B) is K x N: B is stored K x N, or N x K when trans_b.
 * Backpropagation needs all three forms: X W^T, G^T X and G W. */
void matmul(int M, int N, int K,
            const float *A /* [M * K] */, bool trans_a,
            const float *B /* [K * N] */, bool trans_b,
            float *C /* [M * N] */, bool accumulate);

/* Mean cross-entropy of the softmax of `logits` (rows x classes) against the
 * integer labels, computed stably by subtracting each row's maximum.
 * When dlogits is not NULL it receives d(mean loss)/d(logits), which is
 * (softmax - one_hot) / rows. */
double softmax_cross_entropy(const float *logits /* [rows * classes] */, const int *labels /* [rows] */,
                             int rows, int classes, float *dlogits /* [rows * classes] or NULL */);

#endif
