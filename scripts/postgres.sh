#!/usr/bin/env bash
# Makes sure a local PostgreSQL server runs (Debian/Ubuntu's `postgresql` package, which
# scripts/setup.sh installs) with a role the tests may create databases with, and prints the
# admin URL the PostgreSQL tests read from SWITCHBOARD_TEST_PG. Safe to run again.
#
#   export SWITCHBOARD_TEST_PG="$(scripts/postgres.sh)"
#
# Elsewhere (macOS, Windows) start PostgreSQL your own way and set SWITCHBOARD_TEST_PG to a URL
# whose role has CREATEDB, e.g. postgres://switchboard:switchboard@127.0.0.1:5432/postgres.
set -euo pipefail

role=switchboard
password=switchboard

if ! command -v pg_lsclusters >/dev/null; then
  echo "scripts/postgres.sh: pg_lsclusters not found: install the postgresql package (scripts/setup.sh does)" >&2
  exit 1
fi
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    su postgres -s /bin/sh -c "$*"
  else
    sudo -u postgres sh -c "$*"
  fi
}
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# The first cluster of the newest installed version; create one if the package made none.
cluster=$(pg_lsclusters --no-header | sort -k1,1nr | head -n 1)
if [ -z "$cluster" ]; then
  version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
  as_root pg_createcluster "$version" main >&2
  cluster=$(pg_lsclusters --no-header | head -n 1)
fi
read -r version name port status _ <<<"$cluster"
if [ "$status" != "online" ]; then
  as_root pg_ctlcluster "$version" "$name" start >&2
fi

for _ in $(seq 1 50); do
  as_postgres "psql -p $port -qAtc 'select 1'" >/dev/null 2>&1 && break
  sleep 0.2
done
as_postgres "psql -p $port -qv ON_ERROR_STOP=1" >&2 <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$role') THEN
    CREATE ROLE $role LOGIN CREATEDB PASSWORD '$password';
  END IF;
END \$\$;
SQL

echo "postgres://$role:$password@127.0.0.1:$port/postgres"
