//! `mailflow compare`: several scenarios under one seed (common random numbers), side by side.

use super::input::{delay_thresholds, load_to_run, overrides};
use super::progress::Bar;
use super::{AppError, print, print_json};
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
    for path in &args.scenarios {
        let (_, mut l) = load_to_run(path, &args.opts, args.size.max_messages, out.quiet)?;
        l.scenario.set_delay_thresholds(thresholds.iter().copied());
        loaded.push((path.clone(), l.scenario));
    }
    let seed = args
        .seed
        .unwrap_or_else(|| loaded.first().map_or(1, |(_, sc)| sc.seed));
    let names: Vec<&str> = loaded.iter().map(|(_, sc)| sc.name.as_str()).collect();
    let dir = out
        .out
        .clone()
        .unwrap_or_else(|| compare::default_out(&names));
    let writer = ReportWriter::claim(&dir, out.force)?;
    let mut bar = Bar::new(out.quiet);
    let runs = compare_all(
        loaded,
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
    match out.format {
        Format::Json => print_json(&comparison)?,
        Format::Table if !out.quiet => {
            let mut text = table::console(&comparison);
            if args.replications > 1 {
                text += &table::ci_table(&runs, &comparison);
            }
            text += &format!("\nreport: {}\n", writer.dir().display());
            print(&text)?;
        }
        Format::Table => {}
    }
    Ok(())
}
