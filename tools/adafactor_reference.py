#!/usr/bin/env python3
"""adafactor_reference.py - tests/golden/adafactor.txt from a NumPy port of torch.optim.Adafactor.

torch.optim.Adafactor first shipped in PyTorch 2.5. The PyTorch this book
generates its golden vectors with (Debian's python3-torch, 1.13) has none,
so this script ports its single-tensor step, _single_tensor_adafactor in
torch/optim/_adafactor.py, to NumPy: every tensor operation in float32 and
every Python-float scalar in double, in PyTorch's order, rounding where
PyTorch rounds. The file has the format of tools/make_golden.py's files
(common/golden.h); Adafactor's row_var and col_var are not shaped like the
parameter, so each recorded state's shape is written on a state_shape line.

    python3 tools/adafactor_reference.py               # writes tests/golden/adafactor.txt
    python3 tools/adafactor_reference.py --check       # exits 1 if the file would change
    python3 tools/adafactor_reference.py --check-ops   # the port's lerp, norm and rsqrt
                                                       # against torch's own ops (any torch)
    python3 tools/adafactor_reference.py --against-torch
        # with torch >= 2.5: replays every case through torch.optim.Adafactor
        # and prints how far the port is from it, in float32 ulps

Where the port cannot follow PyTorch bit for bit, and why:
- PyTorch sums the squares of a norm in float32, in an order of its own
  (vectorised lanes); the port sums them in double, in order, and rounds the
  root to float32 once: the correctly rounded norm, within an ulp or so of
  PyTorch's.
- PyTorch's vectorised CPU kernels fuse lerp's and add_'s multiply and add
  (one rounding); the port rounds the product first, as their scalar code
  reads.
- ATen's mean is a float32 sum divided by the count (two roundings or
  more); the port's mean() sums in double and rounds once: the correctly
  rounded mean, an ulp from torch.mean in about a quarter of the row_var
  means of these cases.
"""
import math
import os

import numpy as np

from golden_io import Draws, command_line, render_port, settings_over, ulps

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "tests", "golden", "adafactor.txt")

F32 = np.float32
# eps1=None means torch.finfo(param.dtype).eps: 2**-23 for float32.
FLOAT32_EPS = float(np.finfo(np.float32).eps)

DEFAULTS = {"lr": 1e-2, "beta2_decay": -0.8, "eps": (None, 1e-3), "d": 1.0,
            "weight_decay": 0.0, "maximize": False}


# ---- the port -------------------------------------------------------------------

def lerp(start, end, weight):
    """torch.lerp(start, end, weight) on float32 tensors with a Python-float
    weight, as ATen's CPU kernel: the weight is rounded to float32; below 0.5
    start + w (end - start), else end - (end - start)(1 - w), which is exactly
    end at w = 1."""
    w = F32(weight)
    if abs(w) < F32(0.5):
        return (start + w * (end - start)).astype(F32)
    return (end - (end - start) * (F32(1) - w)).astype(F32)


def norm(x):
    """tensor.norm(2) as a float32: the squares summed in double, in order,
    the root rounded to float32 once."""
    total = 0.0
    for v in np.asarray(x, F32).ravel():
        total += float(v) * float(v)
    return F32(math.sqrt(total))


def mean(x):
    """tensor.mean() of a few float32 numbers, summed in double, rounded once."""
    total = 0.0
    for v in np.asarray(x, F32).ravel():
        total += float(v)
    return F32(total / np.asarray(x).size)


def new_state(shape):
    """Adafactor's state for a parameter of this shape, as _init_group makes it."""
    if len(shape) > 1:
        return {"step": F32(0),
                "row_var": np.zeros(shape[:-1] + (1,), F32),
                "col_var": np.zeros(shape[:-2] + (1, shape[-1]), F32)}
    return {"step": F32(0), "variance": np.zeros(shape, F32)}


def adafactor_step(param, grad, state, hp):
    """One step of _single_tensor_adafactor on one parameter; returns the new
    parameter and updates `state` in place."""
    grad = -grad if hp["maximize"] else grad
    eps1, eps2 = hp["eps"]
    if eps1 is None:
        eps1 = FLOAT32_EPS
    state["step"] = F32(state["step"] + F32(1))   # a float32 tensor
    step_float = float(state["step"])              # .item(): a Python float

    one_minus_beta2_t = step_float ** hp["beta2_decay"]
    rho_t = min(hp["lr"], 1 / (step_float ** 0.5))
    alpha = max(eps2, float(norm(param)) / (param.size ** 0.5)) * rho_t

    if hp["weight_decay"] != 0:
        param = (param * F32(1 - hp["lr"] * hp["weight_decay"])).astype(F32)

    if grad.ndim > 1:
        rows, cols = grad.shape[-2], grad.shape[-1]
        g = grad.reshape(-1, rows, cols)           # the leading dims: a batch of matrices
        row_var = state["row_var"].reshape(-1, rows)
        col_var = state["col_var"].reshape(-1, cols)
        var_estimate = np.empty(g.shape, F32)
        for b in range(g.shape[0]):
            # vector_norm(grad, dim=-1).square_().div_(size): the norm is
            # rounded to float32 before it is squared.
            row_norm = np.array([norm(g[b, i, :]) for i in range(rows)], F32)
            row_var[b] = lerp(row_var[b], row_norm * row_norm / F32(cols), one_minus_beta2_t)
            col_norm = np.array([norm(g[b, :, j]) for j in range(cols)], F32)
            col_var[b] = lerp(col_var[b], col_norm * col_norm / F32(rows), one_minus_beta2_t)
            # (row_var @ col_var).div_(row_var.mean(dim=-2).clamp_(min=eps1));
            # np.maximum, as clamp, passes a NaN on.
            row_var_mean = np.maximum(mean(row_var[b]), F32(eps1))
            var_estimate[b] = (row_var[b][:, None] * col_var[b][None, :]) / row_var_mean
        state["row_var"] = row_var.reshape(state["row_var"].shape)
        state["col_var"] = col_var.reshape(state["col_var"].shape)
        var_estimate = var_estimate.reshape(grad.shape)
    else:
        state["variance"] = lerp(state["variance"], grad * grad, one_minus_beta2_t)
        var_estimate = state["variance"].copy()

    # eps1 * eps1 is a Python float, rounded to float32 by clamp_ (1e-60: 0).
    update = F32(1) / np.sqrt(np.maximum(var_estimate, F32(eps1 * eps1)))
    update = (update * grad).astype(F32)
    denom = max(1.0, float(norm(update)) / ((update.size ** 0.5) * hp["d"]))
    return (param + F32(-alpha / denom) * update).astype(F32)


# ---- the cases ------------------------------------------------------------------

def hyper(settings):
    """A case's settings ("lr=0.5 eps=None,0.001") on top of PyTorch's defaults."""
    return settings_over(DEFAULTS, settings, lists=("eps",), bools=("maximize",))


DEFAULT_SETTINGS = "lr=0.01 beta2_decay=-0.8 eps=None,0.001 d=1 weight_decay=0 maximize=false"


def cases():
    """(name, settings, start, gradients) of every case, in the file's order."""
    d = Draws(20240608)
    zeros = np.zeros
    out = [
        # Every default written out: the C tests replay these with no settings.
        ("adafactor_default_vector", DEFAULT_SETTINGS, d.start(5), d.grads(5)),
        ("adafactor_default_matrix", DEFAULT_SETTINGS, d.start(3, 4), d.grads(3, 4)),
        # Leading dims are a batch: each 3 x 4 matrix has its own row_var and col_var.
        ("adafactor_3d", "", d.start(2, 3, 4), d.grads(2, 3, 4)),
        # A matrix of one row or one column is still factored.
        ("adafactor_one_row", "", d.start(1, 5), d.grads(1, 5, steps=6)),
        ("adafactor_one_column", "", d.start(5, 1), d.grads(5, 1, steps=6)),
        # A single number keeps a variance, as a vector does.
        ("adafactor_scalar", "", d.start(), d.grads(steps=5)),
        # Each keyword alone, on a matrix.
        ("adafactor_lr", "lr=0.001", d.start(3, 4), d.grads(3, 4)),
        # rho_t = min(0.5, 1/sqrt(t)): lr until t = 4, then 1/sqrt(t).
        ("adafactor_lr_crossing", "lr=0.5", d.start(3, 4), d.grads(3, 4)),
        ("adafactor_beta2_decay", "beta2_decay=-0.5", d.start(3, 4), d.grads(3, 4)),
        # t^0 = 1: no memory, the state is each step's means.
        ("adafactor_beta2_decay_zero", "beta2_decay=0", d.start(3, 4), d.grads(3, 4)),
        # The paper's eps1: eps1^2 = 1e-60 is 0 in float32.
        ("adafactor_eps1_paper", "eps=1e-30,0.001", d.start(3, 4), d.grads(3, 4)),
        # eps1 = 0.1 with gradients near 0.1: both clamps act.
        ("adafactor_eps1_large", "eps=0.1,0.001", d.start(3, 4), d.grads(3, 4, scale=0.1)),
        # RMS(param) near 0.1, below eps2 = 0.5: eps2 sets the step.
        ("adafactor_eps2", "eps=None,0.5", d.start(3, 4, scale=0.1), d.grads(3, 4)),
        # From zero: RMS(param) = 0 and the first step is eps2 * lr.
        ("adafactor_zero_start", "", zeros((3, 4), F32), d.grads(3, 4)),
        # Gradients ten times larger from step 5: RMS(update) jumps above 1
        # and is clipped to d.
        ("adafactor_clipping", "", d.start(3, 4), d.grads(3, 4, steps=4) + d.grads(3, 4, steps=4, scale=10)),
        ("adafactor_d", "d=2", d.start(3, 4), d.grads(3, 4, steps=4) + d.grads(3, 4, steps=4, scale=10)),
        ("adafactor_weight_decay", "weight_decay=0.1", d.start(3, 4), d.grads(3, 4)),
        # lr * weight_decay = 0.5: half of every weight goes each step.
        ("adafactor_weight_decay_half", "lr=0.5 weight_decay=1", d.start(3, 4), d.grads(3, 4)),
        ("adafactor_maximize", "maximize=true", d.start(3, 4), d.grads(3, 4)),
        ("adafactor_all_keywords",
         "lr=0.05 beta2_decay=-0.6 eps=1e-20,0.01 d=1.5 weight_decay=0.2 maximize=true",
         d.start(2, 3, 4), d.grads(2, 3, 4)),
        ("adafactor_vector_keywords",
         "lr=0.05 beta2_decay=-0.6 eps=0.01,0.01 d=1.5 weight_decay=0.2 maximize=true",
         d.start(6), d.grads(6, steps=4) + d.grads(6, steps=4, scale=0.001)),
        # Zero gradients: the estimate is clamped to eps1^2 (or its mean to
        # eps1), 0 * rsqrt(...) = 0, and nothing moves; no NaN.
        ("adafactor_zero_grad_vector", "",
         d.start(3), [zeros(3, F32)] * 2 + d.grads(3, steps=3) + [zeros(3, F32)] * 3),
        ("adafactor_zero_grad_matrix", "",
         d.start(2, 3), [zeros((2, 3), F32)] * 2 + d.grads(2, 3, steps=3) + [zeros((2, 3), F32)] * 3),
        # Tiny and huge gradients: g^2 is 1e-40 (below float32's normal range)
        # or 1e36 (near its top). The tiny vector's estimate is clamped to
        # eps1^2, so its update is about 1e-13 and the weights do not move;
        # the huge vector's update does not see the scale. A matrix's
        # row_var @ col_var, 1e72, overflows to inf, and its update,
        # g * rsqrt(inf), is 0: the weights do not move.
        ("adafactor_tiny_vector", "", d.start(3), d.grads(3, steps=5, scale=1e-20)),
        ("adafactor_tiny_matrix", "", d.start(2, 3), d.grads(2, 3, steps=5, scale=1e-20)),
        ("adafactor_huge_vector", "", d.start(3), d.grads(3, steps=5, scale=1e18)),
        ("adafactor_huge_matrix", "", d.start(2, 3), d.grads(2, 3, steps=5, scale=1e18)),
        # Rows a thousand times apart: the factored estimate keeps each row's scale.
        ("adafactor_rows_apart", "", d.start(3, 4),
         [g * np.array([[1e-3], [1.0], [1e3]], F32) for g in d.grads(3, 4)]),
        # g = u v^T: g^2 is rank one, so at t = 1 the estimate is g^2 exactly.
        ("adafactor_rank_one", "", d.start(3, 4),
         [np.outer(d.start(3), d.start(4)).astype(F32) for _ in range(6)]),
        # Long runs: the beta2 schedule 1 - t^-0.8 over 30 steps.
        ("adafactor_long_vector", "lr=0.05", d.start(4), d.grads(4, steps=30)),
        ("adafactor_long_matrix", "lr=0.05", d.start(4, 3), d.grads(4, 3, steps=30)),
        # Two param groups of one optimizer in the C tests: the same length,
        # their own lr and weight_decay, everything else PyTorch's defaults.
        ("adafactor_group_decay", "lr=0.05 weight_decay=0.1", d.start(3, 4), d.grads(3, 4)),
        ("adafactor_group_no_decay", "lr=0.2 weight_decay=0", d.start(4), d.grads(4)),
        # Gradients of 1e8: row_var @ col_var near 1e32 still fits, and the
        # matrix's update does not see the scale either.
        ("adafactor_large_matrix", "", d.start(2, 3), d.grads(2, 3, steps=5, scale=1e8)),
    ]
    return out


def run_port(start, grads, settings):
    """The port's trajectory: after each step, the parameter and the state."""
    hp = hyper(settings)
    param = np.array(start, F32)
    state = new_state(param.shape)
    steps = []
    for g in grads:
        param = adafactor_step(param, np.array(g, F32).reshape(param.shape), state, hp)
        steps.append((param.copy(), {k: np.array(v) for k, v in state.items() if k != "step"}))
    return steps


def render():
    about = ("# Golden trajectories of torch.optim.Adafactor (PyTorch >= 2.5), made by\n"
             "# tools/adafactor_reference.py with numpy %s: a float32 NumPy port of\n"
             "# _single_tensor_adafactor in torch/optim/_adafactor.py, since the PyTorch\n"
             "# that makes the other golden files (1.13) has no Adafactor.\n") % np.__version__
    return render_port("adafactor_reference.py", about, "adafactor", cases, run_port)


# ---- checking the port against PyTorch ---------------------------------------------

def check_ops():
    """The port's lerp, norm and rsqrt against torch's own ops in float32."""
    import torch
    rng = np.random.default_rng(1)
    worst = {}
    for trial in range(200):
        n = int(rng.integers(1, 40))
        a = (rng.standard_normal(n) ** 2).astype(F32)
        b = (rng.standard_normal(n) ** 2).astype(F32)
        for w in (1.0, 0.5, 0.3, float(2.0 ** -0.8), float(7.0 ** -0.8), 0.0):
            got = torch.lerp(torch.from_numpy(a), torch.from_numpy(b), w).numpy()
            worst["lerp"] = max(worst.get("lerp", 0), ulps(got, lerp(a, b, w)))
        got = torch.from_numpy(a).norm(2).item()
        worst["norm"] = max(worst.get("norm", 0), ulps(F32(got), norm(a)))
        got = torch.rsqrt(torch.from_numpy(a)).numpy()
        worst["rsqrt"] = max(worst.get("rsqrt", 0), ulps(got, F32(1) / np.sqrt(a)))
    print("torch %s against the port, largest difference in float32 ulps:" % torch.__version__)
    for op, u in worst.items():
        print("  %-6s %g" % (op, u))
    return all(u <= 2 for u in worst.values())


def against_torch():
    """Every case through torch.optim.Adafactor (single-tensor, float32, CPU)
    and through the port: the largest difference of each, in ulps and
    relative to the element's largest size so far (as the C tests measure)."""
    import torch
    if not hasattr(torch.optim, "Adafactor"):
        print("torch %s has no torch.optim.Adafactor (it needs 2.5 or later)" % torch.__version__)
        return False
    torch.set_num_threads(1)
    print("torch %s, numpy %s" % (torch.__version__, np.__version__))
    print("%-30s %10s %12s %10s %12s" % ("case", "param ulp", "param rel", "state ulp", "state rel"))
    ok = True
    overall = [0.0, 0.0, 0.0, 0.0]
    with np.errstate(all="ignore"):
        for name, settings, start, grads in cases():
            hp = hyper(settings)
            p = torch.tensor(np.array(start, F32)).requires_grad_(True)
            opt = torch.optim.Adafactor([p], lr=hp["lr"], beta2_decay=hp["beta2_decay"], eps=hp["eps"],
                                        d=hp["d"], weight_decay=hp["weight_decay"], foreach=False,
                                        maximize=hp["maximize"])
            steps = run_port(start, grads, settings)
            worst = [0.0, 0.0, 0.0, 0.0]
            scale = np.abs(np.array(start, F32)).astype(np.float64)
            for g, (param, state) in zip(grads, steps):
                p.grad = torch.tensor(np.array(g, F32)).reshape(p.shape)
                opt.step()
                theirs = p.detach().numpy()
                scale = np.maximum(scale, np.abs(theirs))
                worst[0] = max(worst[0], ulps(theirs, param))
                rel = np.abs(theirs.astype(np.float64) - param) / np.maximum(scale, 1e-300)
                worst[1] = max(worst[1], float(np.max(rel)))
                for key, mine in state.items():
                    t = opt.state[p][key].numpy()
                    worst[2] = max(worst[2], ulps(t, mine))
                    r = np.abs(t.astype(np.float64) - mine) / np.maximum(np.abs(t), 1e-300)
                    worst[3] = max(worst[3], float(np.max(r)))
            print("%-30s %10g %12.3g %10g %12.3g" % (name, *worst))
            overall = [max(x, y) for x, y in zip(overall, worst)]
            ok = ok and math.isfinite(worst[0]) and math.isfinite(worst[2])
        print("%-30s %10g %12.3g %10g %12.3g" % ("largest", *overall))
        # Gradients of 1e20: g^2 overflows float32, and lerp(0, inf, 1) is
        # inf - inf * 0 = NaN in PyTorch as in the port.
        for shape in ((3,), (2, 3)):
            p = torch.ones(shape, requires_grad=True)
            opt = torch.optim.Adafactor([p], foreach=False)
            p.grad = torch.full(shape, 1e20)
            opt.step()
            mine = run_port(np.ones(shape, F32), [np.full(shape, 1e20, F32)], "")[0][0]
            print("gradient 1e20, shape %s: torch %s, port %s" % (shape, p.detach().numpy().ravel(), mine.ravel()))
    return ok


def main():
    command_line(__doc__, [(GOLDEN, render)], {
        "--check-ops": ("the port's ops against torch's", check_ops),
        "--against-torch": ("every case against torch.optim.Adafactor (torch >= 2.5)", against_torch),
    })


if __name__ == "__main__":
    main()
