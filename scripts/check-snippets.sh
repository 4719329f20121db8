#!/bin/sh
# check-snippets.sh METADIR - fails when a snippet marked in the sources is not
# shown in every chapter its marker names,
#     /* snippet: NAME, shown in NN_chapter[, NN_chapter...] */
# (a listing the book forgot, or a marker that points at the wrong chapter),
# or when a marker is malformed. METADIR holds one NN_name.snippets file per
# woven chapter, listing "path:name" of the snippets it used (written by
# book/weave.lua, which refuses a chapter that shows a snippet not marked for it).
set -eu
metadir=$1
status=0
for file in $(grep -rlE --include='*.c' --include='*.h' --include='*.cu' --include='*.cuh' '/\*[[:space:]]*snippet:' common lessons optlab gpu 2>/dev/null | sort); do
    # One "LINE NAME CHAPTERS" per marker; a malformed one has no NAME.
    markers=$(grep -nE '^[[:space:]]*/\*[[:space:]]*snippet:' "$file" |
        sed -E 's|^([0-9]+):[[:space:]]*/\* snippet: ([A-Za-z0-9_]+), shown in ([A-Za-z0-9_, ]+) \*/[[:space:]]*$|\1 \2 \3|; t; s|^([0-9]+):.*|\1|')
    while read -r line name chapters; do
        [ -n "$line" ] || continue
        chapters=$(printf '%s' "$chapters" | tr ',' ' ')
        if [ -z "$name" ] || [ -z "$chapters" ]; then
            echo "$file:$line: a snippet marker reads /* snippet: NAME, shown in NN_chapter[, NN_chapter...] */" >&2
            status=1
            continue
        fi
        for chapter in $chapters; do
            if [ ! -f "$metadir/$chapter.snippets" ]; then
                echo "$file:$line: snippet '$name' is marked for chapter $chapter, which the book does not have" >&2
                status=1
            elif ! grep -qx "$file:$name" "$metadir/$chapter.snippets"; then
                echo "$file:$line: snippet '$name' is marked for chapter $chapter, which does not show it" >&2
                status=1
            fi
        done
    done <<EOF
$markers
EOF
done
exit $status
