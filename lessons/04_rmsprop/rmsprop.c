/* rmsprop.c - RMSProp: the update rule, its Optimizer adapter, and its entry
 * for optlab (see rmsprop.h). */
#include "rmsprop.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* snippet: rmsprop_update, shown in 04_rmsprop */
void rmsprop_update(float *param /* [n] */, const float *grad /* [n] */,
                    float *square_avg /* [n] */,
                    float *grad_avg /* [n] if centered, else unused */,
                    float *momentum_buffer /* [n] if momentum > 0, else unused */,
                    size_t n, const RMSpropConfig *cfg)
{
    /* PyTorch rounds alpha and 1 - alpha (a Python float) to float once each. */
    const float alpha = (float)cfg->alpha, one_minus_alpha = (float)(1.0 - cfg->alpha);
    for (size_t i = 0; i < n; i++) {
        float g = cfg->maximize ? -grad[i] : grad[i];
        if (cfg->weight_decay != 0.0f)
            g += cfg->weight_decay * param[i];   /* the gradient of (wd/2)*param^2 */
        /* A moving average, not a sum: a gradient k steps old weighs alpha^k. */
        square_avg[i] = alpha * square_avg[i] + one_minus_alpha * g * g;
        float avg;
        if (cfg->centered) {
            /* Subtract the squared mean gradient: what is left estimates
             * the variance of g. PyTorch does not clamp it at 0. */
            grad_avg[i] = alpha * grad_avg[i] + one_minus_alpha * g;
            avg = sqrtf(square_avg[i] - grad_avg[i] * grad_avg[i]) + cfg->eps;
        } else {
            avg = sqrtf(square_avg[i]) + cfg->eps;   /* eps outside the root, as PyTorch */
        }
        if (cfg->momentum > 0.0f) {
            /* The buffer sums normalized steps g/avg (not raw gradients),
             * and starts at 0, not at the first step's value as SGD's does. */
            momentum_buffer[i] = cfg->momentum * momentum_buffer[i] + g / avg;
            param[i] -= cfg->lr * momentum_buffer[i];
        } else {
            param[i] -= cfg->lr * g / avg;
        }
    }
}
/* end snippet */

/* snippet: rmsprop_adapter, shown in 04_rmsprop */
typedef struct {
    Optimizer base;       /* first, so an RMSprop* is also an Optimizer* */
    RMSpropConfig config;
    int square_avg_slot;
    int momentum_slot;    /* -1 when momentum == 0 */
    int grad_avg_slot;    /* -1 unless centered */
} RMSprop;

static float *slot_or_null(Optimizer *opt, int slot, int i)
{
    return slot < 0 ? NULL : opt->slots[slot][i]->data;
}

static void rmsprop_step_group(Optimizer *self, const ParamGroup *group)
{
    RMSprop *rms = (RMSprop *)self;
    RMSpropConfig cfg = rms->config;
    cfg.lr = group->lr;   /* the group's own: a schedule may have changed it */
    cfg.weight_decay = group->weight_decay;
    cfg.momentum = group->momentum;   /* and OneCycleLR its momentum (lesson 07) */
    for (int i = group->first; i < group->first + group->count; i++)
        rmsprop_update(self->params.params[i]->data, self->params.grads[i]->data,
                       self->slots[rms->square_avg_slot][i]->data,
                       slot_or_null(self, rms->grad_avg_slot, i),
                       slot_or_null(self, rms->momentum_slot, i),
                       self->params.params[i]->numel, &cfg);
}

Optimizer *rmsprop_new(ParamList params, const RMSpropConfig *cfg)
{
    RMSprop *rms = calloc(1, sizeof *rms);
    if (!rms) return NULL;
    rms->config = *cfg;
    optimizer_init(&rms->base, "rmsprop", params, cfg->lr, cfg->weight_decay,
                   rmsprop_step_group);
    rms->base.groups[0].momentum = cfg->momentum;
    /* Like PyTorch, only the state the settings use, all zero, in
     * PyTorch's order: 4 bytes per parameter, 8 or 12 with the options. */
    rms->momentum_slot = rms->grad_avg_slot = -1;
    rms->square_avg_slot = optimizer_add_slot(&rms->base, "square_avg");
    bool ok = rms->square_avg_slot >= 0;
    if (ok && cfg->momentum > 0.0f)
        ok = (rms->momentum_slot = optimizer_add_slot(&rms->base, "momentum_buffer")) >= 0;
    if (ok && cfg->centered)
        ok = (rms->grad_avg_slot = optimizer_add_slot(&rms->base, "grad_avg")) >= 0;
    if (!ok) {
        optimizer_free(&rms->base);
        return NULL;
    }
    return &rms->base;
}
/* end snippet */

/* ---- the entry for optlab and the tests -------------------------------------- */

static const OptionSpec rmsprop_options[] = {
    {"lr", OPT_FLOAT, offsetof(RMSpropConfig, lr), "learning rate", 0, 0},
    {"alpha", OPT_DOUBLE, offsetof(RMSpropConfig, alpha), "smoothing constant of square_avg", 0, 0},
    {"eps", OPT_FLOAT, offsetof(RMSpropConfig, eps), "added to the root of square_avg", 0, 0},
    {"weight_decay", OPT_FLOAT, offsetof(RMSpropConfig, weight_decay), "L2 penalty", 0, 0},
    {"momentum", OPT_FLOAT, offsetof(RMSpropConfig, momentum), "momentum factor", 0, 0},
    {"centered", OPT_BOOL, offsetof(RMSpropConfig, centered), "divide by the variance's root", 0, 0},
    {"maximize", OPT_BOOL, offsetof(RMSpropConfig, maximize), "maximize the objective", 0, 0},
    {NULL, 0, 0, NULL, 0, 0},
};

static const RMSpropConfig rmsprop_defaults = RMSPROP_DEFAULTS;

/* The checks torch.optim.RMSprop's constructor makes, in its order, with its
 * messages: every number must be >= 0 (a NaN fails, as it fails Python's
 * "if not 0.0 <= lr"). One more check of our own comes last:
 * PyTorch also takes alpha > 1, which makes square_avg negative and the
 * first step NaN; we refuse it. */
static const char *rmsprop_validate(const void *config, char *buf, size_t len)
{
    const RMSpropConfig *cfg = config;
    return first_refused((ConfigCheck[]){
        {!(cfg->lr >= 0.0f), "Invalid learning rate: %g (it must be >= 0)", cfg->lr},
        {!(cfg->eps >= 0.0f), "Invalid epsilon value: %g (it must be >= 0)", cfg->eps},
        {!(cfg->momentum >= 0.0f), "Invalid momentum value: %g (it must be >= 0)", cfg->momentum},
        {!(cfg->weight_decay >= 0.0f), "Invalid weight_decay value: %g (it must be >= 0)", cfg->weight_decay},
        {!(cfg->alpha >= 0.0), "Invalid alpha value: %g (it must be >= 0)", cfg->alpha},
        {cfg->alpha > 1.0, "Invalid alpha value: %g (it must be <= 1: PyTorch takes it, but "
                           "square_avg would turn negative and the step NaN)", cfg->alpha},
        {0}}, buf, len);
}

static Optimizer *rmsprop_create(ParamList params, const void *config)
{
    return rmsprop_new(params, config);
}

const OptimizerSpec RMSPROP_SPEC = {
    .name = "rmsprop",
    .torch_name = "torch.optim.RMSprop",
    .options = rmsprop_options,
    .config_size = sizeof(RMSpropConfig),
    .defaults = &rmsprop_defaults,
    .validate = rmsprop_validate,
    .create = rmsprop_create,
    .state_has_step = true,    /* PyTorch keeps state["step"], though RMSprop's update never reads it */
};
