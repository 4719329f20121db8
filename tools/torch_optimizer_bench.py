#!/usr/bin/env python3
"""torch_optimizer_bench.py - PyTorch's CPU step for tools/optimizer_bench.c.

The implementation a reader would pick instead of the book's C: each
torch.optim optimizer the C bench times, with foreach=True (its fastest CPU
path: one kernel per operation over the whole list of tensors) where the
class takes it, on one flat float32 tensor of --n parameters, on --threads
threads. The same hyper-parameters as the C side (PyTorch's defaults; SGD
with lr=1e-3, momentum with momentum=0.9). Each time is the median of
--repeats steps after one warm-up step.

Prints one tab-separated row per optimizer, for optimizer_bench --torch:
    torch NAME N SECONDS
or, when this torch has no such optimizer (Adafactor came in 2.5; Lion and
8-bit Adam are not in torch.optim):
    torch NAME N - WHY
"""
import argparse
import statistics
import sys
import time

import torch


def optimizers():
    """(name, class name, keyword arguments), in the C bench's order."""
    return [
        ("sgd", "SGD", dict(lr=1e-3)),
        ("momentum", "SGD", dict(lr=1e-3, momentum=0.9)),
        ("adagrad", "Adagrad", {}),
        ("rmsprop", "RMSprop", {}),
        ("adam", "Adam", {}),
        ("adamw", "AdamW", {}),
        ("lion", None, "not in torch.optim (lion-pytorch is a separate package)"),
        ("adafactor", "Adafactor", {}),
        ("adam8bit", None, "not in torch.optim (bitsandbytes, CUDA)"),
    ]


def time_step(cls, kwargs, n, repeats):
    gen = torch.Generator().manual_seed(0)
    p = torch.nn.Parameter(torch.rand(n, generator=gen) * 2 - 1)
    p.grad = torch.rand(n, generator=gen) * 2 - 1
    try:
        opt = cls([p], foreach=True, **kwargs)
    except TypeError:   # a class without foreach
        opt = cls([p], **kwargs)
    opt.step()   # warm-up: creates the state
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        opt.step()
        times.append(time.perf_counter() - t0)
    del opt, p
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10**7)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--only", default="", help="names, comma-separated")
    args = ap.parse_args()
    if args.n < 1 or args.threads < 1 or args.repeats < 1:
        ap.error("--n, --threads and --repeats must be at least 1")
    torch.set_num_threads(args.threads)
    only = set(filter(None, args.only.split(",")))
    for name, cls_name, kwargs in optimizers():
        if only and name not in only:
            continue
        if cls_name is None:
            print(f"torch\t{name}\t{args.n}\t-\t{kwargs}")
        elif not hasattr(torch.optim, cls_name):
            print(f"torch\t{name}\t{args.n}\t-\tno torch.optim.{cls_name} in torch {torch.__version__}")
        else:
            seconds = time_step(getattr(torch.optim, cls_name), kwargs, args.n, args.repeats)
            print(f"torch\t{name}\t{args.n}\t{seconds:.9f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
