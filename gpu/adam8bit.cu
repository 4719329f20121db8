/* adam8bit.cu - 8-bit blockwise Adam on the GPU: lesson 10's step, the
 * update of bitsandbytes' kOptimizerStatic8bit2StateBlockwise, as two CUDA
 * kernels, a first one and a fast one.
 *
 * Compile (make gpu does, when nvcc is there; gpu/gpu.mk has every flag):
 *     nvcc -O3 -fmad=false -gencode arch=compute_90,code=sm_90 -Icommon -Ilessons/NN_... \
 *          -o build/gpu/adam8bit gpu/adam8bit.cu build/obj/gpu/gpu_reference.o \
 *          build/lib/lib12_zero.a ... build/lib/lib01_sgd.a build/lib/libcommon.a -lz -lm
 * -fmad=false: nvcc would fuse a * b + c into one rounding, where the CPU
 * rounds each operation (as the NumPy port of bitsandbytes does); without it
 * the kernels would round otherwise than the CPU step they are checked against.
 *
 * CPU reference: lessons/10_memory/adam8bit.c's adam8bit_update_blockwise
 * (through gpu/gpu_reference.c). The per-element arithmetic is not written
 * again here: both kernels call lesson 10's adam8bit_kernel.h and
 * quantize.h, the very functions the CPU step runs, compiled for the device
 * (HOST_DEVICE is __host__ __device__ in this file).
 *
 * Check: `build/gpu/adam8bit --check` steps the same three tensors (a short
 * last block, a NaN gradient among them) five times on the CPU and with each
 * kernel, and compares the codes (at least 99.99% equal, the rest one code
 * apart), the absmax and the parameters. `--bench` times both kernels and a
 * copy of as many bytes (the ceiling). Without a CUDA device both say so in
 * one line and exit 77 (skipped).
 *
 *   adam8bit_first   one thread per element, one thread block per block of
 *                    256, the maps read from global memory, one launch per
 *                    tensor: lesson 10's loop, written for threads
 *   adam8bit_fast    the maps in shared memory, four elements per thread
 *                    with 16-byte loads, a grid-stride loop over the blocks
 *                    of every tensor: one launch for the whole model */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Lesson 10's headers are C: their system headers come first, outside
 * extern "C", and their functions keep C's names. */
#define HOST_DEVICE __host__ __device__
extern "C" {
#include "adam8bit_kernel.h"
#include "quantize.h"
}

/* Lesson 10's step on the CPU, one tensor (gpu_reference.c). */
extern "C" void gpu_reference_adam8bit(float *param, const float *grad, uint8_t *state1,
                                       uint8_t *state2, float *absmax1, float *absmax2, size_t n,
                                       long step, float lr, float beta1, float beta2, float eps,
                                       float weight_decay);

/* The exit status of a run that found no CUDA device (automake's "skipped"). */
enum { NO_DEVICE = 77 };

enum { BLOCK = 256 };                  /* bitsandbytes' block of 8-bit Adam (>= 0.44) */
enum { PER_THREAD = 4 };               /* the fast kernel's elements per thread: one float4 */
enum { THREADS = BLOCK / PER_THREAD }; /* the fast kernel's threads per block of 256: two warps */

/* One tensor of a step, as the fast kernel finds it. */
typedef struct {
    float *param;          /* [n] */
    const float *grad;     /* [n] */
    uint8_t *state1;       /* [n] codes of exp_avg (signed map) */
    uint8_t *state2;       /* [n] codes of exp_avg_sq (unsigned map) */
    float *absmax1;        /* [blocks] */
    float *absmax2;        /* [blocks] */
    size_t n;
    size_t first_block;    /* the index of its first block among all tensors' blocks */
} QuantTensor;

/* The running maximum of lesson 10 (x > max ? x : max): a NaN is passed
 * over. Each thread's magnitude enters as -FLT_MAX when it is NaN, so the
 * tree of the block's threads ends on the loop's answer. */
__device__ __forceinline__ float larger(float max, float x)
{
    return x > max ? x : max;
}

__device__ __forceinline__ float magnitude(float s)
{
    return isnan(s) ? -3.402823466e38f : fabsf(s);
}

/* ---- the first kernel: one thread per element ----------------------------------- */

/* Thread t of thread block b steps element b * 256 + t. Beyond the tensor's
 * end a thread plays the padding bitsandbytes' kernel reads there (a zero
 * gradient, codes 128 and 0): its m joins the block's maximum, as lesson 10
 * does for a short last block. */
__global__ void adam8bit_first(float *param /* [n] */, const float *grad /* [n] */,
                               uint8_t *state1 /* [n] */, uint8_t *state2 /* [n] */,
                               float *absmax1 /* [blocks] */, float *absmax2 /* [blocks] */,
                               const float *qmap1 /* [256] */, const float *qmap2 /* [256] */,
                               size_t n, AdamStepConstants k)
{
    __shared__ float max1[BLOCK], max2[BLOCK];
    const unsigned t = threadIdx.x;
    const size_t b = blockIdx.x, i = b * BLOCK + t;
    const bool real = i < n;
    const float g = real ? grad[i] : 0.0f;
    float s1, s2;
    adam8bit_element(&k, g, real ? state1[i] : 128, real ? state2[i] : 0, absmax1[b], absmax2[b],
                     qmap1, qmap2, &s1, &s2);
    max1[t] = magnitude(s1), max2[t] = magnitude(s2);
    __syncthreads();
    for (unsigned half = BLOCK / 2; half > 0; half /= 2) {
        if (t < half) max1[t] = larger(max1[t], max1[t + half]), max2[t] = larger(max2[t], max2[t + half]);
        __syncthreads();
    }
    const float new_absmax1 = max1[0], new_absmax2 = max2[0];
    if (real) {
        if (isfinite(g)) param[i] = adam_bnb_param(&k, param[i], s1, s2);
        state1[i] = quantize_state1(qmap1, s1, new_absmax1);
        state2[i] = quantize_state2(qmap2, s2, new_absmax2);
    }
    if (t == 0) absmax1[b] = new_absmax1, absmax2[b] = new_absmax2;   /* all read the old ones */
}

/* ---- the fast kernel: one launch for every tensor ---------------------------------- */

/* The tensor that block b (counted over all tensors) belongs to: the last
 * whose first_block is at most b. */
__device__ const QuantTensor *tensor_of(const QuantTensor *tensors, int count, size_t b)
{
    int lo = 0, hi = count - 1;
    while (lo < hi) {
        const int mid = (lo + hi + 1) / 2;
        if (tensors[mid].first_block <= b) lo = mid;
        else hi = mid - 1;
    }
    return &tensors[lo];
}

/* The largest of every thread's value in the thread block (THREADS of
 * them): across each warp by shuffles, then across the warps through
 * shared memory. Every thread gets the answer. */
__device__ float block_max(float x, float *warp_max /* [THREADS / 32] */)
{
    for (int offset = 16; offset > 0; offset /= 2)
        x = larger(x, __shfl_xor_sync(0xffffffffu, x, offset));
    if (threadIdx.x % 32 == 0) warp_max[threadIdx.x / 32] = x;
    __syncthreads();
    float max = warp_max[0];
    for (int w = 1; w < THREADS / 32; w++) max = larger(max, warp_max[w]);
    __syncthreads();   /* all have read warp_max before the next block writes it */
    return max;
}

__global__ void __launch_bounds__(THREADS)
adam8bit_fast(const QuantTensor *tensors /* [count] */, int count, size_t total_blocks,
              const float *qmap1_global /* [256] */, const float *qmap2_global /* [256] */,
              AdamStepConstants k)
{
    __shared__ float qmap1[QMAP_SIZE], qmap2[QMAP_SIZE], warp_max[2][THREADS / 32];
    for (int j = threadIdx.x; j < QMAP_SIZE; j += THREADS)
        qmap1[j] = qmap1_global[j], qmap2[j] = qmap2_global[j];
    __syncthreads();
    for (size_t b = blockIdx.x; b < total_blocks; b += gridDim.x) {
        const QuantTensor *t = tensor_of(tensors, count, b);
        const size_t local = b - t->first_block, first = local * BLOCK + threadIdx.x * PER_THREAD;
        const float old1 = t->absmax1[local], old2 = t->absmax2[local];
        /* Four elements: one 16-byte load of each float array and one 4-byte
         * load of each code array when all four are in the tensor (its base
         * is 256-byte aligned and `first` a multiple of 4); else one by one,
         * with the kernel's padding past the end. */
        float p[PER_THREAD], g[PER_THREAD];
        uint8_t c1[PER_THREAD], c2[PER_THREAD];
        if (first + PER_THREAD <= t->n) {
            const float4 p4 = *(const float4 *)(t->param + first), g4 = *(const float4 *)(t->grad + first);
            const uchar4 a4 = *(const uchar4 *)(t->state1 + first), b4 = *(const uchar4 *)(t->state2 + first);
            p[0] = p4.x, p[1] = p4.y, p[2] = p4.z, p[3] = p4.w;
            g[0] = g4.x, g[1] = g4.y, g[2] = g4.z, g[3] = g4.w;
            c1[0] = a4.x, c1[1] = a4.y, c1[2] = a4.z, c1[3] = a4.w;
            c2[0] = b4.x, c2[1] = b4.y, c2[2] = b4.z, c2[3] = b4.w;
        } else {
            for (int e = 0; e < PER_THREAD; e++) {
                const bool real = first + e < t->n;
                p[e] = real ? t->param[first + e] : 0.0f;
                g[e] = real ? t->grad[first + e] : 0.0f;
                c1[e] = real ? t->state1[first + e] : 128;
                c2[e] = real ? t->state2[first + e] : 0;
            }
        }
        float s1[PER_THREAD], s2[PER_THREAD], mine1 = -3.402823466e38f, mine2 = -3.402823466e38f;
        for (int e = 0; e < PER_THREAD; e++) {
            adam8bit_element(&k, g[e], c1[e], c2[e], old1, old2, qmap1, qmap2, &s1[e], &s2[e]);
            mine1 = larger(mine1, magnitude(s1[e])), mine2 = larger(mine2, magnitude(s2[e]));
        }
        const float new1 = block_max(mine1, warp_max[0]), new2 = block_max(mine2, warp_max[1]);
        for (int e = 0; e < PER_THREAD; e++) {
            if (isfinite(g[e])) p[e] = adam_bnb_param(&k, p[e], s1[e], s2[e]);
            c1[e] = quantize_state1(qmap1, s1[e], new1);
            c2[e] = quantize_state2(qmap2, s2[e], new2);
        }
        if (first + PER_THREAD <= t->n) {
            *(float4 *)(t->param + first) = float4{p[0], p[1], p[2], p[3]};
            *(uchar4 *)(t->state1 + first) = uchar4{c1[0], c1[1], c1[2], c1[3]};
            *(uchar4 *)(t->state2 + first) = uchar4{c2[0], c2[1], c2[2], c2[3]};
        } else {
            for (int e = 0; e < PER_THREAD && first + e < t->n; e++)
                t->param[first + e] = p[e], t->state1[first + e] = c1[e], t->state2[first + e] = c2[e];
        }
        if (threadIdx.x == 0) t->absmax1[local] = new1, t->absmax2[local] = new2;
    }
}

/* ---- the host: tensors, the check, the timing -------------------------------------- */

static void cuda_or_die(cudaError_t err, const char *what)
{
    if (err != cudaSuccess) {
        fprintf(stderr, "adam8bit: %s: %s\n", what, cudaGetErrorString(err));
        exit(1);
    }
}

static void *device_alloc(size_t bytes)
{
    void *p = NULL;
    cuda_or_die(cudaMalloc(&p, bytes), "cudaMalloc");
    return p;
}

/* One tensor's arrays on the host and on the device. */
typedef struct {
    size_t n, blocks;
    float *param, *grad, *absmax1, *absmax2;   /* host [n], [n], [blocks], [blocks] */
    uint8_t *state1, *state2;                  /* host [n] */
    QuantTensor dev;                           /* the same on the device */
} Pair;

/* A number in [-1, 1) from a 64-bit counter (splitmix64's mix): the same
 * inputs on every run. */
static float unit(uint64_t i)
{
    uint64_t z = i * 0x9E3779B97F4A7C15ull + 10;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (float)((double)(z >> 40) / (double)(1ull << 23) - 1.0);
}

static Pair pair_new(size_t n, size_t first_block, uint64_t seed)
{
    Pair t;
    t.n = n, t.blocks = quantize_num_blocks(n, BLOCK);
    t.param = (float *)calloc(n, sizeof(float)), t.grad = (float *)calloc(n, sizeof(float));
    t.absmax1 = (float *)calloc(t.blocks, sizeof(float));
    t.absmax2 = (float *)calloc(t.blocks, sizeof(float));
    t.state1 = (uint8_t *)calloc(n, 1), t.state2 = (uint8_t *)calloc(n, 1);
    if (!t.param || !t.grad || !t.absmax1 || !t.absmax2 || !t.state1 || !t.state2) {
        fprintf(stderr, "adam8bit: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) t.param[i] = unit(seed * 1000003 + i);
    t.dev.param = (float *)device_alloc(n * sizeof(float));
    t.dev.grad = (float *)device_alloc(n * sizeof(float));
    t.dev.state1 = (uint8_t *)device_alloc(n), t.dev.state2 = (uint8_t *)device_alloc(n);
    t.dev.absmax1 = (float *)device_alloc(t.blocks * sizeof(float));
    t.dev.absmax2 = (float *)device_alloc(t.blocks * sizeof(float));
    t.dev.n = n, t.dev.first_block = first_block;
    cuda_or_die(cudaMemcpy(t.dev.param, t.param, n * sizeof(float), cudaMemcpyHostToDevice), "copy");
    cuda_or_die(cudaMemset(t.dev.state1, 0, n), "memset");
    cuda_or_die(cudaMemset(t.dev.state2, 0, n), "memset");
    cuda_or_die(cudaMemset(t.dev.absmax1, 0, t.blocks * sizeof(float)), "memset");
    cuda_or_die(cudaMemset(t.dev.absmax2, 0, t.blocks * sizeof(float)), "memset");
    return t;
}

static void pair_free(Pair *t)
{
    free(t->param), free(t->grad), free(t->absmax1), free(t->absmax2), free(t->state1), free(t->state2);
    cudaFree(t->dev.param), cudaFree((void *)t->dev.grad), cudaFree(t->dev.state1);
    cudaFree(t->dev.state2), cudaFree(t->dev.absmax1), cudaFree(t->dev.absmax2);
}

/* Step t's gradient, the same on host and device: mostly of order 0.1, every
 * 97th element 1000 times larger, one NaN. */
static void pair_gradient(Pair *t, uint64_t seed, long step)
{
    for (size_t i = 0; i < t->n; i++) {
        const float u = unit((seed * 1000003 + i) * 31 + (uint64_t)step);
        t->grad[i] = i % 97 == 0 ? 100.0f * u : 0.1f * u;
    }
    if (step == 3) t->grad[t->n / 2] = NAN;
    cuda_or_die(cudaMemcpy((void *)t->dev.grad, t->grad, t->n * sizeof(float), cudaMemcpyHostToDevice),
                "copy");
}

typedef struct {
    size_t codes, equal, one_apart;
    double worst_param, worst_absmax;   /* relative to the largest |value| of the tensor */
} Agreement;

/* The device's tensor against the host's, into a. */
static void compare(const Pair *t, Agreement *a)
{
    float *p = (float *)malloc(t->n * sizeof(float)), *m1 = (float *)malloc(t->blocks * sizeof(float));
    float *m2 = (float *)malloc(t->blocks * sizeof(float));
    uint8_t *c1 = (uint8_t *)malloc(t->n), *c2 = (uint8_t *)malloc(t->n);
    if (!p || !m1 || !m2 || !c1 || !c2) exit(1);
    cuda_or_die(cudaMemcpy(p, t->dev.param, t->n * sizeof(float), cudaMemcpyDeviceToHost), "copy");
    cuda_or_die(cudaMemcpy(m1, t->dev.absmax1, t->blocks * sizeof(float), cudaMemcpyDeviceToHost), "copy");
    cuda_or_die(cudaMemcpy(m2, t->dev.absmax2, t->blocks * sizeof(float), cudaMemcpyDeviceToHost), "copy");
    cuda_or_die(cudaMemcpy(c1, t->dev.state1, t->n, cudaMemcpyDeviceToHost), "copy");
    cuda_or_die(cudaMemcpy(c2, t->dev.state2, t->n, cudaMemcpyDeviceToHost), "copy");
    double scale = 0, scale1 = 0, scale2 = 0;
    for (size_t i = 0; i < t->n; i++) scale = fmax(scale, fabs(t->param[i]));
    for (size_t b = 0; b < t->blocks; b++)
        scale1 = fmax(scale1, fabs(t->absmax1[b])), scale2 = fmax(scale2, fabs(t->absmax2[b]));
    for (size_t i = 0; i < t->n; i++) {
        a->worst_param = fmax(a->worst_param, fabs((double)p[i] - t->param[i]) / scale);
        const int d1 = abs((int)c1[i] - (int)t->state1[i]), d2 = abs((int)c2[i] - (int)t->state2[i]);
        a->codes += 2;
        a->equal += (d1 == 0) + (d2 == 0);
        a->one_apart += (d1 == 1) + (d2 == 1);
    }
    for (size_t b = 0; b < t->blocks; b++) {
        a->worst_absmax = fmax(a->worst_absmax, fabs((double)m1[b] - t->absmax1[b]) / scale1);
        a->worst_absmax = fmax(a->worst_absmax, fabs((double)m2[b] - t->absmax2[b]) / scale2);
    }
    free(p), free(m1), free(m2), free(c1), free(c2);
}

/* The device's maps: lesson 10's, built on the host. */
static void device_maps(float **qmap1, float **qmap2)
{
    float code[QMAP_SIZE];
    *qmap1 = (float *)device_alloc(sizeof code), *qmap2 = (float *)device_alloc(sizeof code);
    create_dynamic_map(true, code);
    cuda_or_die(cudaMemcpy(*qmap1, code, sizeof code, cudaMemcpyHostToDevice), "copy");
    create_dynamic_map(false, code);
    cuda_or_die(cudaMemcpy(*qmap2, code, sizeof code, cudaMemcpyHostToDevice), "copy");
}

static const float LR = 1e-3f, BETA1 = 0.9f, BETA2 = 0.999f, EPS = 1e-8f, WD = 0.01f;

/* Five steps of three tensors on the CPU and with `fast` (else the first
 * kernel), compared after the last. Returns 0 when they agree. */
static int check(bool fast)
{
    const size_t sizes[3] = {3 * 4096 + 100, 17 * 256, 5000};
    Pair t[3];
    size_t blocks = 0;
    for (int j = 0; j < 3; j++) t[j] = pair_new(sizes[j], blocks, (uint64_t)j + 1), blocks += t[j].blocks;
    float *qmap1, *qmap2;
    device_maps(&qmap1, &qmap2);
    QuantTensor host_table[3], *table = (QuantTensor *)device_alloc(sizeof host_table);
    for (int j = 0; j < 3; j++) host_table[j] = t[j].dev;
    cuda_or_die(cudaMemcpy(table, host_table, sizeof host_table, cudaMemcpyHostToDevice), "copy");
    for (long step = 1; step <= 5; step++) {
        const AdamStepConstants k = adam_step_constants(LR, BETA1, BETA2, EPS, WD, step);
        for (int j = 0; j < 3; j++) {
            pair_gradient(&t[j], (uint64_t)j + 1, step);
            gpu_reference_adam8bit(t[j].param, t[j].grad, t[j].state1, t[j].state2, t[j].absmax1,
                                   t[j].absmax2, t[j].n, step, LR, BETA1, BETA2, EPS, WD);
            const QuantTensor *d = &t[j].dev;
            if (!fast)
                adam8bit_first<<<(unsigned)t[j].blocks, BLOCK>>>(d->param, d->grad, d->state1, d->state2,
                                                                d->absmax1, d->absmax2, qmap1, qmap2, d->n,
                                                                k);
        }
        const unsigned grid = (unsigned)(blocks < 1024 ? blocks : 1024);
        if (fast) adam8bit_fast<<<grid, THREADS>>>(table, 3, blocks, qmap1, qmap2, k);
        cuda_or_die(cudaGetLastError(), "launch");
        cuda_or_die(cudaDeviceSynchronize(), "step");
    }
    Agreement a = {0, 0, 0, 0.0, 0.0};
    for (int j = 0; j < 3; j++) compare(&t[j], &a), pair_free(&t[j]);
    cudaFree(qmap1), cudaFree(qmap2), cudaFree(table);
    const bool ok = a.equal + a.one_apart == a.codes && (double)a.equal >= 0.9999 * (double)a.codes &&
                    a.worst_param <= 1e-6 && a.worst_absmax <= 1e-6;
    printf("%s %s: %zu of %zu codes equal to the CPU's, %zu one code apart; parameters within %.2g,"
           " absmax within %.2g of their scale\n", ok ? "ok" : "FAILED",
           fast ? "adam8bit_fast" : "adam8bit_first", a.equal, a.codes, a.one_apart, a.worst_param,
           a.worst_absmax);
    return ok ? 0 : 1;
}

/* ---- timing -------------------------------------------------------------------------- */

/* The ceiling: a copy that reads and writes as many bytes as a step. */
__global__ void copy_kernel(float4 *to /* [n4] */, const float4 *from /* [n4] */, size_t n4)
{
    const size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n4; i += stride) to[i] = from[i];
}

static int compare_floats(const void *a, const void *b)
{
    const float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

enum { RUNS = 21 };

/* The median of RUNS timed runs of `what` after one warm-up, in seconds. */
#define MEDIAN_SECONDS(out, what)                                              \
    do {                                                                        \
        cudaEvent_t start_, stop_;                                              \
        float ms_[RUNS];                                                        \
        cudaEventCreate(&start_), cudaEventCreate(&stop_);                      \
        what;                                                                   \
        for (int r_ = 0; r_ < RUNS; r_++) {                                     \
            cudaEventRecord(start_);                                            \
            what;                                                               \
            cudaEventRecord(stop_);                                             \
            cuda_or_die(cudaEventSynchronize(stop_), "timing");                 \
            cudaEventElapsedTime(&ms_[r_], start_, stop_);                      \
        }                                                                       \
        qsort(ms_, RUNS, sizeof ms_[0], compare_floats);                        \
        (out) = ms_[RUNS / 2] / 1e3;                                            \
        cudaEventDestroy(start_), cudaEventDestroy(stop_);                      \
    } while (0)

/* Both kernels and the copy at n parameters: G params/s, GB/s, % of the copy. */
static void bench(size_t n)
{
    Pair t = pair_new(n, 0, 1);
    pair_gradient(&t, 1, 1);
    float *qmap1, *qmap2;
    device_maps(&qmap1, &qmap2);
    QuantTensor *table = (QuantTensor *)device_alloc(sizeof t.dev);
    cuda_or_die(cudaMemcpy(table, &t.dev, sizeof t.dev, cudaMemcpyHostToDevice), "copy");
    const AdamStepConstants k = adam_step_constants(LR, BETA1, BETA2, EPS, WD, 1);
    /* Read param, grad, two codes; write param, two codes; absmax 16 B a block. */
    const double bytes = 16.0 * (double)n + 16.0 * (double)t.blocks;
    const size_t n4 = (size_t)(bytes / 2 / sizeof(float4));   /* half read, half written */
    float4 *from = (float4 *)device_alloc(n4 * sizeof(float4));
    float4 *to = (float4 *)device_alloc(n4 * sizeof(float4));
    cuda_or_die(cudaMemset(from, 0, n4 * sizeof(float4)), "memset");
    double copy_s, first_s, fast_s;
    MEDIAN_SECONDS(copy_s, (copy_kernel<<<1024, 256>>>(to, from, n4)));
    const QuantTensor *d = &t.dev;
    MEDIAN_SECONDS(first_s, (adam8bit_first<<<(unsigned)t.blocks, BLOCK>>>(
                                d->param, d->grad, d->state1, d->state2, d->absmax1, d->absmax2, qmap1,
                                qmap2, n, k)));
    MEDIAN_SECONDS(fast_s, (adam8bit_fast<<<2048, THREADS>>>(table, 1, t.blocks, qmap1, qmap2, k)));
    cuda_or_die(cudaGetLastError(), "launch");
    const double copy_gbs = bytes / copy_s / 1e9;
    printf("%12zu  copy %8.1f GB/s", n, copy_gbs);
    printf("  first %6.2f Gparam/s %7.1f GB/s %5.1f%%", n / first_s / 1e9, bytes / first_s / 1e9,
           100 * copy_s / first_s);
    printf("  fast %6.2f Gparam/s %7.1f GB/s %5.1f%%\n", n / fast_s / 1e9, bytes / fast_s / 1e9,
           100 * copy_s / fast_s);
    cudaFree(from), cudaFree(to), cudaFree(qmap1), cudaFree(qmap2), cudaFree(table);
    pair_free(&t);
}

int main(int argc, char **argv)
{
    const bool timing = argc > 1 && strcmp(argv[1], "--bench") == 0;
    if (argc > 2 || (argc == 2 && !timing && strcmp(argv[1], "--check") != 0)) {
        fprintf(stderr, "usage: adam8bit [--check | --bench]\n");
        return 2;
    }
    int devices = 0;
    if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
        printf("adam8bit: no CUDA device: skipped\n");
        return NO_DEVICE;
    }
    cudaDeviceProp prop;
    cuda_or_die(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
    printf("device: %s\n", prop.name);
    if (!timing) return check(false) | check(true);
    printf("8-bit Adam, %.2f bytes a parameter (fp32 param and grad, two codes, absmax per 256)\n",
           16.0 + 16.0 / BLOCK);
    const size_t sizes[] = {(size_t)1 << 26, (size_t)1 << 28, ((size_t)1 << 28) + 17, (size_t)1 << 30};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) bench(sizes[s]);
    return 0;
}
