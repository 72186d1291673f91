//! The commands: one file each, the error type with its exit codes, and the helpers they share
//! (reading the scenario once, the progress bar).

pub mod compare;
pub mod error;
pub mod fit;
pub mod import;
pub mod input;
pub mod man;
pub mod merge;
pub mod output;
pub mod progress;
pub mod route;
pub mod run;
pub mod schema;
pub mod sweep;
pub mod validate;

pub use error::AppError;

use crate::cli::{Cli, Command};

/// Runs the command the user asked for.
pub fn dispatch(cli: &Cli) -> Result<(), AppError> {
    match &cli.command {
        Command::Run(a) => run::run(a),
        Command::Compare(a) => compare::compare(a),
        Command::Validate(a) => validate::validate(a),
        Command::Route(a) => route::route(a),
        Command::Sweep(a) => sweep::sweep(a),
        Command::Merge(a) => merge::merge(a),
        Command::Import(a) => import::import(a),
        Command::Fit(a) => fit::fit(a),
        Command::Schema => schema::schema(),
        Command::Completions(a) => man::completions(a),
        Command::Man => man::man(),
    }
}

/// Writes `text` to standard output. A closed pipe (`mailflow run … | head`) ends the command
/// quietly, as Unix tools do; any other write error (a full disk) is a runtime failure.
pub fn print(text: &str) -> Result<(), AppError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::BrokenPipe => AppError::ClosedPipe,
            _ => AppError::Runtime(format!("cannot write to standard output: {e}")),
        })
}

/// Prints `value` as pretty JSON with a final newline.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<(), AppError> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    print(&text)
}

/// Writes a line to standard error, ignoring failures (a closed or full stderr must not turn
/// into a panic).
pub fn note(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}
