//! `mailflow run` with `--replications`, `--slo` or `warmup: auto`: the same report folder as a
//! single run, plus the replications' estimates and the SLO verdict.

use std::fmt::Write;

use serde_json::Value;

use super::replicate::{Replicated, replicate};
use super::{jobs, warmup};
use crate::app::{self, AppError};
use crate::cli::{Format, RunArgs};
use crate::model::Warmup;
use crate::report::console::{self, secs};
use crate::report::writer::ReportWriter;
use crate::report::{self, RunReport};
use crate::scenario::Loaded;
use crate::slo::{self, Metric};

/// Runs the scenario `--replications` times (once by default), writes the report folder of the
/// first run with a `replications` block in `summary.json`, prints, and exits 3 on a missed SLO.
pub fn run(args: &RunArgs, loaded: &Loaded) -> Result<(), AppError> {
    let sc = &loaded.scenario;
    let nodes: Vec<String> = sc.nodes.iter().map(|n| n.name.clone()).collect();
    let slos = slo::parse_all(&args.slo, &nodes)?;
    let seed = args.seed.unwrap_or(sc.seed);
    let n = args.replications.max(1);
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| app::default_out(&sc.name));
    let writer = ReportWriter::claim(&out, args.force)?;
    let rep = if n == 1 {
        let (summary, series) = warmup::simulate(sc, seed, !args.quiet);
        Replicated {
            seeds: vec![seed],
            summaries: vec![summary],
            series,
        }
    } else {
        replicate(sc, seed, n, jobs(args.jobs))
    };
    let mut summary = rep.summaries[0].clone();
    summary.slo = slos
        .iter()
        .map(|s| {
            if n == 1 {
                s.check(&summary)
            } else {
                s.check_estimate(&rep.metric(&s.metric))
            }
        })
        .collect();
    let report = RunReport {
        scenario: sc,
        summary: &summary,
        series: &rep.series,
        latencies: None,
    };
    for exporter in report::run_exporters() {
        let bytes = exporter.render(&report)?;
        writer.write(exporter.file_name(), &bytes)?;
    }
    let mut json = serde_json::to_value(&summary).map_err(|e| AppError::Runtime(e.to_string()))?;
    if n > 1
        && let Value::Object(m) = &mut json
    {
        m.insert("replications".into(), rep.to_json());
    }
    let text = serde_json::to_string_pretty(&json).map_err(|e| AppError::Runtime(e.to_string()))?;
    writer.write("summary.json", format!("{text}\n").as_bytes())?;
    match args.format {
        Format::Json => println!("{text}"),
        Format::Table if !args.quiet => {
            if n == 1 {
                print!("{}", console::summary_table(&summary));
            } else {
                print!("{}", table(&rep, &nodes));
                for r in &summary.slo {
                    let verdict = if r.met { "met" } else { "MISSED" };
                    println!(
                        "  SLO {}: {verdict} (pessimistic CI bound {})",
                        r.expr, r.value
                    );
                }
            }
            if sc.warmup == Warmup::Auto {
                let runs: Vec<String> = rep.summaries.iter().map(|s| secs(s.warmup_s)).collect();
                println!(
                    "\nwarm-up: auto (MSER-5 on the node queue lengths) truncated at {}",
                    runs.join(", ")
                );
            }
            println!("\nreport: {}", writer.dir().display());
        }
        Format::Table => {}
    }
    slo::verdict(&summary.slo)
}

/// The console table of replicated runs: one row per metric, mean and 95% CI.
fn table(rep: &Replicated, nodes: &[String]) -> String {
    let s0 = &rep.summaries[0];
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} replications (seeds derived from {}), {} simulated, warm-up {}\n",
        s0.scenario,
        rep.seeds.len(),
        rep.seeds[0],
        secs(s0.duration_s),
        secs(rep.estimate(|s| s.warmup_s).mean)
    );
    let row = |name: String, e: super::ci::Estimate| {
        vec![
            name,
            format!("{:.4}", e.mean),
            format!("[{:.4}, {:.4}]", e.ci95[0], e.ci95[1]),
        ]
    };
    let mut rows = vec![
        row(
            "generated".into(),
            rep.estimate(|s| s.messages.generated as f64),
        ),
        row(
            "delivered".into(),
            rep.estimate(|s| s.messages.delivered as f64),
        ),
        row("ndr".into(), rep.estimate(|s| s.messages.ndr as f64)),
    ];
    for m in Metric::all(nodes) {
        rows.push(row(m.to_string(), rep.metric(&m)));
    }
    out += &console::table(&["metric", "mean", "95% CI"], &rows);
    out
}
