/* adam8bit.c - 8-bit blockwise Adam and its 32-bit path, the Optimizer
 * adapter and the entry for optlab (see adam8bit.h). */
#include "adam8bit.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adam.h"
#include "adam8bit_kernel.h"

/* Each operation rounded on its own, as tools/adam8bit_reference.py does:
 * the Makefile compiles every file with -ffp-contract=off (GCC does not
 * fuse a * b + c in C11 mode anyway; clang would). */

static AdamStepConstants step_constants(const Adam8bitConfig *cfg, long step)
{
    /* The kernel takes its hyper-parameters as float. */
    return adam_step_constants(cfg->lr, (float)cfg->betas[0], (float)cfg->betas[1], cfg->eps,
                               cfg->weight_decay, step);
}

/* fmaxf(max, x) for a running maximum that is never NaN (it starts at
 * -FLT_MAX and takes only values greater than itself): a NaN x is passed
 * over, as fmaxf passes it over. One instruction, where fmaxf is a call
 * into the maths library. */
static inline float running_max(float max, float x)
{
    return x > max ? x : max;
}

/* snippet: adam8bit_update_blockwise, shown in 10_memory */
void adam8bit_update_blockwise(float *param /* [n] */, const float *grad /* [n] */,
                               uint8_t *state1 /* [n] */, uint8_t *state2 /* [n] */,
                               float *absmax1 /* [ceil(n / block_size)] */,
                               float *absmax2 /* [ceil(n / block_size)] */,
                               const QuantMap *map1 /* signed */,
                               const QuantMap *map2 /* unsigned */, size_t n, long step,
                               const Adam8bitConfig *cfg)
{
    const AdamStepConstants k = step_constants(cfg, step);
    const size_t block = (size_t)cfg->block_size;
    const float *qmap1 = map1->code, *qmap2 = map2->code;
    for (size_t start = 0, b = 0; start < n; start += block, b++) {
        const size_t end = n - start < block ? n : start + block;
        const float old_absmax1 = absmax1[b], old_absmax2 = absmax2[b];
        /* 1. Dequantize, update the moments in float32, and find the
         * block's new largest magnitudes. */
        float new_absmax1 = -FLT_MAX, new_absmax2 = -FLT_MAX, s1, s2;
        for (size_t i = start; i < end; i++) {
            adam8bit_element(&k, grad[i], state1[i], state2[i], old_absmax1, old_absmax2,
                             qmap1, qmap2, &s1, &s2);
            new_absmax1 = running_max(new_absmax1, fabsf(s1));
            new_absmax2 = running_max(new_absmax2, fabsf(s2));
        }
        /* The kernel runs a short last block at full width, its missing
         * elements loaded as g = 0 with codes 128 and 0: their m, 0.9 times
         * the smallest positive code times the old absmax1, joins the max.
         * (It matters only when every real m of the block is smaller.) */
        if (end - start < block) {
            adam8bit_element(&k, 0.0f, 128, 0, old_absmax1, old_absmax2, qmap1, qmap2,
                             &s1, &s2);
            new_absmax1 = running_max(new_absmax1, fabsf(s1));
            new_absmax2 = running_max(new_absmax2, fabsf(s2));
        }
        absmax1[b] = new_absmax1;
        absmax2[b] = new_absmax2;
        /* 2. The same moments again (the codes are not yet overwritten):
         * step the parameter, decay it, and requantize at the new scales. */
        for (size_t i = start; i < end; i++) {
            adam8bit_element(&k, grad[i], state1[i], state2[i], old_absmax1, old_absmax2,
                             qmap1, qmap2, &s1, &s2);
            if (isfinite(grad[i])) param[i] = adam_bnb_param(&k, param[i], s1, s2);
            state1[i] = quantize_map_state1(map1, s1, new_absmax1);
            state2[i] = quantize_map_state2(map2, s2, new_absmax2);
        }
    }
}
/* end snippet */

/* snippet: adam8bit_update_32bit, shown in 10_memory */
void adam8bit_update_32bit(float *param /* [n] */, const float *grad /* [n] */,
                           float *state1 /* [n] */, float *state2 /* [n] */, size_t n,
                           long step, const Adam8bitConfig *cfg)
{
    const AdamStepConstants k = step_constants(cfg, step);
    for (size_t i = 0; i < n; i++) {
        adam32bit_moments(&k, grad[i], &state1[i], &state2[i]);
        param[i] = adam_bnb_param(&k, param[i], state1[i], state2[i]);
    }
}
/* end snippet */

bool adam8bit_uses_8bit(size_t numel, const Adam8bitConfig *cfg)
{
    /* bitsandbytes: `if p.numel() < min_8bit_size: dtype = torch.float32` */
    return !((long long)numel < (long long)cfg->min_8bit_size);
}

/* snippet: adam8bit_adapter, shown in 10_memory */
/* The state's layouts, bitsandbytes' (Optimizer2State.init_state): state1
 * and state2 uint8 codes shaped like the parameter, absmax1 and absmax2 a
 * float per block; a small tensor's state1 and state2 float32, no absmax. */
static bool moment_layout(const Tensor *param, const void *config, int *ndim, int *shape,
                          bool *bytes)
{
    *ndim = param->ndim;
    for (int d = 0; d < param->ndim; d++) shape[d] = param->shape[d];
    *bytes = adam8bit_uses_8bit(param->numel, config);
    return true;
}

static bool absmax_layout(const Tensor *param, const void *config, int *ndim, int *shape,
                          bool *bytes)
{
    const Adam8bitConfig *cfg = config;
    if (!adam8bit_uses_8bit(param->numel, cfg)) return false;
    *ndim = 1;
    shape[0] = (int)quantize_num_blocks(param->numel, (size_t)cfg->block_size);
    *bytes = false;
    return true;
}

typedef struct {
    Optimizer base;   /* first, so an Adam8bit* is also an Optimizer* */
    Adam8bitConfig config;
    QuantMap map1;   /* bitsandbytes' "dynamic": signed, for state1 */
    QuantMap map2;   /* "udynamic": unsigned, for state2 */
    int state1_slot, state2_slot, absmax1_slot, absmax2_slot;
} Adam8bit;

static void adam8bit_step_group(Optimizer *self, const ParamGroup *group)
{
    Adam8bit *adam = (Adam8bit *)self;
    Adam8bitConfig cfg = adam->config;
    cfg.lr = group->lr;   /* the group's own: a schedule may have changed it */
    cfg.weight_decay = group->weight_decay;
    cfg.betas[0] = group->beta1;
    for (int i = group->first; i < group->first + group->count; i++) {
        Tensor *p = self->params.params[i];
        const float *grad = self->params.grads[i]->data;
        Tensor *state1 = self->slots[adam->state1_slot][i];
        Tensor *state2 = self->slots[adam->state2_slot][i];
        if (state1->bytes)
            adam8bit_update_blockwise(p->data, grad, state1->bytes, state2->bytes,
                                      self->slots[adam->absmax1_slot][i]->data,
                                      self->slots[adam->absmax2_slot][i]->data, &adam->map1,
                                      &adam->map2, p->numel, self->step_count, &cfg);
        else
            adam8bit_update_32bit(p->data, grad, state1->data, state2->data, p->numel,
                                  self->step_count, &cfg);
    }
}

Optimizer *adam8bit_new(ParamList params, const Adam8bitConfig *cfg)
{
    Adam8bit *adam = calloc(1, sizeof *adam);
    if (!adam) return NULL;
    adam->config = *cfg;
    float code1[QMAP_SIZE], code2[QMAP_SIZE];
    create_dynamic_map(true, code1), create_dynamic_map(false, code2);
    quantize_map_init(&adam->map1, code1, true);
    quantize_map_init(&adam->map2, code2, false);
    optimizer_init(&adam->base, "adam8bit", params, cfg->lr, cfg->weight_decay,
                   adam8bit_step_group);
    adam->base.groups[0].beta1 = cfg->betas[0];
    /* 1 + 1 bytes per parameter, and 4 + 4 per block of block_size. */
    const Adam8bitConfig *c = &adam->config;
    adam->state1_slot = optimizer_add_slot_typed(&adam->base, "state1", moment_layout, c);
    adam->state2_slot = optimizer_add_slot_typed(&adam->base, "state2", moment_layout, c);
    adam->absmax1_slot = optimizer_add_slot_typed(&adam->base, "absmax1", absmax_layout, c);
    adam->absmax2_slot = optimizer_add_slot_typed(&adam->base, "absmax2", absmax_layout, c);
    if (adam->state1_slot < 0 || adam->state2_slot < 0 || adam->absmax1_slot < 0 ||
        adam->absmax2_slot < 0) {
        optimizer_free(&adam->base);
        return NULL;
    }
    return &adam->base;
}
/* end snippet */

const float *adam8bit_qmap(const Optimizer *opt, int which)
{
    const Adam8bit *adam = (const Adam8bit *)opt;
    return which == 1 ? adam->map1.code : adam->map2.code;
}

void adam8bit_use_maps(Optimizer *opt, const float qmap1[QMAP_SIZE], const float qmap2[QMAP_SIZE])
{
    Adam8bit *adam = (Adam8bit *)opt;
    quantize_map_init(&adam->map1, qmap1, true);
    quantize_map_init(&adam->map2, qmap2, false);
}

Optimizer *adam8bit_linear_new(ParamList params, const void *config)
{
    Optimizer *opt = adam8bit_new(params, config);
    if (!opt) return NULL;
    float code1[QMAP_SIZE], code2[QMAP_SIZE];
    create_linear_map(true, code1), create_linear_map(false, code2);
    adam8bit_use_maps(opt, code1, code2);
    return opt;
}

/* The slot of opt named `name`, or -1. */
static int slot_named(const Optimizer *opt, const char *name)
{
    for (int k = 0; k < opt->num_slots; k++)
        if (strcmp(opt->slot_names[k], name) == 0) return k;
    return -1;
}

double adam8bit_zero_v_count(const Optimizer *opt, double *eight_bit)
{
    double zero_v = 0;
    *eight_bit = 0;
    int s1 = slot_named(opt, "state1"), s2 = slot_named(opt, "state2");
    for (int i = 0; s1 >= 0 && s2 >= 0 && i < opt->params.count; i++) {
        const Tensor *m = opt->slots[s1][i], *v = opt->slots[s2][i];
        if (!m->bytes) continue;   /* a small tensor: 32-bit state */
        const float *qmap1 = adam8bit_qmap(opt, 1), *qmap2 = adam8bit_qmap(opt, 2);
        for (size_t j = 0; j < m->numel; j++) zero_v += qmap2[v->bytes[j]] == 0 && qmap1[m->bytes[j]] != 0;
        *eight_bit += (double)m->numel;
    }
    return zero_v;
}

/* ---- the entry for optlab and the tests -------------------------------------- */

static const OptionSpec adam8bit_options[] = {
    {"lr", OPT_FLOAT, offsetof(Adam8bitConfig, lr), "learning rate", 0, 0},
    {"betas", OPT_DOUBLE2, offsetof(Adam8bitConfig, betas), "memories of state1 and state2", 0, 0},
    {"eps", OPT_FLOAT, offsetof(Adam8bitConfig, eps), "added to the corrected root", 0, 0},
    {"weight_decay", OPT_FLOAT, offsetof(Adam8bitConfig, weight_decay),
     "decoupled, after the step: p *= 1 - lr * weight_decay", 0, 0},
    {"amsgrad", OPT_BOOL, offsetof(Adam8bitConfig, amsgrad), "not supported: refused", 0, 0},
    {"optim_bits", OPT_INT, offsetof(Adam8bitConfig, optim_bits), "only 32 (the default)", 0, 0},
    {"min_8bit_size", OPT_INT, offsetof(Adam8bitConfig, min_8bit_size),
     "smaller tensors keep 32-bit states", 0, 0},
    {"block_size", OPT_INT, offsetof(Adam8bitConfig, block_size),
     "elements per absmax (bitsandbytes: 256)", 0, 0},
    {NULL, 0, 0, NULL, 0, 0},
};

static const Adam8bitConfig adam8bit_defaults = ADAM8BIT_DEFAULTS;

/* The checks bnb.optim.Adam8bit makes, then Optimizer2State's, in their
 * order, with their messages: its own two, then Adam's (lesson 05's
 * adam_validate: the same checks, the same messages), then ours: on the
 * block size, and on a beta below 1 that float32, where the step works,
 * rounds to 1 (bitsandbytes takes it, and its bias correction 1 - beta^t
 * is 0: no step is finite). A NaN fails every check, as in Python. */
const char *adam8bit_validate(const void *config, char *buf, size_t len)
{
    const Adam8bitConfig *cfg = config;
    const AdamConfig adam = {.lr = cfg->lr, .betas = {cfg->betas[0], cfg->betas[1]}, .eps = cfg->eps,
                             .weight_decay = cfg->weight_decay};
    if (cfg->amsgrad)
        snprintf(buf, len, "Adam8bit does not support amsgrad=True");
    else if (cfg->optim_bits != 32)
        snprintf(buf, len, "Adam8bit only supports optim_bits=32 (default value for compatibility)");
    else if (adam_validate(&adam, buf, len) != NULL)
        return buf;
    else if (cfg->block_size <= 0)   /* ours: bitsandbytes' quantize_blockwise says it so */
        snprintf(buf, len, "blocksize must be positive, got %d", cfg->block_size);
    else if ((float)cfg->betas[0] == 1.0f || (float)cfg->betas[1] == 1.0f)
        snprintf(buf, len, "betas=(%.9g, %.9g): a beta rounds to 1 in float32, where the step works, and "
                 "1 - beta^t would be 0 (bitsandbytes takes it, and its steps are not finite)",
                 cfg->betas[0], cfg->betas[1]);
    else
        return NULL;
    return buf;
}

static Optimizer *adam8bit_create(ParamList params, const void *config)
{
    return adam8bit_new(params, config);
}

const OptimizerSpec ADAM8BIT_SPEC = {
    .name = "adam8bit",
    .torch_name = "bitsandbytes.optim.Adam8bit",
    .options = adam8bit_options,
    .config_size = sizeof(Adam8bitConfig),
    .defaults = &adam8bit_defaults,
    .validate = adam8bit_validate,
    .create = adam8bit_create,
    .state_has_step = true,   /* state["step"], the t of the corrections */
};
