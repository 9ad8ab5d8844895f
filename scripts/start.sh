#!/usr/bin/env bash
# `npm start [-- --port N] [-- --check]`: builds and packages the extension, installs the .vsix into
# code-server (from .cache/, set up by scripts/setup.sh) beside a tiny demo driver that fills a
# demo workspace's session through the extension's API, and serves a real VS Code on 127.0.0.1,
# printing the URL. Ctrl+C stops everything it started. `--check` opens the demo in headless
# Chromium, saves .artifacts/demo.png and stops instead of serving. Each step prints one line with
# its time; tools' own chatter goes to .artifacts/start.log.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .artifacts
LOG=.artifacts/start.log
: >"$LOG"
began=$SECONDS

# step "what" command...: runs the command with its output in the log; prints the step and its time.
step() {
  local what=$1 started=$SECONDS
  shift
  echo "start: $what…"
  if ! "$@" >>"$LOG" 2>&1; then
    echo "start: $what failed; its output:" >&2
    tail -n 40 "$LOG" >&2
    exit 1
  fi
  echo "start:   done in $((SECONDS - started)) s"
}

if [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ]; then
  step "installing the project's npm dependencies" npm install --no-audit --no-fund --loglevel=error
fi
# setup.sh prints its own steps (the code-server install says it takes about 2 minutes).
bash scripts/setup.sh
step "building and packaging the extension" npm run --silent package
# The demo launcher alone, bundled (compiling every test with tsc took ~30 s here).
step "building the demo launcher" node_modules/.bin/esbuild scripts/demo/start.ts --bundle --platform=node \
  --format=cjs --packages=external --log-level=warning --outfile=out/scripts/demo/start.js
mkdir -p .cache/demo
step "packaging the demo driver" bash -c 'cd scripts/demo/driver && ../../../node_modules/.bin/vsce package --no-dependencies \
  --allow-missing-repository --skip-license -o ../../../.cache/demo/demo-driver.vsix'
echo "start: ready to serve after $((SECONDS - began)) s; starting code-server…"
exec node out/scripts/demo/start.js "$@"
