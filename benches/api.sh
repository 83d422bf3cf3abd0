#!/usr/bin/env bash
# Measures an authenticated API GET against the ceiling of the same server (/healthz), with wrk.
# Usage: benches/api.sh [duration] [connections]   (needs: cargo build --release -p comptoir; wrk)
set -euo pipefail
# The binary path below is relative to the repository root, one level above benches/.
cd "$(dirname "$0")/.."
duration=${1:-30s}
connections=${2:-64}
bin=target/release/comptoir
data=$(mktemp -d)
port=18099
trap 'kill $server 2>/dev/null || true; rm -rf "$data"' EXIT
RUST_LOG=warn COMPTOIR_SECURE_COOKIES=false $bin serve --data-dir "$data" --listen 127.0.0.1:$port > "$data/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.2; done
key=$($bin user --data-dir "$data" api-key admin@boulangerie-exemple.test --name bench)
curl -sf -H "Authorization: Bearer $key" http://127.0.0.1:$port/api/v1/account >/dev/null
echo "== ceiling: GET /healthz"
wrk -t2 -c"$connections" -d"$duration" --latency http://127.0.0.1:$port/healthz
echo "== authenticated: GET /api/v1/account (SQLite)"
wrk -t2 -c"$connections" -d"$duration" --latency -H "Authorization: Bearer $key" http://127.0.0.1:$port/api/v1/account
