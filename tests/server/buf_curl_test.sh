#!/usr/bin/env bash
# A real gRPC client that knows nothing of our protos (buf curl, through server
# reflection) lists the services, creates an agency and reads it back, and a
# bad country is refused naming the field. (gRPC's built-in health service is
# not described through reflection; server_service_test checks it.)
# Usage: buf_curl_test.sh <corridord> <corridor-cli> <buf>
set -euo pipefail
corridord="$(realpath "$1")"; cli="$(realpath "$2")"; buf="$(realpath "$3")"
work="$(mktemp -d)"
pid=""
cleanup() {
  if [[ -n "${pid}" ]]; then kill "${pid}" 2>/dev/null || true; wait "${pid}" 2>/dev/null || true; fi
  rm -rf "${work}"
}
trap cleanup EXIT

token="$("${cli}" token issue --token-file "${work}/tokens" --principal operator | tail -n 1)"
"${corridord}" --listen 127.0.0.1:0 --data-dir "${work}/data" --token-file "${work}/tokens" \
  2> "${work}/log" &
pid=$!
for _ in $(seq 1 200); do
  grep -q "(port " "${work}/log" && break
  sleep 0.05
done
port="$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "${work}/log")"
[[ -n "${port}" ]] || { cat "${work}/log"; exit 1; }
url="http://127.0.0.1:${port}"
curl_() { "${buf}" curl --protocol grpc --http2-prior-knowledge -H "authorization: Bearer ${token}" "$@"; }

# --list-methods also meets gRPC's health service, which reflection does not
# describe, and then exits non-zero: judge it by what it listed.
methods="$("${buf}" curl --protocol grpc --http2-prior-knowledge --list-methods "${url}" \
  2>/dev/null || true)"
grep -q "corridor.v1.CandidateService/ImportCandidates" <<< "${methods}"
grep -q "corridor.v1.LedgerService/ReserveUnit" <<< "${methods}"

curl_ -d '{"agencyId": "ph-poea", "agency": {"displayName": "Synthetic agency", "country": "PH",
  "licenceNumber": "L-1", "licenceStatus": "LICENCE_STATUS_VALID",
  "licenceExpiry": {"year": 2030, "month": 1, "day": 1}}}' \
  "${url}/corridor.v1.AgencyService/CreateAgency" > "${work}/created.json"
grep -q '"name": "agencies/ph-poea"' "${work}/created.json"
curl_ -d '{"name": "agencies/ph-poea"}' "${url}/corridor.v1.AgencyService/GetAgency" \
  | grep -q '"country": "PH"'

# A bad country is refused with the field named, and nothing is written.
if curl_ -d '{"agencyId": "bad", "agency": {"displayName": "x", "country": "UK",
  "licenceNumber": "L", "licenceStatus": "LICENCE_STATUS_VALID",
  "licenceExpiry": {"year": 2030, "month": 1, "day": 1}}}' \
  "${url}/corridor.v1.AgencyService/CreateAgency" 2> "${work}/err"; then
  echo "UK was accepted as a country"; exit 1
fi
grep -q "agency.country" "${work}/err"

echo "buf curl through reflection: ok"
