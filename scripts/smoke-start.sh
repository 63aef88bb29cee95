#!/usr/bin/env bash
# `npm start` on a throw-away embedded database: the compiled production server must come up,
# report healthy and serve the sign-in page with its security headers. Run after `npm run build`.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${SMOKE_PORT:-3199}
data_dir=$(mktemp -d)
log="$data_dir/portal.log"
if curl -fsS -o /dev/null "http://localhost:$port/api/health" 2>/dev/null; then
  echo "Something already answers on port $port: stop it or set SMOKE_PORT."
  exit 1
fi
# Its own process group: npm, the shell npm starts, the portal and its embedded database server all
# stop together (signalling npm alone leaves the portal running).
DATABASE_URL= DATA_DIR="$data_dir/data" PORT=$port PUBLIC_URL="http://localhost:$port" LOG_LEVEL=warn setsid npm start >"$log" 2>&1 &
pid=$!
cleanup() {
  kill -TERM -- "-$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.2; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -rf "$data_dir"
}
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
