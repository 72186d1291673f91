//! `latency.svg`: the delivery-latency CDF per traffic stream, p50/p95/p99 marked.
//!
//! Every curve is the full empirical CDF of a run's latency histogram ([`histogram_curve`]).

use plotters::style::RGBColor;

use super::cdf::{Cdf, Curve};
use super::series_colour;
use crate::experiment::summary::{LatencySummary, Summary};
use crate::report::format::secs;
use crate::sim::Latency;

/// Points of the CDF drawn through every measured percentile.
const CDF_POINTS: usize = 200;

fn marks(l: &LatencySummary) -> Vec<(&'static str, f64, f64)> {
    vec![
        ("p50", l.p50, 0.5),
        ("p95", l.p95, 0.95),
        ("p99", l.p99, 0.99),
    ]
}

/// The legend text of a curve: its name and its quantiles.
pub fn label(name: &str, l: &LatencySummary) -> String {
    format!(
        "{name}: p50 {} · p95 {} · p99 {}",
        secs(l.p50),
        secs(l.p95),
        secs(l.p99)
    )
}

/// The full empirical CDF of a latency histogram; `None` when it is empty.
pub fn histogram_curve(name: &str, colour: RGBColor, h: &Latency) -> Option<Curve> {
    if h.count() == 0 {
        return None;
    }
    let l = LatencySummary {
        mean: h.mean_s(),
        p50: h.quantile_s(0.5),
        p95: h.quantile_s(0.95),
        p99: h.quantile_s(0.99),
        max: h.max_s(),
    };
    Some(Curve {
        label: label(name, &l),
        colour,
        points: h.cdf(CDF_POINTS),
        marks: marks(&l),
        interpolated: false,
    })
}

/// The chart of one run: "all traffic" in black, then one curve per stream, each the full
/// CDF of its histogram.
pub fn run_chart(s: &Summary, histograms: &[(String, Latency)]) -> Cdf {
    let curves = histograms
        .iter()
        .enumerate()
        .filter_map(|(i, (name, l))| histogram_curve(name, series_colour(i), l))
        .collect();
    Cdf {
        title: format!("{}: delivery latency (creation to mailbox)", s.scenario),
        note: "share of delivered messages within a latency (log time axis); dots: p50, p95, p99"
            .into(),
        curves,
    }
}
