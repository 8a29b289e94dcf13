"""Associations, lists and a LIST export through ``hubspot-api-client``, unmodified.

Creates contacts and a company, associates them in batch (``crm.associations.v4.batch_api``)
and reads the associations back from the company's side; creates a MANUAL list, adds the
contacts (``crm.lists.memberships_api``) and pages its members; then exports the list
(``crm.exports.public_exports_api``) and checks the file holds exactly those contacts.
"""

from hubspot import HubSpot
from hubspot.crm import companies as hs_companies
from hubspot.crm import contacts as hs_contacts
from hubspot.crm.associations.v4 import models as assoc
from hubspot.crm.exports.models import PublicExportRequest
from hubspot.crm.lists.models import ListCreateRequest
from hubspot_sdk import HubSpot as DatedHubSpot

from checks import Checks, env_or_exit, run_id
from exports import download_csv, wait_until_done


def main():
    base_url, token = env_or_exit()
    marker = run_id()
    client = HubSpot(access_token=token, host=base_url)
    c = Checks("associations+lists")

    def create_records():
        inputs = [
            hs_contacts.SimplePublicObjectBatchInputForCreate(properties={"email": f"{marker}-{i}@lists.example"})
            for i in range(3)
        ]
        people = client.crm.contacts.batch_api.create(
            batch_input_simple_public_object_batch_input_for_create=hs_contacts.BatchInputSimplePublicObjectBatchInputForCreate(inputs=inputs)
        )
        firm = client.crm.companies.basic_api.create(
            simple_public_object_input_for_create=hs_companies.SimplePublicObjectInputForCreate(properties={"name": marker})
        )
        return sorted(r.id for r in people.results), firm.id

    created = c.check("create three contacts and a company", create_records) or ([], "0")
    contact_ids, company_id = created

    def associate_in_batch():
        inputs = [
            assoc.PublicAssociationMultiPost(
                _from=assoc.PublicObjectId(id=cid),
                to=assoc.PublicObjectId(id=company_id),
                types=[assoc.AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=279)],
            )
            for cid in contact_ids
        ]
        result = client.crm.associations.v4.batch_api.create(
            from_object_type="contacts",
            to_object_type="companies",
            batch_input_public_association_multi_post=assoc.BatchInputPublicAssociationMultiPost(inputs=inputs),
        )
        assert len(result.results) == len(contact_ids), f"results {result.results}"

    c.check("crm.associations.v4.batch_api.create contact -> company", associate_in_batch)

    def read_from_company():
        page = client.crm.associations.v4.batch_api.get_page(
            from_object_type="companies",
            to_object_type="contacts",
            batch_input_public_fetch_associations_batch_request=assoc.BatchInputPublicFetchAssociationsBatchRequest(
                inputs=[assoc.PublicFetchAssociationsBatchRequest(id=company_id)]
            ),
        )
        linked = sorted(str(t.to_object_id) for t in page.results[0].to)
        assert linked == contact_ids, f"{linked} != {contact_ids}"
        assert page.results[0].to[0].association_types[0].type_id == 280

    c.check("batch read from the company side sees every contact (type 280)", read_from_company)

    def make_list():
        response = client.crm.lists.lists_api.create(
            list_create_request=ListCreateRequest(name=f"list {marker}", object_type_id="0-1", processing_type="MANUAL")
        )
        list_id = response.list.list_id
        added = client.crm.lists.memberships_api.add(list_id=list_id, request_body=contact_ids)
        assert sorted(added.records_ids_added) == contact_ids, f"added {added.records_ids_added}"
        members = client.crm.lists.memberships_api.get_page(list_id=list_id, limit=2)
        seen = [m.record_id for m in members.results]
        after = members.paging.next.after
        rest = client.crm.lists.memberships_api.get_page(list_id=list_id, after=after, limit=2)
        seen += [m.record_id for m in rest.results]
        assert sorted(seen) == contact_ids, f"members {seen}"
        return list_id

    list_id = c.check("create a MANUAL list, add members, page them back", make_list)

    def list_export():
        request = PublicExportRequest(
            export_type="LIST",
            list_id=list_id,
            format="CSV",
            export_name=f"list {marker}",
            object_properties=["email"],
            object_type="CONTACT",
            language="EN",
        )
        task = client.crm.exports.public_exports_api.start(public_export_request=request)
        status = wait_until_done(lambda: client.crm.exports.public_exports_api.get_status(task_id=int(task.id)).to_dict())
        assert status["status"] == "COMPLETE", f"status {status}"
        rows = download_csv(status["result"])
        assert sorted(r[0] for r in rows[1:]) == contact_ids, f"rows {rows}"

    c.check("hubspot-api-client: a LIST export holds exactly the list's members", list_export)

    def dated_list_export():
        dated = DatedHubSpot(access_token=token, base_url=base_url, max_retries=0, timeout=30.0)
        task = dated.crm.exports.create_async(
            export_type="LIST",
            list_id=str(list_id),
            format="CSV",
            export_name=f"dated list {marker}",
            language="EN",
            object_type="0-1",
            object_properties=["email"],
            associated_object_type=["COMPANY"],
            export_internal_values_options=[],
            include_labeled_associations=False,
            include_primary_display_property_for_associated_objects=True,
            override_associated_objects_per_definition_per_row_limit=False,
        )
        status = wait_until_done(lambda: dated.crm.exports.get_status(int(task.id)).to_dict())
        assert status["status"] == "COMPLETE", f"status {status}"
        rows = download_csv(status["result"])
        assert rows[0] == ["Record ID", "Email", "Associated Company IDs", "Associated Company"], f"header {rows[0]}"
        assert sorted(r[0] for r in rows[1:]) == contact_ids, f"rows {rows}"
        assert all(r[2] == company_id and r[3] == marker for r in rows[1:]), f"association columns {rows}"
        details = dated.crm.exports.get(int(task.id)).to_dict()
        assert details["exportType"] == "LIST" and details["recordCount"] == len(contact_ids), f"details {details}"

    c.check("hubspot-sdk: a LIST export with association columns, downloaded and compared", dated_list_export)
    c.finish()


if __name__ == "__main__":
    main()
