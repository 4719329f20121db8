/* roofline.h - every optimizer's step against the memory roofline of this
 * machine: lesson 10's measurement (its program shows a small one; `make
 * bench-optimizers`, tools/optimizer_bench.c, the full one).
 *
 * An optimizer step reads a few numbers per parameter, does a dozen flops
 * with them and writes a few back: far too little arithmetic to keep a core
 * busy while memory delivers the bytes. So the fastest a step can go is set
 * by memory, and this module measures that bound directly: for each
 * optimizer a memory-only kernel that reads and writes exactly the arrays
 * its step reads and writes (AdamW: reads param, grad, exp_avg, exp_avg_sq,
 * writes the last three back, 28 bytes a parameter) with no arithmetic.
 * The kernel's time over the step's time is how close the step comes to
 * the roofline.
 *
 * A step is the lessons' own pure update function called on one chunk of
 * ROOFLINE_CHUNK elements after another. Compiled with OpenMP (the bench's
 * fast build) the chunks are shared out among the threads; the update
 * functions are elementwise, so every build and thread count ends on the
 * same bits. Two exceptions: Adafactor looks at the whole tensor (RMS(param)
 * and the update clipping are sums over all of it), so its step is one call
 * on the whole tensor, which shares its sections among the threads itself
 * (lesson 08's adafactor_sums); 8-bit Adam's chunks start on block
 * boundaries. */
#ifndef LESSON_ROOFLINE_H
#define LESSON_ROOFLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quantize.h"

/* Elements per call of an update function: 16 KB of each float array, so
 * that what one chunk touches stays in the core's cache between the loops
 * of a function that walks its chunk twice (8-bit Adam's two walks of a
 * block). A multiple of 8-bit Adam's block of 256. */
#define ROOFLINE_CHUNK 4096

/* The arrays of one optimizer's step: one flat tensor of n parameters. */
typedef struct {
    size_t n;
    float *f[4];              /* param, grad, then the float states, as the optimizer has them */
    uint8_t *code[2];         /* 8-bit Adam: state1, state2 */
    float *absmax[2];         /* 8-bit Adam: one float per block of 256 */
    QuantMap *map[2];         /* 8-bit Adam: the signed and unsigned maps */
    long step;                /* the step number the next step takes */
} RooflineArrays;

/* A step or a kernel on elements [lo, hi) of the arrays. */
typedef void RooflineChunkFn(RooflineArrays *a, size_t lo, size_t hi);

/* One optimizer of the table. */
typedef struct {
    const char *name;         /* optlab's name, PyTorch's class in lower case */
    int floats;               /* float arrays: param, grad and its float states */
    int codes;                /* byte arrays (8-bit Adam's codes) */
    double bytes_per_param;   /* read + written, counted from the update function */
    const char *traffic;      /* what those bytes are */
    bool sliced;              /* true: elementwise, chunks in parallel; false: one call */
    RooflineChunkFn *step;    /* the lesson's update function on a chunk */
    RooflineChunkFn *kernel;  /* the memory-only kernel with the same traffic */
} RooflineOptimizer;

/* What roofline_time measured. */
typedef struct {
    const char *name;
    double bytes_per_param;
    double step_seconds;      /* the median step */
    double kernel_seconds;    /* the median kernel run; -1 when not measured */
    int threads;              /* threads the step ran on */
    uint64_t param_hash;      /* FNV-1a of param's bits after the last step: equal across builds */
} RooflineTiming;

/* The optimizers in the table, its entry i (0 <= i < roofline_count()),
 * and its name. */
int roofline_count(void);
const RooflineOptimizer *roofline_optimizer(int i);
const char *roofline_name(int i);

/* Times optimizer i's step and its memory-only kernel on n parameters
 * (param and grad random, the states 0): the medians of `repeats` runs
 * (1 to 128) after one warm-up of each, step and kernel taking turns so
 * that both see the machine in the same state. 0, or -1 (out untouched)
 * when the arrays do not fit in memory or i, n or repeats is out of range. */
int roofline_time(int i, size_t n, int repeats, RooflineTiming *out);

/* The same; with_kernel false times the step alone (kernel_seconds -1). */
int roofline_measure(int i, size_t n, int repeats, bool with_kernel, RooflineTiming *out);

/* The other roof: optimizer i's step with nothing to wait for but its own
 * arithmetic, its arrays (256 KB of each float array a thread) in the
 * core's cache, stepped over and over, at least `work` parameters a thread
 * a run: parameters stepped per second, the median of `repeats` runs (1 to
 * 128) after a warm-up. A step whose speed here is below its memory
 * kernel's is bound by its arithmetic: fewer bytes would not make it
 * faster. 0, or -1 (out untouched) for a bad argument or no memory. */
int roofline_in_cache(int i, size_t work, int repeats, double *params_per_second);

/* 8-bit Adam's search for a nearest code, two ways: bitsandbytes' binary
 * search (quantize_nearest) and the map's index (quantize_map_nearest),
 * each over the same n ratios of the dynamic signed map's range (random
 * signs, magnitudes spread evenly over its seven decades), on one thread:
 * the median nanoseconds per code of `repeats` runs (1 to 128) after a
 * warm-up. Both find the same codes (tested); this is only their speed.
 * 0, or -1 (outputs untouched) for a bad argument or no memory. */
int roofline_nearest_code(size_t n, int repeats, double *search_ns, double *index_ns);

#endif
