#!/usr/bin/env bash
# The main job: install what is needed, build, and run `floodgate demo` on the embedded lakehouse.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
node_deps
build
cd "$ROOT"
exec node --enable-source-maps dist/src/producers/cli/main.js demo "$@"
