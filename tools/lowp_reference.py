#!/usr/bin/env python3
"""lowp_reference.py - tests/golden/lowp.txt: PyTorch's float32 <-> bfloat16 and float16 conversions.

For a list of float32 inputs chosen to reach every case of the two
roundings (exact values, ties both ways and the numbers either side of
them, the largest finite numbers and the first that overflow, FP16's
subnormals and the numbers that underflow, signed zeros, infinities, NaNs,
float32's subnormals, and random numbers over many magnitudes), it records
the bits PyTorch gives, and the float32 bits PyTorch widens chosen 16-bit
patterns to. common/test_lowp.c checks common/lowp.c against every row,
bit for bit. Every number is written as its bit pattern in hex, so nothing
is lost in text.

    /usr/bin/python3 tools/lowp_reference.py            # writes tests/golden/lowp.txt
    /usr/bin/python3 tools/lowp_reference.py --check    # exits 1 if it would change

PyTorch converts a float32 tensor to bfloat16 in two ways on the CPU. Element
by element (a non-contiguous copy, torch.tensor(..., dtype=torch.bfloat16)),
it calls c10::BFloat16's constructor, which turns every NaN into 0x7FC0. A
contiguous tensor goes through the vectorized (AVX2/AVX-512) copy, which
rounds every other number the same way but turns a NaN into 0xFFFF. The file
records both; the C code is the constructor. float16 has one answer both
ways.

Format (after # comments):
    round NAME X BF16 FP16 BF16_VECTORIZED
        X the float32 input's bits; BF16 and FP16 the bits of X converted
        element by element; BF16_VECTORIZED those of a contiguous tensor's
        conversion to bfloat16
    widen NAME FORMAT BITS FLOAT
        FORMAT bf16 or fp16, BITS a 16-bit pattern, FLOAT the bits of
        its .to(torch.float32)
"""
import io
import os

import numpy as np
import torch

from golden_io import command_line

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "tests", "golden", "lowp.txt")


def f32_bits(x):
    return int(np.array([x], np.float32).view(np.uint32)[0])


# (name, float32 bits): every case the C code branches on or rounds at,
# each worked out by hand in the comment.
INPUTS = [
    # Exact in both formats.
    ("zero", 0x00000000), ("negative_zero", 0x80000000),
    ("one", 0x3F800000), ("minus_one", 0xBF800000),
    ("three", 0x40400000), ("one_and_a_half", 0x3FC00000), ("minus_256", 0xC3800000),
    # BF16 keeps 7 mantissa bits: around 1 its step is 2^-7 (the low 16 bits of
    # float32 are dropped). 1 + 2^-8 is a tie: 0x3F80 is even, it stays.
    ("bf16_tie_even_stays", 0x3F808000),
    ("bf16_tie_odd_goes_up", 0x3F818000),             # -> 0x3F82
    ("bf16_above_tie", 0x3F808001),                   # -> 0x3F81
    ("bf16_below_tie", 0x3F807FFF),                   # -> 0x3F80
    ("bf16_tie_even_negative", 0xBF808000),           # -> 0xBF80
    ("bf16_tie_odd_negative", 0xBF818000),            # -> 0xBF82
    ("bf16_tie_carries_exponent", 0x3FFF8000),        # -> 0x4000 = 2
    ("one_plus_1e-5", f32_bits(1.0 + 1e-5)),          # -> 1 in both
    # FP16 keeps 10: around 1 the step is 2^-10 and the low 13 bits are dropped.
    ("fp16_tie_even_stays", 0x3F801000),              # 1 + 2^-11 -> 0x3C00
    ("fp16_tie_odd_goes_up", 0x3F803000),             # 1 + 3 2^-11 -> 0x3C02
    ("fp16_above_tie", 0x3F801001),                   # -> 0x3C01
    ("fp16_below_tie", 0x3F800FFF),                   # -> 0x3C00
    ("fp16_tie_negative", 0xBF803000),                # -> 0xBC02
    ("fp16_tie_carries_exponent", 0x3FFFF000),        # 2 - 2^-11 -> 0x4000 = 2
    ("just_below_two", 0x3FFFFFFF),                   # -> 2 in both
    # The largest finite numbers, and the first that overflow.
    ("bf16_max", 0x7F7F0000),                         # 0x7F7F, fp16 inf
    ("bf16_max_below_tie", 0x7F7F7FFF),               # -> 0x7F7F
    ("bf16_max_tie_overflows", 0x7F7F8000),           # 0x7F7F is odd: -> inf
    ("float_max", 0x7F7FFFFF),                        # -> inf in both
    ("minus_float_max", 0xFF7FFFFF),                  # -> -inf
    ("fp16_max", f32_bits(65504.0)),                  # 0x7BFF
    ("fp16_max_below_tie", 0x477FEFFF),               # 65519.998 -> 65504
    ("fp16_overflow_tie", f32_bits(65520.0)),         # 0x7BFF is odd: -> inf
    ("minus_fp16_overflow_tie", f32_bits(-65520.0)),  # -> -inf
    ("two_to_16", f32_bits(65536.0)),
    ("one_e5", f32_bits(1e5)),
    # FP16's subnormals: k 2^-24, k = 1..1023.
    ("fp16_min_subnormal", f32_bits(2.0 ** -24)),     # 0x0001
    ("fp16_max_subnormal", f32_bits(1023 * 2.0 ** -24)),   # 0x03FF
    ("fp16_min_normal", f32_bits(2.0 ** -14)),        # 0x0400
    ("fp16_subnormal_tie_to_normal", f32_bits(1023.5 * 2.0 ** -24)),   # -> 0x0400
    ("fp16_subnormal_tie_even_up", f32_bits(1.5 * 2.0 ** -24)),    # -> 0x0002
    ("fp16_subnormal_tie_even_down", f32_bits(2.5 * 2.0 ** -24)),  # -> 0x0002
    ("fp16_subnormal_tie_odd_up", f32_bits(3.5 * 2.0 ** -24)),     # -> 0x0004
    ("fp16_subnormal_random", f32_bits(3.0e-6)),
    ("fp16_subnormal_negative", f32_bits(-1.0e-6)),
    # Underflow: half the smallest subnormal is a tie with 0 (even): 0.
    ("fp16_underflow_tie", f32_bits(2.0 ** -25)),     # -> 0
    ("fp16_rounds_up_to_min_subnormal", 0x33000001),  # just above: -> 0x0001
    ("fp16_just_below_min_subnormal", f32_bits(5.9e-8)),   # -> 0x0001
    ("fp16_just_above_min_subnormal", f32_bits(6e-8)),     # -> 0x0001
    ("fp16_underflow_1e-8", f32_bits(1e-8)),          # -> 0
    ("fp16_underflow_negative", f32_bits(-1e-8)),     # -> -0
    ("fp16_underflow_far", f32_bits(1e-30)),
    # float32's own subnormals: BF16 rounds them as any other number.
    ("float_min_subnormal", 0x00000001),              # bf16 0, fp16 0
    ("float_min_subnormal_negative", 0x80000001),     # -0 in both
    ("float_max_subnormal", 0x007FFFFF),              # bf16 0x0080
    ("float_subnormal_bf16_tie_even", 0x00008000),    # -> 0x0000
    ("float_subnormal_bf16_tie_odd", 0x00018000),     # -> 0x0002
    ("float_subnormal_bf16_exact", 0x00450000),       # bf16 0x0045
    ("float_min_normal", 0x00800000),                 # bf16 0x0080
    # Infinities and NaNs.
    ("inf", 0x7F800000), ("minus_inf", 0xFF800000),
    ("nan", 0x7FC00000), ("minus_nan", 0xFFC00000),
    ("nan_signalling", 0x7F800001), ("nan_payload_low_bits", 0x7F80FFFF),
    ("nan_payload_high_bits", 0x7FA00000), ("nan_all_ones", 0xFFFFFFFF),
]


def random_inputs():
    """Random float32 numbers: mantissa bits at random, with exponents over
    FP16's range and beyond (2^-30 to 2^20, where FP16 rounds, underflows and
    overflows), over all of float32's, ties at random places, and bit
    patterns at random (NaNs included)."""
    rng = np.random.default_rng(20250611)
    rows = []

    def add(prefix, bits):
        for k, b in enumerate(bits):
            rows.append(("%s_%02d" % (prefix, k), int(b)))

    def with_exponents(low, high, n):
        sign = rng.integers(0, 2, n, dtype=np.uint32) << 31
        exponent = rng.integers(127 + low, 127 + high + 1, n).astype(np.uint32) << 23
        return sign | exponent | rng.integers(0, 1 << 23, n, dtype=np.uint32)

    add("random_fp16_range", with_exponents(-30, 20, 60))
    add("random_any_exponent", with_exponents(-126, 127, 40))
    ties = with_exponents(-126, 127, 10)
    add("random_bf16_tie", (ties & ~np.uint32(0xFFFF)) | np.uint32(0x8000))
    ties = with_exponents(-25, 15, 10)
    add("random_fp16_tie", (ties & ~np.uint32(0x1FFF)) | np.uint32(0x1000))
    add("random_bits", rng.integers(0, 1 << 32, 20, dtype=np.uint64).astype(np.uint32))
    return rows


def as_int16_tensor(bits):
    return torch.from_numpy(np.array(bits, np.uint16).view(np.int16))


def bits16(tensor):
    return tensor.contiguous().view(torch.int16).numpy().view(np.uint16)


def round_rows(out):
    rows = INPUTS + random_inputs()
    x = torch.from_numpy(np.array([b for _, b in rows], np.uint32).view(np.float32))
    # Each number twice, side by side; every other one is a non-contiguous
    # view, which PyTorch converts element by element.
    one_at_a_time = torch.stack([x, x], 1)[:, 0]
    assert not one_at_a_time.is_contiguous()
    bf16 = bits16(one_at_a_time.to(torch.bfloat16))
    fp16 = bits16(one_at_a_time.to(torch.float16))
    bf16_vectorized = bits16(x.to(torch.bfloat16))
    assert np.array_equal(fp16, bits16(x.to(torch.float16))), "float16 has one answer"
    nan = np.isnan(x.numpy())
    assert np.array_equal(bf16[~nan], bf16_vectorized[~nan]), "the two differ only for NaN"
    out.write("# round NAME X BF16 FP16 BF16_VECTORIZED\n")
    for (name, bits), b, h, v in zip(rows, bf16, fp16, bf16_vectorized):
        out.write("round %s 0x%08X 0x%04X 0x%04X 0x%04X\n" % (name, bits, b, h, v))


def widen_rows(out):
    """Every exponent of FP16 with a few mantissas, both signs (its NaNs
    among them); BF16's extremes and NaNs (the rest is a shift)."""
    fp16 = [(s << 15) | (e << 10) | m for s in (0, 1) for e in range(32)
            for m in (0, 1, 0x155, 0x200, 0x3FF)]
    bf16 = [(s << 15) | (e << 7) | m for s in (0, 1) for e in (0, 1, 126, 127, 128, 254, 255)
            for m in (0, 1, 0x40, 0x7F)]
    out.write("\n# widen NAME FORMAT BITS FLOAT\n")
    for fmt, patterns, dtype in (("fp16", fp16, torch.float16), ("bf16", bf16, torch.bfloat16)):
        wide = as_int16_tensor(patterns).view(dtype).to(torch.float32)
        for bits, f in zip(patterns, wide.view(torch.int32).numpy().view(np.uint32)):
            out.write("widen %s_%04X %s 0x%04X 0x%08X\n" % (fmt, bits, fmt, bits, f))


def render():
    out = io.StringIO()
    out.write("# PyTorch's float32 <-> bfloat16 and float16 conversions, made by\n")
    out.write("# tools/lowp_reference.py with torch %s and numpy %s, on the CPU.\n"
              % (torch.__version__, np.__version__))
    out.write("# Do not edit by hand: change the script and run it again.\n")
    out.write("# Format: see the script's docstring.\n\n")
    round_rows(out)
    widen_rows(out)
    return out.getvalue()


def main():
    command_line(__doc__, [(GOLDEN, render)], {})


if __name__ == "__main__":
    main()
