/* zero_adamw.c - ZeRO's stage 1 as an Optimizer in one process
 * (zero_adamw.h). */
#include "zero_adamw.h"

#include <stdio.h>
#include <stdlib.h>

#include "zero.h"

typedef struct {
    const Tensor *param;
    size_t offset;        /* where the tensor starts in its layer */
    size_t shard_numel;   /* its layer's shard: what each rank owns of it */
} TensorPlace;

typedef struct {
    Optimizer base;
    ZeroAdamWConfig cfg;
    ZeroLayout layout;
    TensorPlace place[ZERO_MAX_TENSORS];
    int exp_avg_slot, exp_avg_sq_slot, max_exp_avg_sq_slot;   /* the last -1 without amsgrad */
} ZeroAdamW;

static const TensorPlace *place_of(const ZeroAdamW *z, const Tensor *param)
{
    for (int i = 0; i < z->base.params.count; i++)
        if (z->place[i].param == param) return &z->place[i];
    return NULL;
}

/* snippet: zero_adamw_step, shown in 12_zero */
static void zero_adamw_step_group(Optimizer *self, const ParamGroup *group)
{
    ZeroAdamW *z = (ZeroAdamW *)self;
    AdamWConfig cfg = z->cfg.adamw;
    cfg.lr = group->lr, cfg.weight_decay = group->weight_decay, cfg.betas[0] = group->beta1;
    for (int i = group->first; i < group->first + group->count; i++) {
        const TensorPlace *at = place_of(z, self->params.params[i]);
        float *param = self->params.params[i]->data, *grad = self->params.grads[i]->data;
        float *m = self->slots[z->exp_avg_slot][i]->data;
        float *v = self->slots[z->exp_avg_sq_slot][i]->data;
        int amsgrad = z->max_exp_avg_sq_slot;   /* -1 without amsgrad */
        float *vmax = amsgrad < 0 ? NULL : self->slots[amsgrad][i]->data;
        size_t n = self->params.params[i]->numel;
        /* Rank r owns elements r*s .. (r+1)*s - 1 of the layer; this
         * tensor holds from..from+n-1 of them. Each rank steps its part. */
        for (int r = 0; r < z->cfg.ranks; r++) {
            size_t lo = (size_t)r * at->shard_numel, hi = lo + at->shard_numel;
            if (lo < at->offset) lo = at->offset;
            if (hi > at->offset + n) hi = at->offset + n;
            if (lo >= hi) continue;
            size_t j = lo - at->offset;
            adamw_update(param + j, grad + j, m + j, v + j, vmax ? vmax + j : NULL, hi - lo,
                         self->step_count, &cfg);
        }
    }
}
/* end snippet */

Optimizer *zero_adamw_new(ParamList params, const ZeroAdamWConfig *cfg)
{
    ZeroAdamW *z = calloc(1, sizeof *z);
    char err[128];
    if (!z || params.count > ZERO_MAX_TENSORS || zero_layout(&z->layout, &params, cfg->ranks, err, sizeof err) != 0) {
        free(z);
        return NULL;
    }
    z->cfg = *cfg;
    for (int l = 0; l < z->layout.layers; l++) {
        const ZeroLayer *layer = &z->layout.layer[l];
        size_t offset = 0;
        for (int i = layer->first_tensor; i < layer->first_tensor + layer->tensors; i++) {
            z->place[i] = (TensorPlace){params.params[i], offset, layer->shard_numel};
            offset += params.params[i]->numel;
        }
    }
    optimizer_init(&z->base, "zero_adamw", params, cfg->adamw.lr, cfg->adamw.weight_decay, zero_adamw_step_group);
    z->base.groups[0].beta1 = cfg->adamw.betas[0];
    z->max_exp_avg_sq_slot = -1;
    z->exp_avg_slot = optimizer_add_slot(&z->base, "exp_avg");
    z->exp_avg_sq_slot = optimizer_add_slot(&z->base, "exp_avg_sq");
    bool ok = z->exp_avg_slot >= 0 && z->exp_avg_sq_slot >= 0;
    if (ok && cfg->adamw.amsgrad) ok = (z->max_exp_avg_sq_slot = optimizer_add_slot(&z->base, "max_exp_avg_sq")) >= 0;
    if (!ok) {
        optimizer_free(&z->base);
        return NULL;
    }
    return &z->base;
}

size_t zero_adamw_rank_state_bytes(const Optimizer *opt, int rank)
{
    const ZeroAdamW *z = (const ZeroAdamW *)opt;
    if (rank < 0 || rank >= z->cfg.ranks) return 0;
    return sizeof(float) * (size_t)opt->num_slots * z->layout.shard_numel;
}

/* ---- the entry for optlab and the tests -------------------------------------- */

/* An AdamW key, inside the config's adamw. */
#define ADAMW_KEY(key, type, field, help) \
    {key, type, offsetof(ZeroAdamWConfig, adamw) + offsetof(AdamWConfig, field), help, 0, 0}
static const OptionSpec zero_adamw_options[] = {
    ADAMW_KEY("lr", OPT_FLOAT, lr, "learning rate"),
    ADAMW_KEY("betas", OPT_DOUBLE2, betas, "memories of exp_avg and exp_avg_sq"),
    ADAMW_KEY("eps", OPT_FLOAT, eps, "added to the corrected root"),
    ADAMW_KEY("weight_decay", OPT_FLOAT, weight_decay, "decoupled decay: param *= 1 - lr * weight_decay"),
    ADAMW_KEY("amsgrad", OPT_BOOL, amsgrad, "divide by the largest exp_avg_sq"),
    ADAMW_KEY("maximize", OPT_BOOL, maximize, "maximize the objective"),
    {"ranks", OPT_INT, offsetof(ZeroAdamWConfig, ranks), "the world size: ranks sharing the state", 0, 0},
    {NULL, 0, 0, NULL, 0, 0},
};

static const ZeroAdamWConfig zero_adamw_defaults = ZERO_ADAMW_DEFAULTS;

/* AdamW's checks (torch.optim.AdamW's constructor, run by
 * ZeroRedundancyOptimizer on each rank), then the world size. */
static const char *zero_adamw_validate(const void *config, char *buf, size_t len)
{
    const ZeroAdamWConfig *cfg = config;
    const char *bad = adam_validate(&cfg->adamw, buf, len);
    if (bad) return bad;
    if (cfg->ranks < 1 || cfg->ranks > ZERO_ADAMW_MAX_RANKS) {
        snprintf(buf, len, "ranks must be from 1 to %d, not %d", ZERO_ADAMW_MAX_RANKS, cfg->ranks);
        return buf;
    }
    return NULL;
}

static Optimizer *zero_adamw_create(ParamList params, const void *config)
{
    return zero_adamw_new(params, config);
}

const OptimizerSpec ZERO_ADAMW_SPEC = {
    .name = "zero_adamw",
    .torch_name = "torch.distributed.optim.ZeroRedundancyOptimizer(AdamW)",
    .options = zero_adamw_options,
    .config_size = sizeof(ZeroAdamWConfig),
    .defaults = &zero_adamw_defaults,
    .validate = zero_adamw_validate,
    .create = zero_adamw_create,
    .state_has_step = true,
};
