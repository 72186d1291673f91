//! `profile: {weekday: [...], weekend: [...], start: monday}`: hourly multipliers for working days and weekends, repeating every week (what `mailflow fit` derives from a log).

use serde::Deserialize;
use serde_yaml::Value;

use super::context::Ctx;
use super::locate::Seg;
use super::values::at;
use crate::model::Profile;
use crate::time::SimDuration;

/// Days of the week, Monday first (ISO 8601).
pub(super) const DAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// The mapping form of `profile`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WeekSpec {
    /// Monday to Friday, hour by hour.
    weekday: Vec<f64>,
    /// Saturday and Sunday, hour by hour (default: as `weekday`).
    weekend: Option<Vec<f64>>,
    /// The day t = 0 falls on (default Monday).
    start: Option<String>,
}

/// Builds a weekly profile from its mapping form; `normalize` makes the week's mean 1.
pub(super) fn profile(
    ctx: &mut Ctx,
    value: &Value,
    normalize: bool,
    path: &[Seg],
) -> Option<Profile> {
    let spec: WeekSpec = ctx.de(value.clone(), path)?;
    let mut ok = check_hours(ctx, &spec.weekday, &at(path, "weekday"));
    if let Some(w) = &spec.weekend {
        ok &= check_hours(ctx, w, &at(path, "weekend"));
    }
    let start = match spec.start.as_deref().map(str::to_ascii_lowercase) {
        None => 0,
        Some(day) => match DAYS.iter().position(|d| *d == day) {
            Some(i) => i,
            None => {
                ctx.error(
                    &at(path, "start"),
                    format!("`{day}` is not a day of the week"),
                    Some(format!("write one of {}", DAYS.join(", "))),
                );
                return None;
            }
        },
    };
    if !ok {
        return None;
    }
    let weekend = spec.weekend.as_ref().unwrap_or(&spec.weekday);
    let mut points = Vec::with_capacity(168);
    for d in 0..7 {
        let hours = if (start + d) % 7 >= 5 {
            weekend
        } else {
            &spec.weekday
        };
        for (h, x) in hours.iter().enumerate() {
            points.push((SimDuration::from_hours((d * 24 + h) as u64), *x));
        }
    }
    let mean = points.iter().map(|p| p.1).sum::<f64>() / points.len() as f64;
    if mean <= 0.0 {
        ctx.error(
            path,
            "every multiplier of the profile is zero: the stream would send nothing",
            Some("give some hours a multiplier above 0".into()),
        );
        return None;
    }
    if normalize {
        for p in &mut points {
            p.1 /= mean;
        }
    }
    Some(Profile::Weekly(points))
}

/// Exactly 24 multipliers, each a number ≥ 0.
fn check_hours(ctx: &mut Ctx, hours: &[f64], path: &[Seg]) -> bool {
    if hours.len() != 24 {
        ctx.error(
            path,
            format!(
                "{} multipliers instead of 24 (one per hour from 0h)",
                hours.len()
            ),
            Some("list 24 numbers, e.g. the `profile` that `mailflow fit` writes".into()),
        );
        return false;
    }
    match hours.iter().position(|x| !x.is_finite() || *x < 0.0) {
        Some(i) => {
            ctx.error(
                path,
                format!(
                    "the multiplier of hour {i} must be a number ≥ 0, not `{}`",
                    hours[i]
                ),
                Some("`0.5` is half the mean rate, `2` twice; `0` sends nothing".into()),
            );
            false
        }
        None => true,
    }
}
