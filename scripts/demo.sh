#!/usr/bin/env bash
# Builds the release binary and runs the server with the demo team on the
# embedded SurrealKV store under ./data (http://127.0.0.1:8080, docs at /docs).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/cpdfolio-target}"
exec cargo run --release --locked -- serve --demo "$@"
