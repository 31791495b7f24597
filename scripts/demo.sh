#!/usr/bin/env bash
# Runs the Corridor demo: the README's main command.
#
#   1. scripts/install-deps.sh, then builds the server and the CLI in build/ (Release)
#   2. .corridor/: data dir, server token file, an operator token (kept across runs)
#   3. demo data in .corridor/demo-data (5,000 candidates; ESCO from ../shared/data/esco)
#   4. starts corridord on 127.0.0.1:50051 in the background (or reuses a running one),
#      waits until it answers (at most 30 s)
#   5. loads the demo data once per data dir, then `corridor demo show`
#
# The server keeps running afterwards; `scripts/demo.sh --stop` stops it.
# Rerunning is safe: existing data, tokens and a running server are reused.
# To start from scratch: scripts/demo.sh --stop && rm -rf .corridor
#
# Environment:
#   CORRIDOR_DEMO_LISTEN      Default: 127.0.0.1:50051
#   CORRIDOR_DEMO_CANDIDATES  Default: 5000
#
# Usage: scripts/demo.sh [--stop]
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"

listen="${CORRIDOR_DEMO_LISTEN:-127.0.0.1:50051}"
candidates="${CORRIDOR_DEMO_CANDIDATES:-5000}"
build_dir="build"
state_dir=".corridor"
data_dir="${state_dir}/data"
token_file="${state_dir}/tokens"              # the server's token file
operator_token="${state_dir}/operator.token"  # the operator's bearer token, mode 600
demo_data="${state_dir}/demo-data"
loaded_marker="${state_dir}/demo-loaded"      # present once demo data is in data_dir
pid_file="${state_dir}/corridord.pid"
server_log="${state_dir}/corridord.log"
esco_dir="${repo_root}/../shared/data/esco"

server_bin="${build_dir}/server/corridord"
cli_bin="${build_dir}/clients/cli/corridor"

log() { printf 'demo: %s\n' "$*"; }
die() { printf 'demo: ERROR: %s\n' "$*" >&2; exit 1; }

# The CLI as the operator.
cli() {
  "${cli_bin}" --server "${listen}" --token "$(cat "${operator_token}")" "$@"
}

# Prints the pid of the corridord this script started, if it is still running.
running_pid() {
  [[ -f "${pid_file}" ]] || return 1
  local pid
  pid="$(cat "${pid_file}")"
  [[ "${pid}" =~ ^[0-9]+$ ]] || return 1
  kill -0 "${pid}" 2>/dev/null || return 1
  [[ "$(cat "/proc/${pid}/comm" 2>/dev/null)" == "corridord" ]] || return 1
  echo "${pid}"
}

# True when something accepts TCP connections on ${listen}.
port_open() {
  local host="${listen%:*}" port="${listen##*:}"
  (exec 3<>"/dev/tcp/${host}/${port}") 2>/dev/null
}

# True when the server answers an authenticated RPC.
serving() {
  cli agreements list >/dev/null 2>&1
}

stop_server() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "${pid_file}"
    log "no demo server running (nothing started by this script)"
    return 0
  fi
  log "stopping corridord (pid ${pid})"
  kill -TERM "${pid}"
  local i
  for ((i = 0; i < 100; i++)); do
    kill -0 "${pid}" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "${pid}" 2>/dev/null; then
    log "corridord did not stop within 10 s; sending SIGKILL"
    kill -KILL "${pid}"
  fi
  rm -f "${pid_file}"
  log "stopped"
}

if [[ "${1:-}" == "--stop" ]]; then
  stop_server
  exit 0
elif (($# > 0)); then
  die "unknown argument: $1 (usage: scripts/demo.sh [--stop])"
fi

# 1. Dependencies and build.
bash scripts/install-deps.sh
cmake -S . -B "${build_dir}" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "${build_dir}" -j "$(nproc 2>/dev/null || echo 2)" --target corridord corridor
[[ -x "${server_bin}" ]] || die "${server_bin} was not built"
[[ -x "${cli_bin}" ]] || die "${cli_bin} was not built"

# 2. State directory and tokens. A new data dir has nothing loaded yet.
[[ -d "${data_dir}" ]] || rm -f "${loaded_marker}"
mkdir -p "${data_dir}"
chmod 700 "${state_dir}"
if [[ ! -s "${token_file}" || ! -s "${operator_token}" ]]; then
  log "issuing an operator token"
  (umask 077 && "${cli_bin}" token issue --token-file "${token_file}" --principal operator \
      >"${operator_token}.tmp")
  mv "${operator_token}.tmp" "${operator_token}"
else
  log "reusing the operator token in ${operator_token}"
fi

# 3. Demo data, generated once (into a temporary dir so an interrupted run is redone).
if [[ ! -e "${demo_data}/.complete" ]]; then
  log "generating demo data (${candidates} candidates)"
  rm -rf "${demo_data}.tmp" "${demo_data}"
  generate=("${cli_bin}" demo generate --out "${demo_data}.tmp" --candidates "${candidates}")
  [[ -d "${esco_dir}" ]] && generate+=(--esco-dir "${esco_dir}")
  "${generate[@]}"
  touch "${demo_data}.tmp/.complete"
  mv "${demo_data}.tmp" "${demo_data}"
else
  log "reusing demo data in ${demo_data}"
fi

# 4. The server: reuse ours, or whatever already answers on the port, else start one.
if pid="$(running_pid)"; then
  log "reusing corridord (pid ${pid}) on ${listen}"
elif port_open; then
  rm -f "${pid_file}"
  serving || die "${listen} is in use by something that does not answer as corridord"
  log "reusing the server already listening on ${listen}"
else
  log "starting corridord on ${listen} (log: ${server_log})"
  server=("${server_bin}" --data-dir "${data_dir}" --token-file "${token_file}" --listen "${listen}")
  [[ -d "${esco_dir}" ]] && server+=(--esco-dir "${esco_dir}")
  nohup setsid "${server[@]}" >>"${server_log}" 2>&1 </dev/null &
  echo $! >"${pid_file}"
fi

deadline=$((SECONDS + 30))
until serving; do
  if [[ -f "${pid_file}" ]] && ! running_pid >/dev/null; then
    tail -n 20 "${server_log}" >&2 || true
    die "corridord exited during start-up (log: ${server_log})"
  fi
  ((SECONDS < deadline)) || die "corridord not serving on ${listen} after 30 s (log: ${server_log})"
  sleep 0.3
done
log "corridord is serving on ${listen}"

# 5. Load once per data dir, then show.
if [[ ! -e "${loaded_marker}" ]]; then
  log "loading demo data"
  cli demo load --dir "${demo_data}"
  touch "${loaded_marker}"
else
  log "demo data already loaded (remove ${loaded_marker} to load again)"
fi

# 6. Quota use through the ledger: a few selections hold units in two corridors, one
#    visa commits its unit, one withdrawal releases another. Fixed request ids make
#    this safe to run again (a repeat returns the stored reply and changes nothing).
reservation_name() { sed -n 's/.*"name": *"\(reservations\/[^"]*\)".*/\1/p' | head -n 1; }
log "holding quota units through the ledger (group commit, WAL synced, audited)"
es_co_cell="agreements/es-co-tcm/quotaCells/es-co-2027-92"
it_gh_cell="agreements/it-flows-2027/quotaCells/it-2027-seasonal-gh"
held=()
for i in 1 2 3 4; do
  held+=("$(cli --output json ledger reserve --cell "${es_co_cell}" --request-id "demo-es-co-${i}" |
    reservation_name)")
done
for i in 1 2; do
  cli --output json ledger reserve --cell "${it_gh_cell}" --request-id "demo-it-gh-${i}" >/dev/null
done
cli ledger commit "${held[0]}" --request-id demo-visa-1 >/dev/null
cli ledger release "${held[1]}" --reason CANDIDATE_WITHDREW --request-id demo-withdraw-1 >/dev/null
cli ledger list --filter "quota_cell = \"${es_co_cell}\""

cli demo show

# 7. The placement lifecycle on one vacancy: its shortlist, two submitted candidates,
#    a selection that reserves a unit, a visa that commits it, a withdrawal that releases
#    the other one's unit, and the vacancy's cell counters after each step. The demo acts
#    as the operator; in production each move is made by the role docs/lifecycle.md names
#    (the server checks it). The picks are kept in ${state_dir}/lifecycle-picks and the
#    request ids are fixed, so a second run replays the same answers and changes nothing.
log "the placement lifecycle: shortlist, selection, visa, withdrawal (docs/lifecycle.md)"
picks="${state_dir}/lifecycle-picks"
names_of() { sed -n "s/.*\"$1\": *\"\($2\/[^\"]*\)\".*/\1/p"; }
if [[ ! -s "${picks}" ]]; then
  for vacancy in $(cli --output json vacancies list --page-size 200 | names_of name vacancies); do
    # Two positions at least, so that both candidates can be selected.
    positions="$(cli --output json vacancies get "${vacancy}" |
      sed -n 's/.*"positions": *\([0-9]*\).*/\1/p' | head -n 1)"
    ((${positions:-0} >= 2)) || continue
    mapfile -t top < <(cli --output json match shortlist "${vacancy}" --k 3 |
      names_of candidate candidates)
    if ((${#top[@]} >= 2)); then
      printf '%s\n%s\n%s\n' "${vacancy}" "${top[0]}" "${top[1]}" >"${picks}"
      break
    fi
  done
fi
[[ -s "${picks}" ]] || die "no open vacancy has two eligible candidates"
mapfile -t pick <"${picks}"
vacancy="${pick[0]}"
tag="demo-lc-${vacancy#vacancies/}"
cli match shortlist "${vacancy}" --k 3
app_name() { names_of name applications | head -n 1; }
cell_line() {
  local app="$1" cell
  cell="$(cli --output json applications get "${app}" | names_of quotaCell agreements | head -n 1)"
  [[ -n "${cell}" ]] || die "${app} names no quota cell"
  cli cells get "${cell}"
}
first="$(cli --output json applications create --candidate "${pick[1]}" --vacancy "${vacancy}" \
  --request-id "${tag}-create-1" | app_name)"
second="$(cli --output json applications create --candidate "${pick[2]}" --vacancy "${vacancy}" \
  --request-id "${tag}-create-2" | app_name)"
[[ -n "${first}" && -n "${second}" ]] || die "the demo applications were not created"
step=0
for app in "${first}" "${second}"; do
  step=$((step + 1))
  cli applications transition "${app}" --to preselected --request-id "${tag}-pre-${step}" >/dev/null
  log "selecting ${app}: one unit of its quota cell is reserved"
  cli applications transition "${app}" --to selected --request-id "${tag}-sel-${step}" >/dev/null
  cell_line "${app}"
done
cli applications transition "${first}" --to health-cleared --request-id "${tag}-health-1" >/dev/null
cli applications transition "${first}" --to contract-signed --request-id "${tag}-contract-1" >/dev/null
log "visa issued for ${first}: its unit is committed"
cli applications transition "${first}" --to visa-issued --request-id "${tag}-visa-1" >/dev/null
cell_line "${first}"
log "${second} is withdrawn: its held unit is released"
cli applications transition "${second}" --to withdrawn --request-id "${tag}-withdraw-2" >/dev/null
cell_line "${first}"
cli applications get "${first}"

# 8. An allocation round (docs/allocation.md): Spain's 2027 season with Morocco, every open
#    vacancy at once. The proposal (most positions filled, then the highest total score,
#    solved exactly as a min-cost flow) is printed beside first come first served ("click
#    day") and greedy on the same candidates and cells, with why the others were not
#    placed and what one more unit of each cell would add. Then a what-if with smaller
#    caps (the ledger is not touched), compared with the proposal by cell, origin and
#    occupation. Proposals change no counter; fixed request ids replay on a second run.
log "an allocation round beside first come first served, and a what-if (docs/allocation.md)"
round_name() { names_of name allocationRounds | head -n 1; }
round_args=(--agreement es-ma-seasonal --from 2027-01-01 --to 2027-12-31)
cli rounds create "${round_args[@]}" --objective welfare --rows 5 --request-id demo-round-welfare
proposal="$(cli --output json rounds create "${round_args[@]}" --objective welfare \
  --request-id demo-round-welfare | round_name)"
whatif="$(cli --output json rounds create "${round_args[@]}" --objective welfare --what-if \
  --cap es-ma-2027-921=200 --cap es-ma-2027-611=120 --request-id demo-round-what-if | round_name)"
[[ -n "${proposal}" && -n "${whatif}" ]] || die "the demo rounds were not created"
log "what if the harvest and grower cells had 200 and 120 units? (${whatif})"
cli rounds compare "${proposal}" "${whatif}"

# 9. What a ministry would run: the audit log checked with the public key alone.
log "verifying the audit log with the public key only (corridor audit verify)"
public_key="$("${cli_bin}" audit public-key --key-file "${data_dir}/audit-signing.key")"
cli audit verify --public-key "${public_key}" --state-file "${state_dir}/audit-verified-head"

log "corridord keeps running on ${listen}; stop it with: scripts/demo.sh --stop"
