//! Naming the source's USER_DEFINED association types in the mirror. HubSpot's labels
//! API answers each type's id and label but no name, and ids differ between portals, so
//! the mirror creates each custom label under a name made from its text, pairs a label
//! with its inverse (the type one id above it, read from the other side, as HubSpot and
//! this service number a pair), and reads every edge's types through that map.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::client::{Client, ClientResult};
use crate::domain::ObjectType;
use crate::fixtures::format::FixtureLabel;

use super::source::{self, SourceSchema, SourceType};

/// An object as the source's URLs name it (`contacts`, `2-123`) and as the fixture keys it.
#[derive(Clone, Debug)]
pub struct Named {
    pub path: String,
    pub key: String,
}

/// The fixture key of the object a source names by type id (`0-1`, `2-123`) or by name.
pub fn key_for(objects: &[Named], type_id: &str) -> Option<String> {
    let standard = ObjectType::parse(type_id).filter(|o| ObjectType::STANDARD.contains(o));
    objects
        .iter()
        .find(|o| o.path == type_id || standard.is_some_and(|t| t.plural() == o.key))
        .map(|o| o.key.clone())
}

/// Where a source type id, read from one side, leads in the mirror.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    pub name: String,
    /// False when the type is read from the side opposite the one it was defined from:
    /// the edge is then written from its other end.
    pub forward: bool,
}

#[derive(Debug, Default)]
pub struct LabelMap {
    /// (from key, to key, source type id) → name in the mirror.
    names: HashMap<(String, String, i64), Resolved>,
    /// The custom labels to create, in the source's order.
    pub drafts: Vec<FixtureLabel>,
}

impl LabelMap {
    pub fn resolve(&self, from: &str, to: &str, type_id: i64) -> Option<Resolved> {
        let key = |a: &str, b: &str, id| (a.to_owned(), b.to_owned(), id);
        if let Some(found) = self.names.get(&key(from, to, type_id)) {
            return Some(found.clone());
        }
        // An inverse no pairing named: the forward type is the one just below it.
        let forward = self.names.get(&key(to, from, type_id - 1))?;
        Some(Resolved {
            name: forward.name.clone(),
            forward: !forward.forward,
        })
    }

    fn insert(&mut self, (from, to): (&str, &str), type_id: i64, name: &str, forward: bool) {
        let resolved = Resolved {
            name: name.to_owned(),
            forward,
        };
        self.names
            .insert((from.to_owned(), to.to_owned(), type_id), resolved);
    }
}

/// A label's name: its text in lower case with `_` for anything else, made unique.
fn name_for(label: &str, taken: &mut HashSet<String>) -> String {
    let base: String = label
        .chars()
        .map(|c| match c.is_ascii_alphanumeric() {
            true => c.to_ascii_lowercase(),
            false => '_',
        })
        .collect();
    let base = if base.starts_with(|c: char| c.is_ascii_alphabetic()) {
        base
    } else {
        format!("label_{base}")
    };
    let mut name = base.clone();
    let mut n = 2;
    while !taken.insert(name.clone()) {
        name = format!("{base}_{n}");
        n += 1;
    }
    name
}

/// Reads every pair's labels and the custom objects' association types.
pub async fn read(
    client: &Client,
    objects: &[Named],
    schemas: &[SourceSchema],
) -> ClientResult<LabelMap> {
    let mut map = LabelMap::default();
    for schema in schemas {
        for a in &schema.associations {
            let (Some(from), Some(to), Some(name), Ok(id)) = (
                key_for(objects, &a.from_object_type_id),
                key_for(objects, &a.to_object_type_id),
                a.name.as_deref(),
                a.id.parse::<i64>(),
            ) else {
                continue;
            };
            map.insert((&from, &to), id, name, true);
        }
    }
    let mut taken = HashSet::new();
    for (i, a) in objects.iter().enumerate() {
        for b in &objects[i..] {
            let forward = labeled(source::labels(client, &a.path, &b.path).await?);
            let backward = match a.path == b.path {
                true => forward.clone(),
                false => labeled(source::labels(client, &b.path, &a.path).await?),
            };
            pair_up(&mut map, (a, b), (&forward, &backward), &mut taken);
        }
    }
    Ok(map)
}

/// The USER_DEFINED types with a label, by id.
fn labeled(types: Vec<SourceType>) -> BTreeMap<i64, String> {
    types
        .into_iter()
        .filter(|t| t.category == "USER_DEFINED")
        .filter_map(|t| Some((t.type_id, t.label?)))
        .collect()
}

/// Pairs each label read from `a` with its inverse read from `b` (one id above), and
/// makes unpaired ones (one id on both sides) single labels.
fn pair_up(
    map: &mut LabelMap,
    (a, b): (&Named, &Named),
    (from_a, from_b): (&BTreeMap<i64, String>, &BTreeMap<i64, String>),
    taken: &mut HashSet<String>,
) {
    // Types already named, by the side (object key) they are read from.
    let mut used: HashSet<(&str, i64)> = HashSet::new();
    for (x, y, from_x, from_y) in [(a, b, from_a, from_b), (b, a, from_b, from_a)] {
        for (&id, label) in from_x {
            if used.contains(&(x.key.as_str(), id)) {
                continue;
            }
            let inverse = from_y
                .get(&(id + 1))
                .filter(|_| !used.contains(&(y.key.as_str(), id + 1)));
            let same = (a.path == b.path || from_y.contains_key(&id)) && inverse.is_none();
            if inverse.is_none() && !same {
                continue;
            }
            let name = name_for(label, taken);
            used.insert((&x.key, id));
            map.insert((&x.key, &y.key), id, &name, true);
            match inverse {
                Some(_) => {
                    used.insert((&y.key, id + 1));
                    map.insert((&y.key, &x.key), id + 1, &name, false);
                }
                None => {
                    used.insert((&y.key, id));
                    map.insert((&y.key, &x.key), id, &name, true);
                }
            }
            map.drafts.push(FixtureLabel {
                from_object_type: x.key.clone(),
                to_object_type: y.key.clone(),
                name,
                label: label.clone(),
                inverse_label: inverse.cloned(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(key: &str) -> Named {
        Named {
            path: key.to_owned(),
            key: key.to_owned(),
        }
    }

    #[test]
    fn a_label_and_its_inverse_one_id_above_become_one_paired_label() {
        let mut map = LabelMap::default();
        let (contacts, companies) = (named("contacts"), named("companies"));
        let from_contacts = BTreeMap::from([(40, "Manager".to_owned())]);
        let from_companies = BTreeMap::from([(41, "Managed by".to_owned())]);
        let mut taken = HashSet::new();
        pair_up(
            &mut map,
            (&companies, &contacts),
            (&from_companies, &from_contacts),
            &mut taken,
        );
        assert_eq!(map.drafts.len(), 1);
        assert_eq!(map.drafts[0].from_object_type, "contacts");
        assert_eq!(map.drafts[0].name, "manager");
        assert_eq!(map.drafts[0].inverse_label.as_deref(), Some("Managed by"));
        let back = map.resolve("companies", "contacts", 41).unwrap();
        assert_eq!((back.name.as_str(), back.forward), ("manager", false));
        assert!(map.resolve("contacts", "companies", 40).unwrap().forward);
    }

    #[test]
    fn an_unpaired_label_has_one_id_from_both_sides() {
        let mut map = LabelMap::default();
        let (deals, tickets) = (named("deals"), named("tickets"));
        let both = BTreeMap::from([(77, "Related".to_owned())]);
        pair_up(
            &mut map,
            (&deals, &tickets),
            (&both, &both),
            &mut HashSet::new(),
        );
        assert_eq!(map.drafts.len(), 1);
        assert_eq!(map.drafts[0].inverse_label, None);
        assert!(map.resolve("tickets", "deals", 77).unwrap().forward);
    }
}
