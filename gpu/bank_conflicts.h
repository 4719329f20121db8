/* bank_conflicts.h - the GPU chapter's look at shared memory: how many
 * ways the warps of the 8-bit Adam kernels (gpu/adam8bit.cu) conflict when
 * they read the 256-entry code tables, counted on the CPU from the very
 * lookups the kernels make.
 *
 * Shared memory is cut into 32 banks of 4 bytes: float entry j of a table
 * lies in bank j mod 32. A warp's 32 threads read at once; each bank serves
 * one address per cycle, and threads that read the same address share the
 * read (a broadcast). So a warp-wide read takes as many passes ("ways") as
 * the most distinct addresses any one bank is asked for: 1 when it is
 * conflict-free, 32 at worst. */
#ifndef GPU_BANK_CONFLICTS_H
#define GPU_BANK_CONFLICTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "adam8bit_kernel.h"

#define WARP_SIZE 32
#define SHARED_BANKS 32      /* of 4 bytes each */
#define SEARCH_PROBES 8      /* the table reads of one quantize_nearest */

/* The ways of one warp-wide read of table[index[t]], t = 0..31, of 4-byte
 * entries. */
int warp_bank_ways(const int index[WARP_SIZE]);

/* quantize_nearest (lesson 10) that also writes the 8 entries it reads, in
 * order: code[127], then one after each jump of 64, 32, ..., 1. Returns the
 * same index as quantize_nearest. */
uint8_t quantize_nearest_probes(const float *code /* [256] */, float x, bool is_signed,
                                int probe[SEARCH_PROBES]);

/* Which elements of a block of 256 a warp's lookup reads at one time.
 *   LAYOUT_FIRST  adam8bit_first: thread t steps element t, so warp w reads
 *                 elements 32w .. 32w + 31 (8 warps, one lookup each);
 *   LAYOUT_FAST   adam8bit_fast: thread t steps elements 4t .. 4t + 3, one
 *                 after another, so warp w reads elements 4(32w + t) + e for
 *                 e = 0, 1, 2, 3 (2 warps, four lookups each). */
typedef enum { LAYOUT_FIRST, LAYOUT_FAST } ThreadLayout;

/* Where entry j of a code table lies in shared memory: at j (as the
 * kernels store it), or padded, at j + j / 32 (one unused float after every
 * 32 entries, 264 floats in all), so that entries 32 apart fall in
 * neighbouring banks rather than one. */
typedef enum { TABLE_PLAIN, TABLE_PADDED } TableLayout;

/* Mean ways over every warp-wide read of one step; [0] the signed map
 * (exp_avg's codes), [1] the unsigned map (exp_avg_sq's). */
typedef struct {
    long reads;                                  /* warp-wide reads of each table, per probe */
    double dequantize_ways[2];                   /* code[c]: the old codes dequantized */
    double search_ways[2][SEARCH_PROBES];        /* each probe of the requantization search */
    double search_broadcast[2][SEARCH_PROBES];   /* share of reads where the whole warp read one entry */
    double sign_ways;                            /* code[q] of m's sign fix (quantize_state1), after the search */
} BankCounts;

/* One step of 8-bit Adam over a tensor of n elements (blocks of 256, its
 * codes and absmax as lesson 10 keeps them), as a kernel with `layout` takes
 * it: each element's moments from adam8bit_element, each block's new absmax,
 * each new code by quantize_nearest_probes, then m's sign fix, which reads
 * the code found once more (sign_kept); the tables' reads, their
 * entries placed as `table` says, counted into *out. Changes nothing. Past the end of the tensor, the kernels' padding
 * (gradient 0, codes 128 and 0). */
void bank_conflicts_count(const float *grad /* [n] */, const uint8_t *state1 /* [n] */,
                          const uint8_t *state2 /* [n] */, const float *absmax1 /* [blocks] */,
                          const float *absmax2 /* [blocks] */, size_t n,
                          const float *qmap1 /* [256] signed */,
                          const float *qmap2 /* [256] unsigned */, const AdamStepConstants *k,
                          ThreadLayout layout, TableLayout table, BankCounts *out);

#endif
