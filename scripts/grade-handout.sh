#!/bin/sh
# grade-handout.sh DEST [tree] - a student's copy of the book in DEST (a
# directory) and DEST.tar.gz: the last commit's files (or, with "tree" or
# outside git, the files of this tree) without solutions/, without history
# (which holds them) and without build/.
# `make grade` and `make test` work in it; its tests/grader scenarios that
# need the solutions skip themselves. .given/exercises keeps the exercises
# as handed out, for the grader.
set -eu
dest=$1
root=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$dest" "$dest.tar.gz"
mkdir -p "$dest"
if [ "${2:-}" != tree ] && git -C "$root" rev-parse --verify -q HEAD >/dev/null 2>&1; then
    (cd "$root" && git archive HEAD) | (cd "$dest" && tar -xf -)
    from="the last commit ($(git -C "$root" rev-parse --short HEAD))"
else
    (cd "$root" && tar --exclude=./.git --exclude=./build -cf - .) | (cd "$dest" && tar -xf -)
    from=$root
fi
rm -rf "$dest/solutions"
# The exercises as handed out, which `make grade` builds its stubs and takes
# its tests from (scripts/grade.sh): the student edits exercises/, not these.
mkdir -p "$dest/.given"
cp -Rp "$dest/exercises" "$dest/.given/"
# (tests/grader holds no solution: its scenarios that need one copy it
# from solutions/ when there is one, and skip themselves otherwise)
(cd "$(dirname "$dest")" && tar -czf "$(basename "$dest").tar.gz" "$(basename "$dest")")
echo "handout from $from: $dest/ and $dest.tar.gz (no solutions/)"
