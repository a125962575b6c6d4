#!/usr/bin/env bash
# The tests: install what they need (npm packages, PostgreSQL and Redis from Debian, a Python
# venv with PyIceberg, DuckDB's iceberg extension and moto), then typecheck, lint and run them.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
apt_install postgresql redis-server
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
npx --no-install vitest run "$@"
