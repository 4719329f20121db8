#!/usr/bin/env python3
"""make_golden.py - regenerate tests/golden/ from PyTorch's own optimizers.

The C tests never run Python: they read the files this script writes. Each
case fixes a starting tensor and a sequence of gradients, runs the real
torch.optim class on them in float32, and records the parameters (and the
optimizer state) after every step.

    python3 tools/make_golden.py            # writes tests/golden/*.txt
    python3 tools/make_golden.py --check    # exits 1 if a file would change

Needs Debian's python3-torch (or any PyTorch); see the header of each output
file for the version that made it.
"""
import argparse
import io
import math
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "tests", "golden")


def fmt(values):
    """float32 values with enough digits to read back exactly."""
    return " ".join("%.9g" % v for v in np.asarray(values, dtype=np.float32).ravel())


def torch_kwargs(settings):
    """Our settings strings ("betas=0.9,0.99") as Python keyword arguments."""
    kwargs = {}
    for key, text in settings.items():
        if text in ("true", "false"):
            kwargs[key] = text == "true"
        elif "," in text:
            kwargs[key] = tuple(float(x) for x in text.split(","))
        else:
            kwargs[key] = float(text)
    return kwargs


def run_case(out, name, cls, settings, param, grads, state_keys=()):
    """Runs torch.optim.<cls> from `param` on `grads` and writes the case."""
    p = torch.tensor(param, dtype=torch.float32).clone().requires_grad_(True)
    opt = cls([p], **torch_kwargs(settings))
    out.write("case %s\n" % name)
    out.write("optimizer %s\n" % cls.__name__.lower())
    if settings:
        out.write("settings %s\n" % " ".join("%s=%s" % kv for kv in settings.items()))
    out.write("shape %s\n" % " ".join(str(d) for d in p.shape))
    out.write("param %s\n" % fmt(param))
    for g in grads:
        p.grad = torch.tensor(g, dtype=torch.float32).reshape(p.shape)
        opt.step()
        out.write("grad %s\n" % fmt(g))
        out.write("expect %s\n" % fmt(p.detach().numpy()))
        for key in state_keys:
            out.write("state %s %s\n" % (key, fmt(opt.state[p][key].numpy())))
    out.write("end\n\n")


def f32(rng, shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def sgd_cases(out):
    rng = np.random.default_rng(20240601)
    sgd = torch.optim.SGD

    def grads(shape, steps=6, scale=1.0):
        return [f32(rng, shape, scale) for _ in range(steps)]

    # lr is given explicitly: PyTorch 1.13 has no default for it; newer
    # releases default to 1e-3, which the C default is checked against here.
    run_case(out, "sgd_lr_default", sgd, {"lr": "0.001"}, f32(rng, (5,)), grads((5,)))
    run_case(out, "sgd_lr", sgd, {"lr": "0.1"}, f32(rng, (7,)), grads((7,), steps=8))
    run_case(out, "sgd_weight_decay", sgd, {"lr": "0.05", "weight_decay": "0.1"},
             f32(rng, (2, 3)), grads((2, 3)))
    run_case(out, "sgd_maximize", sgd, {"lr": "0.1", "maximize": "true"},
             f32(rng, (4,)), grads((4,)))
    run_case(out, "sgd_maximize_weight_decay", sgd,
             {"lr": "0.1", "weight_decay": "0.01", "maximize": "true"},
             f32(rng, (3, 2)), grads((3, 2)))
    run_case(out, "sgd_zero_grad_decay", sgd, {"lr": "0.5", "weight_decay": "0.2"},
             f32(rng, (3,)), [np.zeros(3, np.float32)] * 4)
    run_case(out, "sgd_lr_zero", sgd, {"lr": "0", "weight_decay": "0.3"},
             f32(rng, (3,)), grads((3,), steps=3))
    # Huge and tiny magnitudes: float32 keeps its relative precision at both ends.
    huge = np.array([1e30, -3e29, 2e-30, -5e-31], np.float32)
    run_case(out, "sgd_huge_tiny", sgd, {"lr": "0.01", "weight_decay": "0.001"},
             np.array([1e32, -1e31, 1e-28, 3e-29], np.float32),
             [huge * (1 + 0.1 * k) for k in range(4)])
    # A real trajectory: the gradient of a quadratic at the current point, so
    # the sequence is the one an experiment would produce.
    A = np.diag([0.1, 1.0, 4.0]).astype(np.float32)
    x = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float32, requires_grad=True)
    opt = sgd([x], lr=0.2)
    seq = []
    for _ in range(10):
        g = torch.tensor(A) @ x.detach()
        seq.append(g.numpy().copy())
        x.grad = g
        opt.step()
    run_case(out, "sgd_quadratic_path", sgd, {"lr": "0.2"}, [1.0, -2.0, 0.5], seq)
    sgd_momentum_cases(out)


def quadratic_path(settings, start, curvatures, steps, cls=torch.optim.SGD):
    """The gradients torch.optim.<cls> meets on 1/2 sum h_i x_i^2 from `start`:
    each one computed by PyTorch (in float32) at the point it has reached."""
    h = torch.tensor(curvatures, dtype=torch.float32)
    x = torch.tensor(start, dtype=torch.float32, requires_grad=True)
    opt = cls([x], **torch_kwargs(settings))
    seq = []
    for _ in range(steps):
        g = h * x.detach()
        seq.append(g.numpy().copy())
        x.grad = g
        opt.step()
    return seq


def sgd_momentum_cases(out):
    """Chapter 2: momentum, dampening and Nesterov. These cases come after
    chapter 1's and draw from their own generator, so chapter 1's cases stay
    exactly as they were."""
    rng = np.random.default_rng(20240602)
    sgd = torch.optim.SGD
    buf = ("momentum_buffer",)

    def grads(shape, steps=8, scale=1.0):
        return [f32(rng, shape, scale) for _ in range(steps)]

    # momentum=0 is the default: PyTorch keeps no buffer, dampening and
    # nesterov=false change nothing. The C test replays it with lr alone.
    run_case(out, "sgd_momentum_default", sgd,
             {"lr": "0.1", "momentum": "0", "dampening": "0", "weight_decay": "0",
              "nesterov": "false", "maximize": "false"},
             f32(rng, (5,)), grads((5,), steps=4))
    # With momentum 0, dampening is ignored (there is no buffer to damp).
    run_case(out, "sgd_momentum_zero_dampening_ignored", sgd,
             {"lr": "0.1", "momentum": "0", "dampening": "0.5"},
             f32(rng, (4,)), grads((4,), steps=4))
    run_case(out, "sgd_momentum", sgd, {"lr": "0.1", "momentum": "0.9"},
             f32(rng, (6,)), grads((6,)), buf)
    run_case(out, "sgd_momentum_dampening", sgd,
             {"lr": "0.1", "momentum": "0.9", "dampening": "0.5"},
             f32(rng, (6,)), grads((6,)), buf)
    # dampening = momentum: the "exponential moving average" convention.
    run_case(out, "sgd_momentum_ema", sgd,
             {"lr": "1", "momentum": "0.9", "dampening": "0.9"},
             f32(rng, (4,)), grads((4,)), buf)
    run_case(out, "sgd_nesterov", sgd, {"lr": "0.05", "momentum": "0.9", "nesterov": "true"},
             f32(rng, (6,)), grads((6,)), buf)
    run_case(out, "sgd_momentum_weight_decay", sgd,
             {"lr": "0.1", "momentum": "0.9", "weight_decay": "0.01"},
             f32(rng, (2, 3)), grads((2, 3)), buf)
    run_case(out, "sgd_momentum_maximize_nesterov", sgd,
             {"lr": "0.1", "momentum": "0.8", "weight_decay": "0.02", "nesterov": "true",
              "maximize": "true"},
             f32(rng, (3, 2)), grads((3, 2)), buf)
    run_case(out, "sgd_momentum_099", sgd, {"lr": "0.01", "momentum": "0.99"},
             f32(rng, (5,)), grads((5,), steps=10), buf)
    # After the gradients stop, the buffer decays by momentum per step and
    # the parameters keep rolling: zero gradients do not stop momentum.
    run_case(out, "sgd_momentum_zero_grad", sgd,
             {"lr": "0.1", "momentum": "0.9", "dampening": "0.2"},
             f32(rng, (3,)), grads((3,), steps=3) + [np.zeros(3, np.float32)] * 5, buf)
    # Huge and tiny magnitudes, for the buffer as well as the parameters.
    huge = np.array([1e30, -3e29, 2e-30, -5e-31], np.float32)
    run_case(out, "sgd_momentum_huge_tiny", sgd,
             {"lr": "0.01", "momentum": "0.9", "weight_decay": "0.001", "nesterov": "true"},
             np.array([1e32, -1e31, 1e-28, 3e-29], np.float32),
             [huge * (1 + 0.1 * k) for k in range(5)], buf)
    # Real trajectories: heavy ball and Nesterov on a quadratic, with the
    # gradient computed by PyTorch at each point it reaches.
    for name, settings in (("sgd_momentum_quadratic_path", {"lr": "0.2", "momentum": "0.9"}),
                           ("sgd_nesterov_quadratic_path",
                            {"lr": "0.2", "momentum": "0.9", "nesterov": "true"})):
        start = [1.0, -2.0, 0.5]
        seq = quadratic_path(settings, start, [0.1, 1.0, 4.0], 20)
        run_case(out, name, sgd, settings, start, seq, buf)


def sgd_steplr_cases(out):
    """SGD under StepLR on the book's ravine (kappa 20), for exercise 2 of
    chapter 1: the gradient h*x is computed by PyTorch at each point."""
    h = torch.tensor([0.05, 1.0], dtype=torch.float32)
    start = np.array([1.0 / np.sqrt(0.05), 1.0], dtype=np.float32)
    x = torch.tensor(start, requires_grad=True)
    opt = torch.optim.SGD([x], lr=1.9)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
    out.write("case sgd_steplr_ravine\noptimizer sgd\n")
    out.write("settings lr=1.9 step_size=10 gamma=0.5\nshape 2\n")
    out.write("param %s\n" % fmt(start))
    for _ in range(30):
        g = h * x.detach()
        x.grad = g
        opt.step()
        sched.step()
        out.write("grad %s\nexpect %s\n" % (fmt(g.numpy()), fmt(x.detach().numpy())))
    out.write("end\n\n")


def adagrad_cases(out):
    """Chapter 3: torch.optim.Adagrad, every keyword and its defaults, with
    the state `sum` after each step."""
    rng = np.random.default_rng(20240603)
    adagrad = torch.optim.Adagrad
    state = ("sum",)

    def grads(shape, steps=8, scale=1.0):
        return [f32(rng, shape, scale) for _ in range(steps)]

    # Every default written out: the C test replays it with no settings at all.
    run_case(out, "adagrad_default", adagrad,
             {"lr": "0.01", "lr_decay": "0", "weight_decay": "0",
              "initial_accumulator_value": "0", "eps": "1e-10", "maximize": "false"},
             f32(rng, (5,)), grads((5,)), state)
    run_case(out, "adagrad_lr", adagrad, {"lr": "0.1"}, f32(rng, (6,)), grads((6,)), state)
    run_case(out, "adagrad_lr_decay", adagrad, {"lr": "0.1", "lr_decay": "0.5"},
             f32(rng, (4,)), grads((4,)), state)
    run_case(out, "adagrad_weight_decay", adagrad, {"lr": "0.1", "weight_decay": "0.1"},
             f32(rng, (4,)), grads((4,)), state)
    run_case(out, "adagrad_initial_accumulator", adagrad,
             {"lr": "0.1", "initial_accumulator_value": "0.5"},
             f32(rng, (4,)), grads((4,)), state)
    # A large eps: here it changes the step visibly (eps is added after sqrt).
    run_case(out, "adagrad_eps", adagrad, {"lr": "0.1", "eps": "0.3"},
             f32(rng, (4,)), grads((4,), scale=0.3), state)
    run_case(out, "adagrad_maximize", adagrad,
             {"lr": "0.1", "weight_decay": "0.05", "maximize": "true"},
             f32(rng, (4,)), grads((4,)), state)
    run_case(out, "adagrad_all_keywords", adagrad,
             {"lr": "0.05", "lr_decay": "0.1", "weight_decay": "0.02",
              "initial_accumulator_value": "0.1", "eps": "1e-6", "maximize": "true"},
             f32(rng, (5,)), grads((5,)), state)
    # A 2-D parameter: the update is elementwise, the shape only labels it.
    run_case(out, "adagrad_2d", adagrad, {"lr": "0.1"}, f32(rng, (3, 4)), grads((3, 4)), state)
    # Zero gradients: the first step divides 0 by eps and moves nothing;
    # later zero steps leave both param and sum alone.
    run_case(out, "adagrad_zero_grad", adagrad, {"lr": "0.1"},
             f32(rng, (3,)), [np.zeros(3, np.float32)] + grads((3,), steps=3)
             + [np.zeros(3, np.float32)] * 3, state)
    # Huge and tiny gradients: the step is about lr whatever the scale, until
    # g*g leaves float32's range (1e-30 squared is below the smallest float).
    tiny_huge = np.array([1e15, -3e14, 2e-15, -5e-16], np.float32)
    run_case(out, "adagrad_huge_tiny", adagrad, {"lr": "0.1"},
             np.array([1.0, -1.0, 0.5, -0.5], np.float32),
             [tiny_huge * (1 + 0.1 * k) for k in range(5)], state)
    run_case(out, "adagrad_tiny_below_eps", adagrad, {"lr": "0.1"},
             np.array([1.0, -1.0, 0.5], np.float32),
             [np.array([1e-25, -3e-26, 1e-30], np.float32)] * 4, state)
    # A real trajectory: the gradient of a quadratic at each point reached.
    h = torch.tensor([0.1, 1.0, 4.0], dtype=torch.float32)
    x = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float32, requires_grad=True)
    opt = adagrad([x], lr=0.5)
    seq = []
    for _ in range(20):
        g = h * x.detach()
        seq.append(g.numpy().copy())
        x.grad = g
        opt.step()
    run_case(out, "adagrad_quadratic_path", adagrad, {"lr": "0.5"}, [1.0, -2.0, 0.5], seq, state)


def rmsprop_cases(out):
    """Chapter 4: torch.optim.RMSprop, every keyword and its defaults, with
    the state after each step: square_avg always, momentum_buffer when
    momentum > 0, grad_avg when centered (PyTorch keeps each only then)."""
    rng = np.random.default_rng(20240604)
    rmsprop = torch.optim.RMSprop
    sq = ("square_avg",)
    sq_buf = ("square_avg", "momentum_buffer")
    sq_avg = ("square_avg", "grad_avg")
    every = ("square_avg", "momentum_buffer", "grad_avg")

    def grads(shape, steps=8, scale=1.0):
        return [f32(rng, shape, scale) for _ in range(steps)]

    # Every default written out: the C test replays it with no settings at all.
    run_case(out, "rmsprop_default", rmsprop,
             {"lr": "0.01", "alpha": "0.99", "eps": "1e-08", "weight_decay": "0",
              "momentum": "0", "centered": "false", "maximize": "false"},
             f32(rng, (5,)), grads((5,)), sq)
    run_case(out, "rmsprop_lr", rmsprop, {"lr": "0.1"}, f32(rng, (6,)), grads((6,)), sq)
    # The lecture slides' alpha, and alpha = 0: square_avg is this step's g*g only.
    run_case(out, "rmsprop_alpha", rmsprop, {"lr": "0.1", "alpha": "0.9"},
             f32(rng, (4,)), grads((4,)), sq)
    run_case(out, "rmsprop_alpha_zero", rmsprop, {"lr": "0.1", "alpha": "0"},
             f32(rng, (4,)), grads((4,)), sq)
    # A large eps: here it changes the step visibly (eps is added after sqrt).
    run_case(out, "rmsprop_eps", rmsprop, {"lr": "0.1", "eps": "0.03"},
             f32(rng, (4,)), grads((4,), scale=0.3), sq)
    run_case(out, "rmsprop_weight_decay", rmsprop, {"lr": "0.1", "weight_decay": "0.1"},
             f32(rng, (4,)), grads((4,)), sq)
    run_case(out, "rmsprop_maximize", rmsprop,
             {"lr": "0.1", "weight_decay": "0.05", "maximize": "true"},
             f32(rng, (4,)), grads((4,)), sq)
    # momentum_buffer starts at 0, not at the first step's value (unlike SGD's).
    run_case(out, "rmsprop_momentum", rmsprop, {"lr": "0.05", "momentum": "0.9"},
             f32(rng, (5,)), grads((5,)), sq_buf)
    run_case(out, "rmsprop_centered", rmsprop, {"lr": "0.05", "centered": "true"},
             f32(rng, (5,)), grads((5,)), sq_avg)
    run_case(out, "rmsprop_centered_momentum", rmsprop,
             {"lr": "0.02", "momentum": "0.5", "centered": "true"},
             f32(rng, (5,)), grads((5,)), every)
    run_case(out, "rmsprop_all_keywords", rmsprop,
             {"lr": "0.03", "alpha": "0.95", "eps": "1e-06", "weight_decay": "0.02",
              "momentum": "0.8", "centered": "true", "maximize": "true"},
             f32(rng, (5,)), grads((5,)), every)
    # A 2-D parameter: the update is elementwise, the shape only labels it.
    run_case(out, "rmsprop_2d", rmsprop, {"lr": "0.05", "momentum": "0.3"},
             f32(rng, (3, 4)), grads((3, 4)), sq_buf)
    # Zero gradients: the first step divides 0 by eps and moves nothing; later
    # zero steps still shrink square_avg by alpha, and a momentum buffer keeps
    # rolling.
    zero_then = [np.zeros(3, np.float32)] + grads((3,), steps=3) + [np.zeros(3, np.float32)] * 3
    run_case(out, "rmsprop_zero_grad", rmsprop, {"lr": "0.1"}, f32(rng, (3,)), zero_then, sq)
    run_case(out, "rmsprop_zero_grad_momentum", rmsprop,
             {"lr": "0.1", "momentum": "0.9", "centered": "true"},
             f32(rng, (3,)), zero_then, every)
    # Huge and tiny gradients: the step hardly depends on the scale, until
    # g*g leaves float32's range (1e-25 squared is below the smallest float).
    tiny_huge = np.array([1e15, -3e14, 2e-15, -5e-16], np.float32)
    run_case(out, "rmsprop_huge_tiny", rmsprop, {"lr": "0.1"},
             np.array([1.0, -1.0, 0.5, -0.5], np.float32),
             [tiny_huge * (1 + 0.1 * k) for k in range(5)], sq)
    run_case(out, "rmsprop_tiny_below_eps", rmsprop, {"lr": "0.1"},
             np.array([1.0, -1.0, 0.5], np.float32),
             [np.array([1e-25, -3e-26, 1e-30], np.float32)] * 4, sq)
    # Real trajectories: the gradient of a quadratic at each point reached,
    # plain and with every state.
    h = torch.tensor([0.1, 1.0, 4.0], dtype=torch.float32)
    for name, settings, state in (
            ("rmsprop_quadratic_path", {"lr": "0.05"}, sq),
            ("rmsprop_centered_momentum_path",
             {"lr": "0.01", "momentum": "0.9", "centered": "true"}, every)):
        x = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float32, requires_grad=True)
        opt = rmsprop([x], **torch_kwargs(settings))
        seq = []
        for _ in range(20):
            g = h * x.detach()
            seq.append(g.numpy().copy())
            x.grad = g
            opt.step()
        run_case(out, name, rmsprop, settings, [1.0, -2.0, 0.5], seq, state)


def adam_cases(out):
    """Chapter 5: torch.optim.Adam, every keyword and its defaults, with the
    state after each step: exp_avg and exp_avg_sq always, max_exp_avg_sq
    when amsgrad (PyTorch keeps it only then)."""
    rng = np.random.default_rng(20240605)
    adam = torch.optim.Adam
    moments = ("exp_avg", "exp_avg_sq")
    every = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")

    def grads(shape, steps=8, scale=1.0):
        return [f32(rng, shape, scale) for _ in range(steps)]

    def falling(shape):
        """Three loud gradients, then seven a tenth their size: exp_avg_sq
        falls from its peak, which amsgrad's max_exp_avg_sq keeps."""
        return grads(shape, steps=3) + grads(shape, steps=7, scale=0.1)

    # Every default written out: the C test replays it with no settings at all.
    run_case(out, "adam_default", adam,
             {"lr": "0.001", "betas": "0.9,0.999", "eps": "1e-08", "weight_decay": "0",
              "amsgrad": "false", "maximize": "false"},
             f32(rng, (5,)), grads((5,)), moments)
    # One keyword at a time (the gradients' scale where it matters).
    for name, settings, scale in (
            ("adam_lr", {"lr": "0.1"}, 1.0),
            ("adam_lr_one", {"lr": "1"}, 1.0),
            # beta1 = 0: exp_avg is this step's g, RMSProp with a bias correction.
            ("adam_betas_no_momentum", {"lr": "0.1", "betas": "0,0.999"}, 1.0),
            ("adam_betas_short", {"lr": "0.1", "betas": "0.9,0.99"}, 1.0),
            ("adam_betas_half", {"lr": "0.1", "betas": "0.5,0.5"}, 1.0),
            # A large eps changes the step visibly (it is added after the
            # corrected root); eps = 0 divides by the root alone.
            ("adam_eps_large", {"lr": "0.1", "eps": "0.1"}, 0.3),
            ("adam_eps_zero", {"lr": "0.1", "eps": "0"}, 1.0),
            ("adam_weight_decay", {"lr": "0.1", "weight_decay": "0.1"}, 1.0),
            ("adam_maximize", {"lr": "0.1", "weight_decay": "0.05", "maximize": "true"}, 1.0)):
        run_case(out, name, adam, settings, f32(rng, (4,)), grads((4,), scale=scale), moments)
    # amsgrad where it matters: at beta2 0.999 max_exp_avg_sq stays just
    # above exp_avg_sq once the gradients shrink, at 0.9 far above.
    run_case(out, "adam_amsgrad", adam, {"lr": "0.1", "amsgrad": "true"},
             f32(rng, (4,)), falling((4,)), every)
    run_case(out, "adam_amsgrad_betas", adam, {"lr": "0.1", "betas": "0.9,0.9", "amsgrad": "true"},
             f32(rng, (4,)), falling((4,)), every)
    run_case(out, "adam_all_keywords", adam,
             {"lr": "0.05", "betas": "0.8,0.95", "eps": "1e-06", "weight_decay": "0.02",
              "amsgrad": "true", "maximize": "true"},
             f32(rng, (5,)), falling((5,)), every)
    # A 2-D parameter: the update is elementwise, the shape only labels it.
    run_case(out, "adam_2d", adam, {"lr": "0.05", "betas": "0.8,0.99"},
             f32(rng, (3, 4)), grads((3, 4)), moments)
    # Zero gradients: the first step divides 0 by eps and moves nothing;
    # after real ones, zero gradients still move the parameters (exp_avg
    # decays but is not 0), and exp_avg_sq falls below its max.
    zero_then = [np.zeros(3, np.float32)] + grads((3,), steps=3) + [np.zeros(3, np.float32)] * 4
    run_case(out, "adam_zero_grad", adam, {"lr": "0.1"}, f32(rng, (3,)), zero_then, moments)
    run_case(out, "adam_zero_grad_amsgrad", adam, {"lr": "0.1", "amsgrad": "true"},
             f32(rng, (3,)), zero_then, every)
    # Huge and tiny gradients: the step is about lr whatever the scale (1e18
    # squared is still a float32), until the root falls below eps.
    tiny_huge = np.array([1e18, -3e17, 2e-18, -5e-19], np.float32)
    run_case(out, "adam_huge_tiny", adam, {"lr": "0.1"},
             np.array([1.0, -1.0, 0.5, -0.5], np.float32),
             [tiny_huge * (1 + 0.1 * k) for k in range(5)], moments)
    run_case(out, "adam_tiny_below_eps", adam, {"lr": "0.1"},
             np.array([1.0, -1.0, 0.5], np.float32),
             [np.array([1e-20, -3e-21, 1e-30], np.float32)] * 4, moments)
    # Twenty-five steps, as the bias corrections fade from t = 1 on.
    run_case(out, "adam_long", adam, {"lr": "0.01"}, f32(rng, (4,)), grads((4,), steps=25), moments)
    # Real trajectories: the gradient of a quadratic at each point reached;
    # as it settles the gradients shrink and amsgrad holds on to the old peak.
    for name, settings, state in (
            ("adam_quadratic_path", {"lr": "0.1"}, moments),
            ("adam_amsgrad_path", {"lr": "0.1", "betas": "0.8,0.9", "amsgrad": "true"}, every)):
        start = [1.0, -2.0, 0.5]
        seq = quadratic_path(settings, start, [0.1, 1.0, 4.0], 30, adam)
        run_case(out, name, adam, settings, start, seq, state)


def adamw_cases(out):
    """Chapter 6: torch.optim.AdamW, every keyword and its defaults, with the
    state after each step. The decay shrinks the parameter before Adam's step
    and never enters exp_avg or exp_avg_sq."""
    rng = np.random.default_rng(20240606)
    adamw = torch.optim.AdamW
    moments = ("exp_avg", "exp_avg_sq")
    every = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")

    def grads(shape, steps=8, scale=1.0):
        return [f32(rng, shape, scale) for _ in range(steps)]

    # Every default written out (weight_decay 0.01, Adam's is 0).
    run_case(out, "adamw_default", adamw,
             {"lr": "0.001", "betas": "0.9,0.999", "eps": "1e-08", "weight_decay": "0.01",
              "amsgrad": "false", "maximize": "false"},
             f32(rng, (5,)), grads((5,)), moments)
    # One keyword at a time. adamw_decay and adamw_no_decay share lr and
    # length: the param-group test runs them as two groups of one optimizer.
    for name, settings, scale in (
            ("adamw_lr", {"lr": "0.1"}, 1.0),
            ("adamw_decay", {"lr": "0.1", "weight_decay": "0.1"}, 1.0),
            ("adamw_no_decay", {"lr": "0.1", "weight_decay": "0"}, 1.0),
            # lr * weight_decay = 0.5: half of every weight goes each step.
            ("adamw_decay_half", {"lr": "0.5", "weight_decay": "1"}, 1.0),
            ("adamw_betas_no_momentum", {"lr": "0.1", "betas": "0,0.999"}, 1.0),
            ("adamw_betas_short", {"lr": "0.1", "betas": "0.8,0.9"}, 1.0),
            ("adamw_eps_large", {"lr": "0.1", "eps": "0.1"}, 0.3),
            ("adamw_maximize", {"lr": "0.1", "weight_decay": "0.05", "maximize": "true"}, 1.0)):
        run_case(out, name, adamw, settings, f32(rng, (4,)), grads((4,), scale=scale), moments)
    falling = grads((4,), steps=3) + grads((4,), steps=7, scale=0.1)
    run_case(out, "adamw_amsgrad", adamw, {"lr": "0.1", "amsgrad": "true"},
             f32(rng, (4,)), falling, every)
    run_case(out, "adamw_all_keywords", adamw,
             {"lr": "0.05", "betas": "0.8,0.95", "eps": "1e-06", "weight_decay": "0.2",
              "amsgrad": "true", "maximize": "true"},
             f32(rng, (5,)), grads((5,), steps=3) + grads((5,), steps=7, scale=0.1), every)
    run_case(out, "adamw_2d", adamw, {"lr": "0.05", "weight_decay": "0.1"},
             f32(rng, (3, 4)), grads((3, 4)), moments)
    # Zero gradients: Adam moves nothing at t = 1, the decay still shrinks
    # every weight by 1 - lr * weight_decay.
    zero_then = [np.zeros(3, np.float32)] * 2 + grads((3,), steps=3) + [np.zeros(3, np.float32)] * 3
    run_case(out, "adamw_zero_grad", adamw, {"lr": "0.1", "weight_decay": "0.1"},
             f32(rng, (3,)), zero_then, moments)
    # Huge and tiny gradients: Adam's step is about lr at any scale, and the
    # decay is the same fraction of the weight for both.
    tiny_huge = np.array([1e18, -3e17, 2e-18, -5e-19], np.float32)
    run_case(out, "adamw_huge_tiny", adamw, {"lr": "0.1", "weight_decay": "0.1"},
             np.array([1.0, -1.0, 0.5, -0.5], np.float32),
             [tiny_huge * (1 + 0.1 * k) for k in range(5)], moments)
    run_case(out, "adamw_long", adamw, {"lr": "0.01", "weight_decay": "0.5"},
             f32(rng, (4,)), grads((4,), steps=25), moments)
    settings = {"lr": "0.1", "weight_decay": "0.1"}
    start = [1.0, -2.0, 0.5]
    seq = quadratic_path(settings, start, [0.1, 1.0, 4.0], 30, adamw)
    run_case(out, "adamw_quadratic_path", adamw, settings, start, seq, moments)



def warmup_cosine(t, warmup, total):
    """The schedule multiplier eta_t of exercise 3 of chapter 6, at the
    paper's step t = 1, 2, ..., total: a linear warmup to 1 over `warmup`
    steps, then half a cosine down to 0 at t = total."""
    if t <= warmup:
        return t / warmup
    return 0.5 * (1.0 + math.cos(math.pi * (t - warmup) / (total - warmup)))


def adamw_lambdalr_cases(out):
    """Exercise 3 of chapter 6: torch.optim.AdamW driven by
    lr_scheduler.LambdaLR(warmup_cosine), stepped after each optimizer step
    as a training loop does. Step t runs at lr = base lr * eta_t, and AdamW
    decays by lr * weight_decay: the schedule scales the decay too, which is
    Loshchilov and Hutter's AdamW with alpha = lr and lambda = lr *
    weight_decay. The settings are AdamW's keywords and the schedule's
    warmup and total; every case runs `total` steps."""
    rng = np.random.default_rng(20240616)
    every = ("exp_avg", "exp_avg_sq")

    def run(name, settings, warmup, total, param, grads=None, curvatures=None):
        p = torch.tensor(param, dtype=torch.float32).clone().requires_grad_(True)
        opt = torch.optim.AdamW([p], **torch_kwargs(settings))
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda epoch: warmup_cosine(epoch + 1, warmup, total))
        out.write("case %s\noptimizer adamw\n" % name)
        out.write("settings %s warmup=%d total=%d\n"
                  % (" ".join("%s=%s" % kv for kv in settings.items()), warmup, total))
        out.write("shape %s\n" % " ".join(str(d) for d in p.shape))
        out.write("param %s\n" % fmt(param))
        for t in range(total):
            if curvatures is None:
                g = torch.tensor(grads[t], dtype=torch.float32).reshape(p.shape)
            else:   # the gradient of 1/2 sum h_i x_i^2 where the run has got to
                g = torch.tensor(curvatures, dtype=torch.float32) * p.detach()
            p.grad = g
            opt.step()
            sched.step()
            out.write("grad %s\nexpect %s\n" % (fmt(g.numpy()), fmt(p.detach().numpy())))
            for key in every:
                out.write("state %s %s\n" % (key, fmt(opt.state[p][key].numpy())))
        out.write("end\n\n")

    def grads(n, steps):
        return [f32(rng, (n,)) for _ in range(steps)]

    run("adamw_lambdalr_warmup_cosine", {"lr": "0.1", "weight_decay": "0.1"}, 5, 30,
        f32(rng, (4,)), grads(4, 30))
    # lr * weight_decay up to 0.2 a step: the decay is most of each move,
    # and it follows the warmup and the cosine as the Adam step does.
    run("adamw_lambdalr_strong_decay", {"lr": "0.1", "weight_decay": "2"}, 3, 12,
        f32(rng, (4,)), grads(4, 12))
    # No warmup: the cosine starts at once, just below 1.
    run("adamw_lambdalr_no_warmup",
        {"lr": "0.05", "betas": "0.8,0.99", "eps": "1e-06", "weight_decay": "0.5"}, 0, 20,
        f32(rng, (5,)), grads(5, 20))
    # PyTorch's defaults under a schedule.
    run("adamw_lambdalr_defaults", {"lr": "0.001", "weight_decay": "0.01"}, 2, 10,
        f32(rng, (3,)), grads(3, 10))
    # A real trajectory: the gradient of a quadratic at each point reached.
    run("adamw_lambdalr_quadratic_path", {"lr": "0.1", "weight_decay": "0.1"}, 10, 40,
        [1.0, -2.0, 0.5], curvatures=[0.1, 1.0, 4.0])

def adamax_cases(out):
    """Chapter 5's exercise 3: torch.optim.Adamax, every keyword and its
    defaults, with the state after each step: exp_avg and exp_inf."""
    rng = np.random.default_rng(20240606)
    adamax = torch.optim.Adamax
    state = ("exp_avg", "exp_inf")

    def grads(shape, steps=8, scale=1.0):
        return [f32(rng, shape, scale) for _ in range(steps)]

    # Every default written out: the C test checks ADAMAX_DEFAULTS against them.
    run_case(out, "adamax_default", adamax,
             {"lr": "0.002", "betas": "0.9,0.999", "eps": "1e-08", "weight_decay": "0",
              "maximize": "false"},
             f32(rng, (5,)), grads((5,)), state)
    # One keyword at a time (the gradients' scale where it matters).
    for name, settings, scale in (
            ("adamax_lr", {"lr": "0.1"}, 1.0),
            # beta1 = 0: exp_avg is this step's g and needs no correction.
            ("adamax_betas_no_momentum", {"lr": "0.1", "betas": "0,0.999"}, 1.0),
            # beta2 0.5: exp_inf forgets a large gradient within a few steps.
            ("adamax_betas_short", {"lr": "0.1", "betas": "0.8,0.5"}, 1.0),
            # A large eps changes the step visibly: it is added to |g|
            # inside the max, and no bias correction divides it.
            ("adamax_eps_large", {"lr": "0.1", "eps": "0.1"}, 0.3),
            ("adamax_weight_decay", {"lr": "0.1", "weight_decay": "0.1"}, 1.0),
            ("adamax_maximize", {"lr": "0.1", "weight_decay": "0.05", "maximize": "true"}, 1.0)):
        run_case(out, name, adamax, settings, f32(rng, (4,)), grads((4,), scale=scale), state)
    run_case(out, "adamax_all_keywords", adamax,
             {"lr": "0.05", "betas": "0.8,0.95", "eps": "1e-06", "weight_decay": "0.02",
              "maximize": "true"},
             f32(rng, (5,)), grads((5,)), state)
    # A 2-D parameter: the update is elementwise, the shape only labels it.
    run_case(out, "adamax_2d", adamax, {"lr": "0.05", "betas": "0.8,0.99"},
             f32(rng, (3, 4)), grads((3, 4)), state)
    # Shrinking gradients: exp_inf keeps the first, decayed by beta2 each
    # step, long after the gradients have fallen below it.
    first = f32(rng, (4,))
    run_case(out, "adamax_shrinking", adamax, {"lr": "0.1", "betas": "0.9,0.9"},
             f32(rng, (4,)), [first * np.float32(0.5 ** k) for k in range(10)], state)
    # Zero gradients: the first step moves nothing (exp_inf is eps); after
    # real ones, zero gradients still move the parameters.
    zero_then = [np.zeros(3, np.float32)] + grads((3,), steps=3) + [np.zeros(3, np.float32)] * 4
    run_case(out, "adamax_zero_grad", adamax, {"lr": "0.1"}, f32(rng, (3,)), zero_then, state)
    # Huge and tiny gradients: no squares, so even 1e36 stays finite; below
    # eps, |g| + eps is eps and the step shrinks with the gradient.
    tiny_huge = np.array([1e36, -3e35, 2e-36, -5e-37], np.float32)
    run_case(out, "adamax_huge_tiny", adamax, {"lr": "0.1"},
             np.array([1.0, -1.0, 0.5, -0.5], np.float32),
             [tiny_huge * (1 + 0.1 * k) for k in range(5)], state)
    run_case(out, "adamax_tiny_below_eps", adamax, {"lr": "0.1"},
             np.array([1.0, -1.0, 0.5], np.float32),
             [np.array([1e-9, -3e-10, 1e-30], np.float32)] * 4, state)
    # Twenty-five steps, as the bias correction fades from t = 1 on.
    run_case(out, "adamax_long", adamax, {"lr": "0.01"}, f32(rng, (4,)), grads((4,), steps=25), state)
    # A real trajectory: the gradient of a quadratic at each point reached.
    settings = {"lr": "0.1"}
    start = [1.0, -2.0, 0.5]
    seq = quadratic_path(settings, start, [0.1, 1.0, 4.0], 30, adamax)
    run_case(out, "adamax_quadratic_path", adamax, settings, start, seq, state)


FILES = {
    "sgd.txt": ("torch.optim.SGD", sgd_cases),
    "sgd_steplr.txt": ("torch.optim.SGD with lr_scheduler.StepLR", sgd_steplr_cases),
    "adagrad.txt": ("torch.optim.Adagrad", adagrad_cases),
    "rmsprop.txt": ("torch.optim.RMSprop", rmsprop_cases),
    "adam.txt": ("torch.optim.Adam", adam_cases),
    "adamax.txt": ("torch.optim.Adamax, for exercise 3 of chapter 5", adamax_cases),
    "adamw.txt": ("torch.optim.AdamW", adamw_cases),
    "adamw_lambdalr.txt": ("torch.optim.AdamW with lr_scheduler.LambdaLR, for exercise 3 of chapter 6",
                           adamw_lambdalr_cases),
}


def render(filename, torch_name, make):
    out = io.StringIO()
    out.write("# Golden trajectories of %s, made by tools/make_golden.py\n" % torch_name)
    out.write("# with torch %s and numpy %s, in float32 on the CPU.\n" % (torch.__version__, np.__version__))
    out.write("# Do not edit by hand: change tools/make_golden.py and run it again.\n")
    out.write("# Format: see common/golden.h.\n\n")
    make(out)
    return out.getvalue()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a file would change")
    args = parser.parse_args()
    torch.set_num_threads(1)
    changed = False
    for filename, (torch_name, make) in FILES.items():
        text = render(filename, torch_name, make)
        path = os.path.join(GOLDEN, filename)
        old = open(path).read() if os.path.exists(path) else None
        if old != text:
            changed = True
            if not args.check:
                with open(path, "w") as f:
                    f.write(text)
            print("%s %s" % ("would change" if args.check else "wrote", os.path.relpath(path)))
    if args.check and changed:
        sys.exit(1)


if __name__ == "__main__":
    main()
