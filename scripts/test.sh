#!/usr/bin/env bash
# Runs the whole test suite twice: on embedded SQLite, then on PostgreSQL; each pass ends
# with a real Partner Center client (Python, scripts/pc_client.sh) against a running server.
# Installs what the tests need when it is missing (Chromium and its driver for the browser
# tests, axe-core for their accessibility checks, cargo-nextest) and starts the local
# PostgreSQL server when it is down.
#   TEST_PG_URL   server for the PostgreSQL pass (default postgres://root@127.0.0.1:5432/postgres)
#   SKIP_PG=1     run the SQLite pass only (for a quick local loop)
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  echo "== installing chromium and chromium-driver for the browser tests"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium chromium-driver >/dev/null
fi
if ! cargo nextest --version >/dev/null 2>&1; then
  echo "== installing cargo-nextest"
  cargo install --locked cargo-nextest
fi

# axe-core, injected into pages by the browser tests (crates/testkit/src/webdriver.rs).
axe_dir=target/axe-core
if [ ! -f "$axe_dir/node_modules/axe-core/axe.min.js" ]; then
  echo "== installing axe-core for the accessibility checks"
  if ! command -v npm >/dev/null 2>&1; then
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq npm >/dev/null
  fi
  mkdir -p "$axe_dir"
  npm install --prefix "$axe_dir" --no-audit --no-fund --silent axe-core@4.14.1
fi

pg_url="${TEST_PG_URL:-postgres://root@127.0.0.1:5432/postgres}"
if [ "${SKIP_PG:-0}" != 1 ]; then
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "== starting PostgreSQL"
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  if [ "$(id -u)" -eq 0 ] && ! psql "$pg_url" -Atc 'select 1' >/dev/null 2>&1; then
    # The default URL connects as root; create that role when the server lacks it.
    su postgres -c "createuser --superuser root" >/dev/null 2>&1 || true
  fi
fi

echo "== tests on SQLite"
env -u TEST_DATABASE_URL cargo nextest run --workspace --no-fail-fast
echo "== Partner Center Python client on SQLite"
env -u TWOTIER_DATABASE_URL scripts/pc_client.sh

if [ "${SKIP_PG:-0}" != 1 ]; then
  echo "== tests on PostgreSQL ($pg_url)"
  TEST_DATABASE_URL="$pg_url" cargo nextest run --workspace --no-fail-fast
  echo "== Partner Center Python client on PostgreSQL"
  pc_db=twotier_pc_client
  psql "$pg_url" -qc "DROP DATABASE IF EXISTS $pc_db WITH (FORCE)" >/dev/null
  psql "$pg_url" -qc "CREATE DATABASE $pc_db" >/dev/null
  TWOTIER_DATABASE_URL="${pg_url%/*}/$pc_db" scripts/pc_client.sh
  psql "$pg_url" -qc "DROP DATABASE IF EXISTS $pc_db WITH (FORCE)" >/dev/null
fi
