"""golden_io.py - what the scripts that write tests/golden/ share.

tools/make_golden.py (PyTorch's own optimizers) and the NumPy ports of
optimizers PyTorch 1.13 lacks (tools/*_reference.py) write the same file
format (common/golden.h): a case is its name, its optimizer or function,
its settings, the parameter's shape and start, then per step the gradient,
the parameters after it and the states recorded. This module writes one
such case from a trajectory, writes a file or checks that it would not
change (--check), and formats float32 numbers so that C reads them back
exactly.
"""
import os

import numpy as np


def fmt(values):
    """float32 values with enough digits to read back exactly."""
    return " ".join("%.9g" % v for v in np.asarray(values, dtype=np.float32).ravel())


def write_trajectory(out, name, optimizer, settings, start, steps, state_keys=()):
    """One case: `steps` holds, per step, (grad, param after the step,
    {state name: state after the step}). A state not shaped like the
    parameter gets a state_shape line; a single number has the shape line
    "shape" alone."""
    shape = np.shape(start)
    out.write("case %s\n" % name)
    out.write("optimizer %s\n" % optimizer)
    if settings:
        out.write("settings %s\n" % " ".join(settings.split()))
    out.write("shape%s\n" % "".join(" %d" % n for n in shape))
    out.write("param %s\n" % fmt(start))
    for key in state_keys:
        state_shape = np.shape(steps[0][2][key]) if steps else shape
        if state_shape != shape:
            out.write("state_shape %s %s\n" % (key, " ".join(str(n) for n in state_shape)))
    for grad, param, state in steps:
        out.write("grad %s\n" % fmt(grad))
        out.write("expect %s\n" % fmt(param))
        for key in state_keys:
            out.write("state %s %s\n" % (key, fmt(state[key])))
    out.write("end\n\n")


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
