#!/usr/bin/env bash
# Installs everything Corridor needs to build, test and lint on Debian 12 (bookworm).
#
# Idempotent: when every package is already installed this is a quick no-op (no
# `apt-get update`, no network). Otherwise it runs `apt-get update` once and installs
# only the missing packages. Runs as root, or through sudo when it exists.
#
# Then installs the npm dev tools (package.json: @bufbuild/buf for scripts/lint-protos.sh)
# when node_modules/.bin/buf is missing or package-lock.json changed. npm is optional:
# without it (or offline) the proto lint is skipped and the C++ build is unaffected.
#
# Usage: scripts/install-deps.sh
set -euo pipefail

# ---------------------------------------------------------------------------------------
# DEBIAN PACKAGES: add new build or test dependencies here (one per line, with why).
# Check that a name exists in Debian 12 first: `apt-cache policy NAME`.
# ---------------------------------------------------------------------------------------
CORRIDOR_DEBIAN_PACKAGES=(
  build-essential         # g++, make
  cmake                   # 3.25 in bookworm; CMakeLists.txt requires it
  pkg-config              # finds libsodium and CBC
  git
  libgrpc++-dev           # gRPC 1.51 C++ runtime, CMake config, grpc++_reflection
  protobuf-compiler-grpc  # grpc_cpp_plugin; gRPC's CMake config needs it
  libprotobuf-dev         # protobuf 3.21 runtime
  protobuf-compiler       # protoc
  librocksdb-dev          # storage engine
  libabsl-dev             # Abseil 20220623: Status, StatusOr, Mutex
  libsodium-dev           # tokens, hashing, signatures
  libcli11-dev            # CLI flag parsing
  nlohmann-json3-dev      # JSON in the CLI and demo data
  iso-codes               # ISO 3166 country / ISO 639 language tables
  libgtest-dev            # GoogleTest
  libgmock-dev            # GoogleMock
  libbenchmark-dev        # Google Benchmark
  liblemon-dev            # LEMON min-cost flow: exact allocation rounds (matcher/allocation)
  coinor-libcbc-dev       # COIN-OR CBC: allocation with crossing cells, the exact reference in tests
  openssl                 # test certificates for the TLS test
  # Later work adds here, e.g.: postgresql.
)

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf 'install-deps: %s\n' "$*"; }
warn() { printf 'install-deps: WARNING: %s\n' "$*" >&2; }
die() { printf 'install-deps: ERROR: %s\n' "$*" >&2; exit 1; }

# Prints the packages of CORRIDOR_DEBIAN_PACKAGES that are not fully installed.
missing_debian_packages() {
  local -A installed=()
  local name status
  # One dpkg-query for all names; unknown names make it exit 1, which is fine here.
  while IFS=$'\t' read -r name status; do
    [[ "${status}" == "install ok installed" ]] && installed["${name}"]=1
  done < <(dpkg-query -W -f='${Package}\t${Status}\n' "${CORRIDOR_DEBIAN_PACKAGES[@]}" \
             2>/dev/null || true)
  local pkg
  for pkg in "${CORRIDOR_DEBIAN_PACKAGES[@]}"; do
    [[ -n "${installed[${pkg}]:-}" ]] || printf '%s\n' "${pkg}"
  done
}

install_debian_packages() {
  command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: this script is for Debian 12"
  local missing
  mapfile -t missing < <(missing_debian_packages)
  if ((${#missing[@]} == 0)); then
    log "all ${#CORRIDOR_DEBIAN_PACKAGES[@]} Debian packages present"
    return 0
  fi
  log "missing Debian packages: ${missing[*]}"

  local -a as_root=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null 2>&1 || die "not root and sudo not found; install as root: ${missing[*]}"
    as_root=(sudo)
  fi
  # DPkg::Lock::Timeout waits for another apt/dpkg run instead of failing at once.
  local -a apt=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive
                apt-get -q -o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0)
  "${apt[@]}" update
  "${apt[@]}" install -y --no-install-recommends "${missing[@]}"

  mapfile -t missing < <(missing_debian_packages)
  ((${#missing[@]} == 0)) || die "still missing after apt-get install: ${missing[*]}"
  log "Debian packages installed"
}

# True when node_modules matches package-lock.json (npm writes node_modules/.package-lock.json
# on every install, so a newer package-lock.json means the dependencies changed).
npm_tools_current() {
  [[ -x "${repo_root}/node_modules/.bin/buf" ]] || return 1
  [[ -f "${repo_root}/package-lock.json" ]] || return 0
  [[ -f "${repo_root}/node_modules/.package-lock.json" ]] || return 1
  [[ ! "${repo_root}/package-lock.json" -nt "${repo_root}/node_modules/.package-lock.json" ]]
}

install_npm_tools() {
  [[ -f "${repo_root}/package.json" ]] || return 0
  if npm_tools_current; then
    log "npm dev tools present (node_modules/.bin/buf)"
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    warn "npm not found: skipping @bufbuild/buf; the proto lint test will not be registered"
    return 0
  fi
  local -a npm_cmd
  if [[ -f "${repo_root}/package-lock.json" ]]; then
    npm_cmd=(npm ci)
  else
    npm_cmd=(npm install)
  fi
  log "running ${npm_cmd[*]} (dev tools: @bufbuild/buf)"
  # The proto lint is a developer tool, not a build dependency: a failed npm install
  # (offline, say) is reported but does not stop the build.
  if ! (cd "${repo_root}" &&
        "${npm_cmd[@]}" --no-audit --no-fund --loglevel=error </dev/null); then
    warn "${npm_cmd[*]} failed: the proto lint test will not be registered"
    return 0
  fi
  [[ -x "${repo_root}/node_modules/.bin/buf" ]] ||
    warn "npm finished but node_modules/.bin/buf is missing"
}

install_debian_packages
install_npm_tools
