/* zero.h - ZeRO (Rajbhandari et al., "ZeRO: Memory Optimizations Toward
 * Training Trillion Parameter Models", 2019): data-parallel AdamW whose
 * optimizer state (stage 1), gradients (stage 2) and parameters (stage 3)
 * are split over N ranks instead of copied to each.
 *
 * Every rank runs the same program on its slice of the global batch. The
 * model's tensors are grouped into layers by name ("fc1.weight" and
 * "fc1.bias" form layer "fc1"); each layer is one flat buffer, padded with
 * zeros to a multiple of N, and rank r owns the r-th of its N equal shards:
 *
 *     layer fc1: [ rank 0 | rank 1 | ... | rank N-1 ]   each shard_numel long
 *
 * A step, by stage:
 *   0  all-reduce the gradients; each rank updates every parameter
 *   1  reduce-scatter the gradients; each rank updates its shard with its
 *      shard of the state; all-gather the parameters
 *   2  as 1, but a layer's full gradient lives only until it is reduced
 *   3  as 2, and the parameters too live as shards: a layer is all-gathered
 *      just before the forward (and backward) pass needs it, then freed
 *
 * The collectives come through ZeroComm, so one engine runs on threads in
 * one process (simulate.h) or on OpenMPI processes (mpi_comm.h). */
#ifndef LESSON_ZERO_H
#define LESSON_ZERO_H

#include <stddef.h>
#include <stdint.h>

#include "adamw.h"
#include "params.h"
#include "tensor.h"

#define ZERO_MAX_LAYERS 64
#define ZERO_MAX_TENSORS 256

/* ---- the layout: which elements each rank owns ---- */

typedef struct {
    char name[TENSOR_NAME_LEN];   /* "fc1": the tensors' names up to the last '.' */
    int first_tensor, tensors;    /* its tensors in the ParamList: first_tensor ... */
    size_t numel;                 /* their elements */
    size_t padded;                /* numel rounded up to a multiple of world_size */
    size_t shard_numel;           /* padded / world_size: what each rank owns */
    size_t offset;                /* where the layer starts in the flat, padded model */
} ZeroLayer;

typedef struct {
    int world_size;
    int layers;
    ZeroLayer layer[ZERO_MAX_LAYERS];
    size_t numel;                 /* the model's parameters, Psi */
    size_t padded;                /* the sum of the layers' padded sizes */
    size_t shard_numel;           /* padded / world_size */
} ZeroLayout;

/* The layout of `params` over world_size ranks. 0, or -1 with a message. */
int zero_layout(ZeroLayout *out, const ParamList *params, int world_size, char *err, size_t errlen);

/* ---- the collectives, and what they moved ---- */

typedef enum { COLL_ALL_REDUCE, COLL_REDUCE_SCATTER, COLL_ALL_GATHER, COLL_COUNT } Collective;

/* What one rank passed to each collective in a step, in elements of the
 * full buffer (the paper's unit: an all-reduce of Psi moves 2 Psi, a
 * reduce-scatter or an all-gather of Psi moves Psi), and how long it waited. */
typedef struct {
    double elements[COLL_COUNT];
    int calls[COLL_COUNT];
    double seconds;
} ZeroTraffic;

typedef struct ZeroComm ZeroComm;
struct ZeroComm {
    int rank, world_size;
    void *impl;                   /* the backend's own */
    /* buf[n] summed over the ranks, in place on every rank */
    void (*all_reduce)(ZeroComm *c, float *buf /* [n] */, size_t n);
    /* full[world_size * shard_n] summed over the ranks; this rank gets its
     * shard, full[rank * shard_n ...], in shard[shard_n] */
    void (*reduce_scatter)(ZeroComm *c, const float *full /* [world_size * shard_n] */,
                           float *shard /* [shard_n] */, size_t shard_n);
    /* every rank's shard[shard_n] into full[world_size * shard_n], rank order */
    void (*all_gather)(ZeroComm *c, const float *shard /* [shard_n] */,
                       float *full /* [world_size * shard_n] */, size_t shard_n);
    ZeroTraffic traffic;          /* counted by the zero_* wrappers below */
};

/* The engine calls the collectives through these, which count and time them. */
void zero_all_reduce(ZeroComm *c, float *buf /* [n] */, size_t n);
void zero_reduce_scatter(ZeroComm *c, const float *full /* [world_size * shard_n] */,
                         float *shard /* [shard_n] */, size_t shard_n);
void zero_all_gather(ZeroComm *c, const float *shard /* [shard_n] */,
                     float *full /* [world_size * shard_n] */, size_t shard_n);

/* ---- one rank ---- */

/* What a rank keeps, by stage. Every buffer is a Tensor counted in the
 * rank's ledger, so its memory is read, not computed. */
typedef struct {
    int stage;
    ZeroComm *comm;
    ZeroLayout layout;
    AdamWConfig cfg;
    long step;
    MemoryLedger ledger;          /* this rank's model states and activations */
    /* the parameters: stages 0-2 all of them (padded); stage 3 this rank's
     * shard of each layer, back to back */
    Tensor *param;                /* [layout.padded] or [layout.shard_numel] */
    /* the gradients: stages 0-1 all of them; stages 2-3 this rank's shards */
    Tensor *grad;                 /* [layout.padded] or [layout.shard_numel] */
    /* AdamW's state: stage 0 for every parameter; stages 1-3 this rank's shards */
    Tensor *exp_avg, *exp_avg_sq; /* each the size of the state: padded or shard_numel */
    Tensor *max_exp_avg_sq;       /* the same, with amsgrad; else NULL */
} ZeroRank;

/* A rank of `stage` for a model whose tensors are `params` (their shapes and
 * names; their values are the start, the same on every rank). 0, or -1 with
 * a message. */
int zero_rank_init(ZeroRank *r, int stage, ZeroComm *comm, const ParamList *params,
                   const AdamWConfig *cfg, char *err, size_t errlen);
void zero_rank_free(ZeroRank *r);

/* Where layer l's full parameters are for the forward and backward pass:
 * stages 0-2 in r->param; stage 3 all-gathered into a fresh tensor (a
 * TAG_PARAM counted in the ledger) that zero_release_layer frees. */
float *zero_fetch_layer(ZeroRank *r, int l, Tensor **gathered);
void zero_release_layer(Tensor **gathered);

/* Layer l's full, local gradient, in a buffer the pass fills: stages 0-1 the
 * layer's part of r->grad; stages 2-3 a fresh tensor freed by
 * zero_reduce_layer_grad. */
float *zero_layer_grad_buffer(ZeroRank *r, int l, Tensor **temporary);
/* Once the backward pass has filled layer l's gradient: stages 1-3 reduce-
 * scatter it now, before the pass goes on to the layers before it (the
 * collective blocks here; a framework overlaps it with that computation);
 * stage 0 waits for the step's one all-reduce. */
void zero_reduce_layer_grad(ZeroRank *r, int l, Tensor **temporary);

/* After the backward pass: the optimizer step (with stage 0's all-reduce and
 * stages 1-2's all-gather of the updated parameters). */
void zero_step(ZeroRank *r);

/* This rank's view of the full, unpadded parameters in the ParamList's
 * order, into flat[layout.numel]; stage 3 all-gathers them (a collective:
 * every rank must call it). For checks and for the end of a run. */
void zero_gather_params(ZeroRank *r, float *flat /* [layout.numel] */);

/* Model-state bytes the ledger holds now: parameters, gradients, state. */
size_t zero_rank_bytes_now(const ZeroRank *r, TensorTag tag);

#endif
