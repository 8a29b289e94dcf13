#!/usr/bin/env bash
# Records what a crm-exports binary answers to a fixed scenario covering every route family,
# so that two builds (or two stores) can be compared response by response.
#
# Usage: tools/api_snapshot/run.sh BINARY OUT [DATABASE_URL]
#   Starts BINARY on a random loopback port over a fresh temporary data folder (SQLite), or
#   over a fresh database created under DATABASE_URL's server when one is given
#   (postgres://user@host:port/any-db; the database is created and dropped), runs
#   scenario.py against it and writes one normalised response per line to OUT.
# Compare two recordings with `diff`; scenario.py masks only what differs between runs
# (dates near now, correlation ids, link signatures and expiries, the port).
set -euo pipefail
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
out="$2"
admin_url="${3:-}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
db_args=()
dbname=""
cleanup() {
    [ -n "${server:-}" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
    if [ -n "$dbname" ]; then
        psql -q "$admin_url" -c "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
if [ -n "$admin_url" ]; then
    dbname="crm_exports_snapshot_$$"
    psql -q "$admin_url" -c "CREATE DATABASE $dbname" >/dev/null
    db_args=(--database-url "${admin_url%/*}/$dbname")
fi
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$bin" serve --data-dir "$work/data" "${db_args[@]}" --bind "127.0.0.1:$port" \
    --daily-export-quota 8 >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fs "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$work/server.log"; exit 1; }
# A token with one scope (for the 403) and an owner, both made by the CLI as an operator would.
limited="$("$bin" token create --data-dir "$work/data" "${db_args[@]}" --portal 1 \
    --scopes crm.objects.companies.read 2>/dev/null)"
owner="$("$bin" owner create --data-dir "$work/data" "${db_args[@]}" --portal 1 \
    --email ada@example.com --first-name Ada --last-name Lovelace)"
python3 "$here/scenario.py" --base "http://127.0.0.1:$port" \
    --token "$(cat "$work/data/dev-token")" --limited-token "$limited" --owner "$owner" >"$out"
echo "$(wc -l <"$out") responses recorded in $out"
