/* params.c - flat copies of a ParamList and lookup by name (see params.h). */
#include "params.h"

#include <string.h>

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

int paramlist_find(const ParamList *list, const char *name)
{
    for (int i = 0; i < list->count; i++)
        if (strcmp(list->params[i]->name, name) == 0) return i;
    return -1;
}
