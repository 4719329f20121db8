/* host_device.h - HOST_DEVICE, the mark on a function that the CPU and a
 * GPU both run.
 *
 * In plain C it is nothing. The GPU chapter's .cu files define it as
 * `__host__ __device__` before they include a lesson's header, and so
 * compile the very per-element functions that the lessons' tests check on
 * the CPU (quantize.h, adam8bit_kernel.h, adamw_element.h, rounding_bits.h,
 * lowp.h's BF16 conversions) for the GPU too. Such a function is
 * `static inline` and calls only what both sides have: arithmetic,
 * <math.h>'s float functions, memcpy. */
#ifndef COMMON_HOST_DEVICE_H
#define COMMON_HOST_DEVICE_H

#ifndef HOST_DEVICE
#define HOST_DEVICE
#endif

#endif
