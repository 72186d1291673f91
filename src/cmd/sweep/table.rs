//! What `sweep` and `merge` print: the points and the capacity as a table, or `sweep.json`.

use std::path::Path;

use crate::cli::Format;
use crate::cmd::{AppError, print};
use crate::experiment::slo::Slo;
use crate::experiment::sweep::SweepReport;
use crate::report::console;

/// Prints the points and the capacity (or `sweep.json` with `--format json`).
pub fn print_report(
    r: &SweepReport,
    format: Format,
    quiet: bool,
    dir: &Path,
) -> Result<(), AppError> {
    if format == Format::Json {
        return print(&String::from_utf8_lossy(&r.json()));
    }
    let mut text = String::new();
    if quiet {
        let partial = if r.points.len() < r.grid_points {
            format!(
                " (provisional: {} of {} points)",
                r.points.len(),
                r.grid_points
            )
        } else {
            String::new()
        };
        return print(&format!(
            "capacity: {} = {}{partial}\n",
            r.capacity.key,
            r.capacity.value.as_deref().unwrap_or("none")
        ));
    }
    let shown: Vec<String> = if r.slo.is_empty() {
        vec!["latency.p99".into()]
    } else {
        r.slo
            .iter()
            .filter_map(|s| Slo::parse(s, None).ok())
            .map(|s| s.metric.to_string())
            .collect()
    };
    let mut header: Vec<String> = r.vary.iter().map(|v| v.key.clone()).collect();
    header.extend(shown.iter().map(|m| format!("{m} mean [95% CI]")));
    header.push("SLOs".into());
    let rows: Vec<Vec<String>> = r
        .points
        .iter()
        .map(|p| {
            let mut row = r.varied_values(p);
            for m in &shown {
                row.push(p.metrics.get(m).map_or(String::new(), |e| {
                    format!("{:.4} [{:.4}, {:.4}]", e.mean, e.ci95[0], e.ci95[1])
                }));
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
    text += &console::table(&header, &rows);
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
    text += &format!("report: {}\n", dir.display());
    print(&text)
}
