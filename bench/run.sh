#!/usr/bin/env bash
# The benchmark harness (issues 7 and 16): builds --release once, then in one run seeds N
# contacts x 20 properties (and the same rows into a flat table), times `sqlite3 -csv` on the
# flat table against exports through the API (CSV unzipped, CSV as delivered by default -
# zipped -, XLSX, XLS of every row), measures the memory an export adds, ingest through batch
# create and the status endpoint under wrk, then the PostgreSQL shapes at 200,000 contacts
# (bench/postgres_vs_psql.sh and bench/postgres_ingest.sh with the same binary), and prints
# one Markdown table.
#
# Usage: bench/run.sh [--short | --only PARTS] [N]   (N defaults to 1,000,000; --short to 200,000)
#   --short   CSV (unzipped and zipped), memory, fairness and the burst; exits 1 if a CSV
#             export is slower than 1.5x the baseline, one adds more than 64 MB, or RSS after
#             the burst is more than 64 MB above its start, or another portal's small
#             export waits more than 2 s behind a large one (CI runs this).
#   --only csv,csv-zip,xlsx,xls,query,associations,memory,fairness,portals,status,ingest,burst,postgres
#             only those parts (after seeding N rows); query is the free-text search export
#             against sqlite3 LIKE over the searched columns and against the unfiltered
#             export; associations is a CSV with the COMPANY column (2,000 companies)
#             against the plain export; burst is RSS before and after 10 mixed exports of
#             200,000 rows; fairness is portal B's 1,000-row export beside A's XLSX of N;
#             portals is four portals' zipped CSVs of 200,000 rows at once against one alone;
#             postgres is every PostgreSQL shape (needs psql and a server:
#             CRM_EXPORTS_BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres).
# Installs sqlite3 and wrk with apt-get when missing and running as root.
set -euo pipefail

short=()
only=()
n=""
while [ $# -gt 0 ]; do
    case "$1" in
        --short) short=(--short) ;;
        --only) only=(--only "$2"); shift ;;
        --only=*) only=(--only "${1#--only=}") ;;
        *) n="$1" ;;
    esac
    shift
done
if [ -z "$n" ]; then
    if [ ${#short[@]} -gt 0 ]; then n=200000; else n=1000000; fi
fi

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"

need=()
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
[ ${#short[@]} -gt 0 ] || command -v wrk >/dev/null 2>&1 || need+=(wrk)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    else
        echo "please install: ${need[*]}" >&2
        exit 1
    fi
fi

# CRM_EXPORTS_BENCH_BIN runs an existing binary instead (CI reuses its test build).
bin="${CRM_EXPORTS_BENCH_BIN:-}"
if [ -z "$bin" ]; then
    (cd "$repo" && cargo build --release --locked -q -p crm-exports)
    bin="$target/release/crm-exports"
fi
exec python3 "$repo/bench/harness.py" --bin "$bin" --rows "$n" "${short[@]}" "${only[@]}"
