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
 * The parameters are divided into groups, PyTorch's param_groups, each with
 * its own learning rate and weight decay: an optimizer starts with one group
 * holding everything, and optimizer_set_groups divides it (lesson 06: decay
 * the weight matrices, not the biases).
 *
 * Layers: this header needs only tensors and the ParamList (params.h). How an
 * optimizer is built from PyTorch keyword arguments given as text is in
 * optimizer_spec.h, which adds the flags. */
#ifndef COMMON_OPTIMIZER_H
#define COMMON_OPTIMIZER_H

#include <stdbool.h>
#include <stddef.h>

#include "params.h"
#include "tensor.h"

#define OPTIMIZER_MAX_SLOTS 4
#define OPTIMIZER_MAX_GROUPS 4

/* snippet: param_group, shown in 06_adamw */
/* One of PyTorch's param_groups: some of the optimizer's parameters, stepped
 * with their own learning rate and weight decay. (PyTorch lets a group set
 * any keyword; the book's chapters vary these by group, and OneCycleLR in
 * lesson 07 moves the momentum with the lr.) */
typedef struct {
    const char *name;       /* for tables: "decay", "no_decay"; "all" for the first */
    int first, count;       /* its parameters: params.params[first .. first + count) */
    float lr;               /* param_group["lr"]: schedules change it between steps */
    float weight_decay;     /* param_group["weight_decay"] */
    float momentum;         /* param_group["momentum"] (SGD, RMSprop); NAN: none */
    double beta1;           /* param_group["betas"][0] (the Adam family); NAN: none */
} ParamGroup;
/* end snippet */

typedef struct Optimizer Optimizer;
struct Optimizer {
    const char *name;       /* PyTorch's lower-case class name: "sgd", "adam" */
    /* Updates one group's parameters from their gradients, at the group's lr
     * and weight_decay. optimizer_step() counts the step, then calls it for
     * each group: step_count is 1 on the first call, as in PyTorch. */
    void (*update)(Optimizer *self, const ParamGroup *group);
    ParamList params;       /* every group's parameters, group after group */
    int num_groups;
    ParamGroup groups[OPTIMIZER_MAX_GROUPS];
    long step_count;        /* steps taken (PyTorch's state["step"]) */
    int num_slots;
    const char *slot_names[OPTIMIZER_MAX_SLOTS];
    Tensor **slots[OPTIMIZER_MAX_SLOTS];   /* slots[k][i]: state k of parameter i,
                                              NULL if it has none (add_slot_shaped) */
    bool owns_param_arrays;   /* params' arrays are the optimizer's own copies
                                 (made by optimizer_set_groups to reorder them) */
};

/* For adapters: fills in the common fields, with one group "all" holding
 * every parameter at the config's lr and weight_decay. The group's momentum
 * and beta1 start as NAN (none); an optimizer that has one sets it after. */
void optimizer_init(Optimizer *opt, const char *name, ParamList params, float lr,
                    float weight_decay, void (*update)(Optimizer *, const ParamGroup *));
/* For adapters: allocates one zero-filled state tensor per parameter, shaped
 * like it and counted as optimizer state. Returns the slot index, or -1. */
int optimizer_add_slot(Optimizer *opt, const char *slot_name);
/* The same for state not shaped like its parameter (Adafactor's row_var is
 * [rows, 1] for a [rows, cols] weight): shape_of(param, &ndim, shape) gives
 * the state's shape (up to TENSOR_MAX_DIMS sizes), or returns false for a
 * parameter that has no such state, whose entry slots[k][i] is then NULL.
 * Whatever reads slots[k][i] must allow for NULL. */
int optimizer_add_slot_shaped(Optimizer *opt, const char *slot_name,
                              bool (*shape_of)(const Tensor *param, int *ndim,
                                               int *shape /* [TENSOR_MAX_DIMS] */));
/* The same where the state's element type may depend on the parameter
 * (lesson 10: bitsandbytes keeps a large tensor's moments as uint8 codes and
 * a small one's as float32, under one name): layout_of also sets *bytes,
 * true for a byte tensor (tensor_new_bytes, 1 byte an element; its data is
 * NULL), false for floats; ctx is passed to it (the optimizer's config). */
int optimizer_add_slot_typed(Optimizer *opt, const char *slot_name,
                             bool (*layout_of)(const Tensor *param, const void *ctx, int *ndim,
                                               int *shape /* [TENSOR_MAX_DIMS] */, bool *bytes),
                             const void *ctx);

/* snippet: optimizer_set_groups, shown in 06_adamw */
/* Divides the parameters into num_groups param_groups, before the first
 * step: parameter i joins group group_of(params[i]) (0 .. num_groups - 1),
 * named names[g]. Every group starts at the optimizer's lr, weight_decay,
 * momentum and beta1;
 * set a group's own afterwards (opt->groups[1].weight_decay = 0). The
 * parameters and their state are reordered group after group, as PyTorch
 * lists them; the model's own list is left as it was. Returns 0, or -1 when
 * group_of gives an index out of range, num_groups is over
 * OPTIMIZER_MAX_GROUPS, the optimizer has stepped, or memory runs out. */
int optimizer_set_groups(Optimizer *opt, int num_groups,
                         const char *const *names /* [num_groups] */,
                         int (*group_of)(const Tensor *param));
/* end snippet */
/* Sets every group's learning rate, as a schedule does. */
void optimizer_set_lr(Optimizer *opt, float lr);

void optimizer_step(Optimizer *opt);
void optimizer_zero_grad(Optimizer *opt);
/* Bytes of optimizer state: what this optimizer costs on top of the model. */
size_t optimizer_state_bytes(const Optimizer *opt);
void optimizer_free(Optimizer *opt);

#endif
