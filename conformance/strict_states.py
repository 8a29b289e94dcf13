"""Every export task status through both official Python SDKs in strict mode.

HubSpot's schema for the task status (``ActionResponseWithSingleResultURI``) requires
``completedAt``, ``startedAt`` and ``status``. Clients that validate responses break on a
body without them, so this script turns validation on in both SDKs and polls exports
through every state:

- ``hubspot-api-client`` (legacy ``/crm/v3/exports`` paths) created with
  ``hubspot.Client.create(..., client_side_validation=True)``, which is set on every
  generated ``Configuration``: deserializing a status without ``completedAt`` raises
  ``ValueError: Invalid value for `completed_at`, must not be `None```;
- ``hubspot-sdk`` (``/crm/exports/2026-03`` paths) with ``_strict_response_validation=True``,
  which raises ``APIResponseValidationError`` on a body its pydantic models refuse.

For each SDK: export A is started and polled until it is PROCESSING and then COMPLETE
(its file is downloaded); export B, started while A runs, must be PENDING (a portal runs
one export at a time) and then finish; export C, queued behind both, is cancelled before it
starts (through the service's cancel route; the SDKs have none) and must read CANCELED.
Every one of PENDING, PROCESSING, COMPLETE and CANCELED must actually be seen, or the
script fails. The dated SDK also reads each export's details (``PublicExportResponse``).

Needs a server whose workers hold each claimed export a while, so the states last long
enough to be seen: ``crm-exports serve --test-hold-claimed-ms 1500`` (run.sh reads it from
CRM_EXPORTS_HELD_BASE_URL and CRM_EXPORTS_HELD_TOKEN). Environment, as for the other
scripts: CRM_EXPORTS_BASE_URL and CRM_EXPORTS_TOKEN.
"""

import json
import time
import urllib.request

import hubspot
from hubspot.crm.exports.models import Filter, PublicCrmSearchRequest, PublicExportRequest
from hubspot_sdk import HubSpot as DatedHubSpot

from checks import Checks, env_or_exit, require, run_id

POLL_SECONDS = 0.05
DEADLINE_SECONDS = 60
REQUIRED = ("completedAt", "startedAt", "status")


class Flow:
    """One SDK's calls: start an export, read its status (validated by the SDK) as a
    dict with HubSpot's field names, and read its details."""

    def __init__(self, name, prefix, start, get_status, details=None):
        self.name = name
        self.prefix = prefix
        self.start = start
        self.get_status = get_status
        self.details = details


def legacy_flow(base_url, token, marker):
    client = hubspot.Client.create(access_token=token, host=base_url, client_side_validation=True)
    api = client.crm.exports.public_exports_api
    assert api.api_client.configuration.client_side_validation is True, "validation is not on"

    def start(name):
        request = PublicExportRequest(
            export_type="VIEW",
            format="CSV",
            export_name=name,
            object_properties=["email"],
            object_type="CONTACT",
            language="EN",
            export_internal_values_options=[],
            override_associated_objects_per_definition_per_row_limit=False,
            public_crm_search_request=PublicCrmSearchRequest(
                query="",
                filters=[Filter(property_name="lastname", operator="EQ", value=marker)],
                sorts=["email"],
            ),
        )
        task = api.start(public_export_request=request)
        assert task is not None and task.id.isdigit(), f"task locator {task}"
        return task.id

    def get_status(task_id):
        model = api.get_status(task_id=int(task_id))
        # The model's own names, back to the wire names; times are datetimes once parsed.
        wire = {
            "status": model.status,
            "startedAt": model.started_at,
            "completedAt": model.completed_at,
            "requestedAt": model.requested_at,
            "numErrors": model.num_errors,
            "errors": model.errors,
            "result": model.result,
        }
        return wire

    return Flow("hubspot-api-client (strict)", "/crm/v3/exports", start, get_status)


def dated_flow(base_url, token, marker):
    client = DatedHubSpot(
        access_token=token, base_url=base_url, max_retries=0, timeout=30.0, _strict_response_validation=True
    )
    assert client._strict_response_validation is True, "strict validation is not on"

    def start(name):
        task = client.crm.exports.create_async(
            export_type="VIEW",
            format="CSV",
            export_name=name,
            language="EN",
            object_type="0-1",
            object_properties=["email"],
            associated_object_type=[],
            export_internal_values_options=[],
            include_labeled_associations=False,
            include_primary_display_property_for_associated_objects=False,
            override_associated_objects_per_definition_per_row_limit=False,
            public_crm_search_request={
                "filterGroups": [{"filters": [{"propertyName": "lastname", "operator": "EQ", "value": marker}]}],
                "filters": [],
                "sorts": ["email"],
            },
        )
        assert task.id.isdigit(), f"task locator {task}"
        return task.id

    def get_status(task_id):
        model = client.crm.exports.get_status(int(task_id))
        return {
            "status": model.status,
            "startedAt": model.started_at,
            "completedAt": model.completed_at,
            "requestedAt": model.requested_at,
            "numErrors": model.num_errors,
            "errors": model.errors,
            "result": model.result,
        }

    def details(export_id):
        return client.crm.exports.get(int(export_id))

    return Flow("hubspot-sdk (strict)", "/crm/exports/2026-03", start, get_status, details)


def cancel(base_url, token, prefix, export_id):
    """The service's cancel route (HubSpot's API has none; its UI cancels)."""
    request = urllib.request.Request(
        f"{base_url}{prefix}/export/{export_id}/cancel",
        data=b"{}",
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200, f"cancel answered {response.status}"
        return json.loads(response.read())


def check_body(status):
    """The required fields are set and consistent (the SDK already parsed them)."""
    for field in REQUIRED:
        assert status[field] is not None, f"{field} is missing: {status}"
    assert status["requestedAt"] is not None, f"requestedAt is missing: {status}"
    assert status["requestedAt"] <= status["startedAt"] <= status["completedAt"], f"times out of order: {status}"
    errors = len(status["errors"] or [])
    assert status["numErrors"] == errors, f"numErrors {status['numErrors']} but {errors} errors"
    assert (status["result"] is not None) == (status["status"] == "COMPLETE"), f"result vs status: {status}"


def poll(flow, task_id, seen, until, stop_at=("COMPLETE", "CANCELED")):
    """Polls until `until` is reached (or a terminal status); records each status seen."""
    deadline = time.time() + DEADLINE_SECONDS
    while True:
        status = flow.get_status(task_id)
        check_body(status)
        seen.add(status["status"])
        if status["status"] == until or status["status"] in stop_at:
            return status
        assert time.time() < deadline, f"still {status['status']} after {DEADLINE_SECONDS} s"
        time.sleep(POLL_SECONDS)


def run_flow(c, flow, base_url, token, marker):
    seen_a, seen_b, seen_c = set(), set(), set()

    def processing_then_pending():
        a = flow.start(f"{marker} A")
        status = poll(flow, a, seen_a, "PROCESSING")
        assert status["status"] == "PROCESSING", f"A went to {status['status']} without PROCESSING being seen"
        b = flow.start(f"{marker} B")
        status = poll(flow, b, seen_b, "PENDING", stop_at=("PROCESSING", "COMPLETE", "CANCELED"))
        assert status["status"] == "PENDING", f"B was {status['status']} while A ran"
        assert status["startedAt"] == status["requestedAt"], f"pending startedAt: {status}"
        return a, b

    pair = c.check(f"{flow.name}: A is PROCESSING and B, queued behind it, PENDING ({flow.prefix})",
                   processing_then_pending)

    def canceled_before_start():
        a, b = require(pair, "starting A and B")
        queued = flow.start(f"{marker} C")
        first = poll(flow, queued, seen_c, "PENDING", stop_at=("PROCESSING", "COMPLETE", "CANCELED"))
        assert first["status"] == "PENDING", f"C was {first['status']} while A ran"
        body = cancel(base_url, token, flow.prefix, queued)
        assert body["exportState"] == "CANCELED", f"cancel answered {body}"
        status = poll(flow, queued, seen_c, "CANCELED")
        assert status["status"] == "CANCELED", f"C is {status['status']}"
        assert status["startedAt"] == status["requestedAt"], f"never started, yet startedAt moved: {status}"
        assert status["numErrors"] == 0, f"a cancel is not an error: {status}"

    c.check(f"{flow.name}: C canceled before it started reads CANCELED", canceled_before_start)

    def both_complete():
        a, b = require(pair, "starting A and B")
        for task_id, seen in ((a, seen_a), (b, seen_b)):
            status = poll(flow, task_id, seen, "COMPLETE")
            assert status["status"] == "COMPLETE", f"export {task_id} ended {status['status']}"
            with urllib.request.urlopen(status["result"], timeout=30) as response:
                assert response.status == 200, f"download answered {response.status}"
                text = response.read().decode("utf-8")
            assert text.startswith("\ufeffRecord ID,Email"), f"file starts {text[:40]!r}"
            assert text.count(f"@{marker}.strict.example") == 3, "the file holds the 3 contacts"
            if flow.details is not None:
                details = flow.details(task_id)
                assert details.export_state == "DONE" and details.record_count == 3, f"details {details}"

    c.check(f"{flow.name}: A and B end COMPLETE with their files", both_complete)

    def every_state_seen():
        seen = seen_a | seen_b | seen_c
        missing = {"PENDING", "PROCESSING", "COMPLETE", "CANCELED"} - seen
        assert not missing, f"never observed {sorted(missing)} (saw {sorted(seen)}); is the server held?"
        assert {"PENDING", "PROCESSING", "COMPLETE"} <= seen_b, f"B went through {sorted(seen_b)}"

    c.check(f"{flow.name}: every task status was observed", every_state_seen)


def main():
    base_url, token = env_or_exit()
    marker = run_id()
    c = Checks("strict")

    def create_contacts():
        client = hubspot.Client.create(access_token=token, host=base_url)
        for i in range(3):
            client.crm.contacts.basic_api.create(
                simple_public_object_input_for_create={
                    "properties": {"email": f"s{i}@{marker}.strict.example", "lastname": marker}
                }
            )

    c.check("create the contacts to export", create_contacts)
    for make in (legacy_flow, dated_flow):
        flow = c.check(f"{make.__name__}: a strict client", lambda: make(base_url, token, marker))
        if flow is not None:
            run_flow(c, flow, base_url, token, marker)
    c.finish()


if __name__ == "__main__":
    main()
