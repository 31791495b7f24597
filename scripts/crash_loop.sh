#!/usr/bin/env bash
# RELIABILITY.md D1/D4 at length: runs the kill -9 loop of
# tests/server/ledger_crash_test.cc for many rounds. Each round loads the real
# corridord with 16 clients reserving, committing and releasing, SIGKILLs it
# after a random 50-500 ms, checks the data directory as the crash left it
# (D4), restarts the server on it (SERVING within 10 s) and checks every
# acknowledged reservation, the counters against the records and the caps, and
# the audit log against the counters. CI runs 3 rounds (CORRIDOR_CI=1); this
# script runs as many as asked, on one data directory.
#
#   1. builds the server_ledger_crash_test target (and corridord) in the build dir
#   2. runs it with CORRIDOR_CRASH_ROUNDS=<rounds> (CORRIDOR_CI unset)
#
# Environment:
#   CORRIDOR_BUILD_DIR  Default: build (relative to the repository root); configured
#                       (Release) when missing.
#
# Exits non-zero when the build or any round fails; the test prints its random
# seed and one line per round.
#
# Usage: scripts/crash_loop.sh [rounds]   (default 200; about 1-3 s per round)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"

rounds="${1:-200}"
if ! [[ "${rounds}" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: scripts/crash_loop.sh [rounds]   (rounds: a positive integer)" >&2
  exit 2
fi
build_dir="${CORRIDOR_BUILD_DIR:-build}"

if [[ ! -f "${build_dir}/CMakeCache.txt" ]]; then
  cmake -S . -B "${build_dir}" -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "${build_dir}" -j "$(nproc 2>/dev/null || echo 2)" --target server_ledger_crash_test

unset CORRIDOR_CI
export CORRIDOR_CRASH_ROUNDS="${rounds}"
echo "==> crash_loop.sh: ${rounds} rounds"
exec "${build_dir}/tests/server/server_ledger_crash_test" \
  --gtest_filter='LedgerCrashTest.*'
