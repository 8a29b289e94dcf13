#!/usr/bin/env bash
# Compares a CSV export of N contacts x 20 properties through the running service with
# `sqlite3 -csv` dumping the same columns from a plain flat table in the same database.
# Usage: bench/export_vs_sqlite.sh [N]   (needs sqlite3, curl, python3; builds --release)
# Prints wall times, the ratio, and the server's peak RSS.
set -euo pipefail
n="${1:-1000000}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"
(cd "$repo" && cargo build --release -q -p crm-exports)
bin="$target/release/crm-exports"
work="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
db="$work/data/crm-exports.sqlite3"

start_server() {
    "$bin" serve --data-dir "$work/data" --bind "127.0.0.1:$port" "$@" >"$work/server.log" 2>&1 &
    server=$!
    for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && return; sleep 0.1; done
    echo "server did not start"; cat "$work/server.log"; exit 1
}

start_server
kill "$server"; wait "$server" || true

columns="p_email, p_firstname, p_lastname, p_phone, p_mobilephone, p_company, p_jobtitle, p_website, p_address, p_city, p_state, p_zip, p_country, p_industry, p_message, p_lifecyclestage, p_hs_lead_status, p_associatedcompanyid"
echo "loading $n contacts"
sqlite3 "$db" <<SQL
PRAGMA journal_mode=WAL;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $n)
INSERT INTO records_1_0_1 (id, created_at, updated_at, $columns)
SELECT 100000 + i, 1700000000000 + i * 1000, 1700000500000 + i * 1000,
  'user' || i || '@example.com', 'Zoë ' || i, 'O''Brien, "Jr" ' || i, '+1 555 ' || i, '+44 20 ' || i,
  'Company ' || (i % 5000), 'Engineer', 'https://example.com/' || i, i || ' Main St', 'Berlin', 'BE',
  printf('%05d', i % 99999), 'Germany', 'COMPUTER_SOFTWARE', 'Line one ' || i || char(10) || 'línea dos, "quoted"',
  CASE i % 3 WHEN 0 THEN 'lead' WHEN 1 THEN 'customer' ELSE 'subscriber' END,
  CASE i % 2 WHEN 0 THEN 'NEW' ELSE 'OPEN' END, i % 7000
FROM n;
CREATE TABLE flat AS SELECT id, created_at, updated_at, $columns FROM records_1_0_1 ORDER BY id;
SQL
ls -l "$db" | awk '{printf "database: %.0f MB\n", $5/1048576}'
cat "$db" >/dev/null

t0=$(date +%s.%N)
sqlite3 -csv -header "$db" "SELECT id, created_at, updated_at, $columns FROM flat ORDER BY id" >"$work/flat.csv"
t1=$(date +%s.%N)
baseline=$(python3 -c "print(round($t1 - $t0, 2))")
echo "sqlite3 -csv from a flat table: ${baseline} s, $(du -m "$work/flat.csv" | cut -f1) MB"

props='["email","firstname","lastname","phone","mobilephone","company","jobtitle","website","address","city","state","zip","country","industry","message","lifecyclestage","hs_lead_status","associatedcompanyid","createdate","lastmodifieddate"]'
run_export() {
    local label="$1" options="$2"
    local token; token="$(cat "$work/data/dev-token")"
    python3 - "$port" "$token" "$props" "$options" "$label" <<'PY'
import json, sys, time, urllib.request
port, token, props, options, label = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4]), sys.argv[5]
base = f"http://127.0.0.1:{port}"
def call(method, path, body=None):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body else None,
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)
t0 = time.time()
task = call("POST", "/crm/v3/exports/export/async", {"exportType": "VIEW", "exportName": "bench", "format": "CSV",
            "language": "EN", "objectType": "CONTACT", "objectProperties": props, "exportInternalValuesOptions": options})
while True:
    status = call("GET", f"/crm/v3/exports/export/async/tasks/{task['id']}/status")
    if status["status"] in ("COMPLETE", "CANCELED"):
        break
    time.sleep(0.05)
t1 = time.time()
with urllib.request.urlopen(status["result"]) as r:
    size = len(r.read())
print(f"{label}: {t1 - t0:.2f} s (request to COMPLETE), {size / 1048576:.0f} MB, status {status['status']}")
PY
}
start_server --csv-zip-bytes 100000000000
run_export "export, labels and formatted dates" '[]'
run_export "export, internal values (VALUES)" '["VALUES"]'
echo "server peak RSS: $(grep VmHWM /proc/$server/status | awk '{print $2/1024 " MB"}')"
kill "$server"; wait "$server" || true
start_server
run_export "export zipped as HubSpot does (CSV over 2 MB)" '[]'
