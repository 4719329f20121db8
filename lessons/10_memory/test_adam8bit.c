/* test_adam8bit.c - lesson 10's tests of 8-bit blockwise Adam: the dynamic
 * maps (every entry against the NumPy port, and the facts the chapter
 * states), quantization (codes, scales and round trips against the port;
 * the error bound of every code; the tie and sign rules), the first step by
 * hand, the port's golden trajectories, non-finite gradients, the 32-bit
 * path under min_8bit_size, the state's bytes, bitsandbytes' defaults and
 * refusals. Its tests join the lesson's suite through add_adam8bit_tests()
 * (see test_lesson10.c). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adam.h"
#include "adam8bit.h"
#include "adam8bit_kernel.h"
#include "golden_maps.h"
#include "quantize.h"
#include "rng.h"
#include "testing.h"

void add_adam8bit_tests(TCase *core, TCase *limits);

/* tests/golden/adam8bit.txt and adam8bit_maps.txt come from
 * tools/adam8bit_reference.py, a NumPy port of bitsandbytes' kernels written
 * apart from this code, doing the same float32 operations in the same order
 * (powf from the same C library). Measured on x86-64 with gcc and clang:
 * every map entry, code, absmax, parameter and 32-bit moment bit for bit.
 * Allowed here:
 * - the maps, codes and quantize/dequantize results: exactly (a code is a
 *   decision; one flipped code is a real difference);
 * - the trajectories' parameters and float states (absmax, 32-bit moments):
 *   5 ulp (6e-7) of their scale, so that another C library's powf (the
 *   bias corrections, an ulp off) still passes; codes compared at that
 *   tolerance must still be equal, as 255 * 6e-7 < 1. (A powf an ulp off
 *   could in principle move an s / absmax across a midpoint and flip one
 *   code: then this tolerance would need a new measurement.) */
#define GOLDEN_RTOL 6e-7

/* Worked numbers in double against float32 code: a few roundings each. */
#define HAND_RTOL 2e-6

static Adam8bitConfig config8(int block_size)
{
    Adam8bitConfig cfg = ADAM8BIT_DEFAULTS;
    cfg.min_8bit_size = 0;
    cfg.block_size = block_size;
    return cfg;
}

/* The index of the code value nearest x, by looking at every one (the
 * lowest of two equally near): independent of the binary search. */
/* The two dynamic maps with their indexes, as adam8bit_new builds them
 * (on the heap: each index is 64 KB). */
typedef struct {
    QuantMap m1, m2;   /* signed, for state1; unsigned, for state2 */
} Maps;

static Maps *dynamic_maps(void)
{
    Maps *maps = malloc(sizeof *maps);
    ck_assert_ptr_nonnull(maps);
    float code[QMAP_SIZE];
    create_dynamic_map(true, code), quantize_map_init(&maps->m1, code, true);
    create_dynamic_map(false, code), quantize_map_init(&maps->m2, code, false);
    return maps;
}

static int brute_nearest(const float *code, float x)
{
    int best = 0;
    for (int k = 1; k < QMAP_SIZE; k++)
        if (fabs((double)code[k] - x) < fabs((double)code[best] - x)) best = k;
    return best;
}

/* ---- the maps ------------------------------------------------------------------------- */

START_TEST(test_dynamic_map_facts)
{
    float s[QMAP_SIZE], u[QMAP_SIZE];
    create_dynamic_map(true, s);
    create_dynamic_map(false, u);
    /* Signed: 0 at index 127, +1 at 255, no -1: the lowest is -0.99296875
     * (the midpoint of 0.9859375 and 1, the last interval of decade 6). */
    ck_assert(s[127] == 0.0f && s[255] == 1.0f);
    ck_assert(s[0] == -0.99296875f && s[254] == 0.99296875f);
    /* The smallest positive: 1e-6 times the first midpoint of
     * linspace(0.1, 1, 2), 0.55, in float32 (5.5000004e-07). */
    ck_assert(s[128] == (float)1e-6 * 0.55f);
    ck_assert_close(s[128], 5.5e-7, 0, 1e-6);
    /* Unsigned: 0 at index 0, 1 at 255; the smallest positive 1e-6 times the
     * first midpoint of linspace(0.1, 1, 3), 0.325. */
    ck_assert(u[0] == 0.0f && u[255] == 1.0f);
    ck_assert_close(u[1], 3.25e-7, 0, 1e-6);
    for (int k = 1; k < QMAP_SIZE; k++) {
        ck_assert_msg(s[k - 1] < s[k], "signed map not increasing at %d", k);
        ck_assert_msg(u[k - 1] < u[k], "unsigned map not increasing at %d", k);
    }
    /* Symmetric about 0 but for the extra +1: s[k] = -s[254 - k]. */
    for (int k = 0; k < 127; k++) ck_assert(s[k] == -s[254 - k]);
    /* Per decade [10^(i-7), 10^(i-6)): 2^i values of each sign, or 2^(i+1). */
    for (int i = 0; i < 7; i++) {
        int pos = 0, neg = 0, upos = 0;
        double lo = pow(10, i - 7), hi = pow(10, i - 6);
        for (int k = 0; k < QMAP_SIZE; k++) {
            pos += s[k] >= lo && s[k] < hi;
            neg += -s[k] >= lo && -s[k] < hi;
            upos += u[k] >= lo && u[k] < hi;
        }
        ck_assert_int_eq(pos, 1 << i);
        ck_assert_int_eq(neg, 1 << i);
        ck_assert_int_eq(upos, 1 << (i + 1));
    }
}
END_TEST

START_TEST(test_moments_in_each_kernels_order)
{
    /* The 8-bit kernel multiplies (1 - beta2) * g by g, the 32-bit kernel
     * (1 - beta2) by g * g: at g = 1.1, beta2 = 0.999 the two orders differ
     * by an ulp, and each function must take its own (the golden files
     * allow a few ulp, so only this tells them apart). */
    const AdamStepConstants k = adam_step_constants(1e-3f, 0.9f, 0.999f, 1e-8f, 0.0f, 1);
    const float g = 1.1f, one_minus_beta2 = 1.0f - 0.999f;
    const float left = one_minus_beta2 * g * g, squared_first = one_minus_beta2 * (g * g);
    ck_assert_float_ne(left, squared_first);
    float s1 = 0.0f, s2 = 0.0f;
    adam8bit_moments(&k, g, &s1, &s2);
    ck_assert_float_eq(s2, left);
    ck_assert_float_eq(s1, (1.0f - 0.9f) * g);
    s1 = 0.0f, s2 = 0.0f;
    adam32bit_moments(&k, g, &s1, &s2);
    ck_assert_float_eq(s2, squared_first);
    ck_assert_float_eq(s1, (1.0f - 0.9f) * g);
}
END_TEST

START_TEST(test_linspace_as_torch)
{
    /* The ends exactly, the middle of 3 points by hand: step = 0.45 in
     * float32, 0.1f + 0.45f rounded once. */
    float x[129];
    torch_linspace_f32(0.1f, 1.0f, 3, x);
    ck_assert(x[0] == 0.1f && x[2] == 1.0f);
    ck_assert(x[1] == (float)((double)0.1f + (double)((1.0f - 0.1f) / 2.0f)));
    torch_linspace_f32(0.1f, 1.0f, 129, x);
    ck_assert(x[0] == 0.1f && x[128] == 1.0f);
    /* The second half counts down from the end: x[127] = 1 - step. */
    const float step = (1.0f - 0.1f) / 128.0f;
    ck_assert(x[127] == (float)(1.0 - (double)step));
    ck_assert(x[64] == (float)(1.0 - 64.0 * step));
    ck_assert(x[63] == (float)(0.1f + 63.0 * step));
}
END_TEST

/* The maps file, read by golden_maps.c; a test fails on a file it cannot read. */
static void load_maps(MapsFile *f)
{
    char err[600];
    ck_assert_msg(maps_file_load(f, err, sizeof err) == 0, "%s", err);
}

/* The port's maps are, bit for bit, what torch 2.11 gave for
 * create_dynamic_map's own code on an AVX-512 CPU (measured once; see
 * tools/adam8bit_reference.py). */
START_TEST(test_maps_match_the_port)
{
    MapsFile f;
    load_maps(&f);
    float s[QMAP_SIZE], u[QMAP_SIZE];
    create_dynamic_map(true, s);
    create_dynamic_map(false, u);
    for (int k = 0; k < QMAP_SIZE; k++) {
        ck_assert_msg(s[k] == f.map[0][k], "signed[%d] = %.9g, the port %.9g", k, s[k], f.map[0][k]);
        ck_assert_msg(u[k] == f.map[1][k], "unsigned[%d] = %.9g, the port %.9g", k, u[k], f.map[1][k]);
    }
    maps_file_free(&f);
}
END_TEST

START_TEST(test_quantize_matches_the_port)
{
    MapsFile f;
    load_maps(&f);
    for (int c = 0; c < f.count; c++) {
        const char *name = f.cases[c].name;
        float code[QMAP_SIZE];
        create_dynamic_map(f.cases[c].is_signed, code);
        size_t n = f.cases[c].n, block = f.cases[c].block_size;
        size_t blocks = quantize_num_blocks(n, block);
        uint8_t *q = malloc(n);
        float *absmax = malloc(blocks * sizeof *absmax), *back = malloc(n * sizeof *back);
        ck_assert(q && absmax && back);
        quantize_blockwise(code, f.cases[c].is_signed, f.cases[c].input, n, block, absmax, q);
        dequantize_blockwise(code, q, absmax, n, block, back);
        for (size_t i = 0; i < n; i++) {
            ck_assert_msg(q[i] == f.cases[c].codes[i], "%s: code[%zu] = %d, the port %g", name, i,
                          q[i], f.cases[c].codes[i]);
            ck_assert_msg(back[i] == f.cases[c].dequant[i], "%s: dequant[%zu] = %.9g, the port %.9g",
                          name, i, back[i], f.cases[c].dequant[i]);
        }
        for (size_t b = 0; b < blocks; b++)
            ck_assert_msg(absmax[b] == f.cases[c].absmax[b], "%s: absmax[%zu]", name, b);
        free(q), free(absmax), free(back);
    }
    maps_file_free(&f);
}
END_TEST

/* ---- quantization's rules -------------------------------------------------------------- */

START_TEST(test_round_trip_error_per_code)
{
    /* x / absmax between the midpoints around its code comes back within
     * half the gap to the neighbour on its side, times absmax (the code's
     * own resolution: 1e-7 near 0, 0.007 near 1). Numbers over 7 decades
     * and both signs, each block's absmax 3. For the signed map's lowest
     * code the neighbour below is -1 (x = -absmax is its worst case). */
    for (int m = 0; m < 2; m++) {
        bool is_signed = m == 0;
        float code[QMAP_SIZE];
        create_dynamic_map(is_signed, code);
        enum { N = 4096, BLOCK = 64 };
        static float x[N], back[N], absmax[N / BLOCK];
        static uint8_t q[N];
        uint64_t state = 12345;
        for (int i = 0; i < N; i++) {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            double u = (double)(state >> 11) / 9007199254740992.0;       /* [0, 1) */
            double mag = 3.0 * pow(10.0, -8.0 * u);                         /* 3e-8 .. 3 */
            x[i] = (float)(is_signed && (state >> 7 & 1) ? -mag : mag);
        }
        for (int b = 0; b < N / BLOCK; b++) x[b * BLOCK] = is_signed && b % 2 ? -3.0f : 3.0f;
        quantize_blockwise(code, is_signed, x, N, BLOCK, absmax, q);
        dequantize_blockwise(code, q, absmax, N, BLOCK, back);
        for (int i = 0; i < N; i++) {
            ck_assert(absmax[i / BLOCK] == 3.0f);
            int k = q[i];
            float below = k > 0 ? code[k - 1] : code[0], above = k < 255 ? code[k + 1] : 1.0f;
            double gap = x[i] / 3.0 > code[k] ? above - code[k] : code[k] - below;
            /* The signed map has no -1: below its lowest code (-0.99296875)
             * a number comes back as that code, as much as 0.7% of absmax
             * smaller in size (x = -absmax is the worst). */
            if (x[i] / 3.0 < code[0]) gap = 2.0 * (code[0] - x[i] / 3.0);
            /* + 1e-6 relative: x * (1/3) and code * 3 round (an ulp each). */
            ck_assert_msg(fabs((double)back[i] - x[i]) <= 0.5 * gap * 3.0 + 1e-6 * fabs(x[i]) + 1e-12,
                          "x = %.9g came back %.9g (code %d)", x[i], back[i], k);
            /* ... and it is the nearest code (ties aside, which these are not). */
            ck_assert_int_eq(k, brute_nearest(code, x[i] * (1.0f / 3.0f)));
        }
    }
}
END_TEST

START_TEST(test_map_index_finds_what_the_search_finds)
{
    /* quantize_map_nearest, two lookups, against bitsandbytes' search on
     * the four maps: at every code and every midpoint, a float either side
     * of each, the special values, and two million floats of random bits
     * (NaNs and infinities among them). */
    const float special[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, -NAN, FLT_MIN, -FLT_MIN,
                             1e-45f, -1e-45f, FLT_MAX, -FLT_MAX, 1.0f, -1.0f, 2.0f, -2.0f};
    QuantMap *map = malloc(sizeof *map);
    ck_assert_ptr_nonnull(map);
    Rng rng;
    rng_seed(&rng, 10, 1);
    for (int m = 0; m < 4; m++) {
        const bool is_signed = m % 2 == 0;
        float code[QMAP_SIZE];
        if (m < 2) create_dynamic_map(is_signed, code);
        else create_linear_map(is_signed, code);
        quantize_map_init(map, code, is_signed);
        ck_assert_msg(map->indexed, "map %d has two codes in one bucket", m);
        float probes[QMAP_SIZE * 9];
        for (int k = 0; k < QMAP_SIZE; k++) {
            const float mid = k + 1 < QMAP_SIZE ? (code[k] + code[k + 1]) * 0.5f : code[k];
            const float at[3] = {code[k], mid, -mid};
            for (int j = 0; j < 3; j++) {
                probes[9 * k + 3 * j] = at[j];
                probes[9 * k + 3 * j + 1] = nextafterf(at[j], -INFINITY);
                probes[9 * k + 3 * j + 2] = nextafterf(at[j], INFINITY);
            }
        }
        for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
            ck_assert_int_eq(quantize_map_nearest(map, probes[i]),
                             quantize_nearest(code, probes[i], is_signed));
        for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
            ck_assert_int_eq(quantize_map_nearest(map, special[i]),
                             quantize_nearest(code, special[i], is_signed));
        for (int i = 0; i < 2000000; i++) {
            const uint32_t bits = rng_u32(&rng);
            float x;
            memcpy(&x, &bits, sizeof x);
            if (i % 2) {   /* half of them in [-1, 1], where the states' ratios fall */
                x = ldexpf((float)rng_uniform(&rng), -(int)(bits % 30));
                x = bits >> 31 ? -x : x;
            }
            ck_assert_int_eq(quantize_map_nearest(map, x), quantize_nearest(code, x, is_signed));
        }
    }
    free(map);
}
END_TEST

START_TEST(test_map_too_fine_for_the_index_searches)
{
    /* 256 codes within 1/128 of each other, all in a few buckets: the index
     * cannot hold them, says so, and the map searches instead. */
    QuantMap *map = malloc(sizeof *map);
    ck_assert_ptr_nonnull(map);
    float code[QMAP_SIZE];
    for (int k = 0; k < QMAP_SIZE; k++) code[k] = 0.5f + (float)k * 0x1p-24f;
    quantize_map_init(map, code, false);
    ck_assert(!map->indexed);
    for (int k = 0; k < QMAP_SIZE; k++)
        ck_assert_int_eq(quantize_map_nearest(map, code[k]), quantize_nearest(code, code[k], false));
    free(map);
}
END_TEST

START_TEST(test_ties_stay_on_the_even_index)
{
    /* The search ends on an even index, 127 + (+-64 +-32 ... +-1), and a
     * number exactly on the midpoint of two codes stays there. */
    for (int m = 0; m < 2; m++) {
        float code[QMAP_SIZE];
        create_dynamic_map(m == 0, code);
        for (int k = 0; k + 1 < QMAP_SIZE; k++) {
            float mid = (code[k] + code[k + 1]) * 0.5f;
            if (!(mid > code[k] && mid < code[k + 1])) continue;   /* not between: no tie */
            int q = quantize_nearest(code, mid, m == 0);
            ck_assert_msg(q == (k % 2 == 0 ? k : k + 1), "%s midpoint %d|%d went to %d",
                          m == 0 ? "signed" : "unsigned", k, k + 1, q);
        }
        /* The values themselves come back as themselves. */
        for (int k = 0; k < QMAP_SIZE; k++) ck_assert_int_eq(quantize_nearest(code, code[k], m == 0), k);
    }
}
END_TEST

START_TEST(test_first_moment_keeps_its_sign)
{
    float code[QMAP_SIZE];
    create_dynamic_map(true, code);
    /* A tiny negative m (below half the smallest code) is nearest 0, index
     * 127, but the sign fix moves it to -5.5e-7, index 126; a tiny positive
     * one may become 0. */
    ck_assert_int_eq(quantize_nearest(code, -1e-8f, true), 127);
    ck_assert_int_eq(quantize_state1(code, -1e-8f, 1.0f), 126);
    ck_assert(code[126] < 0.0f);
    ck_assert_int_eq(quantize_state1(code, 1e-8f, 1.0f), 127);
    ck_assert_int_eq(quantize_state1(code, 0.0f, 1.0f), 127);
    /* A block whose absmax is 0: 0 / 0 is NaN, which the search walks to
     * index 0 (-0.99); the sign fix then wraps it to 255 (+1), and 1 * 0
     * is still 0. The unsigned map's 0 is index 0. */
    ck_assert_int_eq(quantize_nearest(code, NAN, true), 0);
    ck_assert_int_eq(quantize_state1(code, 0.0f, 0.0f), 255);
    ck_assert(dequantize_code(code, 255, 0.0f) == 0.0f);
    float ucode[QMAP_SIZE];
    create_dynamic_map(false, ucode);
    ck_assert_int_eq(quantize_state2(ucode, 0.0f, 0.0f), 0);
    /* Every code keeps the sign of what it stores. */
    for (int k = 0; k < QMAP_SIZE; k++) {
        float m = code[k] * 0.7f;
        uint8_t q = quantize_state1(code, m, 1.0f);
        ck_assert_msg(m == 0.0f || (code[q] > 0) == (m > 0) || code[q] == 0.0f, "m = %g -> %g", m, code[q]);
        if (m < 0.0f) ck_assert(code[q] < 0.0f);
    }
}
END_TEST

/* ---- the first step by hand ---------------------------------------------------------- */

START_TEST(test_first_step_by_hand)
{
    /* One block of 4 from p = 1, defaults otherwise, g = [0.5, -0.25, 0, 2].
     * t = 1: m = 0.1 g, v = 0.001 g^2 (from 0), so absmax1 = 0.2 and
     * absmax2 = 0.004. correction1 = 0.1, correction2 = sqrt(0.001),
     * step_size = -1e-3 * sqrt(0.001) / 0.1, and
     * p = 1 + step_size * 0.1 g / (sqrt(0.001) |g| + sqrt(0.001) * 1e-8)
     *   = 1 - 1e-3 g / (|g| + 1e-8): each nonzero g moves p by 1e-3
     * against its sign (less 1e-8 relative), g = 0 not at all. */
    Adam8bitConfig cfg = config8(4);
    Maps *maps = dynamic_maps();
    const QuantMap *map1 = &maps->m1, *map2 = &maps->m2;
    const float *qmap1 = map1->code, *qmap2 = map2->code;
    float p[4] = {1, 1, 1, 1}, g[4] = {0.5f, -0.25f, 0.0f, 2.0f}, absmax1[1] = {0}, absmax2[1] = {0};
    uint8_t state1[4] = {0}, state2[4] = {0};
    adam8bit_update_blockwise(p, g, state1, state2, absmax1, absmax2, map1, map2, 4, 1, &cfg);
    /* The kernel takes the betas as float32: 1 - beta2 is 1 - 0.999f =
     * 0.00099998713, not 0.001 (1.3e-5 relative). */
    const double one_minus_beta1 = 1.0 - (double)0.9f, one_minus_beta2 = 1.0 - (double)0.999f;
    ck_assert_close(absmax1[0], one_minus_beta1 * 2, 0, HAND_RTOL);
    ck_assert_close(absmax2[0], one_minus_beta2 * 4, 0, HAND_RTOL);
    for (int i = 0; i < 4; i++) {
        double want = 1.0 - 1e-3 * g[i] / (fabs(g[i]) + 1e-8);
        ck_assert_close_msg("p", p[i], want, 0, HAND_RTOL);
        /* The codes: the nearest to m / absmax1 = g / 2 and v / absmax2 =
         * g^2 / 4 (found by looking at every code; v of g = 0.5 falls on a
         * midpoint, whose even index, kept by the search, is the lower). */
        ck_assert_int_eq(state1[i], brute_nearest(qmap1, g[i] / 2.0f));
        ck_assert_int_eq(state2[i], brute_nearest(qmap2, g[i] * g[i] / 4.0f));
    }
    /* The block's largest: exactly 1.0 in both maps. */
    ck_assert_int_eq(state1[3], 255);
    ck_assert_int_eq(state2[3], 255);
    /* t = 2 with g = 0: m = 0.9 m', v = 0.999 v' of the dequantized
     * moments; p moves by -1e-3 * (sqrt(1 - 0.999^2) / (1 - 0.9^2)) * m /
     * (sqrt(v) + correction2 eps). */
    double m[4], v[4], before[4];
    for (int i = 0; i < 4; i++) {
        m[i] = (double)0.9f * qmap1[state1[i]] * absmax1[0];
        v[i] = (double)0.999f * qmap2[state2[i]] * absmax2[0];
        before[i] = p[i];
    }
    float zero[4] = {0};
    adam8bit_update_blockwise(p, zero, state1, state2, absmax1, absmax2, map1, map2, 4, 2, &cfg);
    const double b1 = 0.9f, b2 = 0.999f, c1 = 1 - b1 * b1, c2 = sqrt(1 - b2 * b2);
    for (int i = 0; i < 4; i++) {
        double want = before[i] - 1e-3 * c2 / c1 * m[i] / (sqrt(v[i]) + c2 * 1e-8);
        ck_assert_close_msg("p at t = 2", p[i], want, 1e-9, HAND_RTOL);
    }
    ck_assert_close(absmax1[0], b1 * one_minus_beta1 * 2, 0, HAND_RTOL);
    free(maps);
}
END_TEST

/* ---- the golden trajectories --------------------------------------------------------- */

/* Every case, in the file's order, to GOLDEN_RTOL alone, and its steps. */
static const GoldenTolerance GOLDEN_CASES[] = {
    {"adam8bit_defaults", 0.0, GOLDEN_RTOL, 2},         {"adam8bit_block64", 0.0, GOLDEN_RTOL, 4},
    {"adam8bit_block2048", 0.0, GOLDEN_RTOL, 2},        {"adam8bit_weight_decay", 0.0, GOLDEN_RTOL, 3},
    {"adam8bit_tail", 0.0, GOLDEN_RTOL, 4},             {"adam8bit_zeros_and_scales", 0.0, GOLDEN_RTOL, 3},
    {"adam8bit_32bit", 0.0, GOLDEN_RTOL, 4},            {"adam8bit_32bit_decay", 0.0, GOLDEN_RTOL, 4},
    {"adam8bit_nonfinite", 0.0, GOLDEN_RTOL, 4},
};

START_TEST(test_golden_trajectories)
{
    const GoldenTolerance *t = &GOLDEN_CASES[_i];
    GoldenFile g;
    const GoldenCase *c = load_golden_tolerance_case("adam8bit.txt", t, &g);
    /* Every case records its states: the codes and absmax of an 8-bit one,
     * the moments of a 32-bit one. */
    ck_assert_int_ge(c->num_states, 2);
    check_golden_case(&ADAM8BIT_SPEC, c, t->atol, t->rtol);
    golden_free(&g);
}
END_TEST

START_TEST(test_every_golden_case_is_checked)
{
    /* A case added to tests/golden/adam8bit.txt gets a row here, or fails. */
    assert_every_golden_case_has_a_tolerance("adam8bit.txt", GOLDEN_CASES, TABLE_SIZE(GOLDEN_CASES), true);
}
END_TEST

START_TEST(test_golden_defaults)
{
    /* The defaults case replayed with no settings at all: ADAM8BIT_DEFAULTS
     * are the ones the port used (bitsandbytes'). */
    size_t numel = check_golden_defaults(&ADAM8BIT_SPEC, "adam8bit.txt", "adam8bit_defaults", 0, GOLDEN_RTOL);
    ck_assert_int_ge(numel, 4096);   /* at least min_8bit_size: it checked 8-bit states */
}
END_TEST

/* ---- non-finite gradients -------------------------------------------------------------- */

START_TEST(test_nonfinite_gradient_resets_its_element)
{
    Adam8bitConfig cfg = config8(8);
    Maps *maps = dynamic_maps();
    const QuantMap *map1 = &maps->m1, *map2 = &maps->m2;
    const float *qmap1 = map1->code;
    float p[16], g[16], absmax1[2] = {0}, absmax2[2] = {0};
    uint8_t state1[16] = {0}, state2[16] = {0};
    for (int i = 0; i < 16; i++) p[i] = 1.0f, g[i] = 0.1f * (i + 1);
    adam8bit_update_blockwise(p, g, state1, state2, absmax1, absmax2, map1, map2, 16, 1, &cfg);
    float after1[16];
    memcpy(after1, p, sizeof p);
    /* Step 2: a NaN, an inf and a -inf in block 0, all of block 1 NaN. */
    g[1] = NAN, g[4] = INFINITY, g[6] = -INFINITY;
    for (int i = 8; i < 16; i++) g[i] = NAN;
    adam8bit_update_blockwise(p, g, state1, state2, absmax1, absmax2, map1, map2, 16, 2, &cfg);
    for (int i = 0; i < 16; i++) {
        bool bad = !isfinite(g[i]);
        ck_assert_msg(isfinite(p[i]), "p[%d] not finite", i);
        if (bad) {
            ck_assert_msg(p[i] == after1[i], "p[%d] moved on a non-finite gradient", i);
            /* m = v = 0: the codes of 0 in a block of nonzero absmax ... */
            if (i < 8) {
                ck_assert_int_eq(state1[i], 127);
                ck_assert_int_eq(state2[i], 0);
            }
        } else {
            ck_assert_msg(p[i] < after1[i], "p[%d] did not step", i);
        }
    }
    /* ... and a block of zeros: absmax 0, m's code 255 (1.0 * 0), v's 0. */
    ck_assert(absmax1[1] == 0.0f && absmax2[1] == 0.0f);
    for (int i = 8; i < 16; i++) ck_assert(dequantize_code(qmap1, state1[i], absmax1[1]) == 0.0f);
    /* Step 3, all finite again: the reset elements start over from 0. */
    for (int i = 0; i < 16; i++) g[i] = 0.5f;
    adam8bit_update_blockwise(p, g, state1, state2, absmax1, absmax2, map1, map2, 16, 3, &cfg);
    for (int i = 0; i < 16; i++) ck_assert(isfinite(p[i]) && p[i] < 1.0f);
    ck_assert_close(absmax1[1], 0.05, 0, 1e-6);   /* 0.1 * 0.5 from 0 */
    free(maps);
}
END_TEST

START_TEST(test_short_block_pads_as_the_kernel)
{
    /* A last block of 2 in blocks of 4. When every real m of it is 0 (NaN
     * gradients), its absmax1 is not 0 but the m of the kernel's padding:
     * code 128 (5.5e-7) times the old absmax1, times beta1. */
    Adam8bitConfig cfg = config8(4);
    Maps *maps = dynamic_maps();
    const QuantMap *map1 = &maps->m1, *map2 = &maps->m2;
    const float *qmap1 = map1->code;
    float p[6] = {1, 1, 1, 1, 1, 1}, g[6] = {1, 2, 3, 4, 5, 6}, absmax1[2] = {0}, absmax2[2] = {0};
    uint8_t state1[6] = {0}, state2[6] = {0};
    adam8bit_update_blockwise(p, g, state1, state2, absmax1, absmax2, map1, map2, 6, 1, &cfg);
    const float old = absmax1[1];
    ck_assert_close(old, 0.6, 0, 1e-6);
    g[4] = g[5] = NAN;
    adam8bit_update_blockwise(p, g, state1, state2, absmax1, absmax2, map1, map2, 6, 2, &cfg);
    ck_assert(absmax1[1] == qmap1[128] * old * 0.9f + (1.0f - 0.9f) * 0.0f);
    ck_assert(absmax1[1] > 0.0f && absmax2[1] == 0.0f);
    /* A full block has no padding: block 0 is 0.9 of its m's. */
    ck_assert_close(absmax1[0], 0.9 * 0.4 + 0.1 * 4, 0, 1e-6);
    free(maps);
}
END_TEST

/* ---- the 32-bit path ------------------------------------------------------------------- */

START_TEST(test_small_tensors_keep_32bit_states)
{
    /* bitsandbytes: p.numel() < min_8bit_size keeps float32 states. */
    Adam8bitConfig cfg = ADAM8BIT_DEFAULTS;
    ck_assert(!adam8bit_uses_8bit(4095, &cfg));
    ck_assert(adam8bit_uses_8bit(4096, &cfg));
    MemoryLedger ledger = {0};
    Tensor *p[2], *g[2];
    p[0] = tensor_new_2d(&ledger, "small", TAG_PARAM, 63, 65);   /* 4095 */
    p[1] = tensor_new_2d(&ledger, "large", TAG_PARAM, 64, 64);   /* 4096 */
    g[0] = tensor_new_2d(&ledger, "g0", TAG_GRAD, 63, 65);
    g[1] = tensor_new_2d(&ledger, "g1", TAG_GRAD, 64, 64);
    Optimizer *opt = adam8bit_new((ParamList){2, p, g}, &cfg);
    ck_assert_ptr_nonnull(opt);
    ck_assert_int_eq(opt->num_slots, 4);
    const char *names[] = {"state1", "state2", "absmax1", "absmax2"};
    for (int k = 0; k < 4; k++) ck_assert_str_eq(opt->slot_names[k], names[k]);
    /* The small one: float moments, no absmax. */
    ck_assert(opt->slots[0][0]->data && !opt->slots[0][0]->bytes && opt->slots[1][0]->data);
    ck_assert_ptr_null(opt->slots[2][0]);
    ck_assert_ptr_null(opt->slots[3][0]);
    /* The large one: byte codes and 16 blocks of 256. */
    ck_assert(opt->slots[0][1]->bytes && !opt->slots[0][1]->data && opt->slots[1][1]->bytes);
    ck_assert_int_eq(opt->slots[2][1]->numel, 16);
    ck_assert_int_eq(opt->slots[3][1]->numel, 16);
    /* Bytes: 8 a parameter for the small one, 2 + 8/256 for the large. */
    ck_assert_uint_eq(optimizer_state_bytes(opt), 4095 * 8 + 4096 * 2 + 16 * 8);
    ck_assert_uint_eq(ledger.live[TAG_STATE], optimizer_state_bytes(opt));
    optimizer_free(opt);
    ck_assert_uint_eq(ledger.live[TAG_STATE], 0);
    for (int i = 0; i < 2; i++) tensor_free(p[i]), tensor_free(g[i]);
}
END_TEST

START_TEST(test_32bit_path_is_adam)
{
    /* The 32-bit path is Adam: against lesson 05's torch.optim.Adam over
     * 20 steps. They differ in rounding (bitsandbytes multiplies through by
     * correction2) and in the betas: the kernel takes them as float32, so
     * its 1 - beta2 is 0.00099998713 where PyTorch's is 0.001 (a Python
     * float): exp_avg_sq is 1.3e-5 relative smaller; allowed 2e-5. The
     * parameters stay within 1e-5. With weight decay the decay comes after
     * the step: p_t = (p - step) * (1 - lr wd), worked here from Adam
     * without decay. */
    for (int decay = 0; decay < 2; decay++) {
        Adam8bitConfig cfg = ADAM8BIT_DEFAULTS;
        cfg.lr = 0.01f;
        cfg.weight_decay = decay ? 0.1f : 0.0f;
        AdamConfig acfg = ADAM_DEFAULTS;
        acfg.lr = 0.01f;
        float p8[5], s1[5] = {0}, s2[5] = {0}, pa[5], m[5] = {0}, v[5] = {0};
        for (int i = 0; i < 5; i++) p8[i] = pa[i] = 0.5f * (i - 2);
        for (long t = 1; t <= 20; t++) {
            float g[5];
            for (int i = 0; i < 5; i++) g[i] = (float)sin(t * (i + 1)) + 0.1f * (float)i;
            adam8bit_update_32bit(p8, g, s1, s2, 5, t, &cfg);
            adam_update(pa, g, m, v, NULL, 5, t, &acfg);
            for (int i = 0; decay && i < 5; i++) pa[i] *= 1.0f - 0.01f * 0.1f;
        }
        for (int i = 0; i < 5; i++) {
            ck_assert_close_msg("p", p8[i], pa[i], 1e-5, 0);
            ck_assert_close_msg("state1 = exp_avg", s1[i], m[i], 1e-6, 1e-5);
            ck_assert_close_msg("state2 = exp_avg_sq", s2[i], v[i], 0, 2e-5);
        }
    }
}
END_TEST

START_TEST(test_32bit_path_does_not_catch_nan)
{
    /* bitsandbytes' 32-bit kernel has no isfinite check: a NaN gradient
     * makes its element's moments and parameter NaN (the 8-bit one resets
     * them); the other elements go on. */
    Adam8bitConfig cfg = ADAM8BIT_DEFAULTS;
    float p[3] = {1, 1, 1}, g[3] = {0.5f, NAN, INFINITY}, s1[3] = {0}, s2[3] = {0};
    adam8bit_update_32bit(p, g, s1, s2, 3, 1, &cfg);
    ck_assert(isfinite(p[0]) && isnan(p[1]) && isnan(s1[1]) && isnan(s2[1]));
    ck_assert(isnan(p[2]));   /* inf / (inf + ...) */
}
END_TEST

/* ---- state, defaults, refusals ------------------------------------------------------- */

START_TEST(test_state_bytes_per_parameter)
{
    /* 8-bit tensors: 2 bytes of codes a parameter and 8 bytes (two floats)
     * a block: exactly 2 + 8 / block_size a parameter. */
    const int blocks[] = {64, 256, 2048};
    for (int b = 0; b < 3; b++) {
        Adam8bitConfig cfg = ADAM8BIT_DEFAULTS;
        cfg.block_size = blocks[b];
        MemoryLedger ledger = {0};
        Tensor *p = tensor_new_2d(&ledger, "w", TAG_PARAM, 64, 128);   /* 8192 */
        Tensor *g = tensor_new_2d(&ledger, "g", TAG_GRAD, 64, 128);
        Optimizer *opt = adam8bit_new((ParamList){1, &p, &g}, &cfg);
        ck_assert_ptr_nonnull(opt);
        double per_param = (double)optimizer_state_bytes(opt) / 8192.0;
        ck_assert_msg(per_param == 2.0 + 8.0 / blocks[b], "block %d: %g bytes a parameter", blocks[b],
                      per_param);
        /* A step allocates nothing. */
        size_t live = ledger.live_total;
        for (int i = 0; i < 8192; i++) g->data[i] = 0.01f * (float)(i % 7 - 3);
        optimizer_step(opt);
        ck_assert_uint_eq(ledger.live_total, live);
        optimizer_free(opt);
        tensor_free(p), tensor_free(g);
    }
    /* 256: 2.03125 bytes, against 32-bit Adam's 8. */
    ck_assert(2.0 + 8.0 / 256 == 2.03125);
}
END_TEST

START_TEST(test_adapter_follows_a_changed_lr)
{
    /* One number from 1 with gradient 1, 8-bit (min_8bit_size 0): the first
     * step moves it by lr = 1e-3; a second at lr 0 (a schedule's
     * optimizer_set_lr) does not move it. Its state: 2 bytes of codes and
     * one block's two absmax floats. And 32-bit (the default
     * min_8bit_size): the same steps, 8 bytes. */
    for (int eight = 0; eight < 2; eight++) {
        Adam8bitConfig cfg = ADAM8BIT_DEFAULTS;
        if (eight) cfg.min_8bit_size = 0;
        size_t bytes;
        float p = two_steps_changing_lr(&ADAM8BIT_SPEC, &cfg, 0.0f, &bytes);
        ck_assert_close(p, 1.0 - 1e-3, 0, 1e-6);
        ck_assert_uint_eq(bytes, eight ? 2 + 8 : 8);
        float moved = two_steps_changing_lr(&ADAM8BIT_SPEC, &cfg, 1e-3f, &bytes);
        ck_assert(moved < p - 5e-4f);
    }
}
END_TEST

START_TEST(test_defaults_are_bitsandbytes)
{
    static const PytorchDefault defaults[] = {
        {"lr", {1e-3}},         {"betas", {0.9, 0.999}}, {"eps", {1e-8}},
        {"weight_decay", {0}},  {"amsgrad", {false}},    {"optim_bits", {32}},
        {"min_8bit_size", {4096}}, {"block_size", {256}},
    };
    Adam8bitConfig cfg = ADAM8BIT_DEFAULTS;
    assert_spec_defaults(&ADAM8BIT_SPEC, "adam8bit", "bitsandbytes.optim.Adam8bit", &cfg, defaults,
                         TABLE_SIZE(defaults));
}
END_TEST

#define REFUSES(expected, ...) ASSERT_SPEC_REFUSES(&ADAM8BIT_SPEC, expected, __VA_ARGS__)

START_TEST(test_spec_refuses_what_bitsandbytes_refuses)
{
    /* Adam8bit's own checks first, then Optimizer2State's, in order. */
    REFUSES("Adam8bit does not support amsgrad=True", "amsgrad=true");
    REFUSES("Adam8bit only supports optim_bits=32 (default value for compatibility)", "optim_bits=8");
    REFUSES("Invalid learning rate: -0.01", "lr=-0.01");
    REFUSES("Invalid epsilon value: -1e-08", "eps=-1e-8");
    REFUSES("Invalid beta parameter at index 0: 1", "betas=1,0.999");
    REFUSES("Invalid beta parameter at index 1: -0.1", "betas=0.9,-0.1");
    REFUSES("Invalid weight_decay value: -0.1", "weight_decay=-0.1");
    REFUSES("blocksize must be positive, got 0", "block_size=0");
    /* ours: below 1 as a double, 1 in float32, where the step works */
    REFUSES("betas=(0.99999999, 0.9): a beta rounds to 1 in float32", "betas=0.99999999,0.9");
    REFUSES("a beta rounds to 1 in float32", "betas=0.9,0.999999999");
    REFUSES("amsgrad", "amsgrad=true", "optim_bits=8", "lr=-1");
    REFUSES("optim_bits", "optim_bits=8", "lr=-1");
    REFUSES("Invalid learning rate", "lr=-1", "eps=-1");
    REFUSES("not a finite float32 number", "lr=nan");
    REFUSES("unknown option 'maximize'", "maximize=true");
    /* What bitsandbytes accepts: the edges, and min_8bit_size of any size;
     * a beta just below 1 in float32 too. */
    Adam8bitConfig cfg;
    ASSERT_SPEC_ACCEPTS(&ADAM8BIT_SPEC, &cfg, "lr=0", "eps=0", "betas=0,0", "weight_decay=0", "optim_bits=32",
                        "amsgrad=false", "min_8bit_size=0", "block_size=1");
    ck_assert(cfg.min_8bit_size == 0 && cfg.block_size == 1 && cfg.lr == 0.0f);
    ASSERT_SPEC_ACCEPTS(&ADAM8BIT_SPEC, &cfg, "betas=0.99999994,0.99999994");
    ck_assert((float)cfg.betas[0] < 1.0f && (float)cfg.betas[1] < 1.0f);
}
END_TEST

START_TEST(test_block_size_one_and_larger_than_the_tensor)
{
    /* Blocks of 1: every element its own scale, m's code is +-1 (index 0 is
     * -0.99) and v's 1: the step is Adam's with m and v rounded to the
     * nearest of {-0.99296875 |m|, |m|}. A block larger than the tensor: one
     * short block. Both run and stay finite. */
    const int sizes[] = {1, 4096};
    for (int s = 0; s < 2; s++) {
        Adam8bitConfig cfg = config8(sizes[s]);
        Maps *maps = dynamic_maps();
        const QuantMap *map1 = &maps->m1, *map2 = &maps->m2;
        float p[5] = {0}, g[5] = {1, -2, 3, -4, 5}, a1[5] = {0}, a2[5] = {0};
        uint8_t c1[5] = {0}, c2[5] = {0};
        for (long t = 1; t <= 3; t++)
            adam8bit_update_blockwise(p, g, c1, c2, a1, a2, map1, map2, 5, t, &cfg);
        for (int i = 0; i < 5; i++) {
            ck_assert(isfinite(p[i]));
            ck_assert((p[i] < 0) == (g[i] > 0));   /* a step against the gradient */
            if (sizes[s] == 1) ck_assert(c2[i] == 255 && (c1[i] == 255 || c1[i] == 0));
        }
        free(maps);
    }
}
END_TEST

void add_adam8bit_tests(TCase *core, TCase *limits)
{
    tcase_add_test(core, test_dynamic_map_facts);
    tcase_add_test(core, test_moments_in_each_kernels_order);
    tcase_add_test(core, test_linspace_as_torch);
    tcase_add_test(core, test_maps_match_the_port);
    tcase_add_test(core, test_quantize_matches_the_port);
    tcase_add_test(core, test_round_trip_error_per_code);
    tcase_add_test(core, test_ties_stay_on_the_even_index);
    tcase_add_test(core, test_map_index_finds_what_the_search_finds);
    tcase_add_test(core, test_map_too_fine_for_the_index_searches);
    tcase_add_test(core, test_first_moment_keeps_its_sign);
    tcase_add_test(core, test_first_step_by_hand);
    tcase_add_loop_test(core, test_golden_trajectories, 0, TABLE_SIZE(GOLDEN_CASES));
    tcase_add_test(core, test_every_golden_case_is_checked);
    tcase_add_test(core, test_golden_defaults);
    tcase_add_test(core, test_small_tensors_keep_32bit_states);
    tcase_add_test(core, test_32bit_path_is_adam);
    tcase_add_test(core, test_state_bytes_per_parameter);
    tcase_add_test(core, test_adapter_follows_a_changed_lr);
    tcase_add_test(core, test_defaults_are_bitsandbytes);
    tcase_add_test(limits, test_nonfinite_gradient_resets_its_element);
    tcase_add_test(limits, test_short_block_pads_as_the_kernel);
    tcase_add_test(limits, test_32bit_path_does_not_catch_nan);
    tcase_add_test(limits, test_spec_refuses_what_bitsandbytes_refuses);
    tcase_add_test(limits, test_block_size_one_and_larger_than_the_tensor);
}
