//! `latency.svg`: the delivery-latency CDF per traffic stream, p50/p95/p99 marked.
//!
//! `run` hands over the latency histograms, drawn as full CDFs by [`histogram_curve`]; where
//! only `summary.json` quantiles are at hand (replicated runs) [`run_chart`] joins them.

use plotters::style::{BLACK, RGBColor};

use super::chart::{Cdf, Curve};
use super::colour;
use crate::report::console::secs;
use crate::stats::Latency;
use crate::stats::summary::{LatencySummary, Summary};

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

/// A curve through the measured quantiles (p50, p95, p99, max); `None` when nothing was
/// delivered.
pub fn quantile_curve(name: &str, colour: RGBColor, l: &LatencySummary) -> Option<Curve> {
    if l.max <= 0.0 {
        return None;
    }
    let mut points: Vec<(f64, f64)> = Vec::new();
    for (x, q) in [(l.p50, 0.5), (l.p95, 0.95), (l.p99, 0.99), (l.max, 1.0)] {
        let x = x.max(points.last().map_or(0.0, |p| p.0));
        points.push((x, q));
    }
    Some(Curve {
        label: label(name, l),
        colour,
        points,
        marks: marks(l),
        interpolated: true,
    })
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

/// The chart of one run: "all traffic" in black, then one curve per stream; the full CDF from
/// the histograms when they are given, else a curve through the quantiles of the summary.
pub fn run_chart(s: &Summary, histograms: Option<&[(String, Latency)]>) -> Cdf {
    if let Some(h) = histograms {
        let curves = h
            .iter()
            .enumerate()
            .filter_map(|(i, (name, l))| {
                let c = if i == 0 { BLACK } else { colour(i - 1) };
                histogram_curve(name, c, l)
            })
            .collect();
        return Cdf {
            title: format!("{}: delivery latency (creation to mailbox)", s.scenario),
            note:
                "share of delivered messages within a latency (log time axis); dots: p50, p95, p99"
                    .into(),
            curves,
        };
    }
    let all = quantile_curve("all traffic", BLACK, &s.latency_s);
    let streams = s
        .traffic
        .iter()
        .enumerate()
        .filter_map(|(i, (name, t))| quantile_curve(name, colour(i), &t.latency_s));
    Cdf {
        title: format!("{}: delivery latency (creation to mailbox)", s.scenario),
        note: "share of delivered messages within a latency; dots: measured p50, p95, p99; dashes join them to the max"
            .into(),
        curves: all.into_iter().chain(streams).collect(),
    }
}
