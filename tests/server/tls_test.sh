#!/usr/bin/env bash
# corridord with TLS: a client that trusts the server's CA is served, a
# plaintext client is not; with --tls-client-ca, a client without a
# certificate is refused and one with a certificate signed by that CA is served.
# Certificates are made here with openssl, for 127.0.0.1 / localhost.
# Usage: tls_test.sh <corridord> <corridor-cli>
set -euo pipefail
corridord="$(realpath "$1")"; cli="$(realpath "$2")"
work="$(mktemp -d)"
pid=""
cleanup() {
  if [[ -n "${pid}" ]]; then kill "${pid}" 2>/dev/null || true; wait "${pid}" 2>/dev/null || true; fi
  rm -rf "${work}"
}
trap cleanup EXIT
cd "${work}"

quiet() { "$@" >/dev/null 2>&1; }
# A CA, a server certificate for localhost/127.0.0.1, and a client certificate.
quiet openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Corridor test CA" \
  -keyout ca.key -out ca.pem
quiet openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > san.ext
quiet openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
  -extfile san.ext -out server.pem
quiet openssl req -newkey rsa:2048 -nodes -subj "/CN=ministry portal" -keyout client.key -out client.csr
quiet openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out client.pem

token="$("${cli}" token issue --token-file tokens --principal operator 2>/dev/null | tail -n 1)"

start() {  # start <extra flags...>; sets pid and port
  rm -f log
  "${corridord}" --listen 127.0.0.1:0 --data-dir "data$#" --token-file tokens \
    --tls-cert server.pem --tls-key server.key "$@" 2> log &
  pid=$!
  for _ in $(seq 1 200); do grep -q "(port " log && break; sleep 0.05; done
  port="$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' log)"
  [[ -n "${port}" ]] || { cat log; exit 1; }
  grep -q ", TLS" log
}
stop() { kill -TERM "${pid}"; wait "${pid}" || true; pid=""; }
call() { "${cli}" --server "127.0.0.1:${port}" --token "${token}" --timeout 5 "$@" agreements list; }

start
call --tls-ca ca.pem > /dev/null
if call > /dev/null 2>&1; then echo "a plaintext client was served by a TLS server"; exit 1; fi
stop

start --tls-client-ca ca.pem
if call --tls-ca ca.pem > /dev/null 2>&1; then
  echo "a client without a certificate was served although client certificates are required"
  exit 1
fi
call --tls-ca ca.pem --tls-cert client.pem --tls-key client.key > /dev/null
stop
echo "tls: ok"
