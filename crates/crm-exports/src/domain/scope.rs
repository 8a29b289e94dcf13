//! The OAuth-style scopes a token can hold: HubSpot's, which `token create --scopes all`
//! grants, and this service's own admin scope, which only a token created with it by name
//! (and the first-start development token) holds.

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

/// The scope of the admin API under `/_crm-exports/` (reset, clock, faults); not HubSpot's.
pub const ADMIN_SCOPE: &str = "crm-exports.admin";

pub fn is_known(scope: &str) -> bool {
    scope == ADMIN_SCOPE || ALL_SCOPES.contains(&scope)
}

/// What the first-start development token holds: every HubSpot scope and the admin scope.
pub fn development_scopes() -> Vec<String> {
    ALL_SCOPES
        .iter()
        .chain(std::iter::once(&ADMIN_SCOPE))
        .map(|s| s.to_string())
        .collect()
}
