//! The metrics an SLO (and a sweep) can name, and how each is read from a run summary.

use std::fmt;

use crate::experiment::Summary;
use crate::experiment::summary::TimeStats;
use crate::experiment::summary::outcomes::threshold_key;
use crate::model::DEFAULT_DELAY_THRESHOLDS;
use crate::scenario::units::parse_duration;
use crate::time::SimDuration;

/// A latency statistic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stat {
    /// Mean.
    Mean,
    /// Median.
    P50,
    /// 95th percentile.
    P95,
    /// 99th percentile.
    P99,
    /// Largest.
    Max,
}

impl Stat {
    /// Every statistic, in the order of `summary.json`.
    pub const ALL: [Stat; 5] = [Stat::Mean, Stat::P50, Stat::P95, Stat::P99, Stat::Max];

    /// The statistic's name in metric names (`p99`).
    pub fn as_str(self) -> &'static str {
        match self {
            Stat::Mean => "mean",
            Stat::P50 => "p50",
            Stat::P95 => "p95",
            Stat::P99 => "p99",
            Stat::Max => "max",
        }
    }
}

/// A number of a run that an SLO can constrain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Metric {
    /// `ndr_rate`: NDRs / generated (a fraction).
    NdrRate,
    /// `latency.<stat>`, seconds.
    Latency(Stat),
    /// `queue.<node>.peak`: most messages waiting at the node.
    QueuePeak(String),
    /// `queue.<node>.mean`: time-averaged messages waiting.
    QueueMean(String),
    /// `utilization.<node>`: busy workers / workers (a fraction).
    Utilization(String),
    /// `in_flight`: messages still queued or in transfer at the horizon.
    InFlight,
    /// `time_to_ndr.<stat>`: creation to NDR of the NDR'd messages, seconds.
    TimeToNdr(Stat),
    /// `delayed_1h`, `delayed_4h`, `delayed_24h`, `delayed_<duration>`: share of the generated
    /// messages delayed over the threshold (whole minutes) or not delivered (delivered late,
    /// NDR'd, or still in flight and older than it at the end), a fraction.
    Delayed(SimDuration),
    /// `oldest_in_flight`: age of the oldest message still in flight at the end, seconds.
    OldestInFlight,
}

impl Metric {
    /// Every metric of a scenario with these nodes, in a stable order (the rows of `sweep.csv`).
    pub fn all(nodes: &[String]) -> Vec<Metric> {
        Metric::all_with(nodes, &DEFAULT_DELAY_THRESHOLDS)
    }

    /// The same, with a `delayed_X` metric for each of `thresholds`.
    pub fn all_with(nodes: &[String], thresholds: &[SimDuration]) -> Vec<Metric> {
        let mut out = vec![Metric::NdrRate];
        out.extend(Stat::ALL.iter().map(|s| Metric::Latency(*s)));
        out.extend(Stat::ALL.iter().map(|s| Metric::TimeToNdr(*s)));
        out.extend(thresholds.iter().copied().map(Metric::Delayed));
        for n in nodes {
            out.push(Metric::QueuePeak(n.clone()));
            out.push(Metric::QueueMean(n.clone()));
            out.push(Metric::Utilization(n.clone()));
        }
        out.push(Metric::InFlight);
        out.push(Metric::OldestInFlight);
        out
    }

    /// Reads a metric name (`latency.p99`, `queue.onprem.peak`); `None` when it is not one.
    /// Node names are not checked here.
    pub fn from_name(name: &str) -> Option<Metric> {
        match name {
            "ndr_rate" => return Some(Metric::NdrRate),
            "in_flight" => return Some(Metric::InFlight),
            "oldest_in_flight" => return Some(Metric::OldestInFlight),
            _ => {}
        }
        if let Some(x) = name.strip_prefix("delayed_") {
            let minute = SimDuration::from_mins(1).0;
            return parse_duration(x)
                .ok()
                .filter(|d| d.0 > 0 && d.0.is_multiple_of(minute))
                .map(Metric::Delayed);
        }
        if let Some(stat) = name.strip_prefix("time_to_ndr.") {
            return Stat::ALL
                .iter()
                .find(|s| s.as_str() == stat)
                .map(|s| Metric::TimeToNdr(*s));
        }
        if let Some(stat) = name.strip_prefix("latency.") {
            return Stat::ALL
                .iter()
                .find(|s| s.as_str() == stat)
                .map(|s| Metric::Latency(*s));
        }
        if let Some(node) = name.strip_prefix("utilization.") {
            return (!node.is_empty()).then(|| Metric::Utilization(node.to_string()));
        }
        let rest = name.strip_prefix("queue.")?;
        if let Some(node) = rest.strip_suffix(".peak") {
            return (!node.is_empty()).then(|| Metric::QueuePeak(node.to_string()));
        }
        let node = rest.strip_suffix(".mean")?;
        (!node.is_empty()).then(|| Metric::QueueMean(node.to_string()))
    }

    /// The node the metric is about, if any.
    pub fn node(&self) -> Option<&str> {
        match self {
            Metric::QueuePeak(n) | Metric::QueueMean(n) | Metric::Utilization(n) => Some(n),
            _ => None,
        }
    }

    /// True for metrics measured in seconds (thresholds may carry a time unit).
    pub fn is_time(&self) -> bool {
        matches!(
            self,
            Metric::Latency(_) | Metric::TimeToNdr(_) | Metric::OldestInFlight
        )
    }

    /// True for fractions (thresholds may be written as percentages).
    pub fn is_fraction(&self) -> bool {
        matches!(
            self,
            Metric::NdrRate | Metric::Utilization(_) | Metric::Delayed(_)
        )
    }

    /// A value of the metric with its unit, compactly (`1d1s`, `1.987%`, `5021`); the report
    /// layer has the longer forms.
    pub fn format(&self, v: f64) -> String {
        if !v.is_finite() {
            return v.to_string();
        }
        if self.is_time() {
            let us = if v >= 60.0 {
                (v.round() * 1e6) as u64
            } else {
                ((v * 1e3).round() * 1e3) as u64
            };
            crate::time::SimDuration(us).to_string()
        } else if self.is_fraction() {
            format!("{:.3}%", v * 100.0)
        } else if v.fract() == 0.0 {
            format!("{v:.0}")
        } else {
            format!("{v:.2}")
        }
    }

    /// The metric in words with its unit, for chart axes and tables.
    pub fn words(&self) -> String {
        match self {
            Metric::NdrRate => "NDR rate (% of generated)".into(),
            Metric::Latency(s) => format!("delivery latency {} (time)", s.as_str()),
            Metric::TimeToNdr(s) => format!("time to NDR {} (time)", s.as_str()),
            Metric::Delayed(x) => format!(
                "delayed over {} or not delivered (% of generated)",
                threshold_key(*x)
            ),
            Metric::QueuePeak(n) => format!("peak queue at {n} (messages)"),
            Metric::QueueMean(n) => format!("mean queue at {n} (messages)"),
            Metric::Utilization(n) => format!("utilisation of {n} (% of workers)"),
            Metric::InFlight => "in flight at the end (messages)".into(),
            Metric::OldestInFlight => "oldest message in flight at the end (age)".into(),
        }
    }

    /// The metric's value in a run; `None` when the node does not exist in it.
    pub fn value(&self, s: &Summary) -> Option<f64> {
        let l = &s.latency_s;
        let stat = |t: &TimeStats, st: &Stat| match st {
            Stat::Mean => t.mean,
            Stat::P50 => t.p50,
            Stat::P95 => t.p95,
            Stat::P99 => t.p99,
            Stat::Max => t.max,
        };
        Some(match self {
            Metric::NdrRate => s.ndr_rate,
            Metric::Latency(Stat::Mean) => l.mean,
            Metric::Latency(Stat::P50) => l.p50,
            Metric::Latency(Stat::P95) => l.p95,
            Metric::Latency(Stat::P99) => l.p99,
            Metric::Latency(Stat::Max) => l.max,
            Metric::QueuePeak(n) => s.nodes.get(n)?.peak_queue as f64,
            Metric::QueueMean(n) => s.nodes.get(n)?.mean_queue,
            Metric::Utilization(n) => s.nodes.get(n)?.utilization,
            Metric::InFlight => s.messages.in_flight as f64,
            Metric::TimeToNdr(st) => stat(&s.outcomes.time_to_ndr_s, st),
            Metric::Delayed(x) => s.outcomes.delayed.get(&threshold_key(*x))?.share,
            Metric::OldestInFlight => s.outcomes.in_flight_age_s.oldest,
        })
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Metric::NdrRate => f.write_str("ndr_rate"),
            Metric::Latency(s) => write!(f, "latency.{}", s.as_str()),
            Metric::QueuePeak(n) => write!(f, "queue.{n}.peak"),
            Metric::QueueMean(n) => write!(f, "queue.{n}.mean"),
            Metric::Utilization(n) => write!(f, "utilization.{n}"),
            Metric::InFlight => f.write_str("in_flight"),
            Metric::TimeToNdr(s) => write!(f, "time_to_ndr.{}", s.as_str()),
            Metric::Delayed(x) => write!(f, "delayed_{}", threshold_key(*x)),
            Metric::OldestInFlight => f.write_str("oldest_in_flight"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_reads_back_from_its_name() {
        let nodes = vec!["onprem".to_string(), "mx.contoso".to_string()];
        for m in Metric::all(&nodes) {
            assert_eq!(Metric::from_name(&m.to_string()), Some(m.clone()), "{m}");
        }
        assert_eq!(Metric::from_name("latency.p98"), None);
        let hours = |h| Some(Metric::Delayed(SimDuration::from_hours(h)));
        assert_eq!(Metric::from_name("delayed_1h"), hours(1));
        assert_eq!(Metric::from_name("delayed_2h"), hours(2));
        assert_eq!(Metric::from_name("delayed_120m"), hours(2));
        assert_eq!(
            Metric::from_name("delayed_90m").map(|m| m.to_string()),
            Some("delayed_90m".into())
        );
        assert_eq!(Metric::from_name("delayed_30s"), None);
        assert_eq!(Metric::from_name("delayed_0"), None);
        assert_eq!(
            Metric::from_name("time_to_ndr.p95"),
            Some(Metric::TimeToNdr(Stat::P95))
        );
        assert_eq!(Metric::from_name("queue..peak"), None);
        assert_eq!(Metric::from_name("queue.onprem"), None);
    }
}
