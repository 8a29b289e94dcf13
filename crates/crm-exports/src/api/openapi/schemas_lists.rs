//! The component schemas of HubSpot's v3 lists API as this service answers it: lists,
//! their search, folders, memberships and legacy id mappings, named as HubSpot's SDKs name
//! the models, with the fields `api::lists` and its sibling modules write.

use serde_json::{Map, Value as Json, json};

use super::schemas::{
    any_object, array, closed, flag, id_text, named, number, object, one_of, reference, string_map,
    strings, text, time,
};

const PROCESSING_TYPES: &[&str] = &["MANUAL", "SNAPSHOT", "DYNAMIC"];

/// Every lists schema, by name.
pub fn all() -> Map<String, Json> {
    let mut schemas = lists();
    schemas.extend(folders());
    schemas.extend(memberships());
    schemas.extend(members());
    schemas
}

/// A list's fields as `lists::list_json` writes them; `with_size` for a read (a search
/// result gives its size in `additionalProperties` instead).
fn list(with_size: bool) -> Json {
    let mut fields = json!({
        "listId": text(), "listVersion": number(), "name": text(), "objectTypeId": text(),
        "processingType": one_of(PROCESSING_TYPES), "processingStatus": text(),
        "createdAt": time(), "updatedAt": time(),
        "filterBranch": any_object(), "filtersUpdatedAt": time(),
    });
    if with_size {
        fields["size"] = number();
    } else {
        fields["additionalProperties"] = string_map();
    }
    let mut required = vec![
        "listId",
        "listVersion",
        "name",
        "objectTypeId",
        "processingType",
        "processingStatus",
        "createdAt",
        "updatedAt",
    ];
    required.push(if with_size {
        "size"
    } else {
        "additionalProperties"
    });
    object(fields, &required)
}

fn lists() -> Map<String, Json> {
    let one = |field: &str| object(json!({ field: reference("PublicObjectList") }), &[field]);
    let count = json!({ "type": "integer", "minimum": 0 });
    named(vec![
        ("PublicObjectList", list(true)),
        ("PublicObjectListSearchResult", list(false)),
        (
            "ListsByIdResponse",
            object(
                json!({ "lists": array(reference("PublicObjectList")) }),
                &["lists"],
            ),
        ),
        ("ListCreateResponse", one("list")),
        ("ListFetchResponse", one("list")),
        ("ListUpdateResponse", one("updatedList")),
        (
            "ListCreateRequest",
            object(
                json!({
                    "name": text(), "objectTypeId": text(), "processingType": text(),
                    "filterBranch": any_object(), "listFolderId": id_text(),
                }),
                &["name", "objectTypeId", "processingType"],
            ),
        ),
        (
            "ListSearchRequest",
            object(
                json!({
                    "query": text(), "listIds": strings(), "processingTypes": strings(),
                    "objectTypeId": text(), "offset": count.clone(), "count": count,
                    "sort": text(), "additionalProperties": strings(),
                }),
                &[],
            ),
        ),
        (
            "ListSearchResponse",
            object(
                json!({
                    "lists": array(reference("PublicObjectListSearchResult")),
                    "total": number(), "offset": number(), "hasMore": flag(),
                }),
                &["lists", "total", "offset", "hasMore"],
            ),
        ),
        (
            "ListFilterUpdateRequest",
            object(json!({ "filterBranch": any_object() }), &["filterBranch"]),
        ),
        (
            "PublicMigrationMapping",
            object(
                json!({ "legacyListId": text(), "listId": text() }),
                &["legacyListId", "listId"],
            ),
        ),
        (
            "PublicBatchMigrationMapping",
            object(
                json!({
                    "legacyListIdsToIdsMapping": array(reference("PublicMigrationMapping")),
                    "missingLegacyListIds": strings(),
                }),
                &["legacyListIdsToIdsMapping", "missingLegacyListIds"],
            ),
        ),
    ])
}

fn folders() -> Map<String, Json> {
    let one = || {
        object(
            json!({ "folder": reference("PublicListFolder") }),
            &["folder"],
        )
    };
    named(vec![
        (
            "PublicListFolder",
            object(
                json!({
                    // Integers on the numbered family, strings on the dated one.
                    "id": id_text(), "name": text(), "parentFolderId": id_text(),
                    "childNodes": array(reference("PublicListFolder")),
                    "childLists": array(number()),
                    "createdAt": time(), "updatedAt": time(),
                }),
                &["id", "name", "parentFolderId", "childNodes", "childLists"],
            ),
        ),
        ("ListFolderFetchResponse", one()),
        ("ListFolderCreateResponse", one()),
        (
            "ListFolderCreateRequest",
            object(
                json!({ "name": text(), "parentFolderId": id_text() }),
                &["name"],
            ),
        ),
        (
            "ListMoveRequest",
            object(
                json!({ "listId": id_text(), "newFolderId": id_text() }),
                &["listId", "newFolderId"],
            ),
        ),
    ])
}

fn memberships() -> Map<String, Json> {
    let membership = object(
        json!({
            "listId": text(), "listVersion": number(),
            "firstAddedTimestamp": time(), "lastAddedTimestamp": time(),
        }),
        &[
            "listId",
            "listVersion",
            "firstAddedTimestamp",
            "lastAddedTimestamp",
        ],
    );
    let record = object(
        json!({
            "objectTypeId": text(), "recordId": text(),
            "recordListMemberships": array(reference("RecordListMembership")),
        }),
        &["objectTypeId", "recordId", "recordListMemberships"],
    );
    named(vec![
        ("RecordListMembership", membership),
        (
            "ApiCollectionResponseRecordListMembershipNoPaging",
            object(
                json!({ "results": array(reference("RecordListMembership")), "total": number() }),
                &["results", "total"],
            ),
        ),
        (
            "BatchInputPublicRecordListMembership",
            object(
                json!({ "inputs": array(object(
                    json!({ "objectTypeId": text(), "recordId": id_text() }),
                    &["objectTypeId", "recordId"],
                )) }),
                &["inputs"],
            ),
        ),
        ("RecordIdWithMemberships", record),
        (
            "BatchResponsePublicRecordListMemberships",
            object(
                json!({
                    "status": one_of(&["COMPLETE"]),
                    "results": array(reference("RecordIdWithMemberships")),
                    "startedAt": time(), "completedAt": time(),
                }),
                &["status", "results", "startedAt", "completedAt"],
            ),
        ),
    ])
}

/// A list's members and the answers to changing them.
fn members() -> Map<String, Json> {
    let joined = object(
        json!({ "recordId": text(), "membershipTimestamp": time() }),
        &["recordId", "membershipTimestamp"],
    );
    let ids = || array(id_text());
    named(vec![
        ("JoinTimeAndRecordId", joined),
        (
            "ApiCollectionResponseJoinTimeAndRecordId",
            object(
                json!({ "results": array(reference("JoinTimeAndRecordId")), "paging": reference("ForwardPaging") }),
                &["results"],
            ),
        ),
        (
            "MembershipsUpdateResponse",
            object(
                // HubSpot's own spelling: `recordsIdsAdded`.
                json!({ "recordsIdsAdded": strings(), "recordIdsRemoved": strings(), "recordIdsMissing": strings() }),
                &["recordsIdsAdded", "recordIdsRemoved", "recordIdsMissing"],
            ),
        ),
        (
            "MembershipChangeRequest",
            closed(
                json!({ "recordIdsToAdd": ids(), "recordIdsToRemove": ids() }),
                &[],
            ),
        ),
    ])
}
