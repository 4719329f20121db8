#!/usr/bin/env python3
"""adam8bit_reference.py - tests/golden/adam8bit*.txt from a NumPy port of bitsandbytes' 8-bit Adam.

bitsandbytes (bnb.optim.Adam8bit, >= 0.44) runs its blockwise 8-bit Adam
only as a CUDA kernel (csrc/kernels.cu, kOptimizerStatic8bit2StateBlockwise)
and its small tensors through the 32-bit kernel (kOptimizer32bit2State).
This script ports both to NumPy, written apart from the C code of
lessons/10_memory: every operation on float32 numbers in the kernels' order,
each rounded to float32 (NumPy does not fuse a multiply and an add). It
writes two files in the formats the C tests read:

- tests/golden/adam8bit.txt: trajectories (common/golden.h's format): the
  parameters after each step (compared within float tolerance: see
  test_adam8bit.c), the codes state1 and state2 as numbers 0..255 and the
  scales absmax1 and absmax2 for an 8-bit tensor (compared exactly), or the
  float32 moments state1 and state2 of a tensor under min_8bit_size;
- tests/golden/adam8bit_maps.txt: the two dynamic maps, and blockwise
  quantize / dequantize cases (format below).

    /usr/bin/python3 tools/adam8bit_reference.py            # writes both files
    /usr/bin/python3 tools/adam8bit_reference.py --check    # exits 1 if one would change
    /usr/bin/python3 tools/adam8bit_reference.py --against-torch
        # the maps against create_dynamic_map's own code run with the installed
        # torch's torch.linspace, and NumPy's float32 power against the C
        # library's powf; prints the differences in ulps

Where the port cannot be the kernel bit for bit, and why:
- the kernel uses CUDA's fast intrinsics __powf and __fdividef (an error of
  about 2 ulp) and nvcc fuses multiply-adds; the port computes powf, a
  correctly rounded division and separate roundings, as the C code does;
- the kernel reduces each block's absmax in a tree; the max of the same
  numbers is the same in any order.
- the dynamic map is built with torch.linspace as PyTorch >= 2.0 computes it
  on x86-64 (the scalar loop of aten/src/ATen/native/cpu/RangeFactoriesKernel.cpp,
  start + step * i with one rounding): both maps equal, bit for bit, those
  torch 2.11 built on an AVX-512 CPU from create_dynamic_map's code
  (measured once). PyTorch 1.13 (Debian's, this machine's) ran a vectorized
  loop that puts 42 + 43 entries 1 or 2 ulp away: --against-torch measures it.

adam8bit_maps.txt:
    map signed <256 numbers>          create_dynamic_map(signed=True)
    map unsigned <256 numbers>        create_dynamic_map(signed=False)
    quantize NAME signed|unsigned BLOCK_SIZE N
    input <N numbers>
    codes <N numbers 0..255>          quantize_blockwise's codes ...
    absmax <ceil(N / BLOCK_SIZE)>     ... and scales
    dequant <N numbers>               dequantize_blockwise of them
    end
"""
import ctypes
import ctypes.util
import io
import os

import numpy as np

from golden_io import command_line, fmt, write_trajectory

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "tests", "golden", "adam8bit.txt")
MAPS = os.path.join(HERE, "..", "tests", "golden", "adam8bit_maps.txt")
F32 = np.float32
LIBM = ctypes.CDLL(ctypes.util.find_library("m"))
LIBM.powf.restype = ctypes.c_float
LIBM.powf.argtypes = [ctypes.c_float, ctypes.c_float]


# ---- the dynamic maps ------------------------------------------------------------------

def linspace_f32(start, end, steps):
    """torch.linspace(start, end, steps, dtype=float32), PyTorch >= 2.0 on
    x86-64: step in float32, then start + step * i (first half) or
    end - step * (steps - 1 - i) (second half) rounded once. The products
    and sums are exact in double here (a 24-bit step times i < 256, added to
    a number of similar scale), so rounding the double is one rounding."""
    start, end = F32(start), F32(end)
    step = F32((end - start) / F32(steps - 1))
    half = steps // 2
    out = []
    for i in range(steps):
        if i < half:
            exact = float(start) + float(step) * i
        else:
            exact = float(end) - float(step) * (steps - 1 - i)
        out.append(F32(exact))
    return np.array(out, dtype=F32)


def create_dynamic_map(signed, linspace=linspace_f32):
    """bitsandbytes.functional.create_dynamic_map(signed, 7, 8), in float32."""
    data = []
    for i in range(7):
        items = 2 ** i + 1 if signed else 2 ** (i + 1) + 1
        b = linspace(0.1, 1.0, items)
        means = (b[:-1] + b[1:]) / F32(2.0)
        scale = F32(10.0 ** (i - 6))   # a Python float, rounded to float32 by torch
        data.extend(scale * means)
        if signed:
            data.extend(F32(-scale) * means)
    data += [F32(0.0), F32(1.0)]
    assert len(data) == 256
    return np.sort(np.array(data, dtype=F32))


# ---- quantization ------------------------------------------------------------------------

def nearest_codes(code, x, signed):
    """bitsandbytes' quantize_2D (and dQuantize): a binary search from
    index 127 in steps 64 .. 1, then the nearer of the last pivot and its
    neighbour on x's side, by the midpoint; a tie stays at the pivot. Works
    on a whole array at once."""
    x = np.asarray(x, dtype=F32)
    pivot = np.full(x.shape, 127, dtype=np.int64)
    lo_pivot = np.zeros(x.shape, dtype=np.int64)
    hi_pivot = np.full(x.shape, 255, dtype=np.int64)
    lo = np.full(x.shape, F32(-1.0 if signed else 0.0), dtype=F32)
    hi = np.full(x.shape, F32(1.0), dtype=F32)
    val = code[pivot]
    jump = 64
    while jump >= 1:
        right = x > val                       # NaN: False, goes left
        lo_pivot = np.where(right, pivot, lo_pivot)
        lo = np.where(right, val, lo)
        hi_pivot = np.where(right, hi_pivot, pivot)
        hi = np.where(right, hi, val)
        pivot = np.where(right, pivot + jump, pivot - jump)
        val = code[pivot]
        jump //= 2
    above = x > val
    mid_up = (hi + val) * F32(0.5)
    mid_down = (lo + val) * F32(0.5)
    q = np.where(above, np.where(x > mid_up, hi_pivot, pivot),
                 np.where(x < mid_down, lo_pivot, pivot))
    return q.astype(np.uint8)


def quantize_blockwise(code, signed, x, block):
    """kQuantizeBlockwise: absmax per block, x * (1 / absmax), nearest code."""
    x = np.asarray(x, dtype=F32)
    codes = np.zeros(x.shape, dtype=np.uint8)
    absmax = []
    with np.errstate(divide="ignore", invalid="ignore"):
        for start in range(0, len(x), block):
            part = x[start:start + block]
            m = F32(np.max(np.abs(part)))
            absmax.append(m)
            codes[start:start + block] = nearest_codes(code, part * (F32(1.0) / m), signed)
    return codes, np.array(absmax, dtype=F32)


def dequantize_blockwise(code, codes, absmax, block):
    idx = np.arange(len(codes)) // block
    return code[codes.astype(np.int64)] * absmax[idx]


# ---- Adam: bitsandbytes' kernels ------------------------------------------------------

def powf(x, y):
    """The C library's powf, which the kernels call (__powf in the 8-bit
    one). NumPy's own float32 power is a different approximation: measured
    an ulp apart from it for some t (--against-torch)."""
    return F32(LIBM.powf(F32(x), F32(y)))


def constants(hp, step):
    """The kernel's float32 constants."""
    b1, b2 = F32(hp["betas"][0]), F32(hp["betas"][1])
    lr, eps, wd = F32(hp["lr"]), F32(hp["eps"]), F32(hp["weight_decay"])
    c1 = F32(1.0) - powf(b1, step)
    c2 = np.sqrt(F32(1.0) - powf(b2, step))
    step_size = (-lr * c2) / c1
    return b1, b2, lr, eps, wd, c2, step_size


def param_step(p, s1, s2, k):
    b1, b2, lr, eps, wd, c2, step_size = k
    p = p + step_size * (s1 / (np.sqrt(s2) + c2 * eps))
    if wd > 0:
        p = p * (F32(1.0) - lr * wd)   # decoupled, after the step
    return p


def step_8bit(p, g, st, qmap1, qmap2, block, hp, step):
    """kOptimizerStatic8bit2StateBlockwise on one tensor: st holds the
    codes state1, state2 (uint8) and absmax1, absmax2 (a float32 a block)."""
    k = constants(hp, step)
    b1, b2 = k[0], k[1]
    p = p.copy()
    s1codes, s2codes = st["state1"].copy(), st["state2"].copy()
    absmax1, absmax2 = st["absmax1"].copy(), st["absmax2"].copy()
    n = len(p)
    for b, start in enumerate(range(0, n, block)):
        sl = slice(start, min(start + block, n))
        gb = g[sl]
        valid = gb.size
        # The kernel loads a short block's missing elements as g = 0 with
        # codes 128 (state1) and 0 (state2): they join the absmax.
        if valid < block:
            gb = np.concatenate([gb, np.zeros(block - valid, F32)])
            c1 = np.concatenate([s1codes[sl], np.full(block - valid, 128, np.uint8)])
            c2 = np.concatenate([s2codes[sl], np.zeros(block - valid, np.uint8)])
        else:
            c1, c2 = s1codes[sl], s2codes[sl]
        finite = np.isfinite(gb)
        gz = np.where(finite, gb, F32(0.0))
        s2 = qmap2[c2.astype(np.int64)] * absmax2[b]
        s2 = s2 * b2 + (F32(1.0) - b2) * gz * gz
        s1 = qmap1[c1.astype(np.int64)] * absmax1[b]
        s1 = s1 * b1 + (F32(1.0) - b1) * gz
        s1 = np.where(finite, s1, F32(0.0)).astype(F32)
        s2 = np.where(finite, s2, F32(0.0)).astype(F32)
        m1 = F32(np.fmax.reduce(np.abs(s1)))   # fmaxf: a NaN would be skipped
        m2 = F32(np.fmax.reduce(np.abs(s2)))
        absmax1[b], absmax2[b] = m1, m2
        s1, s2, fin = s1[:valid], s2[:valid], finite[:valid]
        p[sl] = np.where(fin, param_step(p[sl], s1, s2, k), p[sl])
        with np.errstate(divide="ignore", invalid="ignore"):
            q1 = nearest_codes(qmap1, s1 / m1, True).astype(np.int64)
            q2 = nearest_codes(qmap2, s2 / m2, False)
        wrong_sign = np.signbit(qmap1[q1]) != np.signbit(s1)
        q1 = np.where(wrong_sign, np.where(s1 > 0, q1 + 1, q1 - 1), q1) % 256
        s1codes[sl], s2codes[sl] = q1.astype(np.uint8), q2
    return p, {"state1": s1codes, "state2": s2codes, "absmax1": absmax1, "absmax2": absmax2}


def step_32bit(p, g, st, hp, step):
    """kOptimizer32bit2State (ADAM, max_unorm 0, skip_zeros False)."""
    k = constants(hp, step)
    b1, b2 = k[0], k[1]
    with np.errstate(invalid="ignore", over="ignore"):
        s1 = st["state1"] * b1 + (F32(1.0) - b1) * g
        s2 = st["state2"] * b2 + (F32(1.0) - b2) * (g * g)
        p = param_step(p, s1, s2, k)
    return p, {"state1": s1, "state2": s2}


DEFAULTS = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0,
            "min_8bit_size": 4096, "block_size": 256}


def parse(settings):
    hp = dict(DEFAULTS)
    for word in settings.split():
        key, value = word.split("=")
        if key == "betas":
            hp[key] = tuple(float(v) for v in value.split(","))
        elif key in ("min_8bit_size", "block_size"):
            hp[key] = int(value)
        else:
            hp[key] = float(value)
    return hp


def run(start, grads, settings):
    """The trajectory of one tensor: [(grad, param, state)] per step."""
    hp = parse(settings)
    p = np.array(start, F32).ravel()
    n, block = p.size, hp["block_size"]
    eight = not n < hp["min_8bit_size"]
    if eight:
        blocks = -(-n // block)
        st = {"state1": np.zeros(n, np.uint8), "state2": np.zeros(n, np.uint8),
              "absmax1": np.zeros(blocks, F32), "absmax2": np.zeros(blocks, F32)}
        qmap1, qmap2 = create_dynamic_map(True), create_dynamic_map(False)
    else:
        st = {"state1": np.zeros(n, F32), "state2": np.zeros(n, F32)}
    out = []
    for t, g in enumerate(grads, start=1):
        g = np.array(g, F32).ravel()
        if eight:
            p, st = step_8bit(p, g, st, qmap1, qmap2, block, hp, t)
        else:
            p, st = step_32bit(p, g, st, hp, t)
        shape = np.shape(start)
        state = {key: (v.reshape(shape) if key.startswith("state") else v) for key, v in st.items()}
        out.append((g.reshape(shape), p.reshape(shape), state))
    return out, eight


# ---- the cases ---------------------------------------------------------------------------

def sparse(rng, shape, scale):
    """Gradients for the large cases, a quarter of them nonzero, each a
    multiple of 2^-10: so that the file stays small (a zero gradient leaves
    its m at 0 and its parameter where it was)."""
    g = np.round(rng.standard_normal(shape) * scale * 1024) / 1024
    g[rng.random(shape) < 0.75] = 0.0
    return g.astype(F32)


def mixed_scales(rng, n, block):
    """Gradients whose blocks mix sizes: each block scaled by its own power
    of ten, a few elements 1000 times larger or smaller, some exact zeros."""
    g = rng.standard_normal(n)
    for start in range(0, n, block):
        g[start:start + block] *= 10.0 ** rng.integers(-3, 1)
    g[rng.integers(0, n, n // 64)] *= 1000.0
    g[rng.integers(0, n, n // 64)] *= 1e-3
    g[rng.integers(0, n, n // 32)] = 0.0
    return g.astype(F32)


def cases():
    rng = np.random.default_rng(20241010)
    out = []
    # Defaults: a 64 x 64 weight from 0, 16 blocks of 256, two steps.
    grads = [sparse(rng, (64, 64), 0.25) for _ in range(2)]
    out.append(("adam8bit_defaults", "", np.zeros((64, 64), F32), grads))
    # Block 64: three blocks and a tail of 8, with other hyper-parameters.
    start = rng.standard_normal(200).astype(F32)
    grads = [mixed_scales(rng, 200, 64) for _ in range(4)]
    out.append(("adam8bit_block64", "lr=0.01 betas=0.8,0.99 eps=1e-06 min_8bit_size=0 block_size=64",
                start, grads))
    # Block 2048 (bitsandbytes before 0.44): a block and a tail of 64.
    grads = [sparse(rng, 2112, 0.1) for _ in range(2)]
    out.append(("adam8bit_block2048", "min_8bit_size=0 block_size=2048", np.zeros(2112, F32), grads))
    # Decoupled weight decay after the step.
    start = rng.standard_normal(130).astype(F32)
    grads = [rng.standard_normal(130).astype(F32) for _ in range(3)]
    out.append(("adam8bit_weight_decay", "lr=0.01 weight_decay=0.1 min_8bit_size=0 block_size=64",
                start, grads))
    # A tail of 44 behind a block of 256. At step 3 every gradient of the
    # tail is NaN: its m are all reset to 0, and its absmax1 becomes the m of
    # the kernel's padding (0.9 times the smallest positive code, code 128,
    # times the old absmax1), not 0. At step 4 the tail's gradients are 0.
    start = rng.standard_normal(300).astype(F32)
    grads = [rng.standard_normal(300).astype(F32) for _ in range(4)]
    grads[2][256:] = np.nan
    grads[3][256:] = 0.0
    out.append(("adam8bit_tail", "min_8bit_size=0", start, grads))
    # Exact zeros and mixed scales inside a block; a block all zeros at
    # step 1 (absmax 0: 0 / 0 codes), then moving.
    g1 = np.zeros(128, F32)
    g1[:64] = [0.0, 1e-8, -1e-8, 1e-4, -1e-4, 1.0, -1.0, 100.0] * 8
    g2 = np.concatenate([np.zeros(64, F32), mixed_scales(rng, 64, 64)])
    g3 = mixed_scales(rng, 128, 32)
    out.append(("adam8bit_zeros_and_scales", "min_8bit_size=0 block_size=64",
                rng.standard_normal(128).astype(F32), [g1, g2, g3]))
    # A tensor under min_8bit_size: float32 states, bitsandbytes' 32-bit Adam.
    start = rng.standard_normal((10, 10)).astype(F32)
    grads = [rng.standard_normal((10, 10)).astype(F32) for _ in range(4)]
    out.append(("adam8bit_32bit", "", start, grads))
    out.append(("adam8bit_32bit_decay", "lr=0.01 betas=0.8,0.99 eps=1e-06 weight_decay=0.1",
                start, grads))
    # Non-finite gradients: NaN, inf and -inf elements reset their states
    # and leave their parameters alone; the others step on.
    grads = [rng.standard_normal(48).astype(F32) for _ in range(4)]
    grads[1][[3, 17, 40]] = [np.nan, np.inf, -np.inf]
    grads[2][[3]] = [np.nan]
    grads[3][:16] = np.inf
    out.append(("adam8bit_nonfinite", "min_8bit_size=0 block_size=16",
                rng.standard_normal(48).astype(F32), grads))
    return out


def render():
    text = io.StringIO()
    text.write("# Golden trajectories of bitsandbytes.optim.Adam8bit (bitsandbytes >= 0.44),\n")
    text.write("# made by tools/adam8bit_reference.py, a NumPy %s port of its CUDA kernels.\n"
               % np.__version__)
    text.write("# Do not edit by hand: change tools/adam8bit_reference.py and run it again.\n")
    text.write("# Format: see common/golden.h. An 8-bit case records state1 and state2 as\n")
    text.write("# codes 0..255 and absmax1, absmax2 per block; a 32-bit one (fewer than\n")
    text.write("# min_8bit_size elements) state1 and state2 as float32 moments.\n\n")
    for name, settings, start, grads in cases():
        steps, eight = run(start, grads, settings)
        keys = ("state1", "state2", "absmax1", "absmax2") if eight else ("state1", "state2")
        # A state_shape line for every state, in bitsandbytes' order: the C
        # reader numbers the states as they are first named.
        write_trajectory(text, name, "adam8bit", settings, start, steps, keys,
                         every_state_shape=True)
    return text.getvalue()


def quantize_cases():
    rng = np.random.default_rng(8)
    signed, unsigned = create_dynamic_map(True), create_dynamic_map(False)
    out = [("normal_block64", True, 64, rng.standard_normal(100).astype(F32)),
           ("squares_block64", False, 64, (rng.standard_normal(100) ** 2).astype(F32))]
    x = rng.standard_normal(96) * 10.0 ** rng.integers(-9, 3, 96)
    x[::7] = 0.0
    out.append(("mixed_scales_block32", True, 32, x.astype(F32)))
    # Every code value times a block's absmax 1: each comes back exactly.
    out.append(("every_signed_code", True, 256, signed.copy()))
    out.append(("every_unsigned_code", False, 256, unsigned.copy()))
    # Midpoints between neighbouring codes, in a block whose absmax is 1:
    # ties, which the search keeps on the even index.
    mids = ((signed[:-1] + signed[1:]) * F32(0.5)).astype(F32)
    out.append(("signed_midpoints", True, 256, np.concatenate([mids, [F32(1.0)]])))
    umids = ((unsigned[:-1] + unsigned[1:]) * F32(0.5)).astype(F32)
    out.append(("unsigned_midpoints", False, 256, np.concatenate([umids, [F32(1.0)]])))
    # A block of zeros (absmax 0) beside a normal one; a tail of 3.
    out.append(("zero_block", True, 8, np.concatenate([np.zeros(8, F32),
                                                       rng.standard_normal(11).astype(F32)])))
    out.append(("standalone_default_block4096", True, 4096, rng.standard_normal(300).astype(F32)))
    return out


def render_maps():
    text = io.StringIO()
    text.write("# bitsandbytes' dynamic maps and blockwise quantization, made by\n")
    text.write("# tools/adam8bit_reference.py (NumPy %s). Do not edit by hand.\n" % np.__version__)
    text.write("# Format: see the script's docstring.\n\n")
    text.write("map signed %s\n" % fmt(create_dynamic_map(True)))
    text.write("map unsigned %s\n\n" % fmt(create_dynamic_map(False)))
    for name, signed, block, x in quantize_cases():
        code = create_dynamic_map(signed)
        codes, absmax = quantize_blockwise(code, signed, x, block)
        text.write("quantize %s %s %d %d\n" % (name, "signed" if signed else "unsigned", block, len(x)))
        text.write("input %s\n" % fmt(x))
        text.write("codes %s\n" % " ".join(str(int(c)) for c in codes))
        text.write("absmax %s\n" % fmt(absmax))
        text.write("dequant %s\n" % fmt(dequantize_blockwise(code, codes, absmax, block)))
        text.write("end\n\n")
    return text.getvalue()


# ---- checks against torch and the C library ----------------------------------------------

def against_torch():
    import torch

    def torch_linspace(a, b, n):
        return torch.linspace(a, b, n, dtype=torch.float32).numpy()

    def torch_map(signed):
        # create_dynamic_map's own arithmetic, on torch tensors.
        data = []
        for i in range(7):
            items = int(2 ** i + 1 if signed else 2 ** (i + 1) + 1)
            b = torch.linspace(0.1, 1, items, dtype=torch.float32)
            means = (b[:-1] + b[1:]) / 2.0
            data += ((10 ** (-6 + i)) * means).tolist()
            if signed:
                data += (-(10 ** (-6 + i)) * means).tolist()
        data += [0, 1.0]
        data.sort()
        return np.array(data, F32)

    print("torch %s, numpy %s" % (torch.__version__, np.__version__))
    ok = True
    for signed in (True, False):
        mine, theirs = create_dynamic_map(signed), torch_map(signed)
        ulps = np.abs(mine.view(np.int32).astype(np.int64) - theirs.view(np.int32).astype(np.int64))
        print("%-8s map: %d of 256 entries differ, by at most %d ulp"
              % ("signed" if signed else "unsigned", int(np.count_nonzero(ulps)), int(ulps.max())))
        ok = ok and ulps.max() <= 2   # PyTorch 1.13's vectorized linspace: 1 or 2 ulp (docstring)
        # The same map from torch's own linspace, through this port's arithmetic.
        same = create_dynamic_map(signed, torch_linspace)
        print("         from torch.linspace through this port: %s"
              % ("identical" if np.array_equal(same, theirs) else "DIFFERENT"))
        ok = ok and np.array_equal(same, theirs)
    worst = 0
    for beta in (0.9, 0.999, 0.8, 0.99, 0.5):
        for t in range(1, 2001):
            a = np.power(F32(beta), F32(t))
            b = powf(beta, t)
            worst = max(worst, abs(int(a.view(np.int32)) - int(b.view(np.int32))))
    print("numpy's float32 power against the C library's powf (which the port uses),"
          " t = 1..2000: at most %d ulp apart" % worst)
    return ok


def main():
    command_line(__doc__, [(GOLDEN, render), (MAPS, render_maps)], {
        "--against-torch": ("the maps against torch.linspace, power against powf", against_torch),
    })


if __name__ == "__main__":
    main()
