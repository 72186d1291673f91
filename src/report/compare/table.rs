//! The numbers of a comparison: one [`Column`] per scenario, serialised to `comparison.json`
//! and laid out as the side-by-side table (console and HTML) from the same rows.

use indexmap::IndexMap;
use serde::Serialize;

use super::deltas::{self, Delta};
use super::{CompareReport, words};
use crate::experiment::Summary;
use crate::experiment::compare::Compared;
use crate::experiment::compare::settings::SettingChange;
use crate::experiment::summary::{EventKind, LatencySummary, TimeStats};
use crate::report::console::{table, table_keyed};
use crate::report::format::{count, percent, secs};
use crate::report::{Exporter, ReportError};

/// One scenario's column of the comparison.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Column {
    /// Scenario name.
    pub scenario: String,
    /// The file it came from.
    pub file: String,
    /// Messages generated (after the warm-up).
    pub generated: u64,
    /// Delivered to a mailbox.
    pub delivered: u64,
    /// Returned as NDRs.
    pub ndr: u64,
    /// Quarantined.
    pub quarantined: u64,
    /// Still in flight at the horizon.
    pub in_flight: u64,
    /// `ndr / generated`.
    pub ndr_rate: f64,
    /// NDRs by code key.
    pub ndr_by_code: std::collections::BTreeMap<String, u64>,
    /// Creation-to-delivery latency, seconds.
    pub latency_s: LatencySummary,
    /// Peak queue per node.
    pub peak_queue: IndexMap<String, u64>,
    /// Peak queue per connector.
    pub connector_peak_queue: IndexMap<String, u64>,
    /// Alerts as `<connector> <code> <title>`.
    pub alerts: Vec<String>,
    /// NDR'd or still in flight at the end.
    pub not_delivered: u64,
    /// Share of generated messages delayed over 1 h or not delivered.
    pub delayed_1h_share: f64,
    /// Creation to NDR of the NDR'd messages, seconds.
    pub time_to_ndr_s: TimeStats,
    /// Age of the oldest message in flight at the end, seconds.
    pub in_flight_oldest_s: f64,
    /// An incident that had neither cleared nor drained at the end and already expired mail:
    /// what the messages still in flight are waiting behind.
    pub held_behind: Option<String>,
}

impl Column {
    /// The column of one run.
    pub fn of(run: &Compared) -> Column {
        let s = &run.summary();
        Column {
            scenario: s.scenario.clone(),
            file: run.file.display().to_string(),
            generated: s.messages.generated,
            delivered: s.messages.delivered,
            ndr: s.messages.ndr,
            quarantined: s.messages.quarantined,
            in_flight: s.messages.in_flight,
            ndr_rate: s.ndr_rate,
            ndr_by_code: s.ndr_by_code.clone(),
            latency_s: s.latency_s.clone(),
            peak_queue: s
                .nodes
                .iter()
                .map(|(k, n)| (k.clone(), n.peak_queue))
                .collect(),
            connector_peak_queue: s
                .connectors
                .iter()
                .map(|(k, c)| (k.clone(), c.peak_queue))
                .collect(),
            alerts: s
                .alerts
                .iter()
                .map(|a| format!("{} {} {}", a.connector, a.code, a.title))
                .collect(),
            not_delivered: s.messages.ndr + s.messages.in_flight,
            delayed_1h_share: s.outcomes.delayed.get("1h").map_or(0.0, |d| d.share),
            time_to_ndr_s: s.outcomes.time_to_ndr_s.clone(),
            in_flight_oldest_s: s.outcomes.in_flight_age_s.oldest,
            held_behind: s
                .incidents
                .iter()
                .find(|i| {
                    i.at(EventKind::Cleared).is_none()
                        && i.at(EventKind::QueueDrained).is_none()
                        && i.ndr > 0
                })
                .map(|i| i.title.clone()),
        }
    }

    /// Where the largest peak queue was (a node, or `connector <name>`), if anything queued.
    pub fn worst_queue(&self) -> Option<(String, u64)> {
        let nodes = self.peak_queue.iter().map(|(k, v)| (k.clone(), *v));
        let connectors = self
            .connector_peak_queue
            .iter()
            .map(|(k, v)| (format!("connector {k}"), *v));
        nodes
            .chain(connectors)
            .filter(|(_, v)| *v > 0)
            .max_by_key(|(_, v)| *v)
    }
}

/// What `comparison.json` holds.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Comparison {
    /// The seed every scenario ran with.
    pub seed: u64,
    /// Scenario names, in command-line order.
    pub scenarios: Vec<String>,
    /// Their numbers.
    pub columns: Vec<Column>,
    /// What differs, in words.
    pub differences: Vec<String>,
    /// Each scenario against the first, metric by metric (with the 95% CI of the paired
    /// difference when replicated).
    pub deltas: Vec<Delta>,
    /// Per scenario after the first: the settings of its file that differ from the first's.
    pub settings: IndexMap<String, Vec<SettingChange>>,
    /// With `--replications N` (N > 1): every scenario's numbers as `{mean, ci95, runs}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replications: Option<IndexMap<String, serde_json::Value>>,
}

impl Comparison {
    /// Builds the comparison of `runs`.
    pub fn new(runs: &[Compared], seed: u64) -> Comparison {
        let columns: Vec<Column> = runs.iter().map(Column::of).collect();
        let replicated = runs.iter().any(|r| r.runs.summaries.len() > 1);
        let deltas = deltas::all(runs);
        Comparison {
            seed,
            scenarios: columns.iter().map(|c| c.scenario.clone()).collect(),
            differences: words::differences(&columns, &deltas),
            deltas,
            settings: runs
                .iter()
                .skip(1)
                .map(|r| (r.scenario.name.clone(), r.settings.clone()))
                .collect(),
            columns,
            replications: replicated.then(|| {
                runs.iter()
                    .map(|r| (r.scenario.name.clone(), r.runs.to_json()))
                    .collect()
            }),
        }
    }

    /// The side-by-side rows: a metric, then one cell per scenario.
    pub fn rows(&self) -> Vec<Vec<String>> {
        let cell = |f: &dyn Fn(&Column) -> String| self.columns.iter().map(f).collect::<Vec<_>>();
        let row = |name: &str, f: &dyn Fn(&Column) -> String| {
            std::iter::once(name.to_string()).chain(cell(f)).collect()
        };
        let mut rows: Vec<Vec<String>> = vec![
            row("generated", &|c| count(c.generated)),
            row("delivered", &|c| count(c.delivered)),
            row("NDR", &|c| count(c.ndr)),
            row("NDR rate", &|c| percent(c.ndr_rate)),
            row("quarantined", &|c| count(c.quarantined)),
            row("in flight at end", &|c| count(c.in_flight)),
            row("not delivered (NDR + in flight)", &|c| {
                count(c.not_delivered)
            }),
            row("delayed >1h or not delivered", &|c| {
                percent(c.delayed_1h_share)
            }),
            row("time to NDR (mean)", &|c| {
                if c.time_to_ndr_s.count == 0 {
                    "-".into()
                } else {
                    secs(c.time_to_ndr_s.mean)
                }
            }),
            row("oldest in flight at end", &|c| {
                if c.in_flight == 0 {
                    "-".into()
                } else {
                    secs(c.in_flight_oldest_s)
                }
            }),
            row("latency p50", &|c| secs(c.latency_s.p50)),
            row("latency p95", &|c| secs(c.latency_s.p95)),
            row("latency p99", &|c| secs(c.latency_s.p99)),
        ];
        let mut nodes: Vec<&String> = Vec::new();
        for c in &self.columns {
            for k in c.peak_queue.keys() {
                if !nodes.contains(&k) {
                    nodes.push(k);
                }
            }
        }
        for n in nodes {
            rows.push(row(&format!("peak queue {n}"), &|c| {
                c.peak_queue.get(n).map_or("-".into(), |v| count(*v))
            }));
        }
        rows.push(row("alerts", &|c| c.alerts.len().to_string()));
        rows
    }

    /// The header: `metric`, then the scenario names.
    pub fn header(&self) -> Vec<&str> {
        std::iter::once("metric")
            .chain(self.scenarios.iter().map(String::as_str))
            .collect()
    }
}

/// The settings that differ, one row per setting: scenario, path, baseline value, its value.
pub fn settings_grid(c: &Comparison) -> (Vec<String>, Vec<Vec<String>>) {
    let base = c.scenarios.first().cloned().unwrap_or_default();
    let header = vec![
        "scenario".to_string(),
        "setting".to_string(),
        base,
        "its value".to_string(),
    ];
    let rows = c
        .settings
        .iter()
        .flat_map(|(name, changes)| {
            changes.iter().map(move |ch| {
                vec![
                    name.clone(),
                    ch.path.clone(),
                    ch.baseline.clone().unwrap_or_else(|| "(not set)".into()),
                    ch.value.clone().unwrap_or_else(|| "(not set)".into()),
                ]
            })
        })
        .collect();
    (header, rows)
}

/// The differences against the baseline, one row per metric and scenario.
pub fn deltas_grid(c: &Comparison) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let replicated = c.deltas.iter().any(|d| d.ci95.is_some());
    let mut header = vec!["scenario", "metric", "difference"];
    if replicated {
        header.push("95% CI of the difference");
    }
    header.push("verdict");
    let signed = |d: &deltas::Delta, v: f64| {
        let shown = d.unit.show(v);
        let zero = shown.chars().all(|c| !c.is_ascii_digit() || c == '0');
        let sign = if zero {
            ""
        } else if v < 0.0 {
            "-"
        } else if v > 0.0 {
            "+"
        } else {
            ""
        };
        format!("{sign}{shown}")
    };
    let rows = c
        .deltas
        .iter()
        .map(|d| {
            let mut row = vec![
                d.scenario.clone(),
                d.metric.clone(),
                signed(d, d.difference),
            ];
            if replicated {
                row.push(d.ci95.map_or(String::new(), |[lo, hi]| {
                    format!("[{}, {}]", signed(d, lo), signed(d, hi))
                }));
            }
            row.push(
                match d.verdict {
                    deltas::Verdict::Higher => "higher",
                    deltas::Verdict::Lower => "lower",
                    deltas::Verdict::NoChange => "no change",
                }
                .into(),
            );
            row
        })
        .collect();
    (header, rows)
}

/// The console output of `mailflow compare`, wrapped to the terminal width.
pub fn console(c: &Comparison) -> String {
    let cols = crate::report::format::width();
    let mut out = format!("compare: seed {} for every scenario\n\n", c.seed);
    out += &table(&c.header(), &c.rows());
    let (header, rows) = settings_grid(c);
    if !rows.is_empty() {
        out += &format!("\nSettings that differ from {}:\n", c.scenarios[0]);
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        out += &table(&header, &rows);
    }
    for col in c.columns.iter().filter(|col| !col.alerts.is_empty()) {
        out += &format!("\n{} alerts:\n", col.scenario);
        for a in &col.alerts {
            out += &crate::report::format::wrap(a, cols, "  ! ", "    ");
        }
    }
    if !c.differences.is_empty() {
        out += "\nWhat differs:\n";
        for d in &c.differences {
            out += &crate::report::format::wrap(d, cols, "  - ", "    ");
        }
    }
    out
}

const TIME_TO_NDR: &str = "time to NDR mean";

/// Means with 95% confidence intervals of the main metrics, one column per scenario, then the
/// paired differences against the first scenario with their CIs.
pub fn ci_table(runs: &[Compared], c: &Comparison) -> String {
    type Metric = (&'static str, fn(&Summary) -> f64, fn(f64) -> String);
    let metrics: [Metric; 8] = [
        (
            "generated",
            |s| s.messages.generated as f64,
            |v| crate::report::format::number(v, 0),
        ),
        ("NDR rate", |s| s.ndr_rate, percent),
        (
            "not delivered",
            |s| (s.messages.ndr + s.messages.in_flight) as f64,
            |v| crate::report::format::number(v, 0),
        ),
        (
            "delayed >1h or not delivered",
            |s| s.outcomes.delayed.get("1h").map_or(0.0, |d| d.share),
            percent,
        ),
        (TIME_TO_NDR, |s| s.outcomes.time_to_ndr_s.mean, secs),
        ("latency mean", |s| s.latency_s.mean, secs),
        ("latency p99", |s| s.latency_s.p99, secs),
        (
            "in flight at end",
            |s| s.messages.in_flight as f64,
            |v| crate::report::format::number(v, 0),
        ),
    ];
    let mut header = vec!["mean [95% CI]"];
    header.extend(runs.iter().map(|r| r.scenario.name.as_str()));
    let rows: Vec<Vec<String>> = metrics
        .iter()
        .map(|(name, f, fmt)| {
            let mut row = vec![name.to_string()];
            for run in runs {
                let rep = &run.runs;
                // A time to NDR of runs that returned nothing is no time at all.
                let undefined = *name == TIME_TO_NDR
                    && rep
                        .summaries
                        .iter()
                        .all(|s| s.outcomes.time_to_ndr_s.count == 0);
                if undefined {
                    row.push("no NDRs".into());
                    continue;
                }
                let e = rep.estimate(f);
                row.push(format!(
                    "{} {}",
                    fmt(e.mean),
                    crate::report::format::interval(e.ci95, fmt)
                ));
            }
            row
        })
        .collect();
    let n = runs.first().map_or(0, |r| r.runs.summaries.len());
    let (mut dh, mut drows) = deltas_grid(c);
    let against = match c.scenarios.as_slice() {
        // One scenario against the baseline: the scenario column would only repeat its name.
        [a, b] => {
            dh.remove(0);
            for r in &mut drows {
                r.remove(0);
            }
            format!("of {b} against {a}")
        }
        _ => "against the first scenario".into(),
    };
    let keys = if c.scenarios.len() == 2 { 1 } else { 2 };
    format!(
        "\n{n} replications per scenario, same seeds for every scenario:\n{}\nDifferences {against} (mean of the differences paired by seed):\n{}",
        table(&header, &rows),
        table_keyed(&dh, &drows, keys)
    )
}

/// Writes `comparison.json`.
pub struct ComparisonJson;

impl Exporter<CompareReport<'_>> for ComparisonJson {
    fn file_name(&self) -> &'static str {
        "comparison.json"
    }
    fn render(&self, r: &CompareReport<'_>) -> Result<Vec<u8>, ReportError> {
        let mut out = serde_json::to_vec_pretty(r.comparison).map_err(|e| ReportError::Render {
            file: self.file_name().into(),
            reason: e.to_string(),
        })?;
        out.push(b'\n');
        Ok(out)
    }
}
