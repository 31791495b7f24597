#!/usr/bin/env bash
# Shortlists end to end through gRPC, over a freshly loaded synthetic data set:
#   1. `corridor demo generate` makes CANDIDATES candidates (and a tenth as many vacancies,
#      or VACANCY_COUNT);
#   2. a fresh corridord starts on a free loopback port with an empty data directory
#      (--sync=never: the WAL is left to the OS, for loading speed; shortlists never write);
#   3. `corridor demo load` loads reference data, candidates and vacancies; corridord's RSS
#      (VmRSS in /proc/PID/status) is recorded before and after;
#   4. corridord is stopped and started again on the same data directory, and the time until
#      it serves again (RocksDB open + taxonomy + index rebuild) is measured, twice: until it
#      logs its port (it listens only once the index is built), and until a first
#      ShortlistCandidates call answers;
#   5. bench/shortlist_load runs ShortlistCandidates round-robin over the first VACANCIES
#      open vacancies at concurrency 1, then 8;
#   6. bench/shortlist_load --method=recommend runs RecommendVacancies (k=50) round-robin
#      over RECOMMEND_CANDIDATES candidates spread evenly through the generated file, at
#      concurrency 1, then 8.
# Targets (../shared/PERFORMANCE.md): through gRPC p50 <= 4 ms, p99 <= 12 ms, >= 500 q/s on 2
# cores; index <= 300 bytes per candidate; rebuild at start of 1M candidates <= 10 s;
# top-50 vacancies for one candidate over 100k vacancies p99 <= 3 ms through gRPC.
#
# Usage: bench/shortlist_e2e.sh BUILD_DIR [CANDIDATES]
#   BUILD_DIR   a CMake build directory holding clients/cli/corridor, server/corridord and
#               bench/shortlist_load
#   CANDIDATES  how many candidates (default 1000000)
# Environment: ESCO_DIR (default ../shared/data/esco beside the project),
#              DURATION (seconds measured per run, default 20), WARMUP (default 2),
#              VACANCIES (how many open vacancies to cycle over, default 200),
#              VACANCY_COUNT (how many vacancies to generate, default CANDIDATES / 10; give
#              100000 with fewer than 1M candidates to keep the recommendation target's size),
#              RECOMMEND_CANDIDATES (how many candidates to cycle over, default 200),
#              KEEP_DIR (when set, the generated data and database are left there and kept).
set -euo pipefail

build=$(cd "${1:?usage: bench/shortlist_e2e.sh BUILD_DIR [CANDIDATES]}" && pwd)
count=${2:-1000000}
duration=${DURATION:-20}
warmup=${WARMUP:-2}
nvac=${VACANCIES:-200}
ncand=${RECOMMEND_CANDIDATES:-200}
project=$(cd "$(dirname "$0")/.." && pwd)
esco=${ESCO_DIR:-$project/../shared/data/esco}
corridor=$build/clients/cli/corridor
corridord=$build/server/corridord
load=$build/bench/shortlist_load
for bin in "$corridor" "$corridord" "$load"; do
  [ -x "$bin" ] || { echo "shortlist_e2e: $bin is missing; build it first" >&2; exit 2; }
done

if [ -n "${KEEP_DIR:-}" ]; then
  mkdir -p "$KEEP_DIR"
  tmp=$(cd "$KEEP_DIR" && pwd)
else
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/corridor-shortlist-e2e.XXXXXX")
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

rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }

# Starts corridord on a free loopback port; sets server_pid and port, and started_at/
# listening_at (seconds since the epoch) around the wait for its "(port N)" log line.
start_server() {
  local log=$1
  : >"$log"
  started_at=$(date +%s.%N)
  "$corridord" --listen 127.0.0.1:0 --data-dir "$tmp/data" --token-file "$tmp/tokens" \
    --esco-dir "$esco" --sync never 2>"$log" &
  server_pid=$!
  port=
  for _ in $(seq 1 6000); do
    port=$(sed -n 's/.*(port \([0-9][0-9]*\)).*/\1/p' "$log" | head -n 1)
    [ -n "$port" ] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.01
  done
  listening_at=$(date +%s.%N)
  [ -n "$port" ] || { echo "shortlist_e2e: corridord did not start" >&2; cat "$log" >&2; exit 1; }
}

if [ ! -s "$tmp/demo/manifest.json" ]; then
  echo "shortlist_e2e: generating $count synthetic candidates" >&2
  "$corridor" demo generate --out "$tmp/demo" --candidates "$count" --esco-dir "$esco" \
    ${VACANCY_COUNT:+--vacancies "$VACANCY_COUNT"} >/dev/null
fi
token=$("$corridor" token issue --token-file "$tmp/tokens" --principal operator \
  --label shortlist-e2e-bench 2>/dev/null)
export CORRIDOR_TOKEN=$token

rm -rf "$tmp/data"
start_server "$tmp/corridord.log"
rss_empty=$(rss_kb "$server_pid")
echo "shortlist_e2e: loading into a fresh corridord (--sync=never), port $port" >&2
load_start=$(date +%s.%N)
"$corridor" --server "127.0.0.1:$port" demo load --dir "$tmp/demo" ${LOAD_FLAGS:-} >"$tmp/load.txt"
load_end=$(date +%s.%N)
sleep 1
rss_loaded=$(rss_kb "$server_pid")
stop_server

# Restart on the same data: the index is rebuilt from RocksDB before the port opens.
start_server "$tmp/corridord-restart.log"
rss_restarted=$(rss_kb "$server_pid")
"$load" --server "127.0.0.1:$port" --vacancy-list-from-server "$nvac" >/dev/null 2>&1 \
  --concurrency 1 --duration-seconds 0.1 --warmup-seconds 0 || true
first_answer_at=$(date +%s.%N)

python3 - "$count" "$rss_empty" "$rss_loaded" "$rss_restarted" "$load_start" "$load_end" \
  "$started_at" "$listening_at" "$first_answer_at" <<'PY'
import sys
n, empty, loaded, restarted = (int(x) for x in sys.argv[1:5])
load_start, load_end, started, listening, answered = (float(x) for x in sys.argv[5:10])
print(f"shortlist_e2e: {n} candidates loaded in {load_end - load_start:.1f} s (corridor demo load)")
print(f"shortlist_e2e: corridord RSS empty {empty / 1024:.0f} MiB, after loading "
      f"{loaded / 1024:.0f} MiB (+{(loaded - empty) * 1024 / n:.0f} bytes per candidate), "
      f"after restart {restarted / 1024:.0f} MiB (+{(restarted - empty) * 1024 / n:.0f} bytes per candidate)")
print(f"shortlist_e2e: restart: serving after {listening - started:.2f} s "
      f"(port logged), first shortlist answered after {answered - started:.2f} s")
PY

for c in 1 8; do
  echo "shortlist_e2e: concurrency $c" >&2
  "$load" --server "127.0.0.1:$port" --vacancy-list-from-server "$nvac" --k 50 \
    --concurrency "$c" --duration-seconds "$duration" --warmup-seconds "$warmup"
done

# Recommendations: candidates spread evenly through the generated file (every step-th line).
step=$(( count / ncand > 0 ? count / ncand : 1 ))
awk -v step="$step" -v n="$ncand" '(NR - 1) % step == 0 { print; if (++taken == n) exit }' \
  "$tmp/demo/candidates.jsonl" | grep -o '"name": *"candidates/[^"]*"' |
  sed 's/.*"\(candidates\/[^"]*\)"$/\1/' >"$tmp/recommend-candidates.txt"
echo "shortlist_e2e: RecommendVacancies over $(wc -l <"$tmp/recommend-candidates.txt")" \
  "candidates, $(sed -n 's/.*"vacancies":\([0-9]*\).*/\1/p' "$tmp/demo/manifest.json") vacancies" >&2
for c in 1 8; do
  echo "shortlist_e2e: recommend, concurrency $c" >&2
  "$load" --server "127.0.0.1:$port" --method recommend \
    --candidates "$tmp/recommend-candidates.txt" --k 50 \
    --concurrency "$c" --duration-seconds "$duration" --warmup-seconds "$warmup"
done
rss_after=$(rss_kb "$server_pid")
echo "shortlist_e2e: corridord RSS after the load runs $((rss_after / 1024)) MiB"
