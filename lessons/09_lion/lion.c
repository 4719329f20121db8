/* lion.c - Lion: the update rule, its Optimizer adapter, and its entry for
 * optlab (see lion.h). */
#include "lion.h"

#include "adam.h"

#include <stdio.h>
#include <stdlib.h>

/* snippet: lion_update, shown in 09_lion */
void lion_update(float *param /* [n] */, const float *grad /* [n] */,
                 float *exp_avg /* [n] */, size_t n, const LionConfig *cfg)
{
    /* Decoupled weight decay on the old weights, as AdamW's (lesson 06):
     * 1 - lr * wd in double (Python floats), rounded to float once. */
    const float shrink = (float)(1.0 - (double)cfg->lr * (double)cfg->weight_decay);
    /* The authors' code rounds each beta and each 1 - beta to float once. */
    const float b1 = (float)cfg->betas[0], one_minus_b1 = (float)(1.0 - cfg->betas[0]);
    const float b2 = (float)cfg->betas[1], one_minus_b2 = (float)(1.0 - cfg->betas[1]);
    for (size_t i = 0; i < n; i++) {
        param[i] *= shrink;
        /* The direction: a blend of the old memory and today's gradient,
         * of which only the sign is kept. */
        const float c = b1 * exp_avg[i] + one_minus_b1 * grad[i];
        /* torch.sign: +1, -1, or 0 at 0 (and at NaN, on the CPU) */
        const float sign = (float)((c > 0.0f) - (c < 0.0f));
        param[i] -= cfg->lr * sign;
        /* Only then the memory learns today's gradient, at its own rate.
         * (PyTorch's add_ fuses this multiply-add on most CPUs: exp_avg
         * may differ by an ulp; the step, lr * sign, never does.) */
        exp_avg[i] = b2 * exp_avg[i] + one_minus_b2 * grad[i];
    }
}
/* end snippet */

/* snippet: lion_adapter, shown in 09_lion */
typedef struct {
    Optimizer base;   /* first, so a Lion* is also an Optimizer* */
    LionConfig config;
    int exp_avg_slot;
} Lion;

static void lion_step_group(Optimizer *self, const ParamGroup *group)
{
    Lion *lion = (Lion *)self;
    LionConfig cfg = lion->config;
    cfg.lr = group->lr;   /* the group's own: a schedule may have changed it */
    cfg.weight_decay = group->weight_decay;
    cfg.betas[0] = group->beta1;   /* and OneCycleLR its beta1 (lesson 07) */
    for (int i = group->first; i < group->first + group->count; i++)
        lion_update(self->params.params[i]->data, self->params.grads[i]->data,
                    self->slots[lion->exp_avg_slot][i]->data,
                    self->params.params[i]->numel, &cfg);
}

Optimizer *lion_new(ParamList params, const LionConfig *cfg)
{
    Lion *lion = calloc(1, sizeof *lion);
    if (!lion) return NULL;
    lion->config = *cfg;
    optimizer_init(&lion->base, "lion", params, cfg->lr, cfg->weight_decay,
                   lion_step_group);
    lion->base.groups[0].beta1 = cfg->betas[0];
    /* One tensor the size of the parameters: 4 bytes of state for every
     * 4-byte parameter, half of AdamW's. */
    lion->exp_avg_slot = optimizer_add_slot(&lion->base, "exp_avg");
    if (lion->exp_avg_slot < 0) {
        optimizer_free(&lion->base);
        return NULL;
    }
    return &lion->base;
}
/* end snippet */

/* ---- the entry for optlab and the tests -------------------------------------- */

static const OptionSpec lion_options[] = {
    {"lr", OPT_FLOAT, offsetof(LionConfig, lr), "the size of every coordinate's step", 0, 0},
    {"betas", OPT_DOUBLE2, offsetof(LionConfig, betas),
     "the blend that is signed, exp_avg's memory", 0, 0},
    {"weight_decay", OPT_FLOAT, offsetof(LionConfig, weight_decay),
     "decoupled decay: param *= 1 - lr * weight_decay", 0, 0},
    {NULL, 0, 0, NULL, 0, 0},
};

static const LionConfig lion_defaults = LION_DEFAULTS;

/* The authors' checks: lr >= 0 and each beta in [0, 1), with PyTorch's
 * messages: Adam's checks (lesson 05) but eps, which Lion has not. They
 * check nothing on weight_decay; a negative one would grow the weights, so,
 * like every torch.optim optimizer, this one refuses it too. */
const char *lion_validate(const void *config, char *buf, size_t len)
{
    const LionConfig *cfg = config;
    const AdamConfig adam = {.lr = cfg->lr, .betas = {cfg->betas[0], cfg->betas[1]}, .eps = 0.0f,
                             .weight_decay = cfg->weight_decay};
    return adam_validate(&adam, buf, len);
}

static Optimizer *lion_create(ParamList params, const void *config)
{
    return lion_new(params, config);
}

const OptimizerSpec LION_SPEC = {
    .name = "lion",
    .torch_name = "lion_pytorch.Lion",
    .options = lion_options,
    .config_size = sizeof(LionConfig),
    .defaults = &lion_defaults,
    .validate = lion_validate,
    .create = lion_create,
    .state_has_step = false,   /* the authors' state holds exp_avg only */
};
