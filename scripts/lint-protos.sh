#!/usr/bin/env bash
# Lints the API protos with buf (config: proto/buf.yaml, STANDARD rules minus the two that
# conflict with Google's AIP resource-oriented design).
#
# Exit status: 0 when clean, 1 on lint findings (printed as file:line:col:message),
# 2 when buf is not installed (run scripts/install-deps.sh, which runs npm ci).
# Also registered as the CTest test `buf_lint` when node_modules/.bin/buf exists.
#
# Usage: scripts/lint-protos.sh [extra buf lint flags, e.g. --error-format=json]
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

buf="${repo_root}/node_modules/.bin/buf"
if [[ ! -x "${buf}" ]]; then
  if command -v buf >/dev/null 2>&1; then
    buf="$(command -v buf)"
  else
    echo "lint-protos: buf not found; run scripts/install-deps.sh (npm ci) first" >&2
    exit 2
  fi
fi

# buf keeps a cache under $HOME; lint needs no remote modules, so any writable place will do.
if [[ -z "${HOME:-}" || ! -w "${HOME:-/nonexistent}" ]]; then
  export BUF_CACHE_DIR="${BUF_CACHE_DIR:-${TMPDIR:-/tmp}/corridor-buf-cache}"
fi

cd "${repo_root}/proto"
if "${buf}" lint "$@"; then
  echo "lint-protos: proto/ is clean ($("${buf}" --version 2>/dev/null || echo buf))"
else
  rc=$?
  echo "lint-protos: buf lint reported findings (exit ${rc}); see proto/buf.yaml" >&2
  exit 1
fi
