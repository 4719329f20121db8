/* recorded.h - what a GPU recorded, read back: the output of
 * `make bench-gpu` (and of the --check runs before it) and two Nsight
 * Compute reports (the fast kernel's and the indexed one's), as they were saved in gpu/timings/. The machine that
 * builds the book has no GPU, so the chapter's timings come from these
 * files, each named by its device, and the program quotes them from there:
 * no timing is typed into the text by hand. */
#ifndef GPU_RECORDED_H
#define GPU_RECORDED_H

#include <stdbool.h>
#include <stddef.h>

/* One kernel's column of a bench line: "fast 133.91 Gparam/s 3749.6 GB/s 95.5%". */
typedef struct {
    char kind[16];     /* "first", "fast" or "fast+SR" */
    double gparams;    /* billions of parameters a second */
    double gbs;        /* GB/s, counted at the step's bytes a parameter */
    double percent;    /* of the copy's GB/s in the same run */
} KernelTiming;

enum { BENCH_KERNELS = 3, BENCH_LINES = 8 };

/* One line of adamw_fused --bench or adam8bit --bench:
 * "268435456 1 copy 3927.2 GB/s first ... fast ... fast+SR ...". */
typedef struct {
    long long params;
    char what[8];      /* fused AdamW: the tensors ("1", "150"); 8-bit Adam: "FP32" or "BF16" */
    double copy_gbs;   /* the copy of as many bytes, timed just before */
    int kernels;
    KernelTiming kernel[BENCH_KERNELS];
} BenchLine;

/* line as a BenchLine; false if it is not one. */
bool bench_line_parse(const char *line, BenchLine *out);

/* A whole recorded run. */
typedef struct {
    char device[64];                  /* from the "device: ..." lines */
    int checks_ok, checks_failed;     /* the --check lines, "ok ..." and "FAILED ..." */
    int num_fused, num_q8;
    BenchLine fused[BENCH_LINES];     /* under "fused AdamW, ..." */
    BenchLine q8[BENCH_LINES];        /* under "8-bit Adam: ..." */
} RecordedBench;

/* Parses text, a file of gpu/timings/ read whole. false, with a message in
 * err, when it holds no device or no bench line of each program. */
bool recorded_bench_parse(const char *text, RecordedBench *out, char *err /* [errlen] */, size_t errlen);

/* The line of fused AdamW (what "1" or "150") or of 8-bit Adam (what
 * "FP32", "BF16") at `params`; NULL if the run has none. */
const BenchLine *recorded_line(const RecordedBench *r, bool fused, long long params, const char *what);

/* The column of `kind` ("first", "fast", "fast+SR") in line; NULL if none. */
const KernelTiming *line_kernel(const BenchLine *line, const char *kind);

/* File `name` of directory `dir` read whole (free it); NULL if it cannot be. */
char *recorded_file_read(const char *dir, const char *name);

/* An Nsight Compute report's number for `name`: the last number on the
 * first line whose text, after leading spaces, starts with name (its
 * thousands' commas dropped); NAN when no line does. */
double ncu_metric(const char *report, const char *name);

#endif
