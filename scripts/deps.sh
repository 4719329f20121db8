#!/bin/sh
# deps.sh [build|lesson|book|all] - installs the Debian packages a target needs,
# and only those that are missing. Fast when nothing is missing.
#
# As root it runs apt-get itself; otherwise it prints the exact
# `sudo apt-get install ...` line to run and fails.
set -eu

need_build="gcc make pkg-config check libsubunit-dev zlib1g-dev"
need_lesson="$need_build gnuplot-nox"
need_book="$need_lesson pandoc texlive-xetex texlive-latex-recommended texlive-fonts-recommended lmodern fonts-dejavu-core fonts-dejavu-extra"

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

missing=""
for pkg in $wanted; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case "$status" in
        *" installed") ;;
        *) missing="$missing $pkg" ;;
    esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "Missing packages. Please run:" >&2
    echo "    sudo apt-get install -y --no-install-recommends$missing" >&2
    exit 1
fi
echo "deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "deps.sh: done"
