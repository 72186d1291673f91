//! The command line, declared with clap's derive API: flags and help texts only, behaviour is in
//! `cmd`. Option groups that several commands share are declared once and flattened.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Exit codes and where the guide is, shown under every `--help`.
pub const EXIT_CODES: &str = "\
Exit codes: 0 success · 1 runtime failure (I/O, internal) · 2 invalid input (scenario or \
arguments; the message gives file:line:column and what to change) · 3 an --slo was missed.

Guide: docs/scenario-format.md (the scenario format), docs/architecture.md (how the code is \
laid out), reports/README.md (what a report folder holds); `mailflow man` prints the manual.";

/// Simulate hybrid mail-routing topologies: queues, retries, NDRs and mail flow alerts.
#[derive(Debug, Parser)]
#[command(
    name = "mailflow",
    version,
    about,
    propagate_version = true,
    after_help = EXIT_CODES,
    after_long_help = concat!(
        "Examples:\n",
        "  mailflow run scenarios/mx-to-eop.yaml\n",
        "  mailflow validate scenarios/*.yaml\n",
        "  mailflow route scenarios/mx-to-eop.yaml --to user@contoso.com\n",
        "  mailflow compare scenarios/decommission.yaml scenarios/decommission-fixed.yaml\n",
        "  mailflow sweep scenarios/mm1.yaml --vary traffic.arrivals.rate=0.3/s..0.7/s:5 --slo 'latency.p99<10s'\n\n",
        "Exit codes: 0 success · 1 runtime failure · 2 invalid input · 3 an --slo was missed.\n",
        "Guide: docs/scenario-format.md, docs/architecture.md, reports/README.md."
    )
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate once; print a summary table; write the report folder.
    #[command(after_help = concat!(
        "Examples:\n",
        "  mailflow run scenarios/mx-to-eop.yaml\n",
        "  mailflow run scenarios/mx-to-onprem.yaml --seed 7 --out /tmp/onprem --format json\n",
        "  mailflow run scenarios/mm1.yaml --replications 10 --slo 'latency.p99<10s'\n\n",
        "Exit codes: 0 success · 1 runtime failure · 2 invalid input · 3 an --slo was missed."
    ))]
    Run(RunArgs),
    /// Run several scenarios with the same seed; side-by-side table and overlay charts.
    #[command(after_help = concat!(
        "Examples:\n",
        "  mailflow compare scenarios/decommission.yaml scenarios/decommission-fixed.yaml\n",
        "  mailflow compare scenarios/mx-to-onprem.yaml scenarios/mx-to-eop.yaml --replications 5\n\n",
        "Exit codes: 0 success · 1 runtime failure · 2 invalid input."
    ))]
    Compare(CompareArgs),
    /// Check scenario files without simulating: all errors and warnings at once.
    #[command(after_help = concat!(
        "Examples:\n",
        "  mailflow validate scenarios/*.yaml\n",
        "  mailflow validate scenarios/mx-to-eop.yaml --load\n\n",
        "Exit codes: 0 every file is valid (warnings allowed) · 2 a file has errors."
    ))]
    Validate(ValidateArgs),
    /// Print the path a message would take, hop by hop, like a message trace.
    #[command(after_help = concat!(
        "Examples:\n",
        "  mailflow route scenarios/mx-to-eop.yaml --to user@contoso.com\n",
        "  mailflow route scenarios/decommission.yaml --to user@contoso.com --from internet --at 30h\n\n",
        "Exit codes: 0 success · 2 invalid input."
    ))]
    Route(RouteArgs),
    /// Capacity planning: a grid of parameter values × replications; CIs; the largest load that
    /// meets the SLOs.
    #[command(after_help = concat!(
        "Examples:\n",
        "  mailflow sweep scenarios/mm1.yaml --vary traffic.arrivals.rate=0.3/s..0.7/s:5 --slo 'latency.p99<10s'\n",
        "  mailflow sweep scenarios/mm1.yaml --vary traffic.arrivals.rate=0.3/s..0.7/s:5 --shard 1/2 --out /tmp/s1\n\n",
        "Exit codes: 0 success (also when no load meets the SLOs: read `capacity`) · 1 runtime \
         failure · 2 invalid input."
    ))]
    Sweep(SweepArgs),
    /// Combine sweep shards (see `sweep --shard`) into one sweep report.
    #[command(after_help = concat!(
        "Examples:\n",
        "  mailflow merge /tmp/s1 /tmp/s2 --out /tmp/sweep\n\n",
        "Exit codes: 0 success · 1 runtime failure · 2 invalid input (including a shard missing, \
         unless --allow-partial)."
    ))]
    Merge(MergeArgs),
    /// Build a scenario from exported configuration: Exchange Online / Exchange Server
    /// PowerShell JSON, DNS answers or zone files, Postfix `postconf -n` and transport maps.
    #[command(after_help = concat!(
        "Examples:\n",
        "  mailflow import auto examples/import/exchange-online/*.json examples/import/dns/* --out contoso.yaml\n",
        "  mailflow import exchange-server send-connectors.json receive-connectors.json accepted-domains.json\n",
        "  mailflow import auto exports/*.json --traffic reports/fit-maillog/traffic.yaml --out contoso.yaml\n\n",
        "Exports: `Get-AcceptedDomain | ConvertTo-Json -Depth 5 > accepted-domains.json` (and likewise \
         Get-OutboundConnector, Get-InboundConnector, Get-TransportRule, \
         Get-HostedConnectionFilterPolicy, Get-TransportConfig, Get-SendConnector, \
         Get-ReceiveConnector, Get-TransportService); `dig contoso.com MX`; `postconf -n`.\n\n",
        "Exit codes: 0 success · 1 runtime failure · 2 invalid input (a located error in an export, \
         or an imported scenario that does not load)."
    ))]
    Import(ImportArgs),
    /// Derive a `traffic:` section from message logs (Postfix mail log, Exchange message
    /// tracking, Exchange Online message trace), with a fit report; optionally replay files.
    #[command(after_help = concat!(
        "Examples:\n",
        "  mailflow fit /var/log/mail.log /var/log/mail.log.1.gz --accepted-domain contoso.com\n",
        "  mailflow fit MSGTRK*.LOG --scenario contoso.yaml --utc-offset +01:00 --replay\n",
        "  mailflow fit maillog --scenario contoso.yaml --against contoso.yaml\n\n",
        "Exit codes: 0 success · 1 runtime failure · 2 invalid input (unreadable log, no usable \
         message, bad options)."
    ))]
    Fit(FitArgs),
    /// Print the JSON Schema of the scenario format (for editors: VS Code's YAML extension and
    /// other yaml-language-server clients complete and check keys with it).
    #[command(after_help = "Example:\n  mailflow schema > mailflow.schema.json")]
    Schema,
    /// Print a shell completion script.
    #[command(
        after_help = "Example:\n  mailflow completions bash > ~/.local/share/bash-completion/completions/mailflow"
    )]
    Completions(CompletionsArgs),
    /// Print the manual page (roff).
    #[command(after_help = "Example:\n  mailflow man > mailflow.1 && man ./mailflow.1")]
    Man,
}

/// stdout format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned tables for people.
    Table,
    /// JSON for scripts.
    Json,
}

/// `--set`: options of every command that loads a scenario.
#[derive(Debug, Args, Clone, Default)]
pub struct ScenarioOpts {
    /// Override one scenario value by its path, e.g. `traffic.inbound.rate=80000/d` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

/// `--max-messages`: options of every command that simulates (or sizes) a scenario.
#[derive(Debug, Args, Clone)]
pub struct SizeOpts {
    /// Refuse a scenario expected to generate more messages than this per run (the sum over
    /// traffic streams of rate × active time), before simulating; e.g. `5e8` or `500M`; at
    /// most 1e9.
    #[arg(long, value_name = "N", default_value = "200M", value_parser = parse_max_messages)]
    pub max_messages: u64,
    /// Refuse a run whose report folder is expected to be larger than this (time-series samples
    /// × nodes and connectors, and faults), before simulating; e.g. `500MB` or `1GB`.
    #[arg(long, value_name = "SIZE", default_value = "100MB", value_parser = parse_bytes)]
    pub max_report_size: u64,
}

/// Options of every command that writes a report folder.
#[derive(Debug, Args, Clone)]
pub struct OutputOpts {
    /// Report folder (default: under `reports/`, named after the scenario).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// No progress bar, no table.
    #[arg(long)]
    pub quiet: bool,
    /// stdout format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write into a non-empty report folder that mailflow did not write (its files are kept
    /// beside the report).
    #[arg(long)]
    pub force: bool,
    /// If another mailflow is writing the same report folder, wait for it to finish instead of
    /// failing.
    #[arg(long)]
    pub wait: bool,
}

/// `--delayed-over`: options of every command that reports what became of the mail.
#[derive(Debug, Args, Clone, Default)]
pub struct OutcomeOpts {
    /// Count the messages delayed over each of these or not delivered, e.g. `30m,2h,1d`
    /// (whole minutes; default `1h,4h,24h`). 1h is always counted, and so is the threshold of
    /// every `delayed_X` SLO.
    #[arg(long = "delayed-over", value_name = "DURATIONS", value_delimiter = ',')]
    pub delayed_over: Vec<String>,
}

/// `--jobs`: options of every command that runs in parallel.
#[derive(Debug, Args, Clone)]
pub struct JobsOpts {
    /// Worker threads (default: number of cores; at most 1024); results do not depend on it.
    #[arg(long, value_name = "N", value_parser = parse_jobs)]
    pub jobs: Option<usize>,
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

/// `--max-messages`: a count up to [`MAX_MESSAGES`].
pub fn parse_max_messages(s: &str) -> Result<u64, String> {
    let n = parse_count(s)?;
    if n > MAX_MESSAGES {
        return Err(format!(
            "`{s}` is above the largest ceiling, 1e9 messages per run (messages in flight are \
             numbered with 32 bits)"
        ));
    }
    Ok(n)
}

/// The largest `--max-messages`: messages in flight (with their NDRs and delay notices, at most
/// three per generated message) must fit the engine's 32-bit message numbers.
pub const MAX_MESSAGES: u64 = 1_000_000_000;

/// A size in bytes: `100MB`, `1GB`, `500kB`, `100M`, `2e8`.
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let t = t.strip_suffix(['B', 'b']).unwrap_or(t);
    let (number, scale) = match t.char_indices().last() {
        Some((i, 'k' | 'K')) => (&t[..i], 1e3),
        Some((i, 'M')) => (&t[..i], 1e6),
        Some((i, 'G')) => (&t[..i], 1e9),
        _ => (t, 1.0),
    };
    let n: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a size: write e.g. `100MB`, `1GB` or `500kB`"))?;
    let n = n * scale;
    if !n.is_finite() || n < 0.0 || n >= u64::MAX as f64 {
        return Err(format!(
            "`{s}` must be a size between 0 and about 1.8e19 bytes"
        ));
    }
    Ok(n.round() as u64)
}

/// `--replications`: 1 to [`MAX_REPLICATIONS`](crate::experiment::replicate::MAX_REPLICATIONS).
pub fn parse_replications(s: &str) -> Result<usize, String> {
    use crate::experiment::replicate::MAX_REPLICATIONS;
    let n: u64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a whole number of replications, such as `10`"))?;
    if n == 0 || n > MAX_REPLICATIONS as u64 {
        return Err(format!(
            "{n} replications: write a number from 1 to {MAX_REPLICATIONS} (each replication \
             keeps its summary in memory; the CI narrows as 1/√N, so 10 to 100 is usual)"
        ));
    }
    Ok(n as usize)
}

/// `--jobs`: 1 to [`MAX_JOBS`](crate::experiment::replicate::MAX_JOBS).
pub fn parse_jobs(s: &str) -> Result<usize, String> {
    use crate::experiment::replicate::MAX_JOBS;
    let n: u64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a whole number of threads, such as `4`"))?;
    if n == 0 || n > MAX_JOBS as u64 {
        return Err(format!(
            "{n} threads: write a number from 1 to {MAX_JOBS}, or leave --jobs out for one per \
             core (runs are CPU-bound: more threads than cores only wait)"
        ));
    }
    Ok(n as usize)
}

/// `mailflow run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario file.
    pub scenario: PathBuf,
    /// Master seed (default: the scenario's `seed`, else 1).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Report folder and output options.
    #[command(flatten)]
    pub output: OutputOpts,
    /// Scenario overrides.
    #[command(flatten)]
    pub opts: ScenarioOpts,
    /// Size limit.
    #[command(flatten)]
    pub size: SizeOpts,
    /// Delay thresholds.
    #[command(flatten)]
    pub outcomes: OutcomeOpts,
    /// Independent runs with seeds derived from the master seed; every number gets a mean and a
    /// 95% confidence interval (at most 10000).
    #[arg(long, value_name = "N", default_value = "1", value_parser = parse_replications)]
    pub replications: usize,
    /// Parallelism.
    #[command(flatten)]
    pub jobs: JobsOpts,
    /// A service-level objective, e.g. 'latency.p99<15m', 'ndr_rate<0.1%',
    /// 'queue.onprem.peak<5000' (repeatable); exit code 3 when one is missed. Latencies need a
    /// unit (`10s`, `15m`).
    #[arg(long = "slo", value_name = "EXPR")]
    pub slo: Vec<String>,
}

/// `mailflow validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario files.
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    /// Scenario overrides.
    #[command(flatten)]
    pub opts: ScenarioOpts,
    /// Size limit.
    #[command(flatten)]
    pub size: SizeOpts,
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
    /// Scenario overrides.
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
    /// Report folder and output options.
    #[command(flatten)]
    pub output: OutputOpts,
    /// Overrides applied to every scenario.
    #[command(flatten)]
    pub opts: ScenarioOpts,
    /// Size limit.
    #[command(flatten)]
    pub size: SizeOpts,
    /// Delay thresholds.
    #[command(flatten)]
    pub outcomes: OutcomeOpts,
    /// Independent runs per scenario, with the same derived seeds for every scenario; the
    /// table adds means with 95% confidence intervals (at most 10000).
    #[arg(long, value_name = "N", default_value = "1", value_parser = parse_replications)]
    pub replications: usize,
    /// Parallelism.
    #[command(flatten)]
    pub jobs: JobsOpts,
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
    /// Runs per point (at most 10000).
    #[arg(long, value_name = "N", default_value = "5", value_parser = parse_replications)]
    pub replications: usize,
    /// Parallelism.
    #[command(flatten)]
    pub jobs: JobsOpts,
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
    /// Report folder and output options.
    #[command(flatten)]
    pub output: OutputOpts,
    /// Scenario overrides.
    #[command(flatten)]
    pub opts: ScenarioOpts,
    /// Size limit.
    #[command(flatten)]
    pub size: SizeOpts,
}

/// `mailflow merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shard report folders.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Merge even when points of the grid are missing (a shard failed or was not given): the
    /// report is marked incomplete.
    #[arg(long)]
    pub allow_partial: bool,
    /// Report folder and output options.
    #[command(flatten)]
    pub output: OutputOpts,
}

/// `mailflow completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `KIND` of `mailflow import`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ImportKind {
    /// Detect each file's kind from its content.
    Auto,
    /// Exchange Online / EOP PowerShell JSON.
    ExchangeOnline,
    /// Exchange Server PowerShell JSON.
    ExchangeServer,
    /// `dig` answers or a zone file.
    Dns,
    /// `postconf -n` output or a transport map.
    Postfix,
}

/// `mailflow import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// What the files are (`auto` detects each file).
    #[arg(value_enum)]
    pub kind: ImportKind,
    /// The export files (all of one organisation: they are joined into one scenario).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Write the scenario to this file (default: standard output).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The scenario's `name` (default: from the default accepted domain).
    #[arg(long)]
    pub name: Option<String>,
    /// The scenario's simulated horizon.
    #[arg(long, value_name = "DURATION", default_value = "1d")]
    pub duration: String,
    /// A `traffic:` section to use instead of placeholder streams (the `traffic.yaml` or
    /// `replay.yaml` that `mailflow fit` writes).
    #[arg(long, value_name = "FILE")]
    pub traffic: Option<PathBuf>,
    /// Also list every ignored property (default: a count per file).
    #[arg(long)]
    pub verbose: bool,
    /// No notes on standard error.
    #[arg(long)]
    pub quiet: bool,
    /// Overwrite an existing `--out` file that `mailflow import` did not write.
    #[arg(long)]
    pub force: bool,
}

/// What kind of log `mailflow fit` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogKindArg {
    /// Detect from the first lines.
    Auto,
    /// Postfix mail log (syslog or `maillog_file`).
    Postfix,
    /// Exchange Server message tracking (`MSGTRK*.LOG`).
    MessageTracking,
    /// Exchange Online message trace CSV.
    MessageTrace,
}

/// `mailflow fit`.
#[derive(Debug, Args)]
pub struct FitArgs {
    /// Message logs (gzipped ones too), read as streams.
    #[arg(required = true)]
    pub logs: Vec<PathBuf>,
    /// An accepted domain of the organisation (repeatable; `*.contoso.com` for subdomains):
    /// splits mail into inbound, outbound and internal streams.
    #[arg(long = "accepted-domain", value_name = "DOMAIN")]
    pub accepted_domains: Vec<String>,
    /// A scenario (e.g. from `mailflow import`) that gives the accepted domains and the nodes
    /// the streams start at.
    #[arg(long, value_name = "SCENARIO")]
    pub scenario: Option<PathBuf>,
    /// What the logs are.
    #[arg(long, value_enum, default_value_t = LogKindArg::Auto)]
    pub kind: LogKindArg,
    /// Node the inbound stream starts at (default: the scenario's internet node, else
    /// `internet`).
    #[arg(long, value_name = "NODE")]
    pub inbound_from: Option<String>,
    /// Node the outbound and internal streams start at (default: where the scenario's
    /// organisation sends from, else `onprem`).
    #[arg(long, value_name = "NODE")]
    pub internal_from: Option<String>,
    /// Added to UTC time stamps (message tracking, message trace) for the organisation's
    /// local time, e.g. `+01:00` or `-05:00`.
    #[arg(
        long,
        value_name = "±HH:MM",
        default_value = "+00:00",
        allow_hyphen_values = true
    )]
    pub utc_offset: String,
    /// Year of syslog time stamps, which carry none (default: the current year).
    #[arg(long)]
    pub year: Option<i32>,
    /// Message trace dates are day/month/year.
    #[arg(long)]
    pub day_first: bool,
    /// Recipient domains listed per stream; rarer ones are folded together.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub top_domains: usize,
    /// Also write replay files (`<stream>.replay`) and `replay.yaml`, a `traffic:` section
    /// that replays the logs' arrivals and sizes.
    #[arg(long)]
    pub replay: bool,
    /// Keep recipient addresses in replay files (personal data; default: domains only).
    #[arg(long)]
    pub keep_addresses: bool,
    /// Simulate this scenario and set its delivery delays per recipient domain next to the
    /// observed ones.
    #[arg(long, value_name = "SCENARIO")]
    pub against: Option<PathBuf>,
    /// Report folder and output options.
    #[command(flatten)]
    pub output: OutputOpts,
}
