//! What `sweep` and `merge` print: the points and the capacity as a table, or `sweep.json`.

use std::path::Path;

use crate::cli::Format;
use crate::cmd::{AppError, print};
use crate::experiment::sweep::SweepReport;

/// Prints the points and the capacity (or `sweep.json` with `--format json`).
pub fn print_report(
    r: &SweepReport,
    format: Format,
    quiet: bool,
    dir: &Path,
) -> Result<(), AppError> {
    if format == Format::Json {
        let json = crate::report::Exporter::render(&crate::report::sweep::SweepJson, r)?;
        return print(&String::from_utf8_lossy(&json));
    }
    if quiet {
        return print(&crate::report::sweep::console::quiet(r));
    }
    let mut text = crate::report::sweep::console::full(r);
    text += &format!("report: {}\n", dir.display());
    print(&text)
}
