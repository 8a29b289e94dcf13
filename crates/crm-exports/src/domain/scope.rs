//! The OAuth-style scopes a token can hold. The list is what `token create` accepts and what
//! the first-start development token is given.

/// Every scope this service checks anywhere, in HubSpot's spelling.
pub const ALL_SCOPES: &[&str] = &[
    "crm.objects.contacts.read",
    "crm.objects.contacts.write",
    "crm.objects.companies.read",
    "crm.objects.companies.write",
    "crm.objects.deals.read",
    "crm.objects.deals.write",
    "crm.objects.tickets.read",
    "crm.objects.tickets.write",
    "tickets",
    "crm.objects.custom.read",
    "crm.objects.custom.write",
    "crm.objects.owners.read",
    "crm.schemas.contacts.read",
    "crm.schemas.contacts.write",
    "crm.schemas.companies.read",
    "crm.schemas.companies.write",
    "crm.schemas.deals.read",
    "crm.schemas.deals.write",
    "crm.schemas.tickets.read",
    "crm.schemas.tickets.write",
    "crm.schemas.custom.read",
    "crm.schemas.custom.write",
    "crm.lists.read",
    "crm.lists.write",
    "crm.export",
];

pub fn is_known(scope: &str) -> bool {
    ALL_SCOPES.contains(&scope)
}
