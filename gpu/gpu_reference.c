/* gpu_reference.c - the CPU steps the GPU chapter's kernels are checked
 * against (see gpu_reference.h): lesson 10's 8-bit Adam, and lesson 06's
 * AdamW on lesson 11's FP32 master weights. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "gpu_reference.h"

#include "adam8bit.h"
#include "lowp.h"
#include "mixed.h"

/* The maps are built on the first call, and the index over them. */
void gpu_reference_adam8bit(float *param, const float *grad, uint8_t *state1, uint8_t *state2,
                            float *absmax1, float *absmax2, size_t n, long step, float lr,
                            float beta1, float beta2, float eps, float weight_decay)
{
    static QuantMap map1, map2;
    static bool built = false;
    if (!built) {
        float code[QMAP_SIZE];
        create_dynamic_map(true, code), quantize_map_init(&map1, code, true);
        create_dynamic_map(false, code), quantize_map_init(&map2, code, false);
        built = true;
    }
    Adam8bitConfig cfg = ADAM8BIT_DEFAULTS;
    cfg.lr = lr, cfg.betas[0] = beta1, cfg.betas[1] = beta2, cfg.eps = eps;
    cfg.weight_decay = weight_decay;
    adam8bit_update_blockwise(param, grad, state1, state2, absmax1, absmax2, &map1, &map2, n, step,
                              &cfg);
}

/* ---- fused AdamW ----------------------------------------------------------------------- */

/* Every function the kernel calls, here called by the lessons' loops. */
void gpu_reference_adamw(uint16_t *param, float *master, const uint16_t *grad, float *exp_avg,
                         float *exp_avg_sq, size_t n, long step, float lr, double beta1,
                         double beta2, float eps, float weight_decay, float clip_scale,
                         bool stochastic, uint64_t seed)
{
    float *g = calloc(n ? n : 1, sizeof *g);
    if (!g) {
        fprintf(stderr, "gpu_reference_adamw: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) g[i] = float_from_bf16(grad[i]) * clip_scale;
    AdamWConfig cfg = ADAMW_DEFAULTS;
    cfg.lr = lr, cfg.betas[0] = beta1, cfg.betas[1] = beta2, cfg.eps = eps;
    cfg.weight_decay = weight_decay;
    if (stochastic) {
        adamw_update(master, g, exp_avg, exp_avg_sq, NULL, n, step, &cfg);
        for (size_t i = 0; i < n; i++)
            param[i] = bf16_from_float_stochastic(master[i], stochastic_rounding_bits(seed, step, i));
    } else {
        adamw_update_master(param, master, g, exp_avg, exp_avg_sq, NULL, n, step, &cfg);
    }
    free(g);
}
