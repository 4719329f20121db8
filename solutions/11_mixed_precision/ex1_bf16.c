/* ex1_bf16.c - exercise 1, solved: float32 to BF16 from the bits, rounded
 * to nearest with ties to even by PyTorch's rounding bias, every NaN to
 * 0x7FC0. */
#include <string.h>

#include "exercises.h"

uint16_t ex_bf16_from_float(float x)
{
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    /* A NaN first: the exponent all ones and a mantissa that is not 0. The
     * rounding below would carry a NaN whose payload sits in the low bits
     * into inf (0x7F800001), or one with every bit set into -0. */
    if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return 0x7FC0;
    /* Add 0x7FFF, one less than half of the 16 bits dropped, and the last
     * bit kept: the sum carries into the kept bits when the dropped ones are
     * more than half, and on exactly half only when the kept pattern is odd,
     * which makes it even. A carry out of the mantissa steps the exponent:
     * 1.99999 goes to 2, the largest float to inf. */
    const uint32_t lsb = (bits >> 16) & 1u;
    return (uint16_t)((bits + 0x7FFFu + lsb) >> 16);
}
