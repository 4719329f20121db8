/* zero_mlp.h - the digits MLP of the earlier chapters (64 -> hidden, tanh,
 * -> 10, cross-entropy), written layer by layer for a ZeRO rank: each layer
 * asks the rank for its weights just before it uses them (stage 3 gathers
 * them then) and hands its gradient back as soon as it is complete (stages
 * 1-3 reduce it then). The arithmetic is common/'s MLP, operation for
 * operation, so one rank reproduces mlp_new's gradients bit for bit. */
#ifndef LESSON_ZERO_MLP_H
#define LESSON_ZERO_MLP_H

#include "data.h"
#include "zero.h"

typedef struct {
    int hidden, max_rows;
    const Dataset *train;
    /* activations for up to max_rows examples, counted in a ledger of their
     * own, so that the rank's ledger holds its model states alone */
    MemoryLedger ledger;
    Tensor *x;          /* [max_rows x 64] this rank's examples */
    Tensor *h;          /* [max_rows x hidden] tanh of fc1's output */
    Tensor *logits;     /* [max_rows x 10] */
    Tensor *dlogits;    /* [max_rows x 10] */
    Tensor *dh;         /* [max_rows x hidden] */
    int *labels;        /* [max_rows] */
} ZeroMlp;

/* The layers' order and shapes are mlp_new(hidden)'s: fc1.weight
 * [hidden x 64], fc1.bias, fc2.weight [10 x hidden], fc2.bias. 0, or -1. */
int zero_mlp_init(ZeroMlp *m, const Dataset *train, int hidden, int max_rows);
void zero_mlp_free(ZeroMlp *m);

/* The forward and backward pass on the `rows` training examples idx[rows],
 * this rank's slice of a global batch of global_rows: the loss is the mean
 * over the slice, the gradient (left with the rank, reduced layer by layer)
 * is the slice's share of the global batch's mean, sum / global_rows. */
double zero_mlp_loss_and_grad(ZeroMlp *m, ZeroRank *r, const int *idx /* [rows] */, int rows, int global_rows);

#endif
