#!/usr/bin/env bash
# Makes sure a local PostgreSQL server runs (Debian/Ubuntu's `postgresql` package, which
# scripts/setup.sh installs) with a role the tests may create databases with, and prints the
# admin URL the PostgreSQL tests read from SWITCHBOARD_TEST_PG. The server also speaks TLS with
# a certificate signed by a test CA; the TLS tests read that CA's file from
# SWITCHBOARD_TEST_PG_CA (/var/lib/postgresql/switchboard-test-ca.pem). Safe to run again.
#
#   export SWITCHBOARD_TEST_PG="$(scripts/postgres.sh)"
#   export SWITCHBOARD_TEST_PG_CA=/var/lib/postgresql/switchboard-test-ca.pem
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

# The CA that signs the test server's certificate (for `sslmode=require&sslrootcert=...`).
ca=/var/lib/postgresql/switchboard-test-ca.pem

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

# TLS with a certificate for localhost and 127.0.0.1 signed by a test CA of our own, so the
# tests can check that certificates are verified. Made once.
if [ ! -f "$ca" ]; then
  as_postgres "set -e
    cd /var/lib/postgresql
    umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj '/CN=Switchboard test CA' \
      -keyout switchboard-test-ca.key -out switchboard-test-ca.pem 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj '/CN=localhost' \
      -keyout switchboard-test-server.key -out switchboard-test-server.csr 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > switchboard-test-server.ext
    openssl x509 -req -in switchboard-test-server.csr -CA switchboard-test-ca.pem \
      -CAkey switchboard-test-ca.key -CAcreateserial -days 3650 \
      -extfile switchboard-test-server.ext -out switchboard-test-server.crt 2>/dev/null
    chmod 644 switchboard-test-ca.pem switchboard-test-server.crt" >&2
fi
as_postgres "psql -p $port -qv ON_ERROR_STOP=1" >&2 <<SQL
ALTER SYSTEM SET ssl = on;
ALTER SYSTEM SET ssl_cert_file = '/var/lib/postgresql/switchboard-test-server.crt';
ALTER SYSTEM SET ssl_key_file = '/var/lib/postgresql/switchboard-test-server.key';
SELECT pg_reload_conf();
SQL
as_postgres "psql -p $port -qv ON_ERROR_STOP=1" >&2 <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$role') THEN
    CREATE ROLE $role LOGIN CREATEDB PASSWORD '$password';
  END IF;
END \$\$;
SQL

echo "postgres://$role:$password@127.0.0.1:$port/postgres"
