#!/usr/bin/env bash
# The whole suite, as CI and the README run it: types, lint, unit + integration tests, then a
# production build exercised end to end in Chromium. DATABASE_URL switches PGlite to PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1

engine=$([ -n "${DATABASE_URL:-}" ] && echo PostgreSQL || echo "embedded PGlite")
step() { printf '\n== %s\n' "$*"; }

step "prerequisites"
# Stops here, naming what to install, when the machine lacks a package or root (installs them as root).
bash scripts/prerequisites.sh
step "typecheck"
# Incremental state and the lint cache live in node_modules/.cache: the second engine's run is quick.
npx tsc --noEmit -p . --incremental --tsBuildInfoFile node_modules/.cache/portal/tsbuildinfo
step "lint"
npx eslint --max-warnings=0 --cache --cache-location node_modules/.cache/portal/eslint .
step "vitest on $engine"
npx vitest run
step "build (skipped when current)"
npx tsx --require ./scripts/server-only-shim.cjs scripts/build.ts
step "production server smoke test"
bash scripts/smoke-start.sh
step "cluster on $engine (production build: two web instances and a worker)"
npx vitest run --config vitest.cluster.config.ts
step "playwright on $engine"
if [ -n "${DATABASE_URL:-}" ]; then
  # The axe scans check markup, which does not depend on the engine: they run on the embedded
  # database's pass (about 2 minutes) and are left out of the PostgreSQL one to keep CI in its budget.
  E2E_SKIP_ACCESSIBILITY=true npx playwright test
else
  npx playwright test
fi
