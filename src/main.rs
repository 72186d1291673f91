//! `mailflow`: parse the command line, run the command, print the failure and exit with its
//! code (0 success, 1 runtime failure, 2 invalid input, 3 an SLO missed).

use std::io::IsTerminal;

use clap::Parser;
use clap::error::ErrorKind;
use mailflow::cli::Cli;
use mailflow::cmd::{self, AppError};

fn main() {
    let result = match Cli::try_parse() {
        Ok(cli) => cmd::dispatch(&cli),
        Err(e) => Err(parse_error(&e)),
    };
    if let Err(e) = result {
        match &e {
            AppError::ClosedPipe | AppError::Shown(_) => {}
            // Diagnostics carry their own `file:line:column: error:` prefix.
            AppError::Located(text) => cmd::note(text),
            _ => cmd::note(&format!("error: {e}")),
        }
        std::process::exit(e.exit_code());
    }
}

/// `--help` and `--version` are printed to stdout like any output (a closed pipe ends quietly,
/// a full disk is an error); a usage error goes to stderr with exit code 2.
fn parse_error(e: &clap::Error) -> AppError {
    let styled = e.render();
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let text = if std::io::stdout().is_terminal() {
                styled.ansi().to_string()
            } else {
                styled.to_string()
            };
            cmd::print(&text).err().unwrap_or(AppError::Shown(0))
        }
        _ => {
            let text = if std::io::stderr().is_terminal() {
                styled.ansi().to_string()
            } else {
                styled.to_string()
            };
            cmd::note(text.trim_end());
            AppError::Shown(2)
        }
    }
}
