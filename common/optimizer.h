/* optimizer.h - the one interface every optimizer in the book plugs into.
 *
 * Each chapter writes its optimizer as a config struct (PyTorch's defaults),
 * and a pure update function over one tensor's elements. A thin adapter wraps
 * that function in an Optimizer, so the training loop, the experiments and
 * optlab treat every optimizer alike:
 *
 *     optimizer_zero_grad(opt);  problem->loss_and_grad(...);  optimizer_step(opt);
 *
 * Optimizer state lives in named "slots" (PyTorch's state keys, such as
 * "momentum_buffer"), one tensor per parameter, all allocated when the
 * optimizer is created: a step never allocates.
 *
 * Layers: this header needs only tensors and the ParamList (params.h). How an
 * optimizer is built from PyTorch keyword arguments given as text is in
 * optimizer_spec.h, which adds the flags. */
#ifndef COMMON_OPTIMIZER_H
#define COMMON_OPTIMIZER_H

#include <stddef.h>

#include "params.h"
#include "tensor.h"

#define OPTIMIZER_MAX_SLOTS 4

typedef struct Optimizer Optimizer;
struct Optimizer {
    const char *name;       /* PyTorch's lower-case class name: "sgd", "adam" */
    /* Updates every parameter from its gradient. optimizer_step() has already
     * counted the step, so step_count is 1 on the first call, as in PyTorch. */
    void (*update)(Optimizer *self);
    ParamList params;
    float lr;               /* the learning rate of the next step (param_group["lr"]);
                               schedules change it between steps */
    long step_count;        /* steps taken (PyTorch's state["step"]) */
    int num_slots;
    const char *slot_names[OPTIMIZER_MAX_SLOTS];
    Tensor **slots[OPTIMIZER_MAX_SLOTS];   /* slots[k][i]: state k of parameter i */
};

/* For adapters: fills in the common fields. */
void optimizer_init(Optimizer *opt, const char *name, ParamList params, float lr,
                    void (*update)(Optimizer *));
/* For adapters: allocates one zero-filled state tensor per parameter, shaped
 * like it and counted as optimizer state. Returns the slot index, or -1. */
int optimizer_add_slot(Optimizer *opt, const char *slot_name);

void optimizer_step(Optimizer *opt);
void optimizer_zero_grad(Optimizer *opt);
/* Bytes of optimizer state: what this optimizer costs on top of the model. */
size_t optimizer_state_bytes(const Optimizer *opt);
void optimizer_free(Optimizer *opt);

#endif
