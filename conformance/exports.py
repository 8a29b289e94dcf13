"""Exports through both official Python SDKs, unmodified.

Creates a handful of contacts tagged with this run's marker, then with
``hubspot-api-client`` (legacy /crm/v3 paths: ``crm.exports.public_exports_api.start`` and
``get_status``) and with ``hubspot-sdk`` (2026-03 paths: ``crm.exports.create_async``,
``get_status`` and ``get``) starts a VIEW export filtered on the marker, polls the status
until it is COMPLETE, downloads the signed ``result`` link without a token, and checks the
CSV row by row against the contacts. Needs a server with at least one export worker.
"""

import csv
import io
import time
import urllib.request

from hubspot import HubSpot
from hubspot.crm import contacts as hs_contacts
from hubspot.crm.exports import ApiException as ExportApiException
from hubspot.crm.exports.models import Filter, PublicCrmSearchRequest, PublicExportRequest
from hubspot_sdk import HubSpot as DatedHubSpot

from checks import Checks, env_or_exit, run_id

POLL_SECONDS = 0.2
DEADLINE_SECONDS = 120


def download_csv(url):
    """Fetches a signed link with no Authorization header and parses the CSV."""
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200, f"download answered {response.status}"
        kind = response.headers.get("Content-Type", "")
        assert kind.startswith("text/csv"), f"Content-Type {kind!r}"
        text = response.read().decode("utf-8")
    assert text.startswith("\ufeff"), "the CSV starts with a UTF-8 BOM"
    return list(csv.reader(io.StringIO(text[1:])))


def wait_until_done(get_status):
    """Polls until a terminal status; returns the last status seen (a dict)."""
    deadline = time.time() + DEADLINE_SECONDS
    while True:
        status = get_status()
        if status["status"] in ("COMPLETE", "CANCELED"):
            return status
        assert status["status"] in ("PENDING", "PROCESSING"), f"unexpected status {status}"
        assert time.time() < deadline, f"still {status['status']} after {DEADLINE_SECONDS} s"
        time.sleep(POLL_SECONDS)


def main():
    base_url, token = env_or_exit()
    marker = run_id()
    legacy = HubSpot(access_token=token, host=base_url)
    dated = DatedHubSpot(access_token=token, base_url=base_url, max_retries=0, timeout=30.0)
    c = Checks("exports")

    people = [
        {"email": f"{marker}-{i}@exports.example", "firstname": f"Zoë, \"{i}\"", "lastname": marker}
        for i in range(12)
    ]

    def create_people():
        inputs = [hs_contacts.SimplePublicObjectBatchInputForCreate(properties=p) for p in people]
        batch = hs_contacts.BatchInputSimplePublicObjectBatchInputForCreate(inputs=inputs)
        result = legacy.crm.contacts.batch_api.create(batch_input_simple_public_object_batch_input_for_create=batch)
        ids = {r.properties["email"]: r.id for r in result.results}
        assert len(ids) == len(people), f"created {len(ids)}"
        return ids

    ids = c.check("create the contacts to export", create_people) or {}
    expected = sorted(
        [[ids.get(p["email"], "?"), p["email"], p["firstname"]] for p in people],
        key=lambda row: row[1],
    )

    def legacy_export():
        request = PublicExportRequest(
            export_type="VIEW",
            format="CSV",
            export_name=f"legacy {marker}",
            object_properties=["email", "firstname"],
            object_type="CONTACT",
            language="EN",
            export_internal_values_options=[],
            public_crm_search_request=PublicCrmSearchRequest(
                query="",
                filters=[Filter(property_name="lastname", operator="EQ", value=marker)],
                sorts=["email"],
            ),
        )
        task = legacy.crm.exports.public_exports_api.start(public_export_request=request)
        assert task is not None and task.id.isdigit(), f"task locator {task}"
        status = wait_until_done(lambda: legacy.crm.exports.public_exports_api.get_status(task_id=int(task.id)).to_dict())
        assert status["status"] == "COMPLETE", f"status {status}"
        rows = download_csv(status["result"])
        assert rows[0] == ["Record ID", "Email", "First Name"], f"header {rows[0]}"
        assert rows[1:] == expected, f"rows differ: {rows[1:3]} vs {expected[:2]}"

    c.check("hubspot-api-client: start a VIEW export, poll, download, compare", legacy_export)

    def dated_export():
        task = dated.crm.exports.create_async(
            export_type="VIEW",
            format="CSV",
            export_name=f"dated {marker}",
            language="EN",
            object_type="0-1",
            object_properties=["email", "firstname"],
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
        status = wait_until_done(lambda: dated.crm.exports.get_status(int(task.id)).to_dict())
        assert status["status"] == "COMPLETE", f"status {status}"
        rows = download_csv(status["result"])
        assert rows[1:] == expected, f"rows differ: {rows[1:3]} vs {expected[:2]}"
        details = dated.crm.exports.get(int(task.id)).to_dict()
        assert details["exportState"] == "DONE", f"details {details}"
        assert details["recordCount"] == len(people), f"recordCount {details.get('recordCount')}"

    c.check("hubspot-sdk: create_async, get_status, get, download, compare", dated_export)

    def unknown_export():
        try:
            legacy.crm.exports.public_exports_api.get_status(task_id=987654321987)
        except ExportApiException as exc:
            assert exc.status == 403, f"want 403, got {exc.status}: {exc.body}"
            return
        raise AssertionError("an unknown export id was answered")

    c.check("hubspot-api-client: an unknown export id -> 403", unknown_export)
    c.finish()


if __name__ == "__main__":
    main()
