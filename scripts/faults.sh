#!/usr/bin/env bash
# Fault trials against the real binary, each printing its counts:
#   - FAULT_TRIALS (default 200) times, kill -9 during 16 concurrent writers
#     (reflections, audits with a file, signed-off supervision), then a
#     restart that must find every acknowledged write and an index in step
#     (FAULT_BODY_BYTES pads reflections so commits span the engine's log
#     blocks; FAULT_MEMORY_LIMIT, in bytes, runs the server in a memory
#     cgroup so the engine's table is small and its log rotates);
#   - kill -9 at growing delays during start-ups that apply a migration over
#     10,000 rows and then rebuild a lost index, until one finishes: the
#     next start-up always completes the work;
#   - a data directory on a full disk (a 64 MiB tmpfs: needs root to mount;
#     skipped otherwise): 507 problem+json, nothing lost, recovery.
# Not part of scripts/test.sh: all of it takes about 12 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/cpdfolio-target}"
cargo test --locked --test faults --no-run
disk=""
if [ "$(id -u)" = 0 ]; then
  disk="$(mktemp -d)"
  mount -t tmpfs -o size=64m,mode=0700 tmpfs "$disk"
  trap 'umount "$disk"; rmdir "$disk"' EXIT
else
  echo "not root: the full-disk trial will be skipped" >&2
fi
env ${disk:+FAULT_SMALL_DISK="$disk"} FAULT_TRIALS="${FAULT_TRIALS:-200}" \
  cargo test --locked --test faults -- --ignored --nocapture --test-threads=1
