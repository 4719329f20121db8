/* cuda_emulate.h - CUDA's execution model on the CPU, small enough to read:
 * a plain C++ compiler (g++ or clang++, -std=c++17) compiles this chapter's
 * unmodified .cu files against it and runs their kernels on one core, so
 * that each program's --check, the kernels against the lessons' CPU step,
 * runs on every machine. gpu/check-cuda (a runner of `make test`) does
 *
 *     sed 's/NAME<<<G, B>>>(/cuda_emulate::launch("NAME", cuda_emulate::config(G, B),
 *                                [](auto... a_) { NAME(a_...); }, /' gpu/X.cu gpu/workbench.cuh
 *     g++ -std=c++17 -O2 -ffp-contract=off -x c++ -include gpu/cuda_emulate.h ... X.cu LIBS
 *
 * since a C++ compiler cannot parse `<<<...>>>`: the sed turns a launch into
 * a call whose last arguments are the kernel's, and the generic lambda lets
 * a template kernel deduce its arguments as nvcc does. nvcc never sees this
 * file; gpu/cuda_check.h plays the same part for clang's PTX check.
 *
 * How it runs a launch: one block after another; the threads of a block are
 * ucontexts (makecontext, swapcontext) on one OS thread, each with a small
 * stack of its own. A thread runs until it returns or waits, at
 * __syncthreads() or a warp shuffle; then the next one runs. A shuffle goes
 * on when every lane of its warp has reached one, __syncthreads() when every
 * thread of the block has. So a run is deterministic, and a block where some
 * threads returned while others wait at a barrier, or where threads wait at
 * different barriers, or a deadlock, stops the program with a message: those
 * are bugs on a GPU too. Threads that never wait share one stack, so a
 * kernel without barriers costs little more than a loop.
 *
 * What else it checks: cudaMalloc's arrays start filled with 0xff bytes
 * (NaN floats: device memory is not zeroed) and lie between pages that
 * cannot be touched, so that an access past an end rounded up to 256
 * bytes, more than a page before a start, or after cudaFree faults (an
 * array ends at its guard page; the bytes just before its start are not
 * guarded), with a message that names the kernel, block and thread. Built with AddressSanitizer (check-cuda does
 * when make SANITIZE=1 built the libraries), they come from malloc, whose
 * ends the sanitizer knows to the byte. cudaMemcpy and cudaMemset refuse a
 * pointer that is not device memory where they expect one; a launch of
 * more than 1024 threads a block fails as on a GPU.
 *
 * What it cannot catch: timing (--bench runs, but its numbers mean
 * nothing), memory coalescing and bank conflicts, alignment faults (x86
 * loads a misaligned float4), races the sequential order hides (threads of
 * a block run one at a time between barriers, blocks in order, and
 * __shared__ arrays are `static`, kept from block to block), a kernel that
 * reads host memory, and the real compiler's rounding: g++ rounds as the
 * CPU reference does, nvcc's -fmad=false and IEEE division and sqrtf are
 * what make the device do the same. Only a GPU answers for those. */
#ifndef GPU_CUDA_EMULATE_H
#define GPU_CUDA_EMULATE_H

#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <tuple>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define CUDA_EMULATE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CUDA_EMULATE_ASAN 1
#endif
#endif
#ifdef CUDA_EMULATE_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

/* ---- the language: qualifiers, built-in types and variables -------------------------- */

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
/* One copy for all the threads of a block, as blocks run one at a time. */
#define __shared__ static

struct uint3 {
    unsigned x, y, z;
};
struct dim3 {
    unsigned x, y, z;
    dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};
struct alignas(16) float4 {
    float x, y, z, w;
};
struct alignas(8) uint2 {
    unsigned x, y;
};
struct alignas(4) uchar4 {
    unsigned char x, y, z, w;
};

/* Set by the launch for the thread that runs now. */
inline uint3 threadIdx, blockIdx;
inline dim3 blockDim, gridDim;
static const int warpSize = 32;

/* ---- the runtime's types ------------------------------------------------------------ */

typedef struct CUstream_st *cudaStream_t;
typedef struct CUevent_st *cudaEvent_t;
typedef enum cudaError {
    cudaSuccess = 0,
    cudaErrorInvalidValue = 1,
    cudaErrorMemoryAllocation = 2,
    cudaErrorInvalidConfiguration = 9,
} cudaError_t;
enum cudaMemcpyKind {
    cudaMemcpyHostToHost = 0,
    cudaMemcpyHostToDevice = 1,
    cudaMemcpyDeviceToHost = 2,
    cudaMemcpyDeviceToDevice = 3,
    cudaMemcpyDefault = 4,
};
struct cudaDeviceProp {
    char name[256];
    size_t totalGlobalMem;
    int major, minor;   /* 0.0: no compute capability */
    int multiProcessorCount, warpSize, maxThreadsPerBlock;
};

namespace cuda_emulate {

/* ---- the state of a launch, and stopping with a message --------------------------------- */

enum { MAX_THREADS = 1024, STACK_BYTES = 64 * 1024 };
enum Wait { UNSTARTED, RUNNING, READY, AT_BARRIER, AT_SHUFFLE, DONE };

struct Fiber {
    ucontext_t context;
    char *stack;   /* STACK_BYTES above a guard page */
    void *asan_fake_stack;
};

/* The launch that runs now, and the threads of its block. */
struct State {
    bool in_kernel;
    const char *kernel;
    void (*run)(void *closure);
    void *closure;
    unsigned threads, next;   /* per block; the next thread to start */
    int thread;               /* the one running */
    Fiber fibers[MAX_THREADS];   /* as many as the largest block had waiting threads */
    int fiber_count;
    std::vector<Fiber *> idle;
    Fiber *fiber_now;
    std::vector<Fiber *> fiber_of;        /* [thread] */
    std::vector<unsigned char> wait;      /* [thread] */
    std::vector<const char *> wait_file;  /* [thread]: where it waits */
    std::vector<int> wait_line;
    std::vector<uint64_t> shuffle_in, shuffle_out;
    std::vector<int> shuffle_lane;
    std::vector<int> ready;               /* released threads, in order */
    size_t ready_head;
    ucontext_t scheduler;
    void *asan_fake_stack;
    const void *main_stack;
    size_t main_stack_bytes;
    cudaError_t last_error;
    bool handler_installed;
};
inline State emu;

/* "kernel K, block (x,y,z), thread (x,y,z)" of what runs now, or "host code". */
inline const char *where(char *buffer, size_t size)
{
    if (!emu.in_kernel) snprintf(buffer, size, "host code");
    else
        snprintf(buffer, size, "kernel %s, block (%u,%u,%u), thread (%u,%u,%u)", emu.kernel,
                 blockIdx.x, blockIdx.y, blockIdx.z, threadIdx.x, threadIdx.y, threadIdx.z);
    return buffer;
}

[[noreturn]] inline void die(const char *why)
{
    char at[256];
    fflush(stdout);   /* what the program printed comes first */
    fprintf(stderr, "cuda_emulate.h: %s: %s\n", where(at, sizeof at), why);
    abort();
}

/* A fault names the kernel, block and thread: most likely an access outside
 * a cudaMalloc'd array, or an emulated thread's stack overflowing. Then the
 * signal's default action. */
inline void on_fault(int sig)
{
    static char message[512], at[256];
    const int n = snprintf(message, sizeof message,
                           "cuda_emulate.h: %s in %s: an access outside an array of cudaMalloc "
                           "(or after cudaFree), or a thread's stack (%d KiB) overflowing\n",
                           sig == SIGBUS ? "bus error" : "memory fault", where(at, sizeof at),
                           STACK_BYTES / 1024);
    if (write(2, message, n > 0 ? (size_t)n : 0) < 0) {}
    signal(sig, SIG_DFL);   /* the access faults again, and kills */
}

/* AddressSanitizer's report names a function: this names the block and
 * thread too. */
inline void on_sanitizer_death()
{
    char at[256];
    if (emu.in_kernel) fprintf(stderr, "cuda_emulate.h: that was in %s\n", where(at, sizeof at));
}

inline void install_handler()
{
    if (emu.handler_installed) return;
    emu.handler_installed = true;
#ifdef CUDA_EMULATE_ASAN   /* which reports faults itself */
    __sanitizer_set_death_callback(on_sanitizer_death);
#else
    static char alternate[64 * 1024];   /* the handler cannot run on a stack that overflowed */
    stack_t ss = {};
    ss.ss_sp = alternate, ss.ss_size = sizeof alternate;
    sigaltstack(&ss, NULL);
    struct sigaction sa = {};
    sa.sa_handler = on_fault;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGSEGV, &sa, NULL), sigaction(SIGBUS, &sa, NULL);
#endif
}

/* ---- memory: arrays between pages that fault ------------------------------------------- */

struct Array {
    char *start;
    size_t bytes;      /* as asked */
    char *mapping;     /* with its guard pages, or NULL: from malloc */
    size_t mapped;
};
inline std::vector<Array> arrays;

inline size_t page_bytes() { return (size_t)sysconf(_SC_PAGESIZE); }

/* The array that holds [p, p + bytes), or NULL. */
inline const Array *array_of(const void *p, size_t bytes)
{
    for (const Array &a : arrays)
        if ((const char *)p >= a.start && (const char *)p + bytes <= a.start + a.bytes) return &a;
    return NULL;
}

/* ---- the threads of a block: ucontexts, one at a time ----------------------------------- */

inline void set_thread(int t)
{
    emu.thread = t;
    threadIdx.x = (unsigned)t % blockDim.x;
    threadIdx.y = (unsigned)t / blockDim.x % blockDim.y;
    threadIdx.z = (unsigned)t / (blockDim.x * blockDim.y);
}

/* Between the scheduler and a fiber, telling AddressSanitizer whose stack. */
inline void enter(Fiber *f)
{
    emu.fiber_now = f;
#ifdef CUDA_EMULATE_ASAN
    __sanitizer_start_switch_fiber(&emu.asan_fake_stack, f->stack, STACK_BYTES);
#endif
    swapcontext(&emu.scheduler, &f->context);
#ifdef CUDA_EMULATE_ASAN
    __sanitizer_finish_switch_fiber(emu.asan_fake_stack, NULL, NULL);
#endif
}

inline void leave(Fiber *f)
{
#ifdef CUDA_EMULATE_ASAN
    __sanitizer_start_switch_fiber(&f->asan_fake_stack, emu.main_stack, emu.main_stack_bytes);
#endif
    swapcontext(&f->context, &emu.scheduler);
#ifdef CUDA_EMULATE_ASAN
    __sanitizer_finish_switch_fiber(f->asan_fake_stack, NULL, NULL);
#endif
}

/* A fiber starts the block's threads one after another, as long as none
 * waits; one that waits keeps the fiber, and the scheduler starts the next
 * thread on another. */
inline void fiber_main()
{
    Fiber *const f = emu.fiber_now;
#ifdef CUDA_EMULATE_ASAN
    __sanitizer_finish_switch_fiber(NULL, &emu.main_stack, &emu.main_stack_bytes);
#endif
    for (;;) {
        while (emu.next < emu.threads) {
            const int t = (int)emu.next++;
            set_thread(t);
            emu.fiber_of[t] = f, emu.wait[t] = RUNNING;
            emu.run(emu.closure);
            emu.wait[t] = DONE;
        }
        emu.idle.push_back(f);
        leave(f);   /* until the scheduler has threads to start again */
    }
}

inline Fiber *new_fiber()
{
    const size_t page = page_bytes();
    if (emu.fiber_count == MAX_THREADS) die("more fibers than threads in a block");
    Fiber *f = &emu.fibers[emu.fiber_count++];
    char *m = (char *)mmap(NULL, STACK_BYTES + page, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) die("no memory for a thread's stack");
    mprotect(m, page, PROT_NONE);   /* stacks grow down: an overflow faults */
    f->stack = m + page;
    getcontext(&f->context);
    f->context.uc_stack.ss_sp = f->stack;
    f->context.uc_stack.ss_size = STACK_BYTES;
    f->context.uc_link = NULL;   /* fiber_main never returns */
    makecontext(&f->context, fiber_main, 0);
    return f;
}

/* Thread t, which the scheduler released, goes on where it waited. */
inline void resume(int t)
{
    set_thread(t);
    emu.wait[t] = RUNNING;
    enter(emu.fiber_of[t]);
}

/* The thread that runs now waits (at a barrier or a shuffle) until the
 * scheduler releases it. */
inline void wait_here(Wait why, const char *file, int line)
{
    if (!emu.in_kernel) die("__syncthreads or a shuffle outside a kernel");
    const int t = emu.thread;
    emu.wait[t] = (unsigned char)why, emu.wait_file[t] = file, emu.wait_line[t] = line;
    leave(emu.fiber_of[t]);
}

inline void release(int t)
{
    emu.wait[t] = READY;
    emu.ready.push_back(t);
}

/* Every thread waits or is done: release the warps whose lanes all wait at
 * a shuffle, else the block if all its threads wait at one barrier. False
 * when every thread is done; a block that can go no further stops the
 * program. */
inline bool release_waiting()
{
    const unsigned n = emu.threads;
    bool released = false;
    for (unsigned w = 0; w < n; w += 32) {
        unsigned at = 0;
        for (unsigned t = w; t < w + 32 && t < n; t++) at += emu.wait[t] == AT_SHUFFLE;
        if (at == 0) continue;
        if (at < 32) continue;   /* reported below, when nothing else can go on */
        for (unsigned t = w; t < w + 32; t++) {
            if (emu.wait_line[t] != emu.wait_line[w] || strcmp(emu.wait_file[t], emu.wait_file[w]) != 0) {
                char why[512];
                set_thread((int)t);
                snprintf(why, sizeof why, "waits at a warp shuffle (%s:%d) while lane 0 of its warp waits "
                         "at another (%s:%d): the lanes must reach the same one", emu.wait_file[t],
                         emu.wait_line[t], emu.wait_file[w], emu.wait_line[w]);
                die(why);
            }
            emu.shuffle_out[t] = emu.shuffle_in[w + (unsigned)emu.shuffle_lane[t]];
        }
        for (unsigned t = w; t < w + 32; t++) release((int)t);
        released = true;
    }
    if (released) return true;
    unsigned done = 0, barrier = 0, shuffle = 0;
    int first_done = -1, first_barrier = -1, first_shuffle = -1;
    for (unsigned t = 0; t < n; t++) {
        if (emu.wait[t] == DONE) done++, first_done = first_done < 0 ? (int)t : first_done;
        if (emu.wait[t] == AT_BARRIER) barrier++, first_barrier = first_barrier < 0 ? (int)t : first_barrier;
        if (emu.wait[t] == AT_SHUFFLE) shuffle++, first_shuffle = first_shuffle < 0 ? (int)t : first_shuffle;
    }
    if (done == n) return false;
    char why[512];
    if (shuffle > 0) {
        const int t = first_shuffle;
        set_thread(t);
        snprintf(why, sizeof why, "waits at a warp shuffle (%s:%d) that not all 32 lanes of its warp "
                 "reach (%u threads of the block have returned, %u wait at __syncthreads, the block "
                 "has %u threads)", emu.wait_file[t], emu.wait_line[t], done, barrier, n);
        die(why);
    }
    if (done > 0) {
        set_thread(first_barrier);
        snprintf(why, sizeof why, "waits at __syncthreads (%s:%d) with %u others, while %u threads of "
                 "the block have returned (thread %d the first): every thread of a block must reach "
                 "each barrier", emu.wait_file[first_barrier], emu.wait_line[first_barrier],
                 barrier - 1, done, first_done);
        die(why);
    }
    for (unsigned t = 0; t < n; t++)
        if (emu.wait_line[t] != emu.wait_line[first_barrier] ||
            strcmp(emu.wait_file[t], emu.wait_file[first_barrier]) != 0) {
            set_thread((int)t);
            snprintf(why, sizeof why, "waits at __syncthreads (%s:%d) while thread %d waits at another "
                     "(%s:%d): the threads of a block must reach the same barriers", emu.wait_file[t],
                     emu.wait_line[t], first_barrier, emu.wait_file[first_barrier],
                     emu.wait_line[first_barrier]);
            die(why);
        }
    for (unsigned t = 0; t < n; t++) release((int)t);
    return true;
}

/* One block: start its threads, go on with the released ones, release
 * the waiting ones, until all are done. */
inline void run_block()
{
    emu.next = 0;
    emu.ready.clear(), emu.ready_head = 0;
    for (unsigned t = 0; t < emu.threads; t++) emu.wait[t] = UNSTARTED;
    for (;;) {
        if (emu.next < emu.threads) {
            Fiber *f = NULL;
            if (emu.idle.empty()) f = new_fiber();
            else f = emu.idle.back(), emu.idle.pop_back();
            enter(f);
        } else if (emu.ready_head < emu.ready.size()) {
            resume(emu.ready[emu.ready_head++]);
        } else {
            emu.ready.clear(), emu.ready_head = 0;
            if (!release_waiting()) return;
        }
    }
}

/* ---- launches -------------------------------------------------------------------------- */

struct Config {
    dim3 grid, block;
};

/* What a launch's <<<grid, block, shared bytes, stream>>> says; the dynamic
 * shared memory and the stream are not used. */
inline Config config(dim3 grid, dim3 block, size_t = 0, cudaStream_t = 0)
{
    return Config{grid, block};
}

inline void run_grid(const char *kernel, Config c, void (*run)(void *), void *closure)
{
    const unsigned long long threads = (unsigned long long)c.block.x * c.block.y * c.block.z;
    if (threads == 0 || threads > MAX_THREADS || c.block.z > 64 || c.grid.x == 0 || c.grid.y == 0 ||
        c.grid.z == 0 || c.grid.x > 0x7fffffffu || c.grid.y > 65535 || c.grid.z > 65535) {
        emu.last_error = cudaErrorInvalidConfiguration;   /* as a GPU does: nothing runs */
        return;
    }
    if (emu.in_kernel) die("a launch from a kernel (dynamic parallelism is not emulated)");
    install_handler();
    const unsigned n = (unsigned)threads;
    emu.in_kernel = true, emu.kernel = kernel, emu.run = run, emu.closure = closure, emu.threads = n;
    emu.fiber_of.assign(n, NULL), emu.wait.assign(n, UNSTARTED);
    emu.wait_file.assign(n, ""), emu.wait_line.assign(n, 0);
    emu.shuffle_in.assign(n, 0), emu.shuffle_out.assign(n, 0), emu.shuffle_lane.assign(n, 0);
    gridDim = c.grid, blockDim = c.block;
    for (unsigned z = 0; z < c.grid.z; z++)
        for (unsigned y = 0; y < c.grid.y; y++)
            for (unsigned x = 0; x < c.grid.x; x++) {
                blockIdx.x = x, blockIdx.y = y, blockIdx.z = z;
                run_block();
            }
    emu.in_kernel = false;
}

/* kernel<<<c>>>(args...), as the sed of gpu/check-cuda writes it: each
 * thread calls `kernel` with its own copies of the arguments. The launch
 * returns when every block has run. */
template <typename Kernel, typename... Args>
void launch(const char *name, Config c, Kernel kernel, Args... args)
{
    struct Closure {
        Kernel kernel;
        std::tuple<Args...> args;
    } closure{kernel, std::tuple<Args...>(args...)};
    run_grid(name, c, [](void *p) { std::apply(((Closure *)p)->kernel, ((Closure *)p)->args); }, &closure);
}

/* ---- what kernels call ------------------------------------------------------------------ */

inline void syncthreads(const char *file, int line)
{
    wait_here(AT_BARRIER, file, line);
}

/* The value of lane (this lane ^ lane_mask) of the warp, once all 32 lanes
 * of the warp are here. Only whole warps (mask 0xffffffff, width 32). */
template <typename T>
T shfl_xor(const char *file, int line, unsigned mask, T x, int lane_mask, int width = 32)
{
    static_assert(sizeof(T) <= sizeof(uint64_t), "a shuffle moves at most 8 bytes");
    if (mask != 0xffffffffu || width != 32 || lane_mask < 0 || lane_mask > 31)
        die("only shuffles of a whole warp (mask 0xffffffff, width 32, lane mask 0 to 31) are emulated");
    const int t = emu.thread;
    uint64_t bits = 0;
    memcpy(&bits, &x, sizeof x);
    emu.shuffle_in[t] = bits, emu.shuffle_lane[t] = (t % 32) ^ lane_mask;
    wait_here(AT_SHUFFLE, file, line);
    memcpy(&x, &emu.shuffle_out[t], sizeof x);
    return x;
}

}   // namespace cuda_emulate

/* Macros, so that a thread that waits says where. */
#define __syncthreads() cuda_emulate::syncthreads(__FILE__, __LINE__)
#define __shfl_xor_sync(...) cuda_emulate::shfl_xor(__FILE__, __LINE__, __VA_ARGS__)

/* ---- the runtime: one device, host memory, synchronous launches ------------------------- */

inline cudaError_t cudaGetDeviceCount(int *count)
{
    *count = 1;
    return cudaSuccess;
}

inline cudaError_t cudaGetDeviceProperties(cudaDeviceProp *prop, int device)
{
    if (device != 0) return cudaErrorInvalidValue;
    memset(prop, 0, sizeof *prop);
    snprintf(prop->name, sizeof prop->name, "CPU emulation of CUDA (gpu/cuda_emulate.h)");
    prop->totalGlobalMem = (size_t)sysconf(_SC_PHYS_PAGES) * cuda_emulate::page_bytes();
    prop->multiProcessorCount = 1, prop->warpSize = 32;
    prop->maxThreadsPerBlock = cuda_emulate::MAX_THREADS;
    return cudaSuccess;
}

/* bytes rounded up to 256 (cudaMalloc's alignment), ending where a page
 * that faults begins, after one that faults too; filled with 0xff. Under
 * AddressSanitizer, from malloc, whose ends it knows to the byte. */
inline cudaError_t cudaMalloc(void **p, size_t bytes)
{
    char *start = NULL, *m = NULL;
    size_t mapped = 0;
#ifdef CUDA_EMULATE_ASAN
    if (posix_memalign((void **)&start, 256, bytes ? bytes : 1) != 0)
        return cuda_emulate::emu.last_error = cudaErrorMemoryAllocation;
    memset(start, 0xff, bytes);
#else
    const size_t page = cuda_emulate::page_bytes();
    const size_t rounded = (bytes + 255) / 256 * 256 + (bytes == 0 ? 256 : 0);
    mapped = (rounded + page - 1) / page * page + 2 * page;
    m = (char *)mmap(NULL, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return cuda_emulate::emu.last_error = cudaErrorMemoryAllocation;
    cuda_emulate::install_handler();
    mprotect(m, page, PROT_NONE), mprotect(m + mapped - page, page, PROT_NONE);
    start = m + mapped - page - rounded;
    memset(start, 0xff, rounded);
#endif
    cuda_emulate::arrays.push_back(cuda_emulate::Array{start, bytes, m, mapped});
    *p = start;
    return cudaSuccess;
}

template <typename T>
cudaError_t cudaMalloc(T **p, size_t bytes)
{
    return cudaMalloc((void **)p, bytes);
}

inline cudaError_t cudaFree(void *p)
{
    if (!p) return cudaSuccess;
    std::vector<cuda_emulate::Array> &arrays = cuda_emulate::arrays;
    for (size_t i = 0; i < arrays.size(); i++)
        if (arrays[i].start == p) {
            if (arrays[i].mapping) munmap(arrays[i].mapping, arrays[i].mapped);   /* then accesses fault */
            else free(arrays[i].start);
            arrays.erase(arrays.begin() + (long)i);
            return cudaSuccess;
        }
    return cuda_emulate::emu.last_error = cudaErrorInvalidValue;
}

inline cudaError_t cudaMemcpy(void *to, const void *from, size_t bytes, cudaMemcpyKind kind)
{
    using cuda_emulate::array_of;
    const bool to_device = kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToDevice;
    const bool from_device = kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyDeviceToDevice;
    if ((to_device && !array_of(to, bytes)) || (from_device && !array_of(from, bytes)))
        return cuda_emulate::emu.last_error = cudaErrorInvalidValue;
    memmove(to, from, bytes);
    return cudaSuccess;
}

inline cudaError_t cudaMemset(void *p, int value, size_t bytes)
{
    if (!cuda_emulate::array_of(p, bytes)) return cuda_emulate::emu.last_error = cudaErrorInvalidValue;
    memset(p, value, bytes);
    return cudaSuccess;
}

/* The host's memory stands for the device's: free as sysconf counts it. */
inline cudaError_t cudaMemGetInfo(size_t *free_bytes, size_t *total)
{
    const long pages = sysconf(_SC_PHYS_PAGES), free_pages = sysconf(_SC_AVPHYS_PAGES);
    const long page = sysconf(_SC_PAGESIZE);
    *total = pages > 0 && page > 0 ? (size_t)pages * (size_t)page : 0;
    *free_bytes = free_pages > 0 && page > 0 ? (size_t)free_pages * (size_t)page : 0;
    return cudaSuccess;
}

/* Launches are done when they return. */
inline cudaError_t cudaDeviceSynchronize(void) { return cudaSuccess; }

inline cudaError_t cudaGetLastError(void)
{
    const cudaError_t e = cuda_emulate::emu.last_error;
    cuda_emulate::emu.last_error = cudaSuccess;
    return e;
}

inline const char *cudaGetErrorString(cudaError_t error)
{
    switch (error) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorInvalidConfiguration: return "invalid configuration argument";
    }
    return "unrecognized error code";
}

/* Events: the host's clock, as a launch has finished when it returns. */
struct CUevent_st {
    double ms;
};

inline cudaError_t cudaEventCreate(cudaEvent_t *event)
{
    *event = new CUevent_st{0.0};
    return cudaSuccess;
}

inline cudaError_t cudaEventDestroy(cudaEvent_t event)
{
    delete event;
    return cudaSuccess;
}

inline cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t = 0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    event->ms = (double)now.tv_sec * 1e3 + (double)now.tv_nsec / 1e6;
    return cudaSuccess;
}

inline cudaError_t cudaEventSynchronize(cudaEvent_t) { return cudaSuccess; }

inline cudaError_t cudaEventElapsedTime(float *ms, cudaEvent_t start, cudaEvent_t end)
{
    *ms = (float)(end->ms - start->ms);
    return cudaSuccess;
}

#endif
