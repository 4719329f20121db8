/* ex2_accumulate.c - exercise 2, solved: training on k micro-batches, and
 * the settings that let a loop without the / k take a recipe's steps. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exercises.h"

double ex_train_accumulated(Problem *p, Optimizer *opt, const int *idx, int steps, int k, int m, bool divide)
{
    size_t numel = paramlist_numel(&p->params);
    /* loss_and_grad overwrites the gradients: the running sum, PyTorch's
     * p.grad between zero_grad() and step(), is kept here. */
    float *sum = malloc(sizeof(float) * (numel ? numel : 1));
    if (!sum) return NAN;
    const float scale = divide ? 1.0f / (float)k : 1.0f;   /* (loss / k).backward() */
    double loss = NAN;
    for (int s = 0; s < steps; s++) {
        optimizer_zero_grad(opt);
        memset(sum, 0, sizeof(float) * numel);
        loss = 0.0;
        for (int b = 0; b < k; b++) {
            const int *micro = idx + ((size_t)s * k + b) * m;
            loss += p->loss_and_grad(p, micro, m) / k;   /* the batch's mean, either way */
            float *into = sum;
            for (int i = 0; i < p->params.count; i++) {
                const Tensor *g = p->params.grads[i];
                for (size_t j = 0; j < g->numel; j++) into[j] += scale * g->data[j];
                into += g->numel;
            }
        }
        /* The sum becomes the gradient the optimizer steps on. */
        const float *from = sum;
        for (int i = 0; i < p->params.count; i++) {
            Tensor *g = p->params.grads[i];
            memcpy(g->data, from, tensor_bytes(g));
            from += g->numel;
        }
        optimizer_step(opt);
    }
    free(sum);
    return loss;
}

/* Without the / k the loop steps on k g (g: the recipe's mean gradient).
 * SGD's step is linear in its gradient: lr / k undoes the k. Its L2 term
 * is added to the gradient before anything else, so it must grow with it:
 * k g + (k wd) p = k (g + wd p). Momentum, dampening and nesterov only mix
 * gradients that are all k times larger. */
SGDMomentumConfig ex_sgd_without_division(const SGDMomentumConfig *recipe, int k)
{
    SGDMomentumConfig cfg = *recipe;
    cfg.lr = recipe->lr / (float)k;
    cfg.weight_decay = recipe->weight_decay * (float)k;
    return cfg;
}

/* Adagrad divides by sqrt(sum of g^2) + eps: k g over sqrt(k^2 (sum)) is
 * the same step, if eps and the sum's starting value scale with it (eps
 * with the root, initial_accumulator_value with the squares). lr stays. */
AdagradConfig ex_adagrad_without_division(const AdagradConfig *recipe, int k)
{
    AdagradConfig cfg = *recipe;
    cfg.eps = recipe->eps * (float)k;
    cfg.weight_decay = recipe->weight_decay * (float)k;
    cfg.initial_accumulator_value = recipe->initial_accumulator_value * (float)k * (float)k;
    return cfg;
}

/* Adam's step is m / (sqrt(v) + eps): k g gives k m over k sqrt(v) + eps,
 * the recipe's step with eps / k. Only eps (and Adam's L2 term, which is
 * part of the gradient) must scale; AdamW's decay never meets the gradient. */
AdamConfig ex_adam_without_division(const AdamConfig *recipe, int k, bool decoupled)
{
    AdamConfig cfg = *recipe;
    cfg.eps = recipe->eps * (float)k;
    if (!decoupled) cfg.weight_decay = recipe->weight_decay * (float)k;
    return cfg;
}
