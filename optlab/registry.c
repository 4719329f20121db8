/* registry.c - the list behind `optlab list` (see registry.h). */
#include "registry.h"

#include <string.h>

#include "sgd.h"

const OptimizerSpec *const REGISTRY[] = {
    &SGD_SPEC,        /* lesson 01 */
    NULL,
};

const OptimizerSpec *registry_find(const char *name)
{
    for (int i = 0; REGISTRY[i]; i++)
        if (strcmp(REGISTRY[i]->name, name) == 0) return REGISTRY[i];
    return NULL;
}
