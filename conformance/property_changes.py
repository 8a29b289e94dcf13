"""Property and group changes, and the schemas batch read, through both official SDKs.

``hubspot-api-client`` (``/crm/v3/properties``): ``crm.properties.core_api.update`` and
``archive``, ``batch_api.archive``, ``groups_api.update`` and ``archive``.
``hubspot-sdk`` (``/crm/properties/2026-03``, ``/crm-object-schemas/2026-03``):
``crm.properties.update`` and ``delete``, ``crm.properties.batch.delete``,
``crm.properties.groups.update`` and ``delete``, ``crm.object_schemas.batch.get``. Each
change is read back through the same SDK; a HubSpot default property cannot be archived.

Environment: CRM_EXPORTS_BASE_URL and CRM_EXPORTS_TOKEN.
"""

from hubspot import HubSpot
from hubspot.crm.properties import (
    ApiException as PropertiesApiException,
    BatchInputPropertyName,
    PropertyCreate,
    PropertyGroupCreate,
    PropertyGroupUpdate,
    PropertyName,
    PropertyUpdate,
)
from hubspot_sdk import BadRequestError
from hubspot_sdk import HubSpot as DatedHubSpot

from checks import Checks, env_or_exit, run_id


def legacy_checks(c, client, run):
    core = client.crm.properties.core_api
    groups = client.crm.properties.groups_api
    name, group = f"tier_{run}", f"extras_{run}"

    def update_and_archive():
        groups.create("contacts", property_group_create=PropertyGroupCreate(name=group, label="Extras"))
        core.create(
            "contacts",
            property_create=PropertyCreate(
                name=name, label="Tier", type="string", field_type="text", group_name="contactinformation"
            ),
        )
        updated = core.update(
            "contacts", name, property_update=PropertyUpdate(label="Customer tier", group_name=group)
        )
        assert updated.label == "Customer tier" and updated.group_name == group, f"update answered {updated}"
        read = core.get_by_name("contacts", name)
        assert read.label == "Customer tier", f"read back {read.label!r}"
        core.update("contacts", name, property_update=PropertyUpdate(group_name="contactinformation"))
        renamed = groups.update("contacts", group, property_group_update=PropertyGroupUpdate(label="More"))
        assert renamed.label == "More", f"group update answered {renamed}"
        groups.archive("contacts", group)
        names = [g.name for g in groups.get_all("contacts").results]
        assert group not in names, "the archived group is still listed"
        core.archive("contacts", name)
        live = [p.name for p in core.get_all("contacts").results]
        assert name not in live, "the archived property is still listed"
        archived = [p.name for p in core.get_all("contacts", archived=True).results]
        assert name in archived, "the archived property is not in the archived listing"

    c.check("hubspot-api-client: core_api.update/archive, groups_api.update/archive", update_and_archive)

    def batch_archive():
        other = f"tier_b_{run}"
        core.create(
            "contacts",
            property_create=PropertyCreate(
                name=other, label="B", type="string", field_type="text", group_name="contactinformation"
            ),
        )
        inputs = BatchInputPropertyName(inputs=[PropertyName(name=other), PropertyName(name=f"never_{run}")])
        client.crm.properties.batch_api.archive("contacts", batch_input_property_name=inputs)
        live = [p.name for p in core.get_all("contacts").results]
        assert other not in live, "batch archive left the property live"

    c.check("hubspot-api-client: batch_api.archive (unknown names are fine)", batch_archive)

    def default_refused():
        try:
            core.archive("contacts", "email")
        except PropertiesApiException as exc:
            assert exc.status == 400, f"want 400, got {exc.status}: {exc.body}"
            return
        raise AssertionError("a default property was archived")

    c.check("hubspot-api-client: archiving a default property is 400", default_refused)


def dated_checks(c, client, run):
    properties = client.crm.properties
    name, group = f"dtier_{run}", f"dextras_{run}"

    def update_and_delete():
        properties.groups.create("contacts", name=group, label="Extras")
        properties.create(
            "contacts", name=name, label="Tier", type="string", field_type="text", group_name="contactinformation"
        )
        updated = properties.update(name, object_type="contacts", label="Customer tier", description="d")
        assert updated.label == "Customer tier" and updated.description == "d", f"update answered {updated}"
        renamed = properties.groups.update(group, object_type="contacts", label="More", display_order=2)
        assert renamed.label == "More", f"group update answered {renamed}"
        properties.groups.delete(group, object_type="contacts")
        properties.delete(name, object_type="contacts")
        live = [p.name for p in properties.list("contacts").results]
        assert name not in live, "the deleted property is still listed"

    c.check("hubspot-sdk: properties.update/delete, groups.update/delete", update_and_delete)

    def batch_delete():
        other = f"dtier_b_{run}"
        properties.create(
            "contacts", name=other, label="B", type="string", field_type="text", group_name="contactinformation"
        )
        properties.batch.delete("contacts", inputs=[{"name": other}])
        live = [p.name for p in properties.list("contacts").results]
        assert other not in live, "batch delete left the property live"

    c.check("hubspot-sdk: properties.batch.delete", batch_delete)

    def default_refused():
        try:
            properties.delete("email", object_type="contacts")
        except BadRequestError as exc:
            assert exc.status_code == 400
            return
        raise AssertionError("a default property was deleted")

    c.check("hubspot-sdk: deleting a default property is 400", default_refused)

    def schemas_batch():
        created = client.post(
            "/crm-object-schemas/2026-03/schemas",
            cast_to=object,
            body={
                "name": f"gadget_{run}",
                "labels": {"singular": "Gadget", "plural": "Gadgets"},
                "primaryDisplayProperty": "model",
                "properties": [{"name": "model", "label": "Model"}],
            },
        )
        type_id = created["objectTypeId"]
        found = client.crm.object_schemas.batch.get(
            inputs=[type_id, f"missing_{run}"],
            include_association_definitions=True,
            include_audit_metadata=False,
            include_property_definitions=True,
        )
        ids = [s.object_type_id for s in found.results]
        assert ids == [type_id], f"batch read answered {ids}"

    c.check("hubspot-sdk: object_schemas.batch.get", schemas_batch)


def main():
    base_url, token = env_or_exit()
    run = run_id()
    c = Checks("property-changes")
    legacy_checks(c, HubSpot(access_token=token, host=base_url), run)
    dated_checks(c, DatedHubSpot(access_token=token, base_url=base_url, max_retries=0, timeout=30.0), run)
    c.finish()


if __name__ == "__main__":
    main()
