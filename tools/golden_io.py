"""golden_io.py - what the scripts that write tests/golden/ share.

tools/make_golden.py (PyTorch's own optimizers) and the NumPy ports of
optimizers PyTorch 1.13 lacks (lion, lion_variants, adafactor,
hf_adafactor and adam8bit _reference.py; the other *_reference.py write
formats of their own) write the same file format (common/golden.h): a case is its name, its optimizer or function,
its settings, the parameter's shape and start, then per step the gradient,
the parameters after it and the states recorded. This module writes one
such case from a trajectory (and a whole file of them), writes a file or
checks that it would not change (--check), and formats float32 numbers so
that C reads them back exactly. For the NumPy ports it also writes a whole
file from a port's run (render_port), holds their cases' random draws,
how they read a case's settings line (settings_over),
the two distances (ulps, relative) their --against-torch modes report, and
the command line they share (command_line).
"""
import argparse
import io
import math
import os
import sys

import numpy as np

F32 = np.float32


def fmt(values):
    """float32 values with enough digits to read back exactly."""
    return " ".join("%.9g" % v for v in np.asarray(values, dtype=np.float32).ravel())


def write_trajectory(out, name, optimizer, settings, start, steps, state_keys=(),
                     every_state_shape=False):
    """One case: `steps` holds, per step, (grad, param after the step,
    {state name: state after the step}). A state not shaped like the
    parameter gets a state_shape line (every state does with
    every_state_shape, for a reader that numbers the states in the order
    they are first named); a single number has the shape line "shape" alone."""
    shape = np.shape(start)
    out.write("case %s\n" % name)
    out.write("optimizer %s\n" % optimizer)
    if settings:
        out.write("settings %s\n" % " ".join(settings.split()))
    out.write("shape%s\n" % "".join(" %d" % n for n in shape))
    out.write("param %s\n" % fmt(start))
    for key in state_keys:
        state_shape = np.shape(steps[0][2][key]) if steps else shape
        if every_state_shape or state_shape != shape:
            out.write("state_shape %s %s\n" % (key, " ".join(str(n) for n in state_shape)))
    for grad, param, state in steps:
        out.write("grad %s\n" % fmt(grad))
        out.write("expect %s\n" % fmt(param))
        for key in state_keys:
            out.write("state %s %s\n" % (key, fmt(state[key])))
    out.write("end\n\n")


def render_trajectories(script, about, cases, write_case):
    """A golden file of trajectories, as text: `about` (comment lines that
    say what made it), where to change it, then every case of cases()
    through write_case(out, *case). NumPy's overflow warnings are silenced:
    the cases of huge gradients overflow on purpose, as the real step does."""
    out = io.StringIO()
    out.write(about)
    out.write("# Do not edit by hand: change tools/%s and run it again.\n" % script)
    out.write("# Format: see common/golden.h.\n\n")
    with np.errstate(all="ignore"):
        for case in cases():
            write_case(out, *case)
    return out.getvalue()


def render_port(script, about, optimizer, cases, run_port):
    """A NumPy port's golden file (render_trajectories): every case of
    cases(), (name, settings, start, gradients), through
    run_port(start, grads, settings), which gives after each step the
    parameter and {state name: state}. The states written are the ones the
    port records, in its order, so each port says only once what it keeps."""
    def write_case(out, name, settings, start, grads):
        after = run_port(start, grads, settings)
        steps = [(g, param, state) for g, (param, state) in zip(grads, after)]
        state_keys = tuple(steps[0][2]) if steps else ()
        write_trajectory(out, name, optimizer, settings, start, steps, state_keys)

    return render_trajectories(script, about, cases, write_case)


def update(path, text, check):
    """Writes text to path, or with check only says whether it would
    change. Returns True when the file differs from text."""
    old = open(path).read() if os.path.exists(path) else None
    if old == text:
        return False
    if not check:
        with open(path, "w") as f:
            f.write(text)
    print("%s %s" % ("would change" if check else "wrote", os.path.relpath(path)))
    return True


def command_line(doc, files, modes):
    """A NumPy port's command line: with no flag it writes each golden file
    of files, [(path, render)], render() giving the file's text; --check
    only says whether one would change (exit 1 if so). modes holds the
    port's checks against torch, {"--flag": (help, function)}: the flag runs
    function alone and exits 0 when it returns True."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a file would change")
    for flag, (help_text, _) in modes.items():
        parser.add_argument(flag, action="store_true", help=help_text)
    args = parser.parse_args()
    for flag, (_, function) in modes.items():
        if getattr(args, flag[2:].replace("-", "_")):
            sys.exit(0 if function() else 1)
    changed = False
    for path, render in files:
        changed |= update(path, render(), args.check)   # every file, even after one changed
    if args.check and changed:
        sys.exit(1)


def settings_over(defaults, settings, lists=(), bools=()):
    """A case's settings line ("lr=0.01 betas=0.9,0.99") on top of `defaults`
    (a dict): a key in `lists` takes numbers split at commas (a tuple, None
    for "None"), one in `bools` true or false, any other one number."""
    hp = dict(defaults)
    for word in settings.split():
        key, text = word.split("=", 1)
        if key in lists:
            hp[key] = tuple(None if x == "None" else float(x) for x in text.split(","))
        elif key in bools:
            hp[key] = text == "true"
        else:
            hp[key] = float(text)
    return hp


class Draws:
    """The cases' random numbers, from one generator, in the order the table
    is written: append new cases at the end, or every case after them changes.
    A case has `steps` gradients unless it asks for another number."""

    def __init__(self, seed, steps=8):
        self.rng = np.random.default_rng(seed)
        self.steps = steps

    def start(self, *shape, scale=1.0):
        return (self.rng.standard_normal(shape) * scale).astype(F32)

    def grads(self, *shape, steps=None, scale=1.0):
        steps = self.steps if steps is None else steps
        return [(self.rng.standard_normal(shape) * scale).astype(F32) for _ in range(steps)]


def ulps(a, b):
    """How many float32 ulps (of the larger) a and b are apart; NaN and inf
    only match themselves."""
    worst = 0.0
    for x, y in zip(np.asarray(a, F32).ravel(), np.asarray(b, F32).ravel()):
        if not (np.isfinite(x) and np.isfinite(y)):
            if not (x == y or (np.isnan(x) and np.isnan(y))):
                return math.inf
            continue
        spacing = float(np.spacing(max(abs(x), abs(y), F32(np.finfo(F32).tiny))))
        worst = max(worst, abs(float(x) - float(y)) / spacing)
    return worst


def relative(theirs, mine, scale):
    """The largest |theirs - mine| / scale, element by element."""
    diff = np.abs(np.asarray(theirs, np.float64) - np.asarray(mine, np.float64))
    return float(np.max(diff / np.maximum(scale, 1e-300)))


class WorstTable:
    """The report of an --against-torch mode: a row a case with its largest
    differences (one column each), then the largest of all the cases.
    done() prints that last row and says whether every one is finite."""

    def __init__(self, columns, width=28):
        self.width = width
        self.largest = [0.0] * len(columns)
        print("%-*s" % (width, "case") + "".join(" %12s" % c for c in columns))

    def _print(self, name, values):
        print("%-*s" % (self.width, name) + "".join(" %12.4g" % v for v in values))

    def row(self, name, worst):
        self._print(name, worst)
        self.largest = [max(x, y) for x, y in zip(self.largest, worst)]

    def done(self):
        self._print("largest", self.largest)
        return all(math.isfinite(w) for w in self.largest)
