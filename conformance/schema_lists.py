"""Association labels and limits, and list operations, through ``hubspot-api-client``, unmodified.

Creates a custom contact -> company label (``crm.associations.v4.schema.definitions_api``),
associates a pair with it and reads the label back, renames and deletes it; sets, reads,
updates and purges an association limit (``…definition_configurations_api``) and sees it
refuse an association; then renames and restores a list (``crm.lists.lists_api``), files it
in folders (``folders_api``), reads a record's lists, copies, orders and clears members
(``memberships_api``) and maps legacy ids (``mapping_api``).
"""

from hubspot import HubSpot
from hubspot.crm import companies as hs_companies
from hubspot.crm import contacts as hs_contacts
from hubspot.crm.associations.v4 import models as assoc
from hubspot.crm.associations.v4.exceptions import ApiException as AssociationsError
from hubspot.crm.associations.v4.schema import models as schema
from hubspot.crm.lists import models as lists

from checks import Checks, env_or_exit, run_id


def main():
    base_url, token = env_or_exit()
    marker = run_id()
    client = HubSpot(access_token=token, host=base_url)
    c = Checks("schema+lists")
    definitions = client.crm.associations.v4.schema.definitions_api
    configurations = client.crm.associations.v4.schema.definition_configurations_api

    def create_records():
        people = client.crm.contacts.batch_api.create(
            batch_input_simple_public_object_batch_input_for_create=hs_contacts.BatchInputSimplePublicObjectBatchInputForCreate(
                inputs=[
                    hs_contacts.SimplePublicObjectBatchInputForCreate(properties={"email": f"{marker}-{i}@schema.example"})
                    for i in range(2)
                ]
            )
        )
        firms = [
            client.crm.companies.basic_api.create(
                simple_public_object_input_for_create=hs_companies.SimplePublicObjectInputForCreate(properties={"name": f"{marker} {i}"})
            ).id
            for i in range(2)
        ]
        return sorted(r.id for r in people.results), firms

    contact_ids, company_ids = c.check("create two contacts and two companies", create_records) or (["0", "0"], ["0", "0"])

    def create_label():
        made = definitions.create(
            from_object_type="contacts",
            to_object_type="companies",
            public_association_definition_create_request=schema.PublicAssociationDefinitionCreateRequest(
                label=f"Manager {marker}", name=f"manager_{marker}", inverse_label=f"Manages {marker}"
            ),
        )
        assert [t.category for t in made.results] == ["USER_DEFINED", "USER_DEFINED"], f"{made.results}"
        listed = definitions.get_all(from_object_type="companies", to_object_type="contacts")
        inverse = [t for t in listed.results if t.type_id == made.results[1].type_id]
        assert inverse and inverse[0].label == f"Manages {marker}", f"{listed.results}"
        return made.results[0].type_id

    type_id = c.check("definitions_api: create a paired label and list it from the other side", create_label)

    def associate_with_label():
        made = client.crm.associations.v4.basic_api.create(
            object_type="contacts",
            object_id=contact_ids[0],
            to_object_type="companies",
            to_object_id=company_ids[0],
            association_spec=[assoc.AssociationSpec(association_category="USER_DEFINED", association_type_id=type_id)],
        )
        assert made.labels == [f"Manager {marker}"], f"{made}"
        page = client.crm.associations.v4.basic_api.get_page(object_type="contacts", object_id=contact_ids[0], to_object_type="companies")
        types = page.results[0].association_types
        assert [(t.category, t.type_id, t.label) for t in types] == [("USER_DEFINED", type_id, f"Manager {marker}")], f"{types}"

    c.check("basic_api: an association made with the custom label reads back with it", associate_with_label)

    def limit_and_refuse():
        spec = dict(category="USER_DEFINED", type_id=type_id)
        created = configurations.batch_create(
            from_object_type="contacts",
            to_object_type="companies",
            batch_input_public_association_definition_configuration_create_request=schema.BatchInputPublicAssociationDefinitionConfigurationCreateRequest(
                inputs=[schema.PublicAssociationDefinitionConfigurationCreateRequest(max_to_object_ids=1, **spec)]
            ),
        )
        assert created.results[0].user_enforced_max_to_object_ids == 1, f"{created}"
        pair = configurations.get_all_between_two_object_types(from_object_type="contacts", to_object_type="companies")
        assert [(r.type_id, r.user_enforced_max_to_object_ids) for r in pair.results] == [(type_id, 1)], f"{pair}"
        everything = configurations.get_all()
        assert any(r.type_id == type_id for r in everything.results), f"{everything}"
        try:
            client.crm.associations.v4.basic_api.create(
                object_type="contacts",
                object_id=contact_ids[0],
                to_object_type="companies",
                to_object_id=company_ids[1],
                association_spec=[assoc.AssociationSpec(association_category="USER_DEFINED", association_type_id=type_id)],
            )
        except AssociationsError as exc:
            assert exc.status == 400, f"status {exc.status}"
        else:
            raise AssertionError("a second labeled company was accepted over the limit of 1")
        updated = configurations.batch_update(
            from_object_type="contacts",
            to_object_type="companies",
            batch_input_public_association_definition_configuration_update_request=schema.BatchInputPublicAssociationDefinitionConfigurationUpdateRequest(
                inputs=[schema.PublicAssociationDefinitionConfigurationUpdateRequest(max_to_object_ids=5, **spec)]
            ),
        )
        assert updated.results[0].user_enforced_max_to_object_ids == 5, f"{updated}"
        configurations.batch_remove(
            from_object_type="contacts",
            to_object_type="companies",
            batch_input_public_association_spec=schema.BatchInputPublicAssociationSpec(inputs=[schema.PublicAssociationSpec(**spec)]),
        )
        after = configurations.get_all_between_two_object_types(from_object_type="contacts", to_object_type="companies")
        assert after.results == [], f"{after}"

    c.check("definition_configurations_api: a limit is set, enforced, updated and purged", limit_and_refuse)

    def rename_and_delete_label():
        definitions.update(
            from_object_type="contacts",
            to_object_type="companies",
            public_association_definition_update_request=schema.PublicAssociationDefinitionUpdateRequest(
                association_type_id=type_id, label=f"Boss {marker}"
            ),
        )
        listed = definitions.get_all(from_object_type="contacts", to_object_type="companies")
        assert any(t.type_id == type_id and t.label == f"Boss {marker}" for t in listed.results), f"{listed}"
        definitions.remove(from_object_type="contacts", to_object_type="companies", association_type_id=type_id)
        listed = definitions.get_all(from_object_type="contacts", to_object_type="companies")
        assert all(t.type_id != type_id for t in listed.results), f"{listed}"

    c.check("definitions_api: rename the label, then delete it", rename_and_delete_label)

    lists_api = client.crm.lists.lists_api
    memberships = client.crm.lists.memberships_api
    folders = client.crm.lists.folders_api

    def rename_and_restore():
        made = lists_api.create(
            list_create_request=lists.ListCreateRequest(name=f"old {marker}", object_type_id="0-1", processing_type="MANUAL")
        )
        list_id = made.list.list_id
        memberships.add(list_id=list_id, request_body=contact_ids)
        renamed = lists_api.update_name(list_id=list_id, list_name=f"new {marker}")
        assert renamed.updated_list.name == f"new {marker}", f"{renamed}"
        lists_api.remove(list_id=list_id)
        lists_api.restore(list_id=list_id)
        back = lists_api.get_by_name(list_name=f"new {marker}", object_type_id="0-1")
        assert back.list.list_id == list_id and back.list.size == 2, f"{back}"
        return list_id

    list_id = c.check("lists_api: rename a list, delete it and restore it with its members", rename_and_restore)

    def file_in_folders():
        top = folders.create(list_folder_create_request=lists.ListFolderCreateRequest(name=f"top {marker}"))
        sub = folders.create(list_folder_create_request=lists.ListFolderCreateRequest(name=f"sub {marker}", parent_folder_id=str(top.folder.id)))
        folders.move_list(list_move_request=lists.ListMoveRequest(list_id=list_id, new_folder_id=str(sub.folder.id)))
        read = folders.get_all(folder_id=str(sub.folder.id))
        assert read.folder.child_lists == [int(list_id)], f"{read}"
        renamed = folders.rename(folder_id=str(top.folder.id), new_folder_name=f"renamed {marker}")
        assert renamed.folder.name == f"renamed {marker}" and renamed.folder.child_nodes[0].id == sub.folder.id, f"{renamed}"
        moved = folders.move(folder_id=str(sub.folder.id), new_parent_folder_id="0")
        assert moved.folder.parent_folder_id == 0, f"{moved}"
        folders.move_list(list_move_request=lists.ListMoveRequest(list_id=list_id, new_folder_id="0"))
        folders.remove(folder_id=str(sub.folder.id))
        folders.remove(folder_id=str(top.folder.id))
        root = folders.get_all()
        assert all(f.id not in (top.folder.id, sub.folder.id) for f in root.folder.child_nodes), f"{root}"

    c.check("folders_api: create, file a list, rename, move and delete folders", file_in_folders)

    def memberships_round():
        held = memberships.get_lists(object_type_id="0-1", record_id=contact_ids[0])
        assert list_id in [m.list_id for m in held.results], f"{held}"
        copy = lists_api.create(
            list_create_request=lists.ListCreateRequest(name=f"copy {marker}", object_type_id="0-1", processing_type="MANUAL")
        ).list.list_id
        memberships.add_all_from_list(list_id=copy, source_list_id=list_id)
        first = memberships.get_page_ordered_by_added_to_list_date(list_id=copy, limit=1)
        rest = memberships.get_page_ordered_by_added_to_list_date(list_id=copy, after=first.paging.next.after)
        seen = sorted([m.record_id for m in first.results] + [m.record_id for m in rest.results])
        assert seen == contact_ids, f"{seen}"
        memberships.remove_all(list_id=copy)
        assert lists_api.get_by_id(list_id=copy).list.size == 0

    c.check("memberships_api: a record's lists, add-from, join order, remove all", memberships_round)

    def legacy_ids():
        mapped = client.crm.lists.mapping_api.translate_legacy_list_id_to_list_id_batch(request_body=["123", "456"])
        assert mapped.legacy_list_ids_to_ids_mapping == [] and mapped.missing_legacy_list_ids == ["123", "456"], f"{mapped}"

    c.check("mapping_api: legacy ids map to no list here", legacy_ids)
    c.finish()


if __name__ == "__main__":
    main()
