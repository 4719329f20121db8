/* ex2_peak.c - exercise 2, solved: the peak of model-state memory within a
 * step of lesson 12's engine, from the MLP's layer sizes. */
#include "exercises.h"

/* A layer of n elements padded to a multiple of the ranks. */
static size_t padded(size_t n, int ranks)
{
    return (n + (size_t)ranks - 1) / (size_t)ranks * (size_t)ranks;
}

static size_t max_size(size_t a, size_t b)
{
    return a > b ? a : b;
}

size_t ex_transient_bytes(int hidden, int stage, int ranks)
{
    const size_t fc1 = padded((size_t)hidden * 65, ranks), fc2 = padded((size_t)hidden * 10 + 10, ranks);
    const size_t bytes = sizeof(float);
    if (stage < 2) return 0;   /* the full gradient is always allocated: nothing comes and goes */
    /* Stage 2: one layer's full gradient at a time, until it is reduced. */
    if (stage == 2) return bytes * max_size(fc1, fc2);
    /* Stage 3 also gathers a layer's weights: fc1 alone in the forward pass;
     * fc2 gathered and its full gradient at once in the backward pass; then
     * fc1's full gradient alone (its weights are not gathered again). */
    return bytes * max_size(fc1, 2 * fc2);
}

size_t ex_peak_bytes(int hidden, int stage, int ranks)
{
    const size_t all = padded((size_t)hidden * 65, ranks) + padded((size_t)hidden * 10 + 10, ranks);
    const size_t shard = all / (size_t)ranks;
    /* Between steps: 4 bytes of parameter and of gradient, 8 of AdamW state,
     * each whole or a shard as the stage says. */
    const size_t live = 4 * (stage >= 3 ? shard : all) + 4 * (stage >= 2 ? shard : all) + 8 * (stage >= 1 ? shard : all);
    return live + ex_transient_bytes(hidden, stage, ranks);
}
