/* mixed.c - AdamW's step on BF16 weights: all in BF16 as PyTorch runs it,
 * llm.c's stochastic rounding, and FP32 master weights; and the smallest
 * step a BF16 weight keeps (see mixed.h). */
#include "mixed.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lowp.h"

/* snippet: adamw_update_bf16, shown in 11_mixed_precision */
void adamw_update_bf16(uint16_t *param /* [n] */, const uint16_t *grad /* [n] */,
                       uint16_t *exp_avg /* [n] */, uint16_t *exp_avg_sq /* [n] */,
                       uint16_t *max_exp_avg_sq /* [n] if amsgrad, else unused */, size_t n,
                       long step, const AdamWConfig *cfg)
{
    const double beta1 = cfg->betas[0], beta2 = cfg->betas[1];
    /* The step's numbers, in double as Python works them out (lesson 05). */
    const double bias_correction1 = 1.0 - pow(beta1, (double)step);
    const double bias_correction2 = 1.0 - pow(beta2, (double)step);
    const double step_size = cfg->lr / bias_correction1;
    const double bias_correction2_sqrt = sqrt(bias_correction2);
    /* A Python number that mul_, add_ (its alpha too) or / hands a BF16
     * tensor is rounded to BF16 before it meets an element: 0.9 becomes
     * 0.8984375, and 0.999 and 1 - 1e-5 become 1, so that with the
     * defaults exp_avg_sq never decays and the weight decay does nothing. */
    const float shrink = bf16_round((float)(1.0 - (double)cfg->lr * cfg->weight_decay));
    const float b1 = bf16_round((float)beta1);
    const float one_minus_b1 = bf16_round((float)(1.0 - beta1));
    const float b2 = bf16_round((float)beta2);
    const float bc2_sqrt = bf16_round((float)bias_correction2_sqrt);
    const float eps = bf16_round(cfg->eps);
    /* addcmul_ and addcdiv_ keep their value a float32. */
    const float one_minus_b2 = (float)(1.0 - beta2);
    const float neg_step_size = (float)-step_size;
    for (size_t i = 0; i < n; i++) {
        /* One line per tensor operation of PyTorch's step; each works in
         * float32 and rounds its result to BF16 (bf16_round) once. */
        float g = float_from_bf16(grad[i]);
        if (cfg->maximize) g = -g;
        /* param.mul_(1 - lr*wd), exp_avg.mul_(beta1) */
        float p = bf16_round(float_from_bf16(param[i]) * shrink);
        float m = bf16_round(float_from_bf16(exp_avg[i]) * b1);
        /* .add_(grad, alpha=1 - beta1): one rounding, the product of two
         * BF16 numbers being exact in float32 (PyTorch's last n mod 32
         * elements round the product first: tools/mixed_reference.py). */
        m = bf16_round(m + one_minus_b1 * g);
        /* exp_avg_sq.mul_(beta2) */
        float v = bf16_round(float_from_bf16(exp_avg_sq[i]) * b2);
        /* .addcmul_(grad, grad, value=1 - beta2): PyTorch's kernel is
         * compiled to a fused multiply-add, one rounding of (value*g)*g + v. */
        v = bf16_round(fmaf(one_minus_b2 * g, g, v));
        exp_avg[i] = bf16_from_float(m);
        exp_avg_sq[i] = bf16_from_float(v);
        float second = v;
        if (cfg->amsgrad) {
            /* torch.maximum: exact, and a NaN on either side wins. */
            float max = float_from_bf16(max_exp_avg_sq[i]);
            if (isnan(v) || v > max) max = v;
            max_exp_avg_sq[i] = bf16_from_float(max);
            second = max;
        }
        float denom = bf16_round(sqrtf(second));   /* .sqrt() */
        denom = bf16_round(denom / bc2_sqrt);      /* / bias_correction2_sqrt */
        denom = bf16_round(denom + eps);           /* .add_(eps) */
        /* param.addcdiv_(exp_avg, denom, value=-step_size): the step is
         * worked out in float32 and added, and only the sum is rounded. A
         * step below about half the BF16 spacing at p rounds back to p. */
        param[i] = bf16_from_float(p + neg_step_size * m / denom);
    }
}
/* end snippet */

/* snippet: adamw_update_bf16_stochastic, shown in 11_mixed_precision */
void adamw_update_bf16_stochastic(uint16_t *param /* [n] */, const float *grad /* [n] */,
                                  float *exp_avg /* [n] */, float *exp_avg_sq /* [n] */,
                                  float *max_exp_avg_sq /* [n] if amsgrad, else unused */,
                                  size_t n, long step, uint64_t seed,
                                  const AdamWConfig *cfg)
{
    /* The weights a chunk at a time, widened to float32 on the stack: the
     * step itself is lesson 06's, in float32, on FP32 states; only the
     * weight is stored in 16 bits. */
    enum { CHUNK = 256 };
    float wide[CHUNK];
    for (size_t lo = 0; lo < n; lo += CHUNK) {
        const size_t len = n - lo < CHUNK ? n - lo : CHUNK;
        for (size_t i = 0; i < len; i++) wide[i] = float_from_bf16(param[lo + i]);
        adamw_update(wide, grad + lo, exp_avg + lo, exp_avg_sq + lo,
                     max_exp_avg_sq ? max_exp_avg_sq + lo : NULL, len, step, cfg);
        /* Round up or down at random, up with probability equal to how far
         * the new weight lies towards the BF16 above it: on average the
         * stored weight is the float32 one, so steps too small to survive
         * rounding to nearest still move it, in expectation. */
        for (size_t i = 0; i < len; i++) {
            const uint32_t bits = stochastic_rounding_bits(seed, step, lo + i);
            param[lo + i] = bf16_from_float_stochastic(wide[i], bits);
        }
    }
}
/* end snippet */

/* snippet: adamw_update_master, shown in 11_mixed_precision */
void adamw_update_master(uint16_t *param /* [n] */, float *master /* [n] */,
                         const float *grad /* [n] */, float *exp_avg /* [n] */,
                         float *exp_avg_sq /* [n] */,
                         float *max_exp_avg_sq /* [n] if amsgrad, else unused */, size_t n,
                         long step, const AdamWConfig *cfg)
{
    /* The step on the float32 master copy, exactly as lesson 06 takes it:
     * a step of 1e-5 on a weight of 1 is kept there, and steps add up. */
    adamw_update(master, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, n, step, cfg);
    /* The model computes with a BF16 copy, rounded to nearest afresh from
     * the master every step, so no rounding error builds up in it. */
    for (size_t i = 0; i < n; i++) param[i] = bf16_from_float(master[i]);
}
/* end snippet */

/* snippet: bf16_smallest_surviving_update, shown in 11_mixed_precision */
float bf16_smallest_surviving_update(float w)
{
    const float weight = bf16_round(w);
    if (!isfinite(weight)) return NAN;
    /* Adding more never moves the weight less (w + u and its rounding
     * both grow with u), so the answer is where "stays" turns to "moves":
     * found by halving, over the bit patterns of the positive floats,
     * which are in the order of their values. u = 0 stays; u = inf moves. */
    uint32_t stays = 0, moves = 0x7F800000u;
    while (moves - stays > 1) {
        const uint32_t mid = stays + (moves - stays) / 2;
        if (bf16_round(weight + float_from_bits(mid)) != weight)
            moves = mid;
        else
            stays = mid;
    }
    return float_from_bits(moves);
}
/* end snippet */

/* snippet: mixed_adapter, shown in 11_mixed_precision */
typedef struct {
    Optimizer base;   /* first, so a MixedAdamW* is also an Optimizer* */
    MixedAdamWConfig config;
    int exp_avg_slot, exp_avg_sq_slot;
    int max_exp_avg_sq_slot;   /* -1 unless amsgrad */
    int master_slot;           /* -1 unless PRECISION_BF16_MASTER */
    /* One tensor's arrays as BF16 bit patterns during its step: five
     * (param, grad, the three states) of the largest tensor's size, in the
     * same allocation, so that a step allocates nothing. */
    uint16_t scratch[];
} MixedAdamW;

/* The float32 arrays that hold BF16 values, as bit patterns and back. */
static void to_bf16(const float *x /* [n] */, uint16_t *out /* [n] */, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = bf16_from_float(x[i]);
}

static void from_bf16(const uint16_t *b /* [n] */, float *out /* [n] */, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = float_from_bf16(b[i]);
}

/* Everything BF16: param, grad and the states, as bit patterns for the
 * step, then back into the float32 arrays. */
static void step_bf16(float *param /* [n] */, const float *grad /* [n] */,
                      float *exp_avg /* [n] */, float *exp_avg_sq /* [n] */,
                      float *max_exp_avg_sq /* [n] or NULL */,
                      uint16_t *scratch /* [5 * n] */, size_t n, long step,
                      const AdamWConfig *cfg)
{
    uint16_t *p = scratch, *g = p + n, *m = g + n, *v = m + n, *vmax = v + n;
    to_bf16(param, p, n), to_bf16(grad, g, n);
    to_bf16(exp_avg, m, n), to_bf16(exp_avg_sq, v, n);
    if (max_exp_avg_sq) to_bf16(max_exp_avg_sq, vmax, n);
    adamw_update_bf16(p, g, m, v, max_exp_avg_sq ? vmax : NULL, n, step, cfg);
    from_bf16(p, param, n), from_bf16(m, exp_avg, n), from_bf16(v, exp_avg_sq, n);
    if (max_exp_avg_sq) from_bf16(vmax, max_exp_avg_sq, n);
}

static void mixed_step_group(Optimizer *self, const ParamGroup *group)
{
    MixedAdamW *mx = (MixedAdamW *)self;
    AdamWConfig cfg = mx->config.adamw;
    cfg.lr = group->lr;   /* the group's own: a schedule may have changed it */
    cfg.weight_decay = group->weight_decay;
    cfg.betas[0] = group->beta1;
    for (int i = group->first; i < group->first + group->count; i++) {
        float *param = self->params.params[i]->data, *grad = self->params.grads[i]->data;
        float *exp_avg = self->slots[mx->exp_avg_slot][i]->data;
        float *exp_avg_sq = self->slots[mx->exp_avg_sq_slot][i]->data;
        float *max_exp_avg_sq = mx->max_exp_avg_sq_slot < 0
                                    ? NULL
                                    : self->slots[mx->max_exp_avg_sq_slot][i]->data;
        const size_t n = self->params.params[i]->numel;
        /* The gradient a BF16 backward pass stores. */
        for (size_t k = 0; k < n; k++) grad[k] = bf16_round(grad[k]);
        if (mx->config.precision == PRECISION_BF16) {
            step_bf16(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, mx->scratch, n,
                      self->step_count, &cfg);
            continue;
        }
        uint16_t *weights = mx->scratch;   /* the BF16 model's tensor */
        to_bf16(param, weights, n);
        if (mx->config.precision == PRECISION_BF16_STOCHASTIC)
            adamw_update_bf16_stochastic(weights, grad, exp_avg, exp_avg_sq, max_exp_avg_sq,
                                         n, self->step_count,
                                         (uint64_t)mx->config.seed + (uint64_t)i, &cfg);
        else
            adamw_update_master(weights, self->slots[mx->master_slot][i]->data, grad,
                                exp_avg, exp_avg_sq, max_exp_avg_sq, n, self->step_count,
                                &cfg);
        from_bf16(weights, param, n);
    }
}

Optimizer *mixed_adamw_new(ParamList params, const MixedAdamWConfig *cfg)
{
    static const char *const names[] = {"adamw_bf16", "adamw_bf16_stochastic",
                                        "adamw_bf16_master"};
    size_t largest = 0;
    for (int i = 0; i < params.count; i++)
        if (params.params[i]->numel > largest) largest = params.params[i]->numel;
    MixedAdamW *mx = calloc(1, sizeof *mx + 5 * largest * sizeof mx->scratch[0]);
    if (!mx) return NULL;
    mx->config = *cfg;
    optimizer_init(&mx->base, names[cfg->precision], params, cfg->adamw.lr,
                   cfg->adamw.weight_decay, mixed_step_group);
    mx->base.groups[0].beta1 = cfg->adamw.betas[0];
    mx->max_exp_avg_sq_slot = mx->master_slot = -1;
    mx->exp_avg_slot = optimizer_add_slot(&mx->base, "exp_avg");
    mx->exp_avg_sq_slot = optimizer_add_slot(&mx->base, "exp_avg_sq");
    bool ok = mx->exp_avg_slot >= 0 && mx->exp_avg_sq_slot >= 0;
    if (ok && cfg->adamw.amsgrad)
        ok = (mx->max_exp_avg_sq_slot =
                  optimizer_add_slot(&mx->base, "max_exp_avg_sq")) >= 0;
    if (ok && cfg->precision == PRECISION_BF16_MASTER)
        ok = (mx->master_slot = optimizer_add_slot(&mx->base, "master")) >= 0;
    if (!ok) {
        optimizer_free(&mx->base);
        return NULL;
    }
    /* model.to(torch.bfloat16), the master copy kept first. */
    for (int i = 0; i < params.count; i++) {
        float *w = params.params[i]->data;
        if (mx->master_slot >= 0)
            memcpy(mx->base.slots[mx->master_slot][i]->data, w,
                   params.params[i]->numel * sizeof *w);
        for (size_t k = 0; k < params.params[i]->numel; k++) w[k] = bf16_round(w[k]);
    }
    return &mx->base;
}
/* end snippet */

/* ---- the entries for optlab and the tests -------------------------------------- */

#define ADAMW_OPTIONS                                                                             \
    {"lr", OPT_FLOAT, offsetof(MixedAdamWConfig, adamw.lr), "learning rate", 0, 0},                \
    {"betas", OPT_DOUBLE2, offsetof(MixedAdamWConfig, adamw.betas),                               \
     "memories of exp_avg and exp_avg_sq", 0, 0},                                                 \
    {"eps", OPT_FLOAT, offsetof(MixedAdamWConfig, adamw.eps), "added to the corrected root", 0, 0}, \
    {"weight_decay", OPT_FLOAT, offsetof(MixedAdamWConfig, adamw.weight_decay),                    \
     "decoupled decay: param *= 1 - lr * weight_decay", 0, 0},                                    \
    {"amsgrad", OPT_BOOL, offsetof(MixedAdamWConfig, adamw.amsgrad),                               \
     "divide by the largest exp_avg_sq", 0, 0},                                                   \
    {"maximize", OPT_BOOL, offsetof(MixedAdamWConfig, adamw.maximize), "maximize the objective", 0, 0}

static const OptionSpec bf16_options[] = {ADAMW_OPTIONS, {NULL, 0, 0, NULL, 0, 0}};
static const OptionSpec stochastic_options[] = {
    ADAMW_OPTIONS,
    {"seed", OPT_INT, offsetof(MixedAdamWConfig, seed), "seed of the rounding's random bits", 0, INT32_MAX},
    {NULL, 0, 0, NULL, 0, 0},
};

static const MixedAdamWConfig bf16_defaults = {ADAMW_DEFAULTS, PRECISION_BF16, 0};
static const MixedAdamWConfig stochastic_defaults = {ADAMW_DEFAULTS, PRECISION_BF16_STOCHASTIC, 0};
static const MixedAdamWConfig master_defaults = {ADAMW_DEFAULTS, PRECISION_BF16_MASTER, 0};

/* AdamW's checks, on the AdamW part of the config. */
static const char *mixed_validate(const void *config, char *buf, size_t len)
{
    return adam_validate(&((const MixedAdamWConfig *)config)->adamw, buf, len);
}

static Optimizer *mixed_create(ParamList params, const void *config)
{
    return mixed_adamw_new(params, config);
}

const OptimizerSpec ADAMW_BF16_SPEC = {
    .name = "adamw_bf16",
    .torch_name = "torch.optim.AdamW on a model.to(torch.bfloat16)",
    .options = bf16_options,
    .config_size = sizeof(MixedAdamWConfig),
    .defaults = &bf16_defaults,
    .validate = mixed_validate,
    .create = mixed_create,
    .state_has_step = true,
};

const OptimizerSpec ADAMW_BF16_STOCHASTIC_SPEC = {
    .name = "adamw_bf16_stochastic",
    .torch_name = "llm.c's AdamW: BF16 weights, FP32 states, stochastic rounding",
    .options = stochastic_options,
    .config_size = sizeof(MixedAdamWConfig),
    .defaults = &stochastic_defaults,
    .validate = mixed_validate,
    .create = mixed_create,
    .state_has_step = true,
};

const OptimizerSpec ADAMW_BF16_MASTER_SPEC = {
    .name = "adamw_bf16_master",
    .torch_name = "torch.optim.AdamW on FP32 master weights, the model in BF16",
    .options = bf16_options,
    .config_size = sizeof(MixedAdamWConfig),
    .defaults = &master_defaults,
    .validate = mixed_validate,
    .create = mixed_create,
    .state_has_step = true,
};
