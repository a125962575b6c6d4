# Shared by the scripts in this folder: install what Floodgate needs on a Debian machine.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root to run: $*" >&2; return 1; fi
}

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

node_deps() {
  cd "$ROOT"
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing npm packages"
    # better-sqlite3 compiles against the local Node headers when no prebuilt binary can be fetched
    # (set for this install only: later npm commands would warn about an unknown setting).
    local nodedir="${npm_config_nodedir:-}"
    if [ -z "$nodedir" ] && [ -f /usr/include/node/node.h ]; then nodedir=/usr; fi
    # `npm install` follows package-lock.json like `npm ci` (the Dockerfile's), and keeps an
    # existing node_modules instead of deleting it first.
    if [ -n "$nodedir" ]; then
      npm_config_nodedir="$nodedir" npm install --no-audit --no-fund --loglevel=error
    else
      npm install --no-audit --no-fund --loglevel=error
    fi
  fi
}

build() {
  cd "$ROOT"
  log "building"
  npx --no-install tsc -p tsconfig.build.json
}

python_venv() {
  cd "$ROOT"
  if [ ! -x .venv/bin/python ] || [ requirements-test.txt -nt .venv/.installed ]; then
    log "creating the Python test venv (.venv)"
    apt_install python3-venv
    python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check -r requirements-test.txt
    touch .venv/.installed
  fi
}
