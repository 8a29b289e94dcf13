//! Export requests and their lifecycle. A request is parsed leniently — the SDK generations
//! disagree on shapes: `associatedObjectType` as a string or an array, `listId` as a number
//! or a string, enums in any letter case, missing booleans defaulted — then checked against
//! the portal's schema. The state machine is HubSpot's `exportState`, projected onto the
//! four task statuses in one place.

use serde::{Deserialize, Serialize};

use super::ObjectType;
use super::schema::ObjectSchema;
use super::search::{RawFilter, RawFilterGroup, RawSort};

/// Every language code any SDK generation sends, plus `PT` (the guide's alias of `PT_BR`).
pub const LANGUAGES: &[&str] = &[
    "AF_ZA", "AR_EG", "BG", "BN", "CA_ES", "CS", "DA_DK", "DE", "EL_GR", "EN", "EN_GB", "ES",
    "ES_MX", "ET_EE", "FI", "FR", "FR_CA", "HE_IL", "HI_IN", "HR", "HU", "ID", "IT", "JA", "KO_KR",
    "LT_LT", "MS", "NL", "NO", "PL", "PT_BR", "PT_PT", "RO", "RU", "SK_SK", "SL", "SV", "TH", "TL",
    "TR", "UK", "VI_VN", "ZH_CN", "ZH_HK", "ZH_TW", "PT",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ExportType {
    View,
    List,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ExportFormat {
    Csv,
    Xlsx,
    Xls,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
            Self::Xls => "xls",
        }
    }
}

/// The content type and file extension of a finished export's file, from its stored key
/// (`export-<id>.<extension>`; a partitioned or large CSV export is a zip).
pub fn file_kind(key: &str) -> (&'static str, &'static str) {
    match key.rsplit('.').next() {
        Some("zip") => ("application/zip", "zip"),
        Some("xlsx") => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        Some("xls") => ("application/vnd.ms-excel", "xls"),
        _ => ("text/csv; charset=utf-8", "csv"),
    }
}

/// A file name from the export name: letters, digits, `-` and `_` kept, the rest `_`.
pub fn file_stem(export_name: &str) -> String {
    let stem: String = export_name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    if stem.trim_matches('_').is_empty() {
        "export".to_string()
    } else {
        stem
    }
}

/// HubSpot's `exportState`. Only the states this service enters are listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExportState {
    Enqueued,
    Processing,
    Done,
    Failed,
    Canceled,
}

impl ExportState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enqueued => "ENQUEUED",
            Self::Processing => "PROCESSING",
            Self::Done => "DONE",
            Self::Failed => "FAILED",
            Self::Canceled => "CANCELED",
        }
    }

    /// Every state, in the order an export moves through them.
    pub const ALL: [Self; 5] = [
        Self::Enqueued,
        Self::Processing,
        Self::Done,
        Self::Failed,
        Self::Canceled,
    ];

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The task status HubSpot's status endpoint reports. Its enum has no failure value,
    /// so a failed export is `CANCELED` (with `errors[]` filled by the caller).
    pub fn task_status(self) -> &'static str {
        match self {
            Self::Enqueued => "PENDING",
            Self::Processing => "PROCESSING",
            Self::Done => "COMPLETE",
            Self::Failed | Self::Canceled => "CANCELED",
        }
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Done | Self::Failed | Self::Canceled)
    }
}

/// A validated export request, stored with the export and read back by the worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportRequest {
    pub export_type: ExportType,
    pub export_name: String,
    pub format: ExportFormat,
    pub language: String,
    pub object_type: ObjectType,
    pub object_properties: Vec<String>,
    /// Headers are internal names (`NAMES`).
    pub internal_names: bool,
    /// Values are internal values (`VALUES`).
    pub internal_values: bool,
    #[serde(default)]
    pub filter_groups: Vec<RawFilterGroup>,
    #[serde(default)]
    pub sorts: Vec<RawSort>,
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default)]
    pub list_id: Option<i64>,
    /// Object types whose associated record ids get a column each.
    #[serde(default)]
    pub associated_object_types: Vec<ObjectType>,
    /// Also a column of each associated record's primary display value.
    #[serde(default)]
    pub include_primary_display: bool,
    /// Also a column of associated ids per labeled association type (e.g. Primary).
    #[serde(default)]
    pub include_labeled: bool,
    /// Lift the cap of 1,000 associated records per type per row.
    #[serde(default)]
    pub unlimited_associations: bool,
    /// CSV cells that a spreadsheet would run as a formula get a leading apostrophe
    /// (extension `csvFormulaGuard`; the server's default when the request leaves it out).
    #[serde(default)]
    pub csv_formula_guard: bool,
}

impl ExportRequest {
    /// The lower-case language code used to look up translated labels (`pt_br` → `pt`).
    pub fn label_language(&self) -> String {
        self.language
            .split('_')
            .next()
            .unwrap_or("en")
            .to_ascii_lowercase()
    }
}

/// The request as clients send it; every field optional so that every problem is reported.
/// The fields are the union of what HubSpot's spec and every SDK generation send (VIEW and
/// LIST alike); any other field is refused, so that a misspelling such as `filterGroup`
/// cannot silently export every record.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RawExportRequest {
    pub export_type: Option<String>,
    pub export_name: Option<String>,
    pub format: Option<String>,
    pub language: Option<String>,
    pub object_type: Option<String>,
    pub object_properties: Option<Vec<String>>,
    pub associated_object_type: Option<OneOrMany>,
    pub export_internal_values_options: Option<Vec<String>>,
    pub include_labeled_associations: Option<bool>,
    pub include_primary_display_property_for_associated_objects: Option<bool>,
    pub override_associated_objects_per_definition_per_row_limit: Option<bool>,
    pub public_crm_search_request: Option<RawCrmSearch>,
    pub list_id: Option<serde_json::Value>,
    /// Extension: neutralise formula-like CSV cells (see [`ExportRequest`]).
    pub csv_formula_guard: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RawCrmSearch {
    #[serde(default)]
    pub filter_groups: Vec<RawFilterGroup>,
    #[serde(default)]
    pub filters: Vec<RawFilter>,
    #[serde(default)]
    pub sorts: Vec<RawSort>,
    #[serde(default)]
    pub query: Option<String>,
}

/// Checks the request and returns it parsed; every problem is collected, in the order of
/// the request's fields. `resolve` names an object type from the portal's point of view
/// (`CONTACT`, `contacts`, `0-1`, a custom object's name or `2-<n>` id), `schema_for`
/// gives its schema; `formula_guard_default` is the server's choice for a request that
/// does not set `csvFormulaGuard`.
pub fn parse_request(
    raw: RawExportRequest,
    resolve: impl Fn(&str) -> Option<ObjectType>,
    schema_for: impl Fn(ObjectType) -> Option<std::sync::Arc<ObjectSchema>>,
    formula_guard_default: bool,
) -> Result<ExportRequest, Vec<String>> {
    let mut problems = Vec::new();
    let p = &mut problems;
    let export_type = required(&raw.export_type, "exportType", p);
    let export_name = required(&raw.export_name, "exportName", p);
    let format = required(&raw.format, "format", p);
    let language = required(&raw.language, "language", p);
    let object_type = required(&raw.object_type, "objectType", p);
    let export_type = export_type.and_then(|t| parse_export_type(&t, p));
    let format = format.and_then(|f| parse_format(&f, p));
    let language = language.and_then(|l| parse_language(&l, p));
    let object = object_type.and_then(|t| {
        let found = resolve(t.trim());
        if found.is_none() {
            p.push(format!("Unable to infer object type from: {t}"));
        }
        found
    });
    let (internal_names, internal_values) =
        internal_options(raw.export_internal_values_options.unwrap_or_default(), p);
    let (associated_object_types, associated_asked) =
        associated_types(raw.associated_object_type, &resolve, p);
    // HubSpot's default: the display column comes with exactly one associated type.
    let include_primary_display = raw
        .include_primary_display_property_for_associated_objects
        .unwrap_or(associated_object_types.len() == 1);
    let list_id = list_id(raw.list_id.as_ref(), export_type, p);
    let properties = raw.object_properties.unwrap_or_default();
    check_properties(&properties, object, &schema_for, p);
    if format == Some(ExportFormat::Xls) {
        check_xls_width(properties.len(), associated_asked, p);
    }
    let (filter_groups, sorts, query) = search_parts(raw.public_crm_search_request);
    if !problems.is_empty() {
        return Err(problems);
    }
    let (Some(export_type), Some(export_name), Some(format), Some(language), Some(object)) =
        (export_type, export_name, format, language, object)
    else {
        return Err(vec!["The export request is incomplete".to_string()]);
    };
    Ok(ExportRequest {
        export_type,
        export_name,
        format,
        language,
        object_type: object,
        object_properties: distinct_properties(properties),
        internal_names,
        internal_values,
        filter_groups,
        sorts,
        query,
        list_id,
        associated_object_types,
        include_primary_display,
        include_labeled: raw.include_labeled_associations.unwrap_or(false),
        unlimited_associations: raw
            .override_associated_objects_per_definition_per_row_limit
            .unwrap_or(false),
        csv_formula_guard: raw.csv_formula_guard.unwrap_or(formula_guard_default),
    })
}

fn required(value: &Option<String>, field: &str, problems: &mut Vec<String>) -> Option<String> {
    match value.as_deref().map(str::trim) {
        Some(v) if !v.is_empty() => Some(v.to_string()),
        _ => {
            problems.push(format!("`{field}` is required"));
            None
        }
    }
}

fn parse_export_type(t: &str, problems: &mut Vec<String>) -> Option<ExportType> {
    match t.to_ascii_uppercase().as_str() {
        "VIEW" => Some(ExportType::View),
        "LIST" => Some(ExportType::List),
        _ => {
            problems.push(format!("exportType {t:?} is not VIEW or LIST"));
            None
        }
    }
}

fn parse_format(f: &str, problems: &mut Vec<String>) -> Option<ExportFormat> {
    match f.to_ascii_uppercase().as_str() {
        "CSV" => Some(ExportFormat::Csv),
        "XLSX" => Some(ExportFormat::Xlsx),
        "XLS" => Some(ExportFormat::Xls),
        _ => {
            problems.push(format!("format {f:?} is not CSV, XLSX or XLS"));
            None
        }
    }
}

/// A language code in HubSpot's form; `PT` is the guide's alias of `PT_BR`.
fn parse_language(l: &str, problems: &mut Vec<String>) -> Option<String> {
    let upper = l.to_ascii_uppercase().replace('-', "_");
    if !LANGUAGES.contains(&upper.as_str()) {
        problems.push(format!(
            "language {l:?} is not a language HubSpot exports in"
        ));
        return None;
    }
    Some(if upper == "PT" {
        "PT_BR".to_string()
    } else {
        upper
    })
}

/// `exportInternalValuesOptions`: (internal names, internal values).
fn internal_options(options: Vec<String>, problems: &mut Vec<String>) -> (bool, bool) {
    let (mut names, mut values) = (false, false);
    for option in options {
        match option.to_ascii_uppercase().as_str() {
            "NAMES" => names = true,
            "VALUES" => values = true,
            other => problems.push(format!(
                "exportInternalValuesOptions holds {other:?}; use NAMES and/or VALUES"
            )),
        }
    }
    (names, values)
}

/// The distinct associated object types, and how many the request named.
fn associated_types(
    raw: Option<OneOrMany>,
    resolve: &impl Fn(&str) -> Option<ObjectType>,
    problems: &mut Vec<String>,
) -> (Vec<ObjectType>, usize) {
    let associated = match raw {
        None => Vec::new(),
        Some(OneOrMany::One(s)) if s.trim().is_empty() => Vec::new(),
        Some(OneOrMany::One(s)) => vec![s],
        Some(OneOrMany::Many(v)) => v,
    };
    if associated.len() > 4 {
        problems.push(format!(
            "associatedObjectType names {} object types; at most 4 are allowed",
            associated.len()
        ));
    }
    let mut types = Vec::new();
    for name in &associated {
        match resolve(name.trim()) {
            Some(t) if !types.contains(&t) => types.push(t),
            Some(_) => {}
            None => problems.push(format!(
                "Unable to infer associated object type from: {name}"
            )),
        }
    }
    (types, associated.len())
}

/// `listId` as a number or a string; required for a LIST export.
fn list_id(
    raw: Option<&serde_json::Value>,
    export_type: Option<ExportType>,
    problems: &mut Vec<String>,
) -> Option<i64> {
    match (raw, export_type) {
        (None | Some(serde_json::Value::Null), Some(ExportType::List)) => {
            problems.push("`listId` is required for a LIST export".to_string());
            None
        }
        (None | Some(serde_json::Value::Null), _) => None,
        (Some(v), _) => {
            let id = super::search::scalar_text(v).and_then(|t| t.trim().parse::<i64>().ok());
            if id.is_none() {
                problems.push(format!("listId {v} is not a list id"));
            }
            id
        }
    }
}

fn check_properties(
    properties: &[String],
    object: Option<ObjectType>,
    schema_for: &impl Fn(ObjectType) -> Option<std::sync::Arc<ObjectSchema>>,
    problems: &mut Vec<String>,
) {
    if properties.is_empty() {
        problems.push("`objectProperties` must name at least one property".to_string());
    }
    let Some(object) = object else {
        return;
    };
    match schema_for(object) {
        Some(schema) => {
            for p in properties {
                if schema.property(p).is_none() {
                    problems.push(format!("Property \"{p}\" does not exist on {object}"));
                }
            }
        }
        None => problems.push(format!("{object} cannot be exported")),
    }
}

/// An XLS sheet's 256 columns: the record id, one per property, and up to three per
/// associated object type.
fn check_xls_width(properties: usize, associated: usize, problems: &mut Vec<String>) {
    let columns = properties + 1 + 3 * associated;
    if columns > 256 {
        problems.push(format!(
            "An XLS sheet holds at most 256 columns; this export would have {columns}. Use XLSX or CSV."
        ));
    }
}

/// The filter groups, sorts and query of `publicCrmSearchRequest`. Top-level filters (the
/// older shape) are AND-ed into every group.
fn search_parts(raw: Option<RawCrmSearch>) -> (Vec<RawFilterGroup>, Vec<RawSort>, Option<String>) {
    let search = raw.unwrap_or_default();
    let mut filter_groups = search.filter_groups;
    if !search.filters.is_empty() {
        if filter_groups.is_empty() {
            filter_groups.push(RawFilterGroup {
                filters: search.filters,
            });
        } else {
            for group in &mut filter_groups {
                group.filters.extend(search.filters.iter().cloned());
            }
        }
    }
    let query = search.query.filter(|q| !q.trim().is_empty());
    (filter_groups, search.sorts, query)
}

/// The properties in order without repeats; the record id is always the first column, so
/// asking for it again adds nothing.
fn distinct_properties(properties: Vec<String>) -> Vec<String> {
    let mut distinct = Vec::with_capacity(properties.len());
    for p in properties {
        if p != "hs_object_id" && !distinct.contains(&p) {
            distinct.push(p);
        }
    }
    distinct
}
