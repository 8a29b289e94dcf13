#!/usr/bin/env bash
# Renders a seeded XLSX export the way LibreOffice shows it, to look at the sheet without a
# desktop: seeds the demo data into a temporary data folder, starts the server, exports the
# contacts to XLSX with the CLI's default columns, converts the file with headless
# LibreOffice to a PDF holding the whole sheet on one page (so every column shows, at the
# widths the file sets), and the top of that page to PNG with pdftoppm.
#
# Usage: tools/sheet_render/render.sh OUT_DIR
#   BIN   the crm-exports binary (default: cargo builds it)
# Writes OUT_DIR/contacts.xlsx, contacts.pdf and contacts.png.
# Needs: apt-get install -y libreoffice-calc-nogui poppler-utils (and fonts-noto-cjk and
# fonts-noto-core for the seeded Chinese, Japanese, Korean and Devanagari names, which
# otherwise show as boxes).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:?usage: render.sh OUT_DIR}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
for tool in libreoffice pdftoppm; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "error: $tool is missing; install it with: apt-get install -y libreoffice-calc-nogui poppler-utils" >&2
        exit 1
    }
done
bin="${BIN:-}"
if [ -z "$bin" ]; then
    (cd "$root" && cargo build --quiet -p crm-exports)
    bin="${CARGO_TARGET_DIR:-$root/target}/debug/crm-exports"
fi

work="$(mktemp -d)"
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

"$bin" seed --data-dir "$work/data" --contacts 200 --companies 40 --deals 50 --tickets 20 >/dev/null 2>&1
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$bin" serve --data-dir "$work/data" --bind "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
"$bin" export --base-url "http://127.0.0.1:$port" \
    start --token "$(cat "$work/data/dev-token")" --object contacts --format xlsx \
    --out "$out/contacts.xlsx" >/dev/null
# The token is named: a CRM_EXPORTS_TOKEN in the caller's environment (CI's conformance
# server sets one) belongs to another server.

single_page='pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}'
libreoffice "-env:UserInstallation=file://$work/profile" --headless --convert-to "$single_page" \
    --outdir "$out" "$out/contacts.xlsx" >"$work/convert.log" 2>&1 || {
    cat "$work/convert.log" >&2
    exit 1
}
# The header and about forty rows, across every column.
pdftoppm -png -r 100 -y 0 -H 900 -singlefile "$out/contacts.pdf" "$out/contacts"
echo "wrote $out/contacts.xlsx, $out/contacts.pdf and $out/contacts.png"
