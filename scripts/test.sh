#!/usr/bin/env bash
# Builds Corridor and runs every test: the README's test command, and what CI runs.
#
#   1. scripts/install-deps.sh     (a no-op when everything is installed)
#   2. configure build/            (Release: -O2 -DNDEBUG, set in CMakeLists.txt)
#   3. build with -j$(nproc)
#   4. ctest --test-dir build --output-on-failure -j2   (extra arguments go to ctest)
#
# Environment:
#   CI=true or CORRIDOR_CI=1  exports CORRIDOR_CI=1: long tests (soak, stress, large data)
#                             choose their short settings. Default: unset, full settings.
#   CORRIDOR_BUILD_DIR        Default: build (relative to the repository root).
#
# Exits non-zero when any phase fails. Prints the time each phase took.
#
# Usage: scripts/test.sh [ctest args, e.g. -R QuotaLedger]
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"

build_dir="${CORRIDOR_BUILD_DIR:-build}"

case "${CORRIDOR_CI:-}:${CI:-}" in
  :|:0|:false|:False|:FALSE) ;;
  *) export CORRIDOR_CI=1 ;;
esac

jobs="$(nproc 2>/dev/null || echo 2)"

now() { date +%s.%N; }
script_start="$(now)"
timings=()
timing_summary() { local IFS=,; echo "${timings[*]}" | sed 's/,/, /g'; }

# run_phase NAME CMD...: runs CMD, records and prints how long it took; exits on failure.
run_phase() {
  local name="$1"
  shift
  echo "==> test.sh: ${name}: $*"
  local start rc=0
  start="$(now)"
  "$@" || rc=$?
  local secs
  secs="$(awk -v a="${start}" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')"
  timings+=("${name} ${secs}s")
  if ((rc != 0)); then
    echo "==> test.sh: ${name} FAILED (exit ${rc}) after ${secs}s" >&2
    echo "==> test.sh: timings: $(timing_summary)" >&2
    exit "${rc}"
  fi
  echo "==> test.sh: ${name} took ${secs}s"
}

echo "==> test.sh: CORRIDOR_CI=${CORRIDOR_CI:-<unset>} build dir=${build_dir} jobs=${jobs}"
run_phase deps bash scripts/install-deps.sh
run_phase configure cmake -S . -B "${build_dir}" -DCMAKE_BUILD_TYPE=Release
run_phase build cmake --build "${build_dir}" -j "${jobs}"
run_phase test ctest --test-dir "${build_dir}" --output-on-failure -j2 --no-tests=error "$@"

total="$(awk -v a="${script_start}" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')"
echo "==> test.sh: timings: $(timing_summary), total ${total}s"
