/* bench_inputs.h - the parameters and gradients the GPU chapter's checks and
 * benches step (gpu/adamw_fused.cu, gpu/adam8bit.cu), from counters, so that
 * the host, the device and gpu/main.c all make the same numbers: main.c
 * counts the bank conflicts of the very codes a profiled bench launch read.
 * `static inline HOST_DEVICE` (common/host_device.h). */
#ifndef GPU_BENCH_INPUTS_H
#define GPU_BENCH_INPUTS_H

#include <stddef.h>
#include <stdint.h>

#include "host_device.h"
#include "rounding_bits.h"   /* splitmix64_number */

/* A bench times each kernel BENCH_RUNS times after one warm-up launch
 * (workbench.cuh's MEDIAN_SECONDS), all on the same tensor. */
#define BENCH_RUNS 21
/* Fused AdamW is timed once more at 2^28 parameters cut into this many
 * tensors: a model's worth, one launch of the fast kernel against as many
 * of the first. */
#define BENCH_TENSORS 150

/* The chapter's targets at 2^28 parameters (make bench-gpu judges them and
 * reads them from here): fused AdamW at this % of the copy or more, 8-bit
 * Adam with BF16 weights at this % or more and at this many times fused
 * AdamW's parameters a second or more. */
#define BENCH_TARGET_FUSED_PCT 90
#define BENCH_TARGET_Q8_PCT 75
#define BENCH_TARGET_Q8_OVER_FUSED 2.2

/* 8-bit Adam's settings in gpu/adam8bit.cu's check and bench: PyTorch's
 * defaults, and a weight decay. gpu/main.c steps the bench's codes with
 * them too. */
#define BENCH_LR 1e-3f
#define BENCH_BETA1 0.9f
#define BENCH_BETA2 0.999f
#define BENCH_EPS 1e-8f
#define BENCH_WEIGHT_DECAY 0.01f

/* A number in [-1, 1) from a 64-bit counter: SplitMix64's i-th number from
 * seed 10 (lesson 11's splitmix64_number), its top 24 bits. */
static inline HOST_DEVICE float unit(uint64_t i)
{
    const uint64_t z = splitmix64_number(10, i);
    return (float)((double)(z >> 40) / (double)(1ull << 23) - 1.0);
}

/* Element i's first parameter (or master weight) of the tensor made from
 * `seed`, in [-1, 1). */
static inline HOST_DEVICE float bench_param(uint64_t seed, size_t i)
{
    return unit(seed * 1000003 + i);
}

/* Element i's gradient at step t: mostly of order 0.1, every 97th element
 * 1000 times larger, as outliers are in a real model's gradients. A bench
 * steps the same gradient, step 1's, over and over. */
static inline HOST_DEVICE float bench_gradient(uint64_t seed, size_t i, long step)
{
    const float u = unit((seed * 1000003 + i) * 31 + (uint64_t)step);
    return i % 97 == 0 ? 100.0f * u : 0.1f * u;
}

#endif
