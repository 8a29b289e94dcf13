//! A dump of everything a portal holds, read through the API (so it works on either store):
//! schemas, properties and groups, every record of every type (archived ones too) with every
//! property and its associations, lists with their members and folders, owners, association
//! labels and limits, and exports. Two dumps are equal exactly when nothing stored in the
//! portal changed.

use serde_json::{Value, json};

use crate::helpers::TestApp;

const STANDARD: [&str; 4] = ["contacts", "companies", "deals", "tickets"];

async fn get(app: &TestApp, path: &str) -> Value {
    let reply = app.get(path).await;
    assert!(
        reply.status.is_success(),
        "dump: {path}: {} {}",
        reply.status,
        reply.body
    );
    reply.body
}

async fn records(app: &TestApp, object: &str, properties: &str, archived: bool) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after = String::new();
    loop {
        let page = get(
            app,
            &format!(
                "/crm/v3/objects/{object}?limit=100&archived={archived}&properties={properties}&after={after}"
            ),
        )
        .await;
        out.extend(page["results"].as_array().cloned().unwrap_or_default());
        match page["paging"]["next"]["after"].as_str() {
            Some(next) => after = next.to_string(),
            None => return out,
        }
    }
}

pub async fn portal(app: &TestApp) -> Value {
    let schemas = get(app, "/crm-object-schemas/v3/schemas?archived=true").await;
    let mut objects: Vec<String> = STANDARD.iter().map(|s| s.to_string()).collect();
    for schema in schemas["results"].as_array().into_iter().flatten() {
        if schema["archived"] != json!(true) {
            objects.push(schema["objectTypeId"].as_str().unwrap().to_string());
        }
    }
    let mut dump = json!({"schemas": schemas});
    for object in &objects {
        let properties = get(app, &format!("/crm/v3/properties/{object}?archived=true")).await;
        let names: Vec<&str> = properties["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        let names = names.join(",");
        let mut all = records(app, object, &names, false).await;
        all.extend(records(app, object, &names, true).await);
        for record in &mut all {
            let id = record["id"].as_str().unwrap().to_string();
            let mut links = serde_json::Map::new();
            for to in STANDARD {
                let found = app
                    .get(&format!("/crm/v4/objects/{object}/{id}/associations/{to}"))
                    .await;
                links.insert(to.into(), found.body);
            }
            record["associations"] = Value::Object(links);
        }
        dump[object.as_str()] = json!({
            "properties": properties,
            "groups": get(app, &format!("/crm/v3/properties/{object}/groups")).await,
            "records": all,
        });
    }
    let lists = app
        .post("/crm/v3/lists/search", json!({"count": 500, "offset": 0}))
        .await
        .body;
    let mut members = serde_json::Map::new();
    for list in lists["lists"].as_array().into_iter().flatten() {
        let id = list["listId"].as_str().unwrap();
        members.insert(
            id.into(),
            get(app, &format!("/crm/v3/lists/{id}/memberships?limit=250")).await,
        );
    }
    dump["lists"] = lists;
    dump["memberships"] = Value::Object(members);
    dump["owners"] = get(app, "/crm/v3/owners?limit=500").await;
    // The association types (custom labels included) of every pair that has any.
    let mut labels = serde_json::Map::new();
    for from in STANDARD {
        for to in STANDARD {
            let found = app
                .get(&format!("/crm/v4/associations/{from}/{to}/labels"))
                .await;
            if found.status.is_success() {
                labels.insert(format!("{from}->{to}"), found.body);
            }
        }
    }
    dump["labels"] = Value::Object(labels);
    dump["limits"] = get(app, "/crm/v4/associations/definitions/configurations/all").await;
    dump["folders"] = get(app, "/crm/v3/lists/folders").await;
    dump["exports"] = get(app, "/crm/v3/exports/export").await;
    dump
}
