"""Pipelines, merges and GDPR deletes through both SDKs, unmodified.

``hubspot-api-client``: creates a deal pipeline with stages (``crm.pipelines.pipelines_api``),
reads, renames and replaces it, adds, changes and deletes a stage
(``pipeline_stages_api``), reads both audits (``pipeline_audits_api``,
``pipeline_stage_audits_api``), creates a deal in the new stage and exports it with the
stage's label; merges two contacts and two companies (``basic_api.merge``) and deletes a
contact for good (``contacts.basic_api.purge``). ``hubspot-sdk``: creates and deletes a ticket
pipeline, merges contacts and GDPR-deletes one on the dated paths.
"""

import json
import urllib.request

from hubspot import HubSpot
from hubspot.crm import companies as hs_companies
from hubspot.crm import contacts as hs_contacts
from hubspot.crm import deals as hs_deals
from hubspot.crm.exports.models import PublicExportRequest
from hubspot.crm.pipelines import ApiException as PipelinesApiException
from hubspot.crm.pipelines.models import (
    PipelineInput,
    PipelinePatchInput,
    PipelineStageInput,
    PipelineStagePatchInput,
)
from hubspot_sdk import HubSpot as DatedHubSpot
from hubspot_sdk import NotFoundError

from checks import Checks, env_or_exit, require, run_id
from exports import download_csv, wait_until_done


def deal_stage(label, order, probability):
    return PipelineStageInput(label=label, display_order=order, metadata={"probability": str(probability)})


def get_json(base_url, token, path):
    request = urllib.request.Request(base_url + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def pipeline_checks(client, c, marker, base_url, token):
    api = client.crm.pipelines

    def create():
        made = api.pipelines_api.create(
            object_type="deals",
            pipeline_input=PipelineInput(
                label=f"Renewals {marker}", display_order=5, stages=[deal_stage("Asked", 0, 0.2), deal_stage("Renewed", 1, 1.0)]
            ),
        )
        assert made.id != "default" and [s.label for s in made.stages] == ["Asked", "Renewed"], made
        assert made.stages[1].metadata["probability"] == "1.0", made.stages[1].metadata
        assert api.pipelines_api.get_by_id(object_type="deals", pipeline_id=made.id).label == made.label
        return made

    made = c.check("pipelines_api.create and get_by_id: a deal pipeline with two stages", create)

    def change():
        pipeline = require(made, "create")
        renamed = api.pipelines_api.update(
            object_type="deals", pipeline_id=pipeline.id, pipeline_patch_input=PipelinePatchInput(label=f"Renewal {marker}")
        )
        assert renamed.label == f"Renewal {marker}", renamed
        kept = pipeline.stages[0].id
        stage = api.pipeline_stages_api.create(
            object_type="deals", pipeline_id=pipeline.id, pipeline_stage_input=deal_stage("Chased", 2, 0.4)
        )
        patched = api.pipeline_stages_api.update(
            object_type="deals",
            pipeline_id=pipeline.id,
            stage_id=stage.id,
            pipeline_stage_patch_input=PipelineStagePatchInput(label="Chased twice"),
        )
        assert patched.label == "Chased twice" and patched.display_order == 2, patched
        api.pipeline_stages_api.archive(object_type="deals", pipeline_id=pipeline.id, stage_id=stage.id)
        stages = api.pipeline_stages_api.get_all(object_type="deals", pipeline_id=pipeline.id).results
        assert [s.id for s in stages] == [kept, pipeline.stages[1].id], stages
        audit = api.pipeline_audits_api.get_audit(object_type="deals", pipeline_id=pipeline.id).results
        assert [a.action for a in audit] == ["CREATE", "UPDATE"], audit
        # The SDK's stage audit call leaves {pipelineId} out of its path, so this one is plain HTTP.
        stage_audit = get_json(base_url, token, f"/crm/v3/pipelines/deals/{pipeline.id}/stages/{stage.id}/audit")["results"]
        assert [a["action"] for a in stage_audit] == ["CREATE", "UPDATE", "DELETE"], stage_audit

    c.check("rename, add/patch/delete a stage, and read the audits", change)

    def export_label():
        pipeline = require(made, "create")
        renewed = pipeline.stages[1].id
        client.crm.deals.basic_api.create(
            simple_public_object_input_for_create=hs_deals.SimplePublicObjectInputForCreate(
                properties={"dealname": f"deal {marker}", "pipeline": pipeline.id, "dealstage": renewed}
            )
        )
        request = PublicExportRequest(
            export_type="VIEW",
            export_name=f"renewals {marker}",
            format="CSV",
            object_type="DEAL",
            object_properties=["dealname", "pipeline", "dealstage"],
            language="EN",
            public_crm_search_request={
                "filters": [{"propertyName": "dealname", "operator": "EQ", "value": f"deal {marker}"}]
            },
        )
        task = client.crm.exports.public_exports_api.start(public_export_request=request)
        status = wait_until_done(lambda: client.crm.exports.public_exports_api.get_status(task_id=int(task.id)).to_dict())
        assert status["status"] == "COMPLETE", status
        rows = download_csv(status["result"])
        assert rows[1][1:] == [f"deal {marker}", f"Renewal {marker}", "Renewed"], rows

    c.check("an export of a deal in the new pipeline shows its pipeline and stage labels", export_label)

    def refused():
        try:
            api.pipelines_api.create(
                object_type="deals",
                pipeline_input=PipelineInput(
                    label=f"No odds {marker}",
                    display_order=0,
                    stages=[PipelineStageInput(label="S", display_order=0, metadata={})],
                ),
            )
        except PipelinesApiException as exc:
            assert exc.status == 400, exc.status
            return
        raise AssertionError("a deal stage without probability was accepted")

    c.check("a deal stage without probability is a 400", refused)


def contact(client, properties):
    return client.crm.contacts.basic_api.create(
        simple_public_object_input_for_create=hs_contacts.SimplePublicObjectInputForCreate(properties=properties)
    ).id


def merge_checks(client, c, marker):
    def contacts_merge():
        primary = contact(client, {"email": f"keep.{marker}@merge.example", "firstname": "Kim"})
        merged = contact(client, {"email": f"old.{marker}@merge.example", "lastname": marker})
        result = client.crm.contacts.basic_api.merge(
            public_merge_input=hs_contacts.PublicMergeInput(primary_object_id=primary, object_id_to_merge=merged)
        )
        assert result.id == primary and result.properties["lastname"] == marker, result
        again = client.crm.contacts.basic_api.get_by_id(contact_id=merged)
        assert again.id == primary, again

    c.check("contacts.basic_api.merge keeps the primary and fills its gaps", contacts_merge)

    def companies_merge():
        made = [
            client.crm.companies.basic_api.create(
                simple_public_object_input_for_create=hs_companies.SimplePublicObjectInputForCreate(properties=p)
            ).id
            for p in ({"name": f"A {marker}"}, {"name": f"B {marker}", "domain": f"{marker}.example"})
        ]
        result = client.crm.companies.basic_api.merge(
            public_merge_input=hs_companies.PublicMergeInput(primary_object_id=made[0], object_id_to_merge=made[1])
        )
        assert result.id == made[0] and result.properties["domain"] == f"{marker}.example", result

    c.check("companies.basic_api.merge", companies_merge)

    def purge():
        gone = contact(client, {"email": f"gdpr.{marker}@merge.example"})
        client.crm.contacts.basic_api.purge(
            public_gdpr_delete_input=hs_contacts.PublicGdprDeleteInput(object_id=f"gdpr.{marker}@merge.example", id_property="email")
        )
        for archived in (False, True):
            try:
                client.crm.contacts.basic_api.get_by_id(contact_id=gone, archived=archived)
            except hs_contacts.ApiException as exc:
                assert exc.status == 404, exc.status
                continue
            raise AssertionError(f"the purged contact still reads (archived={archived})")

    c.check("contacts.basic_api.purge deletes for good (not even archived)", purge)


def dated_checks(client, c, marker):
    def tickets_pipeline():
        made = client.crm.pipelines.create(
            "tickets",
            display_order=9,
            label=f"Escalations {marker}",
            stages=[
                {"label": "Raised", "display_order": 0, "metadata": {"ticketState": "OPEN"}},
                {"label": "Solved", "display_order": 1, "metadata": {"ticketState": "CLOSED"}},
            ],
        )
        assert made.stages[1].metadata["ticketState"] == "CLOSED", made.stages
        audit = client.crm.pipelines.list_audit(made.id, object_type="tickets")
        assert [a.action for a in audit.results] == ["CREATE"], audit
        client.crm.pipelines.delete(made.id, object_type="tickets")
        try:
            client.crm.pipelines.get(made.id, object_type="tickets")
        except NotFoundError:
            return
        raise AssertionError("the deleted pipeline still reads")

    c.check("hubspot-sdk: a ticket pipeline created, audited and deleted", tickets_pipeline)

    def merge_and_delete():
        made = [
            client.crm.objects.contacts.create(properties={"email": f"{n}.{marker}@dated.example"}, associations=[]).id
            for n in ("keep", "old")
        ]
        merged = client.crm.objects.contacts.merge(primary_object_id=made[0], object_id_to_merge=made[1])
        assert merged.id == made[0], merged
        client.crm.objects.contacts.gdpr_delete(object_id=made[0])
        try:
            client.crm.objects.contacts.get(made[0])
        except NotFoundError:
            return
        raise AssertionError("the GDPR-deleted contact still reads")

    c.check("hubspot-sdk: contacts merge and gdpr_delete", merge_and_delete)


def main():
    base_url, token = env_or_exit()
    marker = run_id()
    c = Checks("pipelines, merges")
    client = HubSpot(access_token=token, host=base_url)
    pipeline_checks(client, c, marker, base_url, token)
    merge_checks(client, c, marker)
    dated_checks(DatedHubSpot(access_token=token, base_url=base_url, max_retries=0, timeout=30.0), c, marker)
    c.finish()


if __name__ == "__main__":
    main()
