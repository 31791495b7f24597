#!/usr/bin/env bash
# Durable quota reservations end to end through gRPC (issue #4):
#   1. a fresh corridord starts on a free loopback port with an empty data directory and
#      --sync=always; an operator token is issued into its token file;
#   2. `corridor agreements create` / `corridor cells create` make four synthetic ES <- CO, MA
#      agreements and their cells (every write validated and audited like any client's):
#        bench-hot      one root cell "hot", cap 10,000,000 (never fills);
#        bench-nested   500 leaves (10 ISCO sub-major groups x 50 weekly tranches of 2027)
#                       under 10 group cells under one root: the root is hot for everyone;
#        bench-roots    the same 500 slices as independent root cells;
#        bench-clickday a root of 39,000, origins CO 24,000 and MA 15,000, four occupation
#                       leaves under each (caps summing to their parent's);
#   3. bench/reserve_load (64 threads over 4 channels, a unique request id per request):
#        (a) one hot cell for DURATION seconds;
#        (b) 500 cells (a random leaf per request), nested, then independent roots;
#        (c) the CLICK DAY: 100,000 requests released at once over the click-day leaves
#            (each leaf listed once per 500 units of its cap, so every leaf is asked for
#            about 2.6 times its cap); exactly 39,000 must answer OK and 61,000
#            FAILED_PRECONDITION, or the script fails;
#   4. verification: `corridor cells get` shows the click-day root at 39,000 reserved;
#      corridord is stopped and started again on the same data (at start the audit log's
#      Merkle tree and signed head are checked, and the ledger refuses to serve unless every
#      counter equals both the reservation records and the replay of the audit log); then
#      `corridor audit verify --public-key KEY` runs if this build's CLI has it (the key is
#      the public half of <data-dir>/audit-signing.key, from `corridor audit public-key` or,
#      failing that, derived with openssl).
# Targets (../shared/PERFORMANCE.md): durable reservations, 64 concurrent clients, one hot
# cell: >= 20k/s, p99 <= 20 ms, 0 over-allocation.
#
# Usage: bench/reserve_e2e.sh BUILD_DIR
#   BUILD_DIR  a CMake build directory holding clients/cli/corridor, server/corridord and
#              bench/reserve_load
# Environment: DURATION (seconds measured per duration run, default 10), WARMUP (default 1),
#              CONCURRENCY (default 64), CHANNELS (default 4),
#              CLICKDAY_REQUESTS (default 100000),
#              KEEP_DIR (when set, the database and logs are left there and kept).
set -euo pipefail

build=$(cd "${1:?usage: bench/reserve_e2e.sh BUILD_DIR}" && pwd)
duration=${DURATION:-10}
warmup=${WARMUP:-1}
concurrency=${CONCURRENCY:-64}
channels=${CHANNELS:-4}
clickday_requests=${CLICKDAY_REQUESTS:-100000}
clickday_capacity=39000
corridor=$build/clients/cli/corridor
corridord=$build/server/corridord
load=$build/bench/reserve_load
for bin in "$corridor" "$corridord" "$load"; do
  [ -x "$bin" ] || { echo "reserve_e2e: $bin is missing; build it first" >&2; exit 2; }
done

if [ -n "${KEEP_DIR:-}" ]; then
  mkdir -p "$KEEP_DIR"
  tmp=$(cd "$KEEP_DIR" && pwd)
else
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/corridor-reserve-e2e.XXXXXX")
fi
server_pid=
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=
}
cleanup() {
  stop_server
  [ -n "${KEEP_DIR:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT

# Starts corridord on a free loopback port; sets server_pid and port.
start_server() {
  local log=$1
  : >"$log"
  "$corridord" --listen 127.0.0.1:0 --data-dir "$tmp/data" --token-file "$tmp/tokens" \
    --sync always 2>"$log" &
  server_pid=$!
  port=
  for _ in $(seq 1 6000); do
    port=$(sed -n 's/.*(port \([0-9][0-9]*\)).*/\1/p' "$log" | head -n 1)
    [ -n "$port" ] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.01
  done
  [ -n "$port" ] || { echo "reserve_e2e: corridord did not start" >&2; cat "$log" >&2; exit 1; }
}

token=$("$corridor" token issue --token-file "$tmp/tokens" --principal operator \
  --label reserve-e2e-bench 2>/dev/null)
export CORRIDOR_TOKEN=$token

rm -rf "$tmp/data"
start_server "$tmp/corridord.log"
server="127.0.0.1:$port"
echo "reserve_e2e: corridord (--sync=always) on port $port, data in $tmp/data" >&2

# What one synced append costs on this disk now (the bound every durable design works under).
python3 - "$tmp" <<'PY'
import os, sys, time
path = os.path.join(sys.argv[1], "fsync-probe")
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
ms = []
for _ in range(200):
    os.write(fd, b"x" * 4096)
    t = time.perf_counter()
    os.fdatasync(fd)
    ms.append((time.perf_counter() - t) * 1e3)
os.close(fd)
os.unlink(path)
ms.sort()
print(f"fdatasync of a 4 KiB append next to the data directory: p50 {ms[100]:.3f} ms, "
      f"p90 {ms[180]:.3f} ms")
PY

# ---- Agreements and cells --------------------------------------------------------------
# python3 writes one JSON file per resource and, per tree level, a list of
# "agreement<TAB>cell id<TAB>file" lines; the cell lists for the load client go to *.cells.
mkdir -p "$tmp/json"
python3 - "$tmp/json" <<'PY'
import datetime, json, os, sys
out = sys.argv[1]
def day(n):
    d = datetime.date(2027, 1, 1) + datetime.timedelta(days=n)
    return {"year": d.year, "month": d.month, "day": d.day}
def agreement(display):
    return {"displayName": display, "kind": "AGREEMENT_KIND_BILATERAL_LABOUR_AGREEMENT",
            "destinations": ["ES"], "origins": ["CO", "MA"],
            "signedDate": {"year": 2025, "month": 6, "day": 1},
            "inForceFrom": {"year": 2026, "month": 1, "day": 1},
            "expiryDate": {"year": 2030, "month": 12, "day": 31},
            "schemes": ["SCHEME_SEASONAL", "SCHEME_TEMPORARY"],
            "reentryPolicy": "REENTRY_POLICY_SCORE_BONUS"}
levels = {0: [], 1: [], 2: []}
def cell(agr, cid, level, cap, parent="", origin="", isco="", start=0, end=364):
    c = {"displayName": f"benchmark cell {cid}", "parent": parent,
         "period": {"start": day(start), "end": day(end)}, "destination": "ES",
         "cap": str(cap), "synthetic": True}
    if origin: c["origin"] = origin
    if isco: c["iscoPrefix"] = isco
    path = os.path.join(out, f"{agr}--{cid}.json")
    with open(path, "w") as f:
        json.dump(c, f)
    levels[level].append(f"{agr}\t{cid}\t{path}")
    return f"agreements/{agr}/quotaCells/{cid}"
names = {"bench-hot": "one hot cell", "bench-nested": "500 nested cells",
         "bench-roots": "500 root cells", "bench-clickday": "click day, 39,000 units"}
with open(os.path.join(out, "agreements.tsv"), "w") as f:
    for agr, what in names.items():
        path = os.path.join(out, f"{agr}.json")
        with open(path, "w") as a:
            json.dump(agreement(f"ES <- CO, MA benchmark agreement ({what}, synthetic)"), a)
        f.write(f"{agr}\t{path}\n")
lists = {"hot": [cell("bench-hot", "hot", 0, 10_000_000)], "nested": [], "roots": [], "clickday": []}
groups = ["51", "52", "53", "61", "62", "71", "72", "83", "91", "93"]
cell("bench-nested", "es-2027", 0, 10_000_000)
for g in groups:
    cell("bench-nested", f"isco-{g}", 1, 1_000_000, parent="es-2027", isco=g)
    for w in range(50):
        lists["nested"].append(cell("bench-nested", f"isco-{g}-w{w + 1}", 2, 100_000,
                                    parent=f"isco-{g}", isco=g, start=7 * w, end=7 * w + 6))
        lists["roots"].append(cell("bench-roots", f"isco-{g}-w{w + 1}", 0, 100_000,
                                   isco=g, start=7 * w, end=7 * w + 6))
cell("bench-clickday", "es-2027", 0, 39_000)
cell("bench-clickday", "es-2027-co", 1, 24_000, parent="es-2027", origin="CO")
cell("bench-clickday", "es-2027-ma", 1, 15_000, parent="es-2027", origin="MA")
leaves = [("CO", "61", 9000), ("CO", "92", 6000), ("CO", "51", 5000), ("CO", "71", 4000),
          ("MA", "61", 7000), ("MA", "92", 4000), ("MA", "51", 2500), ("MA", "71", 1500)]
assert sum(c for _, _, c in leaves) == 39_000
for origin, isco, cap in leaves:
    parent = "es-2027-" + origin.lower()
    name = cell("bench-clickday", f"{parent}-{isco}", 2, cap, parent=parent, origin=origin, isco=isco)
    lists["clickday"].extend([name] * (cap // 500))
for level, rows in levels.items():
    with open(os.path.join(out, f"level{level}.tsv"), "w") as f:
        f.write("".join(r + "\n" for r in rows))
for k, v in lists.items():
    with open(os.path.join(out, f"{k}.cells"), "w") as f:
        f.write("".join(n + "\n" for n in v))
PY

setup_start=$(date +%s.%N)
while IFS=$'\t' read -r agr file; do
  "$corridor" --server "$server" agreements create --id "$agr" --file "$file" >/dev/null
done <"$tmp/json/agreements.tsv"
# Each level after its parents; within a level, 8 CLI processes at a time.
for level in 0 1 2; do
  # shellcheck disable=SC2016
  tr '\t' '\n' <"$tmp/json/level$level.tsv" |
    xargs -d '\n' -n 3 -P 8 sh -c \
      '"$0" --server "$1" cells create --agreement "$2" --id "$3" --file "$4" >/dev/null' \
      "$corridor" "$server"
done
setup_end=$(date +%s.%N)
ncells=$(cat "$tmp"/json/level*.tsv | wc -l)
echo "reserve_e2e: created 4 agreements and $ncells cells with the CLI in" \
  "$(python3 -c "print(f'{$setup_end - $setup_start:.1f}')") s" >&2

# CPU seconds (user + system) corridord has used so far.
server_cpu() {
  awk -v tick="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print ($12 + $13) / tick }' \
    "/proc/$server_pid/stat"
}

# Runs reserve_load with the given title and options; prints its report, then corridord's
# CPU time per request (warm-up included) and thread count. Returns reserve_load's status.
run_load() {
  local title=$1 rc=0 cpu0 cpu1 requests
  shift
  echo "reserve_e2e: $title" >&2
  echo "### $title"
  cpu0=$(server_cpu)
  "$load" --server "$server" --concurrency "$concurrency" --channels "$channels" "$@" \
    >"$tmp/load.txt" || rc=$?
  cpu1=$(server_cpu)
  cat "$tmp/load.txt"
  requests=$(sed -n 's/^requests \([0-9]*\).*/\1/p' "$tmp/load.txt")
  python3 -c "import sys; c0, c1, n = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3] or 0)
print(f'server CPU {(c1 - c0) * 1e6 / max(n, 1):.0f} us per request (corridord, warm-up included)')" \
    "$cpu0" "$cpu1" "${requests:-0}"
  echo "corridord threads: $(sed -n 's/^Threads:[[:space:]]*//p' "/proc/$server_pid/status")"
  echo
  return "$rc"
}

run_load "(a) one hot cell, $concurrency clients, ${duration} s" \
  --cells "$tmp/json/hot.cells" --duration-seconds "$duration" --warmup-seconds "$warmup"
run_load "(b1) 500 nested cells (one root above all), $concurrency clients, ${duration} s" \
  --cells "$tmp/json/nested.cells" --duration-seconds "$duration" --warmup-seconds "$warmup"
run_load "(b2) 500 independent root cells, $concurrency clients, ${duration} s" \
  --cells "$tmp/json/roots.cells" --duration-seconds "$duration" --warmup-seconds "$warmup"
want_ok=$(( clickday_requests < clickday_capacity ? clickday_requests : clickday_capacity ))
want_refused=$(( clickday_requests - want_ok ))
expect=(--expect "OK=$want_ok")
[ "$want_refused" -eq 0 ] || expect+=(--expect "FAILED_PRECONDITION=$want_refused")
clickday_rc=0
run_load "(c) click day: $clickday_requests requests at once, cells holding $clickday_capacity units" \
  --cells "$tmp/json/clickday.cells" --count "$clickday_requests" "${expect[@]}" || clickday_rc=$?

# ---- Verification ----------------------------------------------------------------------
echo "### verification"
root_json=$("$corridor" --server "$server" --output json cells get es-2027 --agreement bench-clickday)
reserved=$(printf '%s' "$root_json" | python3 -c 'import json,sys; print(int(json.load(sys.stdin).get("reserved", 0)))')
echo "click-day root cell: reserved $reserved of cap $clickday_capacity"
verify_rc=0
[ "$reserved" -eq "$want_ok" ] || { echo "VERIFY FAILED: the click-day root holds $reserved units"; verify_rc=1; }

stop_server
restart_start=$(date +%s.%N)
if start_server "$tmp/corridord-restart.log"; then
  server="127.0.0.1:$port"
  echo "restart: corridord checked the audit log and every counter and serves again after" \
    "$(python3 -c "print(f'{$(date +%s.%N) - $restart_start:.2f}')") s"
fi

if "$corridor" audit verify --help >/dev/null 2>&1; then
  keyfile=$tmp/data/audit-signing.key
  if "$corridor" audit public-key --help >/dev/null 2>&1; then
    pubkey=$("$corridor" audit public-key --key-file "$keyfile")
  else
    # Ed25519 public key of the 32-byte seed (64 hex digits) via a PKCS#8 wrapper.
    pubkey=$( (printf '302e020100300506032b657004220420'; tr -d ' \n' <"$keyfile") | xxd -r -p |
      openssl pkey -inform DER -pubout -outform DER | tail -c 32 | xxd -p -c 64)
  fi
  echo "corridor audit verify --public-key $pubkey"
  "$corridor" --server "$server" audit verify --public-key "$pubkey" || verify_rc=1
else
  echo "corridor audit verify: not in this build's CLI; skipped (the restart above is the check)"
fi

if [ "$clickday_rc" -ne 0 ] || [ "$verify_rc" -ne 0 ]; then
  echo "reserve_e2e: FAILED (click day exit $clickday_rc, verification exit $verify_rc)" >&2
  exit 1
fi
echo "reserve_e2e: click day and verification passed" >&2
