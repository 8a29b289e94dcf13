//! The query parameters each route declares, with HubSpot's types, checked in one place
//! before any handler runs: an `int32` that does not fit (`limit=2147483648`), a boolean that
//! is neither `true` nor `false` (`archived=34359738367`) or a value outside an enum
//! (`dataSensitivity=secret`) is HubSpot's 400 `VALIDATION_ERROR` naming the parameter, and
//! nothing is read or stored. Parameters a route does not declare are ignored, as HubSpot
//! ignores them. Handlers still apply their own ranges (a page size of at least 1, …).

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::auth::Auth;
use super::error::{ApiError, ApiResult};
use super::extract::QueryParams;

/// A declared parameter's type.
#[derive(Clone, Copy, Debug)]
enum Kind {
    /// A signed 32-bit whole number (`limit`).
    Int32,
    /// `true` or `false`, in any letter case.
    Bool,
    /// One of the listed values, in any letter case.
    Enum(&'static [&'static str]),
}

const DATA_SENSITIVITY: Kind = Kind::Enum(&["non_sensitive", "sensitive", "highly_sensitive"]);

/// One route's typed parameters (untyped ones — strings, arrays — need no check here).
struct Rule {
    families: &'static [&'static str],
    method: &'static str,
    path: &'static str,
    params: &'static [(&'static str, Kind)],
}

const OBJECTS: &[&str] = &["/crm/v3/objects", "/crm/objects/2026-03"];
const PROPERTIES: &[&str] = &["/crm/v3/properties", "/crm/properties/2026-03"];
const SCHEMAS: &[&str] = &[
    "/crm-object-schemas/v3/schemas",
    "/crm-object-schemas/2026-03/schemas",
];
const OWNERS: &[&str] = &["/crm/v3/owners", "/crm/owners/2026-03"];
const LISTS: &[&str] = &["/crm/v3/lists", "/crm/lists/2026-03"];
const RECORD_ASSOCIATIONS: &[&str] = &["/crm/v4/objects", "/crm/objects/2026-03"];
const EXPORTS: &[&str] = &[
    "/crm/v3/exports",
    "/crm/exports/2026-03",
    "/crm/exports/2026-09",
];

/// HubSpot's declared query parameter types, per route (from its API reference).
const RULES: &[Rule] = &[
    Rule {
        families: OBJECTS,
        method: "GET",
        path: "/{object_type}",
        params: &[("limit", Kind::Int32), ("archived", Kind::Bool)],
    },
    Rule {
        families: OBJECTS,
        method: "GET",
        path: "/{object_type}/{object_id}",
        params: &[("archived", Kind::Bool)],
    },
    Rule {
        families: OBJECTS,
        method: "POST",
        path: "/{object_type}/batch/read",
        params: &[("archived", Kind::Bool)],
    },
    Rule {
        families: PROPERTIES,
        method: "GET",
        path: "/{object_type}",
        params: &[
            ("archived", Kind::Bool),
            ("dataSensitivity", DATA_SENSITIVITY),
        ],
    },
    Rule {
        families: PROPERTIES,
        method: "GET",
        path: "/{object_type}/{property_name}",
        params: &[
            ("archived", Kind::Bool),
            ("dataSensitivity", DATA_SENSITIVITY),
        ],
    },
    Rule {
        families: PROPERTIES,
        method: "POST",
        path: "/{object_type}/batch/read",
        params: &[("dataSensitivity", DATA_SENSITIVITY)],
    },
    Rule {
        families: SCHEMAS,
        method: "GET",
        path: "",
        params: &[("archived", Kind::Bool)],
    },
    Rule {
        families: OWNERS,
        method: "GET",
        path: "",
        params: &[("limit", Kind::Int32), ("archived", Kind::Bool)],
    },
    Rule {
        families: OWNERS,
        method: "GET",
        path: "/{owner_id}",
        params: &[
            ("archived", Kind::Bool),
            ("idProperty", Kind::Enum(&["id", "userId"])),
        ],
    },
    Rule {
        families: LISTS,
        method: "GET",
        path: "",
        params: &[("includeFilters", Kind::Bool)],
    },
    Rule {
        families: LISTS,
        method: "GET",
        path: "/{list_id}",
        params: &[("includeFilters", Kind::Bool)],
    },
    Rule {
        families: LISTS,
        method: "GET",
        path: "/object-type-id/{object_type_id}/name/{list_name}",
        params: &[("includeFilters", Kind::Bool)],
    },
    Rule {
        families: LISTS,
        method: "GET",
        path: "/{list_id}/memberships",
        params: &[("limit", Kind::Int32)],
    },
    Rule {
        families: RECORD_ASSOCIATIONS,
        method: "GET",
        path: "/{from}/{from_id}/associations/{to}",
        params: &[("limit", Kind::Int32)],
    },
    Rule {
        families: EXPORTS,
        method: "GET",
        path: "/export",
        params: &[("limit", Kind::Int32)],
    },
];

type Table = HashMap<(&'static str, String), &'static [(&'static str, Kind)]>;

/// The rules by method and full route pattern, built once.
fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = Table::new();
        for rule in RULES {
            for family in rule.families {
                let key = (rule.method, format!("{family}{}", rule.path));
                table.insert(key, rule.params);
            }
        }
        table
    })
}

/// The typed query parameters `route` (a full pattern, `/crm/v3/objects/{object_type}`)
/// declares for `method` (`GET`), as OpenAPI schemas: the document describes exactly what
/// this module checks.
pub(super) fn declared_schemas(
    method: &str,
    route: &str,
) -> Vec<(&'static str, serde_json::Value)> {
    let params = table().get(&(method, route.to_string())).copied();
    params
        .unwrap_or_default()
        .iter()
        .map(|(name, kind)| {
            let schema = match kind {
                Kind::Int32 => serde_json::json!({ "type": "integer", "format": "int32" }),
                Kind::Bool => serde_json::json!({ "type": "boolean" }),
                Kind::Enum(allowed) => serde_json::json!({ "type": "string", "enum": allowed }),
            };
            (*name, schema)
        })
        .collect()
}

/// Middleware: checks the matched route's declared parameters. A caller without a valid
/// token hears that first (401), as for a bad body.
pub async fn check_declared(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().trim_end_matches('/').to_string());
    let declared = route.and_then(|r| table().get(&(request.method().as_str(), r)).copied());
    if let Some(params) = declared {
        let query = QueryParams::parse(request.uri().query());
        if let Err(e) = check(&query, params) {
            let (mut parts, _) = request.into_parts();
            if let Err(unauthenticated) = Auth::from_request_parts(&mut parts, &state).await {
                return unauthenticated.into_response();
            }
            return e.into_response();
        }
    }
    next.run(request).await
}

fn check(query: &QueryParams, params: &[(&str, Kind)]) -> ApiResult<()> {
    for (name, value) in query.pairs() {
        let Some((_, kind)) = params.iter().find(|(n, _)| *n == name) else {
            continue;
        };
        let value = value.trim();
        let fits = match kind {
            Kind::Int32 => value.is_empty() || value.parse::<i32>().is_ok(),
            Kind::Bool => {
                value.is_empty()
                    || value.eq_ignore_ascii_case("true")
                    || value.eq_ignore_ascii_case("false")
            }
            Kind::Enum(allowed) => {
                value.is_empty() || allowed.iter().any(|a| a.eq_ignore_ascii_case(value))
            }
        };
        if !fits {
            let wanted = match kind {
                Kind::Int32 => "a whole number from -2147483648 to 2147483647".to_string(),
                Kind::Bool => "true or false".to_string(),
                Kind::Enum(allowed) => format!("one of {}", allowed.join(", ")),
            };
            return Err(ApiError::validation(format!(
                "Unable to parse value for query parameter: {name} (it must be {wanted}, not {value:?})"
            ))
            .with_context(name, vec![value.to_string()]));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_declared_type_refuses_what_does_not_fit_and_takes_what_does() {
        let params: &[(&str, Kind)] = &[
            ("limit", Kind::Int32),
            ("archived", Kind::Bool),
            ("dataSensitivity", DATA_SENSITIVITY),
        ];
        let ok = |q: &str| check(&QueryParams::parse(Some(q)), params).is_ok();
        assert!(ok(
            "limit=2147483647&archived=TRUE&dataSensitivity=sensitive&other=x"
        ));
        assert!(ok("limit=-5&archived=false"));
        assert!(!ok("limit=2147483648"));
        assert!(!ok("limit=1.5"));
        assert!(!ok("archived=34359738367"));
        assert!(!ok("dataSensitivity=secret"));
        // A repeated parameter is checked in every occurrence.
        assert!(!ok("archived=true&archived=maybe"));
    }

    #[test]
    fn every_rule_names_a_route_once() {
        let count: usize = RULES.iter().map(|r| r.families.len()).sum();
        assert_eq!(table().len(), count);
    }
}
