#!/usr/bin/env bash
# The main job: install what is needed, build, and run `floodgate demo`: the whole fleet in one
# process on the embedded lakehouse, with a private Redis.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# The demo starts a private redis-server unless REDIS_URL points at one.
if [ -z "${REDIS_URL:-}" ] && ! command -v redis-server >/dev/null; then apt_install redis-server; fi
node_deps
build
cd "$ROOT"
exec node --enable-source-maps dist/src/producers/cli/main.js demo "$@"
