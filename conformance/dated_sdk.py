"""Conformance checks with HubSpot's date-versioned Python SDK, hubspot-sdk.

The SDK (a Stainless client) is used exactly as published:
``hubspot_sdk.HubSpot(access_token=..., base_url=...)``. Every call here goes
to ``{base_url}/crm/objects/2026-03/...``. Array query parameters are sent
comma-joined (``properties=email,lastname``). See README.md for the requests.

Environment: CRM_EXPORTS_BASE_URL (e.g. http://127.0.0.1:8080) and
CRM_EXPORTS_TOKEN (a bearer token the server accepts).
"""

import datetime

import hubspot_sdk
from hubspot_sdk import HubSpot

from checks import Checks, assert_error_body, env_or_exit, require, run_id

N_BATCH_CONTACTS = 30
N_BATCH_COMPANIES = 10
PAGE_LIMIT = 10
MAX_PAGES = 5000  # bound on any paging loop, so a broken cursor cannot spin forever


def main():
    base_url, token = env_or_exit()
    # max_retries=0: a 5xx or 409 should fail the check, not be retried quietly.
    client = HubSpot(access_token=token, base_url=base_url, max_retries=0, timeout=30.0)
    run = run_id()
    marker = f"Dated{run}"  # lastname of every contact this run creates
    domain = f"{run}.dated.conformance.test"
    c = Checks("dated")
    print(f"# dated hubspot-sdk {hubspot_sdk.__version__} against {base_url}, run {run}", flush=True)

    def contact_props(tag):
        return {"email": f"{tag}@{domain}", "firstname": f"First{tag}", "lastname": marker}

    # ---- 1. single creates -------------------------------------------------
    def create_contact():
        props = dict(contact_props("single"), phone="+1 555 0199", company="Dated Inc")
        obj = client.crm.objects.contacts.create(properties=props, associations=[])
        assert obj.id and obj.id.isdigit(), f"id should be a numeric string, got {obj.id!r}"
        for key, value in props.items():
            assert obj.properties.get(key) == value, f"property {key}: got {obj.properties.get(key)!r}, want {value!r}"
        assert isinstance(obj.created_at, datetime.datetime), f"createdAt not an ISO 8601 datetime: {obj.created_at!r}"
        assert isinstance(obj.updated_at, datetime.datetime), f"updatedAt not an ISO 8601 datetime: {obj.updated_at!r}"
        assert obj.archived is False, f"archived should be false, got {obj.archived!r}"
        return obj

    contact = c.check("create contact (POST /crm/objects/2026-03/contacts)", create_contact)

    company_name = f"Dated Co {run}"

    def create_company():
        props = {"name": company_name, "domain": domain, "industry": "COMPUTER_SOFTWARE", "city": "Cambridge"}
        obj = client.crm.objects.companies.create(properties=props, associations=[])
        assert obj.id and obj.id.isdigit(), f"id should be a numeric string, got {obj.id!r}"
        for key, value in props.items():
            assert obj.properties.get(key) == value, f"property {key}: got {obj.properties.get(key)!r}, want {value!r}"
        assert obj.archived is False, f"archived should be false, got {obj.archived!r}"
        return obj

    company = c.check("create company (POST /crm/objects/2026-03/companies)", create_company)

    def raw_create_status():
        # with_raw_response is part of the SDK's public surface: it exposes the status code.
        raw = client.crm.objects.companies.with_raw_response.create(
            properties={"name": f"{company_name} raw", "domain": f"raw.{domain}"}, associations=[]
        )
        assert raw.status_code == 201, f"create answered HTTP {raw.status_code}, want 201"
        obj = raw.parse()
        assert obj.properties.get("name") == f"{company_name} raw", f"name {obj.properties.get('name')!r}"
        return obj.id

    raw_company_id = c.check("create answers 201 (with_raw_response)", raw_create_status)

    # ---- 2. batch creates --------------------------------------------------
    batch_emails = [f"b{i:02d}@{domain}" for i in range(N_BATCH_CONTACTS)]

    def batch_contacts():
        raw = client.crm.objects.contacts.batch.with_raw_response.create(
            inputs=[{"properties": contact_props(f"b{i:02d}"), "associations": []} for i in range(N_BATCH_CONTACTS)]
        )
        assert raw.status_code == 201, f"batch create answered HTTP {raw.status_code}, want 201"
        resp = raw.parse()
        assert resp.status == "COMPLETE", f"batch status {resp.status!r}, want 'COMPLETE'"
        assert isinstance(resp.started_at, datetime.datetime), f"startedAt {resp.started_at!r}"
        assert isinstance(resp.completed_at, datetime.datetime), f"completedAt {resp.completed_at!r}"
        assert len(resp.results) == N_BATCH_CONTACTS, f"{len(resp.results)} results, want {N_BATCH_CONTACTS}"
        emails = sorted(r.properties.get("email") for r in resp.results)
        assert emails == sorted(batch_emails), f"batch results carry emails {emails[:3]}..., want {batch_emails[:3]}..."
        ids = [r.id for r in resp.results]
        assert len(set(ids)) == len(ids), "batch create returned duplicate ids"
        return ids

    batch_contact_ids = c.check(f"batch create {N_BATCH_CONTACTS} contacts (POST .../contacts/batch/create -> 201)", batch_contacts)

    def batch_companies():
        resp = client.crm.objects.companies.batch.create(
            inputs=[
                {"properties": {"name": f"{company_name} {i:02d}", "domain": f"c{i:02d}.{domain}"}, "associations": []}
                for i in range(N_BATCH_COMPANIES)
            ]
        )
        assert resp.status == "COMPLETE", f"batch status {resp.status!r}"
        assert len(resp.results) == N_BATCH_COMPANIES, f"{len(resp.results)} results, want {N_BATCH_COMPANIES}"
        names = sorted(r.properties.get("name") for r in resp.results)
        assert names == sorted(f"{company_name} {i:02d}" for i in range(N_BATCH_COMPANIES)), f"names {names}"
        return [r.id for r in resp.results]

    batch_company_ids = c.check(f"batch create {N_BATCH_COMPANIES} companies (POST .../companies/batch/create)", batch_companies)

    all_contact_ids = None
    if contact is not None and batch_contact_ids is not None:
        all_contact_ids = [contact.id] + batch_contact_ids
    all_company_ids = None
    if company is not None and batch_company_ids is not None and raw_company_id is not None:
        all_company_ids = [company.id, raw_company_id] + batch_company_ids

    # ---- 3. reads ------------------------------------------------------------
    def read_contact():
        obj_id = require(contact, "create contact").id
        obj = client.crm.objects.contacts.get(obj_id, properties=["email", "firstname", "lastname", "company"])
        assert obj.id == obj_id, f"read id {obj.id!r}, want {obj_id!r}"
        assert obj.properties.get("email") == f"single@{domain}", f"email {obj.properties.get('email')!r}"
        assert obj.properties.get("firstname") == "Firstsingle", f"firstname {obj.properties.get('firstname')!r}"
        assert obj.properties.get("lastname") == marker, f"lastname {obj.properties.get('lastname')!r}"
        assert obj.properties.get("company") == "Dated Inc", f"company {obj.properties.get('company')!r}"
        assert obj.archived is False, f"archived {obj.archived!r}"

    c.check("read contact by id with properties=email,firstname,... (comma-joined)", read_contact)

    def read_company():
        obj_id = require(company, "create company").id
        obj = client.crm.objects.companies.get(obj_id, properties=["name", "domain", "industry"])
        assert obj.id == obj_id, f"read id {obj.id!r}"
        assert obj.properties.get("name") == company_name, f"name {obj.properties.get('name')!r}"
        assert obj.properties.get("domain") == domain, f"domain {obj.properties.get('domain')!r}"
        assert obj.properties.get("industry") == "COMPUTER_SOFTWARE", f"industry {obj.properties.get('industry')!r}"

    c.check("read company by id with properties", read_company)

    def read_by_type_id():
        cid = require(contact, "create contact").id
        obj = client.crm.objects.generic_objects.get(cid, object_type="0-1", properties=["email"])
        assert obj.id == cid and obj.properties.get("email") == f"single@{domain}", f"0-1 read gave {obj.id!r} {obj.properties!r}"
        coid = require(company, "create company").id
        obj = client.crm.objects.generic_objects.get(coid, object_type="0-2", properties=["name"])
        assert obj.id == coid and obj.properties.get("name") == company_name, f"0-2 read gave {obj.id!r} {obj.properties!r}"

    c.check("read through objectTypeIds (GET /crm/objects/2026-03/0-1/{id}, /0-2/{id})", read_by_type_id)

    # ---- 4. paging -------------------------------------------------------------
    def page_contacts_by_hand():
        wanted = require(all_contact_ids, "contact creation")
        seen = {}
        after = None
        pages = 0
        while True:
            pages += 1
            assert pages <= MAX_PAGES, f"more than {MAX_PAGES} pages: the cursor does not advance"
            kwargs = {"limit": PAGE_LIMIT, "properties": ["email", "lastname"]}
            if after is not None:
                kwargs["after"] = after
            page = client.crm.objects.contacts.list(**kwargs)
            assert len(page.results) <= PAGE_LIMIT, f"page has {len(page.results)} results with limit={PAGE_LIMIT}"
            for r in page.results:
                seen[r.id] = seen.get(r.id, 0) + 1
            if page.paging is None or page.paging.next is None:
                break
            assert page.paging.next.after, "paging.next.after is empty"
            assert page.results, "a page with paging.next must not be empty"
            after = page.paging.next.after
        dupes = [i for i, n in seen.items() if n > 1]
        assert not dupes, f"ids seen more than once across pages: {dupes[:10]}"
        missing = [i for i in wanted if i not in seen]
        assert not missing, f"{len(missing)} created contacts never listed, e.g. {missing[:5]}"
        assert pages >= 4, f"only {pages} page(s) for >= {len(wanted)} contacts at limit {PAGE_LIMIT}"

    c.check(f"page contacts with limit={PAGE_LIMIT} and after until no paging; each created id once", page_contacts_by_hand)

    def auto_paginate(resource, wanted, props):
        counts = {}
        pages = 0
        first = resource.list(limit=PAGE_LIMIT, properties=props)
        for page in first.iter_pages():
            pages += 1
            assert pages <= MAX_PAGES, f"more than {MAX_PAGES} pages"
            for r in page.results:
                counts[r.id] = counts.get(r.id, 0) + 1
        items = 0
        for r in resource.list(limit=PAGE_LIMIT, properties=props):  # item-level auto-pagination
            items += 1
            assert items <= MAX_PAGES * PAGE_LIMIT, "auto-pagination does not end"
        dupes = [i for i, n in counts.items() if n > 1]
        assert not dupes, f"iter_pages saw duplicates: {dupes[:10]}"
        missing = [i for i in wanted if i not in counts]
        assert not missing, f"iter_pages missed {len(missing)} created ids, e.g. {missing[:5]}"
        assert items == sum(counts.values()), f"item iteration saw {items} records, page iteration {sum(counts.values())}"

    c.check(
        "contacts auto-pagination (list().iter_pages() and for-in) sees every created id once",
        lambda: auto_paginate(client.crm.objects.contacts, require(all_contact_ids, "contact creation"), ["email"]),
    )
    c.check(
        "companies auto-pagination sees every created id once",
        lambda: auto_paginate(client.crm.objects.companies, require(all_company_ids, "company creation"), ["name"]),
    )

    # ---- 5. search -------------------------------------------------------------
    def search_contacts_token():
        wanted = require(all_contact_ids, "contact creation")
        resp = client.crm.objects.contacts.search(
            after="0",
            filter_groups=[{"filters": [{"propertyName": "email", "operator": "CONTAINS_TOKEN", "value": f"*@{domain}"}]}],
            limit=100,
            properties=["email", "firstname", "lastname"],
            sorts=[{"propertyName": "email", "direction": "ASCENDING"}],
        )
        assert resp.total == len(wanted), f"total {resp.total}, want {len(wanted)}"
        ids = [r.id for r in resp.results]
        assert sorted(ids) == sorted(wanted), f"search returned {len(ids)} ids, not the {len(wanted)} created"
        emails = [r.properties.get("email") for r in resp.results]
        assert emails == sorted(emails), f"not sorted by email ASCENDING: {emails[:4]}..."
        assert resp.paging is None or resp.paging.next is None, "paging present although all results fit in one page"

    c.check('search contacts: email CONTAINS_TOKEN "*@<domain>", sort email ASCENDING, after="0"', search_contacts_token)

    def search_contacts_paged():
        wanted = require(all_contact_ids, "contact creation")
        got = []
        after = ""
        for _ in range(20):
            resp = client.crm.objects.contacts.search(
                after=after,
                filter_groups=[{"filters": [{"propertyName": "lastname", "operator": "EQ", "value": marker}]}],
                limit=PAGE_LIMIT,
                properties=["email"],
                sorts=[{"propertyName": "email", "direction": "DESCENDING"}],
            )
            assert resp.total == len(wanted), f"total {resp.total}, want {len(wanted)}"
            assert len(resp.results) <= PAGE_LIMIT, f"{len(resp.results)} results with limit {PAGE_LIMIT}"
            got.extend((r.properties.get("email"), r.id) for r in resp.results)
            if resp.paging is None or resp.paging.next is None:
                break
            after = resp.paging.next.after
            assert after, "paging.next.after is empty"
        assert sorted(i for _, i in got) == sorted(wanted), f"paged search gave {len(got)} ids, want the {len(wanted)} created"
        emails = [e for e, _ in got]
        assert emails == sorted(emails, reverse=True), "paged results not in email DESCENDING order"

    c.check(f'search contacts: lastname EQ marker in pages of {PAGE_LIMIT} (after="" then paging.next.after)', search_contacts_paged)

    def search_company():
        cid = require(company, "create company").id
        resp = client.crm.objects.companies.search(
            after="",
            filter_groups=[{"filters": [{"propertyName": "name", "operator": "EQ", "value": company_name}]}],
            limit=10,
            properties=["name", "domain"],
            sorts=[{"propertyName": "name", "direction": "ASCENDING"}],
        )
        assert resp.total == 1, f"total {resp.total}, want 1"
        assert [r.id for r in resp.results] == [cid], f"results {[r.id for r in resp.results]}, want [{cid}]"
        assert resp.results[0].properties.get("domain") == domain, f"domain {resp.results[0].properties.get('domain')!r}"

    c.check("search companies: name EQ", search_company)

    # ---- 6. errors ---------------------------------------------------------------
    def not_found():
        try:
            client.crm.objects.contacts.get("987654321987654")
        except hubspot_sdk.NotFoundError as exc:
            assert exc.status_code == 404, f"status {exc.status_code}"
            assert_error_body(exc.body, 404)
            return
        except hubspot_sdk.APIStatusError as exc:
            raise AssertionError(f"want 404, got HTTP {exc.status_code}: {exc.body!r}")
        raise AssertionError("reading a non-existent contact did not raise")

    c.check("unknown contact id raises NotFoundError (404, error body)", not_found)

    def unknown_property():
        props = dict(contact_props("badprop"), **{f"conformance_no_such_property_{run}": "x"})
        try:
            client.crm.objects.contacts.create(properties=props, associations=[])
        except hubspot_sdk.BadRequestError as exc:
            assert_error_body(exc.body, 400, category="VALIDATION_ERROR")
            return
        except hubspot_sdk.APIStatusError as exc:
            raise AssertionError(f"want 400, got HTTP {exc.status_code}: {exc.body!r}")
        raise AssertionError("creating a contact with an unknown property succeeded")

    c.check("unknown property on create raises BadRequestError (400 VALIDATION_ERROR)", unknown_property)

    def bad_token():
        bad = HubSpot(access_token="not-" + token, base_url=base_url, max_retries=0)
        try:
            bad.crm.objects.contacts.list(limit=1)
        except hubspot_sdk.AuthenticationError as exc:
            assert exc.status_code == 401, f"status {exc.status_code}"
            return
        except hubspot_sdk.APIStatusError as exc:
            raise AssertionError(f"want 401, got HTTP {exc.status_code}: {exc.body!r}")
        raise AssertionError("a wrong bearer token was accepted")

    c.check("wrong bearer token raises AuthenticationError (401)", bad_token)

    c.finish()


if __name__ == "__main__":
    main()
