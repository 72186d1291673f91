//! What `mailflow sweep` and `mailflow merge` print: the points in the metrics' units, then the
//! capacity, overall and per value of every other varied key.

use super::axis::estimate;
use super::capacity::{at_words, capacity_by};
use super::chart::metrics;
use crate::experiment::sweep::SweepReport;
use crate::report::console::table;

/// `capacity: KEY = VALUE` lines for `--quiet` (with the provisional note of an incomplete
/// grid) and one per value of the other keys.
pub fn quiet(r: &SweepReport) -> String {
    let partial = if r.points.len() < r.grid_points {
        format!(
            " (provisional: {} of {} points)",
            r.points.len(),
            r.grid_points
        )
    } else {
        String::new()
    };
    let mut out = format!(
        "capacity: {} = {}{partial}\n",
        r.capacity.key,
        r.capacity.value.as_deref().unwrap_or("none")
    );
    out += &per_value(r);
    out
}

/// One line per combination of the other keys' values.
fn per_value(r: &SweepReport) -> String {
    let mut out = String::new();
    for c in capacity_by(r) {
        out += &format!(
            "  with {}: {} = {}{}\n",
            at_words(&c.at),
            r.capacity.key,
            c.value.as_deref().unwrap_or("none"),
            if c.complete { "" } else { " (provisional)" }
        );
    }
    out
}

/// The points table and the capacity.
pub fn full(r: &SweepReport) -> String {
    let (shown, _) = metrics(r);
    let mut header: Vec<String> = r.vary.iter().map(|v| v.key.clone()).collect();
    header.extend(shown.iter().map(|m| format!("{m} mean [95% CI]")));
    header.push("SLOs".into());
    let rows: Vec<Vec<String>> = r
        .points
        .iter()
        .map(|p| {
            let mut row = r.varied_values(p);
            for m in &shown {
                row.push(
                    p.metrics
                        .get(&m.to_string())
                        .map_or(String::new(), |e| estimate(m, e)),
                );
            }
            row.push(
                if r.slo.is_empty() {
                    "-"
                } else if p.slo_met {
                    "met"
                } else {
                    "MISSED"
                }
                .into(),
            );
            row
        })
        .collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut text = table(&header, &rows);
    if r.points.len() < r.grid_points {
        text += &format!(
            "\n{} of {} points done (a shard or an interrupted sweep): the capacity below is provisional.\n",
            r.points.len(),
            r.grid_points
        );
    }
    match (&r.capacity.value, r.slo.is_empty()) {
        (_, true) => text += "\ncapacity: none computed (no --slo given)\n",
        (Some(v), false) => {
            text += &format!(
                "\ncapacity: {} = {v} (every SLO met up to this value: {})\n",
                r.capacity.key,
                r.slo.join(", ")
            )
        }
        (None, false) => {
            text += &format!(
                "\ncapacity: none (the smallest {} already misses an SLO)\n",
                r.capacity.key
            )
        }
    }
    if !r.slo.is_empty() {
        text += &per_value(r);
    }
    text
}
