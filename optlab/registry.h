/* registry.h - every optimizer of the book, by PyTorch's lower-case class
 * name. Each chapter adds its optimizer's OptimizerSpec to registry.c. */
#ifndef OPTLAB_REGISTRY_H
#define OPTLAB_REGISTRY_H

#include "optimizer_spec.h"

/* The spec named `name`, or NULL. */
const OptimizerSpec *registry_find(const char *name);
/* The specs, terminated by NULL. */
extern const OptimizerSpec *const REGISTRY[];

#endif
