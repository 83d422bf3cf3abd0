#!/usr/bin/env bash
# Checks the running API against its own OpenAPI document with schemathesis (PyPI): no server
# error, every status code and content type documented, every response matching its schema.
# Runs as a customer administrator and as operator staff. Usage: scripts/api-contract.sh [binary]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/debug/comptoir}
data=$(mktemp -d)
port=18097
trap 'kill $server 2>/dev/null || true; rm -rf "$data"' EXIT
RUST_LOG=warn COMPTOIR_SECURE_COOKIES=false "$bin" serve --data-dir "$data" --listen 127.0.0.1:$port > "$data/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.2; done
status=0
for who in admin@boulangerie-exemple.test operator@comptoir.test; do
  key=$("$bin" user --data-dir "$data" api-key "$who" --name contract 2>/dev/null)
  if [ "$who" = admin@boulangerie-exemple.test ]; then
    # The monitor's routes answer 403 without an offer granting the module: subscribe the demo
    # account to Oseox Free so they are exercised for real.
    curl -sf -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
      -d '{"offer":"oseox","plan":"free"}' "http://127.0.0.1:$port/api/v1/subscriptions" >/dev/null
  fi
  echo "== schemathesis as $who"
  # Ending an account is left out: it would end the demo account the other runs use.
  st run "http://127.0.0.1:$port/api/v1/openapi.json" --url "http://127.0.0.1:$port" \
    -H "Authorization: Bearer $key" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --max-examples 30 --seed 20261123 --exclude-path-regex 'accounts/.*/end' --no-color || status=1
done
if grep -q '"level":"ERROR"\|ERROR' "$data/serve.log"; then
  echo "the server logged errors:"; grep ERROR "$data/serve.log" | head -20; status=1
fi
exit $status
