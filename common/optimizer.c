/* optimizer.c - the parts of the Optimizer interface shared by every optimizer. */
#include "optimizer.h"

#include <stdlib.h>

#include "ops.h"

void optimizer_init(Optimizer *opt, const char *name, ParamList params, float lr,
                    void (*update)(Optimizer *))
{
    opt->name = name;
    opt->update = update;
    opt->params = params;
    opt->lr = lr;
    opt->step_count = 0;
    opt->num_slots = 0;
}

int optimizer_add_slot(Optimizer *opt, const char *slot_name)
{
    if (opt->num_slots == OPTIMIZER_MAX_SLOTS) return -1;
    int k = opt->num_slots;
    Tensor **per_param = calloc((size_t)opt->params.count, sizeof *per_param);
    if (!per_param) return -1;
    for (int i = 0; i < opt->params.count; i++) {
        per_param[i] = tensor_new_like(opt->params.params[i], slot_name, TAG_STATE);
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

void optimizer_step(Optimizer *opt)
{
    opt->step_count++;
    opt->update(opt);
}

void optimizer_zero_grad(Optimizer *opt)
{
    for (int i = 0; i < opt->params.count; i++) tensor_fill(opt->params.grads[i], 0.0f);
}

size_t optimizer_state_bytes(const Optimizer *opt)
{
    size_t bytes = 0;
    for (int k = 0; k < opt->num_slots; k++)
        for (int i = 0; i < opt->params.count; i++) bytes += tensor_bytes(opt->slots[k][i]);
    return bytes;
}

void optimizer_free(Optimizer *opt)
{
    if (!opt) return;
    for (int k = 0; k < opt->num_slots; k++) {
        for (int i = 0; i < opt->params.count; i++) tensor_free(opt->slots[k][i]);
        free(opt->slots[k]);
    }
    free(opt);   /* adapters put the Optimizer first in one allocation */
}
