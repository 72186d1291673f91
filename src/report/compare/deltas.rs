//! The differences of a comparison as numbers: each scenario against the first (the baseline),
//! metric by metric, over every outcome (in-flight mail included), with direction and size.
//! With replications each difference is paired by seed (common random numbers) and comes with
//! the 95% confidence interval of the mean difference; nothing inside the noise is claimed.

use serde::Serialize;

use crate::experiment::Summary;
use crate::experiment::compare::Compared;
use crate::report::format::{count, number, percent, secs};
use crate::stats::Estimate;

/// Relative changes below this are "no change" (criterion's default noise threshold).
pub const NOISE: f64 = 0.01;

/// The unit of a compared metric.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Messages.
    Messages,
    /// A fraction of the generated messages.
    Share,
    /// Seconds.
    Seconds,
}

impl Unit {
    /// A value in this unit, for people.
    pub fn show(self, v: f64) -> String {
        match self {
            Unit::Messages if v.fract() == 0.0 => count(v.abs() as u64),
            Unit::Messages => number(v.abs(), 1),
            Unit::Share => percent(v.abs()),
            Unit::Seconds => secs(v.abs()),
        }
    }
}

/// Which way a metric moved.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Higher in the scenario than in the baseline.
    Higher,
    /// Lower.
    Lower,
    /// Equal, within 1%, or (with replications) a CI of the difference that includes 0.
    NoChange,
}

/// One metric of one scenario against the baseline.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Delta {
    /// The metric in words.
    pub metric: String,
    /// Its unit.
    pub unit: Unit,
    /// The baseline scenario.
    pub baseline: String,
    /// The scenario compared with it.
    pub scenario: String,
    /// The baseline's value (mean over replications).
    pub a: f64,
    /// The scenario's value.
    pub b: f64,
    /// `b - a` (the mean of the paired differences with replications).
    pub difference: f64,
    /// `difference / a`, when `a` is not 0.
    pub relative: Option<f64>,
    /// The 95% CI of the mean paired difference, with replications.
    pub ci95: Option<[f64; 2]>,
    /// Which way it moved, or no change.
    pub verdict: Verdict,
    /// The difference in words.
    pub text: String,
}

type Get = fn(&Summary) -> Option<f64>;

/// The metrics compared, with their units.
pub fn metrics() -> Vec<(&'static str, Unit, Get)> {
    vec![
        ("delivered", Unit::Messages, |s| {
            Some(s.messages.delivered as f64)
        }),
        ("NDR'd", Unit::Messages, |s| Some(s.messages.ndr as f64)),
        ("in flight at the end", Unit::Messages, |s| {
            Some(s.messages.in_flight as f64)
        }),
        ("not delivered (NDR'd or in flight)", Unit::Messages, |s| {
            Some((s.messages.ndr + s.messages.in_flight) as f64)
        }),
        ("delayed over 1 h or not delivered", Unit::Share, |s| {
            s.outcomes.delayed.get("1h").map(|d| d.share)
        }),
        ("mean time to NDR", Unit::Seconds, |s| {
            (s.outcomes.time_to_ndr_s.count > 0).then_some(s.outcomes.time_to_ndr_s.mean)
        }),
        ("oldest message in flight at the end", Unit::Seconds, |s| {
            Some(s.outcomes.in_flight_age_s.oldest)
        }),
        ("delivery latency p50", Unit::Seconds, |s| {
            Some(s.latency_s.p50)
        }),
        ("delivery latency p95", Unit::Seconds, |s| {
            Some(s.latency_s.p95)
        }),
        ("delivery latency p99", Unit::Seconds, |s| {
            Some(s.latency_s.p99)
        }),
        ("peak queue (any node)", Unit::Messages, |s| {
            s.nodes
                .values()
                .map(|n| n.peak_queue as f64)
                .reduce(f64::max)
        }),
    ]
}

fn verdict(a: f64, diff: f64, ci: Option<[f64; 2]>) -> Verdict {
    let inside_noise = match ci {
        Some([lo, hi]) => lo <= 0.0 && hi >= 0.0,
        None => false,
    };
    let scale = a.abs().max((a + diff).abs());
    if diff == 0.0 || inside_noise || diff.abs() < NOISE * scale {
        Verdict::NoChange
    } else if diff > 0.0 {
        Verdict::Higher
    } else {
        Verdict::Lower
    }
}

fn words(d: &Delta) -> String {
    let (a, b) = (d.unit.show(d.a), d.unit.show(d.b));
    let ci = d.ci95.map_or(String::new(), |[lo, hi]| {
        let sign = |v: f64| if v < 0.0 { "-" } else { "+" };
        format!(
            " (95% CI of the difference {}{} to {}{})",
            sign(lo),
            d.unit.show(lo),
            sign(hi),
            d.unit.show(hi)
        )
    });
    match d.verdict {
        Verdict::NoChange => {
            let why = if d.difference == 0.0 {
                "equal".to_string()
            } else if d.ci95.is_some_and(|[lo, hi]| lo <= 0.0 && hi >= 0.0) {
                format!("the difference is within the noise{ci}")
            } else {
                format!("under {:.0}% apart", NOISE * 100.0)
            };
            format!(
                "{}: no change ({} {b}, {} {a}: {why})",
                d.metric, d.scenario, d.baseline
            )
        }
        v => {
            let rel = d
                .relative
                .map_or(String::new(), |r| format!(", {:+.0}%", r * 100.0));
            format!(
                "{}: {} {b}, {} than {} {a} by {}{rel}{ci}",
                d.metric,
                d.scenario,
                if v == Verdict::Higher {
                    "higher"
                } else {
                    "lower"
                },
                d.baseline,
                d.unit.show(d.difference)
            )
        }
    }
}

/// Every scenario after the first against the first, metric by metric. Replication `i` of one
/// scenario ran with the same seed as replication `i` of the other, so differences are paired.
pub fn all(runs: &[Compared]) -> Vec<Delta> {
    let Some(base) = runs.first() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for run in &runs[1..] {
        for (name, unit, get) in metrics() {
            let pairs: Vec<(f64, f64)> = base
                .runs
                .summaries
                .iter()
                .zip(&run.runs.summaries)
                .filter_map(|(a, b)| Some((get(a)?, get(b)?)))
                .collect();
            if pairs.is_empty() {
                continue;
            }
            let n = pairs.len() as f64;
            let a = pairs.iter().map(|p| p.0).sum::<f64>() / n;
            let b = pairs.iter().map(|p| p.1).sum::<f64>() / n;
            let ci = (pairs.len() > 1)
                .then(|| Estimate::of(pairs.iter().map(|p| p.1 - p.0).collect()).ci95);
            let difference = b - a;
            let mut d = Delta {
                metric: name.to_string(),
                unit,
                baseline: base.scenario.name.clone(),
                scenario: run.scenario.name.clone(),
                a,
                b,
                difference,
                relative: (a != 0.0).then(|| difference / a),
                ci95: ci,
                verdict: verdict(a, difference, ci),
                text: String::new(),
            };
            d.text = words(&d);
            out.push(d);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_millisecond_on_half_a_second_is_no_change_and_a_ci_across_zero_is_noise() {
        assert_eq!(verdict(0.491, 0.001, None), Verdict::NoChange);
        assert_eq!(verdict(4876.0, 5014.0, None), Verdict::Higher);
        assert_eq!(verdict(10.0, -2.0, Some([-3.0, 0.5])), Verdict::NoChange);
        assert_eq!(verdict(10.0, -2.0, Some([-3.0, -1.0])), Verdict::Lower);
    }
}
