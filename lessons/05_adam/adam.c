/* adam.c - Adam: the update rule, its Optimizer adapter, and its entry for
 * optlab (see adam.h). */
#include "adam.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* snippet: adam_update, shown in 05_adam */
void adam_update(float *param /* [n] */, const float *grad /* [n] */,
                 float *exp_avg /* [n] */, float *exp_avg_sq /* [n] */,
                 float *max_exp_avg_sq /* [n] if amsgrad, else unused */,
                 size_t n, long step, const AdamConfig *cfg)
{
    const double beta1 = cfg->betas[0], beta2 = cfg->betas[1];
    /* Both averages started at 0, so after t steps they hold only a
     * fraction 1 - beta^t of the gradient's scale: divide it back out.
     * Worked out once per tensor, in double, as PyTorch's Python floats. */
    const double bias_correction1 = 1.0 - pow(beta1, (double)step);
    const double bias_correction2 = 1.0 - pow(beta2, (double)step);
    const float step_size = (float)(cfg->lr / bias_correction1);
    const float bias_correction2_sqrt = (float)sqrt(bias_correction2);
    /* PyTorch (1.13, the golden files') rounds each beta and each
     * 1 - beta to float once. */
    const float b1 = (float)beta1, one_minus_b1 = (float)(1.0 - beta1);
    const float b2 = (float)beta2, one_minus_b2 = (float)(1.0 - beta2);
    for (size_t i = 0; i < n; i++) {
        float g = cfg->maximize ? -grad[i] : grad[i];
        if (cfg->weight_decay != 0.0f)
            g += cfg->weight_decay * param[i];   /* L2: the gradient of (wd/2)*param^2 */
        exp_avg[i] = b1 * exp_avg[i] + one_minus_b1 * g;            /* momentum's average */
        exp_avg_sq[i] = b2 * exp_avg_sq[i] + one_minus_b2 * g * g;   /* RMSProp's average */
        float second = exp_avg_sq[i];
        if (cfg->amsgrad) {
            /* Never let the denominator shrink: keep the largest raw
             * exp_avg_sq seen (PyTorch takes the max before correcting). */
            max_exp_avg_sq[i] = fmaxf(max_exp_avg_sq[i], exp_avg_sq[i]);
            second = max_exp_avg_sq[i];
        }
        /* eps is added after the correction: sqrt(v / bc2) + eps. */
        float denom = sqrtf(second) / bias_correction2_sqrt + cfg->eps;
        param[i] -= step_size * exp_avg[i] / denom;
    }
}
/* end snippet */

/* snippet: adam_adapter, shown in 05_adam */
typedef struct {
    Optimizer base;       /* first, so an Adam* is also an Optimizer* */
    AdamConfig config;
    AdamUpdate *update;   /* adam_update; lesson 06's AdamW brings its own */
    int exp_avg_slot, exp_avg_sq_slot;
    int max_exp_avg_sq_slot;   /* -1 unless amsgrad */
} Adam;

static void adam_step_group(Optimizer *self, const ParamGroup *group)
{
    Adam *adam = (Adam *)self;
    AdamConfig cfg = adam->config;
    cfg.lr = group->lr;   /* the group's own: a schedule may have changed it */
    cfg.weight_decay = group->weight_decay;
    cfg.betas[0] = group->beta1;   /* and OneCycleLR its beta1 (lesson 07) */
    for (int i = group->first; i < group->first + group->count; i++) {
        int max_slot = adam->max_exp_avg_sq_slot;   /* -1 without amsgrad */
        float *max_exp_avg_sq = max_slot < 0 ? NULL : self->slots[max_slot][i]->data;
        adam->update(self->params.params[i]->data, self->params.grads[i]->data,
                     self->slots[adam->exp_avg_slot][i]->data,
                     self->slots[adam->exp_avg_sq_slot][i]->data, max_exp_avg_sq,
                     self->params.params[i]->numel, self->step_count, &cfg);
    }
}

Optimizer *adam_family_new(const char *name, ParamList params, const AdamConfig *cfg,
                           AdamUpdate *update)
{
    Adam *adam = calloc(1, sizeof *adam);
    if (!adam) return NULL;
    adam->config = *cfg;
    adam->update = update;
    optimizer_init(&adam->base, name, params, cfg->lr, cfg->weight_decay, adam_step_group);
    adam->base.groups[0].beta1 = cfg->betas[0];
    /* Two tensors the size of the parameters, three with amsgrad: 8 or 12
     * bytes of state for every 4-byte parameter. */
    adam->max_exp_avg_sq_slot = -1;
    adam->exp_avg_slot = optimizer_add_slot(&adam->base, "exp_avg");
    adam->exp_avg_sq_slot = optimizer_add_slot(&adam->base, "exp_avg_sq");
    bool ok = adam->exp_avg_slot >= 0 && adam->exp_avg_sq_slot >= 0;
    if (ok && cfg->amsgrad)
        ok = (adam->max_exp_avg_sq_slot =
                  optimizer_add_slot(&adam->base, "max_exp_avg_sq")) >= 0;
    if (!ok) {
        optimizer_free(&adam->base);
        return NULL;
    }
    return &adam->base;
}

Optimizer *adam_new(ParamList params, const AdamConfig *cfg)
{
    return adam_family_new("adam", params, cfg, adam_update);
}
/* end snippet */

/* ---- the entry for optlab and the tests -------------------------------------- */

static const OptionSpec adam_options[] = {
    {"lr", OPT_FLOAT, offsetof(AdamConfig, lr), "learning rate", 0, 0},
    {"betas", OPT_DOUBLE2, offsetof(AdamConfig, betas), "memories of exp_avg and exp_avg_sq", 0, 0},
    {"eps", OPT_FLOAT, offsetof(AdamConfig, eps), "added to the corrected root", 0, 0},
    {"weight_decay", OPT_FLOAT, offsetof(AdamConfig, weight_decay), "L2 penalty", 0, 0},
    {"amsgrad", OPT_BOOL, offsetof(AdamConfig, amsgrad), "divide by the largest exp_avg_sq", 0, 0},
    {"maximize", OPT_BOOL, offsetof(AdamConfig, maximize), "maximize the objective", 0, 0},
    {NULL, 0, 0, NULL, 0, 0},
};

static const AdamConfig adam_defaults = ADAM_DEFAULTS;

/* The checks torch.optim.Adam's constructor makes, in its order, with its
 * messages: lr and eps >= 0, each beta in [0, 1), weight_decay >= 0. Each
 * is written as Python's "if not 0.0 <= lr", so that a NaN fails it too. */
const char *adam_validate(const void *config, char *buf, size_t len)
{
    const AdamConfig *cfg = config;
    return first_refused((ConfigCheck[]){
        {!(cfg->lr >= 0.0f), "Invalid learning rate: %g", cfg->lr},
        {!(cfg->eps >= 0.0f), "Invalid epsilon value: %g", cfg->eps},
        {!(cfg->betas[0] >= 0.0 && cfg->betas[0] < 1.0), "Invalid beta parameter at index 0: %g", cfg->betas[0]},
        {!(cfg->betas[1] >= 0.0 && cfg->betas[1] < 1.0), "Invalid beta parameter at index 1: %g", cfg->betas[1]},
        {!(cfg->weight_decay >= 0.0f), "Invalid weight_decay value: %g", cfg->weight_decay},
        {0}}, buf, len);
}

static Optimizer *adam_create(ParamList params, const void *config)
{
    return adam_new(params, config);
}

const OptimizerSpec ADAM_SPEC = {
    .name = "adam",
    .torch_name = "torch.optim.Adam",
    .options = adam_options,
    .config_size = sizeof(AdamConfig),
    .defaults = &adam_defaults,
    .validate = adam_validate,
    .create = adam_create,
    .state_has_step = true,    /* state["step"]: the t of the bias corrections */
};
