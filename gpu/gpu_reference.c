/* gpu_reference.c - the CPU steps the GPU chapter's kernels are checked
 * against, lesson 10's own, behind plain C functions that a .cu file (C++,
 * which does not include the lessons' C headers) can declare. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "adam8bit.h"

void gpu_reference_adam8bit(float *param, const float *grad, uint8_t *state1, uint8_t *state2,
                            float *absmax1, float *absmax2, size_t n, long step, float lr,
                            float beta1, float beta2, float eps, float weight_decay);

/* adam8bit_update_blockwise with blocks of 256 and the dynamic maps, built
 * on the first call. param, grad, state1, state2 [n]; absmax1, absmax2
 * [ceil(n / 256)]. */
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
