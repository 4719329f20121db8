/* tensor.c - allocation and accounting of tensors (see tensor.h). */
#include "tensor.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *tensor_tag_name(TensorTag tag)
{
    static const char *const names[TAG_COUNT] = {
        "parameters", "gradients", "optimizer state", "activations", "other"};
    return (tag >= 0 && tag < TAG_COUNT) ? names[tag] : "?";
}

static void ledger_add(MemoryLedger *ledger, TensorTag tag, size_t bytes)
{
    ledger->live[tag] += bytes;
    ledger->live_total += bytes;
    if (ledger->live[tag] > ledger->peak[tag]) ledger->peak[tag] = ledger->live[tag];
    if (ledger->live_total > ledger->peak_total) ledger->peak_total = ledger->live_total;
}

static void ledger_sub(MemoryLedger *ledger, TensorTag tag, size_t bytes)
{
    ledger->live[tag] -= bytes;
    ledger->live_total -= bytes;
}

/* A tensor of numel elements of elem_size bytes each (4: float, 1: byte). */
static Tensor *tensor_alloc(MemoryLedger *ledger, const char *name, TensorTag tag,
                            int ndim, const int *shape, size_t elem_size)
{
    if (!ledger || tag < 0 || tag >= TAG_COUNT) return NULL;
    if (ndim < 0 || ndim > TENSOR_MAX_DIMS) return NULL;
    size_t numel = 1;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] <= 0 || numel > SIZE_MAX / (size_t)shape[d]) return NULL;   /* not a size_t */
        numel *= (size_t)shape[d];
    }
    Tensor *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    void *values = calloc(numel, elem_size);
    if (!values) {
        free(t);
        return NULL;
    }
    if (elem_size == 1)
        t->bytes = values;
    else
        t->data = values;
    snprintf(t->name, sizeof t->name, "%s", name ? name : "");
    t->ndim = ndim;
    for (int d = 0; d < ndim; d++) t->shape[d] = shape[d];
    t->numel = numel;
    t->tag = tag;
    t->ledger = ledger;
    ledger_add(ledger, tag, tensor_bytes(t));
    return t;
}

Tensor *tensor_new(MemoryLedger *ledger, const char *name, TensorTag tag,
                   int ndim, const int *shape)
{
    return tensor_alloc(ledger, name, tag, ndim, shape, sizeof(float));
}

Tensor *tensor_new_bytes(MemoryLedger *ledger, const char *name, TensorTag tag,
                         int ndim, const int *shape)
{
    return tensor_alloc(ledger, name, tag, ndim, shape, 1);
}

Tensor *tensor_new_1d(MemoryLedger *ledger, const char *name, TensorTag tag, int n)
{
    return tensor_new(ledger, name, tag, 1, &n);
}

Tensor *tensor_new_2d(MemoryLedger *ledger, const char *name, TensorTag tag,
                      int rows, int cols)
{
    int shape[2] = {rows, cols};
    return tensor_new(ledger, name, tag, 2, shape);
}

Tensor *tensor_new_like(const Tensor *like, const char *name, TensorTag tag)
{
    return tensor_new(like->ledger, name, tag, like->ndim, like->shape);
}

void tensor_free(Tensor *t)
{
    if (!t) return;
    ledger_sub(t->ledger, t->tag, tensor_bytes(t));
    free(t->data);
    free(t->bytes);
    free(t);
}

size_t tensor_bytes(const Tensor *t)
{
    return t->numel * (t->bytes ? 1 : sizeof(float));
}

float tensor_value(const Tensor *t, size_t i)
{
    return t->bytes ? (float)t->bytes[i] : t->data[i];
}

int tensor_same_shape(const Tensor *a, const Tensor *b)
{
    if (a->ndim != b->ndim) return 0;
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] != b->shape[d]) return 0;
    return 1;
}

const char *tensor_shape_str(const Tensor *t, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    if (t->ndim == 0) snprintf(buf, len, "scalar");
    for (int d = 0; d < t->ndim && used < len; d++)
        used += (size_t)snprintf(buf + used, len - used, d ? "x%d" : "%d", t->shape[d]);
    return buf;
}
