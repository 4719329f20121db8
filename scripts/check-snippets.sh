#!/bin/sh
# check-snippets.sh METADIR - fails when a source file marks a snippet that no
# chapter shows. METADIR holds one NN_name.snippets file per woven chapter,
# listing "path:name" of the snippets it used (written by book/weave.lua).
set -eu
metadir=$1
used=$(cat "$metadir"/*.snippets 2>/dev/null | sort -u)
status=0
for file in $(grep -rl --include='*.c' --include='*.h' '/\* snippet: ' common lessons optlab gpu 2>/dev/null | sort); do
    for name in $(sed -n 's|^[[:space:]]*/\* snippet: \([A-Za-z0-9_]*\) \*/[[:space:]]*$|\1|p' "$file"); do
        if ! printf '%s\n' "$used" | grep -qx "$file:$name"; then
            echo "$file: snippet '$name' is marked but no chapter shows it" >&2
            status=1
        fi
    done
done
exit $status
