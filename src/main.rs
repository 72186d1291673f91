//! `mailflow`: parse the command line, run the command, map failures to exit codes
//! (0 success, 1 runtime failure, 2 invalid input, 3 an SLO missed).

use clap::Parser;
use mailflow::app;
use mailflow::cli::{Cli, Command};

fn main() {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run(a) => app::run(a),
        Command::Compare(a) => mailflow::compare::run(a),
        Command::Validate(a) => app::validate(a),
        Command::Route(a) => app::route(a),
        Command::Sweep(a) => mailflow::sweep::command::sweep(a),
        Command::Merge(a) => mailflow::sweep::merge::merge(a),
    };
    if let Err(e) = result {
        match &e {
            // Diagnostics carry their own `file:line:column: error:` prefix.
            app::AppError::Located(text) => eprintln!("{text}"),
            _ => eprintln!("error: {e}"),
        }
        std::process::exit(e.exit_code());
    }
}
