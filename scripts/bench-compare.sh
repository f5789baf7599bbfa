#!/usr/bin/env bash
# Compares two builds of twotier on the customer measures of scripts/bench-customers.sh
# (O1, O3, O4), on one dataset per backend, in alternating rounds: before, after, after,
# before, … so that the machine's drift falls on both sides alike. Each round starts the
# side's own server (and runs its own twotier-bench for the direct-SQL rows); the HTTP load
# comes from the after side's twotier-bench, the same client for both. Prints, per measure,
# the median ops/s of each side, their spread, after/before, after/before of the figures
# divided by the `GET /healthz` ceiling of their own round, and the median (with quartiles)
# of each round's own after/before, which leaves out the drift between rounds.
#   scripts/bench-compare.sh BEFORE_RELEASE_DIR [AFTER_RELEASE_DIR]
# BEFORE_RELEASE_DIR holds the before build's `twotier` and `twotier-bench` (for example a
# worktree's target/release); AFTER_RELEASE_DIR defaults to this tree's, built here.
#   CUSTOMERS=100000 RESELLERS=1000 ROUNDS=6 MEASURE_SECONDS=5 CONNECTIONS=16
#   PG_URL=postgres://root@127.0.0.1:5432/postgres BACKENDS="sqlite postgres"
# Both builds must share the schema (the after build seeds the dataset).
set -euo pipefail
cd "$(dirname "$0")/.."
BEFORE="${1:?usage: scripts/bench-compare.sh BEFORE_RELEASE_DIR [AFTER_RELEASE_DIR]}"
AFTER="${2:-}"
if [ -z "$AFTER" ]; then
  cargo build --release -q -p twotier -p twotier-bench
  AFTER=target/release
fi
CUSTOMERS="${CUSTOMERS:-100000}"
RESELLERS="${RESELLERS:-1000}"
ROUNDS="${ROUNDS:-6}"
SECONDS_EACH="${MEASURE_SECONDS:-5}"
CONNECTIONS="${CONNECTIONS:-16}"
PG_URL="${PG_URL:-postgres://root@127.0.0.1:5432/postgres}"
BACKENDS="${BACKENDS:-sqlite postgres}"
RESULTS="${RESULTS:-target/bench-compare.jsonl}"
mkdir -p "$(dirname "$RESULTS")"
: >"$RESULTS"
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
export RUST_LOG=warn
DRIVE="$AFTER/twotier-bench"
load() { echo --connections "$CONNECTIONS" --seconds "$SECONDS_EACH" "$@"; }
load50() { echo --connections 50 --seconds "$SECONDS_EACH" "$@"; }
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])$2)" "$1"; }
record() { # backend side round measure json
  echo "{\"backend\":\"$1\",\"side\":\"$2\",\"round\":$3,\"measure\":\"$4\",\"result\":$5}" >>"$RESULTS"
}

run_side() { # backend url port side dir round
  local backend=$1 url=$2 port=$3 side=$4 dir=$5 round=$6 base="http://127.0.0.1:$3"
  TWOTIER_DATABASE_URL="$url" "$dir/twotier" serve --bind "127.0.0.1:$port" >"$WORK/$side.out" 2>"$WORK/$side.err" &
  local pid=$!
  for _ in $(seq 1 100); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
  local m
  m=$("$DRIVE" http-get --base "$base" --path /healthz $(load)); record "$backend" "$side" "$round" "GET /healthz (C_http)" "$m"
  m=$("$dir/twotier-bench" direct-list --database-url "$url" --reseller "$LARGEST_ID" --size 50 --skip-pages 0 $(load))
  record "$backend" "$side" "$round" "O1 direct SQL: largest reseller, page 1" "$m"
  m=$("$DRIVE" http-get --base "$base" --path "/v1/customers?size=50" --token "$LARGEST" --skip-pages 0 $(load))
  record "$backend" "$side" "$round" "O1 GET /v1/customers: largest reseller, page 1" "$m"
  m=$("$DRIVE" http-get --base "$base" --path "/v1/customers?size=50" --token "$LARGEST" --skip-pages "$DEEP" $(load))
  record "$backend" "$side" "$round" "O1 GET /v1/customers: largest reseller, page $((DEEP + 1))" "$m"
  m=$("$DRIVE" http-get --base "$base" --path "/v1/customers?size=50" --token "$MEDIAN" --skip-pages 0 $(load))
  record "$backend" "$side" "$round" "O1 GET /v1/customers: median reseller, page 1" "$m"
  m=$("$dir/twotier-bench" direct-create --database-url "$url" --provider "$PROVIDER_ID" --reseller "$LARGEST_ID" --mpn-id "$MPN" $(load))
  record "$backend" "$side" "$round" "O3 direct SQL: customer + order (2 transactions)" "$m"
  m=$("$DRIVE" http-create --base "$base" --token "$PROVIDER" --reseller "$LARGEST_ID" --mpn-id "$MPN" $(load))
  record "$backend" "$side" "$round" "O3 POST /v1/customers + POST …/orders" "$m"
  m=$("$dir/twotier-bench" direct-delta --database-url "$url" $(load))
  record "$backend" "$side" "$round" "O4 direct SQL: licence delta, uniform" "$m"
  m=$("$DRIVE" http-delta --base "$base" --token "$PROVIDER" --database-url "$url" $(load))
  record "$backend" "$side" "$round" "O4 PATCH …/subscriptions/{id} quantityDelta, uniform" "$m"
  m=$("$DRIVE" http-delta --base "$base" --token "$PROVIDER" --database-url "$url" --hot $(load50))
  record "$backend" "$side" "$round" "O4-hot PATCH: 50 clients, one subscription" "$m"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

run_backend() { # backend url port
  local backend=$1 url=$2 port=$3
  echo "== $backend: seeding $CUSTOMERS customers over $RESELLERS resellers" >&2
  local seed
  seed=$("$AFTER/twotier" admin seed-bench --customers "$CUSTOMERS" --resellers "$RESELLERS" --json --database-url "$url")
  tok() { "$AFTER/twotier" admin token create --email "$1" --name bench --json --database-url "$url" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }
  PROVIDER=$(tok "$(field "$seed" '["providerAdminEmail"]')")
  LARGEST=$(tok "$(field "$seed" '["largest"]["adminEmail"]')")
  MEDIAN=$(tok "$(field "$seed" '["median"]["adminEmail"]')")
  LARGEST_ID=$(field "$seed" '["largest"]["tenantId"]')
  PROVIDER_ID=$(field "$seed" '["providerTenantId"]')
  MPN=$(field "$seed" '["largest"]["mpnId"]')
  DEEP=$(( $(field "$seed" '["largest"]["customers"]') / 50 * 9 / 10 ))
  for round in $(seq 1 "$ROUNDS"); do
    # ABBA: odd rounds start with before, even rounds with after.
    local order="before after"; [ $((round % 2)) -eq 0 ] && order="after before"
    for side in $order; do
      echo "== $backend round $round: $side" >&2
      if [ "$side" = before ]; then dir=$BEFORE; else dir=$AFTER; fi
      run_side "$backend" "$url" "$port" "$side" "$dir" "$round"
    done
  done
}

echo "before $BEFORE, after $AFTER ($(git rev-parse --short HEAD)), $(nproc) cores, $CUSTOMERS customers / $RESELLERS resellers, $ROUNDS rounds a side, ${SECONDS_EACH}s each, $CONNECTIONS connections"
for backend in $BACKENDS; do
  case $backend in
    sqlite) run_backend sqlite "sqlite://$WORK/customers.sqlite" 18291 ;;
    postgres)
      psql "$PG_URL" -qc "DROP DATABASE IF EXISTS twotier_bench_compare WITH (FORCE)" >/dev/null
      psql "$PG_URL" -qc "CREATE DATABASE twotier_bench_compare" >/dev/null
      run_backend postgres "${PG_URL%/*}/twotier_bench_compare" 18292
      psql "$PG_URL" -qc "DROP DATABASE IF EXISTS twotier_bench_compare WITH (FORCE)" >/dev/null ;;
  esac
done
python3 - "$RESULTS" <<'EOF'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
ceiling = {(r["backend"], r["side"], r["round"]): r["result"]["perSecond"]
           for r in rows if r["measure"].startswith("GET /healthz")}
errors = sum(r["result"].get("errors", 0) for r in rows)
lost = sum(r["result"].get("lostUpdates", 0) or 0 for r in rows)
keys = []
for r in rows:
    k = (r["backend"], r["measure"])
    if k not in keys:
        keys.append(k)
print()
print("| backend | measure | before (median, min–max) | after (median, min–max) | after/before | after/before, per ceiling | paired after/before (median, quartiles) |")
print("|---|---|---|---|---|---|---|")
for backend, measure in keys:
    side = {s: [r for r in rows if r["backend"] == backend and r["measure"] == measure and r["side"] == s]
            for s in ("before", "after")}
    ops = {s: [r["result"]["perSecond"] for r in side[s]] for s in side}
    per = {s: [r["result"]["perSecond"] / ceiling[(backend, s, r["round"])] for r in side[s]] for s in side}
    med = {s: statistics.median(ops[s]) for s in ops}
    cell = lambda s: f"{med[s]:,.0f} ({min(ops[s]):,.0f}–{max(ops[s]):,.0f})"
    ratio = med["after"] / med["before"]
    ratio_c = statistics.median(per["after"]) / statistics.median(per["before"])
    # Each round runs both sides back to back, so their ratio leaves out the drift between
    # rounds; the quartiles of the rounds' ratios say how sure the median is.
    before_of = {r["round"]: r["result"]["perSecond"] for r in side["before"]}
    paired = sorted(r["result"]["perSecond"] / before_of[r["round"]] for r in side["after"] if r["round"] in before_of)
    q = statistics.quantiles(paired, n=4) if len(paired) > 1 else [paired[0]] * 3
    print(f"| {backend} | {measure} | {cell('before')} | {cell('after')} | {ratio:.3f} | {ratio_c:.3f} | {q[1]:.3f} ({q[0]:.3f}–{q[2]:.3f}) |")
print()
print(f"errors {errors}, lost updates {lost}")
EOF
