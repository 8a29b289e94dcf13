# Sourced by the PostgreSQL benchmarks (postgres_vs_psql.sh, postgres_ingest.sh), which set
# `dbname` first: picks the binary ($bin: CRM_EXPORTS_BENCH_BIN, or a --release build made
# once), creates the scratch database $dbname ($url) and work folder ($work) and removes both
# on exit, and defines `start_server [serve options...]`, which starts `serve` on them with
# HubSpot's rate limits off (they would measure a client's allowance, not the service) and
# waits for it to answer ($server, $port).
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"
if [ -n "${CRM_EXPORTS_BENCH_BIN:-}" ]; then
    bin="$CRM_EXPORTS_BENCH_BIN"
else
    (cd "$repo" && cargo build --release -q -p crm-exports)
    bin="$target/release/crm-exports"
fi
admin_url="${CRM_EXPORTS_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
url="${admin_url%/*}/$dbname"
work="$(mktemp -d)"
cleanup() {
    [ "$?" -ne 0 ] && [ -f "$work/server.log" ] && { echo "server log:"; tail -n 20 "$work/server.log"; }
    kill "${server:-0}" 2>/dev/null || true
    wait "${server:-0}" 2>/dev/null || true
    psql -q "$admin_url" -c "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
psql -q "$admin_url" -c "CREATE DATABASE $dbname" >/dev/null
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

start_server() {
    echo "server run with --rate-limits off; load average $(cut -d' ' -f1-3 /proc/loadavg)"
    "$bin" serve --data-dir "$work/data" --database-url "$url" --bind "127.0.0.1:$port" \
        --rate-limits off "$@" >"$work/server.log" 2>&1 &
    server=$!
    for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null || { echo "server did not start"; cat "$work/server.log"; exit 1; }
}
