//! The numbers of a comparison: one [`Column`] per scenario, serialised to `comparison.json`
//! and laid out as the side-by-side table (console and HTML) from the same rows.

use indexmap::IndexMap;
use serde::Serialize;

use super::{CompareReport, words};
use crate::experiment::Summary;
use crate::experiment::compare::Compared;
use crate::experiment::summary::LatencySummary;
use crate::report::console::{count, secs, table};
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
    /// With `--replications N` (N > 1): every scenario's numbers as `{mean, ci95, runs}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replications: Option<IndexMap<String, serde_json::Value>>,
}

impl Comparison {
    /// Builds the comparison of `runs`.
    pub fn new(runs: &[Compared], seed: u64) -> Comparison {
        let columns: Vec<Column> = runs.iter().map(Column::of).collect();
        let replicated = runs.iter().any(|r| r.runs.summaries.len() > 1);
        Comparison {
            seed,
            scenarios: columns.iter().map(|c| c.scenario.clone()).collect(),
            differences: words::differences(&columns),
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
            row("NDR rate", &|c| format!("{:.4}%", c.ndr_rate * 100.0)),
            row("quarantined", &|c| count(c.quarantined)),
            row("in flight at end", &|c| count(c.in_flight)),
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

/// The console output of `mailflow compare`.
pub fn console(c: &Comparison) -> String {
    let mut out = format!("compare: seed {} for every scenario\n\n", c.seed);
    out += &table(&c.header(), &c.rows());
    for col in c.columns.iter().filter(|col| !col.alerts.is_empty()) {
        out += &format!("\n{} alerts:\n", col.scenario);
        for a in &col.alerts {
            out += &format!("  ! {a}\n");
        }
    }
    if !c.differences.is_empty() {
        out += "\nWhat differs:\n";
        for d in &c.differences {
            out += &format!("  - {d}\n");
        }
    }
    out
}

/// Means with 95% confidence intervals of the main metrics, one column per scenario.
pub fn ci_table(runs: &[Compared]) -> String {
    type Metric = (&'static str, fn(&Summary) -> f64, fn(f64) -> String);
    let metrics: [Metric; 5] = [
        (
            "generated",
            |s| s.messages.generated as f64,
            |v| format!("{v:.0}"),
        ),
        ("NDR rate", |s| s.ndr_rate, |v| format!("{:.4}%", v * 100.0)),
        ("latency mean", |s| s.latency_s.mean, secs),
        ("latency p99", |s| s.latency_s.p99, secs),
        (
            "in flight at end",
            |s| s.messages.in_flight as f64,
            |v| format!("{v:.0}"),
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
                let e = rep.estimate(f);
                row.push(format!(
                    "{} [{}, {}]",
                    fmt(e.mean),
                    fmt(e.ci95[0]),
                    fmt(e.ci95[1])
                ));
            }
            row
        })
        .collect();
    let n = runs.first().map_or(0, |r| r.runs.summaries.len());
    format!(
        "\n{n} replications per scenario, same seeds for every scenario:\n{}",
        table(&header, &rows)
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
