#!/usr/bin/env bash
# Checks that the server does exactly what its OpenAPI document says:
# schemathesis (pinned, installed from PyPI into a virtualenv under
# ~/.cache on first use) generates requests for every operation from
# /openapi.json and runs its checks against a real server with the demo
# team: as a practitioner, then ending a session (revoking one by id, then
# logout) as a second practitioner, then the admin operations as an admin.
# Every check is on (the default) except where
# scripts/schemathesis.toml says why not. A fixed seed makes runs
# repeatable. Up to 80 examples an operation: about 10,600 requests, about
# two minutes. Exits non-zero on any failure.
#
# Usage: scripts/contract.sh [path-to-cpdfolio-binary]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/cpdfolio-target}"
BIN="${1:-$CARGO_TARGET_DIR/debug/cpdfolio}"
SCHEMATHESIS_VERSION=4.32.5
SEED="${CPDFOLIO_CONTRACT_SEED:-20261125}"
EXAMPLES="${CPDFOLIO_CONTRACT_EXAMPLES:-80}"

venv="$HOME/.cache/cpdfolio-venv"
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
fi
[ -x "$BIN" ] || cargo build --locked --bin cpdfolio

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
CPDFOLIO_DATA_DIR="$work/data" CPDFOLIO_DATABASE_URL=mem:// CPDFOLIO_LISTEN="127.0.0.1:$port" \
  CPDFOLIO_BASE_URL="$base" CPDFOLIO_ALERTS_ENABLED=false CPDFOLIO_LOG=warn \
  CPDFOLIO_SESSION_IDLE_MINUTES=240 \
  "$BIN" serve --demo >"$work/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$work"' EXIT

ready() {
  python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
    "$base/readyz" >/dev/null 2>&1
}
for _ in $(seq 1 300); do
  ready && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.2
done

login() {
  python3 - "$base" "$1" <<'PY'
import json, sys, urllib.request
base, email = sys.argv[1], sys.argv[2]
body = json.dumps({"email": email, "password": "demo-portfolio-2026"}).encode()
request = urllib.request.Request(base + "/api/v1/auth/login", data=body,
                                 headers={"content-type": "application/json"})
print(json.load(urllib.request.urlopen(request, timeout=30))["token"])
PY
}

run() {
  "$venv/bin/schemathesis" --config-file scripts/schemathesis.toml \
    run "$base/openapi.json" --seed "$SEED" \
    --max-examples "$EXAMPLES" --workers 1 --no-color "$@"
}

# Every account signs in before any run: a run's wrong passwords (logins,
# password changes) count against this client, and would delay a later
# sign-in. The server's idle timeout is raised so the waiting tokens last.
practitioner=$(login ot1@demo.cpdfolio.test)
leaver=$(login ot2@demo.cpdfolio.test)
admin=$(login admin@demo.cpdfolio.test)

# Everything but the operations that can end the session the run signs in
# with, as a practitioner; then those, as a second practitioner (revoking a
# session by id before logout, which ends the session for good); then the
# admin operations as an admin, last, since they can end other accounts'
# sessions (deactivation, password resets).
run -H "Authorization: Bearer $practitioner" \
  --exclude-path /api/v1/auth/logout --exclude-path '/api/v1/me/sessions/{id}'
run -H "Authorization: Bearer $leaver" --include-path '/api/v1/me/sessions/{id}'
run -H "Authorization: Bearer $leaver" --include-path /api/v1/auth/logout
run -H "Authorization: Bearer $admin" \
  --include-path-regex '^/api/v1/admin/'
