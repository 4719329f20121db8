/* adamw.c - AdamW: the update rule, its Optimizer adapter, and its entry for
 * optlab (see adamw.h). */
#include "adamw.h"

#include <math.h>
#include <stdio.h>

/* snippet: adamw_update, shown in 06_adamw */
void adamw_update(float *param /* [n] */, const float *grad /* [n] */,
                  float *exp_avg /* [n] */, float *exp_avg_sq /* [n] */,
                  float *max_exp_avg_sq /* [n] if amsgrad, else unused */,
                  size_t n, long step, const AdamWConfig *cfg)
{
    /* Decoupled weight decay: every weight shrinks by the same factor.
     * PyTorch works out 1 - lr * wd in double (Python floats) and
     * multiplies in float. */
    const float shrink = (float)(1.0 - (double)cfg->lr * (double)cfg->weight_decay);
    /* Then chapter 5's step, written out again with the one line moved, so
     * that the whole of AdamW reads in one place and walks memory once
     * (PyTorch's adamw.py, too, was a whole copy, before AdamW became a
     * subclass of Adam). test_adamw.c holds the two to the same bits: the
     * decay, then adam_update. */
    const double beta1 = cfg->betas[0], beta2 = cfg->betas[1];
    const double bias_correction1 = 1.0 - pow(beta1, (double)step);
    const double bias_correction2 = 1.0 - pow(beta2, (double)step);
    const float step_size = (float)(cfg->lr / bias_correction1);
    const float bias_correction2_sqrt = (float)sqrt(bias_correction2);
    const float b1 = (float)beta1, one_minus_b1 = (float)(1.0 - beta1);
    const float b2 = (float)beta2, one_minus_b2 = (float)(1.0 - beta2);
    for (size_t i = 0; i < n; i++) {
        param[i] *= shrink;   /* the decay, on the weight: the one line that moved */
        const float g = cfg->maximize ? -grad[i] : grad[i];   /* no weight_decay * param */
        exp_avg[i] = b1 * exp_avg[i] + one_minus_b1 * g;
        exp_avg_sq[i] = b2 * exp_avg_sq[i] + one_minus_b2 * g * g;
        float second = exp_avg_sq[i];
        if (cfg->amsgrad) {
            max_exp_avg_sq[i] = fmaxf(max_exp_avg_sq[i], exp_avg_sq[i]);
            second = max_exp_avg_sq[i];
        }
        const float denom = sqrtf(second) / bias_correction2_sqrt + cfg->eps;
        param[i] -= step_size * exp_avg[i] / denom;
    }
}
/* end snippet */

/* snippet: adamw_new, shown in 06_adamw */
Optimizer *adamw_new(ParamList params, const AdamWConfig *cfg)
{
    return adam_family_new("adamw", params, cfg, adamw_update);
}
/* end snippet */

/* ---- the entry for optlab and the tests -------------------------------------- */

static const OptionSpec adamw_options[] = {
    {"lr", OPT_FLOAT, offsetof(AdamWConfig, lr), "learning rate", 0, 0},
    {"betas", OPT_DOUBLE2, offsetof(AdamWConfig, betas), "memories of exp_avg and exp_avg_sq", 0, 0},
    {"eps", OPT_FLOAT, offsetof(AdamWConfig, eps), "added to the corrected root", 0, 0},
    {"weight_decay", OPT_FLOAT, offsetof(AdamWConfig, weight_decay),
     "decoupled decay: param *= 1 - lr * weight_decay", 0, 0},
    {"amsgrad", OPT_BOOL, offsetof(AdamWConfig, amsgrad), "divide by the largest exp_avg_sq", 0, 0},
    {"maximize", OPT_BOOL, offsetof(AdamWConfig, maximize), "maximize the objective", 0, 0},
    {NULL, 0, 0, NULL, 0, 0},
};

static const AdamWConfig adamw_defaults = ADAMW_DEFAULTS;

static Optimizer *adamw_create(ParamList params, const void *config)
{
    return adamw_new(params, config);
}

const OptimizerSpec ADAMW_SPEC = {
    .name = "adamw",
    .torch_name = "torch.optim.AdamW",
    .options = adamw_options,
    .config_size = sizeof(AdamWConfig),
    .defaults = &adamw_defaults,
    .validate = adam_validate,   /* AdamW's constructor checks what Adam's does */
    .create = adamw_create,
    .state_has_step = true,
};
