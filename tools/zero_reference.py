#!/usr/bin/env python3
"""zero_reference.py - tests/golden/zero.txt: PyTorch's ZeRO stage 1 on N processes.

torch.distributed.optim.ZeroRedundancyOptimizer wrapping torch.optim.AdamW,
run by PyTorch itself on N = 1, 2, 3, 4 CPU processes that talk through the
gloo backend (started with torch.multiprocessing.spawn; no GPU, no network
beyond localhost). Each process holds the same small model of named tensors
of uneven sizes; each step every rank has its own local gradient, the ranks
average them (all_reduce SUM, then / N; DDP divides by N before its
all_reduce, which can round otherwise at N = 3), and the optimizer
steps. ZeroRedundancyOptimizer gives each whole tensor to one rank (greedy,
largest first, to the rank with the fewest elements so far), steps AdamW
there and broadcasts the result, so every rank ends each step with the same
weights; the script checks that, and that they equal a single-process
torch.optim.AdamW fed the same averaged gradient (it prints the largest
difference; the arithmetic is element by element, so it is 0).

Lesson 12's tests feed the same gradients to the C engine at every stage
(lessons/12_zero/test_zero_golden.c).

    /usr/bin/python3 tools/zero_reference.py            # writes tests/golden/zero.txt
    /usr/bin/python3 tools/zero_reference.py --check    # exits 1 if it would change

Format (after # comments), numbers as "%.9g" float32 (they read back exactly):
    case NAME
    world_size N
    settings lr=... betas=B1,B2 eps=... weight_decay=... amsgrad=... maximize=...
    tensor NAME D0 [D1]            the model's tensors, in order
    owner RANK NAME ...            ZeroRedundancyOptimizer's partition: the
                                   tensors rank RANK steps (one line a rank)
    param NAME <values>            the start, the same on every rank
    then for each step:
    step T
    local RANK NAME <values>       rank RANK's own gradient of each tensor
    grad NAME <values>             the average every rank stepped with
    expect NAME <values>           the weights after the step
    end
"""
import argparse
import io
import os
import sys
import tempfile

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.distributed.optim import ZeroRedundancyOptimizer

from golden_io import fmt, update

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "tests", "golden", "zero.txt")

F32 = np.float32
STEPS = 3
# Sizes no world size from 2 to 4 divides all of: 15, 5, 10 and 2 elements.
TENSORS = [("fc1.weight", (5, 3)), ("fc1.bias", (5,)), ("fc2.weight", (2, 5)), ("fc2.bias", (2,))]
CASES = [
    # name, settings (AdamW's keywords; lr, eps, weight_decay as float32 numbers)
    ("defaults", dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, maximize=False)),
    ("every_keyword", dict(lr=0.05, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1, amsgrad=True, maximize=True)),
]
WORLD_SIZES = [1, 2, 3, 4]


def f32(x):
    """A Python float as the float32 the C config holds."""
    return float(F32(x))


def start_params(case_index):
    rng = np.random.default_rng(1000 + case_index)
    return [rng.standard_normal(shape).astype(F32) for _, shape in TENSORS]


def local_grads(case_index, world_size, rank, step):
    """Rank `rank`'s own gradient at `step`: the same numbers whichever
    process draws them."""
    rng = np.random.default_rng([case_index, world_size, rank, step])
    return [rng.standard_normal(shape).astype(F32) for _, shape in TENSORS]


def torch_settings(settings):
    s = dict(settings)
    s["lr"], s["eps"], s["weight_decay"] = f32(s["lr"]), f32(s["eps"]), f32(s["weight_decay"])
    return s


def rank_main(rank, world_size, case_index, settings, port, out_path):
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    dist.init_process_group("gloo", rank=rank, world_size=world_size)
    torch.set_num_threads(1)
    params = [torch.nn.Parameter(torch.from_numpy(p.copy())) for p in start_params(case_index)]
    opt = ZeroRedundancyOptimizer(params, optimizer_class=torch.optim.AdamW, foreach=False,
                                  **torch_settings(settings))
    # Which tensors each rank steps, read from the optimizer itself.
    index = {id(p): i for i, p in enumerate(params)}
    owners = [[TENSORS[index[id(p)]][0] for group in groups for p in group["params"]]
              for groups in opt._partition_parameters()]
    steps = []
    for t in range(1, STEPS + 1):
        local = local_grads(case_index, world_size, rank, t)
        averaged = []
        for p, g in zip(params, local):
            grad = torch.from_numpy(g.copy())
            dist.all_reduce(grad, op=dist.ReduceOp.SUM)
            grad /= world_size
            p.grad = grad
            averaged.append(grad.numpy().copy())
        opt.step()
        after = [p.detach().numpy().copy() for p in params]
        # Every rank must hold the same weights after the step.
        for a in after:
            mine = torch.from_numpy(a.copy())
            rank0 = mine.clone()
            dist.broadcast(rank0, src=0)
            assert torch.equal(mine, rank0), "rank %d differs from rank 0" % rank
        steps.append((averaged, after))
    if rank == 0:
        np.save(out_path, np.array([owners, steps], dtype=object), allow_pickle=True)
    dist.barrier()
    dist.destroy_process_group()


def single_process(case_index, settings, steps):
    """torch.optim.AdamW in one process on the same averaged gradients: the
    largest difference from ZeRO's weights."""
    params = [torch.nn.Parameter(torch.from_numpy(p.copy())) for p in start_params(case_index)]
    opt = torch.optim.AdamW(params, foreach=False, **torch_settings(settings))
    worst = 0.0
    for averaged, after in steps:
        for p, g in zip(params, averaged):
            p.grad = torch.from_numpy(g.copy())
        opt.step()
        for p, a in zip(params, after):
            worst = max(worst, float(np.max(np.abs(p.detach().numpy() - a))))
    return worst


def settings_line(s):
    b = lambda v: "true" if v else "false"
    return ("lr=%.9g betas=%.9g,%.9g eps=%.9g weight_decay=%.9g amsgrad=%s maximize=%s"
            % (f32(s["lr"]), s["betas"][0], s["betas"][1], f32(s["eps"]), f32(s["weight_decay"]),
               b(s["amsgrad"]), b(s["maximize"])))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the file would change")
    args = ap.parse_args()
    out = io.StringIO()
    out.write("# PyTorch's ZeRO stage 1 (torch.distributed.optim.ZeroRedundancyOptimizer around\n")
    out.write("# torch.optim.AdamW) on N gloo processes, made by tools/zero_reference.py with\n")
    out.write("# torch %s and numpy %s, in float32 on the CPU.\n" % (torch.__version__, np.__version__))
    out.write("# Do not edit by hand: change tools/zero_reference.py and run it again.\n")
    out.write("# Format: see tools/zero_reference.py.\n")
    port = 29600
    with tempfile.TemporaryDirectory() as tmp:
        for case_index, (name, settings) in enumerate(CASES):
            for world_size in WORLD_SIZES:
                port += 1
                path = os.path.join(tmp, "%s_%d.npy" % (name, world_size))
                mp.spawn(rank_main, args=(world_size, case_index, settings, port, path),
                         nprocs=world_size, join=True)
                owners, steps = np.load(path, allow_pickle=True)
                worst = single_process(case_index, settings, steps)
                print("%-14s N=%d  owners %s  |ZeRO - AdamW| = %g"
                      % (name, world_size, "; ".join(",".join(o) for o in owners), worst))
                if worst != 0.0:
                    sys.exit("ZeroRedundancyOptimizer differs from torch.optim.AdamW: %g" % worst)
                out.write("\ncase %s_n%d\n" % (name, world_size))
                out.write("world_size %d\n" % world_size)
                out.write("settings %s\n" % settings_line(settings))
                for tname, shape in TENSORS:
                    out.write("tensor %s %s\n" % (tname, " ".join(str(d) for d in shape)))
                for r, names in enumerate(owners):
                    out.write("owner %d %s\n" % (r, " ".join(names)))
                for (tname, _), p in zip(TENSORS, start_params(case_index)):
                    out.write("param %s %s\n" % (tname, fmt(p)))
                for t, (averaged, after) in enumerate(steps, start=1):
                    out.write("step %d\n" % t)
                    for r in range(world_size):
                        for (tname, _), g in zip(TENSORS, local_grads(case_index, world_size, r, t)):
                            out.write("local %d %s %s\n" % (r, tname, fmt(g)))
                    for (tname, _), g in zip(TENSORS, averaged):
                        out.write("grad %s %s\n" % (tname, fmt(g)))
                    for (tname, _), a in zip(TENSORS, after):
                        out.write("expect %s %s\n" % (tname, fmt(a)))
                out.write("end\n")
    changed = update(GOLDEN, out.getvalue(), args.check)
    sys.exit(1 if changed and args.check else 0)


if __name__ == "__main__":
    main()
