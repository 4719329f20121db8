/* adamw.c - AdamW: the update rule, its Optimizer adapter, and its entry for
 * optlab (see adamw.h). */
#include "adamw.h"

#include <stdio.h>

/* snippet: adamw_update, shown in 06_adamw */
void adamw_update(float *param /* [n] */, const float *grad /* [n] */,
                  float *exp_avg /* [n] */, float *exp_avg_sq /* [n] */,
                  float *max_exp_avg_sq /* [n] if amsgrad, else unused */,
                  size_t n, long step, const AdamWConfig *cfg)
{
    /* Decoupled weight decay: shrink every weight by the same factor,
     * before Adam looks at the gradient. PyTorch works out 1 - lr * wd in
     * double (Python floats) and multiplies in float. */
    const float shrink = (float)(1.0 - (double)cfg->lr * (double)cfg->weight_decay);
    /* Then Adam's step, with no L2 term: the decay never enters exp_avg or
     * exp_avg_sq, so it is not divided by sqrt(exp_avg_sq). */
    AdamConfig adam = *cfg;
    adam.weight_decay = 0.0f;
    /* Both, 256 weights (1 KB) at a time: Adam's step finds the shrunk
     * weights still in the cache, so param comes from memory once, not
     * twice as after a shrink of the whole tensor. A short chunk also keeps
     * memory busy while the core shrinks (`make bench`: 4096 at a time
     * took about 12% longer than Adam's step; 256 at a time, as long). */
    const size_t chunk = 256;
    for (size_t lo = 0; lo < n; lo += chunk) {
        const size_t len = n - lo < chunk ? n - lo : chunk;
        for (size_t i = lo; i < lo + len; i++) param[i] *= shrink;
        adam_update(param + lo, grad + lo, exp_avg + lo, exp_avg_sq + lo,
                    max_exp_avg_sq ? max_exp_avg_sq + lo : NULL, len, step, &adam);
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
