#!/usr/bin/env bash
# `npm start [-- --port N] [-- --check]`: builds and packages the extension, installs the .vsix into
# code-server (from .cache/, set up by scripts/setup.sh) beside a tiny demo driver that fills a
# demo workspace's session through the extension's API, and serves a real VS Code on 127.0.0.1,
# printing the URL. Ctrl+C stops everything it started. `--check` opens the demo in headless
# Chromium, saves .artifacts/demo.png and stops instead of serving.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund
fi
bash scripts/setup.sh
echo "start: building and packaging the extension"
npm run --silent package
# tsc writes its output even when it reports type errors; the demo launcher is all that is needed here.
npx tsc -p tsconfig.test.json >/dev/null || echo "start: (type errors reported; going on with what tsc emitted)"
mkdir -p .cache/demo
(cd scripts/demo/driver && ../../../node_modules/.bin/vsce package --no-dependencies --allow-missing-repository \
  --skip-license -o ../../../.cache/demo/demo-driver.vsix >/dev/null)
exec node out/scripts/demo/start.js "$@"
