//! `mailflow run`: load once, simulate (once or `--replications` times), write every report
//! file once, print, and exit 3 when an `--slo` is missed.

use super::input::{delay_thresholds, load_to_run};
use super::progress::Bar;
use super::{AppError, output, print_json};
use crate::cli::{Format, RunArgs};
use crate::experiment::{self, Replicated, replicate, simulate, slo};
use crate::model::Warmup;
use crate::report::console::{self, secs};
use crate::report::writer::ReportWriter;
use crate::report::{self, RunReport};

/// `mailflow run`.
pub fn run(args: &RunArgs) -> Result<(), AppError> {
    let out = &args.output;
    let (_, mut loaded) = load_to_run(
        &args.scenario,
        &args.opts,
        args.size.max_messages,
        out.quiet,
    )?;
    let nodes: Vec<String> = loaded
        .scenario
        .nodes
        .iter()
        .map(|n| n.name.clone())
        .collect();
    let slos = slo::parse_all(&args.slo, &nodes).map_err(AppError::Input)?;
    loaded
        .scenario
        .set_delay_thresholds(delay_thresholds(&args.outcomes, &slos)?);
    let sc = &loaded.scenario;
    let seed = args.seed.unwrap_or(sc.seed);
    let n = args.replications.max(1);
    output::check_report_size(&[sc], args.size.max_report_size)?;
    let dir = output::folder(out, report::default_out(&sc.name))?;
    // Locked before the run, so a second run into the same folder fails at once.
    let writer = ReportWriter::replace(&dir, output::claim(out))?;
    let rep = if n == 1 {
        let mut bar = Bar::new(out.quiet);
        let run = simulate(sc, seed, bar.sink());
        Replicated::from_runs(vec![seed], vec![run])
    } else {
        replicate(sc, seed, n, experiment::jobs(args.jobs.jobs))
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
    if n > 1 {
        summary.replications = Some(rep.to_json());
    }
    let run_report = RunReport {
        scenario: sc,
        summary: &summary,
        series: &rep.series,
        latencies: &rep.latencies,
        rendered: Default::default(),
    };
    report::write_all(&writer, &report::run_exporters(), &run_report)?;
    let dir = writer.commit()?;
    match out.format {
        Format::Json => print_json(&summary)?,
        Format::Table if !out.quiet => {
            let mut text = if n == 1 {
                console::summary_table(&summary)
            } else {
                console::replicated_table(&rep, &nodes, &sc.delay_thresholds)
            };
            for r in &summary.slo {
                text += &format!("  {}\n", report::format::slo_line(r, n > 1));
            }
            if sc.warmup == Warmup::Auto {
                let runs: Vec<String> = rep.summaries.iter().map(|s| secs(s.warmup_s)).collect();
                text += &format!(
                    "\nwarm-up: auto (MSER-5 on the node queue lengths) truncated at {}\n",
                    runs.join(", ")
                );
            }
            text += &format!("\nreport: {}\n", dir.display());
            super::print(&text)?;
        }
        Format::Table => {}
    }
    slo::verdict(&summary.slo).map_err(AppError::SloMissed)
}
