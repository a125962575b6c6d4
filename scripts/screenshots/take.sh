#!/usr/bin/env bash
# Regenerates the README pictures in docs/images/:
#   prefect-flow-run.png  the Prefect UI page of a published WAP run (write/audit/publish task runs)
#   prefect-artifact.png  the audit report artifact of that run
#   bull-board.png        bull-board at /ui/queues on `floodgate api`
#
# Everything runs privately on loopback and is torn down at the end: a redis-server, a
# `prefect server start` (UI on, PREFECT_HOME in a temp dir, no analytics), `floodgate demo`
# (a good and a bad batch, reported to Prefect), `floodgate api` on the same Redis, and headless
# Debian chromium for the screenshots (installed with apt-get when missing).
#
#   bash scripts/screenshots/take.sh            # needs root (or sudo) only to install chromium
#   ROWS=50000 KEEP=1 bash scripts/screenshots/take.sh   # more rows; keep the temp dir for a look
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/../lib.sh" # ROOT, log, apt_install, node_deps, python_venv
OUT="$ROOT/docs/images"
ROWS="${ROWS:-20000}"
WIDTH="${WIDTH:-1600}"
HEIGHT="${HEIGHT:-1000}"
BUDGET_MS="${BUDGET_MS:-20000}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/fg-shots.XXXXXX")"
PIDS=()

cleanup() {
  local status=$?
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    local pid="${PIDS[$i]}"
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  if [ "$status" -ne 0 ]; then
    log "failed; last lines of the logs in $WORK:"
    for f in "$WORK"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }; done >&2
  fi
  if [ -n "${KEEP:-}" ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

wait_http() { # url, seconds
  local url="$1" deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || { echo "no answer from $url after $2 s" >&2; return 1; }
    sleep 0.5
  done
}

# --- what is needed -----------------------------------------------------------------------------
command -v chromium >/dev/null || apt_install chromium
command -v redis-server >/dev/null || apt_install redis-server
command -v pngquant >/dev/null || apt_install pngquant || true
command -v curl >/dev/null || apt_install curl
node_deps
[ -x "$ROOT/.venv/bin/prefect" ] || python_venv
mkdir -p "$OUT"
cd "$ROOT"

# --- a private Redis (same flags as src/shared/redis/embedded.ts) --------------------------------
REDIS_PORT="$(free_port)"
mkdir -p "$WORK/redis"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$WORK/redis" --appendonly yes \
  --maxmemory-policy noeviction --save '' --protected-mode yes >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
for _ in $(seq 1 100); do [ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ] && break; sleep 0.1; done
log "redis at $REDIS_URL"

# --- a private Prefect server, UI on (offline settings as in test/support/prefect.ts) -------------
PREFECT_PORT="$(free_port)"
PREFECT_UI="http://127.0.0.1:$PREFECT_PORT"
PREFECT_API="$PREFECT_UI/api"
mkdir -p "$WORK/prefect"
env -i PATH="$PATH" HOME="$WORK/prefect" PREFECT_HOME="$WORK/prefect" \
  PREFECT_SERVER_ANALYTICS_ENABLED=false PREFECT_UI_ENABLED=true PREFECT_UI_API_URL="$PREFECT_API" \
  PREFECT_SERVER_REGISTER_BLOCKS_ON_START=false PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED=false \
  PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED=false PREFECT_SERVER_SERVICES_FOREMAN_ENABLED=false \
  PREFECT_SERVER_LOGGING_LEVEL=WARNING PREFECT_LOGGING_LEVEL=WARNING \
  "$ROOT/.venv/bin/prefect" server start --host 127.0.0.1 --port "$PREFECT_PORT" >"$WORK/prefect.log" 2>&1 &
PIDS+=($!)
log "starting prefect server at $PREFECT_UI"
wait_http "$PREFECT_API/health" 120

# --- the fleet: a good and a bad batch, reported to Prefect --------------------------------------
log "running floodgate demo --rows $ROWS"
env -u FLOODGATE_API_TOKEN -u PREFECT_API_KEY -u PREFECT_API_AUTH_STRING \
  FLOODGATE_HOME="$WORK/home" REDIS_URL="$REDIS_URL" PREFECT_API_URL="$PREFECT_API" \
  node --import tsx src/producers/cli/main.ts demo --rows "$ROWS" >"$WORK/demo.log" 2>&1 || {
  echo "floodgate demo did not end as designed:" >&2; cat "$WORK/demo.log" >&2; exit 1; }
grep -E 'batch:|main:' "$WORK/demo.log" >&2 || true

# --- the API with bull-board, on the Redis that holds the demo's jobs ----------------------------
API_PORT="$(free_port)"
env -u FLOODGATE_API_TOKEN -u PREFECT_API_URL FLOODGATE_HOME="$WORK/home" REDIS_URL="$REDIS_URL" \
  node --import tsx src/producers/cli/main.ts api --host 127.0.0.1 --port "$API_PORT" >"$WORK/api.log" 2>&1 &
PIDS+=($!)
API="http://127.0.0.1:$API_PORT"
wait_http "$API/healthz" 60
log "floodgate api at $API"

# --- what to photograph --------------------------------------------------------------------------
# Prefect takes events and task-run states asynchronously: wait until the published run is COMPLETED
# and its artifact is there.
find_ids() {
  python3 "$HERE/prefect_ids.py" "$PREFECT_API"
}
IDS=""
for _ in $(seq 1 60); do IDS="$(find_ids 2>"$WORK/ids.log")" && break; sleep 1; done
[ -n "$IDS" ] || { cat "$WORK/ids.log" >&2; exit 1; }
read -r FLOW_RUN_ID ARTIFACT_ID <<<"$IDS"
log "flow run $FLOW_RUN_ID, artifact $ARTIFACT_ID"
# Give the UI's data a moment to settle (task-run states, logs).
sleep 3

shot() { # file, url, [budget ms]
  local file="$1" url="$2" budget="${3:-$BUDGET_MS}" profile
  profile="$(mktemp -d "$WORK/chromium.XXXXXX")"
  log "screenshot $(basename "$file") <- $url"
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --disable-dev-shm-usage \
    --hide-scrollbars --force-device-scale-factor=1 --user-data-dir="$profile" \
    --window-size="$WIDTH,$HEIGHT" --virtual-time-budget="$budget" \
    --screenshot="$file" "$url" >>"$WORK/chromium.log" 2>&1
  [ -s "$file" ] || { echo "chromium wrote no $file" >&2; return 1; }
  if command -v pngquant >/dev/null; then
    pngquant --force --skip-if-larger --quality=70-95 --strip --output "$file" -- "$file" || true
  fi
  echo "  $(du -k "$file" | cut -f1) KB" >&2
}

# Prefect 3.x serves a second UI under /v2 whose run graph lays out the three task runs and the
# artifacts of the run; use it when the server offers it.
UI_BASE="$PREFECT_UI"
if curl -fsS "$PREFECT_UI/ui-settings" 2>/dev/null | grep -q '"v2"'; then UI_BASE="$PREFECT_UI/v2"; fi
shot "$OUT/prefect-flow-run.png" "$UI_BASE/runs/flow-run/$FLOW_RUN_ID"
if [ -n "$ARTIFACT_ID" ] && [ "$ARTIFACT_ID" != "-" ]; then
  shot "$OUT/prefect-artifact.png" "$UI_BASE/artifacts/artifact/$ARTIFACT_ID"
else
  echo "the published run has no artifact: no prefect-artifact.png" >&2
fi
shot "$OUT/bull-board.png" "$API/ui/queues" 8000
log "done: $(ls "$OUT"/*.png | xargs -n1 basename | tr '\n' ' ')"
