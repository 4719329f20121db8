/* optimizer.c - the parts of the Optimizer interface shared by every optimizer. */
#include "optimizer.h"

#include <math.h>
#include <stdlib.h>

#include "ops.h"

void optimizer_init(Optimizer *opt, const char *name, ParamList params, float lr,
                    float weight_decay, void (*update)(Optimizer *, const ParamGroup *))
{
    opt->name = name;
    opt->update = update;
    opt->params = params;
    opt->num_groups = 1;
    opt->groups[0] = (ParamGroup){.name = "all", .first = 0, .count = params.count,
                                  .lr = lr, .weight_decay = weight_decay,
                                  .momentum = NAN, .beta1 = NAN};
    opt->step_count = 0;
    opt->num_slots = 0;
    opt->owns_param_arrays = false;
}

/* optimizer_add_slot_typed with a shape_of that knows only floats. */
static int add_slot(Optimizer *opt, const char *slot_name,
                    bool (*shape_of)(const Tensor *param, int *ndim, int *shape),
                    bool (*layout_of)(const Tensor *param, const void *ctx, int *ndim, int *shape,
                                      bool *bytes),
                    const void *ctx)
{
    if (opt->num_slots == OPTIMIZER_MAX_SLOTS) return -1;
    int k = opt->num_slots;
    Tensor **per_param = calloc((size_t)opt->params.count + 1, sizeof *per_param);
    if (!per_param) return -1;
    for (int i = 0; i < opt->params.count; i++) {
        const Tensor *param = opt->params.params[i];
        int ndim = 0, shape[TENSOR_MAX_DIMS] = {0};
        bool bytes = false;
        if (!(layout_of ? layout_of(param, ctx, &ndim, shape, &bytes) : shape_of(param, &ndim, shape)))
            continue;   /* no such state: NULL */
        per_param[i] = (bytes ? tensor_new_bytes : tensor_new)(param->ledger, slot_name, TAG_STATE,
                                                                ndim, shape);
        if (!per_param[i]) {
            while (i--) tensor_free(per_param[i]);
            free(per_param);
            return -1;
        }
    }
    opt->slot_names[k] = slot_name;
    opt->slots[k] = per_param;
    opt->num_slots++;
    return k;
}

/* A state tensor shaped like its parameter (momentum_buffer, exp_avg, ...). */
static bool same_shape(const Tensor *param, int *ndim, int *shape)
{
    *ndim = param->ndim;
    for (int d = 0; d < param->ndim; d++) shape[d] = param->shape[d];
    return true;
}

int optimizer_add_slot(Optimizer *opt, const char *slot_name)
{
    return add_slot(opt, slot_name, same_shape, NULL, NULL);
}

int optimizer_add_slot_shaped(Optimizer *opt, const char *slot_name,
                              bool (*shape_of)(const Tensor *param, int *ndim, int *shape))
{
    return add_slot(opt, slot_name, shape_of, NULL, NULL);
}

int optimizer_add_slot_typed(Optimizer *opt, const char *slot_name,
                             bool (*layout_of)(const Tensor *param, const void *ctx, int *ndim,
                                               int *shape, bool *bytes),
                             const void *ctx)
{
    return add_slot(opt, slot_name, NULL, layout_of, ctx);
}

int optimizer_set_groups(Optimizer *opt, int num_groups, const char *const *names,
                         int (*group_of)(const Tensor *param))
{
    int n = opt->params.count;
    if (num_groups < 1 || num_groups > OPTIMIZER_MAX_GROUPS || opt->step_count > 0) return -1;
    for (int i = 0; i < n; i++) {
        int g = group_of(opt->params.params[i]);
        if (g < 0 || g >= num_groups) return -1;
    }
    /* The new order: group 0's parameters, then group 1's, each in the
     * model's order. order[j] is the old index of the j-th. */
    int *order = malloc(((size_t)n + 1) * sizeof *order);
    Tensor **params = malloc(((size_t)n + 1) * sizeof *params);
    Tensor **grads = malloc(((size_t)n + 1) * sizeof *grads);
    Tensor **slots[OPTIMIZER_MAX_SLOTS] = {0};
    bool ok = order && params && grads;
    for (int k = 0; ok && k < opt->num_slots; k++)
        ok = (slots[k] = malloc(((size_t)n + 1) * sizeof *slots[k])) != NULL;
    if (!ok) {
        for (int k = 0; k < opt->num_slots; k++) free(slots[k]);
        free(order), free(params), free(grads);
        return -1;
    }
    ParamGroup defaults = opt->groups[0];
    int j = 0;
    for (int g = 0; g < num_groups; g++) {
        opt->groups[g] = defaults;
        opt->groups[g].name = names[g];
        opt->groups[g].first = j;
        opt->groups[g].count = 0;
        for (int i = 0; i < n; i++)
            if (group_of(opt->params.params[i]) == g) order[j++] = i, opt->groups[g].count++;
    }
    for (j = 0; j < n; j++) {
        params[j] = opt->params.params[order[j]];
        grads[j] = opt->params.grads[order[j]];
        for (int k = 0; k < opt->num_slots; k++) slots[k][j] = opt->slots[k][order[j]];
    }
    if (opt->owns_param_arrays) free(opt->params.params), free(opt->params.grads);
    opt->params.params = params;
    opt->params.grads = grads;
    opt->owns_param_arrays = true;
    for (int k = 0; k < opt->num_slots; k++) {
        free(opt->slots[k]);
        opt->slots[k] = slots[k];
    }
    opt->num_groups = num_groups;
    free(order);
    return 0;
}

void optimizer_set_lr(Optimizer *opt, float lr)
{
    for (int g = 0; g < opt->num_groups; g++) opt->groups[g].lr = lr;
}

/* snippet: optimizer_step, shown in 06_adamw */
void optimizer_step(Optimizer *opt)
{
    opt->step_count++;
    for (int g = 0; g < opt->num_groups; g++) opt->update(opt, &opt->groups[g]);
}
/* end snippet */

void optimizer_zero_grad(Optimizer *opt)
{
    for (int i = 0; i < opt->params.count; i++) tensor_fill(opt->params.grads[i], 0.0f);
}

size_t optimizer_state_bytes(const Optimizer *opt)
{
    size_t bytes = 0;
    for (int k = 0; k < opt->num_slots; k++)
        for (int i = 0; i < opt->params.count; i++)
            if (opt->slots[k][i]) bytes += tensor_bytes(opt->slots[k][i]);   /* NULL: none */
    return bytes;
}

void optimizer_free(Optimizer *opt)
{
    if (!opt) return;
    for (int k = 0; k < opt->num_slots; k++) {
        for (int i = 0; i < opt->params.count; i++) tensor_free(opt->slots[k][i]);
        free(opt->slots[k]);
    }
    if (opt->owns_param_arrays) {
        free(opt->params.params);
        free(opt->params.grads);
    }
    free(opt);   /* adapters put the Optimizer first in one allocation */
}
