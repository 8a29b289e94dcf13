//! [`Faults`]: the failures a test asked for through the admin API, in this process's
//! memory, shared by the API (which answers matching requests with them) and the export
//! workers (which apply an export fault to a portal's next export). A rule matches a
//! method, a path glob and a portal, fires `times` times (or until cleared), each time with
//! its `probability` drawn from its own seeded generator, so a run repeats exactly. Faults
//! never change stored data. Imports nothing of ours.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// Which requests a rule applies to; a field left out matches every request.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuleMatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// A glob: `*` is any text within a path segment, `**` any text at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub portal_id: Option<i64>,
}

/// What a matching request gets instead of (or before) its answer.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Effect {
    /// 429, 500, 502 or 503, answered with HubSpot's body and headers for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// A 429's rate-limit policy (`TEN_SECONDLY_ROLLING` unless given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// Milliseconds to wait before answering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    /// Close the connection without a complete answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub drop_connection: bool,
}

/// A request rule as given to the admin API.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    #[serde(rename = "match", default)]
    pub matches: RuleMatch,
    pub effect: Effect,
    /// How many matching requests it fires on; every one while active when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

/// What a portal's next export does.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum ExportFault {
    /// Fails for good with this reason.
    Fail(String),
    /// Ends CANCELED, as if the client had canceled it once it started.
    Cancel(bool),
}

/// A rule as the registry keeps it: its id and what it has left.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActiveRule {
    pub id: u64,
    #[serde(flatten)]
    pub rule: Rule,
    /// Firings left; `None` for a rule without `times`.
    pub remaining: Option<u64>,
    #[serde(skip)]
    draws: Option<StdRng>,
}

#[derive(Default)]
struct Registry {
    next_id: u64,
    rules: Vec<ActiveRule>,
    exports: HashMap<i64, ExportFault>,
}

#[derive(Default)]
pub struct Faults {
    registry: Mutex<Registry>,
}

impl Faults {
    fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn add_rule(&self, rule: Rule) -> ActiveRule {
        let mut registry = self.registry();
        registry.next_id += 1;
        let active = ActiveRule {
            id: registry.next_id,
            remaining: rule.times,
            draws: rule
                .probability
                .map(|_| StdRng::seed_from_u64(rule.seed.unwrap_or(0))),
            rule,
        };
        registry.rules.push(active.clone());
        active
    }

    pub fn set_export_fault(&self, portal: i64, fault: ExportFault) {
        self.registry().exports.insert(portal, fault);
    }

    /// The rules still active, oldest first, and the pending export faults by portal.
    pub fn active(&self) -> (Vec<ActiveRule>, Vec<(i64, ExportFault)>) {
        let registry = self.registry();
        let mut exports: Vec<_> = registry.exports.clone().into_iter().collect();
        exports.sort_by_key(|(portal, _)| *portal);
        (registry.rules.clone(), exports)
    }

    pub fn clear(&self) {
        let mut registry = self.registry();
        registry.rules.clear();
        registry.exports.clear();
    }

    /// The effect of the first rule that matches and fires for this request, counted.
    pub fn fire(&self, method: &str, path: &str, portal: Option<i64>) -> Option<Effect> {
        let mut registry = self.registry();
        let rules = &mut registry.rules;
        let at = rules
            .iter_mut()
            .position(|r| r.matches(method, path, portal) && r.draw())?;
        let effect = rules[at].rule.effect.clone();
        if let Some(left) = &mut rules[at].remaining {
            *left -= 1;
            if *left == 0 {
                rules.remove(at);
            }
        }
        Some(effect)
    }

    /// Whether any rule names a portal, so the caller must find the request's portal.
    pub fn needs_portal(&self) -> bool {
        let registry = self.registry();
        registry
            .rules
            .iter()
            .any(|r| r.rule.matches.portal_id.is_some())
    }

    pub fn is_empty(&self) -> bool {
        self.registry().rules.is_empty()
    }

    /// Takes the fault waiting for the portal's next export, if any.
    pub fn take_export_fault(&self, portal: i64) -> Option<ExportFault> {
        self.registry().exports.remove(&portal)
    }
}

impl ActiveRule {
    fn matches(&self, method: &str, path: &str, portal: Option<i64>) -> bool {
        let m = &self.rule.matches;
        m.method
            .as_deref()
            .is_none_or(|x| x.eq_ignore_ascii_case(method))
            && m.path
                .as_deref()
                .is_none_or(|glob| glob_matches(glob, path))
            && m.portal_id.is_none_or(|p| Some(p) == portal)
    }

    /// Whether it fires this time: always without a probability, else by its own draws.
    fn draw(&mut self) -> bool {
        match (&mut self.draws, self.rule.probability) {
            (Some(draws), Some(p)) => draws.random::<f64>() < p,
            _ => true,
        }
    }
}

/// `*` matches any text without `/`, `**` any text at all; everything else itself.
pub fn glob_matches(glob: &str, text: &str) -> bool {
    if let Some(rest) = glob.strip_prefix("**") {
        return (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .any(|i| glob_matches(rest, &text[i..]));
    }
    if let Some(rest) = glob.strip_prefix('*') {
        let segment = text.find('/').unwrap_or(text.len());
        return (0..=segment)
            .filter(|&i| text.is_char_boundary(i))
            .any(|i| glob_matches(rest, &text[i..]));
    }
    match (glob.chars().next(), text.chars().next()) {
        (None, None) => true,
        (Some(g), Some(t)) if g == t => glob_matches(&glob[g.len_utf8()..], &text[t.len_utf8()..]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(path: &str, times: Option<u64>, probability: Option<f64>) -> Rule {
        Rule {
            matches: RuleMatch {
                method: Some("POST".into()),
                path: Some(path.into()),
                portal_id: None,
            },
            effect: Effect {
                status: Some(429),
                ..Effect::default()
            },
            times,
            probability,
            seed: Some(7),
        }
    }

    #[test]
    fn a_star_stays_within_a_path_segment_and_two_stars_cross_them() {
        assert!(glob_matches(
            "/crm/v3/objects/*/batch/*",
            "/crm/v3/objects/contacts/batch/read"
        ));
        assert!(!glob_matches(
            "/crm/v3/objects/*",
            "/crm/v3/objects/contacts/batch/read"
        ));
        assert!(glob_matches(
            "/crm/**",
            "/crm/v3/objects/contacts/batch/read"
        ));
        assert!(!glob_matches(
            "/crm/v3/objects/deals",
            "/crm/v3/objects/contacts"
        ));
    }

    #[test]
    fn a_rule_fires_its_times_and_is_gone() {
        let faults = Faults::default();
        faults.add_rule(rule("/crm/**", Some(2), None));
        assert!(
            faults
                .fire("GET", "/crm/v3/objects/contacts", None)
                .is_none()
        );
        assert!(
            faults
                .fire("POST", "/crm/v3/objects/contacts", None)
                .is_some()
        );
        assert_eq!(faults.active().0[0].remaining, Some(1));
        assert!(
            faults
                .fire("post", "/crm/v3/objects/contacts", None)
                .is_some()
        );
        assert!(
            faults
                .fire("POST", "/crm/v3/objects/contacts", None)
                .is_none()
        );
        assert!(faults.is_empty());
    }

    #[test]
    fn the_same_seed_fires_on_the_same_requests() {
        let fired = || {
            let faults = Faults::default();
            faults.add_rule(rule("/crm/**", None, Some(0.5)));
            (0..64)
                .map(|_| faults.fire("POST", "/crm/x", None).is_some())
                .collect::<Vec<_>>()
        };
        let first = fired();
        assert_eq!(first, fired());
        assert!(first.contains(&true) && first.contains(&false));
    }
}
