#!/usr/bin/env bash
# Runs a command as a container limited to LIMIT bytes of memory would:
# in a memory cgroup of its own, seen through its own cgroup namespace.
#
#   scripts/memory-limited.sh 1073741824 target/release/cpdfolio serve
#
# Why: SurrealKV sizes its block cache (half the memory it sees, less
# 1 GiB, at least 16 MiB) and its memtable (128 MiB below 4 GiB, 1 GiB
# from 16 to 64 GiB) from the memory limit of the cgroup it finds at
# /sys/fs/cgroup, falling back to the host's memory. The scale bench uses
# this (CPDFOLIO_BENCH_MEMORY_LIMIT) to measure cpdfolio as it runs in a
# container started with a memory limit, on a host with more memory.
#
# The command keeps this process's id (everything is exec'd), so whoever
# started it can signal it and read its /proc entry. Needs root and the
# cgroup v1 memory controller (as on this project's build machines); on
# cgroup v2 start a container with a memory limit instead.
set -euo pipefail
if [ "$#" -lt 2 ]; then
  echo "usage: $0 LIMIT_BYTES COMMAND [ARG...]" >&2
  exit 64
fi
limit=$1
shift
case "$limit" in
  '' | *[!0-9]*)
    echo "LIMIT_BYTES must be a number of bytes, got: $limit" >&2
    exit 64
    ;;
esac

own=$(sed -n 's/^[0-9]*:memory:\(.*\)$/\1/p' /proc/self/cgroup)
root=/sys/fs/cgroup/memory
if [ -z "$own" ] || [ ! -w "$root$own" ]; then
  echo "no writable cgroup v1 memory controller here (root and cgroup v1 are needed)" >&2
  exit 69
fi
parent="$root${own%/}"
# Groups earlier runs left behind are removed once empty.
for stale in "$parent"/cpdfolio-limited-*; do
  [ -d "$stale" ] && rmdir "$stale" 2>/dev/null || true
done
group="$parent/cpdfolio-limited-$$"
mkdir "$group"
echo "$limit" >"$group/memory.limit_in_bytes"
echo $$ >"$group/cgroup.procs"

view=$(mktemp -d)
# shellcheck disable=SC2016 # expanded by the inner shell
exec unshare --mount --propagation private --cgroup sh -c '
  mount -t cgroup -o memory memory "$0" &&
  mount --bind "$0" /sys/fs/cgroup/memory &&
  umount "$0" && rmdir "$0" &&
  exec "$@"' "$view" "$@"
