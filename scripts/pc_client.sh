#!/usr/bin/env bash
# Drives a running twotier with Microsoft's generated Partner Center client (PyPI
# `partnercenterservices`), on the backend given by TWOTIER_DATABASE_URL (default: a fresh
# SQLite file). Uses the debug binary that the Rust test run built.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/pc-venv
if [ ! -x "$venv/bin/pytest" ] || ! cmp -s tests/pc_client/requirements.txt "$venv/requirements.txt"; then
  echo "== installing the Partner Center Python client into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r tests/pc_client/requirements.txt
  cp tests/pc_client/requirements.txt "$venv/requirements.txt"
fi
bin=target/debug/twotier
[ -x "$bin" ] || cargo build -q -p twotier
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
export TWOTIER_DATABASE_URL="${TWOTIER_DATABASE_URL:-sqlite://$work/pc.sqlite}"
export RUST_LOG=warn
"$bin" demo --bind 127.0.0.1:0 >"$work/out" 2>"$work/err" &
server=$!
for _ in $(seq 1 150); do grep -q "running at" "$work/out" 2>/dev/null && break; sleep 0.2; done
base=$(sed -n 's/^twotier is running at \(http[^ ]*\)\/$/\1/p' "$work/out")
[ -n "$base" ] || { echo "the server did not start:"; cat "$work/err"; exit 1; }
token() { "$bin" admin token create --email "$1" --name pc-client --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }
export TWOTIER_BASE_URL="$base"
export PROVIDER_UI_EMAIL=admin@contoso-distribution.example RESELLER_UI_EMAIL=admin@fabrikam-it.example
export PROVIDER_TOKEN=$(token "$PROVIDER_UI_EMAIL") RESELLER_TOKEN=$(token "$RESELLER_UI_EMAIL")
export UI_PASSWORD=twotier-demo
# A customer no partner relates to yet, for the relationship request tests.
existing=$("$bin" admin customer create --company "Lakeside Ltd" --domain lakeside --country DE \
  --email billing@lakeside.example --json)
field() { printf '%s' "$existing" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
export EXISTING_CUSTOMER_ID=$(field tenantId) EXISTING_ADMIN_EMAIL=$(field adminUser) EXISTING_ADMIN_PASSWORD=$(field temporaryPassword)
"$venv/bin/pytest" -q -p no:cacheprovider tests/pc_client
