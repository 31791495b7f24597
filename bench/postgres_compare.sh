#!/usr/bin/env bash
# Shortlists: Corridor against PostgreSQL 15 on the same data, side by side in one run
# (../shared/PERFORMANCE.md: "Report Corridor's median time divided by PostgreSQL's").
#
#   1. `corridor demo generate` makes CANDIDATES synthetic candidates and their vacancies;
#   2. a fresh corridord (loopback, free port, --sync=never for loading speed) loads them with
#      `corridor demo load`; `shortlist_load --dump-registered` reads every candidate's
#      create_time back (the ranking's first tie-break is registration, set by the server);
#   3. bench/postgres/to_csv.py (python3 standard library) turns the JSON lines into CSV;
#      a throwaway PostgreSQL cluster is made with initdb under the temp dir and started with
#      pg_ctl on a free 127.0.0.1 port, run by the OS user `postgres` (the Debian package's;
#      PostgreSQL refuses to run as root). Settings: fsync=off and synchronous_commit=off
#      (loading speed; queries do not write), shared_buffers=2GB, work_mem=64MB, jit=off
#      (JIT compilation costs more than it saves on these queries), the rest default.
#      PostgreSQL 15 is installed from Debian (`apt-get install -y postgresql`) when missing.
#   4. bench/postgres/schema.sql, \copy, bench/postgres/indexes.sql (then VACUUM ANALYZE);
#   5. 20 sample vacancies (open, evenly spaced over the file): bench/postgres/shortlist.sql
#      (a prepared statement) runs once to warm up, then 5 times per vacancy under psql's
#      \timing (client-side wall time, 50 rows returned); the median of the 5 is taken.
#      Corridor: shortlist_load --concurrency 1 cycles over the same 20 vacancies through
#      gRPC for DURATION seconds; per-vacancy medians.
#   6. Prints per-vacancy medians, the ratio Corridor / PostgreSQL (per vacancy and of the
#      medians), and how many of the 20 top-50 id lists agree exactly (and the differences).
#
# Usage: bench/postgres_compare.sh BUILD_DIR [CANDIDATES]   (as root, for apt-get and runuser)
#   CANDIDATES  default 1000000
# Environment: ESCO_DIR (default ../shared/data/esco beside the project), SAMPLE (20),
#              RUNS (5), DURATION (10), KEEP_DIR (keep the generated data and databases
#              there; a rerun with the same KEEP_DIR reuses the generated data).
set -euo pipefail

build=$(cd "${1:?usage: bench/postgres_compare.sh BUILD_DIR [CANDIDATES]}" && pwd)
count=${2:-1000000}
sample=${SAMPLE:-20}
runs=${RUNS:-5}
duration=${DURATION:-10}
project=$(cd "$(dirname "$0")/.." && pwd)
esco=${ESCO_DIR:-$project/../shared/data/esco}
corridor=$build/clients/cli/corridor
corridord=$build/server/corridord
load=$build/bench/shortlist_load
pgsql=$project/bench/postgres
for bin in "$corridor" "$corridord" "$load"; do
  [ -x "$bin" ] || { echo "postgres_compare: $bin is missing; build it first" >&2; exit 2; }
done
[ "$(id -u)" -eq 0 ] || { echo "postgres_compare: run as root (apt-get, runuser)" >&2; exit 2; }

pgbin=/usr/lib/postgresql/15/bin
if [ ! -x "$pgbin/initdb" ]; then
  echo "postgres_compare: installing PostgreSQL 15 from Debian" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >/dev/null
fi
id postgres >/dev/null 2>&1 || { echo "postgres_compare: no OS user postgres" >&2; exit 2; }

if [ -n "${KEEP_DIR:-}" ]; then
  mkdir -p "$KEEP_DIR"
  tmp=$(cd "$KEEP_DIR" && pwd)
else
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/corridor-pg-compare.XXXXXX")
fi
chmod 755 "$tmp"
server_pid=
pg_started=
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ -n "$pg_started" ]; then
    runuser -u postgres -- "$pgbin/pg_ctl" -D "$tmp/pg" -m fast stop >/dev/null 2>&1 || true
  fi
  [ -n "${KEEP_DIR:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---- Corridor
if [ ! -s "$tmp/demo/manifest.json" ]; then
  echo "postgres_compare: generating $count synthetic candidates" >&2
  "$corridor" demo generate --out "$tmp/demo" --candidates "$count" --esco-dir "$esco" >/dev/null
fi
token=$("$corridor" token issue --token-file "$tmp/tokens" --principal operator \
  --label postgres-compare-bench 2>/dev/null)
export CORRIDOR_TOKEN=$token
rm -rf "$tmp/data"
: >"$tmp/corridord.log"
"$corridord" --listen 127.0.0.1:0 --data-dir "$tmp/data" --token-file "$tmp/tokens" \
  --esco-dir "$esco" --sync never 2>"$tmp/corridord.log" &
server_pid=$!
port=
for _ in $(seq 1 3000); do
  port=$(sed -n 's/.*(port \([0-9][0-9]*\)).*/\1/p' "$tmp/corridord.log" | head -n 1)
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/corridord.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "postgres_compare: corridord did not start" >&2; exit 1; }
echo "postgres_compare: loading into corridord (--sync=never), port $port" >&2
"$corridor" --server "127.0.0.1:$port" demo load --dir "$tmp/demo" ${LOAD_FLAGS:-} >"$tmp/load.txt"
"$load" --server "127.0.0.1:$port" --dump-registered "$tmp/registered.tsv"

# The sample: open vacancies evenly spaced over the file.
python3 - "$tmp/demo/vacancies.jsonl" "$sample" >"$tmp/sample.txt" <<'PY'
import json, sys
open_ids = [json.loads(l)["name"].split("/")[-1] for l in open(sys.argv[1])
            if l.strip() and json.loads(l).get("state", "VACANCY_STATE_OPEN") == "VACANCY_STATE_OPEN"]
n = int(sys.argv[2])
step = max(1, len(open_ids) // n)
print("\n".join(open_ids[i * step] for i in range(min(n, len(open_ids)))))
PY

echo "postgres_compare: Corridor, concurrency 1 over the sample, ${duration} s" >&2
"$load" --server "127.0.0.1:$port" --vacancies "$tmp/sample.txt" --k 50 --concurrency 1 \
  --duration-seconds "$duration" --warmup-seconds 1 --dump-results "$tmp/corridor.tsv" \
  | tee "$tmp/corridor-load.txt"

# ---- PostgreSQL
echo "postgres_compare: converting to CSV" >&2
python3 "$pgsql/to_csv.py" "$tmp/demo" "$esco" "$project/proto/corridor/v1" \
  "$tmp/registered.tsv" "$tmp/csv"
chmod -R a+rX "$tmp/csv"
rm -rf "$tmp/pg" "$tmp/pgsock"
mkdir -p "$tmp/pg" "$tmp/pgsock"
chown postgres "$tmp/pg" "$tmp/pgsock"
runuser -u postgres -- "$pgbin/initdb" -D "$tmp/pg" -A trust -E UTF8 --locale C >/dev/null
pgport=$(free_port)
runuser -u postgres -- "$pgbin/pg_ctl" -D "$tmp/pg" -l "$tmp/pg/server.log" -w start -o \
  "-c listen_addresses=127.0.0.1 -c port=$pgport -c unix_socket_directories=$tmp/pgsock \
   -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=2GB \
   -c work_mem=64MB -c maintenance_work_mem=1GB -c jit=off -c max_wal_size=8GB \
   -c timezone=UTC" >/dev/null
pg_started=1
psql_() { PGTZ=UTC psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pgport" -U postgres "$@"; }
echo "postgres_compare: loading PostgreSQL $(psql_ -At -c 'SHOW server_version') on port $pgport" >&2
load_start=$(date +%s.%N)
psql_ -f "$pgsql/schema.sql" >/dev/null
for t in candidates candidate_skills candidate_languages candidate_occupations \
         candidate_credentials candidate_licences candidate_history vacancies vacancy_skills \
         vacancy_languages agencies employers agreements skill_parents; do
  psql_ -c "\\copy $t FROM '$tmp/csv/$t.csv' WITH (FORMAT csv)"
done
psql_ -f "$pgsql/indexes.sql" >/dev/null
load_end=$(date +%s.%N)
echo "postgres_compare: PostgreSQL loaded and indexed in $(python3 -c "print(f'{$load_end-$load_start:.0f}')") s," \
  "database $(psql_ -At -c "SELECT pg_size_pretty(pg_database_size('postgres'))")" >&2

# One session: prepare, then per vacancy one warm-up and RUNS timed executions.
{
  cat "$pgsql/shortlist.sql"
  echo '\pset format unaligned'
  echo '\pset tuples_only on'
  echo '\timing on'
  while read -r v; do
    echo "\\echo WARM $v"
    echo "EXECUTE shortlist('$v');"
    for i in $(seq 1 "$runs"); do
      echo "\\echo RUN $v $i"
      echo "EXECUTE shortlist('$v');"
    done
  done <"$tmp/sample.txt"
} >"$tmp/pg-run.sql"
echo "postgres_compare: PostgreSQL, $runs timed runs per vacancy after one warm-up" >&2
psql_ -f "$tmp/pg-run.sql" >"$tmp/pg-out.txt"

python3 - "$tmp/corridor.tsv" "$tmp/pg-out.txt" "$tmp/sample.txt" "$count" <<'PY'
import re, statistics, sys
corridor = {}
for line in open(sys.argv[1]):
    v, med, n, eligible, ids = line.rstrip("\n").split("\t")
    corridor[v] = (float(med), int(n), int(eligible), ids.split(",") if ids else [])
pg_times, pg_ids = {}, {}
cur, kind, rows = None, None, []
for line in open(sys.argv[2]):
    line = line.rstrip("\n")
    m = re.match(r"(WARM|RUN) (\S+)", line)
    if m:
        kind, cur, rows = m.group(1), m.group(2), []
        continue
    t = re.match(r"Time: ([0-9.]+) ms", line)
    if t:
        if kind == "RUN":
            pg_times.setdefault(cur, []).append(float(t.group(1)))
            pg_ids[cur] = rows
        continue
    if line and cur is not None:
        rows.append(line.split("|")[0])
sample = [l.strip() for l in open(sys.argv[3]) if l.strip()]
print(f"postgres_compare: {sys.argv[4]} candidates, {len(sample)} vacancies, top 50")
print(f"{'vacancy':10} {'eligible':>9} {'corridor ms':>12} {'postgres ms':>12} {'ratio':>8}  top-50 ids")
agree, ratios, cm, pm, diffs = 0, [], [], [], []
for v in sample:
    c = corridor.get(v)
    p = pg_times.get(v)
    if c is None or not p:
        print(f"{v:10} missing result (corridor {c is not None}, postgres {bool(p)})")
        continue
    pmed = statistics.median(p)
    same = c[3] == pg_ids[v]
    agree += same
    ratios.append(c[0] / pmed); cm.append(c[0]); pm.append(pmed)
    print(f"{v:10} {c[2]:9d} {c[0]:12.3f} {pmed:12.1f} {c[0] / pmed:8.5f}  {'same' if same else 'DIFFERENT'}")
    if not same:
        a, b = c[3], pg_ids[v]
        first = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
        diffs.append(f"  {v}: lengths {len(a)} / {len(b)}, first difference at rank {first + 1}; "
                     f"only in Corridor {sorted(set(a) - set(b))[:10]}, "
                     f"only in PostgreSQL {sorted(set(b) - set(a))[:10]}")
print(f"top-50 lists identical: {agree} of {len(ratios)}")
for d in diffs:
    print(d)
if ratios:
    print(f"median over vacancies: Corridor {statistics.median(cm):.3f} ms (gRPC, concurrency 1), "
          f"PostgreSQL {statistics.median(pm):.1f} ms (median of {len(p)} runs each, psql \\timing)")
    print(f"ratio Corridor / PostgreSQL: {statistics.median(cm) / statistics.median(pm):.5f} "
          f"of the medians (1 : {statistics.median(pm) / statistics.median(cm):.0f}); "
          f"per vacancy {min(ratios):.5f} .. {max(ratios):.5f}")
PY
