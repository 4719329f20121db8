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
import functools
import inspect
import io
import math
import os

import numpy as np
import torch

import golden_io
from golden_io import command_line, fmt, write_trajectory

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "tests", "golden")


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
    steps = []
    for t in range(len(grads)):
        g = grads.at(p) if isinstance(grads, Quadratic) else grads[t]
        p.grad = torch.tensor(g, dtype=torch.float32).reshape(p.shape)
        opt.step()
        if schedule is not None:
            sched.step()
        steps.append((g, p.detach().numpy().copy(),
                      {key: opt.state[p][key].numpy().copy() for key in state_keys}))
    write_trajectory(out, name, cls.__name__.lower(), settings if words else "",
                     np.asarray(param, dtype=np.float32).reshape(p.shape), steps, state_keys)


def run_cases(out, cls, cases, schedule=None):
    """Writes a chapter's table of cases, each (name, settings, start,
    gradients) and the state keys to record, if any."""
    for name, settings, start, grads, *state in cases:
        run_case(out, name, cls, settings, start, grads, *state, schedule=schedule)


def f32(rng, shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


ZEROS = np.zeros(3, np.float32)


class Draws(golden_io.Draws):
    """A chapter's random numbers (start and grads: golden_io.Draws), from
    its own generator, so that a new chapter leaves every earlier one's
    draws alone; and the gradients that several chapters' tables share."""

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


def clip_cases(out):
    """Chapter 7: torch.nn.utils.clip_grad_norm_ and clip_grad_value_ on
    fixed gradients, one tensor or several of different shapes. Each case
    holds the gradients before (one `grad` line per tensor, flattened), after
    (one `clipped` line per tensor) and, for clip_grad_norm_, the total norm
    it returned. Format: see lessons/07_schedules/clip_golden.h."""
    rng = np.random.default_rng(20240607)

    def case(name, grads, max_norm=None, norm_type=None, clip_value=None):
        params = []
        for g in grads:
            g = np.asarray(g, dtype=np.float32)
            p = torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float32))
            p.grad = torch.tensor(g)
            params.append(p)
        before = [fmt(p.grad.numpy()) for p in params]
        out.write("case %s\n" % name)
        if clip_value is None:
            total = torch.nn.utils.clip_grad_norm_(params, float(max_norm), float(norm_type))
            out.write("function clip_grad_norm_\nsettings max_norm=%s norm_type=%s\n"
                      % (max_norm, norm_type))
        else:
            torch.nn.utils.clip_grad_value_(params, float(clip_value))
            out.write("function clip_grad_value_\nsettings clip_value=%s\n" % clip_value)
        for text, p in zip(before, params):
            out.write("shape %s\ngrad %s\n" % (" ".join(str(d) for d in p.shape), text))
        for p in params:
            out.write("clipped %s\n" % fmt(p.grad.numpy()))
        if clip_value is None:
            out.write("total_norm %s\n" % fmt([total.item()]))
        out.write("end\n\n")

    def three():
        return [f32(rng, (2, 3)), f32(rng, (4,)), f32(rng, (3, 2, 2))]

    # Worked by hand: the norm of (3, 4) is 5; max_norm 1 scales by 1/(5 + 1e-6).
    case("norm_hand_3_4", [[3.0, 4.0]], "1", "2")
    # At the limit: a total of exactly max_norm is still scaled, by
    # 5/(5 + 1e-6), because of the 1e-6 that guards a zero norm.
    case("norm_at_max", [[3.0, 4.0]], "5", "2")
    # The lecture notes' example: (100, -200, 500) has norm 547.7 > 1.
    case("norm_study_notes", [[100.0, -200.0, 500.0]], "1", "2")
    case("norm_one_tensor", [f32(rng, (5,))], "1", "2")
    case("norm_one_tensor_no_clip", [f32(rng, (5,))], "10", "2")
    # Several tensors: one norm over all of them, as if concatenated.
    case("norm_three_tensors", three(), "1", "2")
    case("norm_three_tensors_no_clip", three(), "100", "2")
    case("norm_three_tensors_max_norm_0.1", three(), "0.1", "2")
    # The infinity norm: the largest |g| of all.
    case("norm_inf", three(), "0.5", "inf")
    case("norm_inf_no_clip", three(), "10", "inf")
    # The shapes of lesson 01's MLP (fc1, fc2 with 32 hidden units): 2410
    # numbers, where the order of float32 additions starts to show.
    mlp = [f32(rng, (32, 64), 0.01), f32(rng, (32,), 0.01), f32(rng, (10, 32), 0.1), f32(rng, (10,), 0.1)]
    case("norm_mlp_shapes", mlp, "1", "2")
    case("norm_mlp_shapes_inf", mlp, "0.05", "inf")
    # Zero gradients: the total is 0 and 1e-6 keeps the division finite;
    # max_norm 0 zeroes every gradient.
    case("norm_zeros", [np.zeros(3, np.float32), np.zeros((2, 2), np.float32)], "1", "2")
    case("norm_max_norm_zero", three(), "0", "2")
    # PyTorch does not check max_norm: a negative one flips every gradient.
    case("norm_negative_max_norm", [[3.0, 4.0]], "-1", "2")
    # Tiny gradients: g*g is below float32's smallest number, so the norm is
    # 0 (or loses digits among the subnormals): at max_norm 1 nothing is
    # clipped; below 1e-6, max_norm / (total + 1e-6) clips them anyway.
    case("norm_tiny", [[1e-30, -2e-30, 3e-30]], "1", "2")
    case("norm_tiny_subnormal", [[1e-20, 1e-20], [1e-20]], "1e-30", "2")
    case("norm_tiny_inf", [[1e-30, -2e-30, 3e-30]], "1e-31", "inf")
    # Huge gradients: 1e30 squared overflows float32, the total is inf, the
    # coefficient max_norm/inf = 0, and every gradient becomes zero. The
    # infinity norm squares nothing and clips them properly.
    case("norm_huge", [[1e30, -1e30, 1.0]], "1", "2")
    case("norm_huge_inf", [[1e30, -1e30, 1.0]], "1", "inf")
    # Each tensor's norm is finite (1.4e19), and so is its square (2e38);
    # the sum of the three squares, 6e38, is not.
    case("norm_overflow_across_tensors", [[1e19, 1e19], [1e19, -1e19], [-1e19, 1e19]], "1", "2")
    # Non-finite gradients (error_if_nonfinite=False, the default): a NaN
    # makes the total and every gradient NaN; an inf makes the total inf,
    # the inf itself NaN (inf * 0) and every other gradient zero.
    case("norm_nan", [[float("nan"), 1.0], [2.0]], "1", "2")
    case("norm_inf_element", [[float("inf"), 1.0], [-2.0]], "1", "2")
    case("norm_nan_inf_norm", [[float("nan"), 1.0], [2.0]], "1", "inf")
    # clip_grad_value_: each element into [-clip_value, clip_value].
    case("value_hand", [[3.0, -4.0, 0.5]], clip_value="1")
    case("value_three_tensors", three(), clip_value="0.5")
    case("value_no_clip", three(), clip_value="10")
    case("value_zero", [[3.0, -4.0, 0.5]], clip_value="0")
    # A negative clip_value is not checked either: clamp(min=1, max=-1)
    # gives -1 everywhere.
    case("value_negative", [[3.0, -4.0, 0.5]], clip_value="-1")
    case("value_huge_tiny", [[1e30, -1e30, 1e-30, -1e-30]], clip_value="1")


def schedule_cases(out):
    """Chapter 7: the learning rates of torch.optim.lr_scheduler's LinearLR,
    CosineAnnealingLR, OneCycleLR and SequentialLR (LinearLR, then
    CosineAnnealingLR), and of nanoGPT's get_lr, at steps 0, 1, 2, ...: the
    lr in effect for each optimizer step, read from param_groups before the
    step, with scheduler.step() after it. Schedulers keep their lrs in Python
    floats (doubles), written here with repr, which reads back exactly. A
    case's settings are optlab's keys (optlab schedule NAME --key=value):
    PyTorch's keyword names and lr, the optimizer's. Format: see
    lessons/07_schedules/schedule_golden.h."""
    import warnings
    from torch.optim import lr_scheduler

    int_keys = ("total_iters", "T_max", "total_steps", "warmup_iters", "lr_decay_iters")

    def kwargs_of(settings):
        kwargs = {}
        for key, text in settings.items():
            if key in int_keys:
                kwargs[key] = int(text)
            elif key == "milestones":
                kwargs[key] = [int(x) for x in text.split(",")]
            elif key == "anneal_strategy":
                kwargs[key] = text
            elif text in ("true", "false"):
                kwargs[key] = text == "true"
            else:
                kwargs[key] = float(text)
        return kwargs

    def dummy(cls, lr, **kwargs):
        """An optimizer of one parameter with no gradient: its step does nothing."""
        return cls([torch.zeros(1, requires_grad=True)], lr=lr, **kwargs)

    def scheduler(kind, opt, kwargs):
        if kind == "linear":
            return lr_scheduler.LinearLR(opt, **kwargs)
        if kind == "cosine":
            return lr_scheduler.CosineAnnealingLR(opt, **kwargs)
        if kind == "onecycle":
            return lr_scheduler.OneCycleLR(opt, **kwargs)
        # sequential: a LinearLR warm-up, then CosineAnnealingLR from the milestone
        linear = {k: kwargs[k] for k in ("start_factor", "end_factor", "total_iters") if k in kwargs}
        cosine = {k: kwargs[k] for k in ("T_max", "eta_min") if k in kwargs}
        return lr_scheduler.SequentialLR(opt, [lr_scheduler.LinearLR(opt, **linear),
                                               lr_scheduler.CosineAnnealingLR(opt, **cosine)],
                                         milestones=kwargs["milestones"])

    def run(kind, kwargs, steps, cls=torch.optim.SGD, **opt_kwargs):
        """The param_groups of a dummy optimizer at steps 0 .. steps-1."""
        lr = kwargs.pop("lr", 0.1)   # OneCycleLR replaces the optimizer's lr
        opt = dummy(cls, lr, **opt_kwargs)
        sched = scheduler(kind, opt, kwargs)
        groups = []
        for step in range(steps):
            groups.append(dict(opt.param_groups[0]))
            if step + 1 < steps:
                opt.step()
                sched.step()
        return groups

    def nanogpt_get_lr(it, learning_rate, warmup_iters, lr_decay_iters, min_lr):
        """karpathy/nanoGPT's train.py, as it is now (warm-up to (it+1)/(warmup_iters+1))."""
        # 1) linear warmup for warmup_iters steps
        if it < warmup_iters:
            return learning_rate * (it + 1) / (warmup_iters + 1)
        # 2) if it > lr_decay_iters, return min learning rate
        if it > lr_decay_iters:
            return min_lr
        # 3) in between, use cosine decay down to min learning rate
        decay_ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters)
        assert 0 <= decay_ratio <= 1
        coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))  # coeff ranges 0..1
        return min_lr + coeff * (learning_rate - min_lr)

    def series(name, values):
        out.write("%s %s\n" % (name, " ".join(repr(float(v)) for v in values)))

    def case(name, kind, settings, steps):
        out.write("case %s\nschedule %s\n" % (name, kind))
        out.write("settings %s\n" % " ".join("%s=%s" % kv for kv in settings.items()))
        kwargs = kwargs_of(settings)
        if kind == "warmup_cosine":
            kwargs["learning_rate"] = kwargs.pop("lr")
            series("lr", [nanogpt_get_lr(it, **kwargs) for it in range(steps)])
        elif kind == "onecycle":
            # SGD's momentum and Adam's betas[0] are the ones OneCycleLR cycles.
            sgd = run(kind, dict(kwargs), steps, momentum=0.9)
            adam = run(kind, dict(kwargs), steps, torch.optim.Adam)
            assert [g["lr"] for g in sgd] == [g["lr"] for g in adam]
            series("lr", [g["lr"] for g in sgd])
            if kwargs.get("cycle_momentum", True):
                series("momentum", [g["momentum"] for g in sgd])
                series("beta1", [g["betas"][0] for g in adam])
            else:   # left as the optimizers had them
                assert all(g["momentum"] == 0.9 for g in sgd) and all(g["betas"][0] == 0.9 for g in adam)
        else:
            series("lr", [g["lr"] for g in run(kind, kwargs, steps)])
        out.write("end\n\n")

    with warnings.catch_warnings():
        # SequentialLR calls step(0) at a milestone, which PyTorch 1.13 warns is deprecated.
        warnings.simplefilter("ignore")
        # LinearLR: every default written out (the C test replays it with lr alone).
        case("linear_defaults", "linear",
             {"lr": "0.05", "start_factor": repr(1.0 / 3), "end_factor": "1.0", "total_iters": "5"}, 10)
        # PyTorch's docstring example: 0.025, 0.03125, 0.0375, 0.04375, then 0.05.
        case("linear_pytorch_example", "linear", {"lr": "0.05", "start_factor": "0.5", "total_iters": "4"}, 8)
        case("linear_decay", "linear",
             {"lr": "0.1", "start_factor": "1.0", "end_factor": "0.1", "total_iters": "10"}, 15)
        case("linear_to_zero", "linear",
             {"lr": "0.1", "start_factor": "1.0", "end_factor": "0.0", "total_iters": "4"}, 7)
        # total_iters=0: past the end at once, and the lr stays at start_factor * lr.
        case("linear_total_iters_zero", "linear", {"lr": "0.1", "start_factor": "0.25", "total_iters": "0"}, 4)
        case("linear_total_iters_one", "linear", {"lr": "0.1", "start_factor": "0.1", "total_iters": "1"}, 4)
        case("linear_constant_factor", "linear",
             {"lr": "0.1", "start_factor": "0.5", "end_factor": "0.5", "total_iters": "3"}, 5)
        # 200 multiplications: the chained product against the closed form.
        case("linear_long", "linear", {"lr": "1.0", "start_factor": "0.001", "total_iters": "200"}, 205)
        # CosineAnnealingLR: past T_max the lr climbs back (period 2 T_max).
        case("cosine_t_max_10", "cosine", {"lr": "0.1", "T_max": "10"}, 45)
        case("cosine_t_max_10_lr_0.05", "cosine", {"lr": "0.05", "T_max": "10"}, 45)
        case("cosine_defaults", "cosine", {"lr": "0.001", "T_max": "3", "eta_min": "0.0"}, 8)
        case("cosine_eta_min", "cosine", {"lr": "0.1", "T_max": "8", "eta_min": "0.01"}, 35)
        # T_max=1: every odd step is a trough, every even one a peak.
        case("cosine_t_max_1", "cosine", {"lr": "0.1", "T_max": "1"}, 6)
        case("cosine_t_max_2", "cosine", {"lr": "1.0", "T_max": "2", "eta_min": "0.25"}, 9)
        # eta_min above the lr: the "annealing" climbs to eta_min.
        case("cosine_eta_min_above_lr", "cosine", {"lr": "0.01", "T_max": "5", "eta_min": "0.1"}, 12)
        case("cosine_eta_min_equals_lr", "cosine", {"lr": "0.05", "T_max": "4", "eta_min": "0.05"}, 6)
        # Long enough for the chained ratios to drift from the closed form.
        case("cosine_long", "cosine", {"lr": "1.0", "T_max": "100"}, 250)
        # OneCycleLR: every default written out; it may step exactly
        # total_steps times, so each case has total_steps + 1 lrs.
        case("onecycle_defaults", "onecycle",
             {"max_lr": "0.1", "total_steps": "20", "pct_start": "0.3", "anneal_strategy": "cos",
              "cycle_momentum": "true", "base_momentum": "0.85", "max_momentum": "0.95",
              "div_factor": "25.0", "final_div_factor": "10000.0", "three_phase": "false"}, 21)
        case("onecycle_linear", "onecycle", {"max_lr": "1.0", "total_steps": "10", "anneal_strategy": "linear"}, 11)
        case("onecycle_three_phase", "onecycle", {"max_lr": "0.5", "total_steps": "30", "three_phase": "true"}, 31)
        case("onecycle_three_phase_linear", "onecycle",
             {"max_lr": "0.5", "total_steps": "16", "pct_start": "0.25", "anneal_strategy": "linear",
              "three_phase": "true"}, 17)
        case("onecycle_no_cycle_momentum", "onecycle",
             {"max_lr": "0.1", "total_steps": "10", "cycle_momentum": "false"}, 11)
        case("onecycle_momentum_range", "onecycle",
             {"max_lr": "0.1", "total_steps": "12", "base_momentum": "0.8", "max_momentum": "0.99"}, 13)
        case("onecycle_div_factors", "onecycle",
             {"max_lr": "0.3", "total_steps": "15", "pct_start": "0.5", "div_factor": "10.0",
              "final_div_factor": "100.0"}, 16)
        # pct_start * total_steps = 1.75: the first phase ends between steps (0.75).
        case("onecycle_fractional_phase", "onecycle", {"max_lr": "0.1", "total_steps": "7", "pct_start": "0.25"}, 8)
        case("onecycle_total_steps_one", "onecycle", {"max_lr": "0.1", "total_steps": "1"}, 2)
        case("onecycle_pct_start_zero", "onecycle", {"max_lr": "0.1", "total_steps": "10", "pct_start": "0.0"}, 11)
        # pct_start=1: the second phase has no steps; stepping a tenth time
        # divides by zero (ZeroDivisionError), so only total_steps lrs.
        case("onecycle_pct_start_one", "onecycle", {"max_lr": "0.1", "total_steps": "10", "pct_start": "1.0"}, 10)
        case("onecycle_all_keywords", "onecycle",
             {"max_lr": "2.0", "total_steps": "40", "pct_start": "0.4", "anneal_strategy": "linear",
              "cycle_momentum": "true", "base_momentum": "0.7", "max_momentum": "0.9", "div_factor": "5.0",
              "final_div_factor": "50.0", "three_phase": "true"}, 41)
        # SequentialLR: LinearLR until the milestone, then CosineAnnealingLR
        # from the lr (its closed form at epoch 0), past its T_max.
        case("sequential_warmup_cosine", "sequential",
             {"lr": "0.1", "start_factor": "0.1", "total_iters": "5", "milestones": "5", "T_max": "20"}, 30)
        case("sequential_warmup_cosine_lr_0.05", "sequential",
             {"lr": "0.05", "start_factor": "0.1", "total_iters": "5", "milestones": "5", "T_max": "20"}, 30)
        case("sequential_defaults", "sequential",
             {"lr": "0.001", "start_factor": repr(1.0 / 3), "end_factor": "1.0", "total_iters": "5",
              "milestones": "5", "T_max": "10", "eta_min": "0.0"}, 20)
        # The milestone before the warm-up ends: the cosine starts at the full lr anyway.
        case("sequential_early_milestone", "sequential",
             {"lr": "0.1", "start_factor": "0.5", "total_iters": "5", "milestones": "3", "T_max": "6"}, 12)
        case("sequential_late_milestone", "sequential",
             {"lr": "0.1", "start_factor": "0.25", "total_iters": "4", "milestones": "8", "T_max": "5"}, 20)
        # milestones=[0]: PyTorch 1.13 starts with the LinearLR all the same,
        # then steps the cosine from the warm-up's lr, never restarting it.
        case("sequential_milestone_zero", "sequential",
             {"lr": "0.1", "start_factor": "0.5", "total_iters": "4", "milestones": "0", "T_max": "5"}, 12)
        case("sequential_milestone_one", "sequential", {"lr": "0.1", "milestones": "1", "T_max": "4"}, 10)
        case("sequential_every_keyword", "sequential",
             {"lr": "0.1", "start_factor": "0.2", "end_factor": "0.8", "total_iters": "4", "milestones": "4",
              "T_max": "8", "eta_min": "0.01"}, 25)
        # nanoGPT's get_lr(it): warm-up to lr, half a cosine to min_lr, then min_lr.
        case("nanogpt_warmup_cosine", "warmup_cosine",
             {"lr": "0.0006", "warmup_iters": "10", "lr_decay_iters": "50", "min_lr": "6e-05"}, 60)
        case("nanogpt_no_warmup", "warmup_cosine",
             {"lr": "0.001", "warmup_iters": "0", "lr_decay_iters": "20", "min_lr": "0.0001"}, 25)
        case("nanogpt_min_lr_zero", "warmup_cosine",
             {"lr": "0.1", "warmup_iters": "3", "lr_decay_iters": "10", "min_lr": "0.0"}, 14)
        # nanoGPT's defaults (train.py): the first steps of its 2000-step warm-up.
        case("nanogpt_defaults", "warmup_cosine",
             {"lr": "0.0006", "warmup_iters": "2000", "lr_decay_iters": "600000", "min_lr": "6e-05"}, 8)

    # Each param group runs its own schedule from its own lr: two groups of
    # one optimizer follow the two single-group cases above.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kind, kwargs, steps in (("cosine", {"T_max": 10}, 45),
                                    ("sequential", {"start_factor": 0.1, "total_iters": 5, "milestones": [5],
                                                    "T_max": 20}, 30)):
            opt = torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)], "lr": 0.1},
                                   {"params": [torch.zeros(1, requires_grad=True)], "lr": 0.05}], lr=0.1)
            sched = scheduler(kind, opt, dict(kwargs))
            both = []
            for step in range(steps):
                both.append([g["lr"] for g in opt.param_groups])
                opt.step()
                sched.step()
            for g, lr in enumerate((0.1, 0.05)):
                alone = [x["lr"] for x in run(kind, dict(kwargs, lr=lr), steps)]
                assert [row[g] for row in both] == alone, (kind, g)


def warm_restarts_cases(out):
    """Exercise 3 of chapter 7: the learning rates of
    torch.optim.lr_scheduler.CosineAnnealingWarmRestarts (SGDR), which the
    lesson does not have. Each case is one scheduler on a dummy optimizer:
    the lr in param_groups after its constructor (which calls step() once),
    then after each further call, scheduler.step() or scheduler.step(epoch).
    The series `epoch` holds the argument of every call, -1 for a step()
    without one (PyTorch refuses a negative epoch, so -1 never is one); a
    case whose calls are all step() has no epoch series. Settings are
    PyTorch's keywords and lr, the optimizer's; T_mult and eta_min take
    their defaults (1 and 0) where absent. Format: see
    lessons/07_schedules/schedule_golden.h."""
    import warnings
    from torch.optim import lr_scheduler

    # The constructor's checks, with the messages exercise 3 repeats.
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    for kwargs, message in (({"T_0": 0}, "Expected positive integer T_0, but got 0"),
                            ({"T_0": -3}, "Expected positive integer T_0, but got -3"),
                            ({"T_0": 2, "T_mult": 0}, "Expected integer T_mult >= 1, but got 0")):
        try:
            lr_scheduler.CosineAnnealingWarmRestarts(opt, **kwargs)
            raise AssertionError("no error for %s" % kwargs)
        except ValueError as e:
            assert str(e) == message, str(e)

    def case(name, settings, calls):
        """calls: None for step(), a number for step(epoch); the constructor's step() comes first."""
        kwargs = {k: float(v) if k in ("lr", "eta_min") else int(v) for k, v in settings.items()}
        opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=kwargs.pop("lr"))
        sched = lr_scheduler.CosineAnnealingWarmRestarts(opt, **kwargs)
        lrs, epochs = [opt.param_groups[0]["lr"]], [-1.0]
        with warnings.catch_warnings():
            # step(epoch) is deprecated in PyTorch 1.13 for other schedulers, not this one
            warnings.simplefilter("error")
            for epoch in calls:
                opt.step()
                if epoch is None:
                    sched.step()
                else:
                    sched.step(epoch)
                lrs.append(opt.param_groups[0]["lr"])
                epochs.append(-1.0 if epoch is None else float(epoch))
        out.write("case %s\nschedule warm_restarts\n" % name)
        out.write("settings %s\n" % " ".join("%s=%s" % kv for kv in settings.items()))
        out.write("lr %s\n" % " ".join(repr(float(v)) for v in lrs))
        if any(e != -1.0 for e in epochs):
            out.write("epoch %s\n" % " ".join(repr(e) for e in epochs))
        out.write("end\n\n")

    def steps(n):
        return [None] * n

    # step() only: restarts every T_i steps, T_i growing by T_mult.
    case("t0_10", {"lr": "0.1", "T_0": "10"}, steps(34))
    case("t0_3_t_mult_2", {"lr": "0.1", "T_0": "3", "T_mult": "2", "eta_min": "0.001"}, steps(49))
    # T_0=1, T_mult=1: a restart every step, so the lr never leaves the top.
    case("t0_1", {"lr": "0.1", "T_0": "1"}, steps(7))
    case("t0_1_t_mult_2", {"lr": "1.0", "T_0": "1", "T_mult": "2"}, steps(39))
    case("t0_2_t_mult_3", {"lr": "0.05", "T_0": "2", "T_mult": "3", "eta_min": "0.01"}, steps(29))
    # eta_min above the lr: each cycle climbs from the lr to eta_min.
    case("eta_min_above_lr", {"lr": "0.01", "T_0": "4", "eta_min": "0.1"}, steps(11))
    case("eta_min_equals_lr", {"lr": "0.05", "T_0": "3", "eta_min": "0.05"}, steps(6))
    case("long", {"lr": "1.0", "T_0": "10", "T_mult": "2", "eta_min": "0.0001"}, steps(159))
    # PyTorch's docstring: scheduler.step(epoch + i / iters) after every batch.
    case("fractional_epochs", {"lr": "0.1", "T_0": "2", "T_mult": "2"},
         [epoch + i / 4 for epoch in range(8) for i in range(4)])
    case("fractional_epochs_t_mult_1", {"lr": "0.1", "T_0": "3", "eta_min": "0.01"},
         [epoch + i / 5 for epoch in range(7) for i in range(5)])
    # PyTorch's docstring: step() twenty times, step(26), then step() goes on from 26.
    case("interleaved", {"lr": "0.1", "T_0": "10"}, steps(20) + [26] + steps(6))
    case("interleaved_t_mult_2", {"lr": "0.1", "T_0": "2", "T_mult": "2", "eta_min": "0.001"},
         steps(5) + [26.0] + steps(6) + [3.5] + steps(3) + [0.25, 1.75] + steps(2))
    # Backwards: an epoch below T_0 puts T_i back to T_0.
    case("epoch_below_t0", {"lr": "1.0", "T_0": "4", "T_mult": "2"}, [10, 2] + steps(3) + [0] + steps(2))
    case("integer_epochs_t_mult_1", {"lr": "0.2", "T_0": "4", "eta_min": "0.02"}, list(range(1, 16)))
    # The epochs where the restarts fall. PyTorch finds the cycle as
    # int(math.log(epoch / T_0 * (T_mult - 1) + 1, T_mult)), and log(243) /
    # log(3) is 4.999999999999999: step(121) lands at the end of the cycle
    # before (eta_min) where 121 step() calls restart at the lr.
    case("restart_epochs_t_mult_3", {"lr": "1.0", "T_0": "1", "T_mult": "3"},
         [1, 4, 13, 40, 120.5, 121, 121.5, 122, 364])
    case("restart_epochs_t_mult_10", {"lr": "1.0", "T_0": "1", "T_mult": "10", "eta_min": "0.1"},
         [1, 11, 111, 112, 1111, 11111])
    case("restart_steps_t_mult_3", {"lr": "1.0", "T_0": "1", "T_mult": "3"}, steps(125))


def one_cycle_momentum_cases(out):
    """Chapter 7: OneCycleLR moves the momentum against the lr, and the
    optimizer steps with it: SGD's and RMSprop's group["momentum"], the Adam
    family's group["betas"][0]. Each case runs an optimizer under
    OneCycleLR(max_lr, total_steps, ...) for total_steps steps on the
    gradients of a quadratic at the points it reaches; the settings are the
    optimizer's keywords, then the schedule's. The lr and momentum the
    scheduler sets are in schedules.txt; these are what the optimizer does
    with them."""
    buf = ("momentum_buffer",)
    every = ("exp_avg", "exp_avg_sq")
    cases = [
        (torch.optim.SGD, "sgd_onecycle_momentum", "lr=0.1 momentum=0.9 max_lr=0.5 total_steps=15",
         buf),
        (torch.optim.SGD, "sgd_onecycle_nesterov",
         "lr=0.1 momentum=0.9 nesterov=true max_lr=0.4 total_steps=12 pct_start=0.5 "
         "base_momentum=0.8 max_momentum=0.9", buf),
        (torch.optim.RMSprop, "rmsprop_onecycle_momentum",
         "lr=0.01 momentum=0.5 max_lr=0.05 total_steps=12", ("square_avg", "momentum_buffer")),
        (torch.optim.Adam, "adam_onecycle_beta1", "lr=0.001 max_lr=0.1 total_steps=15", every),
        (torch.optim.AdamW, "adamw_onecycle_beta1",
         "lr=0.001 betas=0.9,0.99 weight_decay=0.1 max_lr=0.2 total_steps=12 pct_start=0.25 "
         "base_momentum=0.7 max_momentum=0.9 div_factor=10", every),
    ]
    for cls, name, settings, state in cases:
        steps = int(dict(w.split("=") for w in settings.split())["total_steps"])
        run_case(out, name, cls, settings, PATH_START, Quadratic(steps), state,
                 schedule=torch.optim.lr_scheduler.OneCycleLR)


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
    "clip.txt": ("torch.nn.utils.clip_grad_norm_ and clip_grad_value_", clip_cases,
                 "see lessons/07_schedules/clip_golden.h"),
    "schedules.txt": ("the learning rates of torch.optim.lr_scheduler's LinearLR, CosineAnnealingLR,\n"
                      "# OneCycleLR and SequentialLR, and of nanoGPT's get_lr", schedule_cases,
                      "see lessons/07_schedules/schedule_golden.h", "in double (Python floats)"),
    "warm_restarts.txt": ("the learning rates of torch.optim.lr_scheduler.CosineAnnealingWarmRestarts,\n"
                          "# for exercise 3 of chapter 7", warm_restarts_cases,
                          "see lessons/07_schedules/schedule_golden.h;\n# epoch: each call's argument,"
                          " -1 for a step() without one", "in double (Python floats)"),
    "onecycle.txt": ("SGD, RMSprop, Adam and AdamW under lr_scheduler.OneCycleLR, whose\n"
                     "# momentum cycling sets their momentum or betas[0]", one_cycle_momentum_cases),
}


def render(torch_name, make, format_note="see common/golden.h", numbers="in float32 on the CPU"):
    out = io.StringIO()
    out.write("# Golden trajectories of %s, made by tools/make_golden.py\n" % torch_name)
    out.write("# with torch %s and numpy %s, %s.\n" % (torch.__version__, np.__version__, numbers))
    out.write("# Do not edit by hand: change tools/make_golden.py and run it again.\n")
    out.write("# Format: %s.\n\n" % format_note)
    make(out)
    return out.getvalue()


def main():
    torch.set_num_threads(1)
    # Each file's text is made only when its turn comes: render(*entry), entry
    # being (torch_name, make[, format_note[, numbers]]).
    command_line(__doc__, [(os.path.join(GOLDEN, filename), functools.partial(render, *entry))
                           for filename, entry in FILES.items()], {})

if __name__ == "__main__":
    main()
