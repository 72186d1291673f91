//! Where a report goes and how big it may be: the `--out` folder, or a default under
//! `reports/` that must stay there; the claim options; the report-size bound checked before
//! anything runs.

use std::path::{Component, Path, PathBuf};

use super::AppError;
use crate::cli::OutputOpts;
use crate::model::Scenario;
use crate::report::writer::Claim;
use crate::scenario::check::estimate::approx;

/// The folder of a report: `--out`, else `default`, which must be one folder inside
/// `reports/` (a name taken from a scenario or a shard's `sweep.json` cannot point elsewhere).
pub fn folder(out: &OutputOpts, default: PathBuf) -> Result<PathBuf, AppError> {
    if let Some(dir) = &out.out {
        return Ok(dir.clone());
    }
    let inside = default.strip_prefix("reports").ok();
    let mut parts = inside.map(Path::components).into_iter().flatten();
    let one = matches!(
        (parts.next(), parts.next()),
        (Some(Component::Normal(_)), None)
    );
    let name = inside.map(|p| p.to_string_lossy()).unwrap_or_default();
    if !one || name.starts_with('.') || name.chars().any(char::is_control) || name.len() > 200 {
        return Err(AppError::Input(format!(
            "cannot name the report folder after `{}`: it is not a plain folder name under \
             reports/; pass --out DIR",
            name.escape_debug()
        )));
    }
    Ok(default)
}

/// How to claim the folder.
pub fn claim(out: &OutputOpts) -> Claim {
    Claim {
        force: out.force,
        wait: out.wait,
    }
}

/// The default ceiling of `--max-report-size`, in bytes.
pub const DEFAULT_MAX_REPORT_BYTES: u64 = 100_000_000;

/// Bytes a run report takes per time-series sample (the charts' x axis), per row of
/// `timeseries.csv` (a node or connector at a sample) and per fault (shaded and labelled in the
/// charts, listed in the page and in the incident timeline; timed changes alike), and for the
/// rest. Measured on the exporters' output and rounded
/// up; `tests/it/robustness_limits.rs` checks the estimate stays above the real size and
/// within twice it.
const BYTES_PER_SAMPLE: u64 = 64;
const BYTES_PER_ROW: u64 = 64;
const BYTES_PER_FAULT: u64 = 10_000;
const BYTES_BASE: u64 = 64_000;

/// About how many bytes the report folder of one run of `sc` takes.
pub fn report_bytes(sc: &Scenario) -> u64 {
    let samples = sc.duration.0 / sc.sample_every.0.max(1) + 1;
    let rows = samples.saturating_mul((sc.nodes.len() + sc.connectors.len()).max(1) as u64);
    BYTES_BASE
        .saturating_add(samples.saturating_mul(BYTES_PER_SAMPLE))
        .saturating_add(rows.saturating_mul(BYTES_PER_ROW))
        .saturating_add(
            ((sc.faults.len() + sc.changes.len()) as u64).saturating_mul(BYTES_PER_FAULT),
        )
}

/// Refuses reports estimated above `max` bytes, before anything runs.
pub fn check_report_size(scenarios: &[&Scenario], max: u64) -> Result<(), AppError> {
    let total: u64 = scenarios.iter().map(|s| report_bytes(s)).sum();
    if total <= max {
        return Ok(());
    }
    let what: Vec<String> = scenarios
        .iter()
        .map(|s| {
            let samples = s.duration.0 / s.sample_every.0.max(1) + 1;
            format!(
                "`{}`: {} samples × {} nodes and connectors, {} faults",
                s.name,
                approx(samples as f64),
                s.nodes.len() + s.connectors.len(),
                s.faults.len()
            )
        })
        .collect();
    Err(AppError::Input(format!(
        "the report would take about {} MB ({}); the ceiling is {} MB: raise `sample_every`, \
         shorten `duration` or use fewer faults, or raise --max-report-size",
        approx((total / 1_000_000) as f64),
        what.join("; "),
        approx((max / 1_000_000) as f64)
    )))
}
