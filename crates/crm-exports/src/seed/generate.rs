//! One demo record at a time, as property values in HubSpot's wire form plus the records
//! it is associated with (by their index among the records created before it). Pure and
//! deterministic: the same seed and index always give the same record.

use super::pools::{self, LOCALES, Locale};
use super::rng::Rng;
use crate::domain::ObjectType;

/// 2021-01-01T00:00:00Z: demo records are spread over the five years after it.
pub const FIRST_DAY_MS: i64 = 1_609_459_200_000;
pub const SPAN_MS: i64 = 5 * 365 * 86_400_000;
const DAY_MS: i64 = 86_400_000;

/// A record to create.
#[derive(Clone, Debug, PartialEq)]
pub struct Draft {
    pub properties: Vec<(&'static str, String)>,
    pub links: Vec<Link>,
}

/// An association to a record created earlier, named by its object and index.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Link {
    pub to: ObjectType,
    pub index: usize,
    pub type_id: i64,
}

/// What a generated record may point at: how many of each were made, and the owners.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    pub seed: u64,
    pub companies: usize,
    pub contacts: usize,
    pub owners: &'a [i64],
}

impl Context<'_> {
    fn rng(&self, object: ObjectType, index: usize) -> Rng {
        // The objectTypeId's number: stable whatever order the enum lists objects in.
        let stream = match object {
            ObjectType::Contacts => 1,
            ObjectType::Companies => 2,
            ObjectType::Deals => 3,
            ObjectType::Tickets => 5,
            ObjectType::Custom(n) => 2_000_000 + u64::from(n),
        };
        Rng::for_record(self.seed, stream, index as u64)
    }

    fn owner(&self, rng: &mut Rng) -> Option<String> {
        (!self.owners.is_empty() && rng.chance(85)).then(|| rng.pick(self.owners).to_string())
    }
}

fn push_some(properties: &mut Vec<(&'static str, String)>, name: &'static str, v: Option<String>) {
    if let Some(v) = v {
        properties.push((name, v));
    }
}

fn phone(rng: &mut Rng, locale: &Locale) -> String {
    format!(
        "{} {} {} {}",
        locale.phone_prefix,
        rng.digits(3),
        rng.digits(3),
        rng.digits(4)
    )
}

fn address(rng: &mut Rng) -> String {
    format!("{} {}", rng.between(1, 250), rng.pick(pools::STREETS))
}

/// A company's locale and family name, shared by the company and the contacts that
/// name it in their `company` property.
fn company_roots(
    ctx: &Context,
    index: usize,
) -> (&'static Locale, usize, &'static str, &'static str) {
    let mut rng = ctx.rng(ObjectType::Companies, index);
    let locale = rng.pick(LOCALES);
    let (family, ascii) = *rng.pick(locale.last_names);
    let pattern = rng.below(locale.company_patterns.len() as u64) as usize;
    (locale, pattern, family, ascii)
}

pub fn company_name(ctx: &Context, index: usize) -> String {
    let (locale, pattern, family, _) = company_roots(ctx, index);
    locale.company_patterns[pattern].replace("{}", family)
}

const INDUSTRIES: &[&str] = &[
    "COMPUTER_SOFTWARE",
    "INTERNET",
    "BANKING",
    "AUTOMOTIVE",
    "BIOTECHNOLOGY",
    "CONSTRUCTION",
    "CONSUMER_GOODS",
    "DESIGN",
    "E_LEARNING",
    "ENTERTAINMENT",
];
const LIFECYCLE: &[&str] = &[
    "subscriber",
    "lead",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "customer",
    "evangelist",
];
const LEAD_STATUS: &[&str] = &["NEW", "OPEN", "IN_PROGRESS", "CONNECTED", "BAD_TIMING"];

pub fn company(ctx: &Context, index: usize) -> Draft {
    let (locale, _, _, ascii) = company_roots(ctx, index);
    let mut rng = ctx.rng(ObjectType::Companies, index);
    // Skip the draws company_roots made, so the rest differ from them.
    for _ in 0..3 {
        rng.next_u64();
    }
    let domain = format!("{ascii}-{index}.example");
    let (city, state, zip_digits) = *rng.pick(locale.cities);
    let mut properties = vec![
        ("name", company_name(ctx, index)),
        ("domain", domain.clone()),
        ("website", format!("https://www.{domain}")),
        ("phone", phone(&mut rng, locale)),
        ("industry", rng.pick(INDUSTRIES).to_string()),
        (
            "type",
            rng.pick(&["PROSPECT", "PARTNER", "RESELLER", "VENDOR"])
                .to_string(),
        ),
        ("numberofemployees", rng.between(1, 20_000).to_string()),
        (
            "annualrevenue",
            (rng.between(10, 500_000) * 1000).to_string(),
        ),
        ("description", rng.pick(pools::NOTES).to_string()),
        ("address", address(&mut rng)),
        ("city", city.to_owned()),
        ("state", state.to_owned()),
        ("zip", rng.digits(zip_digits)),
        ("country", locale.country.to_owned()),
        ("founded_year", rng.between(1890, 2023).to_string()),
        ("lifecyclestage", rng.pick(LIFECYCLE).to_string()),
    ];
    push_some(&mut properties, "hubspot_owner_id", ctx.owner(&mut rng));
    properties.retain(|(_, v)| !v.is_empty());
    Draft {
        properties,
        links: Vec::new(),
    }
}

const EMAIL_DOMAINS: &[&str] = &["example.com", "example.org", "example.net", "mail.example"];

pub fn contact(ctx: &Context, index: usize) -> Draft {
    let mut rng = ctx.rng(ObjectType::Contacts, index);
    let locale = rng.pick(LOCALES);
    let (first, first_ascii) = *rng.pick(locale.first_names);
    let (last, last_ascii) = *rng.pick(locale.last_names);
    let (city, state, zip_digits) = *rng.pick(locale.cities);
    // The index makes every address unique, whatever names were drawn.
    let email = format!(
        "{first_ascii}.{last_ascii}.{index}@{}",
        rng.pick(EMAIL_DOMAINS)
    );
    let mut properties = vec![
        ("email", email),
        ("firstname", first.to_owned()),
        ("lastname", last.to_owned()),
        ("phone", phone(&mut rng, locale)),
        ("jobtitle", rng.pick(pools::JOB_TITLES).to_string()),
        ("address", address(&mut rng)),
        ("city", city.to_owned()),
        ("state", state.to_owned()),
        ("zip", rng.digits(zip_digits)),
        ("country", locale.country.to_owned()),
        ("lifecyclestage", rng.pick(LIFECYCLE).to_string()),
        ("message", rng.pick(pools::NOTES).to_string()),
    ];
    if rng.chance(50) {
        properties.push(("mobilephone", phone(&mut rng, locale)));
    }
    if rng.chance(60) {
        properties.push(("hs_lead_status", rng.pick(LEAD_STATUS).to_string()));
    }
    if rng.chance(40) {
        let day = rng.below(40 * 365) as i64;
        let birth = chrono::DateTime::from_timestamp_millis(-20 * 365 * DAY_MS + day * DAY_MS)
            .map(|d| d.format("%Y-%m-%d").to_string());
        push_some(&mut properties, "date_of_birth", birth);
    }
    push_some(&mut properties, "hubspot_owner_id", ctx.owner(&mut rng));
    let mut links = Vec::new();
    if ctx.companies > 0 && rng.chance(90) {
        let company = rng.below(ctx.companies as u64) as usize;
        properties.push(("company", company_name(ctx, company)));
        links.push(Link {
            to: ObjectType::Companies,
            index: company,
            type_id: 279,
        });
    }
    properties.retain(|(_, v)| !v.is_empty());
    Draft { properties, links }
}

const DEAL_STAGES: &[&str] = &[
    "appointmentscheduled",
    "qualifiedtobuy",
    "presentationscheduled",
    "decisionmakerboughtin",
    "contractsent",
    "closedwon",
    "closedlost",
];

pub fn deal(ctx: &Context, index: usize) -> Draft {
    let mut rng = ctx.rng(ObjectType::Deals, index);
    let close = FIRST_DAY_MS + rng.below((SPAN_MS / DAY_MS) as u64) as i64 * DAY_MS;
    let mut properties = vec![
        ("dealname", String::new()),
        (
            "amount",
            format!("{}.{:02}", rng.between(500, 250_000), rng.below(100)),
        ),
        ("dealstage", rng.pick(DEAL_STAGES).to_string()),
        ("pipeline", "default".to_owned()),
        ("closedate", close.to_string()),
        (
            "dealtype",
            rng.pick(&["newbusiness", "existingbusiness"]).to_string(),
        ),
        (
            "hs_priority",
            rng.pick(&["low", "medium", "high"]).to_string(),
        ),
        ("description", rng.pick(pools::NOTES).to_string()),
    ];
    push_some(&mut properties, "hubspot_owner_id", ctx.owner(&mut rng));
    let mut links = Vec::new();
    let word = rng.pick(pools::DEAL_WORDS);
    properties[0].1 = if ctx.companies > 0 {
        let company = rng.below(ctx.companies as u64) as usize;
        links.push(Link {
            to: ObjectType::Companies,
            index: company,
            type_id: 341,
        });
        format!("{} – {word}", company_name(ctx, company))
    } else {
        format!("{word} #{index}")
    };
    if ctx.contacts > 0 {
        links.push(Link {
            to: ObjectType::Contacts,
            index: rng.below(ctx.contacts as u64) as usize,
            type_id: 3,
        });
    }
    properties.retain(|(_, v)| !v.is_empty());
    Draft { properties, links }
}

pub fn ticket(ctx: &Context, index: usize) -> Draft {
    let mut rng = ctx.rng(ObjectType::Tickets, index);
    let mut properties = vec![
        ("subject", rng.pick(pools::TICKET_SUBJECTS).to_string()),
        ("content", rng.pick(pools::NOTES).to_string()),
        ("hs_pipeline", "0".to_owned()),
        (
            "hs_pipeline_stage",
            rng.pick(&["1", "2", "3", "4"]).to_string(),
        ),
        (
            "hs_ticket_priority",
            rng.pick(&["LOW", "MEDIUM", "HIGH", "URGENT"]).to_string(),
        ),
        (
            "hs_ticket_category",
            rng.pick(&[
                "PRODUCT_ISSUE",
                "BILLING_ISSUE",
                "FEATURE_REQUEST",
                "GENERAL_INQUIRY",
            ])
            .to_string(),
        ),
        (
            "source_type",
            rng.pick(&["CHAT", "EMAIL", "FORM", "PHONE"]).to_string(),
        ),
    ];
    push_some(&mut properties, "hubspot_owner_id", ctx.owner(&mut rng));
    let mut links = Vec::new();
    if ctx.contacts > 0 {
        links.push(Link {
            to: ObjectType::Contacts,
            index: rng.below(ctx.contacts as u64) as usize,
            type_id: 16,
        });
    }
    if ctx.companies > 0 && rng.chance(70) {
        links.push(Link {
            to: ObjectType::Companies,
            index: rng.below(ctx.companies as u64) as usize,
            type_id: 339,
        });
    }
    properties.retain(|(_, v)| !v.is_empty());
    Draft { properties, links }
}

pub fn draft(object: ObjectType, ctx: &Context, index: usize) -> Draft {
    match object {
        ObjectType::Companies => company(ctx, index),
        ObjectType::Contacts => contact(ctx, index),
        ObjectType::Deals => deal(ctx, index),
        ObjectType::Tickets => ticket(ctx, index),
        // The seed defines no custom objects; one would get only its system fields.
        ObjectType::Custom(_) => Draft {
            properties: Vec::new(),
            links: Vec::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(seed: u64) -> Context<'static> {
        Context {
            seed,
            companies: 10,
            contacts: 20,
            owners: &[7, 8],
        }
    }

    fn value<'a>(draft: &'a Draft, name: &str) -> Option<&'a str> {
        draft
            .properties
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn the_same_seed_gives_the_same_records_and_another_seed_others() {
        for object in ObjectType::STANDARD {
            assert_eq!(draft(object, &ctx(1), 5), draft(object, &ctx(1), 5));
        }
        let emails = |seed| {
            (0..20)
                .map(|i| value(&contact(&ctx(seed), i), "email").unwrap().to_owned())
                .collect::<Vec<_>>()
        };
        assert_ne!(emails(1), emails(2));
    }

    #[test]
    fn emails_are_unique_and_links_point_at_existing_records() {
        let ctx = ctx(3);
        let mut emails = std::collections::HashSet::new();
        for i in 0..2000 {
            let c = contact(&ctx, i);
            assert!(emails.insert(value(&c, "email").unwrap().to_owned()));
            for link in c
                .links
                .iter()
                .chain(&deal(&ctx, i).links)
                .chain(&ticket(&ctx, i).links)
            {
                let bound = if link.to == ObjectType::Companies {
                    ctx.companies
                } else {
                    ctx.contacts
                };
                assert!(link.index < bound);
            }
        }
    }

    #[test]
    fn a_contact_names_the_company_it_is_associated_with() {
        let ctx = ctx(4);
        let c = (0..50)
            .map(|i| contact(&ctx, i))
            .find(|c| !c.links.is_empty())
            .unwrap();
        assert_eq!(
            value(&c, "company").unwrap(),
            company_name(&ctx, c.links[0].index)
        );
    }
}
