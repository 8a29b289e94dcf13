//! The standard CRM object types this service stores (contacts, companies, deals, tickets),
//! and how a `{objectType}` path segment — plural name, singular name or objectTypeId, in
//! any letter case — resolves to one of them.

use std::fmt;

/// One of the standard object types. A closed set: custom objects are a later issue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectType {
    Contacts,
    Companies,
    Deals,
    Tickets,
}

impl ObjectType {
    pub const ALL: [ObjectType; 4] = [Self::Contacts, Self::Companies, Self::Deals, Self::Tickets];

    /// HubSpot's objectTypeId, e.g. `0-1`.
    pub fn type_id(self) -> &'static str {
        match self {
            Self::Contacts => "0-1",
            Self::Companies => "0-2",
            Self::Deals => "0-3",
            Self::Tickets => "0-5",
        }
    }

    /// The plural API name used by the legacy SDKs' paths, e.g. `contacts`.
    pub fn plural(self) -> &'static str {
        match self {
            Self::Contacts => "contacts",
            Self::Companies => "companies",
            Self::Deals => "deals",
            Self::Tickets => "tickets",
        }
    }

    pub fn singular(self) -> &'static str {
        match self {
            Self::Contacts => "contact",
            Self::Companies => "company",
            Self::Deals => "deal",
            Self::Tickets => "ticket",
        }
    }

    /// Resolves a path segment; names are matched without regard to letter case.
    pub fn parse(segment: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| {
            segment == t.type_id()
                || segment.eq_ignore_ascii_case(t.plural())
                || segment.eq_ignore_ascii_case(t.singular())
        })
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
        }
    }

    pub fn write_scopes(self) -> &'static [&'static str] {
        match self {
            Self::Contacts => &["crm.objects.contacts.write"],
            Self::Companies => &["crm.objects.companies.write"],
            Self::Deals => &["crm.objects.deals.write"],
            Self::Tickets => &["tickets", "crm.objects.tickets.write"],
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
        });
        scopes
    }

    pub fn schema_write_scopes(self) -> &'static [&'static str] {
        match self {
            Self::Contacts => &["crm.schemas.contacts.write"],
            Self::Companies => &["crm.schemas.companies.write"],
            Self::Deals => &["crm.schemas.deals.write"],
            Self::Tickets => &["tickets", "crm.schemas.tickets.write"],
        }
    }
}

/// Stored and sent as the objectTypeId (`0-1`); read back from any accepted spelling.
impl serde::Serialize for ObjectType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.type_id())
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
        f.write_str(self.plural())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_an_object_type_resolves_to_it() {
        for t in ObjectType::ALL {
            assert_eq!(ObjectType::parse(t.type_id()), Some(t));
            assert_eq!(ObjectType::parse(t.plural()), Some(t));
            assert_eq!(ObjectType::parse(t.singular()), Some(t));
            assert_eq!(ObjectType::parse(&t.plural().to_uppercase()), Some(t));
        }
        assert_eq!(ObjectType::parse("widgets"), None);
        assert_eq!(ObjectType::parse("0-4"), None);
    }
}
