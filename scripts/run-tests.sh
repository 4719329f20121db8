#!/bin/sh
# run-tests.sh TAPDIR RUNNER... - runs every test program, keeps each one's TAP
# report in TAPDIR, and ends with one line summed over all of them:
# "N passed, M failed". Exits 1 if any test failed or any runner crashed.
set -u
tapdir=$1
shift
mkdir -p "$tapdir"
passed=0
failed=0
broken=""
for runner in "$@"; do
    name=$(basename "$runner")
    out=$("$runner" "$tapdir/$name.tap" 2>&1)
    status=$?
    printf '%s\n' "$out"
    line=$(printf '%s\n' "$out" | grep -E "^$name: [0-9]+ passed, [0-9]+ failed$" | tail -n 1)
    if [ -z "$line" ]; then
        # The runner itself died before it could report: count that as a failure.
        broken="$broken $name"
        failed=$((failed + 1))
        continue
    fi
    p=$(printf '%s' "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\1/')
    f=$(printf '%s' "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\2/')
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
        broken="$broken $name"
        failed=$((failed + 1))
    fi
done
[ -n "$broken" ] && echo "test programs that did not finish cleanly:$broken"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
