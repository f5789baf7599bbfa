#!/usr/bin/env bash
# Measures the ceilings in docs/PERFORMANCE.md on a release build, on SQLite and PostgreSQL:
#   1. a trivial route (GET /healthz: router, middleware, no auth, no database)
#   2. an authenticated GET of the caller's own profile (GET /v1/me with a personal token)
#   3. login verifications/s while 50 wrong-password sign-ins hammer the server, and what
#      GET /v1/me keeps of its throughput meanwhile;
#   4. partnership writes: invite + accept + remove cycles, each request a write transaction.
# Loopback only, bounded runs. Needs wrk (apt-get install wrk).
#   DURATION=10s  CONNECTIONS=32  PG_URL=postgres://root@127.0.0.1:5432/postgres
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
PG_URL="${PG_URL:-postgres://root@127.0.0.1:5432/postgres}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
cargo build --release -q
BIN=target/release/twotier
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

# wrk's latency line value in milliseconds.
to_ms() { awk '{ v=$1; if (v ~ /us$/) { sub(/us$/,"",v); v=v/1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v) } else if (v ~ /s$/) { sub(/s$/,"",v); v=v*1000 } printf "%.2f", v }'; }
measure() { # name, wrk args... → "rps p50 p99"
  local out; out=$(wrk --latency "$@")
  local rps p50 p99
  rps=$(echo "$out" | awk '/Requests\/sec/ { printf "%.0f", $2 }')
  p50=$(echo "$out" | awk '$1=="50%" { print $2 }' | to_ms)
  p99=$(echo "$out" | awk '$1=="99%" { print $2 }' | to_ms)
  echo "$rps $p50 $p99"
}

run_backend() { # backend url port
  local backend=$1 url=$2 port=$3
  export TWOTIER_DATABASE_URL="$url" RUST_LOG=warn TWOTIER__AUTH__ADDRESS_FAILURE_LIMIT=1000000000
  "$BIN" demo --bind "127.0.0.1:$port" >"$WORK/$backend.out" 2>"$WORK/$backend.err" &
  local pid=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
  local token
  token=$("$BIN" admin token create --email admin@contoso-distribution.example --name bench --json | sed 's/.*"token":"\([^"]*\)".*/\1/')
  local base="http://127.0.0.1:$port"
  # Warm up.
  wrk -t2 -c"$CONNECTIONS" -d3s "$base/healthz" >/dev/null
  wrk -t2 -c"$CONNECTIONS" -d3s -H "Authorization: Bearer $token" "$base/v1/me" >/dev/null
  read -r h_rps h_p50 h_p99 < <(measure -t2 -c"$CONNECTIONS" -d"$DURATION" "$base/healthz")
  read -r m_rps m_p50 m_p99 < <(measure -t2 -c"$CONNECTIONS" -d"$DURATION" -H "Authorization: Bearer $token" "$base/v1/me")
  # Login flood (50 connections) and /v1/me at the same time.
  wrk --latency -t1 -c50 -d"$DURATION" -s scripts/bench/login_flood.lua "$base" >"$WORK/flood.txt" &
  local flood=$!
  sleep 1
  read -r f_rps f_p50 f_p99 < <(measure -t2 -c"$CONNECTIONS" -d"$DURATION" -H "Authorization: Bearer $token" "$base/v1/me")
  wait "$flood"
  local l_rps l_p50 l_p99
  l_rps=$(awk '/Requests\/sec/ { printf "%.1f", $2 }' "$WORK/flood.txt")
  l_p50=$(awk '$1=="50%" { print $2 }' "$WORK/flood.txt" | to_ms)
  l_p99=$(awk '$1=="99%" { print $2 }' "$WORK/flood.txt" | to_ms)
  # Partnership writes: invite + accept + remove, one connection per reseller.
  local fabrikam northwind fab_id nw_id
  fabrikam=$("$BIN" admin token create --email admin@fabrikam-it.example --name bench --json | sed 's/.*"token":"\([^"]*\)".*/\1/')
  northwind=$("$BIN" admin token create --email admin@northwind-msp.example --name bench --json | sed 's/.*"token":"\([^"]*\)".*/\1/')
  fab_id=$(curl -fs -H "Authorization: Bearer $fabrikam" "$base/v1/me" | sed 's/.*"tenantId":"\([^"]*\)".*/\1/')
  nw_id=$(curl -fs -H "Authorization: Bearer $northwind" "$base/v1/me" | sed 's/.*"tenantId":"\([^"]*\)".*/\1/')
  curl -fs -X DELETE -H "Authorization: Bearer $token" "$base/v1/relationships/$fab_id" >/dev/null
  local cycle_out cycles failures secs
  cycle_out=$(wrk --latency -t2 -c2 -d"$DURATION" -s scripts/bench/partnership_cycle.lua "$base" -- "$token" "$fabrikam" "$fab_id" "$northwind" "$nw_id")
  cycles=$(echo "$cycle_out" | awk '/^cycles/ { print $2 }')
  failures=$(echo "$cycle_out" | awk '/^cycles/ { print $4 }')
  secs=$(echo "$cycle_out" | awk '/^cycles/ { print $6 }')
  local c_rps c_p50 c_p99
  c_rps=$(echo "$cycle_out" | awk '/Requests\/sec/ { printf "%.0f", $2 }')
  c_p50=$(echo "$cycle_out" | awk '$1=="50%" { print $2 }' | to_ms)
  c_p99=$(echo "$cycle_out" | awk '$1=="99%" { print $2 }' | to_ms)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  local ratio share
  ratio=$(awk -v a="$m_rps" -v b="$h_rps" 'BEGIN { printf "%.2f", a/b }')
  share=$(awk -v a="$f_rps" -v b="$m_rps" 'BEGIN { printf "%.2f", a/b }')
  echo "| $backend | GET /healthz (ceiling) | $h_rps | $h_p50 | $h_p99 | 1.00 |"
  echo "| $backend | GET /v1/me (bearer token) | $m_rps | $m_p50 | $m_p99 | $ratio |"
  echo "| $backend | POST /login, 50 wrong passwords (verifications) | $l_rps | $l_p50 | $l_p99 | — |"
  echo "| $backend | GET /v1/me during the login flood | $f_rps | $f_p50 | $f_p99 | $share of /v1/me alone |"
  echo "| $backend | partnership writes (invite, accept, remove; 2 connections) | $c_rps | $c_p50 | $c_p99 | $(awk -v a="$cycles" -v s="$secs" 'BEGIN { printf "%.0f", a/s }') cycles/s, $failures failed |"
}

echo "git $(git rev-parse --short HEAD), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, wrk -t2 -c$CONNECTIONS -d$DURATION, release build"
echo
echo "| backend | request | requests/s | p50 ms | p99 ms | ratio |"
echo "|---|---|---|---|---|---|"
run_backend sqlite "sqlite://$WORK/bench.sqlite" 18181
psql "$PG_URL" -qc "DROP DATABASE IF EXISTS twotier_bench WITH (FORCE)" >/dev/null
psql "$PG_URL" -qc "CREATE DATABASE twotier_bench" >/dev/null
run_backend postgres "${PG_URL%/*}/twotier_bench" 18182
psql "$PG_URL" -qc "DROP DATABASE IF EXISTS twotier_bench WITH (FORCE)" >/dev/null
