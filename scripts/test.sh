#!/usr/bin/env bash
# `npm test`: everything a fresh clone needs, then every stage. Each stage ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
if [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund || exit 1
fi
echo "== type check"
npx tsc -p . --noEmit || exit 1
echo "== unit and property tests (plain Node)"
npm run --silent build:tests || exit 1
timeout 600 node --test --test-reporter=spec --test-concurrency=2 "out/test/unit/**/*.test.js" || status=1
exit $status
