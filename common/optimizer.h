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
 * optimizer is created: a step never allocates. */
#ifndef COMMON_OPTIMIZER_H
#define COMMON_OPTIMIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "flags.h"
#include "tensor.h"

/* A model's trainable tensors and their gradients, in a fixed order. */
typedef struct {
    int count;
    Tensor **params;
    Tensor **grads;    /* grads[i] has the shape of params[i] */
} ParamList;

size_t paramlist_numel(const ParamList *list);
/* Copies all parameters into / out of one flat array of paramlist_numel floats. */
void paramlist_get(const ParamList *list, float *flat);
void paramlist_set(const ParamList *list, const float *flat);
void paramlist_get_grads(const ParamList *list, float *flat);

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

/* How a chapter registers its optimizer with optlab and the tests: the name,
 * the PyTorch keyword arguments it accepts (parsed into its config struct),
 * the defaults, a check that rejects what PyTorch's constructor rejects, and a
 * constructor. */
typedef struct {
    const char *name;            /* "sgd" */
    const char *torch_name;      /* "torch.optim.SGD" */
    const OptionSpec *options;   /* terminated by an entry with key NULL */
    size_t config_size;
    const void *defaults;        /* a config struct holding PyTorch's defaults */
    /* NULL when the config is valid, else a message like PyTorch's ValueError. */
    const char *(*validate)(const void *config, char *buf, size_t len);
    Optimizer *(*create)(ParamList params, const void *config);
} OptimizerSpec;

/* Parses "key=value" settings (PyTorch's keyword names; a bare "key" means
 * true for a bool; "--key=value" works too, see options_parse; a key may be
 * given once) on top of spec's defaults, then
 * validates. `config` must have spec->config_size bytes. Returns 0, or -1
 * with a message in err. */
int optimizer_config_parse(const OptimizerSpec *spec, void *config,
                           int count, const char *const *settings,
                           char *err, size_t errlen);

#endif
