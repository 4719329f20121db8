/* adam8bit.cu - 8-bit blockwise Adam on the GPU: lesson 10's step, the
 * update of bitsandbytes' kOptimizerStatic8bit2StateBlockwise, as CUDA
 * kernels: a first one, a fast one, and the fast one with lesson 10's index.
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
 * Parameters and gradients are FP32 (16 bytes a parameter: read 4 + 4 + 1 +
 * 1, write 4 + 1 + 1) or BF16, as bitsandbytes steps a BF16 model (10 bytes:
 * read 2 + 2 + 1 + 1, write 2 + 1 + 1): each kernel is a template on the
 * type P of param and grad. A BF16 weight is widened, stepped in FP32 and
 * stored rounded to nearest; the CPU reference does the same around lesson
 * 10's step.
 *
 * Check: `build/gpu/adam8bit --check` steps the same three tensors (short
 * last blocks, a NaN gradient among them) five times on the CPU and with
 * each kernel, FP32 and BF16, and requires every code, absmax and parameter
 * to be the CPU's bit for bit. `--bench` times the
 * kernels and a copy of as many bytes (the ceiling). Without a CUDA device
 * both say so in one line and exit 77 (skipped).
 *
 *   adam8bit_first   one thread per element, one thread block per block of
 *                    256, the maps read from global memory, one launch per
 *                    tensor: lesson 10's loop, written for threads
 *   adam8bit_fast    the maps in shared memory, four elements per thread
 *                    with 16-byte (FP32) or 8-byte (BF16) loads and 4-byte
 *                    loads of the codes, a grid-stride loop over the blocks
 *                    of every tensor: one launch for the whole model
 *   adam8bit_fast, indexed
 *                    the same, finding each new code with lesson 10's index
 *                    (QuantMap: first[] by the value's top 16 bits, in global
 *                    memory, then one comparison with above[], in shared
 *                    memory) instead of the eight reads of the search */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROGRAM "adam8bit"
/* Lesson 10's headers are C: their system headers come first, outside
 * extern "C", and their functions keep C's names. */
#define HOST_DEVICE __host__ __device__
extern "C" {
#include "adam8bit_kernel.h"
#include "lowp.h"
#include "quantize.h"
#include "gpu_reference.h"   /* the CPU step it is checked against */
}
#include "workbench.cuh"


enum { BLOCK = 256 };                  /* bitsandbytes' block of 8-bit Adam (>= 0.44) */
enum { PER_THREAD = 4 };               /* the fast kernel's elements per thread */
enum { THREADS = BLOCK / PER_THREAD }; /* the fast kernel's threads per block of 256: two warps */

/* One tensor of a step, as the fast kernel finds it; P is float or
 * uint16_t (BF16). */
template <typename P>
struct QuantTensor {
    P *param;              /* [n] */
    const P *grad;         /* [n] */
    uint8_t *state1;       /* [n] codes of exp_avg (signed map) */
    uint8_t *state2;       /* [n] codes of exp_avg_sq (unsigned map) */
    float *absmax1;        /* [blocks] */
    float *absmax2;        /* [blocks] */
    size_t n;
    size_t first;          /* the index of its first block among all tensors' blocks */
};

/* A parameter or gradient as a float, and back: FP32 as it is; BF16
 * widened exactly and stored rounded to nearest (common/lowp.h). */
__host__ __device__ inline float widen(float x) { return x; }
__host__ __device__ inline float widen(uint16_t x) { return float_from_bf16(x); }
__host__ __device__ inline void narrow(float *to, float x) { *to = x; }
__host__ __device__ inline void narrow(uint16_t *to, float x) { *to = bf16_from_float(x); }

/* Four of them at once: one 16-byte load or store (FP32), or one of 8
 * bytes (BF16, the lower address in the lower half). */
__device__ __forceinline__ void load4(const float *x, float v[4])
{
    const float4 a = *(const float4 *)x;
    v[0] = a.x, v[1] = a.y, v[2] = a.z, v[3] = a.w;
}

__device__ __forceinline__ void load4(const uint16_t *x, float v[4])
{
    const uint2 a = *(const uint2 *)x;
    v[0] = widen((uint16_t)a.x), v[1] = widen((uint16_t)(a.x >> 16));
    v[2] = widen((uint16_t)a.y), v[3] = widen((uint16_t)(a.y >> 16));
}

__device__ __forceinline__ void store4(float *x, const float v[4])
{
    *(float4 *)x = float4{v[0], v[1], v[2], v[3]};
}

__device__ __forceinline__ void store4(uint16_t *x, const float v[4])
{
    uint16_t b[4];
    for (int e = 0; e < 4; e++) narrow(&b[e], v[e]);
    *(uint2 *)x = uint2{b[0] | (unsigned)b[1] << 16, b[2] | (unsigned)b[3] << 16};
}

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

/* snippet: adam8bit_first, shown in 13_gpu */
/* Thread t of thread block b steps element b * 256 + t. Beyond the tensor's
 * end a thread plays the padding bitsandbytes' kernel reads there (a zero
 * gradient, codes 128 and 0): its m joins the block's maximum, as lesson 10
 * does for a short last block. */
template <typename P>
__global__ void adam8bit_first(P *param /* [n] */, const P *grad /* [n] */,
                               uint8_t *state1 /* [n] */, uint8_t *state2 /* [n] */,
                               float *absmax1 /* [blocks] */, float *absmax2 /* [blocks] */,
                               const float *qmap1 /* [256] */,
                               const float *qmap2 /* [256] */, size_t n,
                               AdamStepConstants k)
{
    __shared__ float max1[BLOCK], max2[BLOCK];
    const unsigned t = threadIdx.x;
    const size_t b = blockIdx.x, i = b * BLOCK + t;
    const bool real = i < n;
    const float g = real ? widen(grad[i]) : 0.0f;
    float s1, s2;
    adam8bit_element(&k, g, real ? state1[i] : 128, real ? state2[i] : 0, absmax1[b],
                     absmax2[b], qmap1, qmap2, &s1, &s2);
    max1[t] = magnitude(s1), max2[t] = magnitude(s2);
    __syncthreads();
    for (unsigned half = BLOCK / 2; half > 0; half /= 2) {
        if (t < half) {
            max1[t] = larger(max1[t], max1[t + half]);
            max2[t] = larger(max2[t], max2[t + half]);
        }
        __syncthreads();
    }
    const float new_absmax1 = max1[0], new_absmax2 = max2[0];
    if (real) {
        if (isfinite(g)) narrow(&param[i], adam_bnb_param(&k, widen(param[i]), s1, s2));
        state1[i] = quantize_state1(qmap1, s1, new_absmax1);
        state2[i] = quantize_state2(qmap2, s2, new_absmax2);
    }
    if (t == 0) absmax1[b] = new_absmax1, absmax2[b] = new_absmax2;   /* all read the old */
}
/* end snippet */

/* ---- the fast kernel: one launch for every tensor ---------------------------------- */

/* snippet: block_max, shown in 13_gpu */
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
/* end snippet */

/* snippet: adam8bit_fast, shown in 13_gpu */
/* INDEXED: the new codes through lesson 10's index (maps: the two QuantMaps
 * on the device, signed then unsigned) rather than the search. */
template <typename P, bool INDEXED>
__global__ void __launch_bounds__(THREADS)
adam8bit_fast(const QuantTensor<P> *tensors /* [count] */, int count, size_t total_blocks,
              const float *qmap1_global /* [256] */, const float *qmap2_global /* [256] */,
              const QuantMap *maps /* [2], or NULL */, AdamStepConstants k)
{
    __shared__ float qmap1[QMAP_SIZE], qmap2[QMAP_SIZE], warp_max[2][THREADS / 32];
    __shared__ float above1[INDEXED ? QMAP_SIZE : 1], above2[INDEXED ? QMAP_SIZE : 1];
    for (int j = threadIdx.x; j < QMAP_SIZE; j += THREADS) {
        qmap1[j] = qmap1_global[j], qmap2[j] = qmap2_global[j];
        if (INDEXED) above1[j] = maps[0].above[j], above2[j] = maps[1].above[j];
    }
    __syncthreads();
    for (size_t b = blockIdx.x; b < total_blocks; b += gridDim.x) {
        const QuantTensor<P> *t = tensor_of(tensors, count, b);
        const size_t local = b - t->first, first = local * BLOCK + threadIdx.x * PER_THREAD;
        const float old1 = t->absmax1[local], old2 = t->absmax2[local];
        /* Four elements: one load of each parameter and gradient array
         * (16 or 8 bytes) and one 4-byte load of each code array when all
         * four are in the tensor (its base is 256-byte aligned and `first`
         * a multiple of 4); else one by one, with the kernel's padding past
         * the end. */
        float p[PER_THREAD], g[PER_THREAD];
        uint8_t c1[PER_THREAD], c2[PER_THREAD];
        if (first + PER_THREAD <= t->n) {
            load4(t->param + first, p), load4(t->grad + first, g);
            const uchar4 a4 = *(const uchar4 *)(t->state1 + first);
            const uchar4 b4 = *(const uchar4 *)(t->state2 + first);
            c1[0] = a4.x, c1[1] = a4.y, c1[2] = a4.z, c1[3] = a4.w;
            c2[0] = b4.x, c2[1] = b4.y, c2[2] = b4.z, c2[3] = b4.w;
        } else {
            for (int e = 0; e < PER_THREAD; e++) {
                const bool real = first + e < t->n;
                p[e] = real ? widen(t->param[first + e]) : 0.0f;
                g[e] = real ? widen(t->grad[first + e]) : 0.0f;
                c1[e] = real ? t->state1[first + e] : 128;
                c2[e] = real ? t->state2[first + e] : 0;
            }
        }
        float s1[PER_THREAD], s2[PER_THREAD];
        float mine1 = -3.402823466e38f, mine2 = -3.402823466e38f;   /* -FLT_MAX */
        for (int e = 0; e < PER_THREAD; e++) {
            adam8bit_element(&k, g[e], c1[e], c2[e], old1, old2, qmap1, qmap2, &s1[e],
                             &s2[e]);
            mine1 = larger(mine1, magnitude(s1[e]));
            mine2 = larger(mine2, magnitude(s2[e]));
        }
        const float new1 = block_max(mine1, warp_max[0]);
        const float new2 = block_max(mine2, warp_max[1]);
        for (int e = 0; e < PER_THREAD; e++) {
            if (isfinite(g[e])) p[e] = adam_bnb_param(&k, p[e], s1[e], s2[e]);
            if (INDEXED) {   /* quantize_state1 and 2, two lookups each instead of eight */
                const uint8_t q1 = quantize_indexed(maps[0].first, above1, s1[e] / new1);
                c1[e] = sign_kept(qmap1, q1, s1[e]);
                c2[e] = quantize_indexed(maps[1].first, above2, s2[e] / new2);
            } else {
                c1[e] = quantize_state1(qmap1, s1[e], new1);
                c2[e] = quantize_state2(qmap2, s2[e], new2);
            }
        }
        if (first + PER_THREAD <= t->n) {
            store4(t->param + first, p);
            *(uchar4 *)(t->state1 + first) = uchar4{c1[0], c1[1], c1[2], c1[3]};
            *(uchar4 *)(t->state2 + first) = uchar4{c2[0], c2[1], c2[2], c2[3]};
        } else {
            for (int e = 0; e < PER_THREAD && first + e < t->n; e++) {
                narrow(&t->param[first + e], p[e]);
                t->state1[first + e] = c1[e], t->state2[first + e] = c2[e];
            }
        }
        if (threadIdx.x == 0) t->absmax1[local] = new1, t->absmax2[local] = new2;
    }
}
/* end snippet */

/* ---- the host: tensors, the check, the timing -------------------------------------- */

/* One tensor's arrays on the device and, for the check, on the host: there
 * the parameters and gradients are floats (holding BF16 values when P is
 * uint16_t), the arrays lesson 10's step takes. */
template <typename P>
struct Pair {
    size_t n, blocks;
    float *param, *grad, *absmax1, *absmax2;   /* host [n], [n], [blocks], [blocks], or NULL */
    uint8_t *state1, *state2;                  /* host [n], or NULL */
    QuantTensor<P> dev;                        /* the device's */
};

/* The tensor's first parameters and step 1's gradient (bench_inputs.h), as P
 * stores them. */
template <typename P>
__global__ void fill_pair(QuantTensor<P> t, uint64_t seed)
{
    const size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < t.n; i += stride)
        narrow(&t.param[i], bench_param(seed, i)), narrow((P *)&t.grad[i], bench_gradient(seed, i, 1));
}

/* x as P stores it, widened again: a BF16 value when P is uint16_t. */
template <typename P>
static float as_stored(float x)
{
    P stored;
    narrow(&stored, x);
    return widen(stored);
}

/* n floats to the device as P. */
template <typename P>
static void upload(P *device, const float *host, size_t n)
{
    P *stored = (P *)host_alloc(n, sizeof(P));
    for (size_t i = 0; i < n; i++) narrow(&stored[i], host[i]);
    to_device(device, stored, n * sizeof(P));
    free(stored);
}

template <typename P>
static void download(float *host, const P *device, size_t n)
{
    P *stored = (P *)host_alloc(n, sizeof(P));
    to_host(stored, device, n * sizeof(P));
    for (size_t i = 0; i < n; i++) host[i] = widen(stored[i]);
    free(stored);
}

/* A tensor of n elements whose first block is first_block among all
 * tensors'; with `mirror`, its host arrays too. States start at 0. */
template <typename P>
static Pair<P> pair_new(size_t n, size_t first_block, uint64_t seed, bool mirror)
{
    Pair<P> t = {n, quantize_num_blocks(n, BLOCK), NULL, NULL, NULL, NULL, NULL, NULL, {}};
    t.dev.param = (P *)device_alloc(n * sizeof(P));
    t.dev.grad = (P *)device_alloc(n * sizeof(P));
    t.dev.state1 = (uint8_t *)device_alloc(n), t.dev.state2 = (uint8_t *)device_alloc(n);
    t.dev.absmax1 = (float *)device_alloc(t.blocks * sizeof(float));
    t.dev.absmax2 = (float *)device_alloc(t.blocks * sizeof(float));
    t.dev.n = n, t.dev.first = first_block;
    cuda_or_die(cudaMemset(t.dev.state1, 0, n), "memset");
    cuda_or_die(cudaMemset(t.dev.state2, 0, n), "memset");
    cuda_or_die(cudaMemset(t.dev.absmax1, 0, t.blocks * sizeof(float)), "memset");
    cuda_or_die(cudaMemset(t.dev.absmax2, 0, t.blocks * sizeof(float)), "memset");
    fill_pair<<<1024, 256>>>(t.dev, seed);
    cuda_or_die(cudaDeviceSynchronize(), "fill");
    if (mirror) {
        t.param = (float *)host_alloc(n, sizeof(float)), t.grad = (float *)host_alloc(n, sizeof(float));
        t.absmax1 = (float *)host_alloc(t.blocks, sizeof(float));
        t.absmax2 = (float *)host_alloc(t.blocks, sizeof(float));
        t.state1 = (uint8_t *)host_alloc(n, 1), t.state2 = (uint8_t *)host_alloc(n, 1);
        for (size_t i = 0; i < n; i++) t.param[i] = as_stored<P>(bench_param(seed, i));
    }
    return t;
}

template <typename P>
static void pair_free(Pair<P> *t)
{
    free(t->param), free(t->grad), free(t->absmax1), free(t->absmax2), free(t->state1), free(t->state2);
    cudaFree(t->dev.param), cudaFree((void *)t->dev.grad), cudaFree(t->dev.state1);
    cudaFree(t->dev.state2), cudaFree(t->dev.absmax1), cudaFree(t->dev.absmax2);
}

/* Step t's gradient on host and device, with one NaN at step 3. */
template <typename P>
static void pair_gradient(Pair<P> *t, uint64_t seed, long step)
{
    for (size_t i = 0; i < t->n; i++) t->grad[i] = as_stored<P>(bench_gradient(seed, i, step));
    if (step == 3) t->grad[t->n / 2] = NAN;
    upload((P *)t->dev.grad, t->grad, t->n);
}

/* Lesson 10's step on the host's arrays, the new parameters stored as P. */
static const float LR = BENCH_LR, BETA1 = BENCH_BETA1, BETA2 = BENCH_BETA2, EPS = BENCH_EPS,
                   WD = BENCH_WEIGHT_DECAY;

template <typename P>
static void pair_step_on_cpu(Pair<P> *t, long step)
{
    gpu_reference_adam8bit(t->param, t->grad, t->state1, t->state2, t->absmax1, t->absmax2, t->n, step,
                           LR, BETA1, BETA2, EPS, WD);
    for (size_t i = 0; i < t->n; i++) t->param[i] = as_stored<P>(t->param[i]);
}

typedef struct {
    size_t codes, equal, one_apart;
    double worst_param, worst_absmax;   /* relative to the largest |value| of the tensor */
} Agreement;

/* |x - y| on the scale `scale`; infinite when one of them is NaN and the
 * other is not (fmax would pass a NaN over), 0 when both are. */
static double apart(double x, double y, double scale)
{
    if (isnan(x) || isnan(y)) return isnan(x) && isnan(y) ? 0 : INFINITY;
    return fabs(x - y) / scale;
}

/* The device's tensor against the host's, into a. */
template <typename P>
static void compare(const Pair<P> *t, Agreement *a)
{
    float *p = (float *)host_alloc(t->n, sizeof(float));
    float *m1 = (float *)host_alloc(t->blocks, sizeof(float)), *m2 = (float *)host_alloc(t->blocks, sizeof(float));
    uint8_t *c1 = (uint8_t *)host_alloc(t->n, 1), *c2 = (uint8_t *)host_alloc(t->n, 1);
    download(p, t->dev.param, t->n);
    to_host(m1, t->dev.absmax1, t->blocks * sizeof(float));
    to_host(m2, t->dev.absmax2, t->blocks * sizeof(float));
    to_host(c1, t->dev.state1, t->n), to_host(c2, t->dev.state2, t->n);
    double scale = 0, scale1 = 0, scale2 = 0;
    for (size_t i = 0; i < t->n; i++) scale = fmax(scale, fabs(t->param[i]));
    for (size_t b = 0; b < t->blocks; b++)
        scale1 = fmax(scale1, fabs(t->absmax1[b])), scale2 = fmax(scale2, fabs(t->absmax2[b]));
    for (size_t i = 0; i < t->n; i++) {
        a->worst_param = fmax(a->worst_param, apart(p[i], t->param[i], scale));
        const int d1 = abs((int)c1[i] - (int)t->state1[i]), d2 = abs((int)c2[i] - (int)t->state2[i]);
        a->codes += 2;
        a->equal += (d1 == 0) + (d2 == 0);
        a->one_apart += (d1 == 1) + (d2 == 1);
    }
    for (size_t b = 0; b < t->blocks; b++) {
        a->worst_absmax = fmax(a->worst_absmax, apart(m1[b], t->absmax1[b], scale1));
        a->worst_absmax = fmax(a->worst_absmax, apart(m2[b], t->absmax2[b], scale2));
    }
    free(p), free(m1), free(m2), free(c1), free(c2);
}

/* The device's maps: lesson 10's, built on the host; and, for the indexed
 * kernel, the two QuantMaps with their index (which lesson 10 checks
 * against the search as it builds it). */
typedef struct {
    float *qmap1, *qmap2;   /* [256] each */
    QuantMap *maps;         /* [2]: signed, unsigned */
} DeviceMaps;

static DeviceMaps device_maps(void)
{
    DeviceMaps d;
    float code[2][QMAP_SIZE];
    static QuantMap maps[2];   /* 66 kB each: not on the stack */
    for (int s = 0; s < 2; s++) {
        create_dynamic_map(s == 0, code[s]);
        quantize_map_init(&maps[s], code[s], s == 0);
        if (!maps[s].indexed) {
            fprintf(stderr, PROGRAM ": the dynamic map's index does not find what the search finds\n");
            exit(1);
        }
    }
    d.qmap1 = (float *)device_alloc(sizeof code[0]), d.qmap2 = (float *)device_alloc(sizeof code[1]);
    d.maps = (QuantMap *)device_alloc(sizeof maps);
    to_device(d.qmap1, code[0], sizeof code[0]), to_device(d.qmap2, code[1], sizeof code[1]);
    to_device(d.maps, maps, sizeof maps);
    return d;
}

static void device_maps_free(DeviceMaps *d)
{
    cudaFree(d->qmap1), cudaFree(d->qmap2), cudaFree(d->maps);
}

typedef enum { FIRST, FAST, INDEXED } Kernel;
static const char *const KERNEL_NAME[3] = {"adam8bit_first", "adam8bit_fast", "adam8bit_indexed"};

/* One step of count tensors with the first kernel (one launch each) or a
 * fast one, on at most max_grid thread blocks (0: as many as fill the device). */
template <typename P>
static void step_on_gpu(Kernel kernel, const Pair<P> *t, const QuantTensor<P> *table, int count,
                        size_t total_blocks, const DeviceMaps *m, AdamStepConstants k, unsigned max_grid)
{
    const float *qmap1 = m->qmap1, *qmap2 = m->qmap2;
    if (kernel != FIRST) {
        unsigned grid = grid_for(total_blocks * THREADS, THREADS);   /* a thread block per block */
        if (max_grid > 0 && grid > max_grid) grid = max_grid;
        if (grid == 0) return;
        if (kernel == FAST)
            adam8bit_fast<P, false><<<grid, THREADS>>>(table, count, total_blocks, qmap1, qmap2, nullptr, k);
        else
            adam8bit_fast<P, true><<<grid, THREADS>>>(table, count, total_blocks, qmap1, qmap2, m->maps, k);
        return;
    }
    for (int j = 0; j < count; j++) {
        const QuantTensor<P> *d = &t[j].dev;
        if (t[j].blocks == 0) continue;
        adam8bit_first<<<(unsigned)t[j].blocks, BLOCK>>>(d->param, d->grad, d->state1, d->state2, d->absmax1,
                                                        d->absmax2, qmap1, qmap2, d->n, k);
    }
}

/* Five steps of three tensors on the CPU and with `fast` (else the first
 * kernel), compared after the last. The kernels run the CPU's operations
 * in its order, so every code, absmax and parameter must be the CPU's bit
 * for bit; the line says how many codes are equal and how many one apart
 * (bitsandbytes' own kernel, with its fast intrinsics, could only be held
 * to the CPU approximately). Returns 0 when they agree. Two of the lengths
 * are not multiples of 4, and the fast kernel gets 5 thread blocks, so
 * that its partial fours and its grid-stride loop are both run. */
template <typename P>
static int check(Kernel kernel)
{
    const size_t sizes[3] = {3 * 4096 + 101, 17 * 256, 5003};
    Pair<P> t[3];
    QuantTensor<P> host_table[3];
    size_t blocks = 0;
    for (int j = 0; j < 3; j++) {
        t[j] = pair_new<P>(sizes[j], blocks, (uint64_t)j + 1, true);
        host_table[j] = t[j].dev, blocks += t[j].blocks;
    }
    DeviceMaps maps = device_maps();
    QuantTensor<P> *table = (QuantTensor<P> *)device_alloc(sizeof host_table);
    to_device(table, host_table, sizeof host_table);
    for (long step = 1; step <= 5; step++) {
        for (int j = 0; j < 3; j++) pair_gradient(&t[j], (uint64_t)j + 1, step), pair_step_on_cpu(&t[j], step);
        step_on_gpu(kernel, t, table, 3, blocks, &maps, adam_step_constants(LR, BETA1, BETA2, EPS, WD, step),
                    5);
        cuda_or_die(cudaGetLastError(), "launch");
        cuda_or_die(cudaDeviceSynchronize(), "step");
    }
    Agreement a = {0, 0, 0, 0.0, 0.0};
    for (int j = 0; j < 3; j++) compare(&t[j], &a), pair_free(&t[j]);
    device_maps_free(&maps), cudaFree(table);
    const bool bf16 = sizeof(P) == 2;
    const bool ok = a.equal == a.codes && a.worst_param == 0 && a.worst_absmax == 0;
    printf("%s %s, %s: %zu of %zu codes equal to the CPU's, %zu one code apart; parameters within %.2g,"
           " absmax within %.2g of their scale\n", ok ? "ok" : "FAILED",
           KERNEL_NAME[kernel], bf16 ? "BF16 param and grad" : "FP32 param and grad",
           a.equal, a.codes, a.one_apart, a.worst_param, a.worst_absmax);
    return ok ? 0 : 1;
}

/* ---- timing -------------------------------------------------------------------------- */

/* The kernels and the copy at n parameters: read param, grad, two codes;
 * write param, two codes; and 16 bytes of absmax a block. */
template <typename P>
static void bench(size_t n)
{
    const double stored = (2.0 * sizeof(P) + 2.0) * (double)n, moved = (3.0 * sizeof(P) + 4.0) * (double)n;
    if (!device_fits(stored + moved)) {   /* the tensor and the copy's two buffers */
        printf("%11zu %4s  skipped: the tensor and its copy need more memory than the device has free\n", n,
               sizeof(P) == 2 ? "BF16" : "FP32");
        return;
    }
    Pair<P> t = pair_new<P>(n, 0, 1, false);
    DeviceMaps maps = device_maps();
    QuantTensor<P> *table = (QuantTensor<P> *)device_alloc(sizeof t.dev);
    to_device(table, &t.dev, sizeof t.dev);
    const AdamStepConstants k = adam_step_constants(LR, BETA1, BETA2, EPS, WD, 1);
    const double bytes = (3.0 * sizeof(P) + 4.0) * (double)n + 16.0 * (double)t.blocks;
    const double copy_s = copy_seconds(bytes);
    double first_s, fast_s, indexed_s;
    MEDIAN_SECONDS(first_s, step_on_gpu(FIRST, &t, table, 1, t.blocks, &maps, k, 0));
    MEDIAN_SECONDS(fast_s, step_on_gpu(FAST, &t, table, 1, t.blocks, &maps, k, 0));
    MEDIAN_SECONDS(indexed_s, step_on_gpu(INDEXED, &t, table, 1, t.blocks, &maps, k, 0));
    printf("%11zu %4s  copy %7.1f GB/s", n, sizeof(P) == 2 ? "BF16" : "FP32", bytes / copy_s / 1e9);
    print_timing("first", n, bytes, first_s, copy_s);
    print_timing("fast", n, bytes, fast_s, copy_s);
    print_timing("indexed", n, bytes, indexed_s, copy_s);
    printf("\n");
    device_maps_free(&maps), cudaFree(table);
    pair_free(&t);
}

int main(int argc, char **argv)
{
    if (!open_device(argc, argv)) {
        int failed = 0;   /* one line each, in this order */
        for (int kernel = FIRST; kernel <= INDEXED; kernel++) failed += check<float>((Kernel)kernel);
        for (int kernel = FIRST; kernel <= INDEXED; kernel++) failed += check<uint16_t>((Kernel)kernel);
        return failed ? 1 : 0;
    }
    printf("8-bit Adam: two codes a parameter and absmax per 256; param and grad FP32 (%.2f bytes"
           " a parameter) or BF16 (%.2f)\n", 16.0 + 16.0 / BLOCK, 10.0 + 16.0 / BLOCK);
    printf("%11s %4s\n", "params", "p, g");
    const size_t sizes[] = {(size_t)1 << 26, (size_t)1 << 28, ((size_t)1 << 28) + 17, (size_t)1 << 30};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) bench<float>(sizes[s]), bench<uint16_t>(sizes[s]);
    return 0;
}
