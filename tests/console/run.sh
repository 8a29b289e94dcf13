#!/usr/bin/env bash
# The web console's browser test: installs Debian's Chromium (Playwright's own browser
# downloads are not reachable) and playwright-core from package-lock.json, seeds a data
# folder, starts the server from the given binary on a free port with no export workers
# (the test runs one when it wants exports to finish), and runs console.test.mjs with
# node's test runner. Screenshots go to CONSOLE_SCREENSHOTS (default:
# tests/console/screenshots, which git ignores); the last line printed says where.
#
#   CRM_EXPORTS_BIN=<target>/debug/crm-exports bash tests/console/run.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="${CRM_EXPORTS_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/crm-exports/target}/debug/crm-exports}"
shots="${CONSOLE_SCREENSHOTS:-$here/screenshots}"
[ -x "$bin" ] || { echo "tests/console/run.sh: no binary at $bin (build it, or set CRM_EXPORTS_BIN)" >&2; exit 2; }

if ! command -v chromium >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
if ! cmp -s "$here/package-lock.json" "$here/node_modules/.package-lock.json" 2>/dev/null; then
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi

data="$(mktemp -d)"
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    rm -rf "$data"
    return 0
}
trap cleanup EXIT
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$bin" seed --data-dir "$data" --contacts 60 --companies 8 --deals 12 --tickets 6 --seed 3 >/dev/null
"$bin" serve --data-dir "$data" --bind "127.0.0.1:$port" --workers 0 --log-format json >"$data/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
rm -rf "$shots"
mkdir -p "$shots"
status=0
CONSOLE_BASE_URL="http://127.0.0.1:$port" CONSOLE_DATA_DIR="$data" CRM_EXPORTS_BIN="$bin" \
    CONSOLE_SCREENSHOTS="$shots" node --test --test-reporter=spec "$here/console.test.mjs" || status=$?
if [ "$status" -ne 0 ]; then
    echo "server log (last 30 lines):"
    tail -n 30 "$data/server.log"
fi
echo "console screenshots: $shots"
exit "$status"
