//! `mailflow compare`: several scenarios under one seed (common random numbers), side by side.

use super::input::{delay_thresholds, load_to_run, overrides};
use super::progress::Bar;
use super::{AppError, output, print, print_json};
use crate::cli::{CompareArgs, Format};
use crate::experiment::{self, compare::compare_all};
use crate::report::compare::{self, CompareReport, Comparison, table};
use crate::report::writer::ReportWriter;

/// `mailflow compare`.
pub fn compare(args: &CompareArgs) -> Result<(), AppError> {
    let out = &args.output;
    overrides(&args.opts)?;
    let thresholds = delay_thresholds(&args.outcomes, &[])?;
    let mut loaded = Vec::with_capacity(args.scenarios.len());
    // Each file is read once (it may be a pipe): its text also gives the settings that differ.
    let mut texts = Vec::with_capacity(args.scenarios.len());
    for path in &args.scenarios {
        let (source, mut l) = load_to_run(path, &args.opts, args.size.max_messages, out.quiet)?;
        l.scenario.set_delay_thresholds(thresholds.iter().copied());
        loaded.push((path.clone(), l.scenario));
        texts.push(source.text);
    }
    let seed = args
        .seed
        .unwrap_or_else(|| loaded.first().map_or(1, |(_, sc)| sc.seed));
    let names: Vec<&str> = loaded.iter().map(|(_, sc)| sc.name.as_str()).collect();
    let scenarios: Vec<&crate::model::Scenario> = loaded.iter().map(|(_, sc)| sc).collect();
    output::check_report_size(&scenarios, args.size.max_report_size)?;
    let dir = output::folder(out, compare::default_out(&names))?;
    let writer = ReportWriter::replace(&dir, output::claim(out))?;
    let mut bar = Bar::new(out.quiet);
    let runs = compare_all(
        loaded,
        &texts,
        seed,
        args.replications.max(1),
        experiment::jobs(args.jobs.jobs),
        bar.sink(),
    );
    drop(bar);
    let comparison = Comparison::new(&runs, seed);
    let report = CompareReport {
        runs: &runs,
        comparison: &comparison,
    };
    crate::report::write_all(&writer, &compare::exporters(), &report)?;
    let dir = writer.commit()?;
    match out.format {
        Format::Json => print_json(&comparison)?,
        Format::Table if !out.quiet => {
            let mut text = table::console(&comparison);
            if args.replications > 1 {
                text += &table::ci_table(&runs, &comparison);
            }
            text += &format!("\nreport: {}\n", dir.display());
            print(&text)?;
        }
        Format::Table => {}
    }
    Ok(())
}
