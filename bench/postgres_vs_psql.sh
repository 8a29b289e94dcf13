#!/usr/bin/env bash
# Compares exports of N contacts x 20 properties through the running service on PostgreSQL
# with `psql \copy` of the same rows and columns from the same table.
# Usage: bench/postgres_vs_psql.sh [N]   (default 1,000,000; needs psql, curl, python3;
# builds --release once, or runs the binary CRM_EXPORTS_BENCH_BIN names, so that several
# builds can be compared on the same machine). PostgreSQL: CRM_EXPORTS_BENCH_POSTGRES_URL
# (default postgres://postgres@127.0.0.1:5432/postgres); a database is created and dropped.
# First the unzipped CSV (the server's zip threshold raised) against `\copy`, medians of 3
# (target 1.2). Then, unless CRM_EXPORTS_BENCH_SHAPES says otherwise (a comma-separated
# subset of `query,associations,csv-zip,xlsx,xls`, or empty): the free-text `query` export
# against `\copy` with ILIKE over the searched columns (target 3.0); the export with one
# associated object column (2,000 companies, contact i with company i % 2000) against the
# plain export (target 1.5); and, on a server with default settings, the CSV as delivered
# (zipped, target 1.5), the XLSX export and the XLS export of every row (a zip of
# 65,535-row parts; target 3.0 each), each against a `\copy` run beside it.
# Each shape ends with a line `result: what | figure | ratio | <= limit`, which
# bench/run.sh collects into its table.
set -euo pipefail
n="${1:-1000000}"
dbname="crm_exports_bench_$$"
. "$(dirname "${BASH_SOURCE[0]}")/postgres_server.sh"
# The first start migrates the database and creates portal 1 with a development token.
# HubSpot's rate limits off: this measures the export, not a client's allowance.
start_server --csv-zip-bytes 100000000000

columns="p_email, p_firstname, p_lastname, p_phone, p_mobilephone, p_company, p_jobtitle, p_website, p_address, p_city, p_state, p_zip, p_country, p_industry, p_message, p_lifecyclestage, p_hs_lead_status, p_associatedcompanyid"
echo "loading $n contacts"
psql -q -v ON_ERROR_STOP=1 "$url" <<SQL
INSERT INTO records_1_0_1 (id, created_at, updated_at, $columns)
SELECT 100000 + i, 1700000000000 + i * 1000, 1700000500000 + i * 1000,
  'user' || i || '@example.com', 'Zoë ' || i, 'O''Brien, "Jr" ' || i, '+1 555 ' || i, '+44 20 ' || i,
  'Company ' || (i % 5000), 'Engineer', 'https://example.com/' || i, i || ' Main St', 'Berlin', 'BE',
  lpad((i % 99999)::text, 5, '0'), 'Germany', 'COMPUTER_SOFTWARE', 'Line one ' || i || chr(10) || 'línea dos, "quoted"',
  CASE i % 3 WHEN 0 THEN 'lead' WHEN 1 THEN 'customer' ELSE 'subscriber' END,
  CASE i % 2 WHEN 0 THEN 'NEW' ELSE 'OPEN' END, i % 7000
FROM generate_series(1, $n) AS i;
VACUUM ANALYZE records_1_0_1;
SQL
psql -Atq "$url" -c "SELECT pg_size_pretty(pg_total_relation_size('records_1_0_1'))" |
    sed 's/^/table: /'

median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }

# Seconds a `\copy` of the exported rows and columns takes, into $work/copy.csv.
copy_seconds() {
    local t0 t1
    t0=$(date +%s.%N)
    psql -q "$url" -c "\\copy (SELECT id, created_at, updated_at, $columns FROM records_1_0_1 WHERE NOT archived ORDER BY id) TO '$work/copy.csv' CSV HEADER"
    t1=$(date +%s.%N)
    python3 -c "print(round($t1 - $t0, 2))"
}
copies=()
for run in 1 2 3; do
    copies+=("$(copy_seconds)")
    echo "psql \\copy run $run: ${copies[-1]} s, $(du -m "$work/copy.csv" | cut -f1) MB"
done

token="$(cat "$work/data/dev-token")"
props='["email","firstname","lastname","phone","mobilephone","company","jobtitle","website","address","city","state","zip","country","industry","message","lifecyclestage","hs_lead_status","associatedcompanyid","createdate","lastmodifieddate"]'
# Seconds from POST to the last byte of the export the JSON in $1 asks for (fields added
# to the plain CSV request of the 20 properties).
export_seconds() {
    python3 - "$port" "$token" "$props" "$work/export.csv" "$1" <<'PY'
import json, sys, time, urllib.request
port, token, props, out, extra = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4], json.loads(sys.argv[5])
base = f"http://127.0.0.1:{port}"
def call(method, path, body=None):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body else None,
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)
t0 = time.time()
task = call("POST", "/crm/v3/exports/export/async", {"exportType": "VIEW", "exportName": "bench", "format": "CSV",
            "language": "EN", "objectType": "CONTACT", "objectProperties": props, **extra})
while True:
    status = call("GET", f"/crm/v3/exports/export/async/tasks/{task['id']}/status")
    if status["status"] in ("COMPLETE", "CANCELED"):
        break
    time.sleep(0.02)
assert status["status"] == "COMPLETE", status
with urllib.request.urlopen(status["result"]) as r, open(out, "wb") as f:
    while chunk := r.read(1 << 20):
        f.write(chunk)
print(f"{time.time() - t0:.2f}")
PY
}
csv_rows() {
    python3 -c "import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], encoding='utf-8-sig', newline=''))))" "$1"
}
exports=()
for run in 1 2 3; do
    seconds="$(export_seconds '{}')"
    exports+=("$seconds")
    echo "export run $run: $seconds s (start to last byte downloaded), $(du -m "$work/export.csv" | cut -f1) MB, $(csv_rows "$work/export.csv") CSV rows"
done

copy_median="$(median "${copies[@]}")"
export_median="$(median "${exports[@]}")"
echo "median psql \\copy: $copy_median s; median export: $export_median s"
ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }
result() { echo "result: $1 | $2 | $3 | <= $4"; }
echo "ratio export / psql \\copy: $(ratio "$export_median" "$copy_median") (target <= 1.2)"
result "CSV export, unzipped, vs psql \\copy" "$export_median s vs $copy_median s" "$(ratio "$export_median" "$copy_median")" 1.2

shapes=",${CRM_EXPORTS_BENCH_SHAPES-query,associations,csv-zip,xlsx,xls},"
# The entries of the zip an export was delivered as (XLSX is itself a zip), for the log.
zip_entries() {
    python3 -c "import sys, zipfile; print(len(zipfile.ZipFile(sys.argv[1]).namelist()))" "$1"
}

if [[ "$shapes" == *,query,* ]]; then
    # The searched contact properties the load fills, and a token prefix of the emails.
    term=user42
    like="p_email ILIKE '%$term%' OR p_firstname ILIKE '%$term%' OR p_lastname ILIKE '%$term%' OR p_phone ILIKE '%$term%' OR p_mobilephone ILIKE '%$term%' OR p_company ILIKE '%$term%'"
    ilikes=(); queries=()
    for run in 1 2 3; do
        t0=$(date +%s.%N)
        psql -q "$url" -c "\\copy (SELECT id, created_at, updated_at, $columns FROM records_1_0_1 WHERE NOT archived AND ($like) ORDER BY id) TO '$work/like.csv' CSV HEADER"
        t1=$(date +%s.%N)
        ilikes+=("$(python3 -c "print(round($t1 - $t0, 2))")")
        queries+=("$(export_seconds "{\"publicCrmSearchRequest\": {\"query\": \"$term\"}}")")
        echo "query run $run: \\copy with ILIKE ${ilikes[-1]} s ($(csv_rows "$work/like.csv") CSV rows), export ${queries[-1]} s ($(csv_rows "$work/export.csv") CSV rows)"
    done
    q="$(median "${queries[@]}")"; l="$(median "${ilikes[@]}")"
    echo "median query export: $q s; median \\copy with ILIKE: $l s; ratio $(ratio "$q" "$l") (target <= 3.0)"
    result "query export vs psql \\copy with ILIKE" "$q s vs $l s" "$(ratio "$q" "$l")" 3.0
fi

if [[ "$shapes" == *,associations,* ]]; then
    psql -q -v ON_ERROR_STOP=1 "$url" <<SQL
INSERT INTO records_1_0_2 (id, created_at, updated_at, p_name, p_domain)
SELECT 1000 + j, 1700000000000, 1700000000000, 'Company ' || j, 'company' || j || '.example'
FROM generate_series(0, 1999) AS j;
INSERT INTO associations (portal_id, from_type, from_id, to_type, to_id, type_id, created_at)
SELECT 1, '0-1', 100000 + i, '0-2', 1000 + i % 2000, 279, 1700000000000 FROM generate_series(1, $n) AS i
UNION ALL
SELECT 1, '0-2', 1000 + i % 2000, '0-1', 100000 + i, 280, 1700000000000 FROM generate_series(1, $n) AS i;
VACUUM ANALYZE records_1_0_2;
VACUUM ANALYZE associations;
SQL
    withs=(); plains=()
    for run in 1 2 3; do
        withs+=("$(export_seconds '{"associatedObjectType": ["COMPANY"], "includePrimaryDisplayPropertyForAssociatedObjects": true}')")
        plains+=("$(export_seconds '{}')")
        echo "associations run $run: with companies ${withs[-1]} s, plain ${plains[-1]} s"
    done
    w="$(median "${withs[@]}")"; p="$(median "${plains[@]}")"
    echo "median export with companies: $w s; plain: $p s; ratio $(ratio "$w" "$p") (target <= 1.5)"
    result "one associated object column vs the plain export" "$w s vs $p s" "$(ratio "$w" "$p")" 1.5
fi
# The zipped CSV and the sheets run on a server with default settings: a CSV over 2 MB is
# delivered zipped, as HubSpot does (the zip threshold applies to CSV only).
if [[ "$shapes" == *,csv-zip,* || "$shapes" == *,xlsx,* || "$shapes" == *,xls,* ]]; then
    kill "$server"; wait "$server" 2>/dev/null || true
    start_server
fi
for format in CSV-ZIP XLSX XLS; do
    lower="$(tr 'A-Z' 'a-z' <<<"$format")"
    [[ "$shapes" == *,$lower,* ]] || continue
    sheet_copies=(); sheets=()
    for run in 1 2 3; do
        sheet_copies+=("$(copy_seconds)")
        sheets+=("$(export_seconds "{\"format\": \"${format%-ZIP}\"}")")
        echo "$format run $run: \\copy ${sheet_copies[-1]} s, export ${sheets[-1]} s, $(du -m "$work/export.csv" | cut -f1) MB, $(zip_entries "$work/export.csv") zip entries"
    done
    s_median="$(median "${sheets[@]}")"; c_median="$(median "${sheet_copies[@]}")"
    limit=3.0; [ "$format" = CSV-ZIP ] && limit=1.5
    echo "median $format export: $s_median s; median \\copy beside it: $c_median s; ratio $(ratio "$s_median" "$c_median") (target <= $limit)"
    result "$format export vs psql \\copy beside it" "$s_median s vs $c_median s" "$(ratio "$s_median" "$c_median")" "$limit"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
