#!/usr/bin/env bash
# `npm start` on a throw-away embedded database: the compiled production server must come up,
# report healthy and serve the sign-in page with its security headers. Run after `npm run build`.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${SMOKE_PORT:-3199}
data_dir=$(mktemp -d)
log="$data_dir/portal.log"
DATABASE_URL= DATA_DIR="$data_dir/data" PORT=$port PUBLIC_URL="http://localhost:$port" LOG_LEVEL=warn npm start >"$log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$data_dir"; }
trap cleanup EXIT
for _ in $(seq 1 120); do
  if curl -fsS "http://localhost:$port/api/health" -o "$data_dir/health.json" 2>/dev/null; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then echo "npm start exited:"; cat "$log"; exit 1; fi
  sleep 0.5
done
grep -q '"status":"ok"' "$data_dir/health.json" || { echo "health check failed:"; cat "$data_dir/health.json" "$log"; exit 1; }
headers=$(curl -fsS -D - -o /dev/null "http://localhost:$port/sign-in")
grep -qi '^content-security-policy:.*nonce-' <<<"$headers" || { echo "sign-in page without a nonce CSP:"; echo "$headers"; exit 1; }
echo "npm start: healthy on port $port ($(grep -o '"engine":"[a-z]*"' "$data_dir/health.json"))"
