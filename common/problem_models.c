/* problem_models.c - the problems trained on examples: a sparse-feature
 * linear model, softmax regression and a one-hidden-layer MLP on the digits
 * (see problems.h). Backpropagation is written out by hand. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"
#include "problems.h"
#include "rng.h"

/* ---- sparse-feature linear regression ------------------------------------ */

#define SPARSE_EXAMPLES 1000

typedef struct {
    Problem base;
    int features;
    Tensor *tensors[2];     /* w and its gradient */
    float *x;               /* SPARSE_EXAMPLES x features, entries 0 or 1 */
    float *y;               /* targets */
    float *residual;        /* workspace: prediction - target, per example */
} SparseLinear;

static double sparse_loss_and_grad(Problem *self, const int *idx, int n)
{
    SparseLinear *s = (SparseLinear *)self;
    const float *w = s->tensors[0]->data;
    float *g = s->tensors[1]->data;
    int rows = idx ? n : SPARSE_EXAMPLES;
    double loss = 0.0;
    for (int r = 0; r < rows; r++) {
        int e = idx ? idx[r] : r;
        const float *x = s->x + (size_t)e * s->features;
        float pred = 0.0f;
        for (int j = 0; j < s->features; j++) pred += x[j] * w[j];
        s->residual[r] = pred - s->y[e];
        loss += 0.5 * (double)s->residual[r] * s->residual[r];
    }
    /* d/dw of 1/2 mean (x.w - y)^2 is mean of residual * x */
    memset(g, 0, sizeof(float) * (size_t)s->features);
    for (int r = 0; r < rows; r++) {
        int e = idx ? idx[r] : r;
        const float *x = s->x + (size_t)e * s->features;
        for (int j = 0; j < s->features; j++) g[j] += s->residual[r] * x[j] / (float)rows;
    }
    return loss / rows;
}

static void sparse_reset(Problem *self, uint64_t seed)
{
    (void)seed;
    tensor_fill(((SparseLinear *)self)->tensors[0], 0.0f);
}

static void sparse_destroy(Problem *self)
{
    SparseLinear *s = (SparseLinear *)self;
    tensor_free(s->tensors[0]);
    tensor_free(s->tensors[1]);
    free(s->x);
    free(s->y);
    free(s->residual);
}

Problem *sparse_linear_new(int features, uint64_t seed)
{
    if (features < 1) return NULL;
    SparseLinear *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->base.name = "sparse";
    s->base.min_loss = NAN;
    s->base.num_examples = SPARSE_EXAMPLES;
    s->features = features;
    s->tensors[0] = tensor_new_1d(&s->base.ledger, "weight", TAG_PARAM, features);
    s->tensors[1] = tensor_new_1d(&s->base.ledger, "weight.grad", TAG_GRAD, features);
    s->x = calloc((size_t)SPARSE_EXAMPLES * features, sizeof(float));
    s->y = calloc(SPARSE_EXAMPLES, sizeof(float));
    s->residual = calloc(SPARSE_EXAMPLES, sizeof(float));
    float *w_true = calloc((size_t)features, sizeof(float));
    if (!s->tensors[0] || !s->tensors[1] || !s->x || !s->y || !s->residual || !w_true) {
        free(w_true);
        sparse_destroy(&s->base);
        free(s);
        return NULL;
    }
    Rng rng;
    rng_seed(&rng, seed, 7);
    for (int j = 0; j < features; j++) w_true[j] = (float)rng_normal(&rng);
    for (int e = 0; e < SPARSE_EXAMPLES; e++) {
        float *x = s->x + (size_t)e * features;
        double target = 0.0;
        for (int j = 0; j < features; j++) {
            /* Feature j appears in about 1 example in j+1: feature 0 always. */
            x[j] = rng_uniform(&rng) * (j + 1) < 1.0 ? 1.0f : 0.0f;
            target += x[j] * w_true[j];
        }
        s->y[e] = (float)(target + 0.1 * rng_normal(&rng));
    }
    free(w_true);
    s->base.params = (ParamList){1, &s->tensors[0], &s->tensors[1]};
    s->base.loss_and_grad = sparse_loss_and_grad;
    s->base.reset = sparse_reset;
    s->base.destroy = sparse_destroy;
    return &s->base;
}

/* ---- digits models: softmax regression and the MLP ------------------------- */

typedef struct {
    Problem base;
    Dataset train, test;
    int hidden;               /* 0: softmax regression, one linear layer */
    /* parameters then gradients: fc1.weight fc1.bias fc2.weight fc2.bias, or
     * linear.weight linear.bias for softmax regression */
    Tensor *params[4], *grads[4];
    /* workspace for up to train.count examples, allocated once */
    Tensor *xb;               /* the batch's inputs, rows gathered from the data */
    int *yb;                  /* the batch's labels */
    Tensor *hidden_act;       /* tanh(fc1(x)), kept for the backward pass */
    Tensor *logits;
    Tensor *dlogits;
    Tensor *dhidden;
} DigitsModel;

/* out[n x out_dim] = in[n x in_dim] W^T + b, the nn.Linear convention. */
static void linear_forward(const float *in, int n, int in_dim, const Tensor *weight,
                           const Tensor *bias, float *out)
{
    int out_dim = weight->shape[0];
    matmul(n, out_dim, in_dim, in, false, weight->data, true, out, false);
    for (int r = 0; r < n; r++)
        for (int o = 0; o < out_dim; o++) out[(size_t)r * out_dim + o] += bias->data[o];
}

/* snippet: linear_backward */
/* Given dout = dL/d(out), sets dL/dW = dout^T in and dL/db = column sums of dout. */
static void linear_backward(const float *in, int n, int in_dim, const float *dout,
                            Tensor *dweight, Tensor *dbias)
{
    int out_dim = dweight->shape[0];
    matmul(out_dim, in_dim, n, dout, true, in, false, dweight->data, false);
    for (int o = 0; o < out_dim; o++) {
        float sum = 0.0f;
        for (int r = 0; r < n; r++) sum += dout[(size_t)r * out_dim + o];
        dbias->data[o] = sum;
    }
}
/* end snippet */

/* Runs the network on n examples already in xb; leaves logits (and the hidden
 * activations) in the workspace. Returns the input of the last layer. */
static const float *digits_forward(DigitsModel *m, int n)
{
    const float *last_in = m->xb->data;
    if (m->hidden) {
        float *h = m->hidden_act->data;
        linear_forward(m->xb->data, n, DIGITS_FEATURES, m->params[0], m->params[1], h);
        for (size_t i = 0; i < (size_t)n * m->hidden; i++) h[i] = tanhf(h[i]);
        last_in = h;
    }
    int last = m->hidden ? 2 : 0;
    int in_dim = m->hidden ? m->hidden : DIGITS_FEATURES;
    linear_forward(last_in, n, in_dim, m->params[last], m->params[last + 1], m->logits->data);
    return last_in;
}

static void gather(DigitsModel *m, const Dataset *d, const int *idx, int n)
{
    for (int r = 0; r < n; r++) {
        int e = idx ? idx[r] : r;
        memcpy(m->xb->data + (size_t)r * DIGITS_FEATURES, d->x + (size_t)e * DIGITS_FEATURES,
               sizeof(float) * DIGITS_FEATURES);
        m->yb[r] = d->y[e];
    }
}

static double digits_loss_and_grad(Problem *self, const int *idx, int n)
{
    DigitsModel *m = (DigitsModel *)self;
    int rows = idx ? n : m->train.count;
    gather(m, &m->train, idx, rows);
    const float *last_in = digits_forward(m, rows);
    /* snippet: mlp_backward */
    double loss = softmax_cross_entropy(m->logits->data, m->yb, rows, DIGITS_CLASSES,
                                        m->dlogits->data);
    /* Backward: the chain rule, one layer at a time, last layer first. */
    int last = m->hidden ? 2 : 0;
    int in_dim = m->hidden ? m->hidden : DIGITS_FEATURES;
    linear_backward(last_in, rows, in_dim, m->dlogits->data,
                    m->grads[last], m->grads[last + 1]);
    if (m->hidden) {
        float *dh = m->dhidden->data;
        const float *h = m->hidden_act->data;
        /* dL/dh = dlogits W2, then through tanh: d tanh(z)/dz = 1 - tanh(z)^2 */
        matmul(rows, m->hidden, DIGITS_CLASSES, m->dlogits->data, false,
               m->params[2]->data, false, dh, false);
        for (size_t i = 0; i < (size_t)rows * m->hidden; i++) dh[i] *= 1.0f - h[i] * h[i];
        linear_backward(m->xb->data, rows, DIGITS_FEATURES, dh, m->grads[0], m->grads[1]);
    }
    /* end snippet */
    return loss;
}

static double digits_test_accuracy(Problem *self)
{
    DigitsModel *m = (DigitsModel *)self;
    int n = m->test.count, correct = 0;
    gather(m, &m->test, NULL, n);
    digits_forward(m, n);
    for (int r = 0; r < n; r++) {
        const float *z = m->logits->data + (size_t)r * DIGITS_CLASSES;
        int best = 0;
        for (int c = 1; c < DIGITS_CLASSES; c++)
            if (z[c] > z[best]) best = c;
        correct += best == m->yb[r];
    }
    return (double)correct / n;
}

static void digits_reset(Problem *self, uint64_t seed)
{
    DigitsModel *m = (DigitsModel *)self;
    if (!m->hidden) {   /* softmax regression is convex: start from zero */
        tensor_fill(m->params[0], 0.0f);
        tensor_fill(m->params[1], 0.0f);
        return;
    }
    Rng rng;
    rng_seed(&rng, seed, 11);
    for (int layer = 0; layer < 2; layer++) {
        Tensor *w = m->params[2 * layer], *b = m->params[2 * layer + 1];
        double bound = 1.0 / sqrt((double)w->shape[1]);   /* nn.Linear's default */
        for (size_t i = 0; i < w->numel; i++) w->data[i] = (float)((2.0 * rng_uniform(&rng) - 1.0) * bound);
        for (size_t i = 0; i < b->numel; i++) b->data[i] = (float)((2.0 * rng_uniform(&rng) - 1.0) * bound);
    }
}

static void digits_destroy(Problem *self)
{
    DigitsModel *m = (DigitsModel *)self;
    for (int i = 0; i < 4; i++) {
        tensor_free(m->params[i]);
        tensor_free(m->grads[i]);
    }
    tensor_free(m->xb);
    tensor_free(m->hidden_act);
    tensor_free(m->logits);
    tensor_free(m->dlogits);
    tensor_free(m->dhidden);
    free(m->yb);
    dataset_free(&m->train);
    dataset_free(&m->test);
}

static Problem *digits_model_new(int hidden, uint64_t seed, char *err, size_t errlen)
{
    DigitsModel *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (digits_load_split(&m->train, &m->test, err, errlen) != 0) {
        free(m);
        return NULL;
    }
    MemoryLedger *ledger = &m->base.ledger;
    m->base.name = hidden ? "mlp" : "softmax";
    m->base.min_loss = NAN;
    m->base.num_examples = m->train.count;
    m->hidden = hidden;
    int n = m->train.count, layers = hidden ? 2 : 1;
    int out_dims[2] = {hidden ? hidden : DIGITS_CLASSES, DIGITS_CLASSES};
    int in_dims[2] = {DIGITS_FEATURES, hidden};
    int ok = 1;
    for (int l = 0; l < layers; l++) {
        const char *layer = !hidden ? "linear" : l == 0 ? "fc1" : "fc2";
        char name[TENSOR_NAME_LEN];
        snprintf(name, sizeof name, "%s.weight", layer);
        m->params[2 * l] = tensor_new_2d(ledger, name, TAG_PARAM, out_dims[l], in_dims[l]);
        m->grads[2 * l] = tensor_new_2d(ledger, name, TAG_GRAD, out_dims[l], in_dims[l]);
        snprintf(name, sizeof name, "%s.bias", layer);
        m->params[2 * l + 1] = tensor_new_1d(ledger, name, TAG_PARAM, out_dims[l]);
        m->grads[2 * l + 1] = tensor_new_1d(ledger, name, TAG_GRAD, out_dims[l]);
        ok = ok && m->params[2 * l] && m->grads[2 * l] && m->params[2 * l + 1] && m->grads[2 * l + 1];
    }
    m->xb = tensor_new_2d(ledger, "batch.x", TAG_OTHER, n, DIGITS_FEATURES);
    m->logits = tensor_new_2d(ledger, "logits", TAG_ACTIVATION, n, DIGITS_CLASSES);
    m->dlogits = tensor_new_2d(ledger, "logits.grad", TAG_ACTIVATION, n, DIGITS_CLASSES);
    if (hidden) {
        m->hidden_act = tensor_new_2d(ledger, "hidden", TAG_ACTIVATION, n, hidden);
        m->dhidden = tensor_new_2d(ledger, "hidden.grad", TAG_ACTIVATION, n, hidden);
        ok = ok && m->hidden_act && m->dhidden;
    }
    m->yb = calloc((size_t)n, sizeof(int));
    if (!ok || !m->xb || !m->logits || !m->dlogits || !m->yb) {
        snprintf(err, errlen, "out of memory");
        digits_destroy(&m->base);
        free(m);
        return NULL;
    }
    m->base.params = (ParamList){2 * layers, m->params, m->grads};
    m->base.loss_and_grad = digits_loss_and_grad;
    m->base.test_accuracy = digits_test_accuracy;
    m->base.reset = digits_reset;
    m->base.destroy = digits_destroy;
    digits_reset(&m->base, seed);
    return &m->base;
}

Problem *softmax_regression_new(char *err, size_t errlen)
{
    return digits_model_new(0, 0, err, errlen);
}

Problem *mlp_new(int hidden, uint64_t seed, char *err, size_t errlen)
{
    if (hidden < 1) {
        snprintf(err, errlen, "the MLP needs at least one hidden unit (got %d)", hidden);
        return NULL;
    }
    return digits_model_new(hidden, seed, err, errlen);
}
