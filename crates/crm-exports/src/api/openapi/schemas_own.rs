//! The component schemas of this service's own operations: the private-app token lookup
//! (HubSpot's, but not in its CRM specs) and the admin API under `/_crm-exports`
//! (portals, reset, clock, faults, fixture loads, snapshots; the fixture file itself is
//! `schemas_fixtures`), with the fields `api::token_info`
//! and `api::admin` write. Bodies the admin handlers parse strictly are closed here too.

use serde_json::{Map, Value as Json, json};

use super::schemas::{
    array, closed, flag, named, number, object, one_of, reference, strings, text, time,
};

/// Every schema of this service's own operations, by name.
pub fn all() -> Map<String, Json> {
    let mut schemas = portals();
    schemas.extend(faults());
    schemas.extend(fixture_loads());
    schemas.extend(super::schemas_fixtures::all());
    schemas.extend(snapshots());
    schemas
}

fn nullable_number() -> Json {
    json!({ "type": ["integer", "null"] })
}

fn portals() -> Map<String, Json> {
    let clock_modes = one_of(&["fixed", "system"]);
    named(vec![
        (
            "AccessTokenInfoRequest",
            object(json!({ "tokenKey": text() }), &["tokenKey"]),
        ),
        (
            "AccessTokenInfo",
            object(
                json!({ "hubId": number(), "appId": number(), "scopes": strings() }),
                &["hubId", "appId", "scopes"],
            ),
        ),
        (
            "AdminPortalCreate",
            closed(json!({ "admin": flag(), "tokenName": text() }), &[]),
        ),
        (
            "AdminPortal",
            object(
                json!({ "portalId": number(), "token": text(), "tokenId": number(), "scopes": strings() }),
                &["portalId", "token", "tokenId", "scopes"],
            ),
        ),
        (
            "AdminPortalReset",
            object(
                json!({ "portalId": number(), "removedExports": number() }),
                &["portalId", "removedExports"],
            ),
        ),
        (
            "AdminClock",
            object(
                json!({ "now": time(), "epochMillis": number(), "mode": clock_modes }),
                &["now", "epochMillis", "mode"],
            ),
        ),
        (
            "AdminClockChange",
            closed(
                json!({
                    "advanceBy": { "type": "string", "description": "an ISO 8601 duration: PT6M, P1DT2H" },
                    "set": { "type": "string", "description": "an RFC 3339 time to fix the clock at" },
                }),
                &[],
            ),
        ),
    ])
}

fn faults() -> Map<String, Json> {
    let matches = closed(
        json!({ "method": text(), "path": text(), "portalId": number() }),
        &[],
    );
    let effect = closed(
        json!({
            "status": { "type": "integer", "enum": [429, 500, 502, 503] }, "policy": text(),
            "latencyMs": number(), "dropConnection": flag(),
        }),
        &[],
    );
    // One of: `{"fail": reason}`, `{"cancel": true}`, `{"stallAfterRows": n}`,
    // `{"rowsPerSecond": n}`.
    let mut export = closed(
        json!({ "fail": text(), "cancel": flag(), "stallAfterRows": number(), "rowsPerSecond": number() }),
        &[],
    );
    export["minProperties"] = json!(1);
    export["maxProperties"] = json!(1);
    let rule = json!({
        "match": reference("AdminFaultMatch"), "effect": reference("AdminFaultEffect"),
        "times": number(), "probability": { "type": "number" }, "seed": number(),
    });
    let mut active = rule.clone();
    active["id"] = number();
    active["remaining"] = nullable_number();
    let mut create = rule;
    create["export"] = reference("AdminExportFaultKind");
    create["portalId"] = number();
    let export_fault = object(
        json!({ "portalId": number(), "export": reference("AdminExportFaultKind") }),
        &["portalId", "export"],
    );
    named(vec![
        ("AdminFaultMatch", matches),
        ("AdminFaultEffect", effect),
        ("AdminExportFaultKind", export),
        (
            "AdminFaultRule",
            object(active, &["id", "match", "effect", "remaining"]),
        ),
        ("AdminExportFault", export_fault),
        ("AdminFaultCreate", closed(create, &[])),
        (
            "AdminFault",
            json!({ "anyOf": [reference("AdminFaultRule"), reference("AdminExportFault")] }),
        ),
        (
            "AdminFaults",
            object(
                json!({ "rules": array(reference("AdminFaultRule")), "exports": array(reference("AdminExportFault")) }),
                &["rules", "exports"],
            ),
        ),
    ])
}

fn fixture_loads() -> Map<String, Json> {
    named(vec![(
        "AdminFixtureLoaded",
        object(
            json!({
                "portalId": number(), "owners": number(), "schemas": number(),
                "records": number(), "associations": number(), "lists": number(),
            }),
            &[
                "portalId",
                "owners",
                "schemas",
                "records",
                "associations",
                "lists",
            ],
        ),
    )])
}

fn snapshots() -> Map<String, Json> {
    let snapshot = json!({ "name": text(), "createdAt": time(), "size": number() });
    let mut restored = snapshot.clone();
    restored["restoredAt"] = time();
    let name = json!({ "type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$" });
    named(vec![
        (
            "AdminSnapshots",
            object(
                json!({ "results": array(reference("AdminSnapshot")) }),
                &["results"],
            ),
        ),
        (
            "AdminSnapshotCreate",
            closed(json!({ "name": name }), &["name"]),
        ),
        (
            "AdminSnapshot",
            object(snapshot, &["name", "createdAt", "size"]),
        ),
        (
            "AdminSnapshotRestored",
            object(restored, &["name", "createdAt", "size", "restoredAt"]),
        ),
    ])
}
