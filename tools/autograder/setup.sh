#!/bin/sh
# setup.sh - Gradescope runs this once, as root, when it builds the
# autograder's image: the compiler, make and Check, as the book needs them.
set -eu
cd "$(dirname "$0")"
sh scripts/deps.sh build
