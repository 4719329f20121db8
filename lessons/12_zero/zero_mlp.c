/* zero_mlp.c - the digits MLP's forward and backward pass, one layer at a
 * time, on a ZeRO rank (zero_mlp.h). */
#include "zero_mlp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

enum { FC1, FC2 };   /* the layers, in the layout's order */

int zero_mlp_init(ZeroMlp *m, const Dataset *train, int hidden, int max_rows)
{
    memset(m, 0, sizeof *m);
    MemoryLedger *ledger = &m->ledger;
    m->hidden = hidden;
    m->max_rows = max_rows;
    m->train = train;
    m->x = tensor_new_2d(ledger, "x", TAG_ACTIVATION, max_rows, DIGITS_FEATURES);
    m->h = tensor_new_2d(ledger, "h", TAG_ACTIVATION, max_rows, hidden);
    m->logits = tensor_new_2d(ledger, "logits", TAG_ACTIVATION, max_rows, DIGITS_CLASSES);
    m->dlogits = tensor_new_2d(ledger, "dlogits", TAG_ACTIVATION, max_rows, DIGITS_CLASSES);
    m->dh = tensor_new_2d(ledger, "dh", TAG_ACTIVATION, max_rows, hidden);
    m->labels = malloc(sizeof(int) * (size_t)max_rows);
    if (!m->x || !m->h || !m->logits || !m->dlogits || !m->dh || !m->labels) {
        zero_mlp_free(m);
        return -1;
    }
    return 0;
}

void zero_mlp_free(ZeroMlp *m)
{
    tensor_free(m->x);
    tensor_free(m->h);
    tensor_free(m->logits);
    tensor_free(m->dlogits);
    tensor_free(m->dh);
    free(m->labels);
    memset(m, 0, sizeof *m);
}

/* out = in W^T + b for a layer whose flat buffer holds W [out x in] then b.
 * in[n x in_dim], out[n x out_dim] */
static void linear_forward(const float *layer, int in_dim, int out_dim, const float *in, int n,
                           float *out)
{
    const float *bias = layer + (size_t)out_dim * in_dim;
    matmul(n, out_dim, in_dim, in, false, layer, true, out, false);
    for (int r = 0; r < n; r++)
        for (int o = 0; o < out_dim; o++) out[(size_t)r * out_dim + o] += bias[o];
}

/* The layer's gradient into grad (dW [out x in] then db [out]) from
 * dout[n x out_dim] and the layer's input in[n x in_dim]. */
static void linear_backward(float *grad, int in_dim, int out_dim, const float *in, int n,
                            const float *dout)
{
    float *bias_grad = grad + (size_t)out_dim * in_dim;
    matmul(out_dim, in_dim, n, dout, true, in, false, grad, false);
    for (int o = 0; o < out_dim; o++) {
        float sum = 0.0f;
        for (int r = 0; r < n; r++) sum += dout[(size_t)r * out_dim + o];
        bias_grad[o] = sum;
    }
}

/* snippet: zero_mlp_pass, shown in 12_zero */
double zero_mlp_loss_and_grad(ZeroMlp *m, ZeroRank *r, const int *idx, int rows,
                              int global_rows)
{
    int hidden = m->hidden;
    float *x = m->x->data, *h = m->h->data, *dlogits = m->dlogits->data, *dh = m->dh->data;
    for (int i = 0; i < rows; i++) {
        const float *example = m->train->x + (size_t)idx[i] * DIGITS_FEATURES;
        memcpy(x + (size_t)i * DIGITS_FEATURES, example, sizeof(float) * DIGITS_FEATURES);
        m->labels[i] = m->train->y[idx[i]];
    }
    /* Forward: each layer's weights are fetched just before they are used
     * (gathered, at stage 3) and released right after. */
    Tensor *gathered;
    const float *fc1 = zero_fetch_layer(r, FC1, &gathered);
    linear_forward(fc1, DIGITS_FEATURES, hidden, x, rows, h);
    for (size_t i = 0; i < (size_t)rows * hidden; i++) h[i] = tanhf(h[i]);
    zero_release_layer(&gathered);
    const float *fc2 = zero_fetch_layer(r, FC2, &gathered);
    linear_forward(fc2, hidden, DIGITS_CLASSES, h, rows, m->logits->data);
    zero_release_layer(&gathered);
    double loss = softmax_cross_entropy(m->logits->data, m->labels, rows, DIGITS_CLASSES,
                                        dlogits);
    /* dlogits is the slice's mean; the global batch's mean weighs it by
     * rows / global_rows, so that summing the ranks gives the global mean. */
    if (rows != global_rows)
        for (size_t i = 0; i < (size_t)rows * DIGITS_CLASSES; i++)
            dlogits[i] *= (float)rows / global_rows;

    /* Backward, last layer first. fc2 needs its weights again for dL/dh. */
    Tensor *temporary;
    fc2 = zero_fetch_layer(r, FC2, &gathered);
    linear_backward(zero_layer_grad_buffer(r, FC2, &temporary), hidden, DIGITS_CLASSES, h,
                    rows, dlogits);
    matmul(rows, hidden, DIGITS_CLASSES, dlogits, false, fc2, false, dh, false);
    zero_release_layer(&gathered);
    zero_reduce_layer_grad(r, FC2, &temporary);   /* now, before fc1's backward */
    for (size_t i = 0; i < (size_t)rows * hidden; i++) dh[i] *= 1.0f - h[i] * h[i];
    /* fc1 is the first layer: nothing needs dL/dx, so nothing needs its
     * weights on the way back, and they are not gathered again. */
    linear_backward(zero_layer_grad_buffer(r, FC1, &temporary), DIGITS_FEATURES, hidden, x,
                    rows, dh);
    zero_reduce_layer_grad(r, FC1, &temporary);
    return loss;
}
/* end snippet */
