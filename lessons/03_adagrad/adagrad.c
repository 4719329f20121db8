/* adagrad.c - AdaGrad: the update rule, its Optimizer adapter, and its entry
 * for optlab (see adagrad.h). */
#include "adagrad.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* snippet: adagrad_update, shown in 03_adagrad */
void adagrad_update(float *param /* [n] */, const float *grad /* [n] */,
                    float *sum /* [n] */, size_t n, const AdagradConfig *cfg, long step)
{
    /* PyTorch works clr out in double (Python floats) and rounds it once. */
    float clr = (float)(cfg->lr / (1.0 + (double)(step - 1) * cfg->lr_decay));
    for (size_t i = 0; i < n; i++) {
        float g = cfg->maximize ? -grad[i] : grad[i];
        if (cfg->weight_decay != 0.0f)
            g += cfg->weight_decay * param[i];   /* the gradient of (wd/2)*param^2 */
        sum[i] += g * g;                         /* every squared gradient, forever */
        float std = sqrtf(sum[i]) + cfg->eps;    /* eps outside the root, as PyTorch */
        param[i] -= clr * g / std;               /* a step of about clr per coordinate */
    }
}
/* end snippet */

/* snippet: adagrad_adapter, shown in 03_adagrad */
typedef struct {
    Optimizer base;       /* first, so an Adagrad* is also an Optimizer* */
    AdagradConfig config;
    int sum_slot;         /* the index of the "sum" slot */
} Adagrad;

static void adagrad_step_group(Optimizer *self, const ParamGroup *group)
{
    Adagrad *ada = (Adagrad *)self;
    AdagradConfig cfg = ada->config;
    cfg.lr = group->lr;   /* the group's own: a schedule may have changed it */
    cfg.weight_decay = group->weight_decay;
    for (int i = group->first; i < group->first + group->count; i++)
        adagrad_update(self->params.params[i]->data, self->params.grads[i]->data,
                       self->slots[ada->sum_slot][i]->data, self->params.params[i]->numel,
                       &cfg, self->step_count);
}

Optimizer *adagrad_new(ParamList params, const AdagradConfig *cfg)
{
    Adagrad *ada = calloc(1, sizeof *ada);
    if (!ada) return NULL;
    ada->config = *cfg;
    optimizer_init(&ada->base, "adagrad", params, cfg->lr, cfg->weight_decay,
                   adagrad_step_group);
    /* PyTorch creates the state in the constructor, not at the first step:
     * sum = full_like(p, initial_accumulator_value). */
    ada->sum_slot = optimizer_add_slot(&ada->base, "sum");
    if (ada->sum_slot < 0) {
        optimizer_free(&ada->base);
        return NULL;
    }
    for (int i = 0; i < params.count; i++) {
        Tensor *sum = ada->base.slots[ada->sum_slot][i];
        for (size_t k = 0; k < sum->numel; k++)
            sum->data[k] = cfg->initial_accumulator_value;
    }
    return &ada->base;
}
/* end snippet */

/* ---- the entry for optlab and the tests -------------------------------------- */

static const OptionSpec adagrad_options[] = {
    {"lr", OPT_FLOAT, offsetof(AdagradConfig, lr), "learning rate", 0, 0},
    {"lr_decay", OPT_FLOAT, offsetof(AdagradConfig, lr_decay), "learning rate decay", 0, 0},
    {"weight_decay", OPT_FLOAT, offsetof(AdagradConfig, weight_decay), "L2 penalty", 0, 0},
    {"initial_accumulator_value", OPT_FLOAT, offsetof(AdagradConfig, initial_accumulator_value),
     "starting value of sum", 0, 0},
    {"eps", OPT_FLOAT, offsetof(AdagradConfig, eps), "added to sqrt(sum)", 0, 0},
    {"maximize", OPT_BOOL, offsetof(AdagradConfig, maximize), "maximize the objective", 0, 0},
    {NULL, 0, 0, NULL, 0, 0},
};

static const AdagradConfig adagrad_defaults = ADAGRAD_DEFAULTS;

/* The checks torch.optim.Adagrad's constructor makes, in its order, with its
 * messages: every number must be >= 0, written as Python's "if not 0.0 <=
 * lr", so that a NaN fails too. */
static const char *adagrad_validate(const void *config, char *buf, size_t len)
{
    const AdagradConfig *cfg = config;
    return first_refused((ConfigCheck[]){
        {!(cfg->lr >= 0.0f), "Invalid learning rate: %g (it must be >= 0)", cfg->lr},
        {!(cfg->lr_decay >= 0.0f), "Invalid lr_decay value: %g (it must be >= 0)", cfg->lr_decay},
        {!(cfg->weight_decay >= 0.0f), "Invalid weight_decay value: %g (it must be >= 0)", cfg->weight_decay},
        {!(cfg->initial_accumulator_value >= 0.0f),
         "Invalid initial_accumulator_value value: %g (it must be >= 0)", cfg->initial_accumulator_value},
        {!(cfg->eps >= 0.0f), "Invalid epsilon value: %g (it must be >= 0)", cfg->eps},
        {0}}, buf, len);
}

static Optimizer *adagrad_create(ParamList params, const void *config)
{
    return adagrad_new(params, config);
}

const OptimizerSpec ADAGRAD_SPEC = {
    .name = "adagrad",
    .torch_name = "torch.optim.Adagrad",
    .options = adagrad_options,
    .config_size = sizeof(AdagradConfig),
    .defaults = &adagrad_defaults,
    .validate = adagrad_validate,
    .create = adagrad_create,
    .state_has_step = true,    /* PyTorch keeps state["step"]: clr = lr / (1 + (step - 1) lr_decay) */
};
