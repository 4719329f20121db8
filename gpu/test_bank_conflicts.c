/* test_bank_conflicts.c - the bank-conflict count: the ways of warp reads
 * worked out by hand, the search's reads against lesson 10's search, and
 * whole steps whose codes make a known pattern. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bank_conflicts.h"
#include "quantize.h"
#include "rng.h"
#include "testing.h"

/* Warp reads whose ways follow from the rule (the most distinct entries
 * one bank of 32 is asked for), by hand. */
static const struct {
    const char *what;
    int ways;
} WAYS_CASES[] = {
    {"every thread reads entry 7: one broadcast", 1},
    {"thread t reads entry t: one entry a bank", 1},
    {"thread t reads entry 32 t: 32 entries of bank 0", 32},
    {"thread t reads entry 2 t: banks 0, 2, ..., 30 two entries each", 2},
    {"thread t reads entry 32 (t mod 4): 4 entries of bank 0", 4},
    {"31 threads read 127, one 255: bank 31 serves both", 2},
    {"thread t reads entry t + 224 (t < 16) or t: no bank twice", 1},
};

static void ways_case(int c, int index[WARP_SIZE])
{
    for (int t = 0; t < WARP_SIZE; t++) {
        const int cases[] = {7, t, 32 * t, 2 * t, 32 * (t % 4), t == 5 ? 255 : 127, t < 16 ? t + 224 : t};
        index[t] = cases[c];
    }
}

START_TEST(test_warp_bank_ways_by_hand)
{
    for (int c = 0; c < (int)(sizeof WAYS_CASES / sizeof WAYS_CASES[0]); c++) {
        int index[WARP_SIZE];
        ways_case(c, index);
        ck_assert_msg(warp_bank_ways(index) == WAYS_CASES[c].ways, "%s: %d ways, not %d", WAYS_CASES[c].what,
                      warp_bank_ways(index), WAYS_CASES[c].ways);
    }
}
END_TEST

/* The probing search returns quantize_nearest's code, starts at 127, and
 * each read is the jump away from the one before: on every code, every
 * midpoint, special values and random ones, of both dynamic maps. */
START_TEST(test_probes_are_the_search)
{
    for (int m = 0; m < 2; m++) {
        float code[QMAP_SIZE];
        create_dynamic_map(m == 0, code);
        Rng rng;
        rng_seed(&rng, 3, 0);
        float xs[4 * QMAP_SIZE + 20000];
        int count = 0;
        const float special[] = {0.0f, -0.0f, 1.0f, -1.0f, NAN, INFINITY, -INFINITY, 1e-30f, -1e-30f};
        for (size_t k = 0; k < sizeof special / sizeof special[0]; k++) xs[count++] = special[k];
        for (int q = 0; q < QMAP_SIZE; q++) {
            xs[count++] = code[q];
            if (q + 1 < QMAP_SIZE) xs[count++] = 0.5f * (code[q] + code[q + 1]);
        }
        while (count < (int)(sizeof xs / sizeof xs[0])) {
            const float u = (float)rng_uniform(&rng);
            xs[count++] = (m == 0 ? 2.0f * u - 1.0f : u) * powf(10.0f, -4.0f * (float)rng_uniform(&rng));
        }
        for (int k = 0; k < count; k++) {
            int probe[SEARCH_PROBES];
            const uint8_t q = quantize_nearest_probes(code, xs[k], m == 0, probe);
            ck_assert_msg(q == quantize_nearest(code, xs[k], m == 0), "x = %a: %d, not the search's %d", xs[k], q,
                          quantize_nearest(code, xs[k], m == 0));
            ck_assert_int_eq(probe[0], 127);
            for (int p = 1; p < SEARCH_PROBES; p++) ck_assert_int_eq(abs(probe[p] - probe[p - 1]), 128 >> p);
        }
    }
}
END_TEST

/* A tensor of `blocks` blocks (plus `extra` elements) whose old m codes
 * are code_of(j) at position j of its block, gradient 0: the dequantize
 * reads' ways depend on the layout only. */
static void patterned_counts(int extra, int (*code_of)(int), ThreadLayout layout, TableLayout table,
                             BankCounts *out)
{
    enum { BLOCKS = 3 };
    const size_t n = BLOCKS * 256 + (size_t)extra;
    static float grad[BLOCKS * 256 + 256], absmax[BLOCKS + 1];
    static uint8_t state1[BLOCKS * 256 + 256], state2[BLOCKS * 256 + 256];
    float qmap1[QMAP_SIZE], qmap2[QMAP_SIZE];
    create_dynamic_map(true, qmap1), create_dynamic_map(false, qmap2);
    for (size_t i = 0; i < n; i++) grad[i] = 0.0f, state1[i] = (uint8_t)code_of((int)(i % 256)), state2[i] = 0;
    for (int b = 0; b <= BLOCKS; b++) absmax[b] = 1.0f;
    const AdamStepConstants k = adam_step_constants(1e-3f, 0.9f, 0.999f, 1e-8f, 0.0f, 2);
    bank_conflicts_count(grad, state1, state2, absmax, absmax, n, qmap1, qmap2, &k, layout, table, out);
}

static int eight_in_bank0(int j)   /* (j mod 8) * 32: thread t of a first-layout warp reads 32 (t mod 8) */
{
    return (j % 8) * 32;
}

static int same_code(int j)
{
    (void)j;
    return 200;
}

START_TEST(test_layouts_change_the_ways)
{
    BankCounts first, fast;
    patterned_counts(0, eight_in_bank0, LAYOUT_FIRST, TABLE_PLAIN, &first);
    patterned_counts(0, eight_in_bank0, LAYOUT_FAST, TABLE_PLAIN, &fast);
    /* first: the warp reads elements 32w + t, codes 32 (t mod 8): 8 entries
     * of bank 0. fast: at lookup e it reads elements 4(32w + t) + e, codes
     * 32 ((4t + e) mod 8): two entries, e and 4 + e, times 32. */
    ck_assert_double_eq_tol(first.dequantize_ways[0], 8.0, 1e-12);
    ck_assert_double_eq_tol(fast.dequantize_ways[0], 2.0, 1e-12);
    /* v's codes are all 0: one broadcast either way. */
    ck_assert_double_eq_tol(first.dequantize_ways[1], 1.0, 1e-12);
    ck_assert_double_eq_tol(fast.dequantize_ways[1], 1.0, 1e-12);
    /* 8 warp reads a block either way (8 warps x 1, 2 warps x 4), 3 blocks. */
    ck_assert_int_eq(first.reads, 24);
    ck_assert_int_eq(fast.reads, 24);
}
END_TEST

START_TEST(test_one_code_is_one_broadcast)
{
    BankCounts c;
    patterned_counts(10, same_code, LAYOUT_FAST, TABLE_PLAIN, &c);   /* a short fourth block, the padding's codes */
    ck_assert_int_eq(c.reads, 32);
    /* The search's first read is code[127] for every thread: a broadcast. */
    for (int m = 0; m < 2; m++) {
        ck_assert_double_eq_tol(c.search_broadcast[m][0], 1.0, 1e-12);
        ck_assert_double_eq_tol(c.search_ways[m][0], 1.0, 1e-12);
    }
    /* Every real element has the same m, so every search of m walks one
     * path, but the padding's (code 128, gradient 0) may walk another. */
    ck_assert(c.search_broadcast[0][SEARCH_PROBES - 1] >= 28.0 / 32.0);   /* all but warp 0 of the last block */
}
END_TEST

/* Padding the table moves entries 32 apart into different banks: the
 * first layout's codes 0, 32, ..., 224 (8 ways plain) land in banks 0, 1,
 * ..., 7; and the search's second and third reads, always 63 or 191, then
 * one of 31, 95, 159, 223 (bank 31 plain: 2 and up to 4 ways), never
 * conflict. */
START_TEST(test_padding_spreads_the_banks)
{
    BankCounts plain, padded;
    patterned_counts(0, eight_in_bank0, LAYOUT_FIRST, TABLE_PLAIN, &plain);
    patterned_counts(0, eight_in_bank0, LAYOUT_FIRST, TABLE_PADDED, &padded);
    ck_assert_double_eq_tol(plain.dequantize_ways[0], 8.0, 1e-12);
    ck_assert_double_eq_tol(padded.dequantize_ways[0], 1.0, 1e-12);
    for (int p = 1; p <= 2; p++) ck_assert_double_eq_tol(padded.search_ways[0][p], 1.0, 1e-12);
}
END_TEST

void add_bank_conflicts_tests(TCase *core, TCase *limits)
{
    tcase_add_test(core, test_warp_bank_ways_by_hand);
    tcase_add_test(core, test_probes_are_the_search);
    tcase_add_test(core, test_layouts_change_the_ways);
    tcase_add_test(core, test_padding_spreads_the_banks);
    tcase_add_test(limits, test_one_code_is_one_broadcast);
}
