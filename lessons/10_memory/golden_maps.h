/* golden_maps.h - tests/golden/adam8bit_maps.txt, the NumPy port's maps and
 * quantize cases (tools/adam8bit_reference.py, a port of bitsandbytes'
 * kernels), read once for the lesson's tests and for the grader of
 * exercises/10_memory. The file:
 *
 *     map signed|unsigned <256 numbers>
 *     quantize NAME signed|unsigned BLOCK_SIZE N
 *     input <N> / codes <N> / absmax <ceil(N / BLOCK_SIZE)> / dequant <N>
 *     end */
#ifndef LESSON_GOLDEN_MAPS_H
#define LESSON_GOLDEN_MAPS_H

#include <stdbool.h>
#include <stddef.h>

#include "quantize.h"

enum { MAPS_MAX_CASES = 16 };

/* One quantize case: numbers, the port's codes for them (as floats), the
 * absmax of each block and what the codes dequantize to. */
typedef struct {
    char name[64];
    bool is_signed;
    size_t block_size, n;
    float *input, *codes, *dequant;   /* [n] each */
    float *absmax;                    /* [ceil(n / block_size)] */
} QuantizeCase;

typedef struct {
    float map[2][QMAP_SIZE];   /* [0] signed, [1] unsigned */
    int count;
    QuantizeCase cases[MAPS_MAX_CASES];
} MapsFile;

/* Reads the file in golden_dir(): 0, or -1 with the reason in err (then
 * nothing is left to free). Both maps and at least one whole case, or -1. */
int maps_file_load(MapsFile *f, char *err, size_t err_len);
void maps_file_free(MapsFile *f);

#endif
