/* accumulate.c - gradient accumulation over micro-batches, as PyTorch's
 * usual loop does it (see accumulate.h). */
#include "accumulate.h"

#include <string.h>

/* snippet: accumulate, shown in 07_schedules */
double backward_accumulate(Problem *p, const int *idx /* [n] */, int n, float scale,
                           float *grad_sum /* [numel] */)
{
    double loss = p->loss_and_grad(p, idx, n);   /* this micro-batch's gradient */
    for (int i = 0; i < p->params.count; i++) {
        const Tensor *g = p->params.grads[i];
        for (size_t j = 0; j < g->numel; j++)
            grad_sum[j] += scale * g->data[j];   /* p.grad += */
        grad_sum += g->numel;
    }
    return scale * loss;
}

double loss_and_grad_accumulated(Problem *p,
                                 const int *idx /* [micro_batches * micro_batch] */,
                                 int micro_batches, int micro_batch,
                                 float *grad_sum /* [numel] */)
{
    memset(grad_sum, 0, sizeof(float) * paramlist_numel(&p->params));   /* zero_grad() */
    float scale = 1.0f / (float)micro_batches;                            /* loss / k */
    double loss = 0.0;
    for (int k = 0; k < micro_batches; k++)
        loss += backward_accumulate(p, idx + (size_t)k * micro_batch, micro_batch, scale,
                                    grad_sum);
    /* The sum becomes the gradient the optimizer steps on. */
    for (int i = 0; i < p->params.count; i++) {
        Tensor *g = p->params.grads[i];
        memcpy(g->data, grad_sum, tensor_bytes(g));
        grad_sum += g->numel;
    }
    return loss;
}
/* end snippet */
