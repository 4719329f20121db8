/* ex3_lion8bit.c - exercise 3: Lion with its one state in 8 bits, as
 * bitsandbytes' Lion8bit runs it. See README.md. Replace the body; `make
 * grade` tells you how you did. */
#include "exercises.h"

void ex_lion8bit_update(float *param /* [n] */, const float *grad /* [n] */,
                        uint8_t *state1 /* [n] */, float *absmax1 /* [ceil(n / block_size)] */,
                        const float *qmap1 /* [256] signed */, size_t n, size_t block_size,
                        const LionConfig *cfg)
{
    /* TODO: your code here. */
    (void)param;
    (void)grad;
    (void)state1;
    (void)absmax1;
    (void)qmap1;
    (void)n;
    (void)block_size;
    (void)cfg;
}
