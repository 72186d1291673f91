//! Located parsing of single values: units, distributions, counts and names.

use serde::Deserialize;
use serde_yaml::Value;

use super::context::{Ctx, quoted};
use super::locate::{Seg, key};
use super::schema::Unit;
use super::units::{self, DURATION_FORM, RATE_FORM, SHARE_FORM, SIZE_FORM};
use crate::model::{Dist, Workers};
use crate::time::SimDuration;

/// `path` extended by one key.
pub(super) fn at(path: &[Seg], k: &str) -> Vec<Seg> {
    let mut p = path.to_vec();
    p.push(key(k));
    p
}

/// `path` extended by one index.
pub(super) fn at_index(path: &[Seg], i: usize) -> Vec<Seg> {
    let mut p = path.to_vec();
    p.push(Seg::Index(i));
    p
}

/// An optional value that failed to parse when present: `None` → `Some(None)` (absent),
/// `Some(None)` → `None` (failed), `Some(Some(v))` → `Some(Some(v))`.
pub(super) fn lift<T>(x: Option<Option<T>>) -> Option<Option<T>> {
    match x {
        None => Some(None),
        Some(inner) => inner.map(Some),
    }
}

/// Reports a unit error: the expected form goes in the hint, not twice.
fn unit_error(ctx: &mut Ctx, path: &[Seg], message: String, form: &str) {
    let short = message
        .strip_suffix(&format!(": {form}"))
        .unwrap_or(&message)
        .to_string();
    ctx.error(path, short, Some(form.to_string()));
}

/// A duration, reporting a located error if it is malformed.
pub(super) fn duration(ctx: &mut Ctx, value: &Unit, path: &[Seg]) -> Option<SimDuration> {
    let result = match value {
        Unit::Number(n) if *n == 0.0 => Ok(SimDuration::ZERO),
        Unit::Number(n) if *n < 0.0 => Err(format!("a duration cannot be negative: `{n}`")),
        Unit::Number(n) => Err(format!(
            "`{n}` has no unit: write it as `{n}s`, `{n}ms`, `{n}m`…"
        )),
        Unit::Text(s) => units::parse_duration(s),
    };
    result
        .map_err(|e| unit_error(ctx, path, e, DURATION_FORM))
        .ok()
}

/// An optional duration with its default.
pub(super) fn duration_or(
    ctx: &mut Ctx,
    value: Option<&Unit>,
    path: &[Seg],
    default: SimDuration,
) -> Option<SimDuration> {
    match value {
        Some(v) => duration(ctx, v, path),
        None => Some(default),
    }
}

/// A duration that must be above zero.
pub(super) fn positive_duration(
    ctx: &mut Ctx,
    value: &Unit,
    path: &[Seg],
    what: &str,
) -> Option<SimDuration> {
    let d = duration(ctx, value, path)?;
    if d == SimDuration::ZERO {
        ctx.error(
            path,
            format!("{what} must be longer than 0s"),
            Some(DURATION_FORM.into()),
        );
        return None;
    }
    Some(d)
}

/// A rate in messages per second, above zero.
pub(super) fn rate(ctx: &mut Ctx, value: &Unit, path: &[Seg]) -> Option<f64> {
    let result = match value {
        Unit::Number(n) if *n < 0.0 => Err(format!("a rate cannot be negative: `{n}`")),
        Unit::Number(n) => Err(format!(
            "`{n}` has no time unit: write it as `{n}/s`, `{n}/h` or `{n}/d`"
        )),
        Unit::Text(s) => units::parse_rate(s),
    };
    match result {
        Ok(r) if r > 0.0 => Some(r),
        Ok(_) => {
            ctx.error(
                path,
                format!("the rate `{value}` must be above zero"),
                Some("remove the stream to send nothing".into()),
            );
            None
        }
        Err(e) => {
            unit_error(ctx, path, e, RATE_FORM);
            None
        }
    }
}

/// A size in bytes (`duration_like` selects time units instead, in microseconds).
fn amount(ctx: &mut Ctx, value: &Unit, path: &[Seg], time: bool) -> Option<f64> {
    if time {
        return duration(ctx, value, path).map(|d| d.as_micros() as f64);
    }
    let result = match value {
        Unit::Number(n) if *n == 0.0 => Ok(0.0),
        Unit::Number(n) if *n < 0.0 => Err(format!("a size cannot be negative: `{n}`")),
        Unit::Number(n) => Err(format!("`{n}` has no unit: write it as `{n}B` or `{n}KB`")),
        Unit::Text(s) => units::parse_size(s),
    };
    result.map_err(|e| unit_error(ctx, path, e, SIZE_FORM)).ok()
}

/// A size in bytes, reporting a located error if it is malformed.
pub(super) fn size(ctx: &mut Ctx, value: &Unit, path: &[Seg]) -> Option<f64> {
    amount(ctx, value, path, false)
}

/// A share or probability in [0, 1].
pub(super) fn share(ctx: &mut Ctx, value: &Unit, path: &[Seg]) -> Option<f64> {
    let n = match value {
        Unit::Number(n) => Some(*n),
        Unit::Text(s) => s.trim().parse::<f64>().ok(),
    };
    let Some(n) = n else {
        ctx.error(
            path,
            format!("`{value}` is not a number"),
            Some(SHARE_FORM.into()),
        );
        return None;
    };
    units::check_share(n)
        .map_err(|e| ctx.error(path, e, Some(SHARE_FORM.into())))
        .ok()
}

/// What a distribution should look like.
const DIST_FORM: &str = "write a distribution such as `{fixed: 50ms}`, `{exponential: {mean: 80ms}}`, \
     `{lognormal: {median: 75KB, sigma: 1.0}}` or `{uniform: {min: 10ms, max: 90ms}}`";

/// The distribution kinds.
const DIST_KINDS: [&str; 4] = ["fixed", "exponential", "lognormal", "uniform"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MeanSpec {
    mean: Unit,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogNormalSpec {
    median: Unit,
    sigma: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UniformSpec {
    min: Unit,
    max: Unit,
}

/// A distribution of durations (µs, `time`) or sizes (bytes).
pub(super) fn dist(ctx: &mut Ctx, value: &Value, path: &[Seg], time: bool) -> Option<Dist> {
    if let Some(m) = value.as_mapping().filter(|m| m.len() > 1) {
        let kinds: Vec<String> = m.keys().map(show).collect();
        let message = format!(
            "a distribution has one kind, found {}",
            quoted(kinds.iter().map(String::as_str))
        );
        ctx.error(path, message, Some(DIST_FORM.into()));
        return None;
    }
    let entry = value
        .as_mapping()
        .filter(|m| m.len() == 1)
        .and_then(|m| m.iter().next());
    let Some((k, inner)) = entry else {
        ctx.error(
            path,
            format!("expected a distribution, found `{}`", show(value)),
            Some(DIST_FORM.into()),
        );
        return None;
    };
    let name = k.as_str().unwrap_or_default();
    let p = at(path, name);
    let d = match name {
        "fixed" => {
            let u: Unit = ctx.de(inner.clone(), &p)?;
            Dist::Fixed(amount(ctx, &u, &p, time)?)
        }
        "exponential" => {
            let s: MeanSpec = ctx.de(inner.clone(), &p)?;
            Dist::Exponential {
                mean: amount(ctx, &s.mean, &at(&p, "mean"), time)?,
            }
        }
        "lognormal" => {
            let s: LogNormalSpec = ctx.de(inner.clone(), &p)?;
            let median = amount(ctx, &s.median, &at(&p, "median"), time)?;
            if !s.sigma.is_finite() || s.sigma < 0.0 {
                ctx.error(
                    &at(&p, "sigma"),
                    "`sigma` must be a number ≥ 0",
                    Some("typical values lie between 0.3 and 1.5".into()),
                );
                return None;
            }
            Dist::LogNormal {
                median,
                sigma: s.sigma,
            }
        }
        "uniform" => {
            let s: UniformSpec = ctx.de(inner.clone(), &p)?;
            let min = amount(ctx, &s.min, &at(&p, "min"), time);
            let max = amount(ctx, &s.max, &at(&p, "max"), time);
            let (min, max) = (min?, max?);
            if min > max {
                ctx.error(
                    &p,
                    format!("`min` ({}) is above `max` ({})", s.min, s.max),
                    Some("swap them".into()),
                );
                return None;
            }
            Dist::Uniform { min, max }
        }
        _ => {
            let hint = super::context::allowed_hint(name, &DIST_KINDS);
            ctx.error_at_key(
                &p,
                format!("unknown distribution `{name}`"),
                Some(format!("{hint}; {DIST_FORM}")),
            );
            return None;
        }
    };
    Some(d)
}

/// A positive whole number that fits in u32.
pub(super) fn positive_count(
    ctx: &mut Ctx,
    value: &Value,
    path: &[Seg],
    what: &str,
) -> Option<u32> {
    match value.as_i64() {
        Some(n) if n >= 1 => match u32::try_from(n) {
            Ok(n) => Some(n),
            Err(_) => {
                ctx.error(
                    path,
                    format!("{what} `{n}` is too large (at most {})", u32::MAX),
                    Some("a realistic value is in the tens or hundreds".into()),
                );
                None
            }
        },
        Some(n) => {
            let hint = if what == "`workers`" {
                "e.g. `workers: 64`, or `workers: unlimited`; to take a node out of service use a \
                 `server_down` fault"
            } else {
                "write a whole number of at least 1"
            };
            ctx.error(
                path,
                format!("{what} must be at least 1, not `{n}`"),
                Some(hint.into()),
            );
            None
        }
        None => {
            ctx.error(
                path,
                format!(
                    "{what} must be a positive whole number, not `{}`",
                    show(value)
                ),
                Some("write a whole number of at least 1, such as `20`".into()),
            );
            None
        }
    }
}

/// `workers`: a positive integer or `unlimited`.
pub(super) fn workers(ctx: &mut Ctx, value: &Value, path: &[Seg]) -> Option<Workers> {
    if value.as_str() == Some("unlimited") {
        return Some(Workers::Unlimited);
    }
    if value.is_i64() || value.is_u64() {
        return positive_count(ctx, value, path, "`workers`").map(Workers::Limited);
    }
    ctx.error(
        path,
        format!(
            "`workers` must be a positive whole number or `unlimited`, not `{}`",
            show(value)
        ),
        Some("e.g. `workers: 64` or `workers: unlimited`".into()),
    );
    None
}

/// A short rendering of a YAML value for messages.
pub(super) fn show(value: &Value) -> String {
    match value {
        Value::Null => "nothing".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Sequence(_) => "a list".into(),
        Value::Mapping(_) => "a mapping".into(),
        Value::Tagged(t) => format!("{}", t.tag),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::locate::Index;

    fn with_ctx<T>(f: impl FnOnce(&mut Ctx) -> T) -> (T, Vec<String>) {
        let index = Index::default();
        let mut ctx = Ctx::new("t.yaml", &index);
        let out = f(&mut ctx);
        (
            out,
            ctx.into_diagnostics()
                .iter()
                .map(|d| d.to_string())
                .collect(),
        )
    }

    fn yaml(s: &str) -> Value {
        serde_yaml::from_str(s).unwrap()
    }

    #[test]
    fn distributions_convert_to_microseconds_or_bytes() {
        let (d, errs) = with_ctx(|c| dist(c, &yaml("{exponential: {mean: 80ms}}"), &[], true));
        assert_eq!(d, Some(Dist::Exponential { mean: 80_000.0 }));
        assert!(errs.is_empty());
        let (d, _) = with_ctx(|c| {
            dist(
                c,
                &yaml("{lognormal: {median: 75KB, sigma: 1.0}}"),
                &[],
                false,
            )
        });
        assert_eq!(
            d,
            Some(Dist::LogNormal {
                median: 75_000.0,
                sigma: 1.0
            })
        );
        let (d, _) = with_ctx(|c| dist(c, &yaml("{fixed: 0s}"), &[], true));
        assert_eq!(d, Some(Dist::Fixed(0.0)));
    }

    #[test]
    fn a_misspelt_distribution_suggests_the_right_one() {
        let (d, errs) = with_ctx(|c| dist(c, &yaml("{exponentail: {mean: 80ms}}"), &[], true));
        assert_eq!(d, None);
        assert!(errs[0].contains("did you mean `exponential`?"), "{errs:?}");
    }

    #[test]
    fn a_bare_number_duration_asks_for_a_unit() {
        let (d, errs) = with_ctx(|c| duration(c, &Unit::Number(3600.0), &[key("ttl")]));
        assert_eq!(d, None);
        assert!(errs[0].contains("`3600s`"), "{errs:?}");
    }

    #[test]
    fn workers_take_a_positive_count_or_unlimited() {
        let (w, _) = with_ctx(|c| workers(c, &yaml("unlimited"), &[]));
        assert_eq!(w, Some(Workers::Unlimited));
        let (w, _) = with_ctx(|c| workers(c, &yaml("64"), &[]));
        assert_eq!(w, Some(Workers::Limited(64)));
        for bad in ["0", "-3", "2.5", "lots"] {
            let (w, errs) = with_ctx(|c| workers(c, &yaml(bad), &[]));
            assert_eq!(w, None, "{bad}");
            assert_eq!(errs.len(), 1, "{bad}");
        }
    }
}
