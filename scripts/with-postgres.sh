#!/usr/bin/env bash
# Runs a command with a throw-away PostgreSQL server from the distribution's packages:
# a cluster in a temporary directory, on 127.0.0.1 and a free port, with DATABASE_URL exported
# for the command, stopped and deleted afterwards (also when the command fails).
#   scripts/with-postgres.sh npm test
# With DATABASE_URL already set, the command runs against that server instead. Without the
# server binaries the command runs without DATABASE_URL (fails first when CI=true).
set -euo pipefail
if [[ -n "${DATABASE_URL:-}" ]]; then exec "$@"; fi

BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [[ -z "$BIN" || ! -x "$BIN/initdb" ]]; then
  echo "with-postgres: no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (apt-get install -y postgresql)" >&2
  # In CI the PostgreSQL tests must run; elsewhere they are skipped with a notice.
  if [[ "${CI:-}" == "true" ]]; then exit 1; fi
  exec "$@"
fi
# The server refuses to run as root; run it as the distribution's postgres user then.
as_owner() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

DIR=$(mktemp -d /tmp/tkpg.XXXXXX)
[[ $(id -u) -eq 0 ]] && chown postgres:postgres "$DIR"
stop() {
  (cd / && as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1) || true
  rm -rf "$DIR"
}
trap stop EXIT
PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
cd "$DIR"
as_owner "$BIN/initdb" -D "$DIR/data" -U postgres -E UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 --no-sync >/dev/null
# -l: without a log file the server keeps this script's stdout open.
as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 30 \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
as_owner "$BIN/psql" -X -q -h "$DIR" -p "$PORT" -d postgres -v ON_ERROR_STOP=1 \
  -c "CREATE ROLE tk LOGIN PASSWORD 'tk-test-pw'" -c "CREATE DATABASE tk OWNER tk" >/dev/null
export DATABASE_URL="postgres://tk:tk-test-pw@127.0.0.1:$PORT/tk"
echo "with-postgres: PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT" >&2
cd - >/dev/null
"$@"
