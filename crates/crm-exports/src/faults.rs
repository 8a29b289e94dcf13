//! [`Faults`]: the failures a test asked for through the admin API, in this process's
//! memory, shared by the API (which answers matching requests with them) and the export
//! workers (which apply an export fault to a portal's next export). A rule matches a
//! method, a path glob and a portal, fires `times` times (or until cleared), each time with
//! its `probability` drawn from its own seeded generator, so a run repeats exactly. Faults
//! never change stored data. A pacing export fault (`stallAfterRows`, `rowsPerSecond`)
//! becomes a [`RowPace`] the export's writer asks before each row; clearing the faults
//! releases every pace still running. Imports nothing of ours.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError, Weak};
use std::time::{Duration, Instant};

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
    /// Writes this many rows, then makes no progress (PROCESSING, its lease kept) until it
    /// is canceled or the faults are cleared.
    StallAfterRows(u64),
    /// Writes at most this many rows a second (until the faults are cleared).
    RowsPerSecond(u64),
}

impl ExportFault {
    /// Why the fault cannot be applied, if it cannot.
    pub fn problem(&self) -> Option<&'static str> {
        match self {
            ExportFault::RowsPerSecond(0) => Some("export.rowsPerSecond is at least 1"),
            _ => None,
        }
    }

    /// The pace it sets on the export's rows; `None` for a fault that does not run it.
    fn pace(&self) -> Option<PaceKind> {
        match *self {
            ExportFault::StallAfterRows(rows) => Some(PaceKind::StallAfter(rows)),
            ExportFault::RowsPerSecond(rate) => Some(PaceKind::PerSecond(rate.max(1))),
            ExportFault::Fail(_) | ExportFault::Cancel(_) => None,
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum PaceKind {
    StallAfter(u64),
    PerSecond(u64),
}

/// What a running export's writer asks before each row while a pacing fault applies to
/// it. It waits on the writer's own (blocking) thread; the export's heartbeat goes on
/// meanwhile, so the lease stays alive and a cancel is still noticed, and then
/// [`RowPace::abandon`] wakes the writer to give up.
#[derive(Debug)]
pub struct RowPace {
    kind: PaceKind,
    /// When the first row was asked for: a rate counts from there.
    started: OnceLock<Instant>,
    state: Mutex<PaceState>,
    wake: Condvar,
}

#[derive(Debug, Default)]
struct PaceState {
    released: bool,
    abandoned: bool,
}

/// The export this pace belonged to was abandoned (canceled, or the worker stopped).
#[derive(Debug, thiserror::Error)]
#[error("the export was abandoned while an injected fault held it")]
pub struct Abandoned;

impl RowPace {
    fn new(kind: PaceKind) -> Self {
        Self {
            kind,
            started: OnceLock::new(),
            state: Mutex::new(PaceState::default()),
            wake: Condvar::new(),
        }
    }

    /// Blocks until row `index` (from 0) may be written; `Err` once abandoned.
    pub fn before_row(&self, index: u64) -> Result<(), Abandoned> {
        let started = *self.started.get_or_init(Instant::now);
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if state.abandoned {
                return Err(Abandoned);
            }
            if state.released {
                return Ok(());
            }
            let wait = match self.kind {
                PaceKind::StallAfter(rows) if index < rows => return Ok(()),
                PaceKind::StallAfter(_) => None,
                PaceKind::PerSecond(rate) => {
                    let due = started + Duration::from_secs_f64(index as f64 / rate as f64);
                    match due.checked_duration_since(Instant::now()) {
                        None => return Ok(()),
                        Some(left) => Some(left),
                    }
                }
            };
            state = match wait {
                None => self
                    .wake
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(left) => {
                    let waited = self.wake.wait_timeout(state, left);
                    waited.unwrap_or_else(PoisonError::into_inner).0
                }
            };
        }
    }

    /// Lets the writer go on at full speed (the faults were cleared).
    pub fn release(&self) {
        self.update(|state| state.released = true);
    }

    /// Makes the writer give up at its next row (or at once if it waits).
    pub fn abandon(&self) {
        self.update(|state| state.abandoned = true);
    }

    fn update(&self, change: impl FnOnce(&mut PaceState)) {
        change(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner));
        self.wake.notify_all();
    }
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
    /// The paces of exports running under a pacing fault, released by [`Faults::clear`].
    paces: Vec<Weak<RowPace>>,
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
        for pace in registry.paces.drain(..).filter_map(|p| p.upgrade()) {
            pace.release();
        }
    }

    /// The pace a pacing fault sets on the export it was taken for (kept, so clearing the
    /// faults releases it); `None` for a fault that does not pace.
    pub fn start_pace(&self, fault: &ExportFault) -> Option<Arc<RowPace>> {
        let pace = Arc::new(RowPace::new(fault.pace()?));
        let mut registry = self.registry();
        registry.paces.retain(|p| p.strong_count() > 0);
        registry.paces.push(Arc::downgrade(&pace));
        Some(pace)
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
    fn a_stall_lets_its_rows_through_then_waits_until_released_or_abandoned() {
        let faults = Faults::default();
        let pace = faults.start_pace(&ExportFault::StallAfterRows(2)).unwrap();
        assert!(pace.before_row(0).is_ok() && pace.before_row(1).is_ok());
        let waiting = {
            let pace = pace.clone();
            std::thread::spawn(move || pace.before_row(2).is_ok())
        };
        std::thread::sleep(Duration::from_millis(50));
        assert!(!waiting.is_finished(), "row 2 waits");
        faults.clear();
        assert!(waiting.join().unwrap(), "clearing the faults releases it");

        let pace = faults.start_pace(&ExportFault::StallAfterRows(0)).unwrap();
        let waiting = {
            let pace = pace.clone();
            std::thread::spawn(move || pace.before_row(0).is_err())
        };
        pace.abandon();
        assert!(
            waiting.join().unwrap(),
            "abandoning it ends the wait with an error"
        );
        assert!(faults.start_pace(&ExportFault::Fail("x".into())).is_none());
    }

    #[test]
    fn a_rate_spaces_rows_from_the_first() {
        let faults = Faults::default();
        let pace = faults.start_pace(&ExportFault::RowsPerSecond(20)).unwrap();
        let start = Instant::now();
        for row in 0..5 {
            pace.before_row(row).unwrap();
        }
        // Row 4 is due 4/20 s after row 0.
        assert!(start.elapsed() >= Duration::from_millis(200));
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
