#!/usr/bin/env bash
# Batch create through the API on PostgreSQL (issue 16): C concurrent clients POST
# /crm/v3/objects/contacts/batch/create with 100 contacts of 18 properties each to
# `serve --database-url` (rate limits off) until N contacts are created, and the records/s
# from the first request to the last answer. The count is checked in the table afterwards.
# Usage: bench/postgres_ingest.sh [N] [C]   (defaults 200,000 contacts and 4 clients; needs
# psql, curl, python3; builds --release once, or runs the binary CRM_EXPORTS_BENCH_BIN
# names). PostgreSQL: CRM_EXPORTS_BENCH_POSTGRES_URL (default
# postgres://postgres@127.0.0.1:5432/postgres); a database is created and dropped.
# Target: at least 20,000 records/s. A line `result: what | figure | rate | >= 20000` is
# what bench/run.sh collects into its table.
set -euo pipefail
n="${1:-200000}"
clients="${2:-4}"
dbname="crm_exports_ingest_$$"
. "$(dirname "${BASH_SOURCE[0]}")/postgres_server.sh"
# HubSpot's rate limits would allow 19 requests a second: off, this measures the store.
start_server

python3 - "$port" "$(cat "$work/data/dev-token")" "$n" "$clients" <<'PY'
import http.client, json, sys, threading, time
port, token, n, clients = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
PER_REQUEST = 100

def body(start):
    """100 contacts like the SQLite ingest's; the email is unique per record."""
    inputs = []
    for i in range(start, start + PER_REQUEST):
        inputs.append({"properties": {
            "email": f"ingest{i}@bench.example", "firstname": f"Zoë {i}",
            "lastname": f"O'Brien, \"Jr\" {i}", "phone": f"+1 555 {i}",
            "mobilephone": f"+44 20 {i}", "company": f"Company {i % 5000}",
            "jobtitle": "Engineer", "website": f"https://example.com/{i}",
            "address": f"{i} Main St", "city": "Berlin", "state": "BE",
            "zip": f"{i % 99999:05d}", "country": "Germany", "industry": "COMPUTER_SOFTWARE",
            "message": f"Line one {i}\nlínea dos, \"quoted\"", "lifecyclestage": "lead",
            "hs_lead_status": "NEW", "associatedcompanyid": str(i % 7000)}})
    return json.dumps({"inputs": inputs}).encode()

# Bodies are made before the clock starts, so the clients only send.
bodies = [body(start) for start in range(0, n, PER_REQUEST)]
headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
next_body, lock, failures, created = [0], threading.Lock(), [], [0]

def client():
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while True:
        with lock:
            index = next_body[0]
            next_body[0] += 1
        if index >= len(bodies):
            return
        conn.request("POST", "/crm/v3/objects/contacts/batch/create", bodies[index], headers)
        response = conn.getresponse()
        answer = response.read()
        if response.status != 201:
            failures.append((response.status, answer[:300]))
            return
        with lock:
            created[0] += len(json.loads(answer)["results"])

started = time.perf_counter()
threads = [threading.Thread(target=client) for _ in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
seconds = time.perf_counter() - started
if failures:
    sys.exit(f"{len(failures)} requests failed, first: {failures[0]}")
print(f"batch create: {created[0]:,} contacts in {seconds:.2f} s by {clients} clients, "
      f"{created[0] / seconds:,.0f} records/s (target >= 20,000)")
print(f"result: batch create on PostgreSQL, {n:,} contacts by {clients} clients | "
      f"{created[0] / seconds:,.0f} records/s | {created[0] / seconds:.0f} | >= 20000")
PY
echo "contacts in the table: $(psql -Atq "$url" -c 'SELECT count(*) FROM records_1_0_1')"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
