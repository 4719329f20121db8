#!/bin/sh
# optimizer_bench.sh BUILD PYTHON THREADS REPEATS N... - `make bench-optimizers`:
# for each size N, the teaching build's rows, PyTorch's rows (when PYTHON
# has torch), then the fast build times its own and prints the table,
# joined. Tables and rows are kept in BUILD/bench/. A missing torch is one
# line, not a failure.
set -eu
build=$1 python=$2 threads=$3 repeats=$4
shift 4
dir=$build/bench
mkdir -p "$dir"
if "$python" -c 'import torch' >/dev/null 2>&1; then
    have_torch=1
else
    have_torch=0
    echo "no python3-torch for $python: the PyTorch column says \"no torch\" (scripts/deps.sh installs it)"
fi
for n in "$@"; do
    echo "== n = $n: the teaching build ($build/bin/optimizer_bench), one thread"
    "$build/bin/optimizer_bench" --n="$n" --repeats="$repeats" --tsv >"$dir/teaching-$n.tsv"
    torch_flag=""
    if [ "$have_torch" = 1 ]; then
        echo "== n = $n: PyTorch (tools/torch_optimizer_bench.py), $threads threads"
        if "$python" tools/torch_optimizer_bench.py --n="$n" --threads="$threads" \
            --repeats="$repeats" >"$dir/torch-$n.tsv"; then
            torch_flag="--torch=$dir/torch-$n.tsv"
        else
            echo "PyTorch's bench failed (above): no PyTorch column at n = $n"
        fi
    fi
    echo "== n = $n: the fast build ($build/bin/optimizer_bench_fast), $threads threads"
    echo
    # shellcheck disable=SC2086 # torch_flag is one word or none
    "$build/bin/optimizer_bench_fast" --n="$n" --repeats="$repeats" --threads="$threads" \
        --teaching="$dir/teaching-$n.tsv" $torch_flag | tee "$dir/optimizers-$n.txt"
    echo
done
