/* tensor.h - the one data type of the book: a named, contiguous float32 array.
 *
 * Every tensor is allocated through a MemoryLedger, which counts live and peak
 * bytes by what the tensor is for (parameters, gradients, optimizer state,
 * activations). The memory chapter reads those counts; every other chapter
 * simply passes the ledger along. There is no global ledger: whoever builds a
 * model owns one, so two experiments never disturb each other's numbers. */
#ifndef COMMON_TENSOR_H
#define COMMON_TENSOR_H

#include <stddef.h>

#define TENSOR_MAX_DIMS 4
#define TENSOR_NAME_LEN 32

/* What a tensor is for. The order is the order of the memory tables. */
typedef enum {
    TAG_PARAM,        /* trainable parameters */
    TAG_GRAD,         /* their gradients */
    TAG_STATE,        /* optimizer state: momentum buffers, moments, ... */
    TAG_ACTIVATION,   /* forward values kept for the backward pass */
    TAG_OTHER,        /* data, scratch */
    TAG_COUNT
} TensorTag;

typedef struct {
    size_t live[TAG_COUNT];   /* bytes allocated now, per tag */
    size_t peak[TAG_COUNT];   /* most bytes ever live at once, per tag */
    size_t live_total;        /* bytes allocated now, all tags */
    size_t peak_total;        /* most bytes ever live at once, all tags */
} MemoryLedger;

typedef struct {
    char name[TENSOR_NAME_LEN];
    int ndim;
    int shape[TENSOR_MAX_DIMS];
    size_t numel;             /* product of shape; 1 for a scalar (ndim 0) */
    float *data;              /* numel floats, row-major; NULL for a byte tensor */
    unsigned char *bytes;     /* numel bytes for a byte tensor (tensor_new_bytes:
                                 lesson 10's 8-bit optimizer states), else NULL */
    TensorTag tag;
    MemoryLedger *ledger;     /* where the bytes were counted */
} Tensor;

const char *tensor_tag_name(TensorTag tag);

/* A zero-filled tensor. Returns NULL (and counts nothing) when the shape is
 * invalid or memory runs out; callers in this book treat that as fatal. */
Tensor *tensor_new(MemoryLedger *ledger, const char *name, TensorTag tag,
                   int ndim, const int *shape /* [ndim] */);
/* Shorthands for the common ranks. */
Tensor *tensor_new_1d(MemoryLedger *ledger, const char *name, TensorTag tag, int n);
Tensor *tensor_new_2d(MemoryLedger *ledger, const char *name, TensorTag tag,
                      int rows, int cols);
/* A new tensor with the same shape as `like`, zero-filled. */
Tensor *tensor_new_like(const Tensor *like, const char *name, TensorTag tag);
/* A zero-filled tensor of numel bytes (uint8, PyTorch's torch.uint8), for
 * state stored as 8-bit codes: its `bytes` hold the values, its `data` is
 * NULL (whatever reads floats must check). NULL as tensor_new. */
Tensor *tensor_new_bytes(MemoryLedger *ledger, const char *name, TensorTag tag,
                         int ndim, const int *shape /* [ndim] */);
void tensor_free(Tensor *t);

/* What the tensor's elements take: 4 bytes each, or 1 for a byte tensor. */
size_t tensor_bytes(const Tensor *t);
/* Element i as a float, of either kind (a byte as its value 0 .. 255). */
float tensor_value(const Tensor *t, size_t i);
int tensor_same_shape(const Tensor *a, const Tensor *b);
/* "10x64" style description of the shape, for messages. */
const char *tensor_shape_str(const Tensor *t, char *buf /* [len] */, size_t len);

#endif
