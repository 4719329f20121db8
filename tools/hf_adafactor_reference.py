#!/usr/bin/env python3
"""hf_adafactor_reference.py - tests/golden/hf_adafactor.txt from a NumPy port of HF transformers' Adafactor.

Exercise 3 of chapter 8 (exercises/08_adafactor) adds to PyTorch's Adafactor
what Hugging Face's transformers.optimization.Adafactor (a port of fairseq's)
has and torch.optim.Adafactor has not: the optional first moment beta1 on the
already scaled update, the relative step with warmup_init, scale_parameter
and an external lr. This script ports that optimizer's step to NumPy, as
huggingface/transformers@005edacb6b5dabbf0843e92c6623de9e07ca6241,
src/transformers/optimization.py (class Adafactor: _get_lr, _rms,
_approx_sq_grad, step) writes it: every tensor operation in float32 and every
Python-float scalar in double, in its order, rounding where PyTorch rounds.
Only the factored path (a parameter of two dimensions, a matrix) is ported:
the exercise is about matrices.

    python3 tools/hf_adafactor_reference.py                 # writes tests/golden/hf_adafactor.txt
    python3 tools/hf_adafactor_reference.py --check         # exits 1 if the file would change
    python3 tools/hf_adafactor_reference.py --against-torch
        # with any torch: replays every case through the same step written
        # in torch operations (transformers itself need not be installed)
        # and prints how far the port is from it, in float32 ulps

Where the port cannot follow PyTorch bit for bit, and why:
- PyTorch sums a norm's squares and a mean's terms in float32, in an order
  of its own; the port sums them in double and rounds once.
- PyTorch's vectorised CPU kernels fuse add_'s multiply and add (one
  rounding); the port rounds the product first, as the scalar code reads.
The file has the format of tools/make_golden.py's (common/golden.h);
exp_avg_sq_row and exp_avg_sq_col are not shaped like the parameter, so each
of their shapes is written on a state_shape line.
"""
import math
import os

import numpy as np

from golden_io import Draws, WorstTable, command_line, relative, render_port, settings_over, ulps

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "tests", "golden", "hf_adafactor.txt")

F32 = np.float32

# Adafactor.__init__'s signature. None (lr, beta1) is left out of a case's
# settings line: the C tests read a missing key as its default.
DEFAULTS = {"lr": None, "eps": (1e-30, 1e-3), "clip_threshold": 1.0, "decay_rate": -0.8,
            "beta1": None, "weight_decay": 0.0, "scale_parameter": True, "relative_step": True,
            "warmup_init": False}
BOOLS = ("scale_parameter", "relative_step", "warmup_init")


# ---- float32 tensor operations as PyTorch rounds them ---------------------------------

def norm(x):
    """tensor.norm(2) as a float32: the squares summed in double, the root rounded once."""
    total = 0.0
    for v in np.asarray(x, F32).ravel():
        total += float(v) * float(v)
    return F32(math.sqrt(total))


def mean_last(x):
    """tensor.mean(dim=-1) of float32: the sum rounded to float32, then divided by
    the count in float32 (ATen's mean is sum(...).div_(n))."""
    x = np.asarray(x, F32)
    sums = np.array([F32(sum(float(v) for v in row)) for row in x.reshape(-1, x.shape[-1])], F32)
    return (sums / F32(x.shape[-1])).astype(F32).reshape(x.shape[:-1])


def rsqrt(x):
    """torch.rsqrt on the CPU: 1 / sqrt(x), each rounded to float32."""
    return (F32(1) / np.sqrt(np.asarray(x, F32))).astype(F32)


def add_scaled(a, b, alpha):
    """a.add_(b, alpha=alpha): the alpha rounded to float32, the product rounded."""
    return (a + (F32(alpha) * b).astype(F32)).astype(F32)


# ---- the port of Adafactor.step for one matrix ---------------------------------------

def rms(tensor):
    """Adafactor._rms: tensor.norm(2) / (numel ** 0.5), a float32 tensor divided
    by a Python float, which PyTorch rounds to float32 before dividing."""
    return F32(norm(tensor) / F32(tensor.size ** 0.5))


def get_lr(hp, step, param_rms):
    """Adafactor._get_lr. Returns lr as the step uses it: a float32 when the
    parameter's RMS (a float32 tensor) sets the scale, else a Python float."""
    rel_step_sz = hp["lr"]
    if hp["relative_step"]:
        min_step = 1e-6 * step if hp["warmup_init"] else 1e-2
        rel_step_sz = min(min_step, 1.0 / math.sqrt(step))
    param_scale = 1.0
    if hp["scale_parameter"]:
        # max(eps2, RMS): Python's max keeps eps2 unless RMS > eps2, which
        # torch compares in float32.
        param_scale = param_rms if param_rms > F32(hp["eps"][1]) else hp["eps"][1]
    if isinstance(param_scale, np.float32):
        return F32(param_scale * F32(rel_step_sz))   # a tensor times a float: in float32
    return param_scale * rel_step_sz


def approx_sq_grad(row, col):
    """Adafactor._approx_sq_grad: rsqrt(row / mean(row)) times rsqrt(col), an outer product."""
    r_factor = rsqrt((row / mean_last(row[None, :])[0]).astype(F32))
    c_factor = rsqrt(col)
    return (r_factor[:, None] * c_factor[None, :]).astype(F32)


def hf_step(param, grad, state, hp):
    """One step of Adafactor.step on one float32 matrix; returns the new parameter
    and updates `state` (step, exp_avg_sq_row, exp_avg_sq_col, exp_avg) in place."""
    state["step"] += 1                             # a Python int
    step = state["step"]
    lr = get_lr(hp, step, rms(param))              # state["RMS"]: of the parameter before the step

    beta2t = 1.0 - math.pow(step, hp["decay_rate"])
    update = ((grad * grad).astype(F32) + F32(hp["eps"][0])).astype(F32)   # grad**2 + eps1
    row = (state["exp_avg_sq_row"] * F32(beta2t)).astype(F32)
    state["exp_avg_sq_row"] = add_scaled(row, mean_last(update), 1.0 - beta2t)
    col = (state["exp_avg_sq_col"] * F32(beta2t)).astype(F32)
    state["exp_avg_sq_col"] = add_scaled(col, mean_last(update.T), 1.0 - beta2t)   # mean(dim=-2)

    update = approx_sq_grad(state["exp_avg_sq_row"], state["exp_avg_sq_col"])
    update = (update * grad).astype(F32)
    # update.div_((rms(update) / clip_threshold).clamp_(min=1.0))
    denom = max(F32(rms(update) / F32(hp["clip_threshold"])), F32(1.0))
    update = (update / denom).astype(F32)
    update = (update * F32(lr)).astype(F32)

    if hp["beta1"] is not None:
        exp_avg = (state["exp_avg"] * F32(hp["beta1"])).astype(F32)
        state["exp_avg"] = add_scaled(exp_avg, update, 1 - hp["beta1"])
        update = state["exp_avg"]

    if hp["weight_decay"] != 0:
        # alpha = -weight_decay * lr: in float32 when lr is a float32 tensor.
        alpha = F32(F32(-hp["weight_decay"]) * lr) if isinstance(lr, np.float32) else -hp["weight_decay"] * lr
        param = add_scaled(param, param, alpha)
    return (param - update).astype(F32)            # p.add_(-update)


# ---- the cases ------------------------------------------------------------------------

def hyper(settings):
    """A case's settings ("beta1=0.9 relative_step=false") on top of the defaults."""
    hp = settings_over(DEFAULTS, settings, lists=("eps",), bools=BOOLS)
    if hp["lr"] is not None and hp["relative_step"]:
        raise ValueError("Cannot combine manual `lr` and `relative_step=True` options")
    if hp["warmup_init"] and not hp["relative_step"]:
        raise ValueError("`warmup_init=True` requires `relative_step=True`")
    return hp


DEFAULT_SETTINGS = ("eps=1e-30,0.001 clip_threshold=1 decay_rate=-0.8 weight_decay=0 "
                    "scale_parameter=true relative_step=true warmup_init=false")


def cases():
    """(name, settings, start, gradients) of every case, in the file's order."""
    d = Draws(20240815)
    zeros = np.zeros
    return [
        # Every default written out but lr and beta1, which are None: the C
        # tests replay it with no settings at all.
        ("hf_default", DEFAULT_SETTINGS, d.start(3, 4), d.grads(3, 4)),
        # The first moment on the scaled update, beta1 0.9 and 0 (0 keeps an
        # exp_avg that is each step's update).
        ("hf_beta1", "beta1=0.9", d.start(3, 4), d.grads(3, 4)),
        ("hf_beta1_zero", "beta1=0", d.start(3, 4), d.grads(3, 4)),
        # warmup_init: rel = min(1e-6 t, 1/sqrt(t)). Steps of 1e-6 of a weight
        # are a few ulps of a weight of 1, so the weights start small (1e-5)
        # and the tests see each step well above rounding; from zero, eps2
        # sets the scale (1e-9 t).
        ("hf_warmup_init", "warmup_init=true", d.start(3, 4, scale=1e-5), d.grads(3, 4)),
        ("hf_warmup_init_zero_start", "warmup_init=true", zeros((3, 4), F32), d.grads(3, 4)),
        ("hf_warmup_init_beta1", "warmup_init=true beta1=0.9", d.start(3, 4, scale=1e-5), d.grads(3, 4)),
        # scale_parameter false: the relative step alone, 0.01 at first.
        ("hf_unscaled", "scale_parameter=false", d.start(3, 4), d.grads(3, 4)),
        ("hf_unscaled_warmup", "scale_parameter=false warmup_init=true", d.start(3, 4, scale=1e-5),
         d.grads(3, 4)),
        # An external lr: the T5 fine-tuning recipe of the docstring, and an
        # lr scaled by RMS(param).
        ("hf_t5_recipe", "lr=0.001 scale_parameter=false relative_step=false", d.start(3, 4), d.grads(3, 4)),
        ("hf_external_scaled", "lr=0.05 relative_step=false", d.start(3, 4), d.grads(3, 4)),
        # RMS(param) near 0.1, below eps2 = 0.5: eps2 sets the scale.
        ("hf_eps2", "eps=1e-30,0.5", d.start(3, 4, scale=0.1), d.grads(3, 4)),
        # eps1 0.01 inside g^2 + eps1, with gradients near 0.1: it damps them.
        ("hf_eps1_large", "eps=0.01,0.001", d.start(3, 4), d.grads(3, 4, scale=0.1)),
        ("hf_decay_rate", "decay_rate=-0.5", d.start(3, 4), d.grads(3, 4)),
        # Gradients ten times larger from step 5: the update is clipped.
        ("hf_clipping", "beta1=0.9", d.start(3, 4), d.grads(3, 4, steps=4) + d.grads(3, 4, steps=4, scale=10)),
        ("hf_clip_threshold", "clip_threshold=2", d.start(3, 4),
         d.grads(3, 4, steps=4) + d.grads(3, 4, steps=4, scale=10)),
        # Decay by weight_decay * lr, after the update is worked out.
        ("hf_weight_decay", "weight_decay=0.1", d.start(3, 4), d.grads(3, 4)),
        ("hf_weight_decay_lr", "lr=0.01 weight_decay=0.5 relative_step=false scale_parameter=false",
         d.start(3, 4), d.grads(3, 4)),
        ("hf_every_keyword",
         "lr=0.05 eps=1e-20,0.01 clip_threshold=1.5 decay_rate=-0.6 beta1=0.8 weight_decay=0.2 "
         "scale_parameter=true relative_step=false warmup_init=false", d.start(2, 5), d.grads(2, 5)),
        # Zero gradients: eps1 keeps every mean above 0, the update is 0 * a
        # large number = 0; momentum still moves the weights.
        ("hf_zero_grad", "beta1=0.9", d.start(2, 3),
         [zeros((2, 3), F32)] * 2 + d.grads(2, 3, steps=3) + [zeros((2, 3), F32)] * 3),
        # One row, one column: still factored.
        ("hf_one_row", "beta1=0.9", d.start(1, 5), d.grads(1, 5, steps=6)),
        ("hf_one_column", "beta1=0.9", d.start(5, 1), d.grads(5, 1, steps=6)),
        # Rows a thousand times apart, and g = u v^T.
        ("hf_rows_apart", "", d.start(3, 4), [g * np.array([[1e-3], [1.0], [1e3]], F32) for g in d.grads(3, 4)]),
        ("hf_rank_one", "beta1=0.5", d.start(3, 4), [np.outer(d.start(3), d.start(4)).astype(F32) for _ in range(6)]),
        # Long runs: the decay_rate schedule and the momentum over 30 steps.
        ("hf_long", "beta1=0.9", d.start(4, 3), d.grads(4, 3, steps=30)),
        ("hf_long_warmup", "beta1=0.9 warmup_init=true", d.start(4, 3, scale=1e-5), d.grads(4, 3, steps=30)),
    ]


def new_state(shape, hp):
    """The state Adafactor.step makes for a matrix on its first step."""
    rows, cols = shape
    state = {"step": 0, "exp_avg_sq_row": np.zeros(rows, F32), "exp_avg_sq_col": np.zeros(cols, F32)}
    if hp["beta1"] is not None:
        state["exp_avg"] = np.zeros(shape, F32)
    return state


def state_keys(hp):
    keys = ["exp_avg_sq_row", "exp_avg_sq_col"]
    return keys + ["exp_avg"] if hp["beta1"] is not None else keys


def run_port(start, grads, settings):
    """The port's trajectory: after each step, the parameter and the state."""
    hp = hyper(settings)
    param = np.array(start, F32)
    state = new_state(param.shape, hp)
    steps = []
    for g in grads:
        param = hf_step(param, np.array(g, F32), state, hp)
        steps.append((param.copy(), {k: np.array(state[k]) for k in state_keys(hp)}))
    return steps


def render():
    about = ("# Golden trajectories of HF transformers' Adafactor (transformers.optimization.Adafactor,\n"
             "# transformers@005edacb), made by tools/hf_adafactor_reference.py with numpy %s:\n"
             "# a float32 NumPy port of its step on a matrix. lr and beta1 are None where a\n"
             "# case's settings leave them out.\n") % np.__version__
    return render_port("hf_adafactor_reference.py", about, "hf_adafactor", cases, run_port)


# ---- checking the port against the same step in torch operations -----------------------

def torch_step(torch, p, grad, state, group):
    """Adafactor.step's body for one matrix, in torch operations as
    transformers@005edacb writes them (the class needs transformers; its step
    needs only torch)."""
    def _rms(tensor):
        return tensor.norm(2) / (tensor.numel() ** 0.5)

    state["step"] += 1
    state["RMS"] = _rms(p)
    rel_step_sz = group["lr"]
    if group["relative_step"]:
        min_step = 1e-6 * state["step"] if group["warmup_init"] else 1e-2
        rel_step_sz = min(min_step, 1.0 / math.sqrt(state["step"]))
    param_scale = 1.0
    if group["scale_parameter"]:
        param_scale = max(group["eps"][1], state["RMS"])
    lr = param_scale * rel_step_sz
    beta2t = 1.0 - math.pow(state["step"], group["decay_rate"])
    update = (grad ** 2) + group["eps"][0]
    row, col = state["exp_avg_sq_row"], state["exp_avg_sq_col"]
    row.mul_(beta2t).add_(update.mean(dim=-1), alpha=(1.0 - beta2t))
    col.mul_(beta2t).add_(update.mean(dim=-2), alpha=(1.0 - beta2t))
    r_factor = (row / row.mean(dim=-1, keepdim=True)).rsqrt_().unsqueeze(-1)
    c_factor = col.unsqueeze(-2).rsqrt()
    update = torch.mul(r_factor, c_factor)
    update.mul_(grad)
    update.div_((_rms(update) / group["clip_threshold"]).clamp_(min=1.0))
    update.mul_(lr)
    if group["beta1"] is not None:
        state["exp_avg"].mul_(group["beta1"]).add_(update, alpha=(1 - group["beta1"]))
        update = state["exp_avg"]
    if group["weight_decay"] != 0:
        p.add_(p, alpha=(-group["weight_decay"] * lr))
    p.add_(-update)


def against_torch():
    """Every case through the port and through torch_step: the largest
    difference of the parameters and of the states, in float32 ulps of each
    element and relative to the largest size the element has had so far (the
    scale at which the C tests compare them)."""
    import torch
    torch.set_num_threads(1)
    print("torch %s, numpy %s" % (torch.__version__, np.__version__))
    table = WorstTable(["param ulp", "param rel", "state ulp", "state rel"])
    with np.errstate(all="ignore"):
        for name, settings, start, grads in cases():
            hp = hyper(settings)
            p = torch.tensor(np.array(start, F32))
            rows, cols = p.shape
            state = {"step": 0, "exp_avg_sq_row": torch.zeros(rows), "exp_avg_sq_col": torch.zeros(cols)}
            if hp["beta1"] is not None:
                state["exp_avg"] = torch.zeros(rows, cols)
            worst = [0.0] * 4
            scale = np.abs(np.array(start, np.float64))
            state_scale = {}
            for g, (param, mine) in zip(grads, run_port(start, grads, settings)):
                torch_step(torch, p, torch.tensor(np.array(g, F32)), state, hp)
                scale = np.maximum(scale, np.abs(p.numpy()))
                worst[0] = max(worst[0], ulps(p.numpy(), param))
                worst[1] = max(worst[1], relative(p.numpy(), param, scale))
                for key in state_keys(hp):
                    theirs = state[key].numpy()
                    state_scale[key] = np.maximum(state_scale.get(key, 0.0), np.abs(theirs))
                    worst[2] = max(worst[2], ulps(theirs, mine[key]))
                    worst[3] = max(worst[3], relative(theirs, mine[key], state_scale[key]))
            table.row(name, worst)
    return table.done()


def main():
    command_line(__doc__, [(GOLDEN, render)], {
        "--against-torch": ("every case against the same step in torch operations", against_torch),
    })


if __name__ == "__main__":
    main()
