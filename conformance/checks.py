"""Tiny check runner shared by the conformance scripts.

Each check is a named function; a failing assert (or any exception) marks the
check failed, prints why, and the run goes on so that one mistake in the server
does not hide the others. The last line printed is
``conformance: N passed, M failed`` and the exit status is non-zero on any
failure.
"""

import os
import secrets
import sys
import traceback


def env_or_exit():
    """Return (base_url, token) from CRM_EXPORTS_BASE_URL / CRM_EXPORTS_TOKEN."""
    base_url = os.environ.get("CRM_EXPORTS_BASE_URL", "").strip()
    token = os.environ.get("CRM_EXPORTS_TOKEN", "").strip()
    missing = [
        name
        for name, value in (("CRM_EXPORTS_BASE_URL", base_url), ("CRM_EXPORTS_TOKEN", token))
        if not value
    ]
    if missing:
        print("conformance: missing environment: " + ", ".join(missing), file=sys.stderr)
        sys.exit(2)
    # Both SDKs append paths that start with "/" to the base URL; the legacy
    # client concatenates strings, so a trailing slash would give "//crm/...".
    return base_url.rstrip("/"), token


def run_id():
    """A short marker that makes this run's emails and names unique."""
    return "r" + secrets.token_hex(5)


def one_line(text):
    """Fold a multi-line message (SDK exceptions print headers and body on
    separate lines) so that every check stays on one output line."""
    return " | ".join(part.strip() for part in text.splitlines() if part.strip())


class Checks:
    def __init__(self, label):
        self.label = label
        self.passed = 0
        self.failed = 0

    def check(self, name, fn):
        """Run fn(); print one line; return its value (None when it failed)."""
        try:
            value = fn()
        except AssertionError as exc:
            self.failed += 1
            print(f"FAIL [{self.label}] {name}: {one_line(str(exc))}", flush=True)
            return None
        except Exception as exc:  # a crash inside a check is a failure too
            self.failed += 1
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            print(f"FAIL [{self.label}] {name}: unexpected {one_line(detail)}", flush=True)
            return None
        self.passed += 1
        print(f"ok   [{self.label}] {name}", flush=True)
        return value

    def finish(self):
        print(f"conformance: {self.passed} passed, {self.failed} failed", flush=True)
        sys.exit(1 if self.failed else 0)


def require(value, what):
    """Fail a check early when an earlier step it depends on failed."""
    assert value is not None, f"skipped: {what} failed earlier"
    return value


def assert_error_body(body, status, category=None):
    """Check a HubSpot-style error body: {status, message, correlationId, category}."""
    assert isinstance(body, dict), f"error body is not a JSON object: {body!r}"
    for key in ("status", "message", "correlationId", "category"):
        assert key in body, f"error body (HTTP {status}) lacks {key!r}: {body!r}"
    assert body["status"] == "error", f"error body status is {body['status']!r}, want 'error'"
    assert isinstance(body["message"], str) and body["message"], f"empty message: {body!r}"
    if category is not None:
        assert body["category"] == category, (
            f"HTTP {status} category is {body['category']!r}, want {category!r}: {body!r}"
        )
