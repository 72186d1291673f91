//! The command line, declared with clap's derive API (flags only; behaviour is in `app`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Simulate hybrid mail-routing topologies: queues, retries, NDRs and mail flow alerts.
#[derive(Debug, Parser)]
#[command(name = "mailflow", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate once; print a summary table; write the report folder.
    Run(RunArgs),
    /// Check scenario files without simulating: all errors and warnings at once.
    Validate(ValidateArgs),
    /// Print the path a message would take, hop by hop, like a message trace.
    Route(RouteArgs),
}

/// stdout format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned tables for people.
    Table,
    /// JSON for scripts.
    Json,
}

/// Options shared by commands that load a scenario.
#[derive(Debug, Args, Clone)]
pub struct ScenarioOpts {
    /// Override one scenario value by its path, e.g. `traffic.inbound.rate=80000/d` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

/// `mailflow run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario file.
    pub scenario: PathBuf,
    /// Master seed (default: the scenario's `seed`, else 1).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Report folder (default `reports/<scenario name>/`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub opts: ScenarioOpts,
    /// No progress bar, no table.
    #[arg(long)]
    pub quiet: bool,
    /// stdout format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write into a non-empty report folder that mailflow did not write.
    #[arg(long)]
    pub force: bool,
}

/// `mailflow validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario files.
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    #[command(flatten)]
    pub opts: ScenarioOpts,
}

/// `mailflow route`.
#[derive(Debug, Args)]
pub struct RouteArgs {
    /// The scenario file.
    pub scenario: PathBuf,
    /// Recipient address, e.g. `user@contoso.com`.
    #[arg(long, value_name = "ADDRESS")]
    pub to: String,
    /// Node the message starts at (default: the `internet` node, else the first stream's node).
    #[arg(long, value_name = "NODE")]
    pub from: Option<String>,
    /// Take the faults in force at this simulated time into account, e.g. `30h`.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    #[command(flatten)]
    pub opts: ScenarioOpts,
}
