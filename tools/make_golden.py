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
import inspect
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


class Quadratic:
    """A case's gradients on 1/2 sum h_i x_i^2 (h = 0.1, 1, 4 unless told):
    each one computed by PyTorch (in float32) at the point the run has
    reached, so the sequence is the one an experiment would produce."""

    def __init__(self, steps, curvatures=(0.1, 1.0, 4.0)):
        self.steps = steps
        self.h = torch.tensor(curvatures, dtype=torch.float32)

    def __len__(self):
        return self.steps

    def at(self, x):
        return (self.h * x.detach()).numpy().copy()


PATH_START = [1.0, -2.0, 0.5]   # where the Quadratic cases start


def run_case(out, name, cls, settings, param, grads, state_keys=(), schedule=None):
    """Runs torch.optim.<cls> from `param` on `grads` (a list, or a
    Quadratic) and writes the case. `settings` is the case's settings line
    ("lr=0.1 betas=0.9,0.99"). With a `schedule` (a function of the
    optimizer and keywords that returns an lr_scheduler), the keywords <cls>
    does not take are the schedule's, and it steps after every optimizer
    step, as a training loop does."""
    words = dict(word.split("=", 1) for word in settings.split())
    own = inspect.signature(cls).parameters
    p = torch.tensor(param, dtype=torch.float32).clone().requires_grad_(True)
    opt = cls([p], **torch_kwargs({k: v for k, v in words.items()
                                   if schedule is None or k in own}))
    if schedule is not None:
        sched = schedule(opt, **{k: int(v) if v.isdigit() else float(v)
                                 for k, v in words.items() if k not in own})
    out.write("case %s\n" % name)
    out.write("optimizer %s\n" % cls.__name__.lower())
    if words:
        out.write("settings %s\n" % " ".join(settings.split()))
    out.write("shape %s\n" % " ".join(str(d) for d in p.shape))
    out.write("param %s\n" % fmt(param))
    for t in range(len(grads)):
        g = grads.at(p) if isinstance(grads, Quadratic) else grads[t]
        p.grad = torch.tensor(g, dtype=torch.float32).reshape(p.shape)
        opt.step()
        if schedule is not None:
            sched.step()
        out.write("grad %s\n" % fmt(g))
        out.write("expect %s\n" % fmt(p.detach().numpy()))
        for key in state_keys:
            out.write("state %s %s\n" % (key, fmt(opt.state[p][key].numpy())))
    out.write("end\n\n")


def run_cases(out, cls, cases, schedule=None):
    """Writes a chapter's table of cases, each (name, settings, start,
    gradients) and the state keys to record, if any."""
    for name, settings, start, grads, *state in cases:
        run_case(out, name, cls, settings, start, grads, *state, schedule=schedule)


def f32(rng, shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


ZEROS = np.zeros(3, np.float32)


class Draws:
    """A chapter's random numbers, from its own generator, so that a new
    chapter leaves every earlier one's draws alone. A table of cases draws
    in the order it is written (each case's start, then its gradients):
    append new cases at the end of a table, or every case after them
    changes."""

    def __init__(self, seed, steps=8):
        self.rng = np.random.default_rng(seed)
        self.steps = steps

    def start(self, *shape):
        return f32(self.rng, shape)

    def grads(self, *shape, steps=None, scale=1.0):
        steps = self.steps if steps is None else steps
        return [f32(self.rng, shape, scale) for _ in range(steps)]

    def falling(self, *shape):
        """Three loud gradients, then seven a tenth their size: exp_avg_sq
        falls from its peak, which amsgrad's max_exp_avg_sq keeps."""
        return self.grads(*shape, steps=3) + self.grads(*shape, steps=7, scale=0.1)

    def halving(self, *shape, steps=10):
        """One gradient, halved at every step."""
        first = self.start(*shape)
        return [first * np.float32(0.5 ** k) for k in range(steps)]

    def zero_then(self, lead, trail):
        """`lead` zero gradients, three real ones, then `trail` zeros (shape 3)."""
        return [ZEROS] * lead + self.grads(3, steps=3) + [ZEROS] * trail

    def one_at_a_time(self, state, *cases):
        """(name, settings[, the gradients' scale]): each from a new start of
        shape 4, on the chapter's number of gradients."""
        return [(name, settings, self.start(4), self.grads(4, scale=scale[0] if scale else 1.0),
                 state) for name, settings, *scale in cases]

    def sharing(self, grads, *cases):
        """(name, settings, state keys) on the same `grads`, drawn before the
        cases' starts."""
        return [(name, settings, self.start(*np.shape(grads[0])), grads, state)
                for name, settings, state in cases]


SGD_HUGE_START = np.array([1e32, -1e31, 1e-28, 3e-29], np.float32)


def huge_tiny(e, steps=5):
    """1e<e>, -3e<e-1>, 2e-<e>, -5e-<e+1> together, a tenth larger each step."""
    huge = np.array([float("1e%d" % e), float("-3e%d" % (e - 1)),
                     float("2e-%d" % e), float("-5e-%d" % (e + 1))], np.float32)
    return [huge * (1 + 0.1 * k) for k in range(steps)]


def extremes(prefix, settings, state, huge, tiny=None):
    """The huge-and-tiny cases of an adaptive method, from (1, -1, 0.5, -0.5):
    <prefix>_huge_tiny, on huge_tiny(huge); with `tiny`, <prefix>_tiny_below_eps,
    four steps of 1e-<tiny>, -3e-<tiny+1> and 1e-30, all below eps."""
    cases = [(prefix + "_huge_tiny", settings, [1.0, -1.0, 0.5, -0.5], huge_tiny(huge), state)]
    if tiny is not None:
        below = np.array([float("1e-%d" % tiny), float("-3e-%d" % (tiny + 1)), 1e-30], np.float32)
        cases.append((prefix + "_tiny_below_eps", settings, [1.0, -1.0, 0.5], [below] * 4, state))
    return cases


def sgd_cases(out):
    """Chapter 1: torch.optim.SGD's lr, weight_decay and maximize; chapter
    2's cases follow them in the same file."""
    d = Draws(20240601, steps=6)
    run_cases(out, torch.optim.SGD, [
        # lr is given explicitly: PyTorch 1.13 has no default for it; newer
        # releases default to 1e-3, which the C default is checked against here.
        ("sgd_lr_default", "lr=0.001", d.start(5), d.grads(5)),
        ("sgd_lr", "lr=0.1", d.start(7), d.grads(7, steps=8)),
        ("sgd_weight_decay", "lr=0.05 weight_decay=0.1", d.start(2, 3), d.grads(2, 3)),
        ("sgd_maximize", "lr=0.1 maximize=true", d.start(4), d.grads(4)),
        ("sgd_maximize_weight_decay", "lr=0.1 weight_decay=0.01 maximize=true",
         d.start(3, 2), d.grads(3, 2)),
        ("sgd_zero_grad_decay", "lr=0.5 weight_decay=0.2", d.start(3), [ZEROS] * 4),
        ("sgd_lr_zero", "lr=0 weight_decay=0.3", d.start(3), d.grads(3, steps=3)),
        # Huge and tiny magnitudes: float32 keeps its relative precision at both ends.
        ("sgd_huge_tiny", "lr=0.01 weight_decay=0.001", SGD_HUGE_START, huge_tiny(30, steps=4)),
        # A real trajectory: the gradient of a quadratic at the current point, so
        # the sequence is the one an experiment would produce.
        ("sgd_quadratic_path", "lr=0.2", PATH_START, Quadratic(10)),
    ])
    sgd_momentum_cases(out)


def sgd_momentum_cases(out):
    """Chapter 2: momentum, dampening and Nesterov. These cases come after
    chapter 1's and draw from their own generator, so chapter 1's cases stay
    exactly as they were."""
    d = Draws(20240602)
    buf = ("momentum_buffer",)
    run_cases(out, torch.optim.SGD, [
        # momentum=0 is the default: PyTorch keeps no buffer, dampening and
        # nesterov=false change nothing. The C test replays it with lr alone.
        ("sgd_momentum_default",
         "lr=0.1 momentum=0 dampening=0 weight_decay=0 nesterov=false maximize=false",
         d.start(5), d.grads(5, steps=4)),
        # With momentum 0, dampening is ignored (there is no buffer to damp).
        ("sgd_momentum_zero_dampening_ignored", "lr=0.1 momentum=0 dampening=0.5",
         d.start(4), d.grads(4, steps=4)),
        ("sgd_momentum", "lr=0.1 momentum=0.9", d.start(6), d.grads(6), buf),
        ("sgd_momentum_dampening", "lr=0.1 momentum=0.9 dampening=0.5",
         d.start(6), d.grads(6), buf),
        # dampening = momentum: the "exponential moving average" convention.
        ("sgd_momentum_ema", "lr=1 momentum=0.9 dampening=0.9", d.start(4), d.grads(4), buf),
        ("sgd_nesterov", "lr=0.05 momentum=0.9 nesterov=true", d.start(6), d.grads(6), buf),
        ("sgd_momentum_weight_decay", "lr=0.1 momentum=0.9 weight_decay=0.01",
         d.start(2, 3), d.grads(2, 3), buf),
        ("sgd_momentum_maximize_nesterov",
         "lr=0.1 momentum=0.8 weight_decay=0.02 nesterov=true maximize=true",
         d.start(3, 2), d.grads(3, 2), buf),
        ("sgd_momentum_099", "lr=0.01 momentum=0.99", d.start(5), d.grads(5, steps=10), buf),
        # After the gradients stop, the buffer decays by momentum per step and
        # the parameters keep rolling: zero gradients do not stop momentum.
        ("sgd_momentum_zero_grad", "lr=0.1 momentum=0.9 dampening=0.2",
         d.start(3), d.zero_then(0, 5), buf),
        # Huge and tiny magnitudes, for the buffer as well as the parameters.
        ("sgd_momentum_huge_tiny", "lr=0.01 momentum=0.9 weight_decay=0.001 nesterov=true",
         SGD_HUGE_START, huge_tiny(30), buf),
        # Real trajectories: heavy ball and Nesterov on a quadratic, with the
        # gradient computed by PyTorch at each point it reaches.
        ("sgd_momentum_quadratic_path", "lr=0.2 momentum=0.9", PATH_START, Quadratic(20), buf),
        ("sgd_nesterov_quadratic_path", "lr=0.2 momentum=0.9 nesterov=true",
         PATH_START, Quadratic(20), buf),
    ])


def sgd_steplr_cases(out):
    """SGD under StepLR on the book's ravine (kappa 20), for exercise 2 of
    chapter 1: the gradient h*x is computed by PyTorch at each point."""
    start = np.array([1.0 / np.sqrt(0.05), 1.0], dtype=np.float32)
    run_case(out, "sgd_steplr_ravine", torch.optim.SGD, "lr=1.9 step_size=10 gamma=0.5",
             start, Quadratic(30, curvatures=(0.05, 1.0)),
             schedule=torch.optim.lr_scheduler.StepLR)


def adagrad_cases(out):
    """Chapter 3: torch.optim.Adagrad, every keyword and its defaults, with
    the state `sum` after each step."""
    d = Draws(20240603)
    state = ("sum",)
    run_cases(out, torch.optim.Adagrad, [
        # Every default written out: the C test replays it with no settings at all.
        ("adagrad_default",
         "lr=0.01 lr_decay=0 weight_decay=0 initial_accumulator_value=0 eps=1e-10 maximize=false",
         d.start(5), d.grads(5), state),
        ("adagrad_lr", "lr=0.1", d.start(6), d.grads(6), state),
        *d.one_at_a_time(
            state,
            ("adagrad_lr_decay", "lr=0.1 lr_decay=0.5"),
            ("adagrad_weight_decay", "lr=0.1 weight_decay=0.1"),
            ("adagrad_initial_accumulator", "lr=0.1 initial_accumulator_value=0.5"),
            # A large eps: here it changes the step visibly (eps is added after sqrt).
            ("adagrad_eps", "lr=0.1 eps=0.3", 0.3),
            ("adagrad_maximize", "lr=0.1 weight_decay=0.05 maximize=true")),
        ("adagrad_all_keywords",
         "lr=0.05 lr_decay=0.1 weight_decay=0.02 initial_accumulator_value=0.1 eps=1e-6 "
         "maximize=true",
         d.start(5), d.grads(5), state),
        # A 2-D parameter: the update is elementwise, the shape only labels it.
        ("adagrad_2d", "lr=0.1", d.start(3, 4), d.grads(3, 4), state),
        # Zero gradients: the first step divides 0 by eps and moves nothing;
        # later zero steps leave both param and sum alone.
        ("adagrad_zero_grad", "lr=0.1", d.start(3), d.zero_then(1, 3), state),
        # Huge and tiny gradients: the step is about lr whatever the scale, until
        # g*g leaves float32's range (1e-30 squared is below the smallest float).
        *extremes("adagrad", "lr=0.1", state, huge=15, tiny=25),
        # A real trajectory: the gradient of a quadratic at each point reached.
        ("adagrad_quadratic_path", "lr=0.5", PATH_START, Quadratic(20), state),
    ])


def rmsprop_cases(out):
    """Chapter 4: torch.optim.RMSprop, every keyword and its defaults, with
    the state after each step: square_avg always, momentum_buffer when
    momentum > 0, grad_avg when centered (PyTorch keeps each only then)."""
    d = Draws(20240604)
    sq = ("square_avg",)
    sq_buf = ("square_avg", "momentum_buffer")
    sq_avg = ("square_avg", "grad_avg")
    every = ("square_avg", "momentum_buffer", "grad_avg")
    run_cases(out, torch.optim.RMSprop, [
        # Every default written out: the C test replays it with no settings at all.
        ("rmsprop_default",
         "lr=0.01 alpha=0.99 eps=1e-08 weight_decay=0 momentum=0 centered=false maximize=false",
         d.start(5), d.grads(5), sq),
        ("rmsprop_lr", "lr=0.1", d.start(6), d.grads(6), sq),
        *d.one_at_a_time(
            sq,
            # The lecture slides' alpha, and alpha = 0: square_avg is this step's g*g only.
            ("rmsprop_alpha", "lr=0.1 alpha=0.9"),
            ("rmsprop_alpha_zero", "lr=0.1 alpha=0"),
            # A large eps: here it changes the step visibly (eps is added after sqrt).
            ("rmsprop_eps", "lr=0.1 eps=0.03", 0.3),
            ("rmsprop_weight_decay", "lr=0.1 weight_decay=0.1"),
            ("rmsprop_maximize", "lr=0.1 weight_decay=0.05 maximize=true")),
        # momentum_buffer starts at 0, not at the first step's value (unlike SGD's).
        ("rmsprop_momentum", "lr=0.05 momentum=0.9", d.start(5), d.grads(5), sq_buf),
        ("rmsprop_centered", "lr=0.05 centered=true", d.start(5), d.grads(5), sq_avg),
        ("rmsprop_centered_momentum", "lr=0.02 momentum=0.5 centered=true",
         d.start(5), d.grads(5), every),
        ("rmsprop_all_keywords",
         "lr=0.03 alpha=0.95 eps=1e-06 weight_decay=0.02 momentum=0.8 centered=true maximize=true",
         d.start(5), d.grads(5), every),
        # A 2-D parameter: the update is elementwise, the shape only labels it.
        ("rmsprop_2d", "lr=0.05 momentum=0.3", d.start(3, 4), d.grads(3, 4), sq_buf),
        # Zero gradients: the first step divides 0 by eps and moves nothing; later
        # zero steps still shrink square_avg by alpha, and a momentum buffer keeps
        # rolling.
        *d.sharing(d.zero_then(1, 3),
                   ("rmsprop_zero_grad", "lr=0.1", sq),
                   ("rmsprop_zero_grad_momentum", "lr=0.1 momentum=0.9 centered=true", every)),
        # Huge and tiny gradients: the step hardly depends on the scale, until
        # g*g leaves float32's range (1e-25 squared is below the smallest float).
        *extremes("rmsprop", "lr=0.1", sq, huge=15, tiny=25),
        # Real trajectories: the gradient of a quadratic at each point reached,
        # plain and with every state.
        ("rmsprop_quadratic_path", "lr=0.05", PATH_START, Quadratic(20), sq),
        ("rmsprop_centered_momentum_path", "lr=0.01 momentum=0.9 centered=true",
         PATH_START, Quadratic(20), every),
    ])


def adam_cases(out):
    """Chapter 5: torch.optim.Adam, every keyword and its defaults, with the
    state after each step: exp_avg and exp_avg_sq always, max_exp_avg_sq
    when amsgrad (PyTorch keeps it only then)."""
    d = Draws(20240605)
    moments = ("exp_avg", "exp_avg_sq")
    every = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    run_cases(out, torch.optim.Adam, [
        # Every default written out: the C test replays it with no settings at all.
        ("adam_default",
         "lr=0.001 betas=0.9,0.999 eps=1e-08 weight_decay=0 amsgrad=false maximize=false",
         d.start(5), d.grads(5), moments),
        # One keyword at a time (the gradients' scale where it matters).
        *d.one_at_a_time(
            moments,
            ("adam_lr", "lr=0.1"),
            ("adam_lr_one", "lr=1"),
            # beta1 = 0: exp_avg is this step's g, RMSProp with a bias correction.
            ("adam_betas_no_momentum", "lr=0.1 betas=0,0.999"),
            ("adam_betas_short", "lr=0.1 betas=0.9,0.99"),
            ("adam_betas_half", "lr=0.1 betas=0.5,0.5"),
            # A large eps changes the step visibly (it is added after the
            # corrected root); eps = 0 divides by the root alone.
            ("adam_eps_large", "lr=0.1 eps=0.1", 0.3),
            ("adam_eps_zero", "lr=0.1 eps=0"),
            ("adam_weight_decay", "lr=0.1 weight_decay=0.1"),
            ("adam_maximize", "lr=0.1 weight_decay=0.05 maximize=true")),
        # amsgrad where it matters: at beta2 0.999 max_exp_avg_sq stays just
        # above exp_avg_sq once the gradients shrink, at 0.9 far above.
        ("adam_amsgrad", "lr=0.1 amsgrad=true", d.start(4), d.falling(4), every),
        ("adam_amsgrad_betas", "lr=0.1 betas=0.9,0.9 amsgrad=true",
         d.start(4), d.falling(4), every),
        ("adam_all_keywords",
         "lr=0.05 betas=0.8,0.95 eps=1e-06 weight_decay=0.02 amsgrad=true maximize=true",
         d.start(5), d.falling(5), every),
        # A 2-D parameter: the update is elementwise, the shape only labels it.
        ("adam_2d", "lr=0.05 betas=0.8,0.99", d.start(3, 4), d.grads(3, 4), moments),
        # Zero gradients: the first step divides 0 by eps and moves nothing;
        # after real ones, zero gradients still move the parameters (exp_avg
        # decays but is not 0), and exp_avg_sq falls below its max.
        *d.sharing(d.zero_then(1, 4),
                   ("adam_zero_grad", "lr=0.1", moments),
                   ("adam_zero_grad_amsgrad", "lr=0.1 amsgrad=true", every)),
        # Huge and tiny gradients: the step is about lr whatever the scale (1e18
        # squared is still a float32), until the root falls below eps.
        *extremes("adam", "lr=0.1", moments, huge=18, tiny=20),
        # Twenty-five steps, as the bias corrections fade from t = 1 on.
        ("adam_long", "lr=0.01", d.start(4), d.grads(4, steps=25), moments),
        # Real trajectories: the gradient of a quadratic at each point reached;
        # as it settles the gradients shrink and amsgrad holds on to the old peak.
        ("adam_quadratic_path", "lr=0.1", PATH_START, Quadratic(30), moments),
        ("adam_amsgrad_path", "lr=0.1 betas=0.8,0.9 amsgrad=true",
         PATH_START, Quadratic(30), every),
    ])


def adamw_cases(out):
    """Chapter 6: torch.optim.AdamW, every keyword and its defaults, with the
    state after each step. The decay shrinks the parameter before Adam's step
    and never enters exp_avg or exp_avg_sq."""
    d = Draws(20240606)
    moments = ("exp_avg", "exp_avg_sq")
    every = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    run_cases(out, torch.optim.AdamW, [
        # Every default written out (weight_decay 0.01, Adam's is 0).
        ("adamw_default",
         "lr=0.001 betas=0.9,0.999 eps=1e-08 weight_decay=0.01 amsgrad=false maximize=false",
         d.start(5), d.grads(5), moments),
        # One keyword at a time. adamw_decay and adamw_no_decay share lr and
        # length: the param-group test runs them as two groups of one optimizer.
        *d.one_at_a_time(
            moments,
            ("adamw_lr", "lr=0.1"),
            ("adamw_decay", "lr=0.1 weight_decay=0.1"),
            ("adamw_no_decay", "lr=0.1 weight_decay=0"),
            # lr * weight_decay = 0.5: half of every weight goes each step.
            ("adamw_decay_half", "lr=0.5 weight_decay=1"),
            ("adamw_betas_no_momentum", "lr=0.1 betas=0,0.999"),
            ("adamw_betas_short", "lr=0.1 betas=0.8,0.9"),
            ("adamw_eps_large", "lr=0.1 eps=0.1", 0.3),
            ("adamw_maximize", "lr=0.1 weight_decay=0.05 maximize=true")),
        *d.sharing(d.falling(4), ("adamw_amsgrad", "lr=0.1 amsgrad=true", every)),
        ("adamw_all_keywords",
         "lr=0.05 betas=0.8,0.95 eps=1e-06 weight_decay=0.2 amsgrad=true maximize=true",
         d.start(5), d.falling(5), every),
        ("adamw_2d", "lr=0.05 weight_decay=0.1", d.start(3, 4), d.grads(3, 4), moments),
        # Zero gradients: Adam moves nothing at t = 1, the decay still shrinks
        # every weight by 1 - lr * weight_decay.
        *d.sharing(d.zero_then(2, 3), ("adamw_zero_grad", "lr=0.1 weight_decay=0.1", moments)),
        # Huge and tiny gradients: Adam's step is about lr at any scale, and the
        # decay is the same fraction of the weight for both.
        *extremes("adamw", "lr=0.1 weight_decay=0.1", moments, huge=18),
        ("adamw_long", "lr=0.01 weight_decay=0.5", d.start(4), d.grads(4, steps=25), moments),
        ("adamw_quadratic_path", "lr=0.1 weight_decay=0.1", PATH_START, Quadratic(30), moments),
    ])


def warmup_cosine(t, warmup, total):
    """The schedule multiplier eta_t of exercise 3 of chapter 6, at the
    paper's step t = 1, 2, ..., total: a linear warmup to 1 over `warmup`
    steps, then half a cosine down to 0 at t = total."""
    if t <= warmup:
        return t / warmup
    return 0.5 * (1.0 + math.cos(math.pi * (t - warmup) / (total - warmup)))


def warmup_cosine_lambdalr(opt, warmup, total):
    """lr_scheduler.LambdaLR on warmup_cosine: its epoch 0 is the paper's t = 1."""
    return torch.optim.lr_scheduler.LambdaLR(
        opt, lambda epoch: warmup_cosine(epoch + 1, warmup, total))


def adamw_lambdalr_cases(out):
    """Exercise 3 of chapter 6: torch.optim.AdamW driven by
    lr_scheduler.LambdaLR(warmup_cosine), stepped after each optimizer step
    as a training loop does. Step t runs at lr = base lr * eta_t, and AdamW
    decays by lr * weight_decay: the schedule scales the decay too, which is
    Loshchilov and Hutter's AdamW with alpha = lr and lambda = lr *
    weight_decay. The settings are AdamW's keywords and the schedule's
    warmup and total; every case runs `total` steps."""
    d = Draws(20240616)
    every = ("exp_avg", "exp_avg_sq")
    run_cases(out, torch.optim.AdamW, [
        ("adamw_lambdalr_warmup_cosine", "lr=0.1 weight_decay=0.1 warmup=5 total=30",
         d.start(4), d.grads(4, steps=30), every),
        # lr * weight_decay up to 0.2 a step: the decay is most of each move,
        # and it follows the warmup and the cosine as the Adam step does.
        ("adamw_lambdalr_strong_decay", "lr=0.1 weight_decay=2 warmup=3 total=12",
         d.start(4), d.grads(4, steps=12), every),
        # No warmup: the cosine starts at once, just below 1.
        ("adamw_lambdalr_no_warmup",
         "lr=0.05 betas=0.8,0.99 eps=1e-06 weight_decay=0.5 warmup=0 total=20",
         d.start(5), d.grads(5, steps=20), every),
        # PyTorch's defaults under a schedule.
        ("adamw_lambdalr_defaults", "lr=0.001 weight_decay=0.01 warmup=2 total=10",
         d.start(3), d.grads(3, steps=10), every),
        # A real trajectory: the gradient of a quadratic at each point reached.
        ("adamw_lambdalr_quadratic_path", "lr=0.1 weight_decay=0.1 warmup=10 total=40",
         PATH_START, Quadratic(40), every),
    ], schedule=warmup_cosine_lambdalr)


def adamax_cases(out):
    """Chapter 5's exercise 3: torch.optim.Adamax, every keyword and its
    defaults, with the state after each step: exp_avg and exp_inf."""
    d = Draws(20240606)
    state = ("exp_avg", "exp_inf")
    run_cases(out, torch.optim.Adamax, [
        # Every default written out: the C test checks ADAMAX_DEFAULTS against them.
        ("adamax_default", "lr=0.002 betas=0.9,0.999 eps=1e-08 weight_decay=0 maximize=false",
         d.start(5), d.grads(5), state),
        # One keyword at a time (the gradients' scale where it matters).
        *d.one_at_a_time(
            state,
            ("adamax_lr", "lr=0.1"),
            # beta1 = 0: exp_avg is this step's g and needs no correction.
            ("adamax_betas_no_momentum", "lr=0.1 betas=0,0.999"),
            # beta2 0.5: exp_inf forgets a large gradient within a few steps.
            ("adamax_betas_short", "lr=0.1 betas=0.8,0.5"),
            # A large eps changes the step visibly: it is added to |g|
            # inside the max, and no bias correction divides it.
            ("adamax_eps_large", "lr=0.1 eps=0.1", 0.3),
            ("adamax_weight_decay", "lr=0.1 weight_decay=0.1"),
            ("adamax_maximize", "lr=0.1 weight_decay=0.05 maximize=true")),
        ("adamax_all_keywords", "lr=0.05 betas=0.8,0.95 eps=1e-06 weight_decay=0.02 maximize=true",
         d.start(5), d.grads(5), state),
        # A 2-D parameter: the update is elementwise, the shape only labels it.
        ("adamax_2d", "lr=0.05 betas=0.8,0.99", d.start(3, 4), d.grads(3, 4), state),
        # Shrinking gradients: exp_inf keeps the first, decayed by beta2 each
        # step, long after the gradients have fallen below it.
        *d.sharing(d.halving(4), ("adamax_shrinking", "lr=0.1 betas=0.9,0.9", state)),
        # Zero gradients: the first step moves nothing (exp_inf is eps); after
        # real ones, zero gradients still move the parameters.
        *d.sharing(d.zero_then(1, 4), ("adamax_zero_grad", "lr=0.1", state)),
        # Huge and tiny gradients: no squares, so even 1e36 stays finite; below
        # eps, |g| + eps is eps and the step shrinks with the gradient.
        *extremes("adamax", "lr=0.1", state, huge=36, tiny=9),
        # Twenty-five steps, as the bias correction fades from t = 1 on.
        ("adamax_long", "lr=0.01", d.start(4), d.grads(4, steps=25), state),
        # A real trajectory: the gradient of a quadratic at each point reached.
        ("adamax_quadratic_path", "lr=0.1", PATH_START, Quadratic(30), state),
    ])


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
