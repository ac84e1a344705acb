#!/usr/bin/env bash
# cpdfolio against a real SurrealDB server over ws://, as a deployment that
# has outgrown one machine runs:
#   1. builds the SurrealDB server (surrealdb-server 3.3.5 from crates.io,
#      memory and SurrealKV storage only: scripts/surrealdb-server/) — about
#      40 minutes from clean on 2 cores, so not part of scripts/test.sh;
#   2. starts it on loopback, storing in SurrealKV in a temporary directory;
#   3. runs two cpdfolio instances against it (tests/server_mode.rs): a
#      record written through one is found by search on the other within
#      2 s, and an instance killed with kill -9 catches up when restarted;
#   4. runs the HTTP integration suite (tests/api) against the server, each
#      test in a database of its own.
# Environment: SURREAL_TARGET_DIR (the server's build directory, default
# ~/.cache/cpdfolio-surreal-target), SURREAL_PORT (default 18000).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/cpdfolio-target}"
surreal_target="${SURREAL_TARGET_DIR:-$HOME/.cache/cpdfolio-surreal-target}"
port="${SURREAL_PORT:-18000}"

CARGO_TARGET_DIR="$surreal_target" cargo build --release --locked \
  --manifest-path scripts/surrealdb-server/Cargo.toml
cargo test --locked --test server_mode --test api --no-run

store="$(mktemp -d)"
password="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
SURREAL_LOG=warn "$surreal_target/release/surreal" start \
  --user root --pass "$password" --bind "127.0.0.1:$port" \
  "surrealkv://$store/db" >"$store/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$store"' EXIT
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
for _ in $(seq 1 150); do
  if listening; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then cat "$store/server.log" >&2; exit 1; fi
  sleep 0.2
done
listening || { echo "the SurrealDB server did not start" >&2; exit 1; }

export CPDFOLIO_TEST_DATABASE_URL="ws://127.0.0.1:$port"
export CPDFOLIO_TEST_DATABASE_USER=root
export CPDFOLIO_TEST_DATABASE_PASSWORD="$password"
cargo test --locked --test server_mode -- --ignored --nocapture
cargo test --locked --test api
echo "server mode: passed against SurrealDB 3.3.5 at ws://127.0.0.1:$port"
