//! `GET /_crm-exports/clock` shows the service's clock; `POST` moves it
//! (`{"advanceBy": "PT6M"}`, an ISO 8601 duration) or sets it (`{"set": "<RFC 3339>"}`),
//! so a test expires a download link or opens a new quota day without waiting.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Admin;
use crate::api::AppState;
use crate::api::error::{ApiError, ApiResult};
use crate::api::extract::{Body, parse_json};
use crate::domain::time::format_datetime;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClockChange {
    advance_by: Option<String>,
    set: Option<String>,
}

pub async fn show(State(state): State<AppState>, _: Admin) -> Json<Value> {
    Json(clock_json(&state))
}

fn clock_json(state: &AppState) -> Value {
    let now = state.clock.now_ms();
    json!({
        "now": format_datetime(now), "epochMillis": now,
        "mode": if state.clock.is_fixed() { "fixed" } else { "system" },
    })
}

pub async fn change(
    State(state): State<AppState>,
    _: Admin,
    Body(body): Body,
) -> ApiResult<Json<Value>> {
    let change: ClockChange = parse_json(&body)?;
    match (change.advance_by, change.set) {
        (Some(duration), None) => {
            let ms = parse_duration_ms(&duration).ok_or_else(|| {
                ApiError::validation(format!(
                    "advanceBy {duration:?} is not an ISO 8601 duration such as PT6M or P1DT2H"
                ))
            })?;
            state.clock.advance_ms(ms);
        }
        (None, Some(at)) => {
            let at = chrono::DateTime::parse_from_rfc3339(at.trim())
                .map_err(|_| ApiError::validation(format!("set {at:?} is not an RFC 3339 time")))?;
            state.clock.set_ms(at.timestamp_millis());
        }
        _ => {
            return Err(ApiError::validation(
                "Give exactly one of advanceBy (an ISO 8601 duration) or set (an RFC 3339 time).",
            ));
        }
    }
    Ok(Json(clock_json(&state)))
}

/// An ISO 8601 duration, `[-]P[nW][nD][T[nH][nM][n[.f]S]]`, in milliseconds. Years and
/// months are refused: their length depends on the date they start from.
pub fn parse_duration_ms(text: &str) -> Option<i64> {
    let text = text.trim();
    let (sign, text) = match text.strip_prefix('-') {
        Some(rest) => (-1.0, rest),
        None => (1.0, text),
    };
    let rest = text.strip_prefix(['P', 'p'])?;
    let (date, time) = match rest.split_once(['T', 't']) {
        Some((date, time)) if !time.is_empty() => (date, Some(time)),
        Some(_) => return None,
        None => (rest, None),
    };
    let mut ms = sum_units(date, &[('W', 604_800_000.0), ('D', 86_400_000.0)])?;
    if let Some(time) = time {
        let units = [('H', 3_600_000.0), ('M', 60_000.0), ('S', 1_000.0)];
        ms += sum_units(time, &units)?;
    }
    (date.len() + time.map_or(0, str::len) > 0 && ms.is_finite() && ms.abs() < 1e15)
        .then(|| (sign * ms).round() as i64)
}

/// `3D`, `1H30M`: numbers each followed by one of `units`, in the units' order.
fn sum_units(text: &str, units: &[(char, f64)]) -> Option<f64> {
    let mut total = 0.0;
    let mut next_unit = 0;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let at = units[next_unit..]
            .iter()
            .position(|(u, _)| u.eq_ignore_ascii_case(&c))?;
        let value: f64 = number.parse().ok()?;
        total += value * units[next_unit + at].1;
        next_unit += at + 1;
        number.clear();
    }
    number.is_empty().then_some(total)
}

#[cfg(test)]
mod tests {
    use super::parse_duration_ms;

    #[test]
    fn iso_durations_of_days_hours_minutes_and_seconds_are_read() {
        assert_eq!(parse_duration_ms("PT6M"), Some(360_000));
        assert_eq!(parse_duration_ms("P1D"), Some(86_400_000));
        assert_eq!(parse_duration_ms("P1DT2H3M4.5S"), Some(93_784_500));
        assert_eq!(parse_duration_ms("P2W"), Some(1_209_600_000));
        assert_eq!(parse_duration_ms("-PT1S"), Some(-1_000));
    }

    #[test]
    fn malformed_or_calendar_durations_are_refused() {
        for text in [
            "", "P", "PT", "6M", "PT6", "P1M", "P1Y", "PT1S2M", "PTxM", "P1DT",
        ] {
            assert_eq!(parse_duration_ms(text), None, "{text}");
        }
    }
}
