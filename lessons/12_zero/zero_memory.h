/* zero_memory.h - the ZeRO paper's memory per rank (Rajbhandari et al.,
 * section 5.1 and Figure 1): the model states of Psi parameters on N
 * data-parallel ranks, by stage, from the bytes each parameter costs in
 * each of the three parts:
 *
 *     stage 0 (plain data parallelism)  (P + G + K) Psi
 *     stage 1 (P_os)                     P Psi + G Psi + K Psi / N
 *     stage 2 (P_os+g)                   P Psi + (G + K) Psi / N
 *     stage 3 (P_os+g+p)                 (P + G + K) Psi / N
 *
 * P: a parameter's working copy (2 bytes in mixed precision), G: its
 * gradient (2), K: everything the optimizer keeps for it (12 for mixed-
 * precision Adam: the FP32 master weight, exp_avg and exp_avg_sq). The
 * formulas divide exactly; an implementation pads each shard up to whole
 * elements (zero.h pads every layer to a multiple of N), which the
 * lesson's program measures beside them. */
#ifndef LESSON_ZERO_MEMORY_H
#define LESSON_ZERO_MEMORY_H

#include <stddef.h>

typedef struct {
    double params;   /* the parameters' working copy */
    double grads;    /* their gradients */
    double states;   /* the optimizer's: master weights and state */
    double total;
} ZeroRankBytes;

/* What one rank keeps of num_params parameters at `stage` over `ranks`
 * ranks, each parameter costing param_bytes + grad_bytes + state_bytes.
 * Every field NAN when zero_memory_check refuses the arguments. */
ZeroRankBytes zero_rank_bytes(double num_params, int stage, int ranks, double param_bytes,
                              double grad_bytes, double state_bytes);

/* NULL if zero_rank_bytes can take these arguments, else why not: a stage
 * outside 0..3, fewer than one rank, a negative or non-finite size. */
const char *zero_memory_check(double num_params, int stage, int ranks, double param_bytes,
                              double grad_bytes, double state_bytes);

/* The elements each of `ranks` ranks owns of a buffer of n once it is
 * padded to a multiple of ranks: ceil(n / ranks). */
size_t zero_shard_numel(size_t n, int ranks);

#endif
