#!/usr/bin/env python3
"""mixed_reference.py - tests/golden/adamw_bf16.txt: torch.optim.AdamW on BF16 weights, bit for bit.

Two of chapter 11's recipes for AdamW's step, run by PyTorch 1.13 itself on
the CPU (foreach=False: `_single_tensor_adamw`, the loop of tensor
operations in torch/optim/adamw.py):

  recipe bf16    a model converted with .to(torch.bfloat16): the parameter,
                 its gradient, exp_avg, exp_avg_sq (and max_exp_avg_sq) are
                 all BF16 tensors, and every tensor operation of the step
                 rounds its result to BF16 (lessons/11_mixed_precision/
                 mixed.c, adamw_update_bf16).
  recipe master  an FP32 master copy and FP32 states stepped by AdamW, its
                 gradient the BF16 gradient widened to float32, then the
                 BF16 working copy = master.to(torch.bfloat16)
                 (adamw_update_master).

    /usr/bin/python3 tools/mixed_reference.py            # writes tests/golden/adamw_bf16.txt
    /usr/bin/python3 tools/mixed_reference.py --check    # exits 1 if it would change
    /usr/bin/python3 tools/mixed_reference.py --tail     # shows the scalar tail (below)

Where PyTorch rounds in the BF16 step (found by experiment with torch 1.13's
CPU kernels, element by element against float32 models; the port `port_step`
below replays it and must agree with PyTorch on every number of every case,
or this script stops). bf(x) is round-to-nearest-even to BF16; every
product and sum inside one operation is float32:

    param.mul_(1 - lr*wd)        p = bf(p * bf(1 - lr*wd))       the Python float is
                                                                 rounded to BF16 first
    exp_avg.mul_(beta1)          m = bf(m * bf(beta1))           0.9 -> 0.8984375
        .add_(grad, alpha=1-beta1)  m = bf(m + bf(1-beta1) * g)  one rounding (the product
                                                                 of two BF16 is exact)
    exp_avg_sq.mul_(beta2)       v = bf(v * bf(beta2))           0.999 -> 1.0: v never decays
        .addcmul_(g, g, value=1-beta2)
                                 v = bf(fma(f32(1-beta2) * g, g, v))
                                                                 value stays float32; the
                                                                 multiply-add is fused
    amsgrad: torch.maximum       mx = max(mx, v)                 exact (NaN wins)
    exp_avg_sq.sqrt()            d = bf(sqrtf(v))
    / bias_correction2_sqrt      d = bf(d / bf(bc2_sqrt))        the divisor rounded to BF16
    .add_(eps)                   d = bf(d + bf(eps))             eps rounded to BF16
    param.addcdiv_(exp_avg, denom, value=-step_size)
                                 p = bf(p + f32(-step_size) * m / d)
                                                                 value float32; (value*m)/d,
                                                                 then the sum, rounded once

So with the defaults the weight decay vanishes (1 - 1e-5 rounds to 1) and
exp_avg_sq only accumulates (beta2 rounds to 1).

One operation is not the same for every element: add_(grad, alpha=...) on
BF16 runs AVX2/AVX-512 code on blocks of 32 (AVX2) or 64 (AVX-512) elements,
which rounds m + alpha*g once, and a scalar loop on the last n mod 32 (or 64)
elements of the tensor, which rounds alpha*g to BF16 first and then the sum
(`--tail` shows it). Without AVX2 (ATEN_CPU_CAPABILITY=default) PyTorch
runs the scalar loop everywhere, and its exp_avg_sq then differs too (its
addcmul_ is not fused there). The C code follows the blocks;
so every case here has 64 elements (a multiple of both block sizes), and
the script refuses to run where PyTorch has no AVX2. A tensor larger than
PyTorch's grain size (32768 elements) is split between threads, each with
its own tail.

The vectorized conversion to BF16 writes a NaN as 0xFFFF (as in
tests/golden/lowp.txt); the C code writes 0x7FC0. The tests take any NaN
for a NaN.

Inputs: PyTorch is given lr, eps and weight_decay as the float32 numbers the
C config holds (0.001 as 0.0010000000474974513), so that both work out
lr / bias_correction1 from the same number; the betas are doubles in both.

Format (after # comments), every number the hex bit pattern of a BF16
(0xHHHH) or a float32 (0xHHHHHHHH):
    case NAME
    recipe bf16|master
    settings lr=... betas=B1,B2 eps=... weight_decay=... amsgrad=... maximize=...
    shape N
    param <N BF16>                 the BF16 weights at the start
    master <N float32>             (recipe master) the master weights at the start
    then for each step:
    grad <N BF16>                  the step's gradient
    expect <N BF16>                the BF16 weights after the step
    master <N float32>             (recipe master) the master weights after it
    state exp_avg <N>              BF16 in recipe bf16, float32 in recipe master
    state exp_avg_sq <N>
    state max_exp_avg_sq <N>       (amsgrad only)
    end
"""
import io
import math
import os
import sys

import numpy as np
import torch

from golden_io import Draws, command_line

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "tests", "golden", "adamw_bf16.txt")

F32 = np.float32
N = 64          # elements of every case: a multiple of PyTorch's vector blocks (above)
STEPS = 6

DEFAULTS = {"lr": "0.001", "betas": "0.9,0.999", "eps": "1e-08", "weight_decay": "0.01",
            "amsgrad": "false", "maximize": "false"}


# ---- BF16 in NumPy (float32 arrays holding BF16 values) ---------------------------------

def bf(x):
    """Round float32 values to the nearest BF16, ties to even (NaN stays NaN)."""
    x = np.atleast_1d(np.asarray(x, F32))
    u = x.view(np.uint32).astype(np.uint64)
    s16 = np.uint64(16)
    rounded = ((u + ((u >> s16) & np.uint64(1)) + np.uint64(0x7FFF)) >> s16) & np.uint64(0xFFFF)
    out = (rounded.astype(np.uint32) << np.uint32(16)).view(F32)
    return np.where(np.isnan(x), F32(np.nan), out).astype(F32)


def bf_scalar(python_float):
    """A Python float as a BF16 tensor op takes it: to float32, then to BF16."""
    return bf(F32(python_float))[0]


def fma32(a, b, c):
    """a * b + c rounded once to float32, for float32 a, b, c whose product
    fits a double exactly (the products here: a float32 times a BF16)."""
    exact = a.astype(np.float64) * b.astype(np.float64) + c.astype(np.float64)
    return exact.astype(F32)


def bits16(tensor):
    return tensor.detach().contiguous().view(torch.int16).numpy().view(np.uint16).copy()


def bits32(tensor):
    return tensor.detach().contiguous().view(torch.int32).numpy().view(np.uint32).copy()


def hex16(bits):
    return " ".join("0x%04X" % b for b in bits)


def hex32(bits):
    return " ".join("0x%08X" % b for b in bits)


def as_bf16(values):
    """float32 values -> a BF16 tensor (PyTorch's rounding)."""
    return torch.from_numpy(np.asarray(values, F32).copy()).to(torch.bfloat16)


def float_of16(bits):
    return (np.asarray(bits, np.uint32) << np.uint32(16)).view(F32)


# ---- the port: where PyTorch rounds ------------------------------------------------------

def port_step(p, g, m, v, mx, t, lr, betas, eps, wd, amsgrad, maximize):
    """One step of _single_tensor_adamw on BF16 tensors (the vector blocks'
    roundings), on float32 arrays holding BF16 values. Returns p, m, v, mx."""
    beta1, beta2 = betas
    with np.errstate(all="ignore"):
        if maximize:
            g = -g
        p = bf(p * bf_scalar(1 - lr * wd))
        m = bf(m * bf_scalar(beta1))
        m = bf(m + bf_scalar(1 - beta1) * g)
        v = bf(v * bf_scalar(beta2))
        v = bf(fma32((F32(1 - beta2) * g).astype(F32), g, v))
        bias_correction1 = 1 - beta1 ** t
        bias_correction2 = 1 - beta2 ** t
        step_size = lr / bias_correction1
        bias_correction2_sqrt = math.sqrt(bias_correction2)
        second = v
        if amsgrad:
            mx = np.maximum(mx, v)
            second = mx
        d = bf(np.sqrt(second))
        d = bf(d / bf_scalar(bias_correction2_sqrt))
        d = bf(d + bf_scalar(eps))
        p = bf(p + (F32(-step_size) * m).astype(F32) / d)
    return p, m, v, mx


def same(a, b):
    """BF16 (or float32) values alike bit for bit, any NaN matching any NaN."""
    a, b = np.asarray(a, F32), np.asarray(b, F32)
    nan = np.isnan(a)
    return np.array_equal(nan, np.isnan(b)) and np.array_equal(a[~nan].view(np.uint32),
                                                                b[~nan].view(np.uint32))


# ---- the cases -----------------------------------------------------------------------------

def torch_kwargs(settings):
    """Our settings as AdamW's keyword arguments; lr, eps and weight_decay
    as the float32 numbers the C config holds."""
    kwargs = {}
    for key, text in settings.items():
        if text in ("true", "false"):
            kwargs[key] = text == "true"
        elif key == "betas":
            kwargs[key] = tuple(float(x) for x in text.split(","))
        else:
            kwargs[key] = float(F32(float(text)))
    return kwargs


def case_list():
    """(name, recipe, settings, start float32[N], grads [steps][N] float32,
    what it shows). The draws come from one generator in this order:
    append new cases at the end."""
    draws = Draws(20250701)
    cases = []

    def add(name, recipe, settings, start, grads, note):
        cases.append((name, recipe, dict(DEFAULTS, **settings), start, grads, note))

    add("bf16_default", "bf16", {}, draws.start(N), draws.grads(N, steps=STEPS),
        "PyTorch's defaults: 1 - lr*wd = 0.99999 and beta2 = 0.999 both round to 1")
    add("bf16_lr_decay", "bf16", {"lr": "0.01", "weight_decay": "0.1"}, draws.start(N),
        draws.grads(N, steps=STEPS), "1 - lr*wd = 0.999 rounds to 1: no decay at all")
    add("bf16_decay_rounds", "bf16", {"lr": "0.1", "weight_decay": "0.1"}, draws.start(N),
        draws.grads(N, steps=STEPS), "1 - lr*wd = 0.99 rounds to 0.98828125: decay 0.117, not 0.1")
    add("bf16_keywords", "bf16",
        {"lr": "0.05", "betas": "0.8,0.99", "eps": "0.001", "weight_decay": "0.5"},
        draws.start(N), draws.grads(N, steps=STEPS), "every keyword away from its default")
    # Gradients large, then small: exp_avg_sq falls where beta2 is not rounded to 1.
    scales = [10.0, 10.0, 0.1, 0.1, 0.01, 0.01]
    add("bf16_amsgrad", "bf16", {"lr": "0.01", "betas": "0.9,0.95", "amsgrad": "true"},
        draws.start(N), [g * F32(s) for g, s in zip(draws.grads(N, steps=STEPS), scales)],
        "amsgrad with beta2 0.95 (0.94921875): max_exp_avg_sq keeps the large early values")
    add("bf16_amsgrad_default_betas", "bf16", {"amsgrad": "true"}, draws.start(N),
        [g * F32(s) for g, s in zip(draws.grads(N, steps=STEPS), scales)],
        "amsgrad at beta2 0.999, which rounds to 1: exp_avg_sq never falls, the max is it")
    add("bf16_maximize", "bf16", {"lr": "0.01", "maximize": "true"}, draws.start(N),
        draws.grads(N, steps=STEPS), "maximize: the step climbs")
    add("bf16_tiny_grads", "bf16", {"lr": "0.01"}, draws.start(N),
        draws.grads(N, steps=STEPS, scale=1e-8), "gradients near eps: steps below lr")
    add("bf16_huge_grads", "bf16", {"lr": "0.01"}, draws.start(N),
        draws.grads(N, steps=STEPS, scale=1e15), "gradients of 1e15: g*g*0.001 still finite")
    # Some gradients so large (1e23) that 0.001 * g * g overflows float32,
    # and at step 2 an inf, a -inf and a NaN.
    grads = draws.grads(N, steps=STEPS)
    for g in grads:
        g[:8] *= F32(1e23)
    grads[1][8], grads[1][9], grads[1][10] = np.inf, -np.inf, np.nan
    add("bf16_overflow", "bf16", {"lr": "0.01", "amsgrad": "true"}, draws.start(N), grads,
        "g*g overflows: exp_avg_sq = inf freezes the weight; inf and NaN gradients give NaN,"
        " which torch.maximum keeps in max_exp_avg_sq")
    # Weights of 1, 100 and 0.01 and random ones, every gradient 1: each
    # step is about lr = 0.001, below half the BF16 spacing at 1 (2^-8).
    start = np.concatenate([np.ones(16, F32), np.full(16, 100.0, F32), np.full(16, 0.01, F32),
                            draws.start(16)])
    add("bf16_swallowed", "bf16", {}, start, [np.ones(N, F32) for _ in range(STEPS)],
        "steps of about lr = 0.001 on weights of 1 and 100 round back: swallowed")
    add("bf16_zero_grad", "bf16", {"lr": "0.1", "weight_decay": "0.1"}, draws.start(N),
        [np.zeros(N, F32) for _ in range(STEPS)], "zero gradients: only the decay acts")
    add("bf16_long", "bf16", {"lr": "0.01"}, draws.start(N), draws.grads(N, steps=16),
        "16 steps: exp_avg_sq keeps adding 0.001 g^2")
    add("master_default", "master", {}, draws.start(N), draws.grads(N, steps=STEPS),
        "FP32 master, BF16 working copy, PyTorch's defaults")
    add("master_lr_decay", "master", {"lr": "0.01", "weight_decay": "0.1"}, draws.start(N),
        draws.grads(N, steps=STEPS), "the decay the BF16 recipe loses, kept by the master")
    add("master_amsgrad_maximize", "master",
        {"lr": "0.01", "betas": "0.9,0.95", "amsgrad": "true", "maximize": "true"},
        draws.start(N), [g * F32(s) for g, s in zip(draws.grads(N, steps=STEPS), scales)],
        "amsgrad and maximize on the master")
    start = np.concatenate([np.ones(32, F32), draws.start(32)])
    add("master_swallowed", "master", {}, start, [-np.ones(N, F32) for _ in range(STEPS)],
        "master weights of 1 climb 0.001 a step; the working copy moves once they pass 1 + 2^-8")
    add("bf16_fused_addcmul", "bf16", {}, draws.start(N), fused_addcmul_grads(draws.rng),
        "second gradients chosen so that addcmul_ rounds differently fused and unfused")
    # Gradients about eps, so the denominator is about eps too, and weights
    # from 0, so the BF16 weight is as fine as the step: here eps's rounding
    # (1e-8 to 1.00117e-8) shows in the weights.
    add("bf16_eps_rounds", "bf16", {"lr": "0.01"}, np.zeros(N, F32),
        draws.grads(N, steps=STEPS, scale=1e-8), "denominators about eps, weights from 0")
    return cases


def fused_addcmul_grads(rng):
    """Gradients of three steps whose first two tell a fused addcmul_ from
    an unfused one: at step 2 (default betas: beta2 rounds to 1, so
    exp_avg_sq is still v1 = bf(f32(0.001 * g1) * g1) when addcmul_ adds to
    it) bf(fma(q, g2, v1)) differs from bf(v1 + f32(q * g2)), q = f32(0.001)
    * g2, in every element. That needs v1 + q * g2 within a float32 ulp of
    a BF16 midpoint, about one pair in 30000: pairs of random BF16 numbers
    are tried until one is found. PyTorch must then agree with the port
    (fused), or the script stops."""
    def some_bf16(k):
        return bf((rng.standard_normal(k) * np.exp(rng.uniform(-2, 2, k))).astype(F32))

    first, second = np.empty(N, F32), np.empty(N, F32)
    for i in range(N):
        g1, g2 = some_bf16(1000)[:, None], some_bf16(1000)[None, :]
        v1 = bf((F32(1 - 0.999) * g1).astype(F32) * g1)
        q = (F32(1 - 0.999) * g2).astype(F32)
        with np.errstate(all="ignore"):
            fused = bf(fma32(q, g2, v1))
            unfused = bf((v1 + (q * g2).astype(F32)).astype(F32))
        rows, cols = np.nonzero(fused.view(np.uint32) != unfused.view(np.uint32))
        assert len(rows), "no pair found for element %d" % i
        first[i], second[i] = g1[rows[0], 0], g2[0, cols[0]]
    return [first, second, bf(rng.standard_normal(N).astype(F32))]


def run_bf16(settings, start, grads):
    """PyTorch's AdamW on a BF16 parameter: per step the gradient's bits and
    the parameter's and states' bits after it."""
    kwargs = torch_kwargs(settings)
    param = torch.nn.Parameter(as_bf16(start))
    opt = torch.optim.AdamW([param], foreach=False, **kwargs)
    names = ["exp_avg", "exp_avg_sq"] + (["max_exp_avg_sq"] if kwargs["amsgrad"] else [])
    rows = []
    for g in grads:
        param.grad = as_bf16(g)
        opt.step()
        state = opt.state[param]
        assert all(state[k].dtype == torch.bfloat16 for k in names)
        rows.append((bits16(param.grad), bits16(param), [(k, bits16(state[k])) for k in names]))
    return names, rows


def check_against_port(name, settings, start_bits, rows):
    """Stops unless port_step gives PyTorch's every number."""
    kw = torch_kwargs(settings)
    p = float_of16(start_bits)
    m, v, mx = (np.zeros(N, F32) for _ in range(3))
    for t, (grad, expect, states) in enumerate(rows, 1):
        p, m, v, mx = port_step(p, float_of16(grad), m, v, mx, t, kw["lr"], kw["betas"], kw["eps"],
                                kw["weight_decay"], kw["amsgrad"], kw["maximize"])
        got = {"param": p, "exp_avg": m, "exp_avg_sq": v, "max_exp_avg_sq": mx}
        for key, bits in [("param", expect)] + states:
            if not same(got[key], float_of16(bits)):
                sys.exit("%s step %d: %s differs from the port: the roundings above are wrong"
                         % (name, t, key))


def run_master(settings, start, grads):
    """PyTorch's AdamW on a float32 master with the BF16 gradient widened,
    then the BF16 working copy."""
    kwargs = torch_kwargs(settings)
    master = torch.nn.Parameter(torch.from_numpy(np.asarray(start, F32).copy()))
    opt = torch.optim.AdamW([master], foreach=False, **kwargs)
    names = ["exp_avg", "exp_avg_sq"] + (["max_exp_avg_sq"] if kwargs["amsgrad"] else [])
    rows = []
    for g in grads:
        grad16 = as_bf16(g)
        master.grad = grad16.to(torch.float32)
        opt.step()
        working = master.detach().to(torch.bfloat16)
        state = opt.state[master]
        rows.append((bits16(grad16), bits16(working), bits32(master),
                     [(k, bits32(state[k])) for k in names]))
    return names, rows


def cpu_capability():
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage:" in line:
            return line.split(":", 1)[1].strip()
    return "unknown"


def render():
    capability = cpu_capability()
    if capability not in ("AVX2", "AVX512"):
        sys.exit("PyTorch runs %s code here: its BF16 add_ then rounds twice everywhere, "
                 "not as the C code (see the docstring)" % capability)
    out = io.StringIO()
    out.write("# torch.optim.AdamW (foreach=False) on BF16 weights, two recipes, made by\n")
    out.write("# tools/mixed_reference.py with torch %s and numpy %s on the CPU\n"
              % (torch.__version__, np.__version__))
    out.write("# (%s kernels). Do not edit by hand: change the script and run it again.\n"
              % capability)
    out.write("# Format and where PyTorch rounds: see the script's docstring.\n\n")
    for name, recipe, settings, start, grads, note in case_list():
        out.write("# %s\n" % note)
        out.write("case %s\nrecipe %s\n" % (name, recipe))
        out.write("settings %s\n" % " ".join("%s=%s" % kv for kv in settings.items()))
        out.write("shape %d\n" % N)
        if recipe == "bf16":
            start_bits = bits16(as_bf16(start))
            out.write("param %s\n" % hex16(start_bits))
            names, rows = run_bf16(settings, start, grads)
            check_against_port(name, settings, start_bits, rows)
            for grad, param, states in rows:
                out.write("grad %s\nexpect %s\n" % (hex16(grad), hex16(param)))
                for key, bits in states:
                    out.write("state %s %s\n" % (key, hex16(bits)))
        else:
            master = torch.from_numpy(np.asarray(start, F32).copy())
            out.write("param %s\n" % hex16(bits16(master.to(torch.bfloat16))))
            out.write("master %s\n" % hex32(bits32(master)))
            names, rows = run_master(settings, start, grads)
            for grad, working, master_bits, states in rows:
                out.write("grad %s\nexpect %s\nmaster %s\n"
                          % (hex16(grad), hex16(working), hex32(master_bits)))
                for key, bits in states:
                    out.write("state %s %s\n" % (key, hex32(bits)))
        out.write("end\n\n")
    return out.getvalue()


def show_tail():
    """A BF16 tensor of 45 elements through exp_avg's two operations: the
    first 32 (one AVX2 block) round m + alpha*g once, the last 13 (the
    scalar loop) round alpha*g first."""
    draws = Draws(7)
    m = bf(draws.start(45))
    g = bf(draws.start(45))
    t = as_bf16(m)
    t.add_(as_bf16(g), alpha=1 - 0.9)
    torch_m = t.to(torch.float32).numpy()
    alpha = bf_scalar(1 - 0.9)
    once = bf(m + alpha * g)
    twice = bf(m + bf(alpha * g))
    print("CPU capability:", cpu_capability())
    print("element  torch        once         twice")
    for i in range(45):
        mark = "" if torch_m[i] == once[i] else "  <- not rounded once"
        print("%7d  %-11.8g  %-11.8g  %-11.8g%s" % (i, torch_m[i], once[i], twice[i], mark))
    return True   # a report to read, not a check: nothing here can fail


def main():
    command_line(__doc__, [(GOLDEN, render)], {
        "--tail": ("show how the last n mod 32 elements of a BF16 add_ round", show_tail),
    })


if __name__ == "__main__":
    main()
