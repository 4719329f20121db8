/* optimizer_bench.c - every optimizer's step against the memory roofline of
 * this machine (`make bench-optimizers`, part of `make bench`; lesson 10).
 *
 * An optimizer step reads a few numbers per parameter, does a dozen
 * flops with them and writes a few back: far too little arithmetic to keep
 * a core busy while memory delivers the bytes. So the fastest a step can
 * go is set by memory, and this program measures that bound directly: for
 * each optimizer a memory-only kernel that reads and writes exactly the
 * arrays its step reads and writes (AdamW: reads param, grad, exp_avg,
 * exp_avg_sq, writes the last three back, 28 bytes a parameter) with
 * hardly any arithmetic. The kernel's time over the step's time is how
 * close the step comes to the roofline.
 *
 * The same file is built twice (tools/optimizer_bench.mk): with the
 * project's CFLAGS (-O2: the teaching build, one thread) and with
 * -O3 -march=native -fno-math-errno -flto -fopenmp (the fast build,
 * BENCH_FAST; the .mk file says what each flag changes), each time with the
 * lessons' own update functions compiled the same way.
 * Both cut the tensor into chunks of CHUNK elements and call the lesson's
 * pure update function on each; the fast build hands the chunks to its
 * threads. The update functions are elementwise, so a chunk's step is
 * exactly the whole step's, and both builds end on the same bits (the
 * `bits` column checks it). Two exceptions: Adafactor looks at the whole
 * tensor (RMS(param) and the update clipping are sums over all of it), so
 * its step is one call on one thread; 8-bit Adam's chunks start on block
 * boundaries (CHUNK is a multiple of its block).
 *
 *     optimizer_bench [--n=1e7] [--repeats=5] [--threads=2] [--only=adam,adamw]
 *                     [--tsv] [--teaching=FILE] [--torch=FILE]
 *
 * --tsv prints this build's measurements as rows for another run to read;
 * otherwise a table, joined with the teaching build's rows (--teaching) and
 * PyTorch's (--torch, from tools/torch_optimizer_bench.py) when given.
 * Each time is the median of `repeats` runs after one warm-up run. Timings
 * vary with the machine and its load; no test asserts on them. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiment.h"
#include "flags.h"
#include "timing.h"

#include "adafactor.h"
#include "adagrad.h"
#include "adam.h"
#include "adam8bit.h"
#include "adamw.h"
#include "momentum.h"
#include "quantize.h"
#include "rmsprop.h"
#include "sgd.h"
/* Lesson 09's Lion, when this tree has it. */
#if defined(__has_include)
#if __has_include("lion.h")
#include "lion.h"
#define HAVE_LION 1
#endif
#endif

#ifdef _OPENMP
#include <omp.h>
#define PARALLEL_FOR _Pragma("omp parallel for schedule(static)")
#else
#define PARALLEL_FOR
#endif

#ifdef BENCH_FAST
#define BUILD_NAME "fast"
#else
#define BUILD_NAME "teaching"
#endif
/* The two builds' flags, as tools/optimizer_bench.mk passes them. */
#ifndef BENCH_TEACHING_FLAGS
#define BENCH_TEACHING_FLAGS "?"
#endif
#ifndef BENCH_FAST_FLAGS
#define BENCH_FAST_FLAGS "?"
#endif
#ifdef BENCH_FAST
#define BENCH_FLAGS BENCH_FAST_FLAGS
#else
#define BENCH_FLAGS BENCH_TEACHING_FLAGS
#endif

static const char COMMAND[] = "optimizer_bench";

/* Elements per call of an update function: 16 KB of each float array, so
 * that what one chunk touches stays in the core's cache between the loops
 * of a function that walks its chunk twice (AdamW's decay, then Adam's
 * step: 28 bytes a parameter from memory, not 36; 8-bit Adam's two walks
 * of a block). A multiple of 8-bit Adam's block of 256. */
#define CHUNK 4096

/* ---- the arrays of one optimizer's step ---------------------------------------------- */

typedef struct {
    size_t n;
    float *f[4];          /* param, grad, then the float states, as the optimizer has them */
    uint8_t *code[2];     /* 8-bit Adam: state1, state2 */
    float *absmax[2];     /* 8-bit Adam: one float per block */
    float qmap[2][QMAP_SIZE];
    long step;            /* the step number the next step takes */
} Arrays;

typedef void ChunkFn(Arrays *a, size_t lo, size_t hi);

typedef struct {
    const char *name;         /* optlab's name, PyTorch's class in lower case */
    int floats;               /* float arrays: param, grad and its float states */
    int codes;                /* byte arrays (8-bit Adam's codes) */
    double bytes_per_param;   /* read + written, counted from the update function */
    const char *traffic;      /* what those bytes are */
    int sliced;               /* 1: elementwise, chunks in parallel; 0: one call, one thread */
    ChunkFn *step;
    ChunkFn *kernel;          /* the memory-only kernel with the same traffic */
} Bench;

/* ---- the steps: the lessons' update functions on one chunk --------------------------- */

static void sgd_chunk(Arrays *a, size_t lo, size_t hi)
{
    static const SGDConfig cfg = SGD_DEFAULTS;
    sgd_update(a->f[0] + lo, a->f[1] + lo, hi - lo, &cfg);
}

static void momentum_chunk(Arrays *a, size_t lo, size_t hi)
{
    /* SGD_MOMENTUM_DEFAULTS with momentum 0.9 (the default 0 is lesson 01's SGD) */
    static const SGDMomentumConfig cfg = {.lr = 1e-3f, .momentum = 0.9f};
    sgd_momentum_update(a->f[0] + lo, a->f[1] + lo, a->f[2] + lo, hi - lo, &cfg, a->step);
}

static void adagrad_chunk(Arrays *a, size_t lo, size_t hi)
{
    static const AdagradConfig cfg = ADAGRAD_DEFAULTS;
    adagrad_update(a->f[0] + lo, a->f[1] + lo, a->f[2] + lo, hi - lo, &cfg, a->step);
}

static void rmsprop_chunk(Arrays *a, size_t lo, size_t hi)
{
    static const RMSpropConfig cfg = RMSPROP_DEFAULTS;
    rmsprop_update(a->f[0] + lo, a->f[1] + lo, a->f[2] + lo, NULL, NULL, hi - lo, &cfg);
}

static void adam_chunk(Arrays *a, size_t lo, size_t hi)
{
    static const AdamConfig cfg = ADAM_DEFAULTS;
    adam_update(a->f[0] + lo, a->f[1] + lo, a->f[2] + lo, a->f[3] + lo, NULL, hi - lo, a->step,
                &cfg);
}

static void adamw_chunk(Arrays *a, size_t lo, size_t hi)
{
    static const AdamWConfig cfg = ADAMW_DEFAULTS;
    adamw_update(a->f[0] + lo, a->f[1] + lo, a->f[2] + lo, a->f[3] + lo, NULL, hi - lo, a->step,
                 &cfg);
}

#ifdef HAVE_LION
static void lion_chunk(Arrays *a, size_t lo, size_t hi)
{
    static const LionConfig cfg = LION_DEFAULTS;
    lion_update(a->f[0] + lo, a->f[1] + lo, a->f[2] + lo, hi - lo, &cfg);
}
#endif

/* The whole tensor (lo = 0, hi = n): a flat tensor is a vector to Adafactor,
 * which keeps its whole variance, as PyTorch's. */
static void adafactor_whole(Arrays *a, size_t lo, size_t hi)
{
    static const AdafactorConfig cfg = ADAFACTOR_DEFAULTS;
    adafactor_update_vector(a->f[0] + lo, a->f[1] + lo, a->f[2] + lo, hi - lo, a->step, &cfg);
}

static void adam8bit_chunk(Arrays *a, size_t lo, size_t hi)
{
    static const Adam8bitConfig cfg = ADAM8BIT_DEFAULTS;
    const size_t block = lo / (size_t)cfg.block_size;   /* lo is on a block boundary */
    adam8bit_update_blockwise(a->f[0] + lo, a->f[1] + lo, a->code[0] + lo, a->code[1] + lo,
                              a->absmax[0] + block, a->absmax[1] + block, a->qmap[0], a->qmap[1],
                              hi - lo, a->step, &cfg);
}

/* ---- the memory-only kernels --------------------------------------------------------- */

/* Each reads every array the step reads and writes every array it writes,
 * once, with one integer operation per number written: nothing for the
 * core to do but move bytes. Each written number is XORed with bits of a
 * read one masked by KEEP, which is 0: the arrays come out unchanged, bit
 * for bit (so kernels and steps can take turns on them), but the compiler
 * cannot know that, and must load and store every number. */
static volatile uint32_t keep_mask = 0;

static inline uint32_t bits_of(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static inline float float_of(uint32_t u)
{
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

#define TOUCH(w, r, keep) float_of(bits_of(w) ^ (bits_of(r) & (keep)))

static void kernel_2r1w(float *restrict w0, const float *restrict r, size_t n)
{
    const uint32_t keep = keep_mask;
    for (size_t i = 0; i < n; i++) w0[i] = TOUCH(w0[i], r[i], keep);
}

static void kernel_3r2w(float *restrict w0, float *restrict w1, const float *restrict r, size_t n)
{
    const uint32_t keep = keep_mask;
    for (size_t i = 0; i < n; i++) {
        w0[i] = TOUCH(w0[i], r[i], keep);
        w1[i] = TOUCH(w1[i], r[i], keep);
    }
}

static void kernel_4r3w(float *restrict w0, float *restrict w1, float *restrict w2,
                        const float *restrict r, size_t n)
{
    const uint32_t keep = keep_mask;
    for (size_t i = 0; i < n; i++) {
        w0[i] = TOUCH(w0[i], r[i], keep);
        w1[i] = TOUCH(w1[i], r[i], keep);
        w2[i] = TOUCH(w2[i], r[i], keep);
    }
}

/* param, grad: param written (SGD) */
static void memory_12(Arrays *a, size_t lo, size_t hi)
{
    kernel_2r1w(a->f[0] + lo, a->f[1] + lo, hi - lo);
}

/* param, grad, one state: param and the state written (momentum, AdaGrad, RMSprop, Lion) */
static void memory_20(Arrays *a, size_t lo, size_t hi)
{
    kernel_3r2w(a->f[0] + lo, a->f[2] + lo, a->f[1] + lo, hi - lo);
}

/* param, grad, two states: param and both states written (Adam, AdamW) */
static void memory_28(Arrays *a, size_t lo, size_t hi)
{
    kernel_4r3w(a->f[0] + lo, a->f[2] + lo, a->f[3] + lo, a->f[1] + lo, hi - lo);
}

/* Adafactor's three walks over a vector: RMS(param) reads param; the
 * variance walk reads grad and variance and writes variance; the step reads
 * param, grad and variance and writes param. 4 + 12 + 16 = 32 bytes. */
static void memory_adafactor(Arrays *a, size_t lo, size_t hi)
{
    float *restrict p = a->f[0] + lo, *restrict v = a->f[2] + lo;
    const float *restrict g = a->f[1] + lo;
    const size_t n = hi - lo;
    uint32_t seen = 0;   /* the first walk's result: every bit of param, ORed */
    for (size_t i = 0; i < n; i++) seen |= bits_of(p[i]);
    const uint32_t keep = keep_mask & seen;
    for (size_t i = 0; i < n; i++) v[i] = TOUCH(v[i], g[i], keep);
    for (size_t i = 0; i < n; i++) p[i] = TOUCH(p[i], float_of(bits_of(g[i]) ^ bits_of(v[i])), keep);
}

/* 8-bit Adam: param and grad (4 + 4), the two codes read and written (1 + 1
 * each), param written (4), and a float per block of 256 for each absmax,
 * read and written (16 / 256). */
static void memory_adam8bit(Arrays *a, size_t lo, size_t hi)
{
    float *restrict p = a->f[0] + lo;
    const float *restrict g = a->f[1] + lo;
    uint8_t *restrict c1 = a->code[0] + lo, *restrict c2 = a->code[1] + lo;
    const size_t n = hi - lo, block = 256;
    const uint32_t keep = keep_mask;
    const uint8_t keep8 = (uint8_t)keep;
    for (size_t b = 0; b < (n + block - 1) / block; b++) {
        float *m1 = &a->absmax[0][lo / block + b], *m2 = &a->absmax[1][lo / block + b];
        *m1 = TOUCH(*m1, *m2, keep);
        *m2 = TOUCH(*m2, *m1, keep);
    }
    for (size_t i = 0; i < n; i++) {
        p[i] = TOUCH(p[i], g[i], keep);
        const uint8_t x = c1[i], y = c2[i];
        c1[i] = (uint8_t)(x ^ (y & keep8));
        c2[i] = (uint8_t)(y ^ (x & keep8));
    }
}

static const Bench BENCHES[] = {
    {"sgd", 2, 0, 12, "reads param grad, writes param", 1, sgd_chunk, memory_12},
    {"momentum", 3, 0, 20, "reads param grad buf, writes param buf", 1, momentum_chunk, memory_20},
    {"adagrad", 3, 0, 20, "reads param grad sum, writes param sum", 1, adagrad_chunk, memory_20},
    {"rmsprop", 3, 0, 20, "reads param grad square_avg, writes param square_avg", 1, rmsprop_chunk,
     memory_20},
    {"adam", 4, 0, 28, "reads param grad exp_avg exp_avg_sq, writes the last three", 1,
     adam_chunk, memory_28},
    {"adamw", 4, 0, 28, "as Adam (the decay walks a chunk while it is in cache)", 1, adamw_chunk,
     memory_28},
#ifdef HAVE_LION
    {"lion", 3, 0, 20, "reads param grad exp_avg, writes param exp_avg", 1, lion_chunk, memory_20},
#endif
    {"adafactor", 3, 0, 32, "three walks: param; grad variance -> variance; param grad variance -> param",
     0, adafactor_whole, memory_adafactor},
    {"adam8bit", 2, 2, 16 + 16.0 / 256, "param grad, codes 1+1 read and written, absmax 16/256", 1,
     adam8bit_chunk, memory_adam8bit},
};
enum { NUM_BENCHES = sizeof BENCHES / sizeof BENCHES[0] };

/* ---- running them ---------------------------------------------------------------------- */

static size_t num_chunks(size_t n)
{
    return (n + CHUNK - 1) / CHUNK;
}

/* fn on every chunk, the chunks shared out among the threads (fast build),
 * or on the whole tensor at once when the step is not elementwise. */
static void run(const Bench *b, ChunkFn *fn, Arrays *a)
{
    if (!b->sliced) {
        fn(a, 0, a->n);
        return;
    }
    const size_t chunks = num_chunks(a->n), n = a->n;
    PARALLEL_FOR
    for (size_t c = 0; c < chunks; c++) fn(a, c * CHUNK, c * CHUNK + CHUNK < n ? c * CHUNK + CHUNK : n);
}

/* A number in [-1, 1) from an index: the same inputs in every build and on
 * every thread count (splitmix64's finalizer). */
static float unit(uint64_t i, uint64_t seed)
{
    uint64_t z = i * 0x9E3779B97F4A7C15ull + seed;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (float)((double)(z >> 40) / (double)(1ull << 23) - 1.0);
}

static void *must_alloc(size_t bytes)
{
    /* 64-byte aligned (a cache line), rounded up as aligned_alloc wants. */
    return must(aligned_alloc(64, (bytes + 63) / 64 * 64), "out of memory");
}

/* The arrays for one optimizer, written first by the threads that will walk
 * them (first touch: on a machine with several memory nodes each page then
 * lives next to its thread). param and grad random, the states 0. */
static void init_chunk(Arrays *a, size_t lo, size_t hi)
{
    for (size_t i = lo; i < hi; i++) {
        a->f[0][i] = unit(i, 1);
        a->f[1][i] = unit(i, 2);
        for (int k = 2; k < 4; k++)
            if (a->f[k]) a->f[k][i] = 0.0f;
        for (int k = 0; k < 2; k++)
            if (a->code[k]) a->code[k][i] = 0;
    }
    for (size_t blk = lo / 256; blk < (hi + 255) / 256; blk++)
        for (int k = 0; k < 2; k++)
            if (a->absmax[k]) a->absmax[k][blk] = 0.0f;
}

static void arrays_init(Arrays *a, const Bench *b, size_t n)
{
    memset(a, 0, sizeof *a);
    a->n = n;
    a->step = 1;
    for (int k = 0; k < b->floats; k++) a->f[k] = must_alloc(n * sizeof(float));
    for (int k = 0; k < b->codes; k++) {
        a->code[k] = must_alloc(n);
        a->absmax[k] = must_alloc(quantize_num_blocks(n, 256) * sizeof(float));
    }
    create_dynamic_map(true, a->qmap[0]);
    create_dynamic_map(false, a->qmap[1]);
    run(b, init_chunk, a);
}

static void arrays_free(Arrays *a)
{
    for (int k = 0; k < 4; k++) free(a->f[k]);
    for (int k = 0; k < 2; k++) free(a->code[k]), free(a->absmax[k]);
}

/* FNV-1a over the bits of the parameters: equal in two builds only if
 * every number came out the same. */
static uint64_t param_hash(const Arrays *a)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < a->n; i++) {
        uint32_t bits;
        memcpy(&bits, &a->f[0][i], sizeof bits);
        h = (h ^ bits) * 0x100000001b3ull;
    }
    return h;
}

static int compare_doubles(const void *x, const void *y)
{
    double p = *(const double *)x, q = *(const double *)y;
    return (p > q) - (p < q);
}

static double seconds_of(const Bench *b, ChunkFn *fn, Arrays *a)
{
    const double t0 = wall_seconds();
    run(b, fn, a);
    return wall_seconds() - t0;
}

static double median(double *s, int count)
{
    qsort(s, (size_t)count, sizeof s[0], compare_doubles);
    return count % 2 ? s[count / 2] : 0.5 * (s[count / 2 - 1] + s[count / 2]);
}

typedef struct {
    double step_s, kernel_s;   /* kernel_s < 0: not measured */
    int threads;
    uint64_t hash;
} Measured;

/* The medians of `repeats` timed steps and kernel runs after one warm-up
 * of each, step and kernel taking turns, so that both see the machine in
 * the same state (another program's burst slows both). Each step is the
 * next step, t = 1 the warm-up (momentum's first step only copies the
 * gradient into its buffer); the kernel leaves the numbers as they are. */
static Measured measure(const Bench *b, size_t n, int repeats, int threads, int kernels)
{
    Arrays a;
    arrays_init(&a, b, n);
#ifndef _OPENMP
    threads = 1;
#endif
    Measured m = {0, -1, b->sliced ? threads : 1, 0};
    double step_s[128], kernel_s[128];
    for (int r = -1; r < repeats; r++) {
        const double t = seconds_of(b, b->step, &a);
        a.step++;
        const double k = kernels ? seconds_of(b, b->kernel, &a) : 0.0;
        if (r >= 0) step_s[r] = t, kernel_s[r] = k;
    }
    m.step_s = median(step_s, repeats);
    if (kernels) m.kernel_s = median(kernel_s, repeats);
    m.hash = param_hash(&a);   /* after 1 + repeats steps, in every build */
    arrays_free(&a);
    return m;
}

/* ---- the other builds' rows, and the table -------------------------------------------- */

typedef struct {
    int have;
    double step_s;
    uint64_t hash;
    char why[128];   /* PyTorch: why there is no time */
} Row;

/* Reads rows "PREFIX NAME N ..." (tab-separated) of a --tsv run (prefix
 * step: "step NAME N SECONDS HASH ...") or of tools/torch_optimizer_bench.py
 * (prefix torch: "torch NAME N SECONDS", or "torch NAME N - WHY") into
 * rows[], by optimizer; rows of another n are not this table's. */
static void read_rows(const char *path, const char *prefix, Row rows[NUM_BENCHES], size_t n)
{
    FILE *f = fopen(path, "r");
    if (!f) die_usage(COMMAND, "cannot read %s", path);
    char line[512];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *field[6] = {0};
        int fields = 0;
        for (char *s = line; s && fields < 6; fields++) {
            field[fields] = s;
            s = strchr(s, '\t');
            if (s) *s++ = '\0';
        }
        if (fields < 4 || strcmp(field[0], prefix) != 0 || strtoull(field[2], NULL, 10) != n)
            continue;
        for (int k = 0; k < NUM_BENCHES; k++) {
            if (strcmp(BENCHES[k].name, field[1]) != 0) continue;
            Row *r = &rows[k];
            if (strcmp(field[3], "-") == 0) {
                snprintf(r->why, sizeof r->why, "%s", fields > 4 ? field[4] : "no time");
            } else if (strcmp(prefix, "torch") == 0 || fields >= 5) {
                r->have = 1, r->step_s = atof(field[3]);
                if (fields >= 5) r->hash = strtoull(field[4], NULL, 16);
            }
        }
    }
    fclose(f);
}

typedef struct {
    double n;
    int repeats;
    int threads;
    const char *only;
    bool tsv;
    const char *teaching;
    const char *torch;
} BenchArgs;

static const OptionSpec bench_options[] = {
    {"n", OPT_DOUBLE, offsetof(BenchArgs, n), "parameters (one flat tensor), e.g. 1e8", 0, 0},
    {"repeats", OPT_INT, offsetof(BenchArgs, repeats), "timed runs after one warm-up; the median is reported", 1, 99},
    {"threads", OPT_INT, offsetof(BenchArgs, threads), "threads of the fast build (OpenMP)", 1, 256},
    {"only", OPT_STRING, offsetof(BenchArgs, only), "optimizers to time, comma-separated (default all)", 0, 0},
    {"tsv", OPT_BOOL, offsetof(BenchArgs, tsv), "print rows for another run to read, not the table", 0, 0},
    {"teaching", OPT_STRING, offsetof(BenchArgs, teaching), "the teaching build's --tsv rows, for the table", 0, 0},
    {"torch", OPT_STRING, offsetof(BenchArgs, torch), "tools/torch_optimizer_bench.py's rows, for the table", 0, 0},
    {NULL, 0, 0, NULL, 0, 0},
};

static bool wanted(const char *only, const char *name)
{
    if (!only || !*only) return true;
    size_t len = strlen(name);
    for (const char *s = only; *s;) {
        const char *end = strchr(s, ',');
        size_t l = end ? (size_t)(end - s) : strlen(s);
        if (l == len && strncmp(s, name, len) == 0) return true;
        s += l + (end != NULL);
    }
    return false;
}

static void check_only(const char *only)
{
    if (!only) return;
    for (const char *s = only; *s;) {
        const char *end = strchr(s, ',');
        size_t l = end ? (size_t)(end - s) : strlen(s);
        bool known = false;
        for (int k = 0; k < NUM_BENCHES; k++)
            known |= strlen(BENCHES[k].name) == l && strncmp(s, BENCHES[k].name, l) == 0;
        if (!known) die_usage(COMMAND, "--only: no optimizer '%.*s' here", (int)l, s);
        s += l + (end != NULL);
    }
}

static void print_table(const BenchArgs *args, size_t n, const Measured *fast, const Row *teaching,
                        const Row *torch)
{
    int threads = 1;
#ifdef _OPENMP
    threads = args->threads;
#endif
    printf("optimizer step at n = %zu parameters (one flat float32 tensor), median of %d steps\n",
           n, args->repeats);
    printf("teaching build: %s, 1 thread; fast build: %s, %d thread%s\n", BENCH_TEACHING_FLAGS,
           BENCH_FAST_FLAGS, threads, threads == 1 ? "" : "s");
#ifndef _OPENMP
    printf("no OpenMP (the compiler refused -fopenmp): the fast build runs on 1 thread\n");
#endif
    printf("kernel: the step's reads and writes and no arithmetic, fast build, the step's threads\n\n");
    printf("%-9s %6s %9s %9s %8s %8s %6s %9s %8s %5s\n", "", "bytes/", "teaching", "fast",
           "fast", "kernel", "% of", "PyTorch", "fast vs", "same");
    printf("%-9s %6s %9s %9s %8s %8s %6s %9s %8s %5s\n", "optimizer", "param", "Gparam/s",
           "Gparam/s", "GB/s", "GB/s", "kernel", "Gparam/s", "PyTorch", "bits");
    int met_kernel = 0, met_torch = 0, timed = 0, torch_timed = 0;
    char missed_kernel[256] = "", missed_torch[256] = "";
    for (int k = 0; k < NUM_BENCHES; k++) {
        if (!wanted(args->only, BENCHES[k].name)) continue;
        const Bench *b = &BENCHES[k];
        const Measured *m = &fast[k];
        const double gps = n / m->step_s * 1e-9, gbs = gps * b->bytes_per_param;
        const double kernel_gbs = n / m->kernel_s * 1e-9 * b->bytes_per_param;
        const double pct = 100.0 * m->kernel_s / m->step_s;
        char teach[16] = "-", same[8] = "-", tgps[16] = "-", ratio[16] = "";
        if (teaching[k].have) {
            snprintf(teach, sizeof teach, "%.3f", n / teaching[k].step_s * 1e-9);
            snprintf(same, sizeof same, "%s", teaching[k].hash == m->hash ? "yes" : "NO");
        }
        if (torch[k].have) {
            snprintf(tgps, sizeof tgps, "%.3f", n / torch[k].step_s * 1e-9);
            snprintf(ratio, sizeof ratio, "%.1fx", torch[k].step_s / m->step_s);
            torch_timed++;
            if (torch[k].step_s / m->step_s >= 20) met_torch++;
            else
                snprintf(missed_torch + strlen(missed_torch), sizeof missed_torch - strlen(missed_torch),
                         " %s", b->name);
        } else {
            snprintf(ratio, sizeof ratio, "%s", args->torch ? "none" : "no torch");
        }
        timed++;
        if (pct >= 90) met_kernel++;
        else
            snprintf(missed_kernel + strlen(missed_kernel), sizeof missed_kernel - strlen(missed_kernel),
                     " %s", b->name);
        printf("%-9s %6.2f %9s %9.3f %8.2f %8.2f %6.1f %9s %8s %5s%s\n", b->name, b->bytes_per_param,
               teach, gps, gbs, kernel_gbs, pct, tgps, ratio, same, b->sliced ? "" : " (1 thread)");
    }
    printf("\nbytes a parameter, counted from each update function's loops:\n");
    for (int k = 0; k < NUM_BENCHES; k++)
        if (wanted(args->only, BENCHES[k].name))
            printf("  %-9s %s\n", BENCHES[k].name, BENCHES[k].traffic);
    for (int k = 0; k < NUM_BENCHES; k++)
        if (wanted(args->only, BENCHES[k].name) && !BENCHES[k].sliced)
            printf("%s: one call, one thread: its RMS(param) and update clipping sum the whole tensor\n",
                   BENCHES[k].name);
    for (int k = 0; k < NUM_BENCHES; k++)
        if (wanted(args->only, BENCHES[k].name) && !torch[k].have && args->torch && torch[k].why[0])
            printf("PyTorch %s: %s\n", BENCHES[k].name, torch[k].why);
    printf("fast build >= 90%% of its memory kernel: %d of %d%s%s\n", met_kernel, timed,
           *missed_kernel ? "; below:" : "", missed_kernel);
    if (torch_timed)
        printf("fast build >= 20x PyTorch's step: %d of %d%s%s\n", met_torch, torch_timed,
               *missed_torch ? "; below:" : "", missed_torch);
    else
        printf("fast build vs PyTorch: no torch (python3-torch not found), no ratio\n");
}

int main(int argc, char **argv)
{
    BenchArgs args = {1e7, 5, 2, NULL, false, NULL, NULL};
    const BenchArgs defaults = args;
    char err[512];
    int parsed = flags_parse(bench_options, &args, argc, argv, 1, err, sizeof err);
    if (parsed == 1) {
        printf("usage: %s [flags]\n\nTimes every optimizer's step against a memory-only kernel with "
               "its traffic.\nThis is the %s build (%s).\n\n",
               COMMAND, BUILD_NAME, BENCH_FLAGS);
        flags_print_help(stdout, bench_options, &defaults);
        return 0;
    }
    if (parsed != 0) die_usage(COMMAND, "%s", err);
    if (!(args.n >= 1 && args.n <= 4e9 && args.n == floor(args.n)))
        die_usage(COMMAND, "--n must be a whole number from 1 to 4e9, not %g", args.n);
    if ((args.teaching || args.torch) && args.tsv)
        die_usage(COMMAND, "--tsv prints rows; --teaching and --torch are for the table");
    check_only(args.only);
    const size_t n = (size_t)args.n;
#ifdef _OPENMP
    omp_set_num_threads(args.threads);
    omp_set_dynamic(0);
#endif
    Row teaching[NUM_BENCHES], torch[NUM_BENCHES];
    memset(teaching, 0, sizeof teaching);
    memset(torch, 0, sizeof torch);
    if (args.teaching) read_rows(args.teaching, "step", teaching, n);
    if (args.torch) read_rows(args.torch, "torch", torch, n);

    Measured fast[NUM_BENCHES];
    memset(fast, 0, sizeof fast);
    for (int k = 0; k < NUM_BENCHES; k++) {
        if (!wanted(args.only, BENCHES[k].name)) continue;
        const Bench *b = &BENCHES[k];
        fast[k] = measure(b, n, args.repeats, args.threads, !args.tsv);
        if (args.tsv)
            printf("step\t%s\t%zu\t%.9f\t%016llx\t%s\t%d\t%.4f\n", b->name, n, fast[k].step_s,
                   (unsigned long long)fast[k].hash, BUILD_NAME, fast[k].threads, b->bytes_per_param);
        fflush(stdout);
    }
    if (!args.tsv) print_table(&args, n, fast, teaching, torch);
    return 0;
}
