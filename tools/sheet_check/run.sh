#!/usr/bin/env bash
# Checks what users see of the spreadsheet formatting and the CSV formula guard, with
# independent readers:
#  1. the formats crate's example sheet (XLSX and XLS) read by openpyxl and xlrd;
#  2. end to end, files exported by a running server (e2e.py): the same checks on its XLSX
#     and XLS, and its CSV with the formula guard on and off opened by headless LibreOffice
#     (read back with openpyxl, and rendered to PNG when pdftoppm is installed).
#
# Usage: tools/sheet_check/run.sh [OUT_DIR]
#   PYTHON  a Python with openpyxl 3.1 and xlrd 2.0.2 (default: python3)
#   BIN     the crm-exports binary (default: cargo builds it)
#   CI      when set, a missing LibreOffice is an error instead of a skipped check
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
python="${PYTHON:-python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
out="${1:-$work/out}"
mkdir -p "$out"

if ! "$python" -c 'import openpyxl, xlrd' 2>/dev/null; then
    echo "error: $python cannot import openpyxl and xlrd; install them with: $python -m pip install openpyxl==3.1.5 xlrd==2.0.2" >&2
    exit 1
fi

(cd "$root" && cargo run --quiet -p formats --example write_sheets -- "$out/sample")
"$python" "$here/check.py" --xlsx "$out/sample/sheet.xlsx" --xls "$out/sample/sheet.xls" \
    --datetime-columns B --date-columns C

bin="${BIN:-}"
if [ -z "$bin" ]; then
    (cd "$root" && cargo build --quiet -p crm-exports)
    bin="${CARGO_TARGET_DIR:-$root/target}/debug/crm-exports"
fi
"$python" "$here/e2e.py" --bin "$bin" --out "$out/e2e"
# Columns: Record ID, First Name, Email, Create Date (date-time), Renewal Date (date), ...
"$python" "$here/check.py" --xlsx "$out/e2e/export.xlsx" --xls "$out/e2e/export.xls" \
    --datetime-columns D --date-columns E

office="$(command -v libreoffice || command -v soffice || true)"
if [ -z "$office" ]; then
    if [ -n "${CI+set}" ]; then
        echo "error: LibreOffice is not installed and CI is set; install it with: apt-get install -y libreoffice-calc-nogui" >&2
        exit 1
    fi
    echo "SKIPPED: the formula guard through LibreOffice (libreoffice not installed; apt-get install -y libreoffice-calc-nogui)"
    exit 0
fi
# Import as a user opening the file would: comma, double quotes, UTF-8, from line 1, and
# (the 13th token) formulas evaluated, the import dialog's default.
filter='Text - txt - csv (StarCalc):44,34,76,1,,0,false,false,false,false,false,-1,true'
for name in plain guarded; do
    mkdir -p "$work/$name"
    "$office" "-env:UserInstallation=file://$work/profile" --headless --infilter="$filter" \
        --convert-to xlsx --outdir "$work/$name" "$out/e2e/$name.csv" >"$work/convert.log" 2>&1 || {
        cat "$work/convert.log" >&2
        exit 1
    }
    cp "$work/$name/$name.xlsx" "$out/e2e/$name-libreoffice.xlsx"
done
"$python" "$here/guard_check.py" --plain-csv "$out/e2e/plain.csv" --guarded-csv "$out/e2e/guarded.csv" \
    --plain-xlsx "$out/e2e/plain-libreoffice.xlsx" --guarded-xlsx "$out/e2e/guarded-libreoffice.xlsx"

# The same two imports as pictures, to look at: the formula cell shows "click" without the
# guard and its text with it.
if command -v pdftoppm >/dev/null 2>&1; then
    single_page='pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}'
    for name in plain guarded; do
        "$office" "-env:UserInstallation=file://$work/profile" --headless --infilter="$filter" \
            --convert-to "$single_page" --outdir "$work/$name" "$out/e2e/$name.csv" >"$work/convert.log" 2>&1
        pdftoppm -png -r 90 -y 0 -H 120 -singlefile "$work/$name/$name.pdf" "$out/e2e/$name-libreoffice"
    done
    echo "wrote $out/e2e/plain-libreoffice.png and guarded-libreoffice.png"
fi
