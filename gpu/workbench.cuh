/* workbench.cuh - what every kernel file of the GPU chapter shares: the
 * command line (--check or --bench), errors, device memory, test inputs, the
 * tensor a block of work belongs to, and the timing (a copy of as many bytes
 * as a step moves is the ceiling; the median of RUNS runs after a warm-up).
 *
 * Included by a .cu file after it defines PROGRAM, its name for messages.
 * Host code, but for tensor_of() and copy_kernel, which run on the device
 * too. The inputs themselves are bench_inputs.h's. */
#ifndef GPU_WORKBENCH_CUH
#define GPU_WORKBENCH_CUH

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern "C" {
#include "bench_inputs.h"
}

#ifndef PROGRAM
#error "define PROGRAM (the program's name) before including workbench.cuh"
#endif

/* The exit status of a run that found no CUDA device (automake's "skipped"). */
enum { NO_DEVICE = 77 };

static void cuda_or_die(cudaError_t err, const char *what)
{
    if (err != cudaSuccess) {
        fprintf(stderr, PROGRAM ": %s: %s\n", what, cudaGetErrorString(err));
        exit(1);
    }
}

static void *device_alloc(size_t bytes)
{
    void *p = NULL;
    cuda_or_die(cudaMalloc(&p, bytes), "cudaMalloc");
    return p;
}

static void *host_alloc(size_t count, size_t size)
{
    void *p = calloc(count, size);
    if (!p) {
        fprintf(stderr, PROGRAM ": out of memory\n");
        exit(1);
    }
    return p;
}

static void to_device(void *device /* [bytes] */, const void *host /* [bytes] */, size_t bytes)
{
    cuda_or_die(cudaMemcpy(device, host, bytes, cudaMemcpyHostToDevice), "copy to the device");
}

static void to_host(void *host /* [bytes] */, const void *device /* [bytes] */, size_t bytes)
{
    cuda_or_die(cudaMemcpy(host, device, bytes, cudaMemcpyDeviceToHost), "copy to the host");
}

/* The tensor that unit of work `index` (counted over all tensors: a block,
 * a chunk) belongs to: the last whose `first` is at most index. Every
 * tensor type of this chapter has a field `first`, the index of its first
 * unit, and the table is in order of it. */
template <typename Tensor>
__device__ const Tensor *tensor_of(const Tensor *tensors /* [count] */, int count, size_t index)
{
    int lo = 0, hi = count - 1;
    while (lo < hi) {
        const int mid = (lo + hi + 1) / 2;
        if (tensors[mid].first <= index) lo = mid;
        else hi = mid - 1;
    }
    return &tensors[lo];
}

/* ---- the command line and the device ------------------------------------------------ */

/* The device's multiprocessors, once open_device has run. */
static int device_multiprocessors = 1;

/* `PROGRAM --check` or `PROGRAM --bench`: true for --bench. A bad command
 * line exits with status 2; no CUDA device, with status 77 and one line. */
static bool open_device(int argc, char **argv)
{
    const bool timing = argc > 1 && strcmp(argv[1], "--bench") == 0;
    if (argc != 2 || (!timing && strcmp(argv[1], "--check") != 0)) {
        fprintf(stderr, "usage: " PROGRAM " --check | --bench\n");
        exit(2);
    }
    int devices = 0;
    if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
        printf(PROGRAM ": no CUDA device: skipped\n");
        exit(NO_DEVICE);
    }
    cudaDeviceProp prop;
    cuda_or_die(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
    printf("device: %s\n", prop.name);
    if (prop.multiProcessorCount > 0) device_multiprocessors = prop.multiProcessorCount;
    return timing;
}

/* The grid of a grid-stride loop over `units` (one per thread), in blocks
 * of `threads`: enough blocks to cover them, but no more than fill every
 * multiprocessor (2048 threads each) once; the loop takes the rest. */
static unsigned grid_for(size_t units, int threads)
{
    const size_t needed = (units + (size_t)threads - 1) / (size_t)threads;
    const size_t full = (size_t)device_multiprocessors * (size_t)(2048 / threads);
    return (unsigned)(needed < full ? needed : full);
}

/* Whether `bytes` more fit in the device's free memory (a bench skips the
 * sizes that do not, with a line, on a smaller card). */
static bool device_fits(double bytes)
{
    size_t free_bytes = 0, total = 0;
    if (cudaMemGetInfo(&free_bytes, &total) != cudaSuccess) return true;
    return bytes < 0.95 * (double)free_bytes;
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

enum { RUNS = BENCH_RUNS };

/* snippet: median_seconds, shown in 13_gpu */
/* The median of RUNS timed runs of `what` after one warm-up, in seconds. */
#define MEDIAN_SECONDS(out, what)                                              \
    do {                                                                        \
        cudaEvent_t start_, stop_;                                              \
        float ms_[RUNS];                                                        \
        cudaEventCreate(&start_), cudaEventCreate(&stop_);                      \
        what;                                                                   \
        cuda_or_die(cudaGetLastError(), "launch");                              \
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
/* end snippet */

/* The seconds of a copy that reads bytes / 2 and writes as many: what a
 * step that moves `bytes` would take at the copy's bandwidth. */
static double copy_seconds(double bytes)
{
    const size_t n4 = (size_t)(bytes / 2 / sizeof(float4));
    float4 *from = (float4 *)device_alloc(n4 * sizeof(float4));
    float4 *to = (float4 *)device_alloc(n4 * sizeof(float4));
    cuda_or_die(cudaMemset(from, 0, n4 * sizeof(float4)), "memset");
    double s;
    MEDIAN_SECONDS(s, (copy_kernel<<<1024, 256>>>(to, from, n4)));
    cudaFree(from), cudaFree(to);
    return s;
}

/* One kernel's line of a bench table: G params/s, GB/s, % of the copy. */
static void print_timing(const char *name, size_t n, double bytes, double seconds, double copy_s)
{
    printf("  %s %6.2f Gparam/s %7.1f GB/s %5.1f%%", name, (double)n / seconds / 1e9,
           bytes / seconds / 1e9, 100 * copy_s / seconds);
}

#endif
