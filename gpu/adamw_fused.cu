/* adamw_fused.cu - AdamW on the GPU for a mixed-precision model: one kernel
 * launch steps every tensor, reading BF16 gradients and FP32 master weights
 * and moments, writing the FP32 master and moments and the BF16 working copy
 * the model computes with. 28 bytes a parameter: read 2 (gradient) + 4 + 4
 * + 4, write 4 + 4 + 4 + 2.
 *
 * Compile (make gpu does, when nvcc is there; gpu/gpu.mk has every flag):
 *     nvcc -O3 -fmad=false -gencode arch=compute_90,code=sm_90 -Icommon -Ilessons/NN_... \
 *          -o build/gpu/adamw_fused gpu/adamw_fused.cu build/obj/gpu/gpu_reference.o \
 *          build/lib/lib12_zero.a ... build/lib/lib01_sgd.a build/lib/libcommon.a -lz -lm
 * -fmad=false: nvcc would fuse a * b + c into one rounding, where the CPU
 * rounds each operation; without it the kernels would round otherwise than
 * the CPU step they are checked against. Division and sqrtf are IEEE's
 * (nvcc's -prec-div and -prec-sqrt are on unless --use_fast_math), so the
 * kernels' numbers are the CPU's bit for bit.
 *
 * CPU reference: lesson 06's adamw_update on lesson 11's FP32 master weights
 * (adamw_update_master), through gpu/gpu_reference.c. The per-element
 * arithmetic is not written again here: the kernels call lesson 06's
 * adamw_element, common/lowp.h's BF16 roundings and lesson 11's
 * stochastic_rounding_bits, compiled for the device (HOST_DEVICE is
 * __host__ __device__ in this file), the very functions the lessons test.
 *
 * What the step takes besides the tensors, as a real training loop has it:
 *   - the bias corrections, worked out on the host once a step (lesson 06's
 *     adamw_step_constants, in double as PyTorch does);
 *   - gradient clipping folded in as a scale: the loop measures the global
 *     gradient norm first (a reduction over every gradient, lesson 07) and
 *     passes min(1, max_norm / (norm + 1e-6)); the kernel multiplies each
 *     widened gradient by it, so clipping costs no pass of its own;
 *   - weight decay and learning rate per parameter group: each tensor
 *     carries its group's constants;
 *   - the BF16 working copy rounded to nearest, or stochastically (lesson
 *     11) with a seed per tensor.
 *
 * Check: `build/gpu/adamw_fused --check` steps three tensors of two groups
 * (two lengths not multiples of 4, a zero and a huge gradient among them)
 * five times, with a clipping scale of its own each step (1, 0.5, 1, 0.25,
 * 0.8), on the CPU and with each kernel, both roundings, and compares every
 * number bit for bit. `--bench` times both
 * kernels and a copy of as many bytes (the ceiling). Without a CUDA device
 * both say so in one line and exit 77 (skipped).
 *
 *   adamw_first   one thread per element, one launch per tensor: lesson
 *                 06's loop, written for threads
 *   adamw_fast    four elements per thread with 16-byte loads (8-byte for
 *                 the BF16 arrays), a grid-stride loop over the chunks of
 *                 every tensor: one launch for the whole model */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROGRAM "adamw_fused"
#define HOST_DEVICE __host__ __device__
/* The lessons' headers are C: their system headers come first, outside
 * extern "C", and their functions keep C's names. */
extern "C" {
#include "adamw_element.h"
#include "lowp.h"
#include "rounding_bits.h"
#include "gpu_reference.h"   /* the CPU step it is checked against */
}
#include "workbench.cuh"


enum { PER_THREAD = 4 };   /* the fast kernel's elements per thread: one float4 */
enum { THREADS = 256 };    /* threads per thread block, both kernels */

/* One tensor of a step, as the kernels find it. */
typedef struct {
    float *master;          /* [n] FP32 master weights */
    float *exp_avg;         /* [n] */
    float *exp_avg_sq;      /* [n] */
    uint16_t *param;        /* [n] BF16 working copy (written) */
    const uint16_t *grad;   /* [n] BF16 gradient */
    size_t n;
    size_t first;           /* the index of its first chunk of 4 among all tensors' chunks */
    AdamWStepConstants k;   /* its group's constants: learning rate, weight decay */
    uint64_t seed;          /* its seed for stochastic rounding */
} FusedTensor;

/* What the whole step shares. */
typedef struct {
    float clip_scale;   /* min(1, max_norm / (norm + 1e-6)), or 1 */
    long step;          /* t, 1 on the first step: the stochastic bits' counter */
    bool stochastic;    /* round the working copy stochastically, else to nearest */
} StepOptions;

/* snippet: fused_element, shown in 13_gpu */
/* One element: gradient widened and clipped, lesson 06's step on the
 * master weight w and moments m, v (in registers), and the BF16 copy of
 * the new w, which it returns. */
__device__ __forceinline__ uint16_t fused_element(const FusedTensor *t,
                                                  const StepOptions *o, size_t i,
                                                  uint16_t grad, float *w, float *m,
                                                  float *v)
{
    const float g = float_from_bf16(grad) * o->clip_scale;
    *w = adamw_element(&t->k, *w, g, m, v, NULL);
    if (!o->stochastic) return bf16_from_float(*w);
    return bf16_from_float_stochastic(*w, stochastic_rounding_bits(t->seed, o->step, i));
}
/* end snippet */

/* ---- the first kernel: one thread per element ----------------------------------- */

/* snippet: adamw_first, shown in 13_gpu */
/* Thread i steps element i of one tensor; each array is read once and
 * written once, 4 or 2 bytes at a time. */
__global__ void adamw_first(FusedTensor t, StepOptions o)
{
    const size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (i >= t.n) return;
    float w = t.master[i], m = t.exp_avg[i], v = t.exp_avg_sq[i];
    t.param[i] = fused_element(&t, &o, i, t.grad[i], &w, &m, &v);
    t.master[i] = w, t.exp_avg[i] = m, t.exp_avg_sq[i] = v;
}
/* end snippet */

/* ---- the fast kernel: one launch for every tensor ---------------------------------- */

/* snippet: adamw_fast, shown in 13_gpu */
/* Each thread takes chunks of four elements, c, c + (all threads), ...,
 * counted over all tensors. A whole chunk moves in four loads and four
 * stores (a float4 of each FP32 array, 8 bytes of BF16 gradients; the
 * FP32 arrays back and 8 bytes of BF16 weights out): a tensor's arrays
 * start 16-byte aligned and a chunk at a multiple of 4. The last chunk of
 * a tensor whose length is not a multiple of 4 goes one element at a time. */
__global__ void __launch_bounds__(THREADS)
adamw_fast(const FusedTensor *tensors /* [count] */, int count, size_t total_chunks,
           StepOptions o)
{
    const size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t c = blockIdx.x * (size_t)blockDim.x + threadIdx.x; c < total_chunks;
         c += stride) {
        const FusedTensor *t = tensor_of(tensors, count, c);
        const size_t first = (c - t->first) * PER_THREAD;
        if (first + PER_THREAD <= t->n) {
            float4 w = *(const float4 *)(t->master + first);
            float4 m = *(const float4 *)(t->exp_avg + first);
            float4 v = *(const float4 *)(t->exp_avg_sq + first);
            const uint2 g2 = *(const uint2 *)(t->grad + first);   /* low half first */
            const uint16_t g[4] = {(uint16_t)g2.x, (uint16_t)(g2.x >> 16), (uint16_t)g2.y,
                                   (uint16_t)(g2.y >> 16)};
            unsigned p[4];
            p[0] = fused_element(t, &o, first, g[0], &w.x, &m.x, &v.x);
            p[1] = fused_element(t, &o, first + 1, g[1], &w.y, &m.y, &v.y);
            p[2] = fused_element(t, &o, first + 2, g[2], &w.z, &m.z, &v.z);
            p[3] = fused_element(t, &o, first + 3, g[3], &w.w, &m.w, &v.w);
            *(float4 *)(t->master + first) = w;
            *(float4 *)(t->exp_avg + first) = m;
            *(float4 *)(t->exp_avg_sq + first) = v;
            *(uint2 *)(t->param + first) = uint2{p[0] | p[1] << 16, p[2] | p[3] << 16};
        } else {
            for (size_t i = first; i < t->n; i++) {
                float w = t->master[i], m = t->exp_avg[i], v = t->exp_avg_sq[i];
                t->param[i] = fused_element(t, &o, i, t->grad[i], &w, &m, &v);
                t->master[i] = w, t->exp_avg[i] = m, t->exp_avg_sq[i] = v;
            }
        }
    }
}
/* end snippet */

/* ---- the host: a model's tensors, the check, the timing ------------------------------- */

/* A parameter group's hyper-parameters (betas and eps are AdamW's defaults). */
typedef struct {
    float lr, weight_decay;
} Group;

static const double BETA1 = 0.9, BETA2 = 0.999;
static const float EPS = 1e-8f;

/* count tensors on the device, each with its own arrays (cudaMalloc aligns
 * them to 256 bytes), and their table; with `mirror`, the same arrays on
 * the host for the CPU reference. */
typedef struct {
    int count;
    size_t chunks;          /* over all tensors */
    FusedTensor *dev;       /* [count], the device's arrays (host memory) */
    FusedTensor *host;      /* [count], the host's arrays, or NULL */
    FusedTensor *table;     /* [count] on the device */
    const Group *groups;    /* [count]: each tensor's group */
} Model;

/* Master weights and BF16 gradients from bench_inputs.h. */
__global__ void fill_tensor(FusedTensor t)
{
    const size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < t.n; i += stride) {
        t.master[i] = bench_param(t.seed, i), t.param[i] = bf16_from_float(t.master[i]);
        t.exp_avg[i] = 0.0f, t.exp_avg_sq[i] = 0.0f;
        ((uint16_t *)t.grad)[i] = bf16_from_float(bench_gradient(t.seed, i, 1));
    }
}

static Model model_new(const size_t *sizes /* [count] */, const Group *groups /* [count] */, int count,
                       bool mirror)
{
    Model model = {count, 0, NULL, NULL, NULL, groups};
    model.dev = (FusedTensor *)host_alloc((size_t)count, sizeof(FusedTensor));
    if (mirror) model.host = (FusedTensor *)host_alloc((size_t)count, sizeof(FusedTensor));
    for (int j = 0; j < count; j++) {
        FusedTensor *d = &model.dev[j];
        const size_t n = sizes[j];
        d->n = n, d->first = model.chunks, d->seed = 1000 + (uint64_t)j;
        model.chunks += (n + PER_THREAD - 1) / PER_THREAD;
        d->master = (float *)device_alloc(n * sizeof(float));
        d->exp_avg = (float *)device_alloc(n * sizeof(float));
        d->exp_avg_sq = (float *)device_alloc(n * sizeof(float));
        d->param = (uint16_t *)device_alloc(n * sizeof(uint16_t));
        d->grad = (uint16_t *)device_alloc(n * sizeof(uint16_t));
        fill_tensor<<<1024, THREADS>>>(*d);
        cuda_or_die(cudaGetLastError(), "fill");
        if (mirror) {
            FusedTensor *h = &model.host[j];
            *h = *d;
            h->master = (float *)host_alloc(n, sizeof(float));
            h->exp_avg = (float *)host_alloc(n, sizeof(float));
            h->exp_avg_sq = (float *)host_alloc(n, sizeof(float));
            h->param = (uint16_t *)host_alloc(n, sizeof(uint16_t));
            h->grad = (uint16_t *)host_alloc(n, sizeof(uint16_t));
            for (size_t i = 0; i < n; i++) h->master[i] = bench_param(h->seed, i);
            for (size_t i = 0; i < n; i++) h->param[i] = bf16_from_float(h->master[i]);
        }
    }
    model.table = (FusedTensor *)device_alloc((size_t)count * sizeof(FusedTensor));
    cuda_or_die(cudaDeviceSynchronize(), "fill");
    return model;
}

static void model_free(Model *model)
{
    for (int j = 0; j < model->count; j++) {
        FusedTensor *d = &model->dev[j];
        cudaFree(d->master), cudaFree(d->exp_avg), cudaFree(d->exp_avg_sq), cudaFree(d->param);
        cudaFree((void *)d->grad);
        if (model->host) {
            FusedTensor *h = &model->host[j];
            free(h->master), free(h->exp_avg), free(h->exp_avg_sq), free(h->param), free((void *)h->grad);
        }
    }
    cudaFree(model->table), free(model->dev), free(model->host);
}

/* Step t's constants into every tensor, from its group, and the table to
 * the device: the bias corrections are the host's work. */
static void model_set_step(Model *model, long step)
{
    for (int j = 0; j < model->count; j++) {
        const Group *g = &model->groups[j];
        model->dev[j].k = adamw_step_constants(g->lr, BETA1, BETA2, EPS, g->weight_decay, step);
        if (model->host) model->host[j].k = model->dev[j].k;
    }
    to_device(model->table, model->dev, (size_t)model->count * sizeof(FusedTensor));
}

/* One step of every tensor with the first kernel (one launch each) or the
 * fast one, on at most max_grid blocks (0: as many as fill the device). */
static void model_step(const Model *model, bool fast, StepOptions o, unsigned max_grid)
{
    if (fast) {
        unsigned grid = grid_for(model->chunks, THREADS);
        if (max_grid > 0 && grid > max_grid) grid = max_grid;
        if (grid > 0) adamw_fast<<<grid, THREADS>>>(model->table, model->count, model->chunks, o);
    } else {
        for (int j = 0; j < model->count; j++) {
            const FusedTensor *d = &model->dev[j];
            if (d->n > 0) adamw_first<<<(unsigned)((d->n + THREADS - 1) / THREADS), THREADS>>>(*d, o);
        }
    }
}

/* Counts of numbers that are not the CPU's, bit for bit. */
typedef struct {
    size_t numbers, differ;
} Agreement;

static void count_differences(const void *device, const void *host, size_t n, size_t size, Agreement *a)
{
    unsigned char *mine = (unsigned char *)host_alloc(n, size);
    to_host(mine, device, n * size);
    for (size_t i = 0; i < n; i++) a->differ += memcmp(mine + i * size, (const char *)host + i * size, size) != 0;
    a->numbers += n;
    free(mine);
}

/* Five steps of three tensors in two groups on the CPU and with one kernel
 * and one rounding, compared bit for bit after the last. 0 when equal. The
 * fast kernel gets 3 blocks, so that its grid-stride loop goes round. */
static int check(bool fast, bool stochastic)
{
    const size_t sizes[3] = {3 * 4096 + 101, 17 * 256, 5003};
    const Group groups[3] = {{1e-3f, 0.1f}, {2e-3f, 0.0f}, {1e-3f, 0.1f}};   /* decay, no decay */
    const float clip_scales[5] = {1.0f, 0.5f, 1.0f, 0.25f, 0.8f};
    Model model = model_new(sizes, groups, 3, true);
    for (long step = 1; step <= 5; step++) {
        model_set_step(&model, step);
        const StepOptions o = {clip_scales[step - 1], step, stochastic};
        for (int j = 0; j < 3; j++) {
            FusedTensor *h = &model.host[j];
            uint16_t *grad = (uint16_t *)h->grad;
            for (size_t i = 0; i < h->n; i++) grad[i] = bf16_from_float(bench_gradient(h->seed, i, step));
            grad[7] = 0, grad[8] = bf16_from_float(1e20f);   /* a zero; a huge one ((1 - beta2) g g: 1e37) */
            to_device((void *)model.dev[j].grad, grad, h->n * sizeof(uint16_t));
            gpu_reference_adamw(h->param, h->master, h->grad, h->exp_avg, h->exp_avg_sq, h->n, step,
                                groups[j].lr, BETA1, BETA2, EPS, groups[j].weight_decay, o.clip_scale,
                                stochastic, h->seed);
        }
        model_step(&model, fast, o, 3);
        cuda_or_die(cudaGetLastError(), "launch");
        cuda_or_die(cudaDeviceSynchronize(), "step");
    }
    Agreement a = {0, 0};
    for (int j = 0; j < 3; j++) {
        const FusedTensor *d = &model.dev[j], *h = &model.host[j];
        count_differences(d->master, h->master, h->n, sizeof(float), &a);
        count_differences(d->exp_avg, h->exp_avg, h->n, sizeof(float), &a);
        count_differences(d->exp_avg_sq, h->exp_avg_sq, h->n, sizeof(float), &a);
        count_differences(d->param, h->param, h->n, sizeof(uint16_t), &a);
    }
    model_free(&model);
    printf("%s %s, %s: %zu of %zu numbers (master, exp_avg, exp_avg_sq, BF16 param) the CPU's bit for bit\n",
           a.differ == 0 ? "ok" : "FAILED", fast ? "adamw_fast" : "adamw_first",
           stochastic ? "stochastic rounding" : "rounding to nearest", a.numbers - a.differ, a.numbers);
    return a.differ == 0 ? 0 : 1;
}

/* n parameters in `count` tensors of one group: the copy, each kernel and
 * fast with stochastic rounding, 28 bytes a parameter. */
static void bench(size_t n, int count)
{
    size_t *sizes = (size_t *)host_alloc((size_t)count, sizeof(size_t));
    Group *groups = (Group *)host_alloc((size_t)count, sizeof(Group));
    for (int j = 0; j < count; j++) {
        sizes[j] = n / (size_t)count + (j == 0 ? n % (size_t)count : 0);
        groups[j] = Group{1e-3f, 0.01f};
    }
    const double bytes = 28.0 * (double)n;
    if (!device_fits(16.0 * (double)n + bytes)) {   /* the model's 16 bytes and the copy's */
        printf("%11zu %5d  skipped: the model and its copy need more memory than the device has free\n",
               n, count);
        free(sizes), free(groups);
        return;
    }
    Model model = model_new(sizes, groups, count, false);
    model_set_step(&model, 1);
    const double copy_s = copy_seconds(bytes);
    double first_s, fast_s, stochastic_s;
    MEDIAN_SECONDS(first_s, model_step(&model, false, StepOptions{1.0f, 1, false}, 0));
    MEDIAN_SECONDS(fast_s, model_step(&model, true, StepOptions{1.0f, 1, false}, 0));
    MEDIAN_SECONDS(stochastic_s, model_step(&model, true, StepOptions{1.0f, 1, true}, 0));
    printf("%11zu %5d  copy %7.1f GB/s", n, count, bytes / copy_s / 1e9);
    print_timing("first", n, bytes, first_s, copy_s);
    print_timing("fast", n, bytes, fast_s, copy_s);
    print_timing("fast+SR", n, bytes, stochastic_s, copy_s);
    printf("\n");
    model_free(&model);
    free(sizes), free(groups);
}

int main(int argc, char **argv)
{
    if (!open_device(argc, argv)) {
        int failed = check(false, false);   /* one line each, in this order */
        failed += check(false, true);
        failed += check(true, false);
        failed += check(true, true);
        return failed ? 1 : 0;
    }
    printf("fused AdamW, 28 bytes a parameter (BF16 grad and param, FP32 master, exp_avg, exp_avg_sq)\n");
    printf("%11s %5s\n", "params", "tensors");
    const size_t sizes[] = {(size_t)1 << 26, (size_t)1 << 28, ((size_t)1 << 28) + 17, (size_t)1 << 30};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) bench(sizes[s], 1);
    bench((size_t)1 << 28, BENCH_TENSORS);   /* a model's worth of tensors: one launch against many */
    return 0;
}
