#!/usr/bin/env bash
# Checks the BIFF8 writer with independent readers: writes a sample .xls with the
# formats crate, then compares it with its source rows through Python's xlrd and through
# LibreOffice's CSV conversion.
#
# Usage: tools/xls_check/run.sh [OUT_DIR]
#   PYTHON  a Python with xlrd 2.0.2 installed (default: python3)
#   CI      when set, a missing LibreOffice is an error instead of a skipped check
#
# LibreOffice on Debian: apt-get install -y libreoffice-calc-nogui
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
python="${PYTHON:-python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
out="${1:-$work/out}"
mkdir -p "$out"

if ! "$python" -c 'import xlrd' 2>/dev/null; then
    echo "error: $python cannot import xlrd; install it with: $python -m pip install xlrd==2.0.2" >&2
    exit 1
fi

(cd "$root" && cargo run --quiet -p formats --example write_sample -- "$out")

office="$(command -v libreoffice || command -v soffice || true)"
if [ -z "$office" ]; then
    if [ -n "${CI+set}" ]; then
        echo "error: LibreOffice is not installed and CI is set; install it with: apt-get install -y libreoffice-calc-nogui" >&2
        exit 1
    fi
    echo "SKIPPED: LibreOffice check (libreoffice not installed; apt-get install -y libreoffice-calc-nogui); running the xlrd check only"
    "$python" "$here/check.py" --xls "$out/sample.xls" --rows "$out/sample.json"
    exit $?
fi

# A private profile keeps LibreOffice from touching (or waiting on) the user's own.
# Filter options: comma separator (44), double-quote text delimiter (34), UTF-8 (76).
"$office" "-env:UserInstallation=file://$work/profile" --headless \
    --convert-to 'csv:Text - txt - csv (StarCalc):44,34,76' \
    --outdir "$out" "$out/sample.xls" >"$work/convert.log" 2>&1 || {
    cat "$work/convert.log" >&2
    exit 1
}
if [ ! -s "$out/sample.csv" ]; then
    echo "error: LibreOffice produced no CSV:" >&2
    cat "$work/convert.log" >&2
    exit 1
fi
"$python" "$here/check.py" --xls "$out/sample.xls" --rows "$out/sample.json" --csv "$out/sample.csv"
