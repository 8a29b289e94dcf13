"""A fixed scenario over every route family of crm-exports, printing one normalised response
per line (JSON): records, batch, search, properties and groups, custom object schemas,
associations (v4 batch and per record), lists and memberships, owners, pipelines, exports
(start, status, details, download, cancel) and the error paths (bad JSON, wrong types,
unknown objects and properties, missing scopes, bad tokens, tampered links).

Only what differs from run to run is masked: datetimes and epoch milliseconds within a day
of now, UUIDs (correlation ids), link signatures and expiries, and the server's address.
Ids are left as they are: a fresh server hands them out in the same order every time.
Standard library only; run by run.sh.
"""

import argparse
import io
import json
import re
import sys
import time
import urllib.error
import urllib.request
import zipfile

NOW_MS = int(time.time() * 1000)
DAY_MS = 86_400_000
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z")
EPOCH = re.compile(r"(?<!\d)1\d{12}(?!\d)")
SIGNED = re.compile(r"(expires|signature)=[^&\"\s]+")
# Human-readable dates in export files: `2026-11-30 21:45` (datetimes) and `2026-11-30`.
SHEET_DATE = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?")


def near_now_ms(ms):
    return abs(ms - NOW_MS) < DAY_MS


def iso_to_ms(text):
    return int(time.mktime(time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")) * 1000 - time.timezone * 1000)


class Masker:
    def __init__(self, base):
        self.base = base
        today = time.gmtime(NOW_MS / 1000)
        self.today = time.strftime("%Y-%m-%d", today)

    def text(self, s):
        s = s.replace(self.base, "<base>")
        s = UUID.sub("<uuid>", s)
        s = SIGNED.sub(lambda m: m.group(1) + "=<masked>", s)
        s = ISO.sub(lambda m: "<now>" if near_now_ms(iso_to_ms(m.group(0))) else m.group(0), s)
        s = EPOCH.sub(lambda m: "<now-ms>" if near_now_ms(int(m.group(0))) else m.group(0), s)
        return s

    def sheet_text(self, s):
        s = self.text(s)
        return SHEET_DATE.sub(lambda m: "<today>" if m.group(0).startswith(self.today) else m.group(0), s)

    def value(self, v):
        if isinstance(v, dict):
            return {k: self.value(x) for k, x in v.items()}
        if isinstance(v, list):
            return [self.value(x) for x in v]
        if isinstance(v, str):
            return self.text(v)
        if isinstance(v, int) and not isinstance(v, bool) and near_now_ms(v):
            return "<now-ms>"
        return v


def lowered(headers):
    return {k.lower(): v for k, v in headers.items()}


class Session:
    def __init__(self, base, token):
        self.base = base
        self.token = token
        self.mask = Masker(base)
        self.step = 0

    def call(self, method, path, body=None, token="default", raw=None, record=True, label=None):
        """Sends a request; prints and returns (status, parsed body or bytes, headers)."""
        url = path if path.startswith("http") else self.base + path
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        request = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        token = self.token if token == "default" else token
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=60) as reply:
                status, headers, payload = reply.status, lowered(reply.headers), reply.read()
        except urllib.error.HTTPError as e:
            status, headers, payload = e.code, lowered(e.headers), e.read()
        parsed = self.parse(headers, payload)
        if record:
            self.step += 1
            line = {
                "step": self.step,
                "request": f"{method} {self.mask.text(path)}" + (f" [{label}]" if label else ""),
                "status": status,
                "content_type": headers.get("content-type"),
                "disposition": headers.get("content-disposition"),
                "body": self.shown(headers, parsed),
            }
            print(json.dumps(line, sort_keys=True, ensure_ascii=False))
        return status, parsed, headers

    @staticmethod
    def parse(headers, payload):
        kind = headers.get("content-type", "")
        if "json" in kind and payload:
            return json.loads(payload)
        return payload

    def shown(self, headers, parsed):
        if not isinstance(parsed, bytes):
            return self.mask.value(parsed)
        kind = headers.get("content-type", "")
        if parsed[:2] == b"PK":
            return self.zip_contents(parsed)
        if "csv" in kind or "text" in kind:
            return self.mask.sheet_text(parsed.decode("utf-8", "replace"))
        return f"<{len(parsed)} bytes>"

    def zip_contents(self, payload):
        """A zip's entries; text entries (CSV, sheet XML) shown masked, others by size."""
        shown = {}
        with zipfile.ZipFile(io.BytesIO(payload)) as z:
            for name in sorted(z.namelist()):
                data = z.read(name)
                if name.endswith((".csv", "sheet1.xml", "sharedStrings.xml")):
                    shown[name] = self.mask.sheet_text(data.decode("utf-8", "replace"))
                elif name.startswith("docProps/"):
                    shown[name] = "<document properties>"
                else:
                    shown[name] = f"<{len(data)} bytes>"
        return shown


def records(s):
    created = []
    for props in [
        {"email": "grace@example.com", "firstname": "Grace", "lastname": "Hopper", "lifecyclestage": "lead", "city": "Paris"},
        {"email": "alan@example.com", "firstname": "Alan", "lastname": "Turing", "lifecyclestage": "customer", "city": "London"},
    ]:
        _, body, _ = s.call("POST", "/crm/v3/objects/contacts", {"properties": props})
        created.append(body["id"])
    s.call("GET", f"/crm/v3/objects/contacts/{created[0]}?properties=email,firstname,city")
    s.call("GET", f"/crm/objects/2026-03/contacts/{created[1]}?properties=email")
    s.call("GET", "/crm/v3/objects/contacts/grace@example.com?idProperty=email&properties=lastname")
    s.call("PATCH", f"/crm/v3/objects/contacts/{created[0]}", {"properties": {"city": "Lyon", "phone": "+33 1 23"}})
    s.call("GET", "/crm/v3/objects/contacts?limit=1&properties=email")
    s.call("GET", "/crm/v3/objects/contacts?limit=10&properties=email,city&after=" + created[0])
    s.call("POST", "/crm/v3/objects/contacts", {"properties": {"email": "GRACE@example.com"}}, label="duplicate email")
    s.call("POST", "/crm/v3/objects/contacts", {"properties": {"nosuchproperty": "x"}}, label="unknown property")
    s.call("POST", "/crm/v3/objects/contacts", {"properties": {"hs_lead_status": "NOT_AN_OPTION"}}, label="bad option")
    s.call("POST", "/crm/v3/objects/contacts", raw=b"{not json", label="bad json")
    s.call("POST", "/crm/v3/objects/contacts", {"properties": "not an object"}, label="wrong type")
    s.call("GET", "/crm/v3/objects/contacts/999999999")
    s.call("GET", "/crm/v3/objects/nosuchobject/1", label="unknown object")
    _, company, _ = s.call("POST", "/crm/v3/objects/companies", {"properties": {"name": "Analytical Engines", "domain": "engines.example"}})
    _, deal, _ = s.call("POST", "/crm/v3/objects/deals", {"properties": {"dealname": "Engine", "amount": "1500.50", "dealstage": "appointmentscheduled", "pipeline": "default", "closedate": "2024-01-31T00:00:00.000Z"}})
    s.call("POST", "/crm/v3/objects/tickets", {"properties": {"subject": "Broken gear", "hs_ticket_priority": "HIGH"}})
    s.call("POST", "/crm/v3/objects/deals", {"properties": {"dealname": "x", "dealstage": "nosuchstage"}}, label="bad stage")
    return created, company["id"], deal["id"]


def batches(s, owner):
    _, made, _ = s.call("POST", "/crm/v3/objects/contacts/batch/create", {"inputs": [
        {"properties": {"email": f"batch{i}@example.com", "firstname": f"B{i}", "lifecyclestage": "lead" if i % 2 else "subscriber",
                        "hubspot_owner_id": owner, "hs_lead_status": "NEW"}} for i in range(5)]})
    ids = sorted(r["id"] for r in made["results"])
    s.call("POST", "/crm/v3/objects/contacts/batch/read", {"inputs": [{"id": ids[0]}, {"id": "999999999"}], "properties": ["email", "firstname"]})
    s.call("POST", "/crm/v3/objects/contacts/batch/read", {"idProperty": "email", "inputs": [{"id": "batch1@example.com"}], "properties": ["firstname"]})
    s.call("POST", "/crm/v3/objects/contacts/batch/update", {"inputs": [{"id": ids[1], "properties": {"firstname": "Bee"}}]})
    s.call("POST", "/crm/v3/objects/contacts/batch/update", {"inputs": [{"id": "999999999", "properties": {"firstname": "Nobody"}}]})
    s.call("POST", "/crm/v3/objects/contacts/batch/upsert", {"inputs": [
        {"idProperty": "email", "id": "batch2@example.com", "properties": {"lastname": "Upserted"}},
        {"idProperty": "email", "id": "new@example.com", "properties": {"lastname": "Created"}}]})
    s.call("POST", "/crm/v3/objects/contacts/batch/create", {"inputs": [
        {"properties": {"email": "ok@example.com"}, "objectWriteTraceId": "a"},
        {"properties": {"email": "batch0@example.com"}, "objectWriteTraceId": "b"}]}, label="multi-status")
    s.call("POST", "/crm/v3/objects/contacts/batch/create", {"inputs": [
        {"properties": {"email": "atomic@example.com"}}, {"properties": {"email": "atomic@example.com"}}]}, label="atomic duplicate")
    s.call("POST", "/crm/v3/objects/contacts/batch/archive", {"inputs": [{"id": ids[4]}]})
    s.call("GET", f"/crm/v3/objects/contacts/{ids[4]}?archived=true&properties=email")
    s.call("POST", "/crm/v3/objects/contacts/batch/create", {"inputs": "nope"}, label="wrong type")
    return ids


def searches(s):
    s.call("POST", "/crm/v3/objects/contacts/search", {"filterGroups": [{"filters": [{"propertyName": "lifecyclestage", "operator": "EQ", "value": "LEAD"}]}],
                                                       "sorts": [{"propertyName": "email", "direction": "DESCENDING"}], "properties": ["email", "lifecyclestage"], "limit": 3})
    s.call("POST", "/crm/objects/2026-03/contacts/search", {"filterGroups": [
        {"filters": [{"propertyName": "firstname", "operator": "CONTAINS_TOKEN", "value": "b*"}]},
        {"filters": [{"propertyName": "city", "operator": "IN", "values": ["paris", "LYON"]}]}], "properties": ["firstname", "city"], "after": "1"})
    s.call("POST", "/crm/v3/objects/contacts/search", {"query": "grace", "properties": ["email"]})
    s.call("POST", "/crm/v3/objects/contacts/search", {"filterGroups": [{"filters": [{"propertyName": "phone", "operator": "HAS_PROPERTY"}]}]})
    s.call("POST", "/crm/v3/objects/contacts/search", {"filterGroups": [{"filters": [{"propertyName": "email", "operator": "NEQ", "value": "alan@example.com"},
                                                                                    {"propertyName": "lifecyclestage", "operator": "NOT_IN", "values": ["customer"]}]}],
                                                       "sorts": [{"propertyName": "createdate", "direction": "ASCENDING"}], "properties": ["email"]})
    s.call("POST", "/crm/v3/objects/deals/search", {"filterGroups": [{"filters": [{"propertyName": "amount", "operator": "BETWEEN", "value": "1000", "highValue": "2000"}]}], "properties": ["amount", "dealname"]})
    s.call("POST", "/crm/v3/objects/contacts/search", {"filterGroups": [{"filters": [{"propertyName": "email", "operator": "NOPE", "value": "x"}]}]}, label="bad operator")
    s.call("POST", "/crm/v3/objects/contacts/search", {"limit": 201}, label="limit too large")


def properties(s):
    status, body, _ = s.call("GET", "/crm/v3/properties/contacts", record=False)
    s.step += 1
    print(json.dumps({"step": s.step, "request": "GET /crm/v3/properties/contacts [names]", "status": status,
                      "body": sorted(p["name"] for p in body["results"])}, sort_keys=True))
    s.call("GET", "/crm/v3/properties/contacts/email")
    s.call("GET", "/crm/properties/2026-03/deals/dealstage")
    s.call("POST", "/crm/v3/properties/contacts/groups", {"name": "scenario", "label": "Scenario", "displayOrder": 5})
    s.call("GET", "/crm/v3/properties/contacts/groups/scenario")
    s.call("POST", "/crm/v3/properties/contacts", {"name": "favourite_colour", "label": "Favourite colour", "type": "enumeration", "fieldType": "checkbox", "groupName": "scenario",
                                                   "options": [{"label": "Red", "value": "red"}, {"label": "Blue", "value": "blue"}]})
    s.call("POST", "/crm/v3/properties/contacts/batch/create", {"inputs": [
        {"name": "shoe_size", "label": "Shoe size", "type": "number", "fieldType": "number", "groupName": "scenario"},
        {"name": "member_since", "label": "Member since", "type": "date", "fieldType": "date", "groupName": "scenario"}]})
    s.call("POST", "/crm/v3/properties/contacts/batch/read", {"inputs": [{"name": "shoe_size"}, {"name": "nosuch"}]})
    s.call("POST", "/crm/v3/properties/contacts", {"name": "favourite_colour", "label": "Again", "type": "string", "fieldType": "text", "groupName": "scenario"}, label="duplicate")
    s.call("POST", "/crm/v3/properties/contacts", {"name": "orphan", "label": "Orphan", "type": "string", "fieldType": "text", "groupName": "nosuchgroup"}, label="unknown group")
    s.call("GET", "/crm/v3/properties/contacts/groups")


def schemas(s, contact):
    schema = {"name": "cars", "labels": {"singular": "Car", "plural": "Cars"}, "primaryDisplayProperty": "model",
              "requiredProperties": ["model"], "searchableProperties": ["model", "vin"],
              "properties": [{"name": "model", "label": "Model"},
                             {"name": "vin", "label": "VIN", "type": "string", "fieldType": "text", "hasUniqueValue": True},
                             {"name": "year", "label": "Year", "type": "number", "fieldType": "number"}],
              "associatedObjects": ["CONTACT"]}
    _, created, _ = s.call("POST", "/crm-object-schemas/v3/schemas", schema)
    type_id = created["objectTypeId"]
    s.call("POST", "/crm-object-schemas/v3/schemas", schema, label="duplicate")
    s.call("GET", "/crm-object-schemas/v3/schemas")
    s.call("GET", f"/crm-object-schemas/2026-03/schemas/{type_id}")
    s.call("PATCH", f"/crm-object-schemas/v3/schemas/{type_id}", {"labels": {"singular": "Vehicle", "plural": "Vehicles"}, "searchableProperties": ["model"]})
    _, assoc, _ = s.call("POST", f"/crm-object-schemas/v3/schemas/{type_id}/associations", {"fromObjectTypeId": type_id, "toObjectTypeId": "0-2", "name": "car_to_company"})
    _, car, _ = s.call("POST", f"/crm/v3/objects/{type_id}", {"properties": {"model": "Model T", "vin": "VIN-1", "year": "1908"}})
    s.call("POST", f"/crm/v3/objects/cars", {"properties": {"model": "Other", "vin": "vin-1"}}, label="duplicate vin")
    s.call("POST", f"/crm/v3/objects/{type_id}/search", {"query": "model", "properties": ["model", "year"]})
    s.call("PUT", f"/crm/v4/objects/{type_id}/{car['id']}/associations/default/contacts/{contact}")
    s.call("GET", f"/crm/v4/objects/{type_id}/{car['id']}/associations/contacts")
    s.call("DELETE", f"/crm-object-schemas/v3/schemas/{type_id}", label="still has records")
    s.call("DELETE", f"/crm-object-schemas/v3/schemas/{type_id}/associations/{assoc.get('id', '0')}")
    s.call("POST", "/crm-object-schemas/v3/schemas", {"name": "bad name!", "labels": {}}, label="invalid")
    return type_id


def associations(s, contacts, company, deal):
    c, f = contacts
    s.call("POST", "/crm/v4/associations/contacts/companies/batch/create", {"inputs": [
        {"from": {"id": c}, "to": {"id": company}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279},
                                                           {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1}]}]})
    s.call("POST", "/crm/v4/associations/0-1/0-2/batch/read", {"inputs": [{"id": c}, {"id": f}]})
    s.call("POST", "/crm/associations/2026-03/companies/contacts/batch/read", {"inputs": [{"id": company}]})
    s.call("POST", "/crm/v4/associations/deals/contacts/batch/associate/default", {"inputs": [{"from": {"id": deal}, "to": {"id": f}}]})
    s.call("GET", "/crm/v4/associations/contacts/companies/labels")
    s.call("PUT", f"/crm/v4/objects/contacts/{f}/associations/companies/{company}", [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}])
    s.call("GET", f"/crm/v4/objects/contacts/{f}/associations/companies")
    s.call("GET", f"/crm/v3/objects/contacts/{c}?associations=companies,deals&properties=email")
    s.call("POST", "/crm/v4/associations/contacts/companies/batch/labels/archive", {"inputs": [
        {"from": {"id": c}, "to": {"id": company}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1}]}]})
    s.call("DELETE", f"/crm/v4/objects/contacts/{f}/associations/companies/{company}")
    s.call("POST", "/crm/v4/associations/contacts/companies/batch/create", {"inputs": [
        {"from": {"id": c}, "to": {"id": "999999999"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}]}]}, label="missing target")
    s.call("POST", "/crm/v4/associations/contacts/companies/batch/archive", {"inputs": [{"from": {"id": f}, "to": [{"id": company}]}]})
    s.call("POST", "/crm/v3/objects/contacts", {"properties": {"email": "linked@example.com"},
                                                "associations": [{"to": {"id": company}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}]}]})


def lists(s, contacts, batch_ids):
    leads = {"filterBranchType": "OR", "filters": [], "filterBranches": [
        {"filterBranchType": "AND", "filterBranches": [], "filters": [
            {"filterType": "PROPERTY", "property": "lifecyclestage",
             "operation": {"operationType": "ENUMERATION", "operator": "IS_ANY_OF", "values": ["lead"]}}]}]}
    _, manual, _ = s.call("POST", "/crm/v3/lists", {"name": "Scenario manual", "objectTypeId": "0-1", "processingType": "MANUAL"})
    manual_id = manual["list"]["listId"]
    s.call("PUT", f"/crm/v3/lists/{manual_id}/memberships/add", [contacts[0], batch_ids[0], "999999999"])
    s.call("PUT", f"/crm/v3/lists/{manual_id}/memberships/add-and-remove", {"recordIdsToAdd": [batch_ids[1]], "recordIdsToRemove": [contacts[0]]})
    s.call("PUT", f"/crm/v3/lists/{manual_id}/memberships/remove", [batch_ids[0], "999999999"])
    s.call("GET", f"/crm/v3/lists/{manual_id}/memberships?limit=5")
    _, dynamic, _ = s.call("POST", "/crm/lists/2026-03", {"name": "Scenario leads", "objectTypeId": "0-1", "processingType": "DYNAMIC", "filterBranch": leads})
    dynamic_id = dynamic["list"]["listId"]
    _, snapshot, _ = s.call("POST", "/crm/v3/lists", {"name": "Scenario snapshot", "objectTypeId": "0-1", "processingType": "SNAPSHOT", "filterBranch": leads})
    s.call("GET", f"/crm/v3/lists/{dynamic_id}?includeFilters=true")
    s.call("GET", f"/crm/v3/lists/{dynamic_id}/memberships")
    s.call("GET", f"/crm/v3/lists?listIds={manual_id}&listIds={dynamic_id}")
    s.call("GET", "/crm/v3/lists/object-type-id/0-1/name/scenario%20LEADS")
    s.call("POST", "/crm/v3/lists/search", {"query": "scenario", "count": 10, "offset": 0})
    s.call("PUT", f"/crm/v3/lists/{dynamic_id}/update-list-filters", {"filterBranch": leads})
    s.call("PUT", f"/crm/v3/lists/{dynamic_id}/memberships/add", [contacts[0]], label="dynamic refuses")
    s.call("POST", "/crm/v3/lists", {"name": "scenario MANUAL", "objectTypeId": "0-1", "processingType": "MANUAL"}, label="duplicate name")
    s.call("POST", "/crm/v3/lists", {"name": "Bad", "objectTypeId": "0-1", "processingType": "SOMETIMES"}, label="bad type")
    s.call("DELETE", f"/crm/v3/lists/{snapshot['list']['listId']}")
    s.call("GET", f"/crm/v3/lists/{snapshot['list']['listId']}")
    return manual_id, dynamic_id


def owners_and_pipelines(s, owner):
    s.call("GET", "/crm/v3/owners")
    s.call("GET", f"/crm/owners/2026-03/{owner}")
    s.call("GET", "/crm/v3/owners?email=ADA@example.com")
    s.call("GET", "/crm/v3/owners/999999999")
    s.call("GET", "/crm/v3/pipelines/deals")
    s.call("GET", "/crm/v3/pipelines/tickets/0/stages")
    s.call("GET", "/crm/pipelines/2026-03/deals/default/stages/appointmentscheduled")
    s.call("GET", "/crm/v3/pipelines/contacts", label="no pipelines")


def wait_for(s, prefix, export_id):
    deadline = time.time() + 60
    while time.time() < deadline:
        _, body, _ = s.call("GET", f"{prefix}/export/async/tasks/{export_id}/status", record=False)
        if body.get("status") in ("COMPLETE", "CANCELED"):
            return
        time.sleep(0.05)
    raise SystemExit(f"export {export_id} did not finish")


def export(s, prefix, body, label):
    _, started, _ = s.call("POST", f"{prefix}/export/async", body, label=label)
    export_id = started["id"]
    wait_for(s, prefix, export_id)
    _, status, _ = s.call("GET", f"{prefix}/export/async/tasks/{export_id}/status", label=label)
    s.call("GET", f"{prefix}/export/{export_id}", label=label)
    if status.get("result"):
        s.call("GET", status["result"], token=None, label=label)
    return export_id, status


def exports(s, manual_id, dynamic_id, type_id):
    search = {"filterGroups": [{"filters": [{"propertyName": "lifecyclestage", "operator": "EQ", "value": "lead"}]}],
              "sorts": [{"propertyName": "email", "direction": "DESCENDING"}]}
    view = {"exportType": "VIEW", "exportName": "Leads, by email", "format": "CSV", "language": "EN", "objectType": "CONTACT",
            "objectProperties": ["email", "firstname", "lifecyclestage", "hubspot_owner_id", "createdate", "hs_lead_status"],
            "associatedObjectType": ["COMPANY"], "publicCrmSearchRequest": search}
    done_id, done = export(s, "/crm/v3/exports", view, "csv view")
    export(s, "/crm/exports/2026-03", dict(view, format="XLSX", language="FR", exportInternalValuesOptions=["NAMES", "VALUES"]), "xlsx internal")
    export(s, "/crm/v3/exports", dict(view, format="XLS", exportType="LIST", listId=manual_id, publicCrmSearchRequest=None), "xls manual list")
    export(s, "/crm/v3/exports", {"exportType": "LIST", "listId": str(dynamic_id), "exportName": "Dynamic", "format": "CSV", "language": "EN",
                                  "objectType": "CONTACT", "objectProperties": ["email"]}, "csv dynamic list")
    export(s, "/crm/exports/2026-03", {"exportType": "VIEW", "exportName": "Cars", "format": "CSV", "language": "EN",
                                       "objectType": type_id, "objectProperties": ["model", "vin", "year"],
                                       "associatedObjectType": "CONTACT", "includePrimaryDisplayPropertyForAssociatedObjects": True}, "custom object")
    link = done["result"]
    s.call("GET", link.replace("signature=", "signature=00"), token=None, label="tampered link")
    s.call("POST", "/crm/v3/exports/export/async", dict(view, objectProperties=["nosuchproperty"]), label="unknown property")
    s.call("POST", "/crm/v3/exports/export/async", dict(view, format="PDF"), label="bad format")
    s.call("POST", "/crm/v3/exports/export/async", raw=b"[", label="bad json")
    # Whether a cancel finds the export queued, running or done depends on timing: only the
    # cancel of a finished export is recorded.
    _, queued, _ = s.call("POST", "/crm/v3/exports/export/async", dict(view, exportName="To cancel"), label="to cancel")
    s.call("POST", f"/crm/v3/exports/export/{queued['id']}/cancel", {}, record=False)
    wait_for(s, "/crm/v3/exports", queued["id"])
    s.call("POST", f"/crm/v3/exports/export/{done_id}/cancel", {}, label="already finished")
    s.call("GET", "/crm/v3/exports/export/async/tasks/999999999/status")
    s.call("GET", "/crm/v3/exports/export/999999999")


def errors(s, limited):
    s.call("GET", "/crm/v3/objects/contacts", token=None, label="no token")
    s.call("GET", "/crm/v3/objects/contacts", token="pat-na1-00000000-0000-0000-0000-000000000000", label="unknown token")
    s.call("GET", "/crm/v3/objects/contacts", token=limited, label="missing scope")
    s.call("GET", "/crm/v3/objects/companies?properties=name", token=limited, label="granted scope")
    s.call("GET", "/crm/v3/nosuchroute")
    s.call("DELETE", "/crm/v3/exports/export/async", label="method not allowed")
    s.call("POST", "/crm/v3/objects/contacts", raw=b"{" + b" " * (11 * 1024 * 1024) + b"}", label="oversize body")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--limited-token", required=True)
    parser.add_argument("--owner", required=True)
    args = parser.parse_args()
    s = Session(args.base, args.token)
    contacts, company, deal = records(s)
    batch_ids = batches(s, args.owner)
    searches(s)
    properties(s)
    type_id = schemas(s, contacts[0])
    associations(s, contacts, company, deal)
    manual_id, dynamic_id = lists(s, contacts, batch_ids)
    owners_and_pipelines(s, args.owner)
    exports(s, manual_id, dynamic_id, type_id)
    errors(s, args.limited_token)
    s.call("DELETE", f"/crm/v3/objects/contacts/{contacts[1]}")
    s.call("GET", f"/crm/v3/objects/contacts/{contacts[1]}")


if __name__ == "__main__":
    sys.exit(main())
