/* bank_conflicts.c - shared-memory bank conflicts of the 8-bit Adam
 * kernels' table reads, counted on the CPU (see bank_conflicts.h). */
#include "bank_conflicts.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "quantize.h"

enum { BLOCK = 256 };   /* 8-bit Adam's block, one thread block of the kernels */

/* snippet: warp_bank_ways, shown in 13_gpu */
int warp_bank_ways(const int index[WARP_SIZE])
{
    int ways = 0;
    for (int bank = 0; bank < SHARED_BANKS; bank++) {
        /* The distinct entries of this bank that the warp asks for. */
        int distinct = 0;
        for (int t = 0; t < WARP_SIZE; t++) {
            if (index[t] % SHARED_BANKS != bank) continue;
            bool seen = false;
            for (int u = 0; u < t && !seen; u++) seen = index[u] == index[t];
            distinct += !seen;
        }
        if (distinct > ways) ways = distinct;
    }
    return ways;
}
/* end snippet */

uint8_t quantize_nearest_probes(const float *code /* [256] */, float x, bool is_signed,
                                int probe[SEARCH_PROBES])
{
    /* quantize_nearest's walk, step for step, writing down each read: a
     * copy, because the search itself (lesson 10, and the kernels) should
     * not carry a tracing argument; test_bank_conflicts.c holds the copy
     * to the search on every code and midpoint and 20 000 other values. */
    int pivot = 127, lower_pivot = 0, upper_pivot = 255, reads = 0;
    float lower = is_signed ? -1.0f : 0.0f, upper = 1.0f;
    probe[reads++] = pivot;
    float value = code[pivot];
    for (int jump = 64; jump > 0; jump /= 2) {
        if (x > value) {
            lower_pivot = pivot, lower = value;
            pivot += jump;
        } else {
            upper_pivot = pivot, upper = value;
            pivot -= jump;
        }
        probe[reads++] = pivot;
        value = code[pivot];
    }
    if (x > value) return (uint8_t)(x > (upper + value) * 0.5f ? upper_pivot : pivot);
    return (uint8_t)(x < (lower + value) * 0.5f ? lower_pivot : pivot);
}

/* Lesson 10's running maximum of magnitudes: a NaN is passed over. */
static float larger_magnitude(float max, float s)
{
    const float m = fabsf(s);
    return m > max ? m : max;
}

/* Where entry j lies (bank_conflicts.h). */
static int placed(TableLayout table, int j)
{
    return table == TABLE_PADDED ? j + j / SHARED_BANKS : j;
}

/* The element that thread t of warp w reads at its lookup e (bank_conflicts.h). */
static int element_of(ThreadLayout layout, int w, int t, int e)
{
    return layout == LAYOUT_FIRST ? w * WARP_SIZE + t : 4 * (w * WARP_SIZE + t) + e;
}

void bank_conflicts_count(const float *grad /* [n] */, const uint8_t *state1 /* [n] */,
                          const uint8_t *state2 /* [n] */, const float *absmax1 /* [blocks] */,
                          const float *absmax2 /* [blocks] */, size_t n,
                          const float *qmap1 /* [256] signed */,
                          const float *qmap2 /* [256] unsigned */, const AdamStepConstants *k,
                          ThreadLayout layout, TableLayout table, BankCounts *out)
{
    memset(out, 0, sizeof *out);
    const float *qmap[2] = {qmap1, qmap2};
    const int warps = layout == LAYOUT_FIRST ? BLOCK / WARP_SIZE : BLOCK / 4 / WARP_SIZE;
    const int lookups = layout == LAYOUT_FIRST ? 1 : 4;
    for (size_t b = 0; b < quantize_num_blocks(n, BLOCK); b++) {
        /* The block's step, as every thread of a thread block takes it. */
        int old_code[2][BLOCK];
        float s[2][BLOCK], new_absmax[2] = {-FLT_MAX, -FLT_MAX};
        for (int j = 0; j < BLOCK; j++) {
            const size_t i = b * BLOCK + (size_t)j;
            const bool real = i < n;
            const uint8_t c1 = real ? state1[i] : 128, c2 = real ? state2[i] : 0;
            old_code[0][j] = c1, old_code[1][j] = c2;
            adam8bit_element(k, real ? grad[i] : 0.0f, c1, c2, absmax1[b], absmax2[b], qmap1, qmap2,
                             &s[0][j], &s[1][j]);
            for (int m = 0; m < 2; m++) new_absmax[m] = larger_magnitude(new_absmax[m], s[m][j]);
        }
        /* Each warp-wide read of each table. */
        for (int w = 0; w < warps; w++) {
            for (int e = 0; e < lookups; e++) {
                for (int m = 0; m < 2; m++) {
                    int index[WARP_SIZE], probes[WARP_SIZE][SEARCH_PROBES], found[WARP_SIZE];
                    for (int t = 0; t < WARP_SIZE; t++) {
                        const int j = element_of(layout, w, t, e);
                        index[t] = placed(table, old_code[m][j]);
                        found[t] = placed(table, quantize_nearest_probes(qmap[m], s[m][j] / new_absmax[m],
                                                                         m == 0, probes[t]));
                    }
                    /* m's sign fix reads code[q] of the code found */
                    if (m == 0) out->sign_ways += warp_bank_ways(found);
                    out->dequantize_ways[m] += warp_bank_ways(index);
                    for (int p = 0; p < SEARCH_PROBES; p++) {
                        bool one_entry = true;
                        for (int t = 0; t < WARP_SIZE; t++) {
                            index[t] = placed(table, probes[t][p]);
                            one_entry = one_entry && index[t] == index[0];
                        }
                        out->search_ways[m][p] += warp_bank_ways(index);
                        out->search_broadcast[m][p] += one_entry;
                    }
                }
                out->reads++;
            }
        }
    }
    if (out->reads > 0) out->sign_ways /= (double)out->reads;
    for (int m = 0; m < 2 && out->reads > 0; m++) {
        out->dequantize_ways[m] /= (double)out->reads;
        for (int p = 0; p < SEARCH_PROBES; p++) {
            out->search_ways[m][p] /= (double)out->reads;
            out->search_broadcast[m][p] /= (double)out->reads;
        }
    }
}
