"""Conformance checks with HubSpot's legacy Python SDK, hubspot-api-client.

The SDK is used exactly as published: ``HubSpot(access_token=..., host=...)``.
``host`` replaces the SDK's ``https://api.hubapi.com`` and every call goes to
``{host}/crm/v3/objects/...``. See README.md for the HTTP requests it makes.

Environment: CRM_EXPORTS_BASE_URL (e.g. http://127.0.0.1:8080) and
CRM_EXPORTS_TOKEN (a bearer token the server accepts).
"""

import datetime
import json

from hubspot import HubSpot
from hubspot.crm import companies as hs_companies
from hubspot.crm import contacts as hs_contacts
from hubspot.crm.contacts import exceptions as contact_errors

from checks import Checks, assert_error_body, env_or_exit, require, run_id

N_BATCH_CONTACTS = 30
N_BATCH_COMPANIES = 10
PAGE_LIMIT = 10
MAX_PAGES = 5000  # bound on any paging loop, so a broken cursor cannot spin forever


def main():
    base_url, token = env_or_exit()
    client = HubSpot(access_token=token, host=base_url)
    run = run_id()
    marker = f"Conf{run}"  # lastname of every contact this run creates
    domain = f"{run}.conformance.test"
    c = Checks("legacy")
    print(f"# legacy hubspot-api-client against {base_url}, run {run}", flush=True)

    def contact_props(tag):
        return {"email": f"{tag}@{domain}", "firstname": f"First{tag}", "lastname": marker}

    # ---- 1. single creates -------------------------------------------------
    def create_contact():
        props = dict(contact_props("single"), phone="+1 555 0100", lifecyclestage="lead")
        obj = client.crm.contacts.basic_api.create(
            simple_public_object_input_for_create=hs_contacts.SimplePublicObjectInputForCreate(properties=props)
        )
        assert obj is not None, "create returned no body: POST /crm/v3/objects/contacts must answer 201 (the SDK only parses 201)"
        assert isinstance(obj, hs_contacts.SimplePublicObject), f"unexpected type {type(obj)}"
        assert obj.id and obj.id.isdigit(), f"id should be a numeric string, got {obj.id!r}"
        for key, value in props.items():
            assert obj.properties.get(key) == value, f"property {key}: got {obj.properties.get(key)!r}, want {value!r}"
        assert isinstance(obj.created_at, datetime.datetime), f"createdAt not parsed as datetime: {obj.created_at!r}"
        assert isinstance(obj.updated_at, datetime.datetime), f"updatedAt not parsed as datetime: {obj.updated_at!r}"
        assert obj.archived is False, f"archived should be false, got {obj.archived!r}"
        return obj

    contact = c.check("create contact (POST /crm/v3/objects/contacts -> 201)", create_contact)

    company_name = f"Conformance Co {run}"

    def create_company():
        props = {"name": company_name, "domain": domain, "industry": "COMPUTER_SOFTWARE", "city": "Boston"}
        obj = client.crm.companies.basic_api.create(
            simple_public_object_input_for_create=hs_companies.SimplePublicObjectInputForCreate(properties=props)
        )
        assert obj is not None, "create returned no body: POST /crm/v3/objects/companies must answer 201"
        assert obj.id and obj.id.isdigit(), f"id should be a numeric string, got {obj.id!r}"
        for key, value in props.items():
            assert obj.properties.get(key) == value, f"property {key}: got {obj.properties.get(key)!r}, want {value!r}"
        assert obj.archived is False, f"archived should be false, got {obj.archived!r}"
        return obj

    company = c.check("create company (POST /crm/v3/objects/companies -> 201)", create_company)

    # ---- 2. batch creates --------------------------------------------------
    batch_emails = [f"b{i:02d}@{domain}" for i in range(N_BATCH_CONTACTS)]

    def batch_contacts():
        inputs = [
            hs_contacts.SimplePublicObjectBatchInputForCreate(properties=contact_props(f"b{i:02d}"))
            for i in range(N_BATCH_CONTACTS)
        ]
        resp = client.crm.contacts.batch_api.create(
            batch_input_simple_public_object_batch_input_for_create=hs_contacts.BatchInputSimplePublicObjectBatchInputForCreate(inputs=inputs)
        )
        assert resp is not None, "batch create returned no body: the SDK parses only 201 and 207"
        assert type(resp) is hs_contacts.BatchResponseSimplePublicObject, (
            f"expected a 201 BatchResponseSimplePublicObject, got {type(resp).__name__} (207 means errors)"
        )
        assert resp.status == "COMPLETE", f"batch status {resp.status!r}, want 'COMPLETE'"
        assert isinstance(resp.started_at, datetime.datetime) and isinstance(resp.completed_at, datetime.datetime), "startedAt/completedAt missing or not datetimes"
        assert len(resp.results) == N_BATCH_CONTACTS, f"{len(resp.results)} results, want {N_BATCH_CONTACTS}"
        emails = sorted(r.properties.get("email") for r in resp.results)
        assert emails == sorted(batch_emails), f"batch results carry emails {emails[:3]}..., want {batch_emails[:3]}..."
        ids = [r.id for r in resp.results]
        assert len(set(ids)) == len(ids), "batch create returned duplicate ids"
        return ids

    batch_contact_ids = c.check(f"batch create {N_BATCH_CONTACTS} contacts (POST .../contacts/batch/create -> 201)", batch_contacts)

    def batch_companies():
        inputs = [
            hs_companies.SimplePublicObjectBatchInputForCreate(
                properties={"name": f"{company_name} {i:02d}", "domain": f"c{i:02d}.{domain}"}
            )
            for i in range(N_BATCH_COMPANIES)
        ]
        resp = client.crm.companies.batch_api.create(
            batch_input_simple_public_object_batch_input_for_create=hs_companies.BatchInputSimplePublicObjectBatchInputForCreate(inputs=inputs)
        )
        assert resp is not None, "batch create returned no body: the SDK parses only 201 and 207"
        assert type(resp) is hs_companies.BatchResponseSimplePublicObject, f"expected 201 BatchResponseSimplePublicObject, got {type(resp).__name__}"
        assert resp.status == "COMPLETE", f"batch status {resp.status!r}"
        assert len(resp.results) == N_BATCH_COMPANIES, f"{len(resp.results)} results, want {N_BATCH_COMPANIES}"
        names = sorted(r.properties.get("name") for r in resp.results)
        assert names == sorted(f"{company_name} {i:02d}" for i in range(N_BATCH_COMPANIES)), f"names {names}"
        return [r.id for r in resp.results]

    batch_company_ids = c.check(f"batch create {N_BATCH_COMPANIES} companies (POST .../companies/batch/create -> 201)", batch_companies)

    all_contact_ids = None
    if contact is not None and batch_contact_ids is not None:
        all_contact_ids = [contact.id] + batch_contact_ids
    all_company_ids = None
    if company is not None and batch_company_ids is not None:
        all_company_ids = [company.id] + batch_company_ids

    # ---- 3. reads ------------------------------------------------------------
    def read_contact():
        obj_id = require(contact, "create contact").id
        obj = client.crm.contacts.basic_api.get_by_id(contact_id=obj_id, properties=["email", "firstname", "lastname", "phone"])
        assert obj is not None, "GET must answer 200"
        assert obj.id == obj_id, f"read id {obj.id!r}, want {obj_id!r}"
        assert obj.properties.get("email") == f"single@{domain}", f"email {obj.properties.get('email')!r}"
        assert obj.properties.get("firstname") == "Firstsingle", f"firstname {obj.properties.get('firstname')!r}"
        assert obj.properties.get("lastname") == marker, f"lastname {obj.properties.get('lastname')!r}"
        assert obj.properties.get("phone") == "+1 555 0100", f"phone {obj.properties.get('phone')!r}"
        assert obj.archived is False, f"archived {obj.archived!r}"
        assert isinstance(obj.created_at, datetime.datetime), "createdAt missing"

    c.check("read contact by id with properties=email&properties=... (GET .../contacts/{id})", read_contact)

    def read_batch_contact():
        ids = require(batch_contact_ids, "batch create contacts")
        obj = client.crm.contacts.basic_api.get_by_id(contact_id=ids[7], properties=["email"])
        assert obj.id == ids[7], f"read id {obj.id!r}"
        assert obj.properties.get("email", "").endswith("@" + domain), f"email {obj.properties.get('email')!r}"

    c.check("read a batch-created contact by id", read_batch_contact)

    def read_company():
        obj_id = require(company, "create company").id
        obj = client.crm.companies.basic_api.get_by_id(company_id=obj_id, properties=["name", "domain", "city"])
        assert obj.id == obj_id, f"read id {obj.id!r}"
        assert obj.properties.get("name") == company_name, f"name {obj.properties.get('name')!r}"
        assert obj.properties.get("domain") == domain, f"domain {obj.properties.get('domain')!r}"
        assert obj.properties.get("city") == "Boston", f"city {obj.properties.get('city')!r}"

    c.check("read company by id with properties (GET .../companies/{id})", read_company)

    def read_by_type_id():
        cid = require(contact, "create contact").id
        obj = client.crm.objects.basic_api.get_by_id(object_type="0-1", object_id=cid, properties=["email"])
        assert obj.id == cid and obj.properties.get("email") == f"single@{domain}", f"0-1 read gave {obj.id!r} {obj.properties!r}"
        coid = require(company, "create company").id
        obj = client.crm.objects.basic_api.get_by_id(object_type="0-2", object_id=coid, properties=["name"])
        assert obj.id == coid and obj.properties.get("name") == company_name, f"0-2 read gave {obj.id!r} {obj.properties!r}"

    c.check("read through objectTypeIds (GET /crm/v3/objects/0-1/{id}, /0-2/{id})", read_by_type_id)

    # ---- 4. paging -------------------------------------------------------------
    def page_contacts():
        wanted = require(all_contact_ids, "contact creation")
        seen = {}
        after = None
        pages = 0
        while True:
            pages += 1
            assert pages <= MAX_PAGES, f"more than {MAX_PAGES} pages: the cursor does not advance"
            page = client.crm.contacts.basic_api.get_page(limit=PAGE_LIMIT, after=after, properties=["email"])
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
        return pages

    c.check(f"page contacts with limit={PAGE_LIMIT} and after until no paging; each created id once", page_contacts)

    def get_all_contacts():
        wanted = require(all_contact_ids, "contact creation")
        results = client.crm.contacts.get_all(properties=["email"])
        counts = {}
        for r in results:
            counts[r.id] = counts.get(r.id, 0) + 1
        dupes = [i for i, n in counts.items() if n > 1]
        assert not dupes, f"get_all returned duplicates: {dupes[:10]}"
        missing = [i for i in wanted if i not in counts]
        assert not missing, f"get_all missed {len(missing)} created contacts, e.g. {missing[:5]}"

    c.check("contacts get_all() helper (limit=100 pages) sees every created id once", get_all_contacts)

    def get_all_companies():
        wanted = require(all_company_ids, "company creation")
        results = client.crm.companies.get_all(properties=["name"])
        counts = {}
        for r in results:
            counts[r.id] = counts.get(r.id, 0) + 1
        assert all(n == 1 for n in counts.values()), "get_all returned duplicate companies"
        missing = [i for i in wanted if i not in counts]
        assert not missing, f"get_all missed {len(missing)} created companies, e.g. {missing[:5]}"

    c.check("companies get_all() helper sees every created id once", get_all_companies)

    # ---- 5. search -------------------------------------------------------------
    def marker_filter():
        return [hs_contacts.FilterGroup(filters=[hs_contacts.Filter(property_name="lastname", operator="EQ", value=marker)])]

    def search_contacts():
        wanted = require(all_contact_ids, "contact creation")
        req = hs_contacts.PublicObjectSearchRequest(
            filter_groups=marker_filter(),
            sorts=[{"propertyName": "email", "direction": "DESCENDING"}],
            properties=["email", "lastname"],
            limit=100,
        )
        resp = client.crm.contacts.search_api.do_search(public_object_search_request=req)
        assert resp.total == len(wanted), f"total {resp.total}, want {len(wanted)}"
        ids = [r.id for r in resp.results]
        assert sorted(ids) == sorted(wanted), f"search returned {len(ids)} ids, not the {len(wanted)} created"
        emails = [r.properties.get("email") for r in resp.results]
        assert emails == sorted(emails, reverse=True), f"not sorted by email DESCENDING: {emails[:4]}..."
        assert all(r.properties.get("lastname") == marker for r in resp.results), "a result lacks the lastname marker"
        assert resp.paging is None or resp.paging.next is None, "paging present although all results fit in one page"
        return ids

    full_order = c.check("search contacts: lastname EQ marker, sort email DESCENDING, total", search_contacts)

    def search_contacts_paged():
        order = require(full_order, "search contacts")
        got = []
        after = None
        for _ in range(20):
            req = hs_contacts.PublicObjectSearchRequest(
                filter_groups=marker_filter(),
                sorts=[{"propertyName": "email", "direction": "DESCENDING"}],
                properties=["email"],
                limit=PAGE_LIMIT,
                after=after,
            )
            resp = client.crm.contacts.search_api.do_search(public_object_search_request=req)
            assert resp.total == len(order), f"total {resp.total} on a later page, want {len(order)}"
            assert len(resp.results) <= PAGE_LIMIT, f"{len(resp.results)} results with limit {PAGE_LIMIT}"
            got.extend(r.id for r in resp.results)
            if resp.paging is None or resp.paging.next is None:
                break
            after = resp.paging.next.after
        assert got == order, f"paged search order differs from one-page order (got {len(got)} ids)"

    c.check(f"search contacts in pages of {PAGE_LIMIT} via paging.next.after", search_contacts_paged)

    def search_company():
        cid = require(company, "create company").id
        req = hs_companies.PublicObjectSearchRequest(
            filter_groups=[hs_companies.FilterGroup(filters=[hs_companies.Filter(property_name="name", operator="EQ", value=company_name)])],
            sorts=[{"propertyName": "name", "direction": "ASCENDING"}],
            properties=["name", "domain"],
            limit=10,
        )
        resp = client.crm.companies.search_api.do_search(public_object_search_request=req)
        assert resp.total == 1, f"total {resp.total}, want 1 (batch companies have longer names)"
        assert [r.id for r in resp.results] == [cid], f"results {[r.id for r in resp.results]}, want [{cid}]"
        assert resp.results[0].properties.get("domain") == domain, f"domain {resp.results[0].properties.get('domain')!r}"

    c.check("search companies: name EQ", search_company)

    # ---- 6. errors ---------------------------------------------------------------
    def not_found():
        try:
            client.crm.contacts.basic_api.get_by_id(contact_id="987654321987654")
        except contact_errors.NotFoundException as exc:
            assert exc.status == 404, f"status {exc.status}"
            assert_error_body(json.loads(exc.body), 404)
            return
        except contact_errors.ApiException as exc:
            raise AssertionError(f"want 404, got HTTP {exc.status}: {exc.body}")
        raise AssertionError("reading a non-existent contact did not raise")

    c.check("unknown contact id raises NotFoundException (404, error body)", not_found)

    def unknown_property():
        props = dict(contact_props("badprop"), **{f"conformance_no_such_property_{run}": "x"})
        try:
            client.crm.contacts.basic_api.create(
                simple_public_object_input_for_create=hs_contacts.SimplePublicObjectInputForCreate(properties=props)
            )
        except contact_errors.ApiException as exc:
            assert exc.status == 400, f"want 400, got HTTP {exc.status}: {exc.body}"
            assert_error_body(json.loads(exc.body), 400, category="VALIDATION_ERROR")
            return
        raise AssertionError("creating a contact with an unknown property succeeded")

    c.check("unknown property on create -> 400 VALIDATION_ERROR", unknown_property)

    def bad_token():
        bad = HubSpot(access_token="not-" + token, host=base_url)
        try:
            bad.crm.contacts.basic_api.get_page(limit=1)
        except contact_errors.UnauthorizedException as exc:
            assert exc.status == 401, f"status {exc.status}"
            return
        except contact_errors.ApiException as exc:
            raise AssertionError(f"want 401, got HTTP {exc.status}: {exc.body}")
        raise AssertionError("a wrong bearer token was accepted")

    c.check("wrong bearer token -> 401", bad_token)

    c.finish()


if __name__ == "__main__":
    main()
