/* adamw.c - AdamW: the update rule, its Optimizer adapter, and its entry for
 * optlab (see adamw.h). */
#include "adamw.h"
#include "adamw_element.h"

#include <math.h>
#include <stdio.h>

/* snippet: adamw_step_constants, shown in 06_adamw */
AdamWStepConstants adamw_step_constants(float lr, double beta1, double beta2, float eps,
                                        float weight_decay, long step)
{
    /* PyTorch works out 1 - lr * wd and the bias corrections in double
     * (Python floats) and multiplies in float. */
    const double bias_correction1 = 1.0 - pow(beta1, (double)step);
    const double bias_correction2 = 1.0 - pow(beta2, (double)step);
    return (AdamWStepConstants){
        .shrink = (float)(1.0 - (double)lr * (double)weight_decay),
        .beta1 = (float)beta1, .one_minus_beta1 = (float)(1.0 - beta1),
        .beta2 = (float)beta2, .one_minus_beta2 = (float)(1.0 - beta2),
        .step_size = (float)(lr / bias_correction1),
        .bias_correction2_sqrt = (float)sqrt(bias_correction2),
        .eps = eps,
    };
}
/* end snippet */

/* snippet: adamw_update, shown in 06_adamw */
void adamw_update(float *param /* [n] */, const float *grad /* [n] */,
                  float *exp_avg /* [n] */, float *exp_avg_sq /* [n] */,
                  float *max_exp_avg_sq /* [n] if amsgrad, else unused */,
                  size_t n, long step, const AdamWConfig *cfg)
{
    /* Chapter 5's step with one line moved, each element's arithmetic in
     * adamw_element: the whole of AdamW reads in one place and walks memory
     * once (PyTorch's adamw.py, too, was a whole copy, before AdamW became
     * a subclass of Adam). test_adamw.c holds the two to the same bits: the
     * decay, then adam_update. */
    const AdamWStepConstants k = adamw_step_constants(cfg->lr, cfg->betas[0], cfg->betas[1],
                                                      cfg->eps, cfg->weight_decay, step);
    if (cfg->amsgrad) {
        for (size_t i = 0; i < n; i++) {
            /* no weight_decay * param in g: the decay is on the weight */
            const float g = cfg->maximize ? -grad[i] : grad[i];
            param[i] = adamw_element(&k, param[i], g, &exp_avg[i], &exp_avg_sq[i],
                                     &max_exp_avg_sq[i]);
        }
    } else {   /* the same, with no max_exp_avg_sq */
        for (size_t i = 0; i < n; i++) {
            const float g = cfg->maximize ? -grad[i] : grad[i];
            param[i] = adamw_element(&k, param[i], g, &exp_avg[i], &exp_avg_sq[i], NULL);
        }
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
