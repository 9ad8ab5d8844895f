#!/usr/bin/env bash
# `npm test`: installs what a fresh clone needs, then runs every stage in order — type check, unit and
# property tests (plain Node), the integration suite in code-server's extension host, the UI
# scenarios against the packaged .vsix in Chromium. Each stage has a hard time-out and ends with
# "N passed, N failed"; the command exits non-zero when anything failed. Logs and screenshots go to
# .artifacts/ (git-ignored).
#
#   bash scripts/test.sh [--skip-ui] [--skip-integration]
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export ART="$ROOT/.artifacts"
mkdir -p "$ART"
skip_ui= skip_integration=
for arg in "$@"; do
  case $arg in
    --skip-ui) skip_ui=1 ;;
    --skip-integration) skip_integration=1 ;;
    *) echo "unknown option $arg" >&2; exit 2 ;;
  esac
done

status=0
summary=()
times=()
run_started=$SECONDS

# Process groups the Node runners started (code-server, Chromium) are listed here; whatever is left
# of them after a stage — say the runner was killed at its time-out — is killed here.
export SESSION_TREE_PGID_FILE="$ART/pgids"
: >"$SESSION_TREE_PGID_FILE"
kill_leftovers() {
  local pgid
  while read -r pgid; do
    [ -n "$pgid" ] || continue
    # Only groups that still run code-server or Chromium: the id may have been reused since.
    if ps -o args= -g "$pgid" 2>/dev/null | grep -qE 'code-server|chromium'; then
      kill -KILL -- "-$pgid" 2>/dev/null || true
    fi
  done <"$SESSION_TREE_PGID_FILE"
  : >"$SESSION_TREE_PGID_FILE"
}
trap 'kill_leftovers' EXIT
trap 'kill_leftovers; exit 130' INT
trap 'kill_leftovers; exit 143' TERM

# stage NAME SECONDS COMMAND...: runs COMMAND with a hard time-out, tees its output to
# .artifacts/NAME.log and makes sure the output ends with "NAME: N passed, N failed".
stage() {
  local name=$1 limit=$2
  shift 2
  local log="$ART/$name.log" started=$SECONDS rc
  echo
  echo "== $name (time-out ${limit} s)"
  timeout --kill-after=20 "$limit" "$@" </dev/null 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  kill_leftovers
  local line
  line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed" "$log" | tail -n 1)
  if [ -z "$line" ]; then
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then echo "$name: timed out after $limit s"; fi
    line="$name: 0 passed, 1 failed"
    echo "$line"
  fi
  if [ "$rc" != 0 ]; then status=1; fi
  summary+=("$line")
  times+=("$name $((SECONDS - started)) s")
}

fail_stage() {
  echo "$1: $2"
  echo "$1: 0 passed, 1 failed"
  summary+=("$1: 0 passed, 1 failed")
  status=1
}

echo "== install"
if [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund </dev/null || exit 1
fi
setup_ok=1
if [ -z "$skip_integration" ] || [ -z "$skip_ui" ]; then
  timeout 1200 bash scripts/setup.sh || setup_ok=
fi

echo
echo "== typecheck"
started=$SECONDS
if timeout 300 npx tsc -p . --noEmit </dev/null; then
  echo "typecheck: passed"
else
  echo "typecheck: failed"
  summary+=("typecheck: failed (see the errors above)")
  status=1
fi
times+=("typecheck $((SECONDS - started)) s")

unit_tests() {
  # tsc still writes its output on type errors (the typecheck stage has failed the run already).
  npm run --silent build:tests >/dev/null || echo "(build:tests reported type errors; running what it emitted)"
  local files
  mapfile -t files < <(find out/test/unit -name '*.test.js' 2>/dev/null | sort)
  if [ ${#files[@]} -eq 0 ]; then
    echo "no unit tests found under out/test/unit"
    echo "unit: 0 passed, 0 failed"
    return 0
  fi
  local tap="$ART/unit.tap" rc
  node --test --test-concurrency=2 --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" "${files[@]}"
  rc=$?
  local pass fail
  pass=$(grep -E '^# pass [0-9]+' "$tap" | tail -n 1 | awk '{print $3}')
  fail=$(grep -E '^# fail [0-9]+' "$tap" | tail -n 1 | awk '{print $3}')
  if [ -n "$pass" ]; then echo "unit: $pass passed, ${fail:-0} failed"; fi
  return $rc
}
stage unit 900 bash -c "$(declare -f unit_tests); unit_tests"

if [ -n "$skip_integration" ]; then
  echo "== integration: skipped (--skip-integration)"
elif [ -z "$setup_ok" ]; then
  fail_stage integration "scripts/setup.sh failed, so there is no code-server to run in"
else
  stage integration 600 bash -c 'npm run --silent build && node out/test/harness/runIntegration.js --timeout 300'
fi

if [ -n "$skip_ui" ]; then
  echo "== ui: skipped (--skip-ui)"
elif [ -z "$setup_ok" ]; then
  fail_stage ui "scripts/setup.sh failed, so there is no code-server or Chromium to run in"
else
  stage ui 2100 bash -c 'npm run --silent package && node out/test/harness/runUi.js --scenario-timeout 180'
fi

echo
echo "== summary: $(IFS=,; echo "${times[*]}" | sed 's/,/, /g'); total $((SECONDS - run_started)) s"
[ ! -d "$ART/ui/screenshots" ] || echo "screenshots: .artifacts/ui/screenshots"
for line in "${summary[@]}"; do echo "$line"; done
exit $status
