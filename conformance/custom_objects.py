"""Custom objects and list search through ``hubspot-api-client``, unmodified.

Defines a custom object schema associated with contacts (``crm.schemas.core_api``), reads it
back by id and in the list of schemas, creates records of it (``crm.objects.basic_api``),
searches them, links one to a contact in batch with the USER_DEFINED type the labels
endpoint names, exports the custom object with its contacts, and finds a list through
``crm.lists.lists_api.do_search``.
"""

from hubspot import HubSpot
from hubspot.crm import contacts as hs_contacts
from hubspot.crm import objects as hs_objects
from hubspot.crm.associations.v4 import models as assoc
from hubspot.crm.exports.models import PublicExportRequest
from hubspot.crm.lists.models import ListCreateRequest, ListSearchRequest
from hubspot.crm.schemas.models import ObjectSchemaEgg, ObjectTypeDefinitionLabels, ObjectTypePropertyCreate

from checks import Checks, env_or_exit, run_id
from exports import download_csv, wait_until_done


def main():
    base_url, token = env_or_exit()
    marker = run_id()
    client = HubSpot(access_token=token, host=base_url)
    c = Checks("custom objects")
    name = f"boats_{marker}"

    def define():
        egg = ObjectSchemaEgg(
            name=name,
            labels=ObjectTypeDefinitionLabels(singular="Boat", plural="Boats"),
            primary_display_property="hull",
            required_properties=["hull"],
            searchable_properties=["hull"],
            secondary_display_properties=[],
            properties=[
                ObjectTypePropertyCreate(name="hull", label="Hull", type="string", field_type="text"),
                ObjectTypePropertyCreate(name="length", label="Length", type="number", field_type="number"),
            ],
            associated_objects=["CONTACT"],
        )
        schema = client.crm.schemas.core_api.create(object_schema_egg=egg)
        assert schema.object_type_id.startswith("2-"), f"objectTypeId {schema.object_type_id}"
        assert schema.fully_qualified_name.endswith(f"_{name}"), schema.fully_qualified_name
        assert {"hull", "length", "hs_object_id"} <= {p.name for p in schema.properties}
        assert schema.associations[0].to_object_type_id == "0-1", schema.associations
        return schema.object_type_id

    boats = c.check("crm.schemas.core_api.create: a schema associated with contacts", define)
    if boats is None:
        c.finish()
        return

    def read_back():
        one = client.crm.schemas.core_api.get_by_id(object_type=boats)
        assert one.labels.plural == "Boats", one.labels
        every = client.crm.schemas.core_api.get_all()
        assert boats in [s.object_type_id for s in every.results], every.results

    c.check("get_by_id and get_all return the schema", read_back)

    def records():
        ids = []
        for hull, length in (("Dinghy", "3"), ("Ketch", "14")):
            made = client.crm.objects.basic_api.create(
                object_type=boats,
                simple_public_object_input_for_create=hs_objects.SimplePublicObjectInputForCreate(
                    properties={"hull": hull, "length": length}
                ),
            )
            ids.append(made.id)
        found = client.crm.objects.search_api.do_search(
            object_type=name,
            public_object_search_request=hs_objects.PublicObjectSearchRequest(
                filter_groups=[
                    hs_objects.FilterGroup(filters=[hs_objects.Filter(property_name="length", operator="GT", value="10")])
                ],
                properties=["hull"],
            ),
        )
        assert [r.id for r in found.results] == [ids[1]], found.results
        assert found.results[0].properties["hull"] == "Ketch"
        return ids

    boat_ids = c.check("records of the custom object: create by id, search by name", records) or []

    def associate():
        person = client.crm.contacts.basic_api.create(
            simple_public_object_input_for_create=hs_contacts.SimplePublicObjectInputForCreate(
                properties={"email": f"{marker}@boats.example"}
            )
        )
        labels = client.crm.associations.v4.schema.definitions_api.get_all(from_object_type=boats, to_object_type="contacts")
        kind = labels.results[0]
        assert kind.category == "USER_DEFINED", labels.results
        client.crm.associations.v4.batch_api.create(
            from_object_type=boats,
            to_object_type="contacts",
            batch_input_public_association_multi_post=assoc.BatchInputPublicAssociationMultiPost(
                inputs=[
                    assoc.PublicAssociationMultiPost(
                        _from=assoc.PublicObjectId(id=boat_ids[0]),
                        to=assoc.PublicObjectId(id=person.id),
                        types=[assoc.AssociationSpec(association_category="USER_DEFINED", association_type_id=kind.type_id)],
                    )
                ]
            ),
        )
        page = client.crm.associations.v4.batch_api.get_page(
            from_object_type="contacts",
            to_object_type=boats,
            batch_input_public_fetch_associations_batch_request=assoc.BatchInputPublicFetchAssociationsBatchRequest(
                inputs=[assoc.PublicFetchAssociationsBatchRequest(id=person.id)]
            ),
        )
        assert [str(t.to_object_id) for t in page.results[0].to] == [boat_ids[0]], page.results
        return person.id

    person_id = c.check("a USER_DEFINED association made in batch reads back from the contact", associate)

    def export():
        request = PublicExportRequest(
            export_type="VIEW",
            format="CSV",
            export_name=f"boats {marker}",
            object_properties=["hull", "length"],
            object_type=boats,
            associated_object_type=["CONTACT"],
            language="EN",
        )
        task = client.crm.exports.public_exports_api.start(public_export_request=request)
        status = wait_until_done(lambda: client.crm.exports.public_exports_api.get_status(task_id=int(task.id)).to_dict())
        assert status["status"] == "COMPLETE", f"status {status}"
        rows = download_csv(status["result"])
        assert rows[0] == ["Record ID", "Hull", "Length", "Associated Contact IDs", "Associated Contact"], rows[0]
        by_id = {r[0]: r for r in rows[1:]}
        assert sorted(by_id) == sorted(boat_ids), rows
        assert by_id[boat_ids[0]][3:] == [person_id, f"{marker}@boats.example"], rows

    c.check("an export of the custom object with its contacts", export)

    def search_lists():
        made = client.crm.lists.lists_api.create(
            list_create_request=ListCreateRequest(name=f"boats {marker}", object_type_id=boats, processing_type="MANUAL")
        )
        client.crm.lists.memberships_api.add(list_id=made.list.list_id, request_body=boat_ids)
        found = client.crm.lists.lists_api.do_search(list_search_request=ListSearchRequest(query=marker, count=10))
        assert [l.list_id for l in found.lists] == [made.list.list_id], found.lists
        assert found.lists[0].additional_properties["hs_list_size"] == str(len(boat_ids)), found.lists[0]
        assert found.total == 1 and not found.has_more, found

    c.check("crm.lists.lists_api.do_search finds a list of the custom object", search_lists)
    c.finish()


if __name__ == "__main__":
    main()
