#!/bin/sh
# grade.sh - grades a student's exercises with a pristine copy of the book.
#
#   scripts/grade.sh STUDENT OUTDIR [PRISTINE]
#
# STUDENT is where the student's files are: a copy of the repository
# (exercises/NN_name/FILE.c), or a Gradescope submission holding
# NN_name/FILE.c or just FILE.c. Only the files that each
# exercises/NN_name/manifest.txt names are taken, and only their text.
# PRISTINE is a directory with the book as the instructor gave it; by default,
# in a handout (scripts/grade-handout.sh), STUDENT's files with the exercises
# as they were handed out (STUDENT/.given/exercises: the stubs, tests and
# points, untouched by the student's edits and commits); else the last commit
# of the repository STUDENT is in (git archive HEAD); else the files of
# STUDENT itself (grading your own work, its tests are yours to read anyway).
#
# Everything else - tests, points, headers, Makefile, libraries - comes from
# the pristine copy, which is built in a fresh temporary directory. Then:
#   1. each student file is checked (tools/grade_check.c: includes, asm,
#      constructors, and the names it may not use: those its manifest line
#      lists after "not:" and the other exercises' functions), compiled on
#      its own and may define only the functions its stub defines; a file
#      that fails costs only its exercise (the others are linked with the
#      pristine stub in its place);
#   2. tools/grade_run.c runs every test in its own process with a time
#      limit, as user nobody when run as root, and writes the TAP and logs;
#   3. tools/grade_report.c writes OUTDIR/results.json and OUTDIR/junit.xml.
# Exits 0 when grading worked, whatever the score.
#
# Environment: GRADE_TIMEOUT (seconds per test, default 3), GRADE_JOBS
# (tests at a time, default: the number of CPUs), GRADE_WORK (a directory to
# build in and keep, so that later runs reuse the build; default: a fresh
# temporary one, removed at the end).
set -u
export LC_ALL=C   # compiler messages in plain ASCII

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    echo "usage: scripts/grade.sh STUDENT OUTDIR [PRISTINE]" >&2
    exit 2
fi
student=$(cd "$1" && pwd) || exit 2
mkdir -p "$2" || exit 1
out=$(cd "$2" && pwd)
pristine=${3:-}
timeout=${GRADE_TIMEOUT:-3}
jobs=${GRADE_JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)}

fail() { echo "grade: $*" >&2; exit 1; }

if [ -n "${GRADE_WORK:-}" ]; then
    work=$GRADE_WORK
    mkdir -p "$work" || fail "cannot make $work"
    work=$(cd "$work" && pwd)
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/grade.XXXXXX") || fail "cannot make a temporary directory"
    trap 'rm -rf "$work"' EXIT
    trap 'exit 1' HUP INT TERM
fi
# The tests run as nobody when we are root: they must reach the binaries and
# the golden data, and must not be able to write anything here.
chmod 755 "$work"
src=$work/src
build=$work/build
report=$work/report
rm -rf "$src" "$report"
mkdir -p "$src" "$report" "$build" "$out/log"
chmod 700 "$report"
# No earlier run's score may outlive a run that fails.
rm -f "$out/results.json" "$out/junit.xml" "$out"/log/*.txt

# ---- 1. the pristine copy ------------------------------------------------------------
# (tar keeps the files' times, so a kept GRADE_WORK build stays up to date)
if [ -n "$pristine" ]; then
    [ -d "$pristine/exercises" ] || fail "$pristine holds no exercises/"
    (cd "$pristine" && tar --exclude=./.git --exclude=./build --exclude=./solutions -cf - .) |
        (cd "$src" && tar -xf -) || fail "cannot copy $pristine"
    echo "grading with the tests in $pristine"
elif [ -d "$student/.given/exercises" ]; then
    # A handout: the student's own stubs would be the "pristine" ones (one
    # that does not build would stop every exercise, and a helper would pass
    # the symbol check here and fail on the autograder).
    (cd "$student" && tar --exclude=./.git --exclude=./build --exclude=./solutions --exclude=./exercises \
        --exclude=./.given -cf - .) | (cd "$src" && tar -xf -) || fail "cannot copy $student"
    (cd "$student/.given" && tar -cf - exercises) | (cd "$src" && tar -xf -) || fail "cannot copy $student/.given"
    echo "grading with the exercises as handed out (.given/exercises)"
elif git -C "$student" rev-parse --verify -q HEAD:scripts/grade.sh >/dev/null 2>&1; then
    (cd "$student" && git archive HEAD) | (cd "$src" && tar -xf -) || fail "git archive failed"
    rm -rf "$src/solutions"
    echo "grading with the tests of the last commit ($(git -C "$student" rev-parse --short HEAD))"
else
    (cd "$student" && tar --exclude=./.git --exclude=./build --exclude=./solutions -cf - .) |
        (cd "$src" && tar -xf -) || fail "cannot copy $student"
    echo "grading with the tests in $student (no commit to take them from)"
fi
chmod -R a+rX,go-w "$src"

mk() { make --no-print-directory -C "$src" BUILD="$build" "$@"; }
sets=$(cd "$src/exercises" && echo [0-9][0-9]_*)
mk grade-parts SETS="$sets" > "$out/log/grader.txt" 2>&1 ||
    fail "cannot build the grader and the tests: see $out/log/grader.txt"

# From here on, files are named as the compiler names them: submission/SET/FILE
# (what the student reads names them as the student does: as_student_names).
cd "$src" || fail "cannot enter $src"

# The compiler's own error lines, not the commands that ran it.
errors() { grep -E ': (fatal )?error|undefined reference|multiple definition' | head -n 8; }

# The student's copy of one manifest file: exercises/SET/F, SET/F or F, or
# FOLDER/exercises/SET/F (a zip of the book's folder rather than of its
# files; not FOLDER/SET/F, which in a clone would find solutions/SET/F).
find_student_file() {
    for f in "$student/exercises/$1/$2" "$student/$1/$2" "$student/$2" "$student"/*/exercises/"$1/$2"; do
        if [ -e "$f" ] || [ -L "$f" ]; then echo "$f"; return 0; fi
    done
    return 1
}

# Messages about exercise file $2 of set $1 (on stdin) with the file named as
# the student has it (exercises/SET/F, SET/F or F), not as the pristine copy
# names it (submission/SET/F).
as_student_names() {
    shown=$(find_student_file "$1" "$2") && shown=${shown#"$student"/} || shown=submission/$1/$2
    shown=$(printf '%s\n' "$shown" | sed 's/[|&\\]/\\&/g')
    sed "s|submission/$1/$2:|$shown:|g"
}

# The names exercise file $2 of set $1 may not use, as grade_check's
# arguments: those after "not:" on its manifest line ($3), and the functions
# the set's other stubs define (one exercise may not call another's: when
# one file does not build, the others are linked with its stub).
not_names() {
    for name in $(printf '%s\n' "$3" | sed -n 's/^not: *//p'); do printf ' --not %s' "$name"; done
    sed -n 's/^ex[0-9]* *\([^ ]*\.c\).*/\1/p' "$src/exercises/$1/manifest.txt" | while read -r other; do
        [ "$other" = "$2" ] && continue
        nm -g --defined-only "$build/obj/exercises/$1/${other%.c}.o" | awk '{printf " --not %s", $3}'
    done
}

# ---- 2. take and check the student's files, compile each on its own ---------------------
objs=""
student_real=$(cd "$student" && pwd -P)
for set in $sets; do
    : > "$report/$set.why"
    : > "$out/log/$set.txt"
    mkdir -p "$src/submission/$set"
    while read -r ex file rest; do
        case "$ex" in ''|'#'*) continue ;; esac
        rm -f "$build/obj/submission/$set/${file%.c}.o"
        if ! f=$(find_student_file "$set" "$file"); then
            echo "$ex $file is missing from the submission" >> "$report/$set.why"; continue
        fi
        # A plain file inside the student's tree: not a link to elsewhere.
        case "$(cd "$(dirname "$f")" && pwd -P)/" in "$student_real"/*) inside=1 ;; *) inside=0 ;; esac
        if [ -L "$f" ] || [ ! -f "$f" ] || [ "$inside" = 0 ]; then
            echo "$ex $file is not a plain file (a link?): refused" >> "$report/$set.why"; continue
        fi
        # Only the text: a fresh file in the pristine copy, at most 256 KiB.
        head -c 262145 "$f" > "$src/submission/$set/$file"
        # shellcheck disable=SC2046  # --not NAME pairs, names without spaces
        if ! "$build/bin/grade_check" $(not_names "$set" "$file" "$rest") "submission/$set/$file" \
                "$src/exercises/$set" "$src/common" "$src"/lessons/[0-9][0-9]_* > "$work/check.txt"; then
            as_student_names "$set" "$file" < "$work/check.txt" > "$work/check-named.txt"
            mv "$work/check-named.txt" "$work/check.txt"
            cat "$work/check.txt" >> "$out/log/$set.txt"
            printf '%s\n' "$ex $file refused: $(head -n 1 "$work/check.txt")" >> "$report/$set.why"
            continue
        fi
        objs="$objs $build/obj/submission/$set/${file%.c}.o"
    done < "$src/exercises/$set/manifest.txt"
done
timeout 300 make -k --no-print-directory BUILD="$build" grade-compile OBJS="$objs" 2>&1 |
    grep -v '^cc \|^gcc \|^clang \|^make' > "$work/cc.txt"
mk grade-link-commands SETS="$sets" > "$work/link.txt" 2>> "$out/log/grader.txt" ||
    fail "cannot get the link commands: see $out/log/grader.txt"

# ---- 3. link: one binary for the set, or one per exercise --------------------------------
plan=""
for set in $sets; do
    why=$report/$set.why
    log=$out/log/$set.txt
    good=""   # exN:FILE of each exercise whose file compiled and defines only the stub's functions
    while read -r ex file rest; do
        case "$ex" in ''|'#'*) continue ;; esac
        obj=$build/obj/submission/$set/${file%.c}.o
        # this file's, from the compiler
        grep -F "submission/$set/$file:" "$work/cc.txt" | as_student_names "$set" "$file" > "$work/messages.txt"
        cat "$work/messages.txt" >> "$log"
        warnings=$(grep -c 'warning:' "$work/messages.txt")
        [ "$warnings" -eq 0 ] || printf '%s: %s: %s compiler warning(s), in %s\n' "$set" "$file" "$warnings" "$log"
        case " $objs " in *" $obj "*) ;; *) continue ;; esac
        if [ ! -f "$obj" ]; then
            printf '%s\n' "$ex $file did not compile: $(errors < "$work/messages.txt" | head -n 1)" >> "$why"
            printf '%s\n' "$set: $file did not compile:"; errors < "$work/messages.txt"
            continue
        fi
        # Only the stub's functions: nothing that could replace the grader's own.
        nm -g --defined-only "$build/obj/exercises/$set/${file%.c}.o" | awk '{print $3}' | sort > "$work/stub.txt"
        extra=$(nm -g --defined-only "$obj" | awk '{print $3}' | sort | comm -23 - "$work/stub.txt")
        if [ -n "$extra" ]; then
            echo "$ex $file refused: it defines $(echo $extra) besides the stub's functions (make helpers static)" |
                tee -a "$log" >> "$why"
            continue
        fi
        good="$good $ex:$file"
    done < "$src/exercises/$set/manifest.txt"

    stubs=$(sed -n 's/^\(ex[0-9]*\) *\([^ ]*\.c\).*/\1:\2/p' "$src/exercises/$set/manifest.txt")
    objs_for() {   # the stub objects for exercise $1 alone, or for "all" that are good
        for e_f in $stubs; do
            e=${e_f%%:*}; f=${e_f#*:}
            case " $good " in
                *" $e_f "*) if [ "$1" = all ] || [ "$1" = "$e" ]; then
                        echo "$build/obj/submission/$set/${f%.c}.o"; continue; fi ;;
            esac
            echo "$build/obj/exercises/$set/${f%.c}.o"
        done | tr '\n' ' '
    }
    link() {   # link BINARY OBJECTS...: with the set's tests and libraries
        target=$1; shift
        # shellcheck disable=SC2086  # word lists without spaces, from make
        $cc -o "$target" $parts "$@" $libs > "$work/ld.txt" 2>&1
    }
    tab=$(printf '\t')
    IFS=$tab read -r _ cc parts libs <<EOT
$(grep "^$set$tab" "$work/link.txt")
EOT
    bin=$build/grade/bin
    mkdir -p "$bin"
    rm -f "$bin/$set"-*
    # shellcheck disable=SC2046
    link "$bin/$set-stubs" $(objs_for none) || fail "cannot link the tests of $set with its stubs: $(cat "$work/ld.txt")"
    # shellcheck disable=SC2046
    if [ -n "$good" ] && link "$bin/$set-all" $(objs_for all); then
        for e_f in $good; do plan="$plan $set ${e_f%%:*} $bin/$set-all $src/exercises/$set/test_exercises.c"; done
    else
        for e_f in $good; do
            e=${e_f%%:*}
            # shellcheck disable=SC2046
            if link "$bin/$set-$e" $(objs_for "$e"); then
                plan="$plan $set $e $bin/$set-$e $src/exercises/$set/test_exercises.c"
            else
                sed "s|$src/||g" "$work/ld.txt" >> "$log"
                printf '%s\n' "$e ${e_f#*:} did not link: $(errors < "$work/ld.txt" | sed "s|$src/||g" | head -n 1)" >> "$why"
            fi
        done
    fi
done

# ---- 4. run the tests, then the report -------------------------------------------------
if [ -n "$plan" ]; then
    # shellcheck disable=SC2086  # the plan is a list of words without spaces
    "$build/bin/grade_run" --jobs "$jobs" --timeout "$timeout" "$report" $plan ||
        fail "the test runner failed"
fi
report_args=""
for set in $sets; do
    [ -f "$report/$set.log" ] && cat "$report/$set.log" >> "$out/log/$set.txt"
    report_args="$report_args $set $report/$set.tap $src/exercises/$set/points.txt"
done
# shellcheck disable=SC2086
"$build/bin/grade_report" "$out" $report_args || fail "cannot write the report"
