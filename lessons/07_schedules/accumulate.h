/* accumulate.h - gradient accumulation: the gradient of a batch of k*m
 * examples worked out as k micro-batches of m, for when k*m examples do not
 * fit in memory at once. PyTorch's usual loop:
 *
 *     optimizer.zero_grad()
 *     for x, y in micro_batches:                 # k of them, m examples each
 *         loss = criterion(model(x), y) / k      # each micro-batch counts 1/k
 *         loss.backward()                        # adds into p.grad
 *     optimizer.step()
 *
 * Each micro-batch's loss is a mean over its m examples; dividing it by k
 * makes the sum of the k gradients the mean over all k*m examples, the
 * gradient of one batch of k*m. Forgetting the / k gives k times that
 * gradient: a learning rate k times too large.
 *
 * A Problem's loss_and_grad (common/problems.h) overwrites the gradients
 * instead of adding into them, so the running sum is kept in an array of
 * the caller's, as p.grad keeps it in PyTorch. */
#ifndef LESSON_ACCUMULATE_H
#define LESSON_ACCUMULATE_H

#include "problems.h"

/* (scale * loss).backward() on the micro-batch idx[n]: adds scale times the
 * problem's gradient there to grad_sum (paramlist_numel(&p->params) floats,
 * the tensors one after another in the list's order), and returns scale
 * times its loss. The problem's own gradients are overwritten on the way. */
double backward_accumulate(Problem *p, const int *idx /* [n] */, int n, float scale,
                           float *grad_sum /* [numel] */);

/* The loss and gradient of the batch idx[micro_batches * micro_batch], as
 * `micro_batches` micro-batches of `micro_batch` examples, each loss divided
 * by micro_batches: leaves the gradient in p->params.grads, as
 * p->loss_and_grad(p, idx, micro_batches * micro_batch) would, up to float32
 * rounding, and returns the batch's mean loss. grad_sum is a workspace of
 * paramlist_numel(&p->params) floats. */
double loss_and_grad_accumulated(Problem *p, const int *idx /* [micro_batches * micro_batch] */,
                                 int micro_batches, int micro_batch, float *grad_sum /* [numel] */);

#endif
