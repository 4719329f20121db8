#!/usr/bin/env python3
"""lion_variants_reference.py - tests/golden/lion_variants.txt from a NumPy port of lucidrains' Lion.

Exercise 3 of chapter 9 (exercises/09_lion) adds to the chapter's Lion (the
authors' code, google/automl lion/lion_pytorch.py) the one switch that
lucidrains' lion-pytorch has and the authors' code has not:
decoupled_weight_decay. This script ports that optimizer's step to NumPy, as
lucidrains/lion-pytorch@05258c934a4e69af6e897a2d614e23e9b8c0ca4c,
lion_pytorch/lion_pytorch.py (update_fn, Lion.__init__, Lion.step) writes it:

    wd = weight_decay / init_lr   when decoupled_weight_decay (init_lr: the lr Lion was made with)
    p  = p * (1 - lr * wd)                          lr: the group's lr of this step
    c  = exp_avg * beta1 + grad * (1 - beta1);  p = p - lr * sign(c)
    exp_avg = exp_avg * beta2 + grad * (1 - beta2)

every tensor operation in float32 and every Python-float scalar in double,
in its order, rounding where PyTorch rounds. The learning rate of each step
comes from a scheduler, as a training loop changes group['lr']:
ExponentialLR(gamma) in its closed form, lr_t = lr * gamma ** (t - 1) (t = 1
on the first step); gamma 1 keeps lr. A case's settings hold gamma next to
Lion's keyword arguments.

    python3 tools/lion_variants_reference.py                 # writes tests/golden/lion_variants.txt
    python3 tools/lion_variants_reference.py --check         # exits 1 if the file would change
    python3 tools/lion_variants_reference.py --against-torch
        # with any torch: replays every case through lucidrains' update_fn
        # written in torch operations (lion-pytorch itself need not be
        # installed) and prints how far the port is from it, in float32 ulps

Where the port cannot follow PyTorch bit for bit, and why: PyTorch's
vectorised CPU kernels fuse add's multiply and add (one rounding); the port
rounds the product first, as the scalar code reads. The file has the format
of tools/make_golden.py's (common/golden.h).
"""
import os

import numpy as np

from golden_io import Draws, WorstTable, command_line, relative, render_port, settings_over, ulps

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "tests", "golden", "lion_variants.txt")

F32 = np.float32

# Lion.__init__'s signature (use_triton aside), and the schedule's gamma.
DEFAULTS = {"lr": 1e-4, "betas": (0.9, 0.99), "weight_decay": 0.0, "decoupled_weight_decay": False,
            "gamma": 1.0}


# ---- the port of lucidrains' Lion.step for one tensor ------------------------------------

def scaled(x, alpha):
    """tensor * a Python float, as PyTorch's CPU kernel does it: the float rounded
    to float32, the product rounded to float32."""
    return (np.asarray(x, F32) * F32(alpha)).astype(F32)


def lion_step(param, grad, exp_avg, lr, hp):
    """One step of Lion.step (update_fn) on one float32 tensor at this step's lr;
    returns the new parameter and the new exp_avg."""
    wd = hp["weight_decay"]
    if hp["decoupled_weight_decay"]:
        wd /= hp["lr"]                                    # wd /= init_lr, a Python float
    beta1, beta2 = hp["betas"]
    param = scaled(param, 1.0 - lr * wd)                  # p.data.mul_(1. - lr * wd)
    # exp_avg.clone().mul_(beta1).add(grad, alpha = 1. - beta1).sign_()
    c = (scaled(exp_avg, beta1) + scaled(grad, 1.0 - beta1)).astype(F32)
    update = np.sign(c).astype(F32)                       # torch.sign: 0 at 0
    param = (param + scaled(update, -lr)).astype(F32)     # p.add_(update, alpha = -lr)
    # exp_avg.mul_(beta2).add_(grad, alpha = 1. - beta2)
    exp_avg = (scaled(exp_avg, beta2) + scaled(grad, 1.0 - beta2)).astype(F32)
    return param, exp_avg


def step_lr(hp, t):
    """ExponentialLR's closed form: the lr of step t (1 on the first)."""
    return hp["lr"] * hp["gamma"] ** (t - 1)


# ---- the cases ------------------------------------------------------------------------

def hyper(settings):
    """A case's settings ("lr=0.01 decoupled_weight_decay=true") on top of the defaults."""
    hp = settings_over(DEFAULTS, settings, lists=("betas",), bools=("decoupled_weight_decay",))
    # Lion.__init__'s asserts.
    assert hp["lr"] > 0.0
    assert all(0.0 <= beta <= 1.0 for beta in hp["betas"])
    return hp


DEFAULT_SETTINGS = "lr=0.0001 betas=0.9,0.99 weight_decay=0 decoupled_weight_decay=false gamma=1"


def cases():
    """(name, settings, start, gradients) of every case, in the file's order."""
    d = Draws(20230213)
    zeros = np.zeros
    return [
        # Every default written out: the C tests replay it from the defaults too.
        ("lucidrains_default", DEFAULT_SETTINGS, d.start(2, 3), d.grads(2, 3)),
        # The authors' decay, lr * weight_decay, at a constant lr and under
        # ExponentialLR: the decay follows the schedule.
        ("coupled_wd", "lr=0.001 weight_decay=0.5", d.start(3, 4), d.grads(3, 4)),
        ("coupled_wd_exponential", "lr=0.01 weight_decay=2 gamma=0.7", d.start(3, 4), d.grads(3, 4)),
        # decoupled_weight_decay: weight_decay / init_lr, so that the first
        # step takes weight_decay of each weight, whatever lr is.
        ("decoupled_wd", "lr=0.001 weight_decay=0.01 decoupled_weight_decay=true", d.start(3, 4),
         d.grads(3, 4)),
        ("decoupled_wd_exponential", "lr=0.01 weight_decay=0.05 decoupled_weight_decay=true gamma=0.7",
         d.start(3, 4), d.grads(3, 4)),
        # A schedule that rises (a warm-up), and one that falls fast.
        ("decoupled_wd_rising", "lr=0.002 weight_decay=0.02 decoupled_weight_decay=true gamma=1.25",
         d.start(7), d.grads(7)),
        ("decoupled_wd_falling", "lr=0.1 weight_decay=0.3 decoupled_weight_decay=true gamma=0.5",
         d.start(7), d.grads(7)),
        # decoupled_weight_decay with no decay: the authors' Lion.
        ("decoupled_no_wd", "lr=0.01 decoupled_weight_decay=true gamma=0.9", d.start(2, 3), d.grads(2, 3)),
        # Betas: sign descent (0, 0), Signum (beta1 = beta2), the LM setting.
        ("betas_zero", "lr=0.01 betas=0,0 weight_decay=0.1 decoupled_weight_decay=true", d.start(5),
         d.grads(5)),
        ("betas_equal", "lr=0.01 betas=0.9,0.9 weight_decay=0.1 decoupled_weight_decay=true gamma=0.95",
         d.start(5), d.grads(5)),
        ("betas_lm", "lr=0.0003 betas=0.95,0.98 weight_decay=0.1 decoupled_weight_decay=true", d.start(5),
         d.grads(5)),
        # Zero gradients (sign 0: nothing moves but the decay), then some.
        ("zero_grad", "lr=0.01 weight_decay=0.05 decoupled_weight_decay=true gamma=0.9", d.start(2, 3),
         [zeros((2, 3), F32)] * 2 + d.grads(2, 3, steps=3) + [zeros((2, 3), F32)] * 3),
        # Gradients of 1e30 and 1e-30: the steps are the same size.
        ("huge_tiny", "lr=0.01 weight_decay=0.1 decoupled_weight_decay=true",
         d.start(2, 3), [g * np.array([[1e30], [1e-30]], F32) for g in d.grads(2, 3)]),
        # One number; a long run under a falling lr.
        ("single", "lr=0.05 weight_decay=0.2 decoupled_weight_decay=true gamma=0.8", d.start(1),
         d.grads(1, steps=6)),
        ("long", "lr=0.01 weight_decay=0.1 decoupled_weight_decay=true gamma=0.97", d.start(3, 3),
         d.grads(3, 3, steps=30)),
        ("long_coupled", "lr=0.01 weight_decay=1 gamma=0.97", d.start(3, 3), d.grads(3, 3, steps=30)),
    ]


def run_port(start, grads, settings):
    """The port's trajectory: after each step, the parameter and {"exp_avg": exp_avg}."""
    hp = hyper(settings)
    param = np.array(start, F32)
    exp_avg = np.zeros_like(param)
    steps = []
    for t, g in enumerate(grads, start=1):
        param, exp_avg = lion_step(param, np.array(g, F32), exp_avg, step_lr(hp, t), hp)
        steps.append((param.copy(), {"exp_avg": exp_avg.copy()}))
    return steps


def render():
    about = ("# Golden trajectories of lucidrains' Lion (lion_pytorch.Lion, lion-pytorch@05258c93),\n"
             "# made by tools/lion_variants_reference.py with numpy %s: a float32 NumPy port of\n"
             "# its step, with decoupled_weight_decay, the lr of step t being lr * gamma^(t-1)\n"
             "# (ExponentialLR; gamma is the schedule's, not Lion's).\n") % np.__version__
    return render_port("lion_variants_reference.py", about, "lion_lucidrains", cases, run_port)


# ---- checking the port against the same step in torch operations -----------------------

def torch_update_fn(p, grad, exp_avg, lr, wd, beta1, beta2):
    """lucidrains' update_fn, in torch operations as lion-pytorch@05258c93 writes it."""
    p.data.mul_(1. - lr * wd)
    update = exp_avg.clone().mul_(beta1).add(grad, alpha=1. - beta1).sign_()
    p.add_(update, alpha=-lr)
    exp_avg.mul_(beta2).add_(grad, alpha=1. - beta2)


def against_torch():
    """Every case through the port and through torch_update_fn with Lion.step's
    wd /= init_lr: the largest difference of the parameters and of exp_avg, in
    float32 ulps of each element, and exp_avg's relative to the largest
    |exp_avg| of the case (the scale at which the C tests compare it: it
    averages gradients of both signs, so near zero it keeps the absolute
    error of its largest terms)."""
    import torch
    torch.set_num_threads(1)
    print("torch %s, numpy %s" % (torch.__version__, np.__version__))
    table = WorstTable(["param ulp", "exp_avg ulp", "exp_avg rel"])
    with np.errstate(all="ignore"):
        for name, settings, start, grads in cases():
            hp = hyper(settings)
            p = torch.tensor(np.array(start, F32))
            exp_avg = torch.zeros_like(p)
            worst = [0.0, 0.0, 0.0]
            steps = run_port(start, grads, settings)
            largest = max(float(np.max(np.abs(state["exp_avg"]))) for _, state in steps)
            for t, (g, (param, state)) in enumerate(zip(grads, steps), start=1):
                mine = state["exp_avg"]
                wd = hp["weight_decay"]
                if hp["decoupled_weight_decay"]:
                    wd /= hp["lr"]
                torch_update_fn(p, torch.tensor(np.array(g, F32)), exp_avg, step_lr(hp, t), wd, *hp["betas"])
                worst[0] = max(worst[0], ulps(p.numpy(), param))
                worst[1] = max(worst[1], ulps(exp_avg.numpy(), mine))
                worst[2] = max(worst[2], relative(exp_avg.numpy(), mine, largest))
            table.row(name, worst)
    return table.done()


def main():
    command_line(__doc__, [(GOLDEN, render)], {
        "--against-torch": ("every case against the same step in torch operations", against_torch),
    })


if __name__ == "__main__":
    main()
