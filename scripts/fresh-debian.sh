#!/bin/sh
# fresh-debian.sh [--user] [COMMAND ...] - tries the README's commands the way
# a newcomer meets them: each COMMAND is the very first command typed in a
# fresh clone of this repository on a freshly debootstrapped Debian bookworm
# (minbase plus git, make and gcc, nothing else), in a directory whose name
# has a space in it. Without COMMANDs it tries each of the README's two
# commands and the other ones a reader types first:
#
#     "make book"  "make test"  "make lesson L=01"  "make grade"
#
# Each COMMAND gets its own copy of the fresh system, so each is tried alone.
# As root (the default) the command must succeed by itself, installing what
# it needs. With --user it runs as an ordinary user with sudo: the command
# must stop with one line to copy, that line is run exactly as printed, and
# then the same command must succeed.
#
# Needs root and debootstrap (apt-get install debootstrap). Clones what is
# committed (HEAD), not the working tree. Prints one line per command and
# exits 0 only if every command passed. Logs: $FRESH_DIR/NAME.log.
#   FRESH_DIR     where the systems go (default /var/tmp/fresh-debian)
#   FRESH_MIRROR  the Debian mirror (default http://deb.debian.org/debian)
set -eu

as_user=0
if [ "${1:-}" = "--user" ]; then as_user=1; shift; fi
[ $# -eq 0 ] && set -- "make book" "make test" "make lesson L=01" "make grade"

if [ "$(id -u)" -ne 0 ]; then
    echo "fresh-debian.sh: needs root (debootstrap and chroot)" >&2
    exit 2
fi
command -v debootstrap >/dev/null 2>&1 || {
    echo "fresh-debian.sh: needs debootstrap: apt-get install -y debootstrap" >&2
    exit 2
}

repo=$(cd "$(dirname "$0")/.." && pwd)
work=${FRESH_DIR:-/var/tmp/fresh-debian}
mirror=${FRESH_MIRROR:-http://deb.debian.org/debian}
base="$work/base"
mkdir -p "$work"

# The fresh system, made once per run and copied for each command.
rm -rf "$base"
packages=git,make,gcc
[ "$as_user" -eq 1 ] && packages=$packages,sudo
echo "debootstrap bookworm (minbase + $packages) into $base"
debootstrap --variant=minbase --include=$packages \
    bookworm "$base" "$mirror" > "$work/debootstrap.log" 2>&1 || {
    echo "fresh-debian.sh: debootstrap failed, see $work/debootstrap.log" >&2
    exit 1
}
chroot "$base" useradd --create-home --shell /bin/sh reader
echo "127.0.1.1 $(hostname)" >> "$base/etc/hosts"   # so that sudo knows this host
if [ "$as_user" -eq 1 ]; then
    echo 'reader ALL=(ALL) NOPASSWD: ALL' > "$base/etc/sudoers.d/reader"
    chmod 440 "$base/etc/sudoers.d/reader"
fi

# The clone lives in a directory with a space in its name, as many do.
clone_dir="/home/reader/my books/optimizers-in-c"

in_chroot() {   # root, command
    cp /etc/resolv.conf "$1/etc/resolv.conf"
    mount -t proc proc "$1/proc"
    status=0
    chroot "$1" /bin/sh -c "$2" || status=$?
    release_proc "$1"
    return $status
}

# Unmounts ROOT/proc once the command's last processes have gone (a browser
# that check-pages started may take a moment to exit), else detaches it, so
# that the rm -rf below never walks into a live /proc.
release_proc() {   # root
    for _ in 1 2 3 4 5; do
        umount "$1/proc" 2>/dev/null && return 0
        sleep 2
    done
    umount -l "$1/proc"
}

as_reader() {   # root, command (run in the clone as user reader)
    in_chroot "$1" "su reader -c 'cd \"$clone_dir\" && $2'"
}

failures=0
for command in "$@"; do
    name=$(printf '%s' "$command" | tr -c 'A-Za-z0-9=_\n-' '_')
    root="$work/$name"
    log="$work/$name.log"
    rm -rf "$root"
    cp -a "$base" "$root"
    mkdir -p "$root/home/reader/my books"
    git clone --quiet "$repo" "$root$clone_dir"
    chroot "$root" chown -R reader:reader "/home/reader/my books"
    start=$(date +%s)
    if [ "$as_user" -eq 0 ]; then
        if in_chroot "$root" "cd \"$clone_dir\" && $command" > "$log" 2>&1; then
            result="passed"
        else
            result="FAILED"
        fi
    else
        # First try: it must stop and print the line to run.
        as_reader "$root" "$command" > "$log" 2>&1 && first=0 || first=$?
        line=$(sed -n 's/^    \(sudo apt-get update && .*\)$/\1/p' "$log" | head -n 1)
        if [ "$first" -eq 0 ]; then
            result="passed (nothing was missing)"
        elif [ -z "$line" ]; then
            result="FAILED (no line to run was printed)"
        else
            echo "--- running the printed line: $line" >> "$log"
            if as_reader "$root" "$line" >> "$log" 2>&1 &&
               { echo "--- and $command again" >> "$log"; as_reader "$root" "$command" >> "$log" 2>&1; }; then
                result="passed after: $line"
            else
                result="FAILED"
            fi
        fi
    fi
    seconds=$(($(date +%s) - start))
    case "$result" in FAILED*) failures=$((failures + 1)); tail -n 20 "$log" ;; esac
    echo "$command: $result in ${seconds}s ($( [ "$as_user" -eq 1 ] && echo 'as a user' || echo 'as root'), log $log)"
    rm -rf "$root"
done
rm -rf "$base"
[ "$failures" -eq 0 ]
