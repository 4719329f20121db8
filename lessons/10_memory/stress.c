/* stress.c - the stress case of 8-bit Adam (see stress.h). */
#include "stress.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "adam8bit.h"
#include "experiment.h"
#include "rng.h"

static int class_of(size_t i)
{
    size_t j = i % 256;
    return j == 0 ? LARGE : j % 8 == 1 ? SPARSE : j % 8 == 2 ? NEVER : j % 2 ? SMALL : TINY;
}

static float stress_grad(size_t i, Rng *rng)
{
    double g = rng_normal(rng);
    switch (class_of(i)) {
    case LARGE: return (float)g;
    case SPARSE: return rng_uniform(rng) < 0.02 ? (float)(0.01 * g) : 0.0f;
    case NEVER: return 0.0f;
    case SMALL: return (float)(1e-3 * g);
    default: return (float)(1e-4 * g);
    }
}

Stress stress_run(const Setup *s, int steps, uint64_t seed)
{
    const size_t n = STRESS_N;
    Adam8bitConfig cfg = ADAM8BIT_DEFAULTS;
    cfg.block_size = s->block_size, cfg.eps = s->eps;
    float *p = floats_new(n), *g = floats_new(n), *m = floats_new(n), *v = floats_new(n);
    float *p32 = floats_new(n), *m32 = floats_new(n), *v32 = floats_new(n), *absmax = floats_new(2 * n);
    float *moves[CLASSES];
    size_t count[CLASSES] = {0};
    for (int c = 0; c < CLASSES; c++) moves[c] = floats_new(n * (size_t)steps);
    uint8_t *codes = must(calloc(2, n), "out of memory");
    QuantMap *map1 = must(malloc(sizeof *map1), "out of memory");
    QuantMap *map2 = must(malloc(sizeof *map2), "out of memory");
    float code[QMAP_SIZE];
    create_dynamic_map(true, code), quantize_map_init(map1, code, true);
    create_dynamic_map(false, code), quantize_map_init(map2, code, false);
    memset(p, 0, n * sizeof *p), memset(m, 0, n * sizeof *m), memset(v, 0, n * sizeof *v);
    memset(p32, 0, n * sizeof *p), memset(m32, 0, n * sizeof *m), memset(v32, 0, n * sizeof *v);
    memset(absmax, 0, 2 * n * sizeof *absmax);
    Rng rng;
    rng_seed(&rng, seed, 10);
    Stress out = {0};
    double positive = 0, zeroed = 0;
    for (int t = 1; t <= steps; t++) {
        for (size_t i = 0; i < n; i++) g[i] = stress_grad(i, &rng), p[i] = 0, p32[i] = 0;
        if (s->eight_bit)
            adam8bit_update_blockwise(p, g, codes, codes + n, absmax, absmax + n, map1, map2, n, t, &cfg);
        else
            adam8bit_update_32bit(p, g, m, v, n, t, &cfg);
        Adam8bitConfig ref = ADAM8BIT_DEFAULTS;   /* the 32-bit reference, at eps 1e-8 */
        adam8bit_update_32bit(p32, g, m32, v32, n, t, &ref);
        for (size_t i = 0; i < n; i++) {
            double step = fabs(p[i]) / cfg.lr;
            int c = class_of(i);
            moves[c][count[c]++] = (float)step;
            out.largest[c] = fmax(out.largest[c], step);
            if (v32[i] > 0 && s->eight_bit) positive++, zeroed += codes[n + i] == 0;
        }
    }
    out.v_zeroed = positive > 0 ? zeroed / positive : 0;
    for (int c = 0; c < CLASSES; c++) out.median[c] = sort_median(moves[c], count[c]), free(moves[c]);
    free(p), free(g), free(m), free(v), free(p32), free(m32), free(v32), free(absmax), free(codes), free(map1), free(map2);
    return out;
}
