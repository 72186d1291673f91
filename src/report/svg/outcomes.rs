//! `outcomes.svg`: deliveries and NDRs per sample interval, and the NDR rate over time.

use super::chart::{Panel, Series, Timeline, YUnit};
use super::{DELIVERED, RETURNED, fault_bands, incident_events};
use crate::experiment::Summary;
use crate::model::Scenario;
use crate::report::format::{count, percent};
use crate::sim::observer::TimeSeries;

/// What happened in one sample interval (all messages, warm-up included).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    /// End of the interval, seconds.
    pub end_s: f64,
    /// Mailbox deliveries in the interval.
    pub delivered: f64,
    /// NDRs generated in the interval.
    pub ndr: f64,
}

impl Interval {
    /// NDRs as a percentage of the messages finished in the interval (0 when none finished).
    pub fn ndr_percent(&self) -> f64 {
        let done = self.delivered + self.ndr;
        if done > 0.0 {
            self.ndr / done * 100.0
        } else {
            0.0
        }
    }
}

/// Per-interval deliveries and NDRs, from the cumulative node rows of the time series.
pub fn intervals(sc: &Scenario, ts: &TimeSeries) -> Vec<Interval> {
    let nodes = sc.nodes.len() as u32;
    let mut cumulative: Vec<(f64, u64, u64)> = Vec::new();
    for r in ts.rows.iter().filter(|r| r.entity < nodes) {
        let t = r.time.as_secs_f64();
        match cumulative.last_mut() {
            Some(last) if last.0 == t => {
                last.1 += r.delivered;
                last.2 += r.ndr;
            }
            _ => cumulative.push((t, r.delivered, r.ndr)),
        }
    }
    cumulative
        .windows(2)
        .map(|w| Interval {
            end_s: w[1].0,
            delivered: w[1].1.saturating_sub(w[0].1) as f64,
            ndr: w[1].2.saturating_sub(w[0].2) as f64,
        })
        .collect()
}

/// `5 min`, `1 h`, `30 s`: the sample interval in words.
pub fn interval_words(s: f64) -> String {
    if s >= 3600.0 && s % 3600.0 == 0.0 {
        format!("{} h", s / 3600.0)
    } else if s >= 60.0 && s % 60.0 == 0.0 {
        format!("{} min", s / 60.0)
    } else {
        format!("{s} s")
    }
}

/// The chart of one run.
pub fn run_chart(sc: &Scenario, s: &Summary, ts: &TimeSeries) -> Timeline {
    let iv = intervals(sc, ts);
    let every = interval_words(sc.sample_every.as_secs_f64());
    let line = |label: String, colour, f: &dyn Fn(&Interval) -> f64| {
        Series::line(label, colour, iv.iter().map(|i| (i.end_s, f(i))).collect())
    };
    let codes: Vec<String> = s
        .ndr_by_code
        .iter()
        .map(|(code, n)| format!("{code} ×{}", count(*n)))
        .collect();
    let ndr_label = if codes.is_empty() {
        "NDRs".to_string()
    } else {
        format!("NDRs (run total by code: {})", codes.join(", "))
    };
    let bands = fault_bands(sc);
    let events = incident_events(s);
    let panel = |title: String, y: String, series, unit| Panel {
        title,
        y_label: y,
        series,
        bands: bands.clone(),
        events: events.clone(),
        unit,
        y_max: None,
    };
    Timeline {
        title: format!("{}: outcomes per {every}", sc.name),
        horizon_s: sc.duration.as_secs_f64(),
        panels: vec![
            panel(
                format!(
                    "Delivered to mailboxes per {every} (quarantined in the run: {}, not sampled per interval)",
                    count(s.messages.quarantined)
                ),
                format!("messages per {every}"),
                vec![line("delivered".into(), DELIVERED, &|i| i.delivered)],
                YUnit::Messages,
            ),
            panel(
                format!("NDRs generated per {every}"),
                format!("NDRs per {every}"),
                vec![line(ndr_label, RETURNED, &|i| i.ndr)],
                YUnit::Messages,
            ),
            panel(
                format!(
                    "NDR rate per {every} (NDRs / messages finished; run NDR rate {})",
                    percent(s.ndr_rate)
                ),
                "NDR rate (% of messages finished)".into(),
                vec![line("NDR rate".into(), RETURNED, &Interval::ndr_percent)],
                YUnit::Percent,
            ),
        ],
    }
}
