//! Builds the OpenAPI 3.1 document from the operation tables: each table under every prefix
//! `api::router` nests its router under (`MOUNTS`), path parameters from the path, typed
//! query parameters from `query_check`'s table, the bearer scheme with each operation's
//! scopes, and HubSpot's error body on every error status an operation can answer.

use std::collections::BTreeSet;

use serde_json::{Map, Value as Json, json};

use super::operation::{Op, Reply, Scopes};
use super::operations::{
    ADMIN_ROUTES, ASSOCIATION_BATCHES, ASSOCIATION_SCHEMA, EXPORTS, LISTS, OBJECTS, OWNERS,
    PIPELINES, PROPERTIES, RECORD_ASSOCIATIONS, SCHEMAS, TOP_LEVEL,
};
use super::schemas;
use crate::api::query_check;
use crate::domain::ObjectType;

/// Where `api::router` nests a router, and the tables of the routes that router serves.
pub struct Mount {
    pub prefix: &'static str,
    pub tag: &'static str,
    pub tables: &'static [&'static [Op]],
}

const fn mount(prefix: &'static str, tag: &'static str, tables: &'static [&'static [Op]]) -> Mount {
    Mount {
        prefix,
        tag,
        tables,
    }
}

const OBJECT_TABLES: &[&[Op]] = &[RECORD_ASSOCIATIONS, OBJECTS];
const ASSOCIATION_TABLES: &[&[Op]] = &[ASSOCIATION_SCHEMA, ASSOCIATION_BATCHES];

/// The nests and merges of `api::router`, in its order.
pub const MOUNTS: &[Mount] = &[
    mount("/crm/v3/objects", "Objects", OBJECT_TABLES),
    mount("/crm/objects/2026-03", "Objects", OBJECT_TABLES),
    mount("/crm/v3/properties", "Properties", &[PROPERTIES]),
    mount("/crm/properties/2026-03", "Properties", &[PROPERTIES]),
    mount("/crm/v4/objects", "Associations", &[RECORD_ASSOCIATIONS]),
    mount("/crm/v4/associations", "Associations", ASSOCIATION_TABLES),
    mount(
        "/crm/associations/2026-03",
        "Associations",
        ASSOCIATION_TABLES,
    ),
    mount("/crm-object-schemas/v3/schemas", "Schemas", &[SCHEMAS]),
    mount("/crm-object-schemas/2026-03/schemas", "Schemas", &[SCHEMAS]),
    mount("/crm/v3/lists", "Lists", &[LISTS]),
    mount("/crm/lists/2026-03", "Lists", &[LISTS]),
    mount("/crm/v3/owners", "Owners", &[OWNERS]),
    mount("/crm/owners/2026-03", "Owners", &[OWNERS]),
    mount("/crm/v3/pipelines", "Pipelines", &[PIPELINES]),
    mount("/crm/pipelines/2026-03", "Pipelines", &[PIPELINES]),
    mount("/crm/v3/exports", "Exports", &[EXPORTS]),
    mount("/crm/exports/2026-03", "Exports", &[EXPORTS]),
    mount("/crm/exports/2026-09", "Exports", &[EXPORTS]),
    mount("", "Operations", &[TOP_LEVEL]),
];

/// The admin API's mount, present only while the admin API is on.
pub const ADMIN_MOUNT: Mount = mount("/_crm-exports", "Admin", &[ADMIN_ROUTES]);

/// The error statuses the document describes, with what each means here.
const ERROR_STATUSES: &[(u16, &str)] = &[
    (
        400,
        "The request is malformed or fails validation (VALIDATION_ERROR)",
    ),
    (
        401,
        "No token, or one this server does not know (INVALID_AUTHENTICATION)",
    ),
    (
        403,
        "The token lacks the scopes (MISSING_SCOPES), or a download link is not valid",
    ),
    (404, "Nothing is at this path or id (OBJECT_NOT_FOUND)"),
    (
        408,
        "The request (its head or its body) did not arrive, or was not answered, in time (TIMEOUT)",
    ),
    (409, "The request conflicts with what is stored (CONFLICT)"),
    (
        412,
        "The file changed since the validator the request names",
    ),
    (413, "The body is larger than the server accepts"),
    (415, "The body is not JSON"),
    (416, "The range asked for is outside the file"),
    (
        429,
        "A rate limit was reached; Retry-After says when to try again (RATE_LIMITS)",
    ),
    (
        500,
        "An internal error; the correlation id finds it in the server log",
    ),
    (503, "The store does not answer"),
];

/// A route's full path as the router spells it: `prefix` + `path`, `/` alone adding nothing.
pub fn router_path(prefix: &str, path: &str) -> String {
    match (prefix, path) {
        ("", p) => p.to_string(),
        (p, "/") => p.to_string(),
        (p, q) => format!("{p}{q}"),
    }
}

/// The OpenAPI spelling of a router path: `{object_type}` → `{objectType}`, `{*path}` →
/// `{path}`.
pub fn openapi_path(router_path: &str) -> String {
    let mut out = String::with_capacity(router_path.len());
    let mut in_param = false;
    let mut upper_next = false;
    for c in router_path.chars() {
        match c {
            '{' => in_param = true,
            '}' => in_param = false,
            '*' if in_param => continue,
            '_' if in_param => {
                upper_next = true;
                continue;
            }
            _ => {}
        }
        if upper_next {
            out.extend(c.to_uppercase());
            upper_next = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The whole document; `admin` says whether the admin API is served.
pub fn build(admin: bool) -> Json {
    let mut paths = Map::new();
    let mounts = MOUNTS.iter().chain(admin.then_some(&ADMIN_MOUNT));
    for mount in mounts {
        for op in mount.tables.iter().flat_map(|t| t.iter()) {
            let full = router_path(mount.prefix, op.path);
            let item = paths
                .entry(openapi_path(&full))
                .or_insert_with(|| json!({}));
            item[op.method] = operation(op, mount, &full);
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "crm-exports",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "A self-hostable, HubSpot-compatible CRM store and export service. \
                Both of HubSpot's path families are served: the numbered one (/crm/v3/...) and \
                the dated one (/crm/.../2026-03/...). Operations marked (extension) are this \
                service's own.",
        },
        "tags": tags(admin),
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A private-app token or an OAuth access token, as HubSpot \
                        takes them: `Authorization: Bearer <token>`. Each operation lists the \
                        scopes of which the token needs one.",
                },
            },
            "schemas": schemas::all(),
            "responses": error_responses(),
        },
    })
}

fn tags(admin: bool) -> Json {
    let mut names: Vec<&str> = Vec::new();
    for mount in MOUNTS.iter().chain(admin.then_some(&ADMIN_MOUNT)) {
        if !names.contains(&mount.tag) {
            names.push(mount.tag);
        }
    }
    Json::Array(names.into_iter().map(|n| json!({ "name": n })).collect())
}

fn operation(op: &Op, mount: &Mount, full: &str) -> Json {
    let tag = mount.tag;
    let path = openapi_path(full);
    let described = format!("{}{}", op.summary, scope_sentence(op.scopes));
    let mut entry = json!({
        "operationId": format!("{}-{path}_{}", op.method, op.name),
        "summary": op.summary,
        "description": described,
        "tags": [tag],
        "parameters": parameters(op, full, &path),
        "responses": responses(op, mount, full),
        "security": security(op.scopes),
    });
    if let Some(body) = op.body {
        entry["requestBody"] = json!({
            "required": true,
            "content": { "application/json": { "schema": schemas::reference(body) } },
        });
    }
    entry
}

/// The path's parameters, then the typed query parameters `query_check` checks, then the
/// text ones the table lists.
fn parameters(op: &Op, full: &str, path: &str) -> Json {
    let mut out = Vec::new();
    for name in path.split('{').skip(1).filter_map(|p| p.split('}').next()) {
        let mut schema = json!({ "type": "string" });
        if let Some(examples) = path_examples(name, full) {
            schema["examples"] = json!(examples);
        }
        out.push(json!({ "name": name, "in": "path", "required": true, "schema": schema }));
    }
    let typed = query_check::declared_schemas(&op.method.to_uppercase(), full);
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for (name, schema) in typed {
        seen.insert(name);
        out.push(json!({ "name": name, "in": "query", "schema": schema }));
    }
    for name in op.query.iter().filter(|n| !seen.contains(**n)) {
        out.push(json!({ "name": name, "in": "query", "schema": { "type": "string" } }));
    }
    Json::Array(out)
}

/// Values a path parameter takes on any portal, so that a client (or a fuzzer) given only
/// this document reaches more than the unknown-type answer.
fn path_examples(name: &str, full: &str) -> Option<&'static [&'static str]> {
    match name {
        _ if full.contains("/pipelines/") && name == "objectType" => Some(&["deals", "tickets"]),
        "objectType" | "from" | "to" => Some(&["contacts", "companies", "deals", "tickets"]),
        "objectTypeId" => Some(&["0-1", "0-2"]),
        _ => None,
    }
}

fn responses(op: &Op, mount: &Mount, full: &str) -> Json {
    let mut out = Map::new();
    for (status, reply) in std::iter::once(&op.reply).chain(op.more) {
        out.insert(status.to_string(), success(*status, *reply));
    }
    if !op.links.is_empty() {
        out[&op.reply.0.to_string()]["links"] = links(op, mount, full);
    }
    for status in error_statuses(op, full) {
        let reference = format!("#/components/responses/Error{status}");
        out.insert(status.to_string(), json!({ "$ref": reference }));
    }
    Json::Object(out)
}

/// The links of `op`'s usual answer to operations of the same mount: each path parameter
/// the target shares with `op` comes from this request, the one it adds from the answer.
fn links(op: &Op, mount: &Mount, full: &str) -> Json {
    let mut out = Map::new();
    let ours = openapi_path(full);
    for (name, pointer) in op.links {
        // Names are unique within a table, not within a mount (objects and their
        // associations share one), so the target is looked up in `op`'s own table.
        let same = |t: &Op| t.method == op.method && t.path == op.path;
        let table = mount.tables.iter().find(|t| t.iter().any(same));
        let target = table.and_then(|t| t.iter().find(|t| t.name == *name));
        let Some(target) = target else { continue };
        let target_path = openapi_path(&router_path(mount.prefix, target.path));
        let mut parameters = Map::new();
        for param in target_path
            .split('{')
            .skip(1)
            .filter_map(|p| p.split('}').next())
        {
            let value = if ours.contains(&format!("{{{param}}}")) {
                format!("$request.path.{param}")
            } else {
                format!("$response.body#{pointer}")
            };
            parameters.insert(param.to_string(), Json::String(value));
        }
        let target_id = format!("{}-{target_path}_{}", target.method, target.name);
        out.insert(
            (*name).to_string(),
            json!({ "operationId": target_id, "parameters": parameters }),
        );
    }
    Json::Object(out)
}

fn success(status: u16, reply: Reply) -> Json {
    let description = match status {
        201 => "Created",
        202 => "Accepted",
        204 => "No content",
        206 => "Part of the file",
        207 => "Some inputs failed",
        304 => "Not modified",
        _ => "OK",
    };
    let content = match reply {
        Reply::Json(name) => json!({ "application/json": { "schema": schemas::reference(name) } }),
        Reply::Empty => return json!({ "description": description }),
        Reply::Text => json!({ "text/plain": { "schema": { "type": "string" } } }),
        // The YAML reads back as the document itself.
        Reply::Yaml => {
            json!({ "application/yaml": { "schema": schemas::reference("OpenApiDocument") } })
        }
        Reply::File => json!({ "*/*": { "schema": {} } }),
    };
    json!({ "description": description, "content": content })
}

/// What every operation of this kind can answer besides its own `errors`: 400 (a malformed
/// URL, a bad typed parameter), 408 (the connection's header timeout and the router's
/// request timeout both cover every route) and 500 always; 401, 403 and 429 behind a token;
/// 404 when the path names something; 413 and 415 with a body.
pub fn error_statuses(op: &Op, full: &str) -> BTreeSet<u16> {
    let mut statuses = BTreeSet::from([400, 408, 500]);
    if !matches!(op.scopes, Scopes::Public) {
        statuses.extend([401, 403, 429]);
    }
    if full.contains('{') {
        statuses.insert(404);
    }
    if op.body.is_some() {
        statuses.extend([413, 415]);
    }
    statuses.extend(op.errors);
    statuses
}

fn error_responses() -> Json {
    let mut out = Map::new();
    for (status, description) in ERROR_STATUSES {
        out.insert(
            format!("Error{status}"),
            json!({
                "description": description,
                "content": { "application/json": { "schema": schemas::reference("Error") } },
            }),
        );
    }
    Json::Object(out)
}

/// `[]` for a public operation; else one requirement object per set of scopes that
/// suffices, each listing the scopes a token needs all of.
fn security(scopes: Scopes) -> Json {
    let sets = requirements(scopes);
    Json::Array(sets.iter().map(|set| json!({ "bearer": set })).collect())
}

/// What the description says of the scopes, after the summary.
fn scope_sentence(scopes: Scopes) -> String {
    match scopes {
        Scopes::Public => String::new(),
        Scopes::AnyToken => {
            ". Needs a token; it shows only what the token's scopes may read.".into()
        }
        Scopes::PairRead => {
            ". Needs a read scope of the from-type and a read scope of the to-type, both.".into()
        }
        Scopes::PairWrite => {
            ". Needs a write scope of the from-type and a read scope of the to-type, both.".into()
        }
        _ => format!(
            ". Needs one of the scopes: {}.",
            scope_names(scopes).join(", ")
        ),
    }
}

const OBJECT_TYPES: [ObjectType; 5] = [
    ObjectType::Contacts,
    ObjectType::Companies,
    ObjectType::Deals,
    ObjectType::Tickets,
    ObjectType::Custom(0),
];

/// The sets of scopes that each suffice: `[[]]` for any token, none for a public operation.
/// An operation on two object types needs one scope of each: one set per pair of types the
/// path may name (and per alternative scope of a type), so a single scope appears alone
/// only for two records of one type. OpenAPI cannot make a requirement depend on a path
/// parameter; the description says which type each scope is for.
pub fn requirements(scopes: Scopes) -> Vec<Vec<&'static str>> {
    let pairs = |from: fn(ObjectType) -> &'static [&'static str]| {
        let mut sets: Vec<Vec<&'static str>> = Vec::new();
        for (a, b) in OBJECT_TYPES
            .iter()
            .flat_map(|a| OBJECT_TYPES.map(|b| (*a, b)))
        {
            for (x, y) in from(a)
                .iter()
                .flat_map(|x| b.read_scopes().iter().map(move |y| (x, y)))
            {
                let mut set = vec![*x, *y];
                set.sort_unstable();
                set.dedup();
                if !sets.contains(&set) {
                    sets.push(set);
                }
            }
        }
        sets
    };
    match scopes {
        Scopes::Public => Vec::new(),
        Scopes::AnyToken => vec![Vec::new()],
        Scopes::PairRead => pairs(ObjectType::read_scopes),
        Scopes::PairWrite => pairs(ObjectType::write_scopes),
        _ => scope_names(scopes).into_iter().map(|s| vec![s]).collect(),
    }
}

/// The scopes of which a token needs one, in a stable order; for the operations on two
/// object types, every scope any of their requirements names.
pub fn scope_names(scopes: Scopes) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    let mut add = |more: &[&'static str]| {
        for name in more {
            if !names.contains(name) {
                names.push(name);
            }
        }
    };
    let types = OBJECT_TYPES;
    match scopes {
        Scopes::Public | Scopes::AnyToken => {}
        Scopes::Any(list) => add(list),
        Scopes::ObjectRead => types.iter().for_each(|t| add(t.read_scopes())),
        Scopes::ObjectWrite => types.iter().for_each(|t| add(t.write_scopes())),
        Scopes::SchemaRead => types.iter().for_each(|t| add(&t.schema_read_scopes())),
        Scopes::SchemaWrite => types.iter().for_each(|t| add(t.schema_write_scopes())),
        Scopes::PairRead | Scopes::PairWrite => {
            requirements(scopes).iter().for_each(|set| add(set))
        }
    }
    names
}
