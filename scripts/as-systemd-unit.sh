#!/usr/bin/env bash
# Runs a command seeing /proc as deploy/cpdfolio.service shows it to the
# server (ProcSubset=pid, ProtectProc=invisible): processes' own entries
# only, no /proc/meminfo.
#
#   scripts/as-systemd-unit.sh target/release/cpdfolio serve
#
# Why: SurrealKV sizes its block cache (half the memory it sees, less
# 1 GiB, at least 16 MiB) and its memtable (128 MiB below 4 GiB, 1 GiB
# from 16 to 64 GiB) from the memory it sees. Without /proc/meminfo,
# SurrealDB 3.3.5 assumes 1 GiB whatever the host has, so the unit runs
# cpdfolio with a 16 MiB block cache and a 128 MiB memtable. The scale
# bench uses this (CPDFOLIO_BENCH_AS_UNIT) to measure the server as the
# unit runs it, on a host without systemd.
#
# The command keeps this process's id (everything is exec'd), so whoever
# started it can signal it and read its /proc entry. Needs root (a mount
# namespace of its own).
set -euo pipefail
if [ "$#" -lt 1 ]; then
  echo "usage: $0 COMMAND [ARG...]" >&2
  exit 64
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "mounting /proc in a namespace of its own needs root" >&2
  exit 69
fi
# shellcheck disable=SC2016 # expanded by the inner shell
exec unshare --mount --propagation private sh -c '
  mount -t proc -o subset=pid,hidepid=invisible proc /proc &&
  exec "$@"' sh "$@"
