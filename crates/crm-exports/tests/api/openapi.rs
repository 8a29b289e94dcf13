//! `/openapi.json` and `/openapi.yaml`: the document is OpenAPI 3.1 whose references all
//! resolve and whose operation ids are unique; every route the router serves (read from the
//! router's source, as the hostile-input suite reads it) is documented with the same
//! methods, and every documented operation is served by the running app; every answer's
//! schema spells out its fields, and the association operations ask for both types' scopes.

use std::collections::{BTreeSet, HashSet};

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::TestApp;
use crate::hostile::routes::api_routes;

/// `{object_type}` and `{objectType}` alike become `{}`: the router and the document name
/// parameters differently, the routes are the same.
fn shape(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn documented(document: &Value) -> BTreeSet<(String, String)> {
    let paths = document["paths"].as_object().expect("paths");
    let mut out = BTreeSet::new();
    for (path, item) in paths {
        for method in item.as_object().expect("a path item").keys() {
            assert!(METHODS.contains(&method.as_str()), "{path}: {method}");
            out.insert((method.to_uppercase(), shape(path)));
        }
    }
    out
}

/// Every `$ref` in `value` that does not point at something in `document`.
fn dangling(document: &Value, value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                let pointer = target.strip_prefix('#').unwrap_or(target);
                if document.pointer(pointer).is_none() {
                    out.push(target.clone());
                }
            }
            map.values().for_each(|v| dangling(document, v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| dangling(document, v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_document_is_openapi_3_1_with_resolving_references_and_unique_operation_ids() {
    let app = TestApp::spawn().await;
    let reply = app.send(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let document = reply.body;
    let version = document["openapi"].as_str().unwrap_or_default();
    assert!(version.starts_with("3.1."), "openapi: {version:?}");
    assert!(document["info"]["title"].is_string() && document["info"]["version"].is_string());
    let mut missing = Vec::new();
    dangling(&document, &document, &mut missing);
    assert!(missing.is_empty(), "references to nothing: {missing:?}");

    let mut ids = HashSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap_or_default();
            assert!(
                ids.insert(id.to_string()),
                "{method} {path}: operationId {id} twice"
            );
            for (status, response) in operation["responses"].as_object().unwrap() {
                let error = status.starts_with('4') || status.starts_with('5');
                let reference = response["$ref"].as_str().unwrap_or_default();
                assert!(
                    !error || reference.starts_with("#/components/responses/Error"),
                    "{method} {path} {status}: not HubSpot's error body"
                );
            }
        }
    }
    // Every link names an operation of the document, with each of its path parameters.
    let mut links = 0;
    for item in document["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            for response in operation["responses"].as_object().unwrap().values() {
                for link in response["links"]
                    .as_object()
                    .into_iter()
                    .flat_map(|l| l.values())
                {
                    links += 1;
                    let target = link["operationId"].as_str().unwrap();
                    assert!(
                        ids.contains(target),
                        "a link to {target}, which is not here"
                    );
                    let (_, path) = target.split_once('-').unwrap();
                    let (path, _) = path.rsplit_once('_').unwrap();
                    let wanted = path.matches('{').count();
                    assert_eq!(
                        link["parameters"].as_object().unwrap().len(),
                        wanted,
                        "{target}"
                    );
                }
            }
        }
    }
    assert!(links > 20, "only {links} links");
    let scheme = &document["components"]["securitySchemes"]["bearer"];
    assert_eq!(scheme["type"], "http");
    assert_eq!(scheme["scheme"], "bearer");
}

#[tokio::test]
async fn every_served_route_is_documented_and_every_documented_one_is_served() {
    let app = TestApp::spawn().await;
    let document = app
        .send(Method::GET, "/openapi.json", None, None)
        .await
        .body;
    let served: BTreeSet<(String, String)> = api_routes()
        .into_iter()
        .map(|r| (r.method.to_string(), shape(&r.path)))
        .collect();
    let documented = documented(&document);
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "served, not documented: {undocumented:#?}"
    );
    assert!(
        unserved.is_empty(),
        "documented, not in the router: {unserved:#?}"
    );

    // And on the wire: with a token of no scopes nothing is changed, and no documented
    // operation meets the router's fallback (its 404 "No route for …") or a 405.
    let token = app.token_for(app.portal.0, &[]).await;
    for (method, path) in &documented {
        let path = path.replace("{}", "1");
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let reply = app.send(method.clone(), &path, Some(&token), None).await;
        let message = reply.body["message"].as_str().unwrap_or_default();
        assert_ne!(
            reply.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        assert!(
            !message.starts_with("No route for"),
            "{method} {path}: {message}"
        );
    }
}

#[tokio::test]
async fn the_admin_api_is_documented_only_while_it_is_served() {
    let on = TestApp::spawn().await;
    let off = TestApp::spawn_with(crm_exports::api::ApiConfig {
        admin_api: false,
        ..TestApp::config()
    })
    .await;
    let on = on.send(Method::GET, "/openapi.json", None, None).await.body;
    let off = off
        .send(Method::GET, "/openapi.json", None, None)
        .await
        .body;
    let reset = "/_crm-exports/portals/{portalId}/reset";
    assert!(on["paths"][reset]["post"].is_object());
    assert!(off["paths"].get(reset).is_none());
    let security = &on["paths"][reset]["post"]["security"];
    assert_eq!(
        security,
        &serde_json::json!([{"bearer": ["crm-exports.admin"]}])
    );
}

#[tokio::test]
async fn operations_name_the_scopes_their_handlers_require() {
    let app = TestApp::spawn().await;
    let document = app
        .send(Method::GET, "/openapi.json", None, None)
        .await
        .body;
    let scopes = |path: &str, method: &str| -> Vec<String> {
        let security = document["paths"][path][method]["security"]
            .as_array()
            .unwrap();
        security
            .iter()
            .map(|s| s["bearer"][0].as_str().unwrap().to_string())
            .collect()
    };
    let start = scopes("/crm/exports/2026-03/export/async", "post");
    assert_eq!(start, ["crm.export"]);
    let read = scopes("/crm/v3/objects/{objectType}/{objectId}", "get");
    assert!(
        read.contains(&"crm.objects.contacts.read".to_string()),
        "{read:?}"
    );
    assert!(
        read.contains(&"crm.objects.custom.read".to_string()),
        "{read:?}"
    );
    assert!(!read.iter().any(|s| s.ends_with(".write")), "{read:?}");
    assert_eq!(scopes("/healthz", "get"), Vec::<String>::new());
    // A scope the document names is one the server answers 403 without: the token with
    // exactly that scope gets past the check.
    let token = app.token_for(app.portal.0, &["crm.export"]).await;
    let reply = app
        .send(
            Method::GET,
            "/crm/exports/2026-09/export",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

/// Fields whose value is free-form by design, so an object schema without properties is
/// right there: a list's filter tree (HubSpot's own recursive type), an audit event's copy of
/// what changed, an error's context, an owner's teams (always empty here), an export's
/// search request (HubSpot's search body, checked as the search API checks it) and this
/// document's own path items (OpenAPI's schema describes those).
const FREE_FORM: [&str; 6] = [
    "filterBranch",
    "rawObject",
    "context",
    "teams",
    "publicCrmSearchRequest",
    "paths",
];

/// Every object schema reachable from `schema` that names no fields (no `properties`, no
/// `additionalProperties`, no alternatives), with where it was found; `$ref`s are followed
/// once each.
fn fieldless(
    document: &Value,
    schema: &Value,
    at: &str,
    seen: &mut HashSet<String>,
    out: &mut Vec<String>,
) {
    if let Some(target) = schema["$ref"].as_str() {
        if seen.insert(target.to_string()) {
            let resolved = document.pointer(target.trim_start_matches('#')).unwrap();
            fieldless(document, resolved, target, seen, out);
        }
        return;
    }
    let is_object = schema["type"] == "object";
    let detailed = ["properties", "additionalProperties", "anyOf", "oneOf"]
        .iter()
        .any(|k| schema.get(*k).is_some());
    if is_object && !detailed {
        out.push(at.to_string());
    }
    for (name, field) in schema["properties"].as_object().into_iter().flatten() {
        if FREE_FORM.contains(&name.as_str()) {
            continue;
        }
        fieldless(document, field, &format!("{at}.{name}"), seen, out);
    }
    for nested in [&schema["items"], &schema["additionalProperties"]] {
        if nested.is_object() {
            fieldless(document, nested, &format!("{at}[]"), seen, out);
        }
    }
    for alternative in schema["anyOf"].as_array().into_iter().flatten() {
        fieldless(document, alternative, at, seen, out);
    }
}

#[tokio::test]
async fn every_json_answer_and_body_has_a_schema_that_names_its_fields() {
    let app = TestApp::spawn().await;
    let document = app
        .send(Method::GET, "/openapi.json", None, None)
        .await
        .body;
    let mut found = Vec::new();
    let mut seen = HashSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let bodies = operation["responses"]
                .as_object()
                .unwrap()
                .values()
                .chain(std::iter::once(&operation["requestBody"]));
            for body in bodies {
                let schema = &body["content"]["application/json"]["schema"];
                if schema.is_object() {
                    let at = format!("{method} {path}");
                    fieldless(&document, schema, &at, &mut seen, &mut found);
                }
            }
        }
    }
    assert!(seen.len() > 100, "only {} schemas reached", seen.len());
    assert!(
        found.is_empty(),
        "object schemas without fields: {found:#?}"
    );
}

#[tokio::test]
async fn association_operations_need_a_scope_of_each_object_type() {
    let app = TestApp::spawn().await;
    let document = app
        .send(Method::GET, "/openapi.json", None, None)
        .await
        .body;
    let requirements = |path: &str, method: &str| -> Vec<Vec<String>> {
        let security = document["paths"][path][method]["security"]
            .as_array()
            .unwrap();
        security
            .iter()
            .map(|s| {
                let mut set: Vec<String> = s["bearer"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| n.as_str().unwrap().to_string())
                    .collect();
                set.sort();
                set
            })
            .collect()
    };
    let pair = |a: &str, b: &str| vec![a.to_string(), b.to_string()];
    let read = requirements("/crm/v4/associations/{from}/{to}/batch/read", "post");
    assert!(
        read.contains(&pair(
            "crm.objects.companies.read",
            "crm.objects.contacts.read"
        )),
        "{read:?}"
    );
    // One scope alone appears only for two records of one type: one set per read scope.
    assert!(
        read.contains(&vec!["crm.objects.contacts.read".to_string()]),
        "{read:?}"
    );
    let alone = read.iter().filter(|set| set.len() == 1).count();
    assert_eq!(alone, 6, "{read:?}");
    assert!(
        read.iter().flatten().all(|s| !s.ends_with(".write")),
        "{read:?}"
    );
    let write = requirements("/crm/v4/associations/{from}/{to}/batch/create", "post");
    assert!(
        write.contains(&pair(
            "crm.objects.companies.read",
            "crm.objects.contacts.write"
        )),
        "{write:?}"
    );
    let alone = vec!["crm.objects.contacts.write".to_string()];
    assert!(!write.contains(&alone), "{write:?}");
    let labels = requirements("/crm/associations/2026-03/{from}/{to}/labels", "post");
    assert_eq!(labels, write);
    let record = requirements("/crm/v3/objects/{from}/{fromId}/associations/{to}", "get");
    assert_eq!(record, read);
    // The handlers agree: the write scope of contacts and the read scope of companies are
    // enough to associate contacts with companies; either alone is a 403.
    let body =
        serde_json::json!({"inputs": [{"from": {"id": "1"}, "to": {"id": "2"}, "types": []}]});
    let path = "/crm/v4/associations/contacts/companies/batch/create";
    for (scopes, allowed) in [
        (
            &["crm.objects.contacts.write", "crm.objects.companies.read"][..],
            true,
        ),
        (&["crm.objects.contacts.write"][..], false),
        (&["crm.objects.companies.read"][..], false),
    ] {
        let token = app.token_for(app.portal.0, scopes).await;
        let reply = app
            .send(
                Method::POST,
                path,
                Some(&token),
                Some(crate::helpers::Body::Json(body.clone())),
            )
            .await;
        assert_eq!(
            reply.status != StatusCode::FORBIDDEN,
            allowed,
            "{scopes:?}: {}",
            reply.body
        );
    }
    // Every association limit is listed for any token: the handler filters, it refuses none.
    let all = "/crm/v4/associations/definitions/configurations/all";
    assert_eq!(requirements(all, "get"), vec![Vec::<String>::new()]);
}

#[tokio::test]
async fn the_yaml_document_is_the_json_one() {
    let app = TestApp::spawn().await;
    let reply = app.send(Method::GET, "/openapi.yaml", None, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers["content-type"], "application/yaml");
    let text = reply.body.as_str().expect("YAML text");
    assert!(
        text.lines().any(|l| l == "\"openapi\": \"3.1.0\""),
        "{}",
        &text[..200]
    );
    let json = app
        .send(Method::GET, "/openapi.json", None, None)
        .await
        .body;
    let path_count = text.lines().filter(|l| l.starts_with("  \"/")).count();
    assert_eq!(path_count, json["paths"].as_object().unwrap().len());
}
