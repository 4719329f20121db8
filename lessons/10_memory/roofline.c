/* roofline.c - every optimizer's step against a memory-only kernel with its
 * traffic (see roofline.h). */
#include "roofline.h"

#include <stdlib.h>
#include <string.h>

#include "adafactor.h"
#include "adagrad.h"
#include "adam.h"
#include "adam8bit.h"
#include "adamw.h"
#include "lion.h"
#include "lowp.h"
#include "momentum.h"
#include "rmsprop.h"
#include "sgd.h"
#include "timing.h"

#include "parallel.h"

#ifdef _OPENMP
#include <omp.h>
#endif

/* ---- the steps: the lessons' update functions on one chunk --------------------------- */

static void sgd_chunk(RooflineArrays *a, size_t lo, size_t hi)
{
    static const SGDConfig cfg = SGD_DEFAULTS;
    sgd_update(a->f[0] + lo, a->f[1] + lo, hi - lo, &cfg);
}

static void momentum_chunk(RooflineArrays *a, size_t lo, size_t hi)
{
    /* SGD_MOMENTUM_DEFAULTS with momentum 0.9 (the default 0 is lesson 01's SGD) */
    static const SGDMomentumConfig cfg = {.lr = 1e-3f, .momentum = 0.9f};
    sgd_momentum_update(a->f[0] + lo, a->f[1] + lo, a->f[2] + lo, hi - lo, &cfg, a->step);
}

static void adagrad_chunk(RooflineArrays *a, size_t lo, size_t hi)
{
    static const AdagradConfig cfg = ADAGRAD_DEFAULTS;
    adagrad_update(a->f[0] + lo, a->f[1] + lo, a->f[2] + lo, hi - lo, &cfg, a->step);
}

static void rmsprop_chunk(RooflineArrays *a, size_t lo, size_t hi)
{
    static const RMSpropConfig cfg = RMSPROP_DEFAULTS;
    rmsprop_update(a->f[0] + lo, a->f[1] + lo, a->f[2] + lo, NULL, NULL, hi - lo, &cfg);
}

static void adam_chunk(RooflineArrays *a, size_t lo, size_t hi)
{
    static const AdamConfig cfg = ADAM_DEFAULTS;
    adam_update(a->f[0] + lo, a->f[1] + lo, a->f[2] + lo, a->f[3] + lo, NULL, hi - lo, a->step,
                &cfg);
}

static void adamw_chunk(RooflineArrays *a, size_t lo, size_t hi)
{
    static const AdamWConfig cfg = ADAMW_DEFAULTS;
    adamw_update(a->f[0] + lo, a->f[1] + lo, a->f[2] + lo, a->f[3] + lo, NULL, hi - lo, a->step,
                 &cfg);
}

static void lion_chunk(RooflineArrays *a, size_t lo, size_t hi)
{
    static const LionConfig cfg = LION_DEFAULTS;
    lion_update(a->f[0] + lo, a->f[1] + lo, a->f[2] + lo, hi - lo, &cfg);
}

/* The whole tensor (lo = 0, hi = n): a flat tensor is a vector to Adafactor,
 * which keeps its whole variance, as PyTorch's. */
static void adafactor_whole(RooflineArrays *a, size_t lo, size_t hi)
{
    static const AdafactorConfig cfg = ADAFACTOR_DEFAULTS;
    adafactor_update_vector(a->f[0] + lo, a->f[1] + lo, a->f[2] + lo, hi - lo, a->step, &cfg);
}

static void adam8bit_chunk(RooflineArrays *a, size_t lo, size_t hi)
{
    static const Adam8bitConfig cfg = ADAM8BIT_DEFAULTS;
    const size_t block = lo / (size_t)cfg.block_size;   /* lo is on a block boundary */
    adam8bit_update_blockwise(a->f[0] + lo, a->f[1] + lo, a->code[0] + lo, a->code[1] + lo,
                              a->absmax[0] + block, a->absmax[1] + block, a->map[0], a->map[1],
                              hi - lo, a->step, &cfg);
}

/* ---- the memory-only kernels --------------------------------------------------------- */

/* Each reads every array the step reads and writes every array it writes,
 * once, with one integer operation per number written: nothing for the
 * core to do but move bytes. Each written number is XORed with bits of a
 * read one masked by keep_mask, which is 0: the arrays come out unchanged,
 * bit for bit (so kernels and steps can take turns on them), but the
 * compiler may not assume so (it is volatile), and must load and store
 * every number. */
static const volatile uint32_t keep_mask = 0;

#define TOUCH(w, r, keep) float_from_bits(float_bits(w) ^ (float_bits(r) & (keep)))

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
static void memory_12(RooflineArrays *a, size_t lo, size_t hi)
{
    kernel_2r1w(a->f[0] + lo, a->f[1] + lo, hi - lo);
}

/* param, grad, one state: param and the state written (momentum, AdaGrad, RMSprop, Lion) */
static void memory_20(RooflineArrays *a, size_t lo, size_t hi)
{
    kernel_3r2w(a->f[0] + lo, a->f[2] + lo, a->f[1] + lo, hi - lo);
}

/* param, grad, two states: param and both states written (Adam, AdamW) */
static void memory_28(RooflineArrays *a, size_t lo, size_t hi)
{
    kernel_4r3w(a->f[0] + lo, a->f[2] + lo, a->f[3] + lo, a->f[1] + lo, hi - lo);
}

/* Adafactor's three walks over a vector: RMS(param) reads param; the
 * variance walk reads grad and variance and writes variance; the step reads
 * param, grad and variance and writes param. 4 + 12 + 16 = 32 bytes. The
 * first two go over lesson 08's sections (adafactor_section_start), as its
 * step goes, and the step waits for all of them (in the real step, for the
 * sums). */
static void memory_adafactor(RooflineArrays *a, size_t lo, size_t hi)
{
    float *restrict p = a->f[0] + lo, *restrict v = a->f[2] + lo;
    const float *restrict g = a->f[1] + lo;
    const size_t n = hi - lo;
    uint32_t seen[ADAFACTOR_SECTIONS];   /* the first walk's result: param's bits, ORed */
    PARALLEL_FOR
    for (int s = 0; s < ADAFACTOR_SECTIONS; s++) {
        const size_t first = adafactor_section_start(n, s);
        const size_t last = adafactor_section_start(n, s + 1);
        const uint32_t keep = keep_mask;
        uint32_t bits = 0;
        for (size_t i = first; i < last; i++) bits |= float_bits(p[i]);
        for (size_t i = first; i < last; i++) v[i] = TOUCH(v[i], g[i], keep);
        seen[s] = bits;
    }
    uint32_t all_seen = 0;
    for (int s = 0; s < ADAFACTOR_SECTIONS; s++) all_seen |= seen[s];
    const uint32_t keep = keep_mask & all_seen;
    PARALLEL_FOR
    for (size_t i = 0; i < n; i++)
        p[i] = TOUCH(p[i], float_from_bits(float_bits(g[i]) ^ float_bits(v[i])), keep);
}

/* 8-bit Adam: param and grad (4 + 4), the two codes read and written (1 + 1
 * each), param written (4), and a float per block of 256 for each absmax,
 * read and written (16 / 256). */
static void memory_adam8bit(RooflineArrays *a, size_t lo, size_t hi)
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

/* snippet: roofline_table, shown in 10_memory */
static const RooflineOptimizer OPTIMIZERS[] = {
    /* name, float arrays, byte arrays, bytes per parameter,
     * what those bytes are, elementwise?, the step, its memory-only kernel */
    {"sgd", 2, 0, 12, "reads param grad, writes param", true, sgd_chunk, memory_12},
    {"momentum", 3, 0, 20, "reads param grad buf, writes param buf", true, momentum_chunk,
     memory_20},
    {"adagrad", 3, 0, 20, "reads param grad sum, writes param sum", true, adagrad_chunk,
     memory_20},
    {"rmsprop", 3, 0, 20, "reads param grad square_avg, writes param square_avg", true,
     rmsprop_chunk, memory_20},
    {"adam", 4, 0, 28, "reads param grad exp_avg exp_avg_sq, writes the last three", true,
     adam_chunk, memory_28},
    {"adamw", 4, 0, 28, "as Adam (the decay in the same loop)", true,
     adamw_chunk, memory_28},
    {"lion", 3, 0, 20, "reads param grad exp_avg, writes param exp_avg", true, lion_chunk,
     memory_20},
    {"adafactor", 3, 0, 32,
     "three walks: param; grad variance -> variance; param grad variance -> param", false,
     adafactor_whole, memory_adafactor},
    {"adam8bit", 2, 2, 16 + 16.0 / 256,
     "param grad, codes 1+1 read and written, absmax 16/256", true, adam8bit_chunk,
     memory_adam8bit},
};
/* end snippet */
enum { NUM_OPTIMIZERS = sizeof OPTIMIZERS / sizeof OPTIMIZERS[0] };

int roofline_count(void)
{
    return NUM_OPTIMIZERS;
}

const RooflineOptimizer *roofline_optimizer(int i)
{
    return i >= 0 && i < NUM_OPTIMIZERS ? &OPTIMIZERS[i] : NULL;
}

const char *roofline_name(int i)
{
    return i >= 0 && i < NUM_OPTIMIZERS ? OPTIMIZERS[i].name : NULL;
}

/* ---- running them ---------------------------------------------------------------------- */

/* fn on every chunk, the chunks shared out among the threads (when built
 * with OpenMP), or on the whole tensor at once when the step is not
 * elementwise (it shares its own work among the threads). */
static void run(const RooflineOptimizer *o, RooflineChunkFn *fn, RooflineArrays *a)
{
    if (!o->sliced) {
        fn(a, 0, a->n);
        return;
    }
    const size_t chunks = (a->n + ROOFLINE_CHUNK - 1) / ROOFLINE_CHUNK, n = a->n;
    PARALLEL_FOR
    for (size_t c = 0; c < chunks; c++) {
        const size_t lo = c * ROOFLINE_CHUNK;
        fn(a, lo, n - lo < ROOFLINE_CHUNK ? n : lo + ROOFLINE_CHUNK);
    }
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

/* 64-byte aligned (a cache line), rounded up as aligned_alloc wants. */
static void *alloc_aligned(size_t bytes)
{
    return aligned_alloc(64, (bytes + 63) / 64 * 64);
}

/* The arrays for one optimizer, written first by the threads that will walk
 * them (first touch: on a machine with several memory nodes each page then
 * lives next to its thread). param and grad random, the states 0. */
static void init_chunk(RooflineArrays *a, size_t lo, size_t hi)
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

static void arrays_free(RooflineArrays *a)
{
    for (int k = 0; k < 4; k++) free(a->f[k]);
    for (int k = 0; k < 2; k++) free(a->code[k]), free(a->absmax[k]), free(a->map[k]);
}

static int arrays_init(RooflineArrays *a, const RooflineOptimizer *o, size_t n)
{
    memset(a, 0, sizeof *a);
    a->n = n;
    a->step = 1;
    bool ok = n <= SIZE_MAX / sizeof(float);
    for (int k = 0; ok && k < o->floats; k++) ok = (a->f[k] = alloc_aligned(n * sizeof(float)));
    for (int k = 0; ok && k < o->codes; k++) {
        ok = (a->code[k] = alloc_aligned(n)) &&
             (a->absmax[k] = alloc_aligned(quantize_num_blocks(n, 256) * sizeof(float))) &&
             (a->map[k] = malloc(sizeof *a->map[k]));
        if (ok) {   /* k = 0: signed, for state1; k = 1: unsigned */
            float code[QMAP_SIZE];
            create_dynamic_map(k == 0, code);
            quantize_map_init(a->map[k], code, k == 0);
        }
    }
    if (!ok) {
        arrays_free(a);
        return -1;
    }
    run(o, init_chunk, a);
    return 0;
}

/* FNV-1a over the bits of the parameters: equal in two builds only if
 * every number came out the same. */
static uint64_t param_hash(const RooflineArrays *a)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < a->n; i++) h = (h ^ float_bits(a->f[0][i])) * 0x100000001b3ull;
    return h;
}

static int compare_doubles(const void *x, const void *y)
{
    double p = *(const double *)x, q = *(const double *)y;
    return (p > q) - (p < q);
}

static double median(double *s, int count)
{
    qsort(s, (size_t)count, sizeof s[0], compare_doubles);
    return count % 2 ? s[count / 2] : 0.5 * (s[count / 2 - 1] + s[count / 2]);
}

static double seconds_of(const RooflineOptimizer *o, RooflineChunkFn *fn, RooflineArrays *a)
{
    const double t0 = wall_seconds();
    run(o, fn, a);
    return wall_seconds() - t0;
}

/* The most timed runs a measurement takes (1 to this many). */
enum { MAX_REPEATS = 128 };

/* The threads every step runs on: OpenMP's. */
static int threads_of(const RooflineOptimizer *o)
{
    (void)o;
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

/* Each step is the next step, t = 1 the warm-up (momentum's first step only
 * copies the gradient into its buffer); the kernel leaves the numbers as
 * they are. */
int roofline_measure(int i, size_t n, int repeats, bool with_kernel, RooflineTiming *out)
{
    const RooflineOptimizer *o = roofline_optimizer(i);
    if (!o || n < 1 || repeats < 1 || repeats > MAX_REPEATS) return -1;
    RooflineArrays a;
    if (arrays_init(&a, o, n) != 0) return -1;
    const int threads = threads_of(o);
    double step_s[MAX_REPEATS], kernel_s[MAX_REPEATS];
    for (int r = -1; r < repeats; r++) {
        const double t = seconds_of(o, o->step, &a);
        a.step++;
        const double k = with_kernel ? seconds_of(o, o->kernel, &a) : 0.0;
        if (r >= 0) step_s[r] = t, kernel_s[r] = k;
    }
    *out = (RooflineTiming){o->name, o->bytes_per_param, median(step_s, repeats),
                            with_kernel ? median(kernel_s, repeats) : -1.0, threads,
                            param_hash(&a) /* after 1 + repeats steps, in every build */};
    arrays_free(&a);
    return 0;
}

/* The step with its arrays in the core's cache: 16 chunks per thread
 * (256 KB of each float array, at most 1 MB a thread for Adam's four: a
 * core's second cache of 1 MB or more holds them, and the third cache
 * where the second is smaller), stepped over and over, so that memory never has to
 * deliver a byte. Not one chunk: a core learns the branches of a few
 * thousand numbers stepped again and again, and 8-bit Adam's search for
 * the nearest code would then run faster than it does on new numbers. The
 * step number stays where it is; the numbers drift a little from step to
 * step, which changes no timing. */
enum { IN_CACHE_CHUNKS = 16 };

static void run_in_cache(const RooflineOptimizer *o, RooflineArrays *a, long steps)
{
    const size_t per_thread = IN_CACHE_CHUNKS * ROOFLINE_CHUNK, threads = a->n / per_thread;
    PARALLEL_FOR
    for (size_t t = 0; t < threads; t++)
        for (long s = 0; s < steps; s++)
            for (size_t c = 0; c < IN_CACHE_CHUNKS; c++) {
                const size_t lo = t * per_thread + c * ROOFLINE_CHUNK;
                o->step(a, lo, lo + ROOFLINE_CHUNK);
            }
}

int roofline_in_cache(int i, size_t work, int repeats, double *params_per_second)
{
    const RooflineOptimizer *o = roofline_optimizer(i);
    if (!o || work < 1 || repeats < 1 || repeats > MAX_REPEATS) return -1;
    const int threads = threads_of(o);
    const size_t n = (size_t)threads * IN_CACHE_CHUNKS * ROOFLINE_CHUNK;
    RooflineArrays a;
    if (arrays_init(&a, o, n) != 0) return -1;
    /* `work` parameters stepped per run on every thread, in whole passes. */
    const size_t per_thread = IN_CACHE_CHUNKS * ROOFLINE_CHUNK;
    const long steps = (long)((work + per_thread - 1) / per_thread);
    double rate[MAX_REPEATS];
    for (int r = -1; r < repeats; r++) {
        const double t0 = wall_seconds();
        run_in_cache(o, &a, steps);
        const double seconds = wall_seconds() - t0;
        if (r >= 0) rate[r] = (double)n * (double)steps / seconds;
    }
    *params_per_second = median(rate, repeats);
    arrays_free(&a);
    return 0;
}

int roofline_time(int i, size_t n, int repeats, RooflineTiming *out)
{
    return roofline_measure(i, n, repeats, true, out);
}

/* The codes of x[n] found one way; their sum, so that the compiler must
 * find every one of them. */
static unsigned long sum_of_codes(const QuantMap *map, const float *x /* [n] */, size_t n,
                                  bool indexed)
{
    unsigned long sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += indexed ? quantize_map_nearest(map, x[i]) : quantize_nearest(map->code, x[i], true);
    return sum;
}

int roofline_nearest_code(size_t n, int repeats, double *search_ns, double *index_ns)
{
    if (n < 1 || repeats < 1 || repeats > MAX_REPEATS || n > SIZE_MAX / sizeof(float)) return -1;
    float *x = malloc(n * sizeof *x), code[QMAP_SIZE];
    QuantMap *map = malloc(sizeof *map);
    if (!x || !map) {
        free(x), free(map);
        return -1;
    }
    create_dynamic_map(true, code);
    quantize_map_init(map, code, true);
    for (size_t i = 0; i < n; i++) {   /* |x| = 10^(-3.5 (u + 1)), u in [-1, 1): 1e-7 to 1 */
        const float u = unit(i, 7), sign = unit(i, 8) < 0.0f ? -1.0f : 1.0f;
        x[i] = sign * powf(10.0f, -3.5f * (u + 1.0f));
    }
    double ns[2][MAX_REPEATS];
    unsigned long sums[2] = {0, 0};
    for (int r = -1; r < repeats; r++)
        for (int way = 0; way < 2; way++) {
            const double t0 = wall_seconds();
            sums[way] = sum_of_codes(map, x, n, way == 1);
            if (r >= 0) ns[way][r] = (wall_seconds() - t0) * 1e9 / (double)n;
        }
    free(x), free(map);
    if (sums[0] != sums[1]) return -1;   /* cannot happen: the tests compare every code */
    *search_ns = median(ns[0], repeats);
    *index_ns = median(ns[1], repeats);
    return 0;
}
