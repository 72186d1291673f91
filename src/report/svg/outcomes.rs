//! `outcomes.svg`: deliveries and NDRs per sample interval, and the NDR rate over time.

use plotters::style::RGBColor;

use super::chart::{Panel, Series, Timeline};
use super::{FAULT_RED, fault_bands};
use crate::experiment::Summary;
use crate::model::Scenario;
use crate::report::console::count;
use crate::sim::observer::TimeSeries;

/// Colour of deliveries.
pub const DELIVERED: RGBColor = RGBColor(44, 160, 44);
/// Colour of NDRs.
pub const NDR: RGBColor = FAULT_RED;
/// Colour of the NDR rate.
pub const RATE: RGBColor = RGBColor(140, 86, 75);

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
    let line = |label: String, colour, f: &dyn Fn(&Interval) -> f64| Series {
        label,
        colour,
        points: iv.iter().map(|i| (i.end_s, f(i))).collect(),
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
    let panel = |title: String, y: String, series, percent| Panel {
        title,
        y_label: y,
        series,
        bands: bands.clone(),
        percent,
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
                false,
            ),
            panel(
                format!("NDRs generated per {every}"),
                format!("NDRs per {every}"),
                vec![line(ndr_label, NDR, &|i| i.ndr)],
                false,
            ),
            panel(
                format!(
                    "NDR rate per {every} (NDRs / messages finished; run NDR rate {:.3}%)",
                    s.ndr_rate * 100.0
                ),
                "NDR rate (%)".into(),
                vec![line("NDR rate".into(), RATE, &Interval::ndr_percent)],
                true,
            ),
        ],
    }
}
