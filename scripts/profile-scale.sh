#!/usr/bin/env bash
# Profiles the scale benchmark's server with whole call stacks.
#
#   scripts/profile-scale.sh /tmp/prof        # then: perf report -i /tmp/prof-creates.data
#
# The release build the benchmark normally uses keeps no frame pointers and
# no line tables, so `perf` cannot walk its stacks. This builds the same
# code with frame pointers and line tables, without LTO and incrementally,
# in a target directory of its own (the first build takes about 25 minutes
# on 2 cores, later ones about 2), and runs the benchmark with
# CPDFOLIO_BENCH_PERF set to PREFIX: one perf file per measured phase.
# Without LTO the code is about a quarter slower, and sampling slows it
# further, so read shares from these profiles, not speeds. Other bench
# options (CPDFOLIO_BENCH_N, CPDFOLIO_BENCH_SKIP_ALTERNATIVES, ...) pass
# through; CPDFOLIO_BENCH_N defaults to 20000 here.
set -euo pipefail
if [ "$#" -ne 1 ]; then
  echo "usage: $0 PERF_FILE_PREFIX" >&2
  exit 2
fi
command -v perf >/dev/null || { echo "perf is not installed" >&2; exit 1; }
export CARGO_TARGET_DIR="${PROFILE_TARGET_DIR:-$HOME/.cache/cpdfolio-profile}"
export RUSTFLAGS="-C force-frame-pointers=yes"
export CARGO_PROFILE_RELEASE_LTO=false
export CARGO_PROFILE_RELEASE_DEBUG=line-tables-only
export CARGO_PROFILE_RELEASE_STRIP=none
export CARGO_PROFILE_RELEASE_INCREMENTAL=true
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
export CPDFOLIO_BENCH_N="${CPDFOLIO_BENCH_N:-20000}"
export CPDFOLIO_BENCH_PERF="$1"
cd "$(dirname "$0")/.."
exec cargo bench --bench scale
