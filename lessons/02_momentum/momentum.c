/* momentum.c - SGD with momentum: the update rule, its Optimizer adapter, and
 * its entry for optlab (see momentum.h). */
#include "momentum.h"

#include <stdio.h>
#include <stdlib.h>

/* snippet: sgd_momentum_update, shown in 02_momentum */
void sgd_momentum_update(float *param, const float *grad, float *momentum_buffer, size_t n,
                         const SGDMomentumConfig *cfg, long step)
{
    for (size_t i = 0; i < n; i++) {
        float g = cfg->maximize ? -grad[i] : grad[i];
        if (cfg->weight_decay != 0.0f)
            g += cfg->weight_decay * param[i];   /* the gradient of (wd/2)*param^2 */
        if (cfg->momentum != 0.0f) {
            float *buf = &momentum_buffer[i];
            if (step == 1)
                *buf = g;       /* a copy of the first gradient, undamped */
            else
                *buf = cfg->momentum * *buf + (1.0f - cfg->dampening) * g;
            g = cfg->nesterov ? g + cfg->momentum * *buf : *buf;
        }
        param[i] -= cfg->lr * g;
    }
}
/* end snippet */

/* snippet: sgd_momentum_adapter, shown in 02_momentum */
typedef struct {
    Optimizer base;       /* first, so an SGDMomentum* is also an Optimizer* */
    SGDMomentumConfig config;
    int buffer_slot;      /* the momentum_buffer slot, or -1 when momentum == 0 */
} SGDMomentum;

static void sgd_momentum_step_group(Optimizer *self, const ParamGroup *group)
{
    SGDMomentum *sgd = (SGDMomentum *)self;
    SGDMomentumConfig cfg = sgd->config;
    cfg.lr = group->lr;   /* the group's own: a schedule may have changed it */
    cfg.weight_decay = group->weight_decay;
    cfg.momentum = group->momentum;   /* and OneCycleLR its momentum (lesson 07) */
    for (int i = group->first; i < group->first + group->count; i++) {
        float *buf = sgd->buffer_slot < 0 ? NULL : self->slots[sgd->buffer_slot][i]->data;
        sgd_momentum_update(self->params.params[i]->data, self->params.grads[i]->data, buf,
                            self->params.params[i]->numel, &cfg, self->step_count);
    }
}

Optimizer *sgd_momentum_new(ParamList params, const SGDMomentumConfig *cfg)
{
    SGDMomentum *sgd = calloc(1, sizeof *sgd);
    if (!sgd) return NULL;
    sgd->config = *cfg;
    optimizer_init(&sgd->base, "sgd", params, cfg->lr, cfg->weight_decay,
                   sgd_momentum_step_group);
    sgd->base.groups[0].momentum = cfg->momentum;
    /* The buffers are allocated here, once: a step never allocates. Like
     * PyTorch, plain SGD (momentum 0) keeps no state at all. */
    sgd->buffer_slot = -1;
    if (cfg->momentum != 0.0f) {
        sgd->buffer_slot = optimizer_add_slot(&sgd->base, "momentum_buffer");
        if (sgd->buffer_slot < 0) {
            optimizer_free(&sgd->base);
            return NULL;
        }
    }
    return &sgd->base;
}
/* end snippet */

/* ---- the entry for optlab and the tests -------------------------------------- */

static const OptionSpec sgd_momentum_options[] = {
    {"lr", OPT_FLOAT, offsetof(SGDMomentumConfig, lr), "learning rate", 0, 0},
    {"momentum", OPT_FLOAT, offsetof(SGDMomentumConfig, momentum), "momentum factor (beta)", 0, 0},
    {"dampening", OPT_FLOAT, offsetof(SGDMomentumConfig, dampening), "dampening for momentum", 0, 0},
    {"weight_decay", OPT_FLOAT, offsetof(SGDMomentumConfig, weight_decay), "L2 penalty", 0, 0},
    {"nesterov", OPT_BOOL, offsetof(SGDMomentumConfig, nesterov), "Nesterov momentum", 0, 0},
    {"maximize", OPT_BOOL, offsetof(SGDMomentumConfig, maximize), "maximize the objective", 0, 0},
    {NULL, 0, 0, NULL, 0, 0},
};

static const SGDMomentumConfig sgd_momentum_defaults = SGD_MOMENTUM_DEFAULTS;

/* The checks torch.optim.SGD's constructor makes, with its messages. Like
 * PyTorch it accepts any dampening (and any momentum >= 0). */
static const char *sgd_momentum_validate(const void *config, char *buf, size_t len)
{
    const SGDMomentumConfig *cfg = config;
    const char *refused = first_refused((ConfigCheck[]){
        {cfg->lr < 0.0f, "Invalid learning rate: %g (it must be >= 0)", cfg->lr},
        {cfg->momentum < 0.0f, "Invalid momentum value: %g (it must be >= 0)", cfg->momentum},
        {cfg->weight_decay < 0.0f, "Invalid weight_decay value: %g (it must be >= 0)", cfg->weight_decay},
        {0}}, buf, len);
    if (refused || !(cfg->nesterov && (cfg->momentum <= 0.0f || cfg->dampening != 0.0f))) return refused;
    snprintf(buf, len, "Nesterov momentum requires a momentum and zero dampening (got momentum=%g, dampening=%g)",
             cfg->momentum, cfg->dampening);
    return buf;
}

static Optimizer *sgd_momentum_create(ParamList params, const void *config)
{
    return sgd_momentum_new(params, config);
}

const OptimizerSpec SGD_MOMENTUM_SPEC = {
    .name = "sgd",
    .torch_name = "torch.optim.SGD",
    .options = sgd_momentum_options,
    .config_size = sizeof(SGDMomentumConfig),
    .defaults = &sgd_momentum_defaults,
    .validate = sgd_momentum_validate,
    .create = sgd_momentum_create,
    .state_has_step = false,   /* torch.optim.SGD keeps only momentum_buffer */
};
