/* zero.c - the ZeRO engine of zero.h: the layout of the shards, the counted
 * collectives, and AdamW's step at each stage. */
#include "zero.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timing.h"

/* ---- the layout ---- */

/* "fc1.weight" -> "fc1"; a name without a '.' is its own layer. */
static void layer_name(const char *tensor_name, char *out)
{
    const char *dot = strrchr(tensor_name, '.');
    size_t len = dot ? (size_t)(dot - tensor_name) : strlen(tensor_name);
    if (len >= TENSOR_NAME_LEN) len = TENSOR_NAME_LEN - 1;
    memcpy(out, tensor_name, len);
    out[len] = '\0';
}

int zero_layout(ZeroLayout *out, const ParamList *params, int world_size, char *err,
                size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (world_size < 1) return snprintf(err, errlen, "world_size must be >= 1, not %d", world_size), -1;
    out->world_size = world_size;
    for (int i = 0; i < params->count; i++) {
        char name[TENSOR_NAME_LEN];
        layer_name(params->params[i]->name, name);
        ZeroLayer *last = out->layers ? &out->layer[out->layers - 1] : NULL;
        if (!last || strcmp(last->name, name) != 0) {
            for (int l = 0; l < out->layers; l++)
                if (strcmp(out->layer[l].name, name) == 0)
                    return snprintf(err, errlen, "layer %s's tensors are not next to each other", name), -1;
            if (out->layers == ZERO_MAX_LAYERS)
                return snprintf(err, errlen, "more than %d layers", ZERO_MAX_LAYERS), -1;
            last = &out->layer[out->layers++];
            snprintf(last->name, sizeof last->name, "%s", name);
            last->first_tensor = i;
        }
        last->tensors++;
        last->numel += params->params[i]->numel;
    }
    /* snippet: zero_layout, shown in 12_zero */
    /* Pad each layer to a multiple of N, so that its N shards are equal:
     * the collectives move equal pieces, and rank r's shard of every layer
     * starts at r * shard_numel. */
    for (int l = 0; l < out->layers; l++) {
        ZeroLayer *layer = &out->layer[l];
        layer->shard_numel = (layer->numel + world_size - 1) / world_size;
        layer->padded = layer->shard_numel * world_size;
        layer->offset = out->padded;
        out->numel += layer->numel;
        out->padded += layer->padded;
    }
    /* end snippet */
    out->shard_numel = out->padded / world_size;
    return 0;
}

/* ---- the collectives, counted ---- */

/* Books one collective of `kind` that began at `start` and passed
 * `elements` floats: the paper's unit of traffic. */
static void count(ZeroComm *c, Collective kind, double start, double elements)
{
    c->traffic.seconds += wall_seconds() - start;
    c->traffic.elements[kind] += elements;
    c->traffic.calls[kind]++;
}

void zero_all_reduce(ZeroComm *c, float *buf, size_t n)
{
    double start = wall_seconds();
    c->all_reduce(c, buf, n);
    count(c, COLL_ALL_REDUCE, start, 2.0 * n);   /* a reduce-scatter, then an all-gather */
}

void zero_reduce_scatter(ZeroComm *c, const float *full, float *shard, size_t shard_n)
{
    double start = wall_seconds();
    c->reduce_scatter(c, full, shard, shard_n);
    count(c, COLL_REDUCE_SCATTER, start, (double)shard_n * c->world_size);
}

void zero_all_gather(ZeroComm *c, const float *shard, float *full, size_t shard_n)
{
    double start = wall_seconds();
    c->all_gather(c, shard, full, shard_n);
    count(c, COLL_ALL_GATHER, start, (double)shard_n * c->world_size);
}

/* ---- one rank ---- */

static Tensor *buffer(ZeroRank *r, const char *name, TensorTag tag, size_t n)
{
    return tensor_new_1d(&r->ledger, name, tag, (int)n);
}

/* Where rank r's shard of layer l starts in a buffer of shards (stage 3's
 * parameters, stage 2-3's gradients, stage 1-3's state). */
static size_t shard_offset(const ZeroRank *r, int l)
{
    return r->layout.layer[l].offset / r->layout.world_size;
}

/* Where rank r's shard of layer l starts in a full, padded buffer. */
static size_t own_offset(const ZeroRank *r, int l)
{
    const ZeroLayer *layer = &r->layout.layer[l];
    return layer->offset + (size_t)r->comm->rank * layer->shard_numel;
}

/* Copies the ParamList's values into the padded layout (zeros in the
 * padding), keeping only this rank's shards when `shards_only`. */
static int load_params(ZeroRank *r, const ParamList *params, bool shards_only)
{
    float *flat = r->param->data;
    for (int l = 0; l < r->layout.layers; l++) {
        const ZeroLayer *layer = &r->layout.layer[l];
        float *full = calloc(layer->padded, sizeof(float));
        if (!full) return -1;
        size_t at = 0;
        for (int i = layer->first_tensor; i < layer->first_tensor + layer->tensors; i++) {
            memcpy(full + at, params->params[i]->data, sizeof(float) * params->params[i]->numel);
            at += params->params[i]->numel;
        }
        if (shards_only)
            memcpy(flat + shard_offset(r, l), full + (size_t)r->comm->rank * layer->shard_numel,
                   sizeof(float) * layer->shard_numel);
        else
            memcpy(flat + layer->offset, full, sizeof(float) * layer->padded);
        free(full);
    }
    return 0;
}

int zero_rank_init(ZeroRank *r, int stage, ZeroComm *comm, const ParamList *params,
                   const AdamWConfig *cfg, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    if (stage < 0 || stage > 3) return snprintf(err, errlen, "stage must be 0, 1, 2 or 3, not %d", stage), -1;
    if (zero_layout(&r->layout, params, comm->world_size, err, errlen) != 0) return -1;
    r->stage = stage;
    r->comm = comm;
    r->cfg = *cfg;
    /* snippet: zero_allocations, shown in 12_zero */
    size_t all = r->layout.padded, shard = r->layout.shard_numel;
    r->param = buffer(r, "param", TAG_PARAM, stage >= 3 ? shard : all);
    r->grad = buffer(r, "grad", TAG_GRAD, stage >= 2 ? shard : all);
    r->exp_avg = buffer(r, "exp_avg", TAG_STATE, stage >= 1 ? shard : all);
    r->exp_avg_sq = buffer(r, "exp_avg_sq", TAG_STATE, stage >= 1 ? shard : all);
    /* end snippet */
    if (cfg->amsgrad) r->max_exp_avg_sq = buffer(r, "max_exp_avg_sq", TAG_STATE, stage >= 1 ? shard : all);
    if (!r->param || !r->grad || !r->exp_avg || !r->exp_avg_sq || (cfg->amsgrad && !r->max_exp_avg_sq)) {
        zero_rank_free(r);
        return snprintf(err, errlen, "out of memory"), -1;
    }
    if (load_params(r, params, stage >= 3) != 0) {
        zero_rank_free(r);
        return snprintf(err, errlen, "out of memory"), -1;
    }
    return 0;
}

void zero_rank_free(ZeroRank *r)
{
    tensor_free(r->param);
    tensor_free(r->grad);
    tensor_free(r->exp_avg);
    tensor_free(r->exp_avg_sq);
    tensor_free(r->max_exp_avg_sq);
    r->param = r->grad = r->exp_avg = r->exp_avg_sq = r->max_exp_avg_sq = NULL;
}

/* snippet: zero_fetch_layer, shown in 12_zero */
float *zero_fetch_layer(ZeroRank *r, int l, Tensor **gathered)
{
    const ZeroLayer *layer = &r->layout.layer[l];
    *gathered = NULL;
    if (r->stage < 3) return r->param->data + layer->offset;
    /* Stage 3: nobody holds the whole layer; gather it from the N shards
     * for as long as the pass needs it. */
    *gathered = buffer(r, layer->name, TAG_PARAM, layer->padded);
    if (!*gathered) return NULL;
    zero_all_gather(r->comm, r->param->data + shard_offset(r, l), (*gathered)->data,
                    layer->shard_numel);
    return (*gathered)->data;
}
/* end snippet */

void zero_release_layer(Tensor **gathered)
{
    tensor_free(*gathered);
    *gathered = NULL;
}

float *zero_layer_grad_buffer(ZeroRank *r, int l, Tensor **temporary)
{
    const ZeroLayer *layer = &r->layout.layer[l];
    *temporary = NULL;
    if (r->stage < 2) return r->grad->data + layer->offset;
    /* Stages 2-3 keep only a shard of each gradient: the layer's full
     * gradient is a temporary, reduced and freed as soon as it is complete. */
    *temporary = buffer(r, "layer grad", TAG_GRAD, layer->padded);
    return *temporary ? (*temporary)->data : NULL;
}

/* snippet: zero_reduce_layer_grad, shown in 12_zero */
void zero_reduce_layer_grad(ZeroRank *r, int l, Tensor **temporary)
{
    const ZeroLayer *layer = &r->layout.layer[l];
    if (r->stage == 0) return;   /* one all-reduce of everything, in zero_step */
    if (r->stage == 1) {
        /* Stage 1 keeps the full gradient; the sum of this rank's shard
         * lands in its own place in it. */
        float *full = r->grad->data + layer->offset;
        float *own = full + (size_t)r->comm->rank * layer->shard_numel;
        zero_reduce_scatter(r->comm, full, own, layer->shard_numel);
        return;
    }
    zero_reduce_scatter(r->comm, (*temporary)->data, r->grad->data + shard_offset(r, l),
                        layer->shard_numel);
    tensor_free(*temporary);
    *temporary = NULL;
}
/* end snippet */

/* amsgrad's largest exp_avg_sq from element `at` of the state; NULL without. */
static float *max_exp_avg_sq(ZeroRank *r, size_t at)
{
    return r->max_exp_avg_sq ? r->max_exp_avg_sq->data + at : NULL;
}

/* snippet: zero_step, shown in 12_zero */
void zero_step(ZeroRank *r)
{
    r->step++;
    if (r->stage == 0) {
        /* Every rank sums every gradient and updates every parameter. */
        zero_all_reduce(r->comm, r->grad->data, r->layout.padded);
        adamw_update(r->param->data, r->grad->data, r->exp_avg->data, r->exp_avg_sq->data,
                     max_exp_avg_sq(r, 0), r->layout.padded, r->step, &r->cfg);
        return;
    }
    for (int l = 0; l < r->layout.layers; l++) {
        const ZeroLayer *layer = &r->layout.layer[l];
        size_t state = shard_offset(r, l);
        /* This rank's shard of the layer: stage 1-2 inside the full
         * parameters (and stage 1's full gradient), stage 3 in its shards. */
        float *param = r->param->data + (r->stage == 3 ? state : own_offset(r, l));
        float *grad = r->grad->data + (r->stage == 1 ? own_offset(r, l) : state);
        adamw_update(param, grad, r->exp_avg->data + state, r->exp_avg_sq->data + state,
                     max_exp_avg_sq(r, state), layer->shard_numel, r->step, &r->cfg);
        /* Stages 1-2: every rank needs the whole updated layer for the next
         * forward pass. Stage 3 gathers it only then. */
        if (r->stage < 3)
            zero_all_gather(r->comm, param, r->param->data + layer->offset,
                            layer->shard_numel);
    }
}
/* end snippet */

void zero_gather_params(ZeroRank *r, float *flat)
{
    for (int l = 0; l < r->layout.layers; l++) {
        const ZeroLayer *layer = &r->layout.layer[l];
        Tensor *gathered;
        const float *full = zero_fetch_layer(r, l, &gathered);
        memcpy(flat, full, sizeof(float) * layer->numel);
        flat += layer->numel;
        zero_release_layer(&gathered);
    }
}

size_t zero_rank_bytes_now(const ZeroRank *r, TensorTag tag)
{
    return r->ledger.live[tag];
}
