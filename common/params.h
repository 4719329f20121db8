/* params.h - a model's trainable tensors and their gradients, as one list.
 *
 * Every problem hands its parameters to an optimizer as a ParamList, and every
 * optimizer walks the list: this header is what the two sides share, and it
 * needs nothing but tensors. Each parameter tensor carries the name PyTorch's
 * named_parameters() would give it ("fc1.weight", "fc2.bias"), and its
 * gradient the same name with ".grad" appended, so a test or a table can ask
 * for a parameter by name instead of by position. */
#ifndef COMMON_PARAMS_H
#define COMMON_PARAMS_H

#include <stddef.h>

#include "tensor.h"

/* The tensors in a fixed order (PyTorch's, the order of named_parameters()). */
typedef struct {
    int count;
    Tensor **params;   /* params[count] */
    Tensor **grads;    /* grads[count]: grads[i] has the shape of params[i] */
} ParamList;

size_t paramlist_numel(const ParamList *list);
/* Copies all parameters into / out of one flat array of paramlist_numel floats,
 * in the list's order. */
void paramlist_get(const ParamList *list, float *flat /* [paramlist_numel(list)] */);
void paramlist_set(const ParamList *list, const float *flat /* [paramlist_numel(list)] */);
void paramlist_get_grads(const ParamList *list, float *flat /* [paramlist_numel(list)] */);
/* The index of the parameter named `name` ("fc1.weight"), or -1 if there is
 * none: list->params[i] is the tensor and list->grads[i] its gradient. */
int paramlist_find(const ParamList *list, const char *name);

#endif
