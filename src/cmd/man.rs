//! `mailflow completions SHELL` and `mailflow man`: generated from the command-line
//! declaration, so they cannot drift from it.

use clap::CommandFactory;

use super::{AppError, print};
use crate::cli::{Cli, CompletionsArgs};

/// `mailflow completions SHELL`.
pub fn completions(args: &CompletionsArgs) -> Result<(), AppError> {
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "mailflow", &mut buf);
    print(&String::from_utf8_lossy(&buf))
}

/// `mailflow man`.
pub fn man() -> Result<(), AppError> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut buf)
        .map_err(|e| AppError::Runtime(format!("cannot render the manual: {e}")))?;
    print(&String::from_utf8_lossy(&buf))
}
