"""Association labels and limits, and list operations, through ``hubspot-sdk`` in strict mode.

The dated twin of ``schema_lists.py``: every call goes through the Stainless SDK's own
resources (``crm.associations_schema.labels`` and ``.limits``, ``crm.associations``,
``crm.lists``) on the ``2026-03`` paths, with ``_strict_response_validation=True`` so an
answer that does not fit the SDK's models fails the check. It creates a custom contact ->
company label, associates a pair with it, renames and deletes it; sets, reads, updates and
purges a limit; renames, deletes and restores a list, files it in folders, reads a record's
lists one at a time and batched (an operation only this SDK has), copies, orders and clears
members, and maps legacy list ids.
"""

from hubspot_sdk import HubSpot, NotFoundError

from checks import Checks, env_or_exit, require, run_id

CONTACT, COMPANY = "0-1", "0-2"


def main():
    base_url, token = env_or_exit()
    marker = run_id()
    client = HubSpot(
        access_token=token, base_url=base_url, max_retries=0, timeout=30.0,
        _strict_response_validation=True,
    )
    lenient = HubSpot(access_token=token, base_url=base_url, max_retries=0, timeout=30.0)
    c = Checks("dated labels+lists")
    labels = client.crm.associations_schema.labels
    limits = client.crm.associations_schema.limits
    lists = client.crm.lists

    def create_records():
        people = [
            client.crm.objects.contacts.create(
                properties={"email": f"{marker}-{i}@dated-lists.example"}, associations=[]
            ).id
            for i in range(3)
        ]
        firm = client.crm.objects.companies.create(properties={"name": f"Firm {marker}"}, associations=[]).id
        return people, firm

    made = c.check("create three contacts and a company", create_records)

    def create_label():
        answer = labels.create_label(
            COMPANY, from_object_type=CONTACT, label=f"Mentor {marker}", name=f"mentor_{marker}",
            inverse_label=f"Mentee {marker}",
        )
        kinds = {r.label: r for r in answer.results}
        assert f"Mentor {marker}" in kinds and f"Mentee {marker}" in kinds, answer.results
        mentor = kinds[f"Mentor {marker}"]
        assert mentor.category == "USER_DEFINED", mentor
        listed = labels.list_labels(COMPANY, from_object_type=CONTACT)
        assert any(r.type_id == mentor.type_id for r in listed.results), listed.results
        return mentor.type_id

    type_id = c.check("associations_schema.labels.create_label and list_labels", create_label)

    def associate_with_label():
        people, firm = require(made, "creating records")
        mentor = require(type_id, "creating the label")
        pair = client.crm.associations.update_labels(
            str(firm), object_type="contacts", object_id=str(people[0]), to_object_type="companies",
            body=[{"associationCategory": "USER_DEFINED", "associationTypeId": mentor}],
        )
        assert any(label == f"Mentor {marker}" for label in pair.labels), pair
        # Read back without strict validation: HubSpot's live API sends `toObjectId` as a JSON
        # number, as this server does, where the SDK's model says string.
        page = lenient.crm.associations.list("companies", object_type="contacts", object_id=str(people[0]))
        types = [t.label for r in page.results for t in r.association_types]
        assert f"Mentor {marker}" in types, page.results

    c.check("associations.update_labels with the custom label, read back by associations.list",
            associate_with_label)

    def rename_and_delete_label():
        mentor = require(type_id, "creating the label")
        labels.update_label(COMPANY, from_object_type=CONTACT, association_type_id=mentor, label=f"Coach {marker}")
        listed = labels.list_labels(COMPANY, from_object_type=CONTACT)
        assert any(r.type_id == mentor and r.label == f"Coach {marker}" for r in listed.results), listed.results
        labels.delete_label(mentor, from_object_type=CONTACT, to_object_type=COMPANY)
        listed = labels.list_labels(COMPANY, from_object_type=CONTACT)
        assert all(r.type_id != mentor for r in listed.results), listed.results

    c.check("associations_schema.labels.update_label and delete_label", rename_and_delete_label)

    def limits_round_trip():
        created = labels.batch_create(
            COMPANY, from_object_type=CONTACT,
            inputs=[{"category": "HUBSPOT_DEFINED", "typeId": 279, "maxToObjectIds": 3}],
        )
        assert created.status == "COMPLETE", created
        pair = limits.get_by_object_types(COMPANY, from_object_type=CONTACT)
        assert any(r.type_id == 279 and r.user_enforced_max_to_object_ids == 3 for r in pair.results), pair
        limits.batch_update(
            COMPANY, from_object_type=CONTACT,
            inputs=[{"category": "HUBSPOT_DEFINED", "typeId": 279, "maxToObjectIds": 5}],
        )
        everything = limits.list()
        assert any(r.type_id == 279 and r.user_enforced_max_to_object_ids == 5
                   for r in everything.results), everything
        limits.batch_delete(COMPANY, from_object_type=CONTACT, inputs=[{"category": "HUBSPOT_DEFINED", "typeId": 279}])
        pair = limits.get_by_object_types(COMPANY, from_object_type=CONTACT)
        assert all(r.type_id != 279 for r in pair.results), pair

    c.check("limits: labels.batch_create, get_by_object_types, batch_update, list, batch_delete",
            limits_round_trip)

    def new_list(name):
        return lists.create(name=name, object_type_id=CONTACT, processing_type="MANUAL").list.list_id

    def rename_delete_restore():
        list_id = new_list(f"old {marker}")
        renamed = lists.update_list_name(list_id, list_name=f"new {marker}")
        assert renamed.updated_list.name == f"new {marker}", renamed
        lists.delete(list_id)
        try:
            lists.get(list_id)
            raise AssertionError("a deleted list still reads")
        except NotFoundError:
            pass
        lists.restore(list_id)
        assert lists.get(list_id).list.name == f"new {marker}"
        return list_id

    list_id = c.check("lists.update_list_name, delete, restore", rename_delete_restore)

    def folders():
        lid = require(list_id, "the list")
        top = lists.create_folder(name=f"top {marker}").folder
        sub = lists.create_folder(name=f"sub {marker}", parent_folder_id=str(top.id)).folder
        lists.move_list(list_id=lid, new_folder_id=str(sub.id))
        tree = lists.list_folders(folder_id=str(sub.id)).folder
        assert [str(child) for child in tree.child_lists] == [lid], tree
        renamed = lists.rename_folder(str(sub.id), new_folder_name=f"renamed {marker}").folder
        assert renamed.name == f"renamed {marker}", renamed
        moved = lists.move_folder("0", folder_id=str(sub.id)).folder
        assert str(moved.parent_folder_id) == "0", moved
        lists.move_list(list_id=lid, new_folder_id="0")
        lists.delete_folder(str(sub.id))
        lists.delete_folder(str(top.id))

    c.check("lists folders: create_folder, move_list, list_folders, rename_folder, move_folder, delete_folder",
            folders)

    def memberships():
        people, _ = require(made, "creating records")
        lid = require(list_id, "the list")
        added = lists.add_memberships(lid, body=[str(p) for p in people])
        assert sorted(added.records_ids_added) == sorted(str(p) for p in people), added
        one = lists.get_record_memberships(str(people[0]), object_type_id=CONTACT)
        assert lid in [str(m.list_id) for m in one.results], one
        batch = lists.batch_read_memberships(
            inputs=[{"objectTypeId": CONTACT, "recordId": str(p)} for p in people[:2]]
        )
        assert len(batch.results) == 2, batch
        assert all(lid in [str(m.list_id) for m in r.record_list_memberships] for r in batch.results), batch
        copy = new_list(f"copy {marker}")
        lists.add_memberships_from(lid, list_id=copy)
        ordered = [m.record_id for m in lists.get_memberships_join_order(copy, limit=2)]
        assert sorted(ordered) == sorted(str(p) for p in people), ordered
        lists.delete_memberships(copy)
        assert list(lists.list_memberships(copy)) == []

    c.check("lists memberships: get_record_memberships, batch_read_memberships, add_memberships_from, "
            "get_memberships_join_order, delete_memberships", memberships)

    def id_mapping():
        mapped = lists.create_id_mapping(body=["123", "456"])
        assert sorted(mapped.missing_legacy_list_ids) == ["123", "456"], mapped
        try:
            lists.get_id_mapping(legacy_list_id="123")
            raise AssertionError("a legacy id without a list was found")
        except NotFoundError:
            pass

    c.check("lists.create_id_mapping and get_id_mapping", id_mapping)
    c.finish()


if __name__ == "__main__":
    main()
