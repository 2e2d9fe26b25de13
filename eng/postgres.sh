#!/usr/bin/env bash
# Makes a throwaway PostgreSQL cluster ready for the tests, idempotently, as root:
#   1. installs Debian's postgresql when missing,
#   2. makes a self-signed CA and a server certificate for localhost/127.0.0.1 (sslmode=require and verify-full),
#   3. creates a cluster in its own data dir (initdb, as the postgres user: the server refuses to run as root),
#   4. starts it on 127.0.0.1 only, on its own port, and sets the superuser's password.
# It prints one line per phase. It never touches Debian's own cluster (5432).
# Environment: BRIOCHE_JOB_PG_ROOT (default /var/tmp/brioche-job-pg), BRIOCHE_JOB_PG_PORT (default 54329),
#              BRIOCHE_JOB_PG_PASSWORD (superuser password, default brioche-test: a loopback-only test cluster).
set -euo pipefail

root="${BRIOCHE_JOB_PG_ROOT:-/var/tmp/brioche-job-pg}"
port="${BRIOCHE_JOB_PG_PORT:-54329}"
password="${BRIOCHE_JOB_PG_PASSWORD:-brioche-test}"
data="$root/data"
tls="$root/tls"
run="$root/run"
log="$root/server.log"

say() { echo "postgres.sh: $*"; }
fail() { echo "postgres.sh: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "must run as root (it installs packages and starts the server as the postgres user)"

# 1. Package.
if dpkg-query -W -f='${Status}' postgresql 2>/dev/null | grep -q "install ok installed"; then
    say "package postgresql present"
else
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null 2>&1 || fail "apt-get update failed"
    apt-get install -y -qq --no-install-recommends postgresql openssl >/dev/null 2>&1 || fail "apt-get install postgresql failed"
    say "package postgresql installed"
fi
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bin/postgres" ] || fail "no PostgreSQL server under /usr/lib/postgresql/*/bin"
as_postgres() { runuser -u postgres -- "$@"; }

mkdir -p "$root" "$run"
chown postgres:postgres "$root" "$run"
chmod 0755 "$root"

# 2. TLS: a CA the tests trust (ca.crt) and a server certificate for localhost and 127.0.0.1, signed by it.
if [ -s "$tls/server.crt" ] && [ -s "$tls/ca.crt" ] \
    && openssl verify -CAfile "$tls/ca.crt" "$tls/server.crt" >/dev/null 2>&1; then
    say "tls certificates present in $tls"
else
    rm -rf "$tls"; mkdir -p "$tls"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=brioche-job test CA" \
        -keyout "$tls/ca.key" -out "$tls/ca.crt" >/dev/null 2>&1 || fail "cannot make the CA"
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
        -keyout "$tls/server.key" -out "$tls/server.csr" >/dev/null 2>&1 || fail "cannot make the server key"
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$tls/san.ext"
    openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -CAcreateserial -days 3650 \
        -extfile "$tls/san.ext" -out "$tls/server.crt" >/dev/null 2>&1 || fail "cannot sign the server certificate"
    chown -R postgres:postgres "$tls"
    chmod 0600 "$tls/server.key" "$tls/ca.key"
    chmod 0644 "$tls/ca.crt" "$tls/server.crt"
    say "tls certificates made in $tls (CA $tls/ca.crt)"
fi

# 3. Cluster.
if [ -s "$data/PG_VERSION" ]; then
    say "cluster present in $data"
else
    rm -rf "$data"
    pwfile=$(mktemp); printf '%s\n' "$password" >"$pwfile"; chown postgres "$pwfile"
    as_postgres "$bin/initdb" -D "$data" -U postgres --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
        -E UTF8 --locale=C.UTF-8 >"$root/initdb.log" 2>&1 || { rm -f "$pwfile"; fail "initdb failed (see $root/initdb.log)"; }
    rm -f "$pwfile"
    cat >>"$data/postgresql.conf" <<CONF
# brioche-job test cluster
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$run'
ssl = on
ssl_cert_file = '$tls/server.crt'
ssl_key_file = '$tls/server.key'
max_connections = 200
CONF
    say "cluster initialised in $data"
fi

# 4. Server.
ready() { "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -t 2; }
if ready; then
    say "server running on 127.0.0.1:$port"
else
    as_postgres "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 start >/dev/null 2>&1 \
        || fail "the server did not start (log: $log: $(tail -n 3 "$log" 2>/dev/null | tr '\n' ' '))"
    ready || fail "the server does not answer on 127.0.0.1:$port (log: $log)"
    say "server started on 127.0.0.1:$port"
fi
as_postgres "$bin/psql" -h "$run" -p "$port" -U postgres -d postgres -qAtc "ALTER ROLE postgres PASSWORD '$password'" >/dev/null \
    || fail "cannot set the superuser's password"
say "ready: postgresql://postgres@127.0.0.1:$port/postgres (sslmode=verify-full with $tls/ca.crt)"
