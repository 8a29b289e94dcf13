#!/usr/bin/env bash
# Run the SDK conformance scripts against a crm-exports server that is already
# running. Needs CRM_EXPORTS_BASE_URL (e.g. http://127.0.0.1:8080) and
# CRM_EXPORTS_TOKEN. The SDKs are installed from requirements.txt into $VENV
# (default: .venv/conformance in the repo, which git ignores); the venv is
# reused while requirements.txt is unchanged.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
VENV="${VENV:-$repo/.venv/conformance}"
PYTHON="${PYTHON:-python3}"
# Upper bound in seconds for each script, so a hung server cannot stall CI.
SCRIPT_TIMEOUT="${SCRIPT_TIMEOUT:-600}"

if [ -z "${CRM_EXPORTS_BASE_URL:-}" ] || [ -z "${CRM_EXPORTS_TOKEN:-}" ]; then
    echo "conformance/run.sh: set CRM_EXPORTS_BASE_URL and CRM_EXPORTS_TOKEN (see conformance/README.md)" >&2
    exit 2
fi
export CRM_EXPORTS_BASE_URL CRM_EXPORTS_TOKEN

if [ ! -x "$VENV/bin/python" ]; then
    echo "conformance: creating virtual environment in $VENV"
    "$PYTHON" -m venv "$VENV" || exit 1
fi
stamp="$VENV/.conformance-requirements.txt"
if ! cmp -s "$here/requirements.txt" "$stamp" \
    || ! "$VENV/bin/python" -c 'import hubspot, hubspot_sdk' 2>/dev/null; then
    echo "conformance: installing $here/requirements.txt"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt" || exit 1
    cp "$here/requirements.txt" "$stamp"
fi

passed=0
failed=0
status=0
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
# Runs one script (a command line), adds its summary line to the totals.
run_script() {
    local name="$1"
    shift
    echo "== conformance/$name"
    timeout "$SCRIPT_TIMEOUT" "$@" 2>&1 | tee "$out"
    local rc=${PIPESTATUS[0]}
    local line
    line="$(grep -E '^conformance: [0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1)"
    if [ -n "$line" ]; then
        passed=$((passed + $(echo "$line" | sed -E 's/^conformance: ([0-9]+) passed.*/\1/')))
        failed=$((failed + $(echo "$line" | sed -E 's/.* ([0-9]+) failed$/\1/')))
    else
        echo "conformance/$name ended without a summary (exit $rc)"
        failed=$((failed + 1))
    fi
    [ "$rc" -eq 0 ] || status=1
}
for script in legacy_client.py dated_sdk.py exports.py associations_lists.py custom_objects.py \
    property_changes.py schema_lists.py dated_labels_lists.py pipelines_merges.py operation_coverage.py; do
    run_script "$script" "$VENV/bin/python" "$here/$script"
done

# Every task status through both SDKs in strict mode, against a server whose workers hold
# each export a while (serve --test-hold-claimed-ms), so each state lasts long enough.
if [ -n "${CRM_EXPORTS_HELD_BASE_URL:-}" ] && [ -n "${CRM_EXPORTS_HELD_TOKEN:-}" ]; then
    CRM_EXPORTS_BASE_URL="$CRM_EXPORTS_HELD_BASE_URL" CRM_EXPORTS_TOKEN="$CRM_EXPORTS_HELD_TOKEN" \
        run_script strict_states.py "$VENV/bin/python" "$here/strict_states.py"
elif [ -n "${CI+set}" ]; then
    echo "conformance: CI needs CRM_EXPORTS_HELD_BASE_URL and _TOKEN for the strict task-status check" >&2
    failed=$((failed + 1))
else
    echo "SKIPPED: strict task-status check (set CRM_EXPORTS_HELD_BASE_URL and CRM_EXPORTS_HELD_TOKEN)"
fi

# HubSpot's Node SDK (13.x runs on Node 20): the exports endpoints, faults injected through
# the admin API, and the rate limits.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    if [ ! -d "$here/node/node_modules/@hubspot/api-client" ]; then
        (cd "$here/node" && npm install --no-audit --no-fund --no-package-lock --loglevel=error) || exit 1
    fi
    run_script node/exports.mjs node "$here/node/exports.mjs"
    run_script node/faults.mjs node "$here/node/faults.mjs"
    # The rate limits, against a server started with low limits.
    if [ -n "${CRM_EXPORTS_LIMITED_BASE_URL:-}" ] && [ -n "${CRM_EXPORTS_LIMITED_TOKEN:-}" ]; then
        run_script node/rate_limits.mjs node "$here/node/rate_limits.mjs"
    elif [ -n "${CI+set}" ]; then
        echo "conformance: CI needs CRM_EXPORTS_LIMITED_BASE_URL and _TOKEN for the rate-limit check" >&2
        failed=$((failed + 1))
    else
        echo "SKIPPED: Node SDK rate-limit check (set CRM_EXPORTS_LIMITED_BASE_URL and CRM_EXPORTS_LIMITED_TOKEN)"
    fi
elif [ -n "${CI+set}" ]; then
    echo "conformance: Node.js is required under CI for the Node SDK check" >&2
    failed=$((failed + 1))
else
    echo "SKIPPED: Node SDK check (node/npm not installed)"
fi

echo "conformance: $passed passed, $failed failed"
if [ "$failed" -ne 0 ]; then
    status=1
fi
exit "$status"
