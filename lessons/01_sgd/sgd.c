/* sgd.c - plain SGD: the update rule, its Optimizer adapter, and its entry for
 * optlab (see sgd.h). */
#include "sgd.h"

#include <stdio.h>
#include <stdlib.h>

/* snippet: sgd_update, shown in 01_sgd */
void sgd_update(float *param, const float *grad, size_t n, const SGDConfig *cfg)
{
    for (size_t i = 0; i < n; i++) {
        float g = cfg->maximize ? -grad[i] : grad[i];
        if (cfg->weight_decay != 0.0f)
            g += cfg->weight_decay * param[i];   /* the gradient of (wd/2)*param^2 */
        param[i] -= cfg->lr * g;
    }
}
/* end snippet */

/* snippet: sgd_adapter, shown in 01_sgd */
typedef struct {
    Optimizer base;       /* first, so an SGD* is also an Optimizer* */
    SGDConfig config;
} SGD;

static void sgd_step_group(Optimizer *self, const ParamGroup *group)
{
    SGDConfig cfg = ((SGD *)self)->config;
    cfg.lr = group->lr;   /* the group's own: a schedule may have changed it */
    cfg.weight_decay = group->weight_decay;
    for (int i = group->first; i < group->first + group->count; i++)
        sgd_update(self->params.params[i]->data, self->params.grads[i]->data,
                   self->params.params[i]->numel, &cfg);
}
/* end snippet */

Optimizer *sgd_new(ParamList params, const SGDConfig *cfg)
{
    SGD *sgd = calloc(1, sizeof *sgd);
    if (!sgd) return NULL;
    sgd->config = *cfg;
    optimizer_init(&sgd->base, "sgd", params, cfg->lr, cfg->weight_decay,
                   sgd_step_group);
    return &sgd->base;
}

/* ---- the entry for optlab and the tests -------------------------------------- */

static const OptionSpec sgd_options[] = {
    {"lr", OPT_FLOAT, offsetof(SGDConfig, lr), "learning rate", 0, 0},
    {"weight_decay", OPT_FLOAT, offsetof(SGDConfig, weight_decay), "L2 penalty", 0, 0},
    {"maximize", OPT_BOOL, offsetof(SGDConfig, maximize), "maximize the objective", 0, 0},
    {NULL, 0, 0, NULL, 0, 0},
};

static const SGDConfig sgd_defaults = SGD_DEFAULTS;

/* The checks torch.optim.SGD's constructor makes, with its messages. */
static const char *sgd_validate(const void *config, char *buf, size_t len)
{
    const SGDConfig *cfg = config;
    return first_refused((ConfigCheck[]){
        {cfg->lr < 0.0f, "Invalid learning rate: %g (it must be >= 0)", cfg->lr},
        {cfg->weight_decay < 0.0f, "Invalid weight_decay value: %g (it must be >= 0)", cfg->weight_decay},
        {0}}, buf, len);
}

static Optimizer *sgd_create(ParamList params, const void *config)
{
    return sgd_new(params, config);
}

const OptimizerSpec SGD_SPEC = {
    .name = "sgd",
    .torch_name = "torch.optim.SGD",
    .options = sgd_options,
    .config_size = sizeof(SGDConfig),
    .defaults = &sgd_defaults,
    .validate = sgd_validate,
    .create = sgd_create,
    .state_has_step = false,   /* torch.optim.SGD keeps no step count */
};
