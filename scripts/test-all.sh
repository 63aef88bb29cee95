#!/usr/bin/env bash
# The whole suite, as CI and the README run it: types, lint, unit + integration tests, then a
# production build exercised end to end in Chromium. DATABASE_URL switches PGlite to PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1

engine=$([ -n "${DATABASE_URL:-}" ] && echo PostgreSQL || echo "embedded PGlite")
step() { printf '\n== %s\n' "$*"; }

step "typecheck"
npx tsc --noEmit -p .
step "lint"
npx eslint --max-warnings=0 .
step "vitest on $engine"
npx vitest run
step "build"
npm run build
step "production server smoke test"
bash scripts/smoke-start.sh
step "playwright on $engine"
npx playwright test
