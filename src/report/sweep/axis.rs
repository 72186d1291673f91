//! A varied key for people: its name in words (`fault 1 length (faults[0].for)`), where each of
//! its values goes on an axis, and each value and metric written in its unit.

use crate::experiment::slo::Metric;
use crate::experiment::sweep::Vary;
use crate::experiment::sweep::capacity::ascending;
use crate::experiment::sweep::grid::{decimals_and_unit, number};
use crate::report::format::{metric_value, secs};
use crate::scenario::units::parse_duration;

/// A varied key in words, with the key itself in brackets: `inbound rate
/// (traffic.inbound.rate)`, `fault 1 length (faults[0].for)`.
pub fn key_words(key: &str) -> String {
    let parts: Vec<&str> = key.split('.').collect();
    let fault = |p: &str| {
        p.strip_prefix("faults[")
            .and_then(|r| r.strip_suffix(']'))
            .and_then(|n| n.parse::<usize>().ok())
            .map(|n| n + 1)
    };
    let words = match parts.as_slice() {
        ["traffic", stream, "rate"] => format!("{stream} traffic rate"),
        [f, "for"] if fault(f).is_some() => format!("fault {} length", fault(f).unwrap_or(1)),
        [f, "at"] if fault(f).is_some() => format!("fault {} start", fault(f).unwrap_or(1)),
        ["nodes", node, setting] => format!("{node} {}", setting.replace('_', " ")),
        ["duration"] => "run length".into(),
        ["domains", rest @ ..] if rest.len() >= 2 => {
            let setting = rest[rest.len() - 1];
            let domain = rest[..rest.len() - 1].join(".");
            let setting = if setting == "ttl" {
                "MX TTL".to_string()
            } else {
                setting.replace('_', " ")
            };
            format!("{domain} {setting}")
        }
        _ => parts
            .last()
            .map_or(key.to_string(), |p| p.replace('_', " ")),
    };
    if words == key {
        key.to_string()
    } else {
        format!("{words} ({key})")
    }
}

/// How the values of the first varied key are placed on the x axis.
#[derive(Clone, Debug, PartialEq)]
pub enum XAxis {
    /// Durations, placed in seconds and written like `4h46m`.
    Duration,
    /// Numbers with one unit (`0.30/s`), placed by their number, written with `decimals`.
    Number {
        /// Decimals written.
        decimals: usize,
        /// The unit after the number.
        unit: String,
    },
    /// Anything else: evenly, in `--vary` order.
    Ordinal(Vec<String>),
}

impl XAxis {
    /// The axis of `v`'s values.
    pub fn of(v: &Vary) -> XAxis {
        let order = ascending(v);
        if order
            .iter()
            .all(|x| parse_duration(x).is_ok() && x.ends_with(|c: char| c.is_alphabetic()))
            && order.iter().any(|x| number(x).is_some())
        {
            return XAxis::Duration;
        }
        let units: Vec<&str> = order.iter().map(|x| decimals_and_unit(x).1).collect();
        if order.iter().all(|x| number(x).is_some()) && units.windows(2).all(|w| w[0] == w[1]) {
            return XAxis::Number {
                decimals: order
                    .iter()
                    .map(|x| decimals_and_unit(x).0)
                    .max()
                    .unwrap_or(0),
                unit: units.first().map_or(String::new(), |u| u.to_string()),
            };
        }
        XAxis::Ordinal(order)
    }

    /// Where value `v` goes.
    pub fn x(&self, v: &str) -> f64 {
        match self {
            XAxis::Duration => parse_duration(v).map_or(0.0, |d| d.as_secs_f64()),
            XAxis::Number { .. } => number(v).unwrap_or(0.0),
            XAxis::Ordinal(order) => order.iter().position(|o| o == v).unwrap_or(0) as f64,
        }
    }

    /// The tick label at `x`.
    pub fn tick(&self, x: f64) -> String {
        match self {
            XAxis::Duration => secs(x),
            XAxis::Number { decimals, unit } => format!("{x:.decimals$}{unit}"),
            XAxis::Ordinal(order) => order.get(x.round() as usize).cloned().unwrap_or_default(),
        }
    }
}

/// A metric's value in its unit, with a sensible number of decimals.
pub fn value(m: &Metric, v: f64) -> String {
    metric_value(m, v)
}

/// `mean [lo, hi]` in the metric's unit (every metric is non-negative: a lower bound below 0
/// is written as 0).
pub fn estimate(m: &Metric, e: &crate::stats::Estimate) -> String {
    format!(
        "{} {}",
        value(m, e.mean),
        crate::report::format::interval(e.ci95, |v| value(m, v))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_as_words_and_durations_as_durations() {
        assert_eq!(key_words("faults[0].for"), "fault 1 length (faults[0].for)");
        assert_eq!(
            key_words("traffic.inbound.rate"),
            "inbound traffic rate (traffic.inbound.rate)"
        );
        assert_eq!(
            key_words("domains.contoso.com.ttl"),
            "contoso.com MX TTL (domains.contoso.com.ttl)"
        );
        let v = Vary {
            key: "faults[0].for".into(),
            values: vec!["30m".into(), "2h".into(), "6h".into()],
        };
        let axis = XAxis::of(&v);
        assert_eq!(axis, XAxis::Duration);
        assert_eq!(axis.x("2h"), 7200.0);
        assert_eq!(axis.tick(7200.0), "2h00m");
        let r = Vary {
            key: "traffic.arrivals.rate".into(),
            values: vec!["0.30/s".into(), "0.70/s".into()],
        };
        assert_eq!(XAxis::of(&r).tick(0.5), "0.50/s");
    }
}
