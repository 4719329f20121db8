#!/bin/sh
# grade-autograder.sh ZIP [tree] - a Gradescope autograder: setup.sh and
# run_autograder at the top of the zip, beside the book without solutions/
# (the pristine copy that grading builds from). Gradescope unzips it into
# /autograder/source, runs setup.sh once, then run_autograder for each
# submission (in /autograder/submission); the result goes to
# /autograder/results/results.json. AUTOGRADER_ROOT replaces /autograder, so
# that tests can run it in a temporary directory. "tree": from this tree's
# files rather than the last commit's (see grade-handout.sh).
set -eu
zip=$1
root=$(cd "$(dirname "$0")/.." && pwd)
stage=$(mktemp -d "${TMPDIR:-/tmp}/autograder.XXXXXX")
trap 'rm -rf "$stage"' EXIT
"$root/scripts/grade-handout.sh" "$stage/book" "${2:-}" > /dev/null
mv "$stage/book" "$stage/zip"
rm -rf "$stage/zip/.given"   # the autograder names its pristine copy: the book itself
cp "$root/tools/autograder/setup.sh" "$root/tools/autograder/run_autograder" "$stage/zip/"
chmod 755 "$stage/zip/setup.sh" "$stage/zip/run_autograder"
mkdir -p "$(dirname "$zip")"
zip=$(cd "$(dirname "$zip")" && pwd)/$(basename "$zip")
rm -f "$zip"
# (zip comes with scripts/deps.sh build)
(cd "$stage/zip" && zip -qr "$zip" .)
echo "autograder: $zip (upload it to Gradescope as the autograder, Ubuntu or Debian base image)"
