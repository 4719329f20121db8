#!/usr/bin/env python3
"""lion_reference.py - tests/golden/lion.txt from a NumPy port of the authors' Lion.

PyTorch has no Lion. Chapter 9 follows the authors' own PyTorch code,
google/automl@87461ee96d8bbfcaf1edd4fbd8659d31d3760a50, lion/lion_pytorch.py
(class Lion; lucidrains' lion-pytorch does the same), whose step is, for each
parameter with a gradient:

    p       = p * (1 - lr * weight_decay)             (decay first, on the old p)
    c       = exp_avg * beta1 + grad * (1 - beta1)    (the OLD exp_avg)
    p       = p - lr * sign(c)                        (torch.sign: 0 at 0)
    exp_avg = exp_avg * beta2 + grad * (1 - beta2)    (the memory, updated last)

This script ports that step to NumPy: every tensor operation in float32 and
every Python-float scalar (lr, the betas, 1 - beta, 1 - lr * weight_decay) in
double, rounded to float32 where PyTorch's CPU kernels round it, in the
authors' order. The file has the format of tools/make_golden.py's files
(common/golden.h), with the state exp_avg after every step.

    /usr/bin/python3 tools/lion_reference.py                # writes tests/golden/lion.txt
    /usr/bin/python3 tools/lion_reference.py --check        # exits 1 if the file would change
    /usr/bin/python3 tools/lion_reference.py --against-torch
        # with any torch (Debian's 1.13 here): replays every case through the
        # same step written in torch operations (lion-pytorch need not be
        # installed) and prints how far the port is from it, in float32 ulps

Where the port could differ from PyTorch, and what it chooses:
- p.add_(sign, alpha=-lr) is a fused multiply-add in PyTorch's vectorised
  CPU kernel (vec::fmadd) and a + alpha * b in its scalar tail. The product
  float32(-lr) * sign is -lr, 0 or lr exactly, so fused or not the result is
  the same: the port adds the product.
- exp_avg.mul_(beta2).add_(grad, alpha=1 - beta2) is the same add_: fused in
  the vectorised kernel (one rounding of exp_avg * beta2 + grad * (1 - beta2)
  after the first product is rounded), maybe fused by the compiler in the
  scalar tail. The port rounds grad * (1 - beta2) first, as the scalar code
  reads and as lessons/09_lion/lion.c computes it. Measured with torch
  1.13 on every case (--against-torch): the parameters bit for bit, exp_avg
  up to 2.3e-7 of its largest size so far (hundreds of its own ulps where it
  crosses 0), and exp_avg computed with the fusion (fma32 below) bit for
  bit: the fusion is the whole difference.
- c is three separate tensor operations in PyTorch (two products, a sum),
  each rounded: nothing to fuse, and the port rounds each.
- torch.sign on the CPU gives 0 for 0, -0 and NaN, and so does the port's
  torch_sign (np.sign alone would give NaN for NaN; NaN cannot appear in the
  file's gradients, which are finite). --against-torch prints torch's answer
  for these too.
"""
import os

import numpy as np

from golden_io import Draws, WorstTable, command_line, fmt, relative, render_port, settings_over, ulps

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "tests", "golden", "lion.txt")

F32 = np.float32

# The authors' defaults: Lion(params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0).
DEFAULTS = {"lr": 1e-4, "betas": (0.9, 0.99), "weight_decay": 0.0}


# ---- the port -------------------------------------------------------------------

def torch_sign(x):
    """torch.sign on the CPU: -1, 0 or 1; 0 for 0, -0 (and NaN)."""
    x = np.asarray(x, F32)
    return np.where(x > 0, F32(1), np.where(x < 0, F32(-1), F32(0))).astype(F32)


def lion_step(param, grad, exp_avg, hp):
    """One step of Lion on one parameter, as the authors' Lion.step runs it;
    returns the new parameter and the new exp_avg."""
    lr, wd = hp["lr"], hp["weight_decay"]
    beta1, beta2 = hp["betas"]
    # p.data.mul_(1 - lr * wd): the Python float, rounded to float32 by mul_.
    param = (param * F32(1 - lr * wd)).astype(F32)
    # update = exp_avg * beta1 + grad * (1 - beta1): two products, a sum,
    # each a float32 tensor.
    update = ((exp_avg * F32(beta1)).astype(F32) + (grad * F32(1 - beta1)).astype(F32)).astype(F32)
    # p.add_(update.sign_(), alpha=-lr): -lr rounded to float32; its product
    # with -1, 0 or 1 is exact.
    param = (param + F32(-lr) * torch_sign(update)).astype(F32)
    # exp_avg.mul_(beta2).add_(grad, alpha=1 - beta2), unfused (see above).
    exp_avg = (exp_avg * F32(beta2)).astype(F32)
    exp_avg = (exp_avg + (grad * F32(1 - beta2)).astype(F32)).astype(F32)
    return param, exp_avg


# ---- the cases ------------------------------------------------------------------

def hyper(settings):
    """A case's settings ("lr=0.01 betas=0.9,0.99") on top of the authors' defaults."""
    return settings_over(DEFAULTS, settings, lists=("betas",))


DEFAULT_SETTINGS = "lr=0.0001 betas=0.9,0.99 weight_decay=0"


def cases():
    """(name, settings, start, gradients) of every case, in the file's order."""
    d = Draws(20230215)
    zeros = np.zeros
    # Some coordinates' gradients exactly 0 from the start, and whole steps of 0.
    holes = [g * np.array([1, 0, 1, 0, 1], F32) for g in d.grads(5, steps=4)]
    pauses = d.grads(5, steps=3) + [zeros(5, F32)] * 3 + d.grads(5, steps=2)
    out = [
        # Every default written out: the C tests replay it with no settings too.
        ("lion_default", DEFAULT_SETTINGS, d.start(5), d.grads(5)),
        # Each keyword alone.
        ("lion_lr", "lr=0.003", d.start(5), d.grads(5)),
        ("lion_beta1", "betas=0.5,0.99", d.start(5), d.grads(5)),
        ("lion_beta2", "betas=0.9,0.5", d.start(5), d.grads(5)),
        ("lion_weight_decay", "weight_decay=1", d.start(5), d.grads(5)),
        # beta1 = 0: c = g, the sign of today's gradient alone (signSGD).
        ("lion_beta1_zero", "lr=0.01 betas=0,0.99", d.start(5), d.grads(5)),
        # beta2 = 0: exp_avg is yesterday's gradient, nothing older.
        ("lion_beta2_zero", "lr=0.01 betas=0.9,0", d.start(5), d.grads(5)),
        ("lion_betas_zero", "lr=0.01 betas=0,0", d.start(5), d.grads(5)),
        # lr = 0: nothing moves, not even by the decay (1 - 0 * wd = 1), but
        # exp_avg still learns.
        ("lion_lr_zero", "lr=0 weight_decay=0.5", d.start(5), d.grads(5)),
        # lr * weight_decay = 0.1: a tenth of every weight goes each step.
        ("lion_weight_decay_large", "lr=0.1 weight_decay=1", d.start(5), d.grads(5)),
        # The authors' language-model betas with a decay.
        ("lion_all_keywords", "lr=0.03 betas=0.95,0.98 weight_decay=0.1", d.start(5), d.grads(5)),
        # Gradients exactly 0 at coordinates 1 and 3: at step 1 c = 0 there,
        # sign 0, no move; exp_avg stays 0 and so does every later c.
        ("lion_zero_grad", "lr=0.01 weight_decay=0.1", d.start(5), holes),
        # Three steps of all-zero gradients after three real ones: c =
        # beta1 * exp_avg is not 0, and the weights keep moving.
        ("lion_zero_grad_steps", "lr=0.01", d.start(5), pauses),
        # c exactly 0 with a gradient that is not: betas 0.5 are exact, so
        # after g = 1, exp_avg = 0.5 and g = -0.5 gives c = 0.25 - 0.25 = 0
        # (coordinate 0); g = 2 then -1 (coordinate 1) the same; coordinate 2
        # is the first step of a gradient 0.
        ("lion_c_zero", "lr=0.01 betas=0.5,0.5",
         np.array([1, -1, 0.5], F32),
         [np.array(g, F32) for g in ([1, 2, 0], [-0.5, -1, 3], [0.25, 0.5, -1], [-1, 4, 1])]),
        # Tiny gradients: 1e-30, and subnormal ones near 1e-40, move the
        # weights by exactly lr. The smallest subnormal, 1.4e-45, times
        # 1 - beta1 is 0 in float32: c = 0 and that coordinate stays.
        ("lion_tiny", "lr=0.01", d.start(4), d.grads(4, steps=5, scale=1e-30)),
        ("lion_subnormal", "lr=0.01", d.start(4),
         [g * np.array([1, 1, 1, 0], F32) + np.array([0, 0, 0, 1.4e-45], F32)
          for g in d.grads(4, steps=5, scale=1e-40)]),
        # Huge gradients, 1e30: the same steps of lr.
        ("lion_huge", "lr=0.01", d.start(4), d.grads(4, steps=5, scale=1e30)),
        # A matrix, and one of 32 elements (PyTorch's vectorised kernels run
        # on 16 or more: --against-torch measures them).
        ("lion_matrix", "lr=0.01 weight_decay=0.1", d.start(3, 4), d.grads(3, 4)),
        ("lion_wide", "lr=0.001 betas=0.95,0.98 weight_decay=0.5", d.start(4, 8), d.grads(4, 8)),
        # A single number.
        ("lion_scalar", "lr=0.01", d.start(), d.grads(steps=6)),
        # Long runs: exp_avg forgets at 0.99 a step, c at 0.9.
        ("lion_long", "lr=0.01", d.start(6), d.grads(6, steps=30)),
        ("lion_long_matrix", "lr=0.003 betas=0.9,0.98 weight_decay=0.3", d.start(3, 4), d.grads(3, 4, steps=25)),
        # Two param groups of one optimizer in the C tests: the same length,
        # their own lr, weight_decay and beta1, the same beta2.
        ("lion_group_decay", "lr=0.01 betas=0.9,0.99 weight_decay=0.1", d.start(3, 4), d.grads(3, 4)),
        ("lion_group_no_decay", "lr=0.03 betas=0.5,0.99 weight_decay=0", d.start(4), d.grads(4)),
    ]
    return out


def run_port(start, grads, settings):
    """The port's trajectory: after each step, the parameter and {"exp_avg": exp_avg}."""
    hp = hyper(settings)
    param = np.array(start, F32)
    exp_avg = np.zeros(param.shape, F32)   # torch.zeros_like(p) at the first step
    steps = []
    for g in grads:
        param, exp_avg = lion_step(param, np.array(g, F32).reshape(param.shape), exp_avg, hp)
        steps.append((param.copy(), {"exp_avg": exp_avg.copy()}))
    return steps


def render():
    about = ("# Golden trajectories of Lion as its authors' PyTorch code runs it\n"
             "# (google/automl@87461ee9, lion/lion_pytorch.py), made by\n"
             "# tools/lion_reference.py with numpy %s: a float32 NumPy port of its\n"
             "# step, since PyTorch has no Lion.\n") % np.__version__
    return render_port("lion_reference.py", about, "lion", cases, run_port)


# ---- checking the port against the same step in torch operations -----------------------

def fma32(a, b, c):
    """a * b + c for float32 arrays with one rounding, as a fused
    multiply-add gives it: a * b is exact in double; the double sum is
    rounded to odd (its last bit set when it was inexact), which makes the
    final rounding to float32 the correct one."""
    a, b, c = (np.asarray(x, F32).astype(np.float64) for x in (a, b, c))
    ab = a * b
    s = ab + c
    v = s - ab
    err = (ab - (s - v)) + (c - v)          # Knuth's TwoSum: s + err = ab + c exactly
    bits = s.view(np.int64)
    even = (bits & 1) == 0
    s = np.where((err != 0) & even & np.isfinite(s), np.nextafter(s, s + err), s)
    return s.astype(F32)


def fused_exp_avg(exp_avg, grad, hp):
    """exp_avg.mul_(beta2).add_(grad, alpha=1 - beta2) as PyTorch's
    vectorised kernel runs it: the product rounded, then one fused step."""
    beta2 = hp["betas"][1]
    return fma32(grad, F32(1 - beta2), (exp_avg * F32(beta2)).astype(F32))


def torch_step(p, grad, exp_avg, hp):
    """Lion.step's body for one parameter in torch operations, in the order
    and with the Python-float scalars of the authors' code (lion-pytorch
    itself need not be installed)."""
    lr, wd = hp["lr"], hp["weight_decay"]
    beta1, beta2 = hp["betas"]
    p.mul_(1 - lr * wd)
    update = exp_avg * beta1 + grad * (1 - beta1)
    p.add_(update.sign_(), alpha=-lr)
    exp_avg.mul_(beta2).add_(grad, alpha=1 - beta2)


def against_torch():
    """Every case through the port and through torch_step: the largest
    difference of the parameters and of exp_avg, in float32 ulps of each
    element and relative to the largest size the element has had so far (the
    scale at which the C tests compare parameters); and the largest
    difference of exp_avg computed with add_'s multiply-add fused (fma32)
    from torch's, which says whether the fusion is the whole difference."""
    import torch
    torch.set_num_threads(1)
    print("torch %s, numpy %s" % (torch.__version__, np.__version__))
    table = WorstTable(["param ulp", "param rel", "state ulp", "state rel", "fused ulp"])
    with np.errstate(all="ignore"):
        for name, settings, start, grads in cases():
            hp = hyper(settings)
            p = torch.tensor(np.array(start, F32))
            exp_avg = torch.zeros_like(p)
            worst = [0.0] * 5
            scale = np.abs(np.array(start, np.float64))
            state_scale = np.zeros(np.shape(start))
            fused = np.zeros(np.shape(start), F32)
            for g, (param, state) in zip(grads, run_port(start, grads, settings)):
                mine = state["exp_avg"]
                g32 = np.array(g, F32).reshape(np.shape(start))
                torch_step(p, torch.tensor(g32), exp_avg, hp)
                fused = fused_exp_avg(fused, g32, hp)
                worst[4] = max(worst[4], ulps(exp_avg.numpy(), fused))
                scale = np.maximum(scale, np.abs(p.numpy()))
                state_scale = np.maximum(state_scale, np.abs(exp_avg.numpy()))
                worst[0] = max(worst[0], ulps(p.numpy(), param))
                worst[1] = max(worst[1], relative(p.numpy(), param, scale))
                worst[2] = max(worst[2], ulps(exp_avg.numpy(), mine))
                worst[3] = max(worst[3], relative(exp_avg.numpy(), mine, state_scale))
            table.row(name, worst)
        finite = table.done()
        print("(fused ulp: exp_avg with add_'s multiply-add fused, against torch's)")
        # What the file cannot hold: torch.sign of 0, -0 and NaN, and one
        # step with a NaN gradient (the port: the sign step is lost, sign(NaN)
        # being 0, while the weight decay still shrinks the parameter;
        # exp_avg turns NaN, and from then on only the decay moves it).
        signs = torch.tensor([0.0, -0.0, float("nan"), 1e-45, -1e-45]).sign().numpy()
        print("torch.sign of 0, -0, nan, 1e-45, -1e-45: %s" % fmt(signs))
        p, exp_avg = torch.tensor([1.0, -1.0]), torch.zeros(2)
        start, hp = np.array([1.0, -1.0], F32), hyper("lr=0.1 weight_decay=0.5")
        grads = [np.array([float("nan"), 1.0], F32), np.array([1.0, 1.0], F32)]
        for g, (param, state) in zip(grads, run_port(start, grads, "lr=0.1 weight_decay=0.5")):
            mine = state["exp_avg"]
            torch_step(p, torch.tensor(g), exp_avg, hp)
            print("gradient %s: torch p %s exp_avg %s; port p %s exp_avg %s"
                  % (fmt(g), fmt(p.numpy()), fmt(exp_avg.numpy()), fmt(param), fmt(mine)))
    return finite


def main():
    command_line(__doc__, [(GOLDEN, render)], {
        "--against-torch": ("every case against the same step in torch operations", against_torch),
    })


if __name__ == "__main__":
    main()
