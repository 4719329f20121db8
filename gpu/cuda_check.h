/* cuda_check.h - what a .cu file of this chapter needs from CUDA's own
 * headers, declared here so that clang can compile the kernels on a machine
 * with no CUDA toolkit: gpu/check-cuda (a runner of `make test`) compiles
 * every kernel to PTX for sm_80 and checks the host code's syntax with
 *
 *     clang++ -x cuda --cuda-device-only --cuda-gpu-arch=sm_80 -nocudainc -nocudalib \
 *             -include gpu/cuda_check.h ... -S -o FILE.ptx FILE.cu
 *     clang++ -x cuda --cuda-host-only -nocudainc -nocudalib \
 *             -include gpu/cuda_check.h ... -fsyntax-only FILE.cu
 *
 * This proves that the kernels compile for a GPU, not that they run: nvcc
 * compiles the same files against the real headers (`make gpu`), and only a
 * device can run them. The declarations follow the CUDA Runtime API's
 * reference; nvcc never sees this file. clang's own CUDA headers (in its
 * resource directory) give the device's built-in variables, its math
 * functions (as calls into libdevice, left unresolved in the PTX), once
 * CUDA_VERSION says which CUDA they are for. */
#ifndef GPU_CUDA_CHECK_H
#define GPU_CUDA_CHECK_H

#define CUDA_VERSION 11050   /* the newest that clang 14 knows */

#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#define __global__ __attribute__((global))
#define __device__ __attribute__((device))
#define __host__ __attribute__((host))
#define __shared__ __attribute__((shared))
#define __constant__ __attribute__((constant))
#define __forceinline__ __inline__ __attribute__((always_inline))
#define __launch_bounds__(...) __attribute__((launch_bounds(__VA_ARGS__)))

#include "__clang_cuda_builtin_vars.h"
#include "__clang_cuda_libdevice_declares.h"
#include "__clang_cuda_device_functions.h"
#include "__clang_cuda_math.h"

/* sm_30_intrinsics.h: the warp shuffle this chapter uses (clang's own
 * __clang_cuda_intrinsics.h would want the toolkit's crt/ headers). */
__device__ __forceinline__ float __shfl_xor_sync(unsigned mask, float x, int lane_mask,
                                                 int width = 32)
{
    return __nvvm_shfl_sync_bfly_f32(mask, x, lane_mask, ((32 - width) << 8) | 0x1f);
}

/* vector_types.h */
struct dim3 {
    unsigned x, y, z;
    __host__ __device__ dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1)
        : x(x_), y(y_), z(z_) {}
};
struct __attribute__((aligned(16))) float4 {
    float x, y, z, w;
};
struct __attribute__((aligned(8))) uint2 {
    unsigned x, y;
};
struct __attribute__((aligned(4))) uchar4 {
    unsigned char x, y, z, w;
};

/* driver_types.h and cuda_runtime_api.h: what this chapter calls */
typedef struct CUstream_st *cudaStream_t;
typedef struct CUevent_st *cudaEvent_t;
typedef enum cudaError { cudaSuccess = 0 } cudaError_t;
enum cudaMemcpyKind { cudaMemcpyHostToDevice = 1, cudaMemcpyDeviceToHost = 2 };
struct cudaDeviceProp {
    char name[256];
    size_t totalGlobalMem;
    int major, minor;
    int multiProcessorCount;
};

extern "C" {
/* What clang turns kernel<<<grid, block>>>(...) into (the host side of a
 * launch), the device side asking for the first, the host side for the
 * second once CUDA_VERSION is 9.2 or later. */
cudaError_t cudaConfigureCall(dim3 gridDim, dim3 blockDim, size_t sharedMem = 0,
                              cudaStream_t stream = 0);
unsigned __cudaPushCallConfiguration(dim3 gridDim, dim3 blockDim, size_t sharedMem = 0,
                                     cudaStream_t stream = 0);
cudaError_t cudaGetDeviceCount(int *count);
cudaError_t cudaGetDeviceProperties(struct cudaDeviceProp *prop, int device);
cudaError_t cudaMalloc(void **devPtr, size_t size);
cudaError_t cudaFree(void *devPtr);
cudaError_t cudaMemcpy(void *dst, const void *src, size_t count, enum cudaMemcpyKind kind);
cudaError_t cudaMemset(void *devPtr, int value, size_t count);
cudaError_t cudaMemGetInfo(size_t *free, size_t *total);
cudaError_t cudaDeviceSynchronize(void);
cudaError_t cudaGetLastError(void);
const char *cudaGetErrorString(cudaError_t error);
cudaError_t cudaEventCreate(cudaEvent_t *event);
cudaError_t cudaEventDestroy(cudaEvent_t event);
cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream = 0);
cudaError_t cudaEventSynchronize(cudaEvent_t event);
cudaError_t cudaEventElapsedTime(float *ms, cudaEvent_t start, cudaEvent_t end);
}

#endif
