#!/bin/sh
# deps.sh [build|lesson|book|all] - installs the Debian packages a target needs,
# and only those that are missing. Fast when nothing is missing.
#
# As root it runs `apt-get update` and `apt-get install` itself; otherwise it
# prints the one line to run (with sudo, or su where there is no sudo) and
# fails, so that the same make command succeeds once that line has run.
# Two runs at once (make -j) wait for each other instead of fighting over
# apt's lock.
set -eu

# The WebAssembly build (wasm/wasm.mk) and node, which tests it, are built
# and tested by make test; the book's pages with it are checked in Chromium.
need_build="gcc libc6-dev make pkg-config check libsubunit-dev zlib1g-dev zip unzip openmpi-bin libopenmpi-dev
            clang lld llvm wasi-libc libclang-rt-dev-wasm32 nodejs"
need_lesson="$need_build gnuplot-nox"
need_book="$need_lesson pandoc texlive-xetex texlive-latex-recommended texlive-fonts-recommended lmodern fonts-dejavu-core fonts-dejavu-extra
           fonts-droid-fallback chromium"

case "${1:-all}" in
    build) wanted=$need_build ;;
    lesson) wanted=$need_lesson ;;
    book | all) wanted=$need_book ;;
    *) echo "usage: scripts/deps.sh [build|lesson|book|all]" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "deps.sh: not a Debian-like system; please install the equivalents of: $wanted" >&2
    exit 0
fi

missing_packages() {
    missing=""
    for pkg in $wanted; do
        status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
        case "$status" in
            *" installed") ;;
            *) missing="$missing $pkg" ;;
        esac
    done
}

missing_packages
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    install="apt-get install -y --no-install-recommends$missing"
    echo "Missing packages:$missing" >&2
    echo "Please run this line, then the same make command again:" >&2
    if command -v sudo >/dev/null 2>&1; then
        echo "    sudo apt-get update && sudo $install" >&2
    else
        echo "    su -c 'apt-get update && $install'" >&2
    fi
    exit 1
fi

# One installer at a time: under make -j two stamps may ask at once. The
# second waits, then finds that the first has installed what it needed.
lock=/var/lib/dpkg/optimizers-in-c-deps.lock
if command -v flock >/dev/null 2>&1 && [ -z "${DEPS_LOCKED:-}" ]; then
    DEPS_LOCKED=1 exec flock "$lock" "$0" "$@"
fi
missing_packages
[ -z "$missing" ] && exit 0

echo "deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "deps.sh: done"
