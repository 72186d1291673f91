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
    /// Run several scenarios with the same seed; side-by-side table and overlay charts.
    Compare(CompareArgs),
    /// Check scenario files without simulating: all errors and warnings at once.
    Validate(ValidateArgs),
    /// Print the path a message would take, hop by hop, like a message trace.
    Route(RouteArgs),
    /// Capacity planning: a grid of parameter values × replications; CIs; the largest load that
    /// meets the SLOs.
    Sweep(SweepArgs),
    /// Combine sweep shards (see `sweep --shard`) into one sweep report.
    Merge(MergeArgs),
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
    /// Refuse a scenario expected to generate more messages than this per run (the sum over
    /// traffic streams of rate × active time), before simulating; e.g. `5e8` or `500M`.
    /// Not used by `route`.
    #[arg(
        long,
        value_name = "N",
        default_value = "200M",
        value_parser = parse_count
    )]
    pub max_messages: u64,
}

/// A message count: `200000000`, `200_000_000`, `2e8`, `200M`, `50k`.
pub fn parse_count(s: &str) -> Result<u64, String> {
    let t = s.trim().replace('_', "");
    let (number, scale) = match t.strip_suffix(['k', 'K']) {
        Some(n) => (n, 1e3),
        None => match t.strip_suffix('M') {
            Some(n) => (n, 1e6),
            None => (t.as_str(), 1.0),
        },
    };
    let n: f64 = number
        .parse()
        .map_err(|_| format!("`{s}` is not a count: write e.g. `200000000`, `2e8` or `200M`"))?;
    let n = n * scale;
    if !n.is_finite() || n < 0.0 || n >= u64::MAX as f64 {
        return Err(format!("`{s}` must be a count between 0 and about 1.8e19"));
    }
    Ok(n.round() as u64)
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
    /// Independent runs with seeds derived from the master seed; every number gets a mean and a
    /// 95% confidence interval.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub replications: usize,
    /// Worker threads for the replications (default: number of cores); results do not depend on it.
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// A service-level objective, e.g. 'latency.p99<15m', 'ndr_rate<0.1%',
    /// 'queue.onprem.peak<5000' (repeatable); exit code 3 when one is missed.
    #[arg(long = "slo", value_name = "EXPR")]
    pub slo: Vec<String>,
}

/// `mailflow validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario files.
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    #[command(flatten)]
    pub opts: ScenarioOpts,
    /// Also print the offered load per node (mean and peak hour) from traffic and routing, and
    /// flag nodes at or above 100%.
    #[arg(long)]
    pub load: bool,
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

/// `mailflow compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Scenario files, two or more.
    #[arg(required = true, num_args = 2..)]
    pub scenarios: Vec<PathBuf>,
    /// Master seed for every scenario (default: the first scenario's `seed`, else 1).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Report folder (default `reports/compare-<a>-vs-<b>/`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Overrides applied to every scenario.
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
    /// Independent runs per scenario, with the same derived seeds for every scenario; the
    /// table adds means with 95% confidence intervals.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub replications: usize,
    /// Worker threads for the replications (default: number of cores); results do not depend
    /// on it.
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
}

/// `mailflow sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The scenario file.
    pub scenario: PathBuf,
    /// A parameter to vary: `KEY=FROM..TO:STEPS` (STEPS values including both ends, in the unit
    /// written, e.g. `traffic.inbound.rate=10000/d..200000/d:20`) or `KEY=v1,v2,v3`; several
    /// make a grid. Capacity is reported for the first.
    #[arg(long, value_name = "KEY=VALUES", required = true)]
    pub vary: Vec<String>,
    /// Runs per point.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub replications: usize,
    /// Worker threads for (point × replication) runs (default: number of cores); results do
    /// not depend on it.
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// A service-level objective (repeatable); capacity is the largest value of the first
    /// `--vary` key whose points, and all smaller ones, meet every SLO in the CI's pessimistic
    /// bound.
    #[arg(long = "slo", value_name = "EXPR")]
    pub slo: Vec<String>,
    /// Run only slice K of N (1-based: `1/4` .. `4/4`) of the grid; `merge` joins the slices.
    /// From a 0-based index (Kubernetes `JOB_COMPLETION_INDEX`) pass `$((INDEX + 1))/N`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Continue an interrupted sweep: skip points already written with the same scenario,
    /// seed and replications.
    #[arg(long)]
    pub resume: bool,
    /// Master seed (default: the scenario's `seed`, else 1).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Report folder (default `reports/sweep-<scenario name>/`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub opts: ScenarioOpts,
    /// No progress lines, no table.
    #[arg(long)]
    pub quiet: bool,
    /// stdout format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write into a non-empty report folder that mailflow did not write.
    #[arg(long)]
    pub force: bool,
}

/// `mailflow merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shard report folders.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Report folder (default `reports/sweep-<scenario name>/`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// No table.
    #[arg(long)]
    pub quiet: bool,
    /// stdout format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write into a non-empty report folder that mailflow did not write.
    #[arg(long)]
    pub force: bool,
}
