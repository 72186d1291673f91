//! `mailflow`: parse the command line, run the command, print the failure and exit with its
//! code (0 success, 1 runtime failure, 2 invalid input, 3 an SLO missed).

use clap::Parser;
use mailflow::cli::Cli;
use mailflow::cmd::{self, AppError};

fn main() {
    let cli = Cli::parse();
    if let Err(e) = cmd::dispatch(&cli) {
        match &e {
            AppError::ClosedPipe => {}
            // Diagnostics carry their own `file:line:column: error:` prefix.
            AppError::Located(text) => cmd::note(text),
            _ => cmd::note(&format!("error: {e}")),
        }
        std::process::exit(e.exit_code());
    }
}
