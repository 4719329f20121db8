/* registry.c - the list behind `optlab list` (see registry.h). */
#include "registry.h"

#include <string.h>

#include "adafactor.h"
#include "adagrad.h"
#include "adam.h"
#include "adam8bit.h"
#include "adamw.h"
#include "lion.h"
#include "mixed.h"
#include "momentum.h"
#include "rmsprop.h"
#include "zero_adamw.h"

const OptimizerSpec *const REGISTRY[] = {
    &SGD_MOMENTUM_SPEC,   /* lessons 01 and 02: torch.optim.SGD with its momentum options */
    &ADAGRAD_SPEC,        /* lesson 03: torch.optim.Adagrad */
    &RMSPROP_SPEC,        /* lesson 04: torch.optim.RMSprop */
    &ADAM_SPEC,           /* lesson 05: torch.optim.Adam */
    &ADAMW_SPEC,          /* lesson 06: torch.optim.AdamW */
    &ADAFACTOR_SPEC,      /* lesson 08: torch.optim.Adafactor */
    &LION_SPEC,           /* lesson 09: Lion, as its authors' lion_pytorch.Lion */
    &ADAM8BIT_SPEC,       /* lesson 10: bitsandbytes.optim.Adam8bit, 8-bit blockwise states */
    &ADAMW_BF16_SPEC,              /* lesson 11: AdamW on a BF16 model */
    &ADAMW_BF16_STOCHASTIC_SPEC,   /* lesson 11: llm.c's BF16 weights, stochastic rounding */
    &ADAMW_BF16_MASTER_SPEC,       /* lesson 11: FP32 master weights, BF16 working copy */
    &ZERO_ADAMW_SPEC,     /* lesson 12: ZeRO's stage 1, AdamW's state divided between ranks */
    NULL,
};

const OptimizerSpec *registry_find(const char *name)
{
    for (int i = 0; REGISTRY[i]; i++)
        if (strcmp(REGISTRY[i]->name, name) == 0) return REGISTRY[i];
    return NULL;
}
