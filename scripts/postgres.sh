#!/usr/bin/env bash
# scripts/postgres.sh [URL] — a PostgreSQL database for shikaku; prints the URL to use.
#
# Several issuer or verifier processes share their state through one PostgreSQL
# (the board operator's guide, "Many instances"). This script finds or makes that database:
#
#   1. URL (the argument, else $SHIKAKU_DATABASE_URL), when it answers a query: printed as is.
#   2. The URL an earlier run made ($SHIKAKU_POSTGRES_STATE, default /etc/shikaku/postgres.url),
#      when it answers.
#   3. Otherwise, as root on Debian: apt-get installs PostgreSQL when it is missing, the
#      cluster is started, and a role and a database named shikaku (the role owns it, with a
#      random password kept in the state file, mode 0600) are made when missing. It prints
#      postgresql://shikaku:…@127.0.0.1:PORT/shikaku.
#
# Idempotent: run it again and it prints the same URL and changes nothing. Where none of this
# is possible it says why on stderr and exits 1. Only the URL goes to stdout, so
#     export SHIKAKU_DATABASE_URL="$(scripts/postgres.sh)"
# works. The tests use it too (tests/issuer/pg.py) when no PostgreSQL answers them.
set -euo pipefail
# runuser, like the cluster tools' helpers, lives in the sbin folders, which a shell that is
# not a root login shell (sudo, a service, a script started with a plain PATH) may not search.
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

state=${SHIKAKU_POSTGRES_STATE:-/etc/shikaku/postgres.url}

say() { echo "postgres.sh: $*" >&2; }

# The URL as libpq reads it: shikaku's SQLAlchemy form names the driver (postgresql+psycopg).
libpq_url() { printf '%s' "${1/#postgresql+psycopg:\/\//postgresql://}"; }

answers() {
    command -v psql >/dev/null || return 1
    PGCONNECT_TIMEOUT=5 psql "$(libpq_url "$1")" -Atqc 'SELECT 1' >/dev/null 2>&1
}

given=${1:-${SHIKAKU_DATABASE_URL:-}}
if [ -n "$given" ]; then
    if answers "$given"; then
        printf '%s\n' "$given"
        exit 0
    fi
    say "the URL given does not answer (or psql is missing); looking for shikaku's own database"
fi
if [ -r "$state" ]; then
    saved=$(cat "$state")
    if answers "$saved"; then
        printf '%s\n' "$saved"
        exit 0
    fi
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    say "no PostgreSQL answers, and only root on Debian may install one here;"
    say "install PostgreSQL, or pass the URL of a database shikaku may use"
    exit 1
fi

if ! command -v pg_lsclusters >/dev/null || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
    say "installing PostgreSQL with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi

# The newest cluster (Debian makes "main" for each version installed), made if there is none.
cluster=$(pg_lsclusters --no-header 2>/dev/null | sort -V | tail -n 1)
if [ -z "$cluster" ]; then
    version=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
    say "making the cluster $version/main"
    pg_createcluster "$version" main >/dev/null
    cluster=$(pg_lsclusters --no-header | sort -V | tail -n 1)
fi
read -r version name port status _ <<<"$cluster"
if [ "$status" != "online" ]; then
    say "starting the cluster $version/$name"
    pg_ctlcluster "$version" "$name" start
fi
for _ in $(seq 60); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    sleep 1
done
pg_isready -q -h 127.0.0.1 -p "$port" || { say "the cluster $version/$name does not answer"; exit 1; }

# The password: the one kept from an earlier run, else a new random one.
password=""
if [ -r "$state" ]; then
    password=$(sed -n 's|^postgresql://shikaku:\([0-9a-f]*\)@.*$|\1|p' "$state")
fi
if [ -z "$password" ]; then
    password=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
fi

# As the cluster's superuser over its local socket; the password goes in on stdin, never in
# a command line another user could read.
runuser -u postgres -- psql -p "$port" -X -q -v ON_ERROR_STOP=1 -d postgres >/dev/null <<SQL
\set password '$password'
SELECT 'CREATE ROLE shikaku LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'shikaku')
\gexec
ALTER ROLE shikaku LOGIN PASSWORD :'password';
SELECT 'CREATE DATABASE shikaku OWNER shikaku'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'shikaku')
\gexec
SQL

url="postgresql://shikaku:$password@127.0.0.1:$port/shikaku"
mkdir -p "$(dirname "$state")"
(umask 077 && printf '%s\n' "$url" >"$state")
if ! answers "$url"; then
    say "made the role and database shikaku, but $version/$name refuses them over TCP (pg_hba.conf?)"
    exit 1
fi
printf '%s\n' "$url"
