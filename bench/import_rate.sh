#!/usr/bin/env bash
# Bulk-import rate of candidates through the ImportCandidates stream, end to end:
# `corridor demo generate` makes synthetic candidates, a fresh corridord is started on
# a free loopback port with an empty data directory, the reference data (agencies,
# employers, agreements, quota cells) are loaded, then `corridor candidates import`
# imports the candidates (a validating pass over the whole file, then the writing
# pass) and the rate is printed. Target (docs/PERFORMANCE.md): >= 30,000 rows/s.
#
# Usage: bench/import_rate.sh BUILD_DIR [CANDIDATES] [SYNC]
#   BUILD_DIR   a CMake build directory holding clients/cli/corridor and server/corridord
#   CANDIDATES  how many candidates (default 100000)
#   SYNC        corridord --sync: always (default, durable) or never
# Environment: ESCO_DIR (default ../shared/data/esco beside the project),
#              IMPORT_FLAGS (extra flags for `corridor candidates import`).
set -euo pipefail

build=$(cd "${1:?usage: bench/import_rate.sh BUILD_DIR [CANDIDATES] [SYNC]}" && pwd)
count=${2:-100000}
sync=${3:-always}
project=$(cd "$(dirname "$0")/.." && pwd)
esco=${ESCO_DIR:-$project/../shared/data/esco}
corridor=$build/clients/cli/corridor
corridord=$build/server/corridord
for bin in "$corridor" "$corridord"; do
  [ -x "$bin" ] || { echo "import_rate: $bin is missing; build it first" >&2; exit 2; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/corridor-import-rate.XXXXXX")
server_pid=
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "import_rate: generating $count synthetic candidates" >&2
"$corridor" demo generate --out "$tmp/demo" --candidates "$count" --esco-dir "$esco" >/dev/null

token=$("$corridor" token issue --token-file "$tmp/tokens" --principal operator \
  --label import-rate-bench 2>/dev/null)

"$corridord" --listen 127.0.0.1:0 --data-dir "$tmp/data" --token-file "$tmp/tokens" \
  --esco-dir "$esco" --sync "$sync" 2>"$tmp/corridord.log" &
server_pid=$!
port=
for _ in $(seq 1 300); do
  port=$(sed -n 's/.*(port \([0-9][0-9]*\)).*/\1/p' "$tmp/corridord.log" | head -n 1)
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/corridord.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "import_rate: corridord did not start" >&2; cat "$tmp/corridord.log" >&2; exit 1; }

export CORRIDOR_TOKEN=$token
cli=("$corridor" --server "127.0.0.1:$port")
"${cli[@]}" demo load --dir "$tmp/demo" --reference-only >/dev/null

size=$(du -m "$tmp/demo/candidates.jsonl" | cut -f1)
echo "import_rate: importing $count candidates ($size MB of JSON lines), corridord --sync=$sync" >&2
start=$(date +%s.%N)
# shellcheck disable=SC2086
"${cli[@]}" --output json candidates import "$tmp/demo/candidates.jsonl" ${IMPORT_FLAGS:-} \
  >"$tmp/result.json"
end=$(date +%s.%N)

python3 - "$tmp/result.json" "$start" "$end" "$sync" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
wall = float(sys.argv[3]) - float(sys.argv[2])
rows = r["rowsRead"]
print(f"import_rate: {rows} rows, {r['rowsWritten']} written, {r['rowsInvalid']} invalid")
print(f"import_rate: {r['seconds']:.2f} s in the client (validate + write), "
      f"{wall:.2f} s wall with process start")
print(f"import_rate: {rows / r['seconds']:,.0f} rows/s (corridord --sync={sys.argv[4]})")
PY
