/* optimizer.c - the parts of the Optimizer interface shared by every optimizer. */
#include "optimizer.h"

#include <stdlib.h>
#include <string.h>

#include "ops.h"

size_t paramlist_numel(const ParamList *list)
{
    size_t n = 0;
    for (int i = 0; i < list->count; i++) n += list->params[i]->numel;
    return n;
}

void paramlist_get(const ParamList *list, float *flat)
{
    for (int i = 0; i < list->count; i++) {
        memcpy(flat, list->params[i]->data, tensor_bytes(list->params[i]));
        flat += list->params[i]->numel;
    }
}

void paramlist_set(const ParamList *list, const float *flat)
{
    for (int i = 0; i < list->count; i++) {
        memcpy(list->params[i]->data, flat, tensor_bytes(list->params[i]));
        flat += list->params[i]->numel;
    }
}

void paramlist_get_grads(const ParamList *list, float *flat)
{
    for (int i = 0; i < list->count; i++) {
        memcpy(flat, list->grads[i]->data, tensor_bytes(list->grads[i]));
        flat += list->grads[i]->numel;
    }
}

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

int optimizer_config_parse(const OptimizerSpec *spec, void *config,
                           int count, const char *const *settings,
                           char *err, size_t errlen)
{
    memcpy(config, spec->defaults, spec->config_size);
    char msg[256];
    if (options_parse(spec->options, config, count, settings, msg, sizeof msg) != 0) {
        snprintf(err, errlen, "%s (%s): %s", spec->name, spec->torch_name, msg);
        return -1;
    }
    const char *problem = spec->validate ? spec->validate(config, msg, sizeof msg) : NULL;
    if (problem) {
        snprintf(err, errlen, "%s (%s): %s", spec->name, spec->torch_name, problem);
        return -1;
    }
    return 0;
}
