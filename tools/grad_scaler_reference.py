#!/usr/bin/env python3
"""grad_scaler_reference.py - tests/golden/grad_scaler.txt from a NumPy port of torch.amp.GradScaler.

Debian's PyTorch 1.13 has GradScaler's Python code but not its kernels on the
CPU (_amp_foreach_non_finite_check_and_unscale_ and _amp_update_scale_ run on
CUDA only), so chapter 11's golden trajectories come from this port of what
those run, read from the sources (pytorch/pytorch torch/amp/grad_scaler.py,
torch/cuda/amp/grad_scaler.py of 1.13 and aten/src/ATen/native/cuda/AmpKernels.cu):

    scale(loss)  loss * scale                 (float32 tensor times the float32 scale)
    unscale_()   inv_scale = float32(1 / double(scale)),  found_inf = 0
                 for each element g of each gradient:
                     if not isfinite(g): found_inf = 1        (the value before unscaling)
                     g = g if inv_scale == 1 else g * inv_scale    (in float32, inf and NaN too)
    step()       optimizer.step() unless found_inf, else skipped
    update()     if found_inf: scale = float32(double(scale) * backoff_factor); tracker = 0
                 else: successful = tracker + 1
                       if successful == growth_interval:
                           new = float32(double(scale) * growth_factor)
                           if isfinite(new): scale = new          (never grows to inf)
                           tracker = 0
                       else: tracker = successful

The kernels take growth_factor and backoff_factor as C++ doubles: float *
double is a double product, rounded once more to float32 when stored. The
scale is a float32 tensor made with torch.full((1,), init_scale): the Python
float init_scale rounded to float32. growth_tracker is an int32 tensor.
enabled=False makes scale() return its argument, unscale_() and update() do
nothing, step() always step, get_scale() 1.0 and _get_growth_tracker() 0;
the constructor then checks nothing.

A case fixes the settings, the shapes of the gradients the scaler unscales
each step, and per step a loss and the gradients backward would give: an
unscaled gradient drawn at random times the scale in effect (float32), with
inf, -inf or NaN put in where the case says. It records, per step, the
scaled loss, the gradients after unscale_, found_inf, whether step() was
skipped, and the scale and growth_tracker after update().

    /usr/bin/python3 tools/grad_scaler_reference.py            # writes tests/golden/grad_scaler.txt
    /usr/bin/python3 tools/grad_scaler_reference.py --check    # exits 1 if the file would change
    /usr/bin/python3 tools/grad_scaler_reference.py --against-torch
        # with any torch (Debian's 1.13 here): the tensor operations GradScaler's
        # Python code runs itself (loss * scale, the double reciprocal,
        # isfinite, grad * inv_scale) replayed in torch on every step of every
        # case; the update kernel has no CPU version there to compare with

Where the port could differ from PyTorch, and what it chooses:
- The CUDA kernel multiplies g * inv_scale in float32 (opmath of a float
  tensor is float): NumPy's float32 product is the same correctly rounded
  product. Neither flushes subnormals to zero (the file has some).
- `inv_scale == 1 ? g : g * inv_scale`: g * 1 is g for every float but a
  NaN's payload, so the port multiplies always; NaN is recorded as "nan".
- 1 / 0.0 is a ZeroDivisionError for Python floats, inf for torch's double
  reciprocal: the port divides NumPy doubles, which give inf.
"""
import io
import os

import numpy as np

from golden_io import Draws, command_line, fmt

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "tests", "golden", "grad_scaler.txt")

F32 = np.float32
F64 = np.float64

# torch.amp.GradScaler(device, init_scale=2.0**16, growth_factor=2.0,
# backoff_factor=0.5, growth_interval=2000, enabled=True)
DEFAULTS = {"init_scale": 65536.0, "growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 2000,
            "enabled": True}


# ---- the port -------------------------------------------------------------------

class GradScaler:
    """GradScaler's state and the four operations of one iteration."""

    def __init__(self, hp):
        self.hp = hp
        self.enabled = hp["enabled"]
        if self.enabled:
            # the constructor's only checks, and only when enabled
            assert hp["growth_factor"] > 1.0, "The growth factor must be > 1.0."
            assert hp["backoff_factor"] < 1.0, "The backoff factor must be < 1.0."
        # torch.full((1,), init_scale, dtype=torch.float32) and an int32 0
        self.scale_ = F32(hp["init_scale"])
        self.growth_tracker = np.int32(0)
        self.found_inf = F32(0)

    def get_scale(self):
        return self.scale_ if self.enabled else F32(1)

    def get_growth_tracker(self):
        return self.growth_tracker if self.enabled else np.int32(0)

    def scale(self, loss):
        if not self.enabled:
            return F32(loss)
        return F32(F32(loss) * self.scale_)

    def unscale_(self, grads):
        """The gradients after unscale_ (new arrays); sets found_inf."""
        if not self.enabled:
            return [np.array(g, F32) for g in grads]
        # self._scale.double().reciprocal().float()
        inv_scale = F32(F64(1.0) / F64(self.scale_))
        self.found_inf = F32(0)
        out = []
        for g in grads:
            g = np.array(g, F32)
            if not np.all(np.isfinite(g)):
                self.found_inf = F32(1)
            out.append((g * inv_scale).astype(F32))   # inf and NaN unscaled too
        return out

    def skipped(self):
        """step(): whether optimizer.step() is skipped."""
        return self.enabled and self.found_inf != 0

    def update(self):
        if not self.enabled:
            return
        hp = self.hp
        if self.found_inf:
            self.scale_ = F32(F64(self.scale_) * hp["backoff_factor"])
            self.growth_tracker = np.int32(0)
        else:
            successful = self.growth_tracker + np.int32(1)
            if successful == hp["growth_interval"]:
                new_scale = F32(F64(self.scale_) * hp["growth_factor"])
                if np.isfinite(new_scale):   # checked in float32, after the rounding
                    self.scale_ = new_scale
                self.growth_tracker = np.int32(0)
            else:
                self.growth_tracker = np.int32(successful)
        self.found_inf = F32(0)   # a fresh found_inf for the next unscale_


# ---- the cases ------------------------------------------------------------------

def hyper(settings):
    """A case's settings ("growth_interval=3 enabled=false") on top of the defaults."""
    hp = dict(DEFAULTS)
    for word in settings.split():
        key, text = word.split("=", 1)
        if key == "enabled":
            hp[key] = text == "true"
        elif key == "growth_interval":
            hp[key] = int(text)
        else:
            hp[key] = float(text)
    return hp


INF, NAN = float("inf"), float("nan")
TWO = [(3,), (2, 2)]   # most cases unscale two gradients a step: a bias and a weight


def every(steps, tensor, index, value):
    """The same value put into gradient `tensor` at flat `index` at each of `steps` (from 1)."""
    return {s: [(tensor, index, value)] for s in steps}


def cases():
    """(name, settings, shapes, steps, size of the unscaled gradients, what
    is put in: {step: [(tensor, flat index, value)]}) of every case, in the
    file's order."""
    overflow_long = [s for s in range(1, 61) if s % 7 in (3,) or s in (20, 21, 22, 41)]
    out = [
        # Every default written out (the C tests replay it with none). A -0
        # and a gradient that unscales to a subnormal at step 1: no flush to 0.
        ("defaults", "init_scale=65536.0 growth_factor=2.0 backoff_factor=0.5 growth_interval=2000 enabled=true",
         TWO, 6, 1.0, {1: [(0, 1, -0.0), (1, 2, 1e-38)]}),
        # Growth after exactly growth_interval clean steps, and not one before.
        ("growth_interval_3", "growth_interval=3", TWO, 10, 1.0, {}),
        # inf in the first gradient, NaN in the second, -inf, then both at once:
        # each step skipped, the scale halved, the tracker back to 0; the
        # gradients are unscaled all the same.
        ("inf_and_nan", "growth_interval=3", TWO, 12, 1.0,
         {2: [(0, 0, INF)], 5: [(1, 3, NAN)], 9: [(1, 0, -INF)], 10: [(0, 2, INF), (1, 1, NAN)]}),
        # Five overflows in a row: 65536 down to 2048, then growth every 2 clean steps.
        ("consecutive_overflows", "growth_interval=2", TWO, 12, 1.0, every(range(1, 6), 1, 0, INF)),
        # Growth at every clean step from 2^120, up to 2^127: 2^128 is past
        # float32, so the scale stays, and the tracker still goes back to 0.
        ("growth_interval_1", "init_scale=%r growth_interval=1" % 2.0**120, TWO, 10, 1e-30, {}),
        # 2e38 * 1.5 = 3e38 is a float32; 3e38 * 1.5 = 4.5e38 is a double but
        # not a float32: the product is rounded to float32 first, then
        # checked. After a backoff it grows to 3.375e38, and no further.
        ("growth_past_float32_max", "init_scale=2e38 growth_factor=1.5 growth_interval=2", TWO, 12, 1e-3,
         {5: [(0, 1, INF)]}),
        # Factors that are not powers of two: each product in double, rounded
        # to float32 (a float32 product would differ).
        ("custom_factors", "init_scale=1000.0 growth_factor=1.1 backoff_factor=0.3 growth_interval=2", TWO, 24,
         1.0, every((3, 4, 9, 15, 16, 17), 0, 2, NAN)),
        ("custom_init_scale", "init_scale=0.1 growth_factor=3.0 backoff_factor=0.7 growth_interval=3", TWO, 12,
         1.0, {4: [(1, 1, INF)]}),
        # A scale below 1 makes inv_scale above 1: a finite scaled gradient
        # can unscale to inf, and found_inf (checked before unscaling) stays 0.
        ("scale_below_one", "init_scale=0.25 growth_interval=4", TWO, 6, 1.0,
         {1: [(0, 0, 3e38), (1, 3, -2e38)], 3: [(0, 2, NAN)]}),
        # The scale is not bounded below: 7 * 2^-149 halves to 4, 2, 1 times
        # 2^-149, then 0 (ties go to even). Below 2^-128 inv_scale is inf, and
        # at 0 every gradient is 0: unscaled, 0 * inf is NaN, found_inf is 0
        # and the step is not skipped; 0 * 2 grows to 0.
        ("scale_to_zero", "init_scale=1e-44 growth_interval=2", TWO, 10, 1.0, every(range(1, 6), 0, 0, INF)),
        # Disabled: the loss as it is, gradients untouched, inf and NaN
        # passed on to a step that is never skipped, get_scale() 1.
        ("disabled", "enabled=false", TWO, 5, 1.0, {2: [(0, 1, INF)], 3: [(1, 0, NAN)]}),
        # Disabled, the constructor checks nothing: factors it would refuse.
        ("disabled_unchecked", "growth_factor=0.5 backoff_factor=2.0 enabled=false", [(4,)], 4, 1.0,
         {2: [(0, 3, -INF)]}),
        # One gradient of 40 numbers (two rows of PyTorch's 16-lane vectors
        # and a tail) and a scalar, 60 steps, overflows now and then.
        ("long_run", "init_scale=1024.0 growth_interval=5", [(5, 8), ()], 60, 0.1,
         every(overflow_long, 0, 17, INF)),
    ]
    return out


def run_case(settings, shapes, steps, size, injected, draws):
    """The trajectory: per step (loss, scaled loss, gradients, unscaled
    gradients, found_inf, skipped, scale, growth_tracker)."""
    scaler = GradScaler(hyper(settings))
    trajectory = []
    for step in range(1, steps + 1):
        loss = F32(abs(draws.rng.standard_normal()) + 0.5)
        scaled_loss = scaler.scale(loss)
        # backward of the scaled loss: the gradient times the scale in effect
        scale = scaler.get_scale()
        grads = [np.array(draws.start(*shape, scale=size) * scale, dtype=F32) for shape in shapes]
        for tensor, index, value in injected.get(step, []):
            grads[tensor].reshape(-1)[index] = F32(value)
        unscaled = scaler.unscale_(grads)
        found_inf, skipped = scaler.found_inf, scaler.skipped()
        scaler.update()
        trajectory.append((loss, scaled_loss, grads, unscaled, found_inf, skipped, scaler.get_scale(),
                           scaler.get_growth_tracker()))
    return trajectory


def write_case(out, name, settings, shapes, trajectory):
    out.write("case %s\n" % name)
    out.write("settings %s\n" % settings)
    for shape in shapes:
        out.write("shape%s\n" % "".join(" %d" % n for n in shape))
    for loss, scaled_loss, grads, unscaled, found_inf, skipped, scale, tracker in trajectory:
        out.write("loss %s\n" % fmt(loss))
        out.write("scaled_loss %s\n" % fmt(scaled_loss))
        for g in grads:
            out.write("grad %s\n" % fmt(g))
        for g in unscaled:
            out.write("unscaled %s\n" % fmt(g))
        out.write("found_inf %s\n" % fmt(found_inf))
        out.write("skipped %d\n" % int(skipped))
        out.write("scale %s\n" % fmt(scale))
        out.write("growth_tracker %d\n" % int(tracker))
    out.write("end\n\n")


HEADER = """\
# Golden trajectories of dynamic loss scaling as torch.amp.GradScaler runs it
# (torch/amp/grad_scaler.py and the CUDA kernels of AmpKernels.cu), made by
# tools/grad_scaler_reference.py with numpy %s: a float32 NumPy port, since
# PyTorch 1.13 has no CPU kernels for GradScaler.
# Do not edit by hand: change tools/grad_scaler_reference.py and run it again.
#
#   case NAME
#   settings init_scale=65536.0 growth_interval=3 ...   (GradScaler's keywords; the rest default)
#   shape 3                    one line per gradient the scaler unscales each step
#   shape 2 2                  (a shape of no sizes is a single number)
#   loss X                     step 1: the loss,
#   scaled_loss X              scale(loss),
#   grad <numel numbers>       each gradient as backward leaves it (scaled), in shape order,
#   unscaled <numel numbers>   each gradient after unscale_, in the same order,
#   found_inf 0|1              whether an inf or NaN was found,
#   skipped 0|1                whether step() skipped optimizer.step(),
#   scale X                    the scale after update() (get_scale(): 1 when disabled)
#   growth_tracker N           and the growth tracker after it
#   loss ...                   step 2, and so on
#   end
#
# Numbers are float32, written with enough digits to read back to the same
# bits; nan, inf and -0 are part of the record.
"""


def render():
    out = io.StringIO()
    out.write(HEADER % np.__version__)
    draws = Draws(20250611)
    with np.errstate(all="ignore"):
        for name, settings, shapes, steps, size, injected in cases():
            out.write("\n")
            write_case(out, name, settings, shapes, run_case(settings, shapes, steps, size, injected, draws))
    return out.getvalue().replace("\n\n\n", "\n\n").rstrip("\n") + "\n"


# ---- checking the tensor operations against torch's ---------------------------------

def same_bits(a, b):
    """float32 arrays equal bit for bit, any NaN matching any NaN."""
    a, b = np.asarray(a, F32).ravel(), np.asarray(b, F32).ravel()
    both_nan = np.isnan(a) & np.isnan(b)
    return bool(np.all(both_nan | (a.view(np.uint32) == b.view(np.uint32))))


def against_torch():
    """Each step of each case: the scaled loss, inv_scale, the found_inf
    flags and the unscaled gradients as torch's own CPU operations compute
    them from the port's scale (GradScaler's Python code runs these as
    tensor operations; only the two kernels are CUDA's)."""
    import torch
    torch.set_num_threads(1)
    print("torch %s, numpy %s" % (torch.__version__, np.__version__))
    ok = True
    with np.errstate(all="ignore"):
        draws = Draws(20250611)
        for name, settings, shapes, steps, size, injected in cases():
            hp = hyper(settings)
            trajectory = run_case(settings, shapes, steps, size, injected, draws)
            scale = torch.full((1,), hp["init_scale"], dtype=torch.float32) if hp["enabled"] else None
            worst = 0
            for loss, scaled_loss, grads, unscaled, found_inf, skipped, new_scale, tracker in trajectory:
                if scale is None:
                    mine = [torch.tensor(g) for g in grads]
                    theirs_loss = torch.tensor([loss])
                    theirs_found = 0.0
                else:
                    theirs_loss = torch.tensor([loss]) * scale
                    inv_scale = scale.double().reciprocal().float()
                    theirs_found = float(any(not torch.isfinite(torch.tensor(g)).all() for g in grads))
                    mine = [torch.tensor(g) * inv_scale for g in grads]
                bad = (not same_bits(theirs_loss.numpy(), scaled_loss)
                       or theirs_found != float(found_inf)
                       or not all(same_bits(t.numpy(), u) for t, u in zip(mine, unscaled)))
                worst += bad
                if scale is not None:
                    scale = torch.full((1,), float(new_scale), dtype=torch.float32)
            print("%-26s %s" % (name, "bit for bit" if worst == 0 else "%d steps differ" % worst))
            ok = ok and worst == 0
    return ok


def main():
    command_line(__doc__, [(GOLDEN, render)], {
        "--against-torch": ("the tensor operations of every step against torch's", against_torch),
    })


if __name__ == "__main__":
    main()
