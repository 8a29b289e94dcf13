//! The CRM object types this service stores — the standard ones (contacts, companies, deals,
//! tickets) and a portal's custom objects (`2-<n>`, defined through the schemas API) — and
//! how a `{objectType}` path segment resolves: plural name, singular name or objectTypeId in
//! any letter case for the standard types here; a custom object's names need its portal's
//! schemas, so the API resolves those through the store.

use std::borrow::Cow;
use std::fmt;

/// A standard object type, or a custom object named by the number in its `2-<n>` id. Custom
/// numbers are unique across the server, so one portal's custom type never names another's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectType {
    Contacts,
    Companies,
    Deals,
    Tickets,
    Custom(u32),
}

impl ObjectType {
    /// The standard types, which every portal has.
    pub const STANDARD: [ObjectType; 4] =
        [Self::Contacts, Self::Companies, Self::Deals, Self::Tickets];

    /// HubSpot's objectTypeId, e.g. `0-1`, or `2-<n>` for a custom object.
    pub fn type_id(self) -> Cow<'static, str> {
        match self {
            Self::Contacts => Cow::Borrowed("0-1"),
            Self::Companies => Cow::Borrowed("0-2"),
            Self::Deals => Cow::Borrowed("0-3"),
            Self::Tickets => Cow::Borrowed("0-5"),
            Self::Custom(n) => Cow::Owned(format!("2-{n}")),
        }
    }

    pub fn is_custom(self) -> bool {
        matches!(self, Self::Custom(_))
    }

    /// The plural API name used by the legacy SDKs' paths, e.g. `contacts`. A custom object's
    /// names live in its schema; without it, its objectTypeId stands in.
    pub fn plural(self) -> Cow<'static, str> {
        match self {
            Self::Contacts => Cow::Borrowed("contacts"),
            Self::Companies => Cow::Borrowed("companies"),
            Self::Deals => Cow::Borrowed("deals"),
            Self::Tickets => Cow::Borrowed("tickets"),
            Self::Custom(_) => self.type_id(),
        }
    }

    pub fn singular(self) -> Cow<'static, str> {
        match self {
            Self::Contacts => Cow::Borrowed("contact"),
            Self::Companies => Cow::Borrowed("company"),
            Self::Deals => Cow::Borrowed("deal"),
            Self::Tickets => Cow::Borrowed("ticket"),
            Self::Custom(_) => self.type_id(),
        }
    }

    /// Resolves a standard type's name or id without regard to letter case, and a custom
    /// object's `2-<n>` id by its form alone: whether the portal has that custom object is
    /// the store's to say.
    pub fn parse(segment: &str) -> Option<Self> {
        if let Some(number) = segment.strip_prefix("2-") {
            // Digits only, no sign or leading zero, so each custom type has one spelling.
            let canonical = !number.is_empty()
                && number.bytes().all(|b| b.is_ascii_digit())
                && !number.starts_with('0');
            return number.parse().ok().filter(|_| canonical).map(Self::Custom);
        }
        Self::STANDARD.into_iter().find(|t| {
            segment == t.type_id()
                || segment.eq_ignore_ascii_case(&t.plural())
                || segment.eq_ignore_ascii_case(&t.singular())
        })
    }

    /// The property holding the creation timestamp: custom objects prefix it.
    pub fn created_property(self) -> &'static str {
        match self {
            Self::Custom(_) => "hs_createdate",
            _ => "createdate",
        }
    }

    /// The property holding the last-modified timestamp: contacts spell it differently.
    pub fn last_modified_property(self) -> &'static str {
        match self {
            Self::Contacts => "lastmodifieddate",
            _ => "hs_lastmodifieddate",
        }
    }

    /// Properties returned by reads and searches that name none (HubSpot's search guide).
    pub fn default_properties(self) -> &'static [&'static str] {
        match self {
            Self::Contacts => &[
                "createdate",
                "email",
                "firstname",
                "hs_object_id",
                "lastmodifieddate",
                "lastname",
            ],
            Self::Companies => &[
                "createdate",
                "domain",
                "hs_lastmodifieddate",
                "hs_object_id",
                "name",
            ],
            Self::Deals => &[
                "amount",
                "closedate",
                "createdate",
                "dealname",
                "dealstage",
                "hs_lastmodifieddate",
                "hs_object_id",
                "pipeline",
            ],
            Self::Tickets => &[
                "content",
                "createdate",
                "hs_lastmodifieddate",
                "hs_object_id",
                "hs_pipeline",
                "hs_pipeline_stage",
                "hs_ticket_category",
                "hs_ticket_priority",
                "subject",
            ],
            Self::Custom(_) => &["hs_createdate", "hs_lastmodifieddate", "hs_object_id"],
        }
    }

    /// Read and write scopes for records; any one scope of a list suffices. Tickets keep
    /// HubSpot's legacy `tickets` scope beside the granular ones.
    pub fn read_scopes(self) -> &'static [&'static str] {
        match self {
            Self::Contacts => &["crm.objects.contacts.read"],
            Self::Companies => &["crm.objects.companies.read"],
            Self::Deals => &["crm.objects.deals.read"],
            Self::Tickets => &["tickets", "crm.objects.tickets.read"],
            Self::Custom(_) => &["crm.objects.custom.read"],
        }
    }

    pub fn write_scopes(self) -> &'static [&'static str] {
        match self {
            Self::Contacts => &["crm.objects.contacts.write"],
            Self::Companies => &["crm.objects.companies.write"],
            Self::Deals => &["crm.objects.deals.write"],
            Self::Tickets => &["tickets", "crm.objects.tickets.write"],
            Self::Custom(_) => &["crm.objects.custom.write"],
        }
    }

    /// Scopes that may read property definitions: the object's read scopes or its schema
    /// read scope.
    pub fn schema_read_scopes(self) -> Vec<&'static str> {
        let mut scopes = self.read_scopes().to_vec();
        scopes.push(match self {
            Self::Contacts => "crm.schemas.contacts.read",
            Self::Companies => "crm.schemas.companies.read",
            Self::Deals => "crm.schemas.deals.read",
            Self::Tickets => "crm.schemas.tickets.read",
            Self::Custom(_) => "crm.schemas.custom.read",
        });
        scopes
    }

    pub fn schema_write_scopes(self) -> &'static [&'static str] {
        match self {
            Self::Contacts => &["crm.schemas.contacts.write"],
            Self::Companies => &["crm.schemas.companies.write"],
            Self::Deals => &["crm.schemas.deals.write"],
            Self::Tickets => &["tickets", "crm.schemas.tickets.write"],
            Self::Custom(_) => &["crm.schemas.custom.write"],
        }
    }
}

/// Stored and sent as the objectTypeId (`0-1`); read back from any accepted spelling.
impl serde::Serialize for ObjectType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.type_id())
    }
}

impl<'de> serde::Deserialize<'de> for ObjectType {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        ObjectType::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown object type {text:?}")))
    }
}

impl fmt::Display for ObjectType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.plural())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_an_object_type_resolves_to_it() {
        for t in ObjectType::STANDARD {
            assert_eq!(ObjectType::parse(&t.type_id()), Some(t));
            assert_eq!(ObjectType::parse(&t.plural()), Some(t));
            assert_eq!(ObjectType::parse(&t.singular()), Some(t));
            assert_eq!(ObjectType::parse(&t.plural().to_uppercase()), Some(t));
        }
        assert_eq!(ObjectType::parse("widgets"), None);
        assert_eq!(ObjectType::parse("0-4"), None);
    }

    #[test]
    fn a_custom_type_id_has_one_spelling() {
        assert_eq!(ObjectType::parse("2-17"), Some(ObjectType::Custom(17)));
        assert_eq!(ObjectType::Custom(17).type_id(), "2-17");
        for bad in ["2-", "2-017", "2-+1", "2--1", "2-1a", "2-99999999999"] {
            assert_eq!(ObjectType::parse(bad), None, "{bad}");
        }
    }
}
