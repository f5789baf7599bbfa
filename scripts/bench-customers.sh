#!/usr/bin/env bash
# The customer figures of docs/PERFORMANCE.md, on SQLite and PostgreSQL, release build:
#   O1  one page (50) of a reseller's customers, GET /v1/customers as the reseller: the
#       largest reseller's page 1 and a deep page, and a median reseller's page 1;
#       closed loop for throughput, then open loop at half of it for p99;
#   O3  create a customer for a reseller and order for it (POST /v1/customers + POST …/orders);
#   O4  licence deltas (PATCH …/subscriptions/{id} with quantityDelta): uniform over the
#       dataset's subscriptions, and 50 clients on one subscription (checked for lost updates).
# Each is also run as the same SQL straight through the store (twotier-bench direct-*), and
# against GET /healthz (the HTTP ceiling) in the same run; the ratios are
#   C_add = 1 / (1/C_http + 1/C_db)   R_add = HTTP / C_add   R_bot = HTTP / min(C_http, C_db)
# The dataset comes from `twotier admin seed-bench` (1,000,000 customers over 10,000
# resellers by default; it takes a few minutes per backend).
#   CUSTOMERS=1000000 RESELLERS=10000 MEASURE_SECONDS=10 CONNECTIONS=16
#   PG_URL=postgres://root@127.0.0.1:5432/postgres  BACKENDS="sqlite postgres"  ONLY=all|o1|o3|o4
set -euo pipefail
cd "$(dirname "$0")/.."
CUSTOMERS="${CUSTOMERS:-1000000}"
RESELLERS="${RESELLERS:-10000}"
# Not SECONDS: bash keeps that one as the time since the shell started (0 here).
SECONDS_EACH="${MEASURE_SECONDS:-10}"
CONNECTIONS="${CONNECTIONS:-16}"
PG_URL="${PG_URL:-postgres://root@127.0.0.1:5432/postgres}"
BACKENDS="${BACKENDS:-sqlite postgres}"
ONLY="${ONLY:-all}"   # or o1, o3, o4: one group of measures (the ceiling is always measured)
cargo build --release -q -p twotier -p twotier-bench
BIN=target/release/twotier
DRIVE=target/release/twotier-bench
WORK=$(mktemp -d)
RESULTS="${RESULTS:-target/bench-customers.jsonl}"
: >"$RESULTS"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
export RUST_LOG=warn

field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])$2)" "$1"; }
ratio() { # http c_http c_db → "R_add R_bot"
  python3 -c "import sys; h,c,d=map(float,sys.argv[1:]); a=1/(1/c+1/d); print(f'{h/a:.2f} {h/min(c,d):.2f}')" "$1" "$2" "$3"
}
row() { # backend label json [ratio-text]
  local ps p50 p99 err
  ps=$(field "$3" '["perSecond"]'); p50=$(field "$3" '["p50Ms"]'); p99=$(field "$3" '["p99Ms"]'); err=$(field "$3" '["errors"]')
  printf '| %s | %s | %.0f | %.2f | %.2f | %s | %s |\n' "$1" "$2" "$ps" "$p50" "$p99" "$err" "${4:-}"
  echo "{\"backend\":\"$1\",\"measure\":\"$2\",\"result\":$3}" >>"$RESULTS"
}
load() { echo --connections "$CONNECTIONS" --seconds "$SECONDS_EACH" "$@"; }
load50() { echo --connections 50 --seconds "$SECONDS_EACH" "$@"; }

run_backend() { # backend url port
  local backend=$1 url=$2 port=$3 base="http://127.0.0.1:$3"
  echo "== $backend: seeding $CUSTOMERS customers over $RESELLERS resellers" >&2
  "$BIN" admin seed-bench --customers "$CUSTOMERS" --resellers "$RESELLERS" --json --database-url "$url" >"$WORK/seed.json"
  local seed; seed=$(cat "$WORK/seed.json")
  echo "$seed" >&2
  TWOTIER_DATABASE_URL="$url" "$BIN" serve --bind "127.0.0.1:$port" >"$WORK/$backend.out" 2>"$WORK/$backend.err" &
  local pid=$!
  for _ in $(seq 1 100); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
  tok() { "$BIN" admin token create --email "$1" --name bench --json --database-url "$url" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }
  local provider largest median
  provider=$(tok "$(field "$seed" '["providerAdminEmail"]')")
  largest=$(tok "$(field "$seed" '["largest"]["adminEmail"]')")
  median=$(tok "$(field "$seed" '["median"]["adminEmail"]')")
  local largest_id median_id largest_n provider_id mpn deep
  largest_id=$(field "$seed" '["largest"]["tenantId"]'); median_id=$(field "$seed" '["median"]["tenantId"]')
  largest_n=$(field "$seed" '["largest"]["customers"]'); provider_id=$(field "$seed" '["providerTenantId"]')
  mpn=$(field "$seed" '["largest"]["mpnId"]')
  deep=$(( largest_n / 50 * 9 / 10 ))
  local ceiling h1 hd hm d1 dd dm o1
  ceiling=$("$DRIVE" http-get --base "$base" --path /healthz $(load))
  row "$backend" "GET /healthz (C_http)" "$ceiling"
  local c_http; c_http=$(field "$ceiling" '["perSecond"]')
  if [ "$ONLY" = "all" ] || [ "$ONLY" = "o1" ]; then
  for spec in "largest:1:$largest:$largest_id:0" "largest:$deep:$largest:$largest_id:$deep" "median:1:$median:$median_id:0"; do
    IFS=: read -r who page token tenant skip <<<"$spec"
    local http direct
    direct=$("$DRIVE" direct-list --database-url "$url" --reseller "$tenant" --size 50 --skip-pages "$skip" $(load))
    http=$("$DRIVE" http-get --base "$base" --path "/v1/customers?size=50" --token "$token" --skip-pages "$skip" $(load))
    row "$backend" "O1 direct SQL: $who reseller, page $page" "$direct"
    read -r r_add r_bot < <(ratio "$(field "$http" '["perSecond"]')" "$c_http" "$(field "$direct" '["perSecond"]')")
    row "$backend" "O1 GET /v1/customers: $who reseller, page $page" "$http" "R_add $r_add, R_bot $r_bot"
    if [ "$who:$page" = "largest:1" ]; then
      local half; half=$(python3 -c "print(round(float('$(field "$http" '["perSecond"]')')/2))")
      o1=$("$DRIVE" http-get --base "$base" --path "/v1/customers?size=50" --token "$token" $(load --rate "$half"))
      row "$backend" "O1 GET /v1/customers: largest reseller, page 1, open loop at $half/s" "$o1"
    fi
  done
  fi
  if [ "$ONLY" = "all" ] || [ "$ONLY" = "o3" ]; then
  local dc hc
  dc=$("$DRIVE" direct-create --database-url "$url" --provider "$provider_id" --reseller "$largest_id" --mpn-id "$mpn" $(load))
  row "$backend" "O3 direct SQL: customer + order (2 transactions)" "$dc"
  hc=$("$DRIVE" http-create --base "$base" --token "$provider" --reseller "$largest_id" --mpn-id "$mpn" $(load))
  read -r r_add r_bot < <(ratio "$(field "$hc" '["perSecond"]')" "$c_http" "$(field "$dc" '["perSecond"]')")
  row "$backend" "O3 POST /v1/customers + POST …/orders" "$hc" "R_add $r_add, R_bot $r_bot"
  fi
  if [ "$ONLY" = "all" ] || [ "$ONLY" = "o4" ]; then
  # O4: licence deltas, uniform over the subscriptions, then 50 clients on one subscription.
  local du hu dh hh
  du=$("$DRIVE" direct-delta --database-url "$url" $(load))
  row "$backend" "O4 direct SQL: licence delta, uniform" "$du"
  hu=$("$DRIVE" http-delta --base "$base" --token "$provider" --database-url "$url" $(load))
  read -r r_add r_bot < <(ratio "$(field "$hu" '["perSecond"]')" "$c_http" "$(field "$du" '["perSecond"]')")
  row "$backend" "O4 PATCH …/subscriptions/{id} quantityDelta, uniform" "$hu" "R_add $r_add, R_bot $r_bot"
  dh=$("$DRIVE" direct-delta --database-url "$url" --hot $(load50))
  row "$backend" "O4-hot direct SQL: 50 clients, one subscription" "$dh"
  hh=$("$DRIVE" http-delta --base "$base" --token "$provider" --database-url "$url" --hot $(load50))
  local share
  share=$(python3 -c "import sys; print(f'{float(sys.argv[1])/float(sys.argv[2]):.2f}')" "$(field "$hh" '["perSecond"]')" "$(field "$hu" '["perSecond"]')")
  row "$backend" "O4-hot PATCH: 50 clients, one subscription" "$hh" "$share of uniform, lost updates $(field "$hh" '["lostUpdates"]')"
  fi
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

echo "git $(git rev-parse --short HEAD), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $CUSTOMERS customers / $RESELLERS resellers, $CONNECTIONS connections, ${SECONDS_EACH}s each, release build"
echo
echo "| backend | measure | ops/s | p50 ms | p99 ms | errors | ratio |"
echo "|---|---|---|---|---|---|---|"
for backend in $BACKENDS; do
  case $backend in
    sqlite) run_backend sqlite "sqlite://$WORK/customers.sqlite" 18281 ;;
    postgres)
      psql "$PG_URL" -qc "DROP DATABASE IF EXISTS twotier_bench_customers WITH (FORCE)" >/dev/null
      psql "$PG_URL" -qc "CREATE DATABASE twotier_bench_customers" >/dev/null
      run_backend postgres "${PG_URL%/*}/twotier_bench_customers" 18282
      psql "$PG_URL" -qc "DROP DATABASE IF EXISTS twotier_bench_customers WITH (FORCE)" >/dev/null ;;
  esac
done
