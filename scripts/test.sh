#!/usr/bin/env bash
# The tests: install what they need (npm packages, PostgreSQL and Redis from Debian, a Python
# venv with PyIceberg, DuckDB's iceberg extension and moto), then typecheck, lint and run them.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
apt_install postgresql redis-server prometheus
node_deps
python_venv
cd "$ROOT"
log "typecheck"
npm run --silent typecheck
log "lint"
npm run --silent lint
log "build"
npm run --silent build
log "tests"
results="$(mktemp)"
status=0
npx --no-install vitest run --reporter=default --reporter=json --outputFile="$results" "$@" || status=$?
# One closing line in the plain form CI reads: "tests: N passed, N failed, N skipped".
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  for (const file of r.testResults) for (const t of file.assertionResults) {
    if (t.status === "pending" || t.status === "skipped" || t.status === "todo") console.log(`skipped: ${t.fullName}`);
  }
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$results" || status=1
rm -f "$results"
exit "$status"
