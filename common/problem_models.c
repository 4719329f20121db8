/* problem_models.c - the problems trained on examples: a sparse-feature
 * linear model, softmax regression and a one-hidden-layer MLP on the digits
 * (see problems.h). Backpropagation is written out by hand. */
#include <math.h>
#include <stdio.h>
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
    Tensor *weight;         /* w[features], named "weight" as in a bias-free nn.Linear */
    Tensor *weight_grad;    /* its gradient, [features] */
    float *weight_true;     /* the weights that made the targets, [features] */
    float *x;               /* SPARSE_EXAMPLES x features, entries 0 or 1 */
    float *y;               /* targets */
    float *residual;        /* workspace: prediction - target, per example */
} SparseLinear;

static double sparse_loss_and_grad(Problem *self, const int *idx, int n)
{
    SparseLinear *s = (SparseLinear *)self;
    const float *w = s->weight->data;
    float *g = s->weight_grad->data;
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
    tensor_fill(((SparseLinear *)self)->weight, 0.0f);
}

static void sparse_destroy(Problem *self)
{
    SparseLinear *s = (SparseLinear *)self;
    tensor_free(s->weight);
    tensor_free(s->weight_grad);
    free(s->weight_true);
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
    s->weight = tensor_new_1d(&s->base.ledger, "weight", TAG_PARAM, features);
    s->weight_grad = tensor_new_1d(&s->base.ledger, "weight.grad", TAG_GRAD, features);
    s->x = calloc((size_t)SPARSE_EXAMPLES * features, sizeof(float));
    s->y = calloc(SPARSE_EXAMPLES, sizeof(float));
    s->residual = calloc(SPARSE_EXAMPLES, sizeof(float));
    float *w_true = s->weight_true = calloc((size_t)features, sizeof(float));
    if (!s->weight || !s->weight_grad || !s->x || !s->y || !s->residual || !w_true) {
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
    /* one parameter: its pointer is a list of length 1 */
    s->base.params = (ParamList){1, &s->weight, &s->weight_grad};
    s->base.loss_and_grad = sparse_loss_and_grad;
    s->base.reset = sparse_reset;
    s->base.destroy = sparse_destroy;
    return &s->base;
}

const float *sparse_linear_true_weights(const Problem *sparse)
{
    if (!sparse || sparse->loss_and_grad != sparse_loss_and_grad) return NULL;
    return ((const SparseLinear *)sparse)->weight_true;
}

/* ---- digits models: softmax regression and the MLP ------------------------- */

/* snippet: linear_layer, shown in 01_sgd */
/* One nn.Linear layer, out = in W^T + b: its parameters and their gradients.
 * The tensors carry PyTorch's names ("fc1.weight", "fc1.bias"). */
typedef struct {
    Tensor *weight, *bias;             /* weight[out x in], bias[out] */
    Tensor *weight_grad, *bias_grad;   /* the same shapes */
} Linear;
/* end snippet */

/* The MLP is x -> fc1 -> tanh -> fc2 -> logits. Softmax regression is the
 * same model without its hidden layer: only fc2, whose tensors are then
 * named "weight" and "bias", as a bare nn.Linear's are. */
typedef struct {
    Problem base;
    Dataset train, test;
    int hidden;               /* hidden units; 0 for softmax regression */
    Linear fc1;               /* 64 -> hidden (all NULL for softmax regression) */
    Linear fc2;               /* hidden -> 10, or 64 -> 10 */
    /* The ParamList's arrays, in PyTorch's order: fc1.weight fc1.bias
     * fc2.weight fc2.bias (weight bias for softmax regression). */
    Tensor *param_list[4], *grad_list[4];
    /* workspace for up to train.count examples, allocated once */
    Tensor *xb;               /* the batch's inputs, rows gathered from the data */
    int *yb;                  /* the batch's labels */
    Tensor *hidden_act;       /* tanh(fc1(x)), kept for the backward pass */
    Tensor *logits;
    Tensor *dlogits;
    Tensor *dhidden;
} DigitsModel;

/* out = in W^T + b, the nn.Linear convention. in[n x in_dim], out[n x out_dim] */
static void linear_forward(const Linear *layer, const float *in, int n, float *out)
{
    int out_dim = layer->weight->shape[0], in_dim = layer->weight->shape[1];
    matmul(n, out_dim, in_dim, in, false, layer->weight->data, true, out, false);
    for (int r = 0; r < n; r++)
        for (int o = 0; o < out_dim; o++) out[(size_t)r * out_dim + o] += layer->bias->data[o];
}

/* snippet: linear_backward, shown in 01_sgd */
/* Given dout = dL/d(out) for the n rows of `in` the layer saw, sets
 * dL/dW = dout^T in and dL/db = the column sums of dout.
 * in[n x in_dim], dout[n x out_dim] */
static void linear_backward(Linear *layer, const float *in, int n, const float *dout)
{
    int out_dim = layer->weight->shape[0], in_dim = layer->weight->shape[1];
    matmul(out_dim, in_dim, n, dout, true, in, false, layer->weight_grad->data, false);
    for (int o = 0; o < out_dim; o++) {
        float sum = 0.0f;
        for (int r = 0; r < n; r++) sum += dout[(size_t)r * out_dim + o];
        layer->bias_grad->data[o] = sum;
    }
}
/* end snippet */

/* What fc2 reads: the hidden activations, or the inputs themselves when there
 * is no hidden layer. */
static const float *fc2_input(const DigitsModel *m)
{
    return m->hidden ? m->hidden_act->data : m->xb->data;
}

/* Runs the network on n examples already in xb; leaves the logits (and the
 * hidden activations) in the workspace. */
static void digits_forward(DigitsModel *m, int n)
{
    if (m->hidden) {
        float *h = m->hidden_act->data;
        linear_forward(&m->fc1, m->xb->data, n, h);
        for (size_t i = 0; i < (size_t)n * m->hidden; i++) h[i] = tanhf(h[i]);
    }
    linear_forward(&m->fc2, fc2_input(m), n, m->logits->data);
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
    digits_forward(m, rows);
    /* snippet: mlp_backward, shown in 01_sgd */
    double loss = softmax_cross_entropy(m->logits->data, m->yb, rows, DIGITS_CLASSES,
                                        m->dlogits->data);
    /* Backward: the chain rule, one layer at a time, last layer first.
     * fc2's input was h, or x itself when there is no hidden layer. */
    linear_backward(&m->fc2, fc2_input(m), rows, m->dlogits->data);
    if (m->hidden) {
        float *dh = m->dhidden->data;
        const float *h = m->hidden_act->data;
        /* dL/dh = dlogits W2, then through tanh: d tanh(z)/dz = 1 - tanh(z)^2 */
        matmul(rows, m->hidden, DIGITS_CLASSES, m->dlogits->data, false,
               m->fc2.weight->data, false, dh, false);
        for (size_t i = 0; i < (size_t)rows * m->hidden; i++) dh[i] *= 1.0f - h[i] * h[i];
        linear_backward(&m->fc1, m->xb->data, rows, dh);
    }
    /* end snippet */
    return loss;
}

/* The fraction of the examples of d that the model classifies correctly. */
static double digits_accuracy_on(DigitsModel *m, const Dataset *d)
{
    int n = d->count, correct = 0;
    gather(m, d, NULL, n);
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

static double digits_test_accuracy(Problem *self)
{
    DigitsModel *m = (DigitsModel *)self;
    return digits_accuracy_on(m, &m->test);
}

double digits_train_accuracy(Problem *digits)
{
    if (!digits || digits->loss_and_grad != digits_loss_and_grad) return NAN;
    DigitsModel *m = (DigitsModel *)digits;
    return digits_accuracy_on(m, &m->train);
}

double digits_test_loss(Problem *digits)
{
    if (!digits || digits->loss_and_grad != digits_loss_and_grad) return NAN;
    DigitsModel *m = (DigitsModel *)digits;
    int n = m->test.count;
    gather(m, &m->test, NULL, n);
    digits_forward(m, n);
    return softmax_cross_entropy(m->logits->data, m->yb, n, DIGITS_CLASSES, NULL);
}

double digits_set_train_input(Problem *digits, int example, int feature, float value)
{
    if (!digits || digits->loss_and_grad != digits_loss_and_grad) return NAN;
    DigitsModel *m = (DigitsModel *)digits;
    if (example < 0 || example >= m->train.count || feature < 0 || feature >= DIGITS_FEATURES) return NAN;
    float *x = m->train.x + (size_t)example * DIGITS_FEATURES + feature;
    double old = *x;
    *x = value;
    return old;
}

/* Fills t uniformly in [-bound, bound]. */
static void uniform_fill(Tensor *t, double bound, Rng *rng)
{
    for (size_t i = 0; i < t->numel; i++) t->data[i] = (float)((2.0 * rng_uniform(rng) - 1.0) * bound);
}

static void digits_reset(Problem *self, uint64_t seed)
{
    DigitsModel *m = (DigitsModel *)self;
    if (!m->hidden) {   /* softmax regression is convex: start from zero */
        tensor_fill(m->fc2.weight, 0.0f);
        tensor_fill(m->fc2.bias, 0.0f);
        return;
    }
    /* nn.Linear's default: weight and bias uniform in +-1/sqrt(in_features),
     * drawn in the order fc1.weight, fc1.bias, fc2.weight, fc2.bias. */
    Rng rng;
    rng_seed(&rng, seed, 11);
    Linear *layers[2] = {&m->fc1, &m->fc2};
    for (int l = 0; l < 2; l++) {
        double bound = 1.0 / sqrt((double)layers[l]->weight->shape[1]);
        uniform_fill(layers[l]->weight, bound, &rng);
        uniform_fill(layers[l]->bias, bound, &rng);
    }
}

/* Allocates a layer's tensors: PREFIX.weight and PREFIX.bias (plain weight
 * and bias when prefix is ""), and their gradients, named NAME.grad.
 * Returns 0, or -1 when memory ran out (what was allocated stays in layer). */
static int linear_alloc(Linear *layer, MemoryLedger *ledger, const char *prefix,
                        int in_dim, int out_dim)
{
    const char *dot = *prefix ? "." : "";
    char name[TENSOR_NAME_LEN];
    snprintf(name, sizeof name, "%s%sweight", prefix, dot);
    layer->weight = tensor_new_2d(ledger, name, TAG_PARAM, out_dim, in_dim);
    snprintf(name, sizeof name, "%s%sweight.grad", prefix, dot);
    layer->weight_grad = tensor_new_2d(ledger, name, TAG_GRAD, out_dim, in_dim);
    snprintf(name, sizeof name, "%s%sbias", prefix, dot);
    layer->bias = tensor_new_1d(ledger, name, TAG_PARAM, out_dim);
    snprintf(name, sizeof name, "%s%sbias.grad", prefix, dot);
    layer->bias_grad = tensor_new_1d(ledger, name, TAG_GRAD, out_dim);
    return layer->weight && layer->weight_grad && layer->bias && layer->bias_grad ? 0 : -1;
}

static void linear_free(Linear *layer)
{
    tensor_free(layer->weight);
    tensor_free(layer->weight_grad);
    tensor_free(layer->bias);
    tensor_free(layer->bias_grad);
}

/* Appends a layer's weight and bias, with their gradients, to the ParamList. */
static void params_append(ParamList *list, const Linear *layer)
{
    list->params[list->count] = layer->weight;
    list->grads[list->count++] = layer->weight_grad;
    list->params[list->count] = layer->bias;
    list->grads[list->count++] = layer->bias_grad;
}

static void digits_destroy(Problem *self)
{
    DigitsModel *m = (DigitsModel *)self;
    linear_free(&m->fc1);
    linear_free(&m->fc2);
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
    int n = m->train.count;
    int ok;
    if (hidden)
        ok = linear_alloc(&m->fc1, ledger, "fc1", DIGITS_FEATURES, hidden) == 0 &&
             linear_alloc(&m->fc2, ledger, "fc2", hidden, DIGITS_CLASSES) == 0;
    else   /* a bare nn.Linear(64, 10): its tensors are "weight" and "bias" */
        ok = linear_alloc(&m->fc2, ledger, "", DIGITS_FEATURES, DIGITS_CLASSES) == 0;
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
    m->base.params = (ParamList){0, m->param_list, m->grad_list};
    if (hidden) params_append(&m->base.params, &m->fc1);
    params_append(&m->base.params, &m->fc2);
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
