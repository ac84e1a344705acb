#!/usr/bin/env bash
# Runs every test: unit tests beside the code, the HTTP integration tests
# (real embedded SurrealDB, tantivy index in a temp dir, SMTP server on
# loopback) and the CLI tests against the real binary. Needs only the Rust
# toolchain; cargo fetches and builds everything else.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/cpdfolio-target}"
exec cargo test --locked "$@"
