//! One short function per command: load, simulate, report. `main` maps their errors to exit
//! codes.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::cli::{Format, RouteArgs, RunArgs, ScenarioOpts, ValidateArgs};
use crate::model::{NodeKind, Scenario, Warmup};
use crate::report::{self, RunReport, console, writer::ReportWriter};
use crate::scenario::{self, Loaded, Override};
use crate::sim::{Engine, SimTime};
use crate::stats::Summary;

/// Why a command failed, and so its exit code.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Bad scenario or arguments: exit code 2.
    #[error("{0}")]
    Input(String),
    /// Bad scenario or arguments whose message is already a list of located diagnostics
    /// (`file:line:column: error: …`): exit code 2, printed as it is.
    #[error("{0}")]
    Located(String),
    /// I/O or internal failure: exit code 1.
    #[error("{0}")]
    Runtime(String),
    /// An `--slo` was missed: exit code 3.
    #[error("{0}")]
    SloMissed(String),
}

impl AppError {
    /// The process exit code.
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Input(_) | AppError::Located(_) => 2,
            AppError::Runtime(_) => 1,
            AppError::SloMissed(_) => 3,
        }
    }
}

impl From<report::ReportError> for AppError {
    fn from(e: report::ReportError) -> Self {
        match e {
            report::ReportError::ForeignFolder { .. } => AppError::Input(e.to_string()),
            other => AppError::Runtime(other.to_string()),
        }
    }
}

/// Parses `--set` arguments.
pub fn overrides(opts: &ScenarioOpts) -> Result<Vec<Override>, AppError> {
    opts.set
        .iter()
        .map(|s| Override::parse(s).map_err(|d| AppError::Located(d.to_string())))
        .collect()
}

/// Loads a scenario to simulate, printing its warnings to stderr unless `quiet`, and refuses it
/// when it would generate more than `--max-messages`.
pub fn load(path: &Path, opts: &ScenarioOpts, quiet: bool) -> Result<Loaded, AppError> {
    let loaded = load_unchecked(path, opts, quiet)?;
    check_size(path, &loaded.scenario, opts)?;
    Ok(loaded)
}

/// Loads a scenario without the `--max-messages` check (for commands that do not simulate).
fn load_unchecked(path: &Path, opts: &ScenarioOpts, quiet: bool) -> Result<Loaded, AppError> {
    let overrides = overrides(opts)?;
    let loaded = scenario::load(path, &overrides).map_err(|e| AppError::Located(e.to_string()))?;
    if !quiet {
        for w in &loaded.warnings {
            eprintln!("{w}");
        }
    }
    Ok(loaded)
}

/// Refuses a scenario whose expected generated messages exceed `--max-messages`, with the
/// stream responsible located in the file.
pub fn check_size(path: &Path, sc: &Scenario, opts: &ScenarioOpts) -> Result<(), AppError> {
    let text = std::fs::read_to_string(path).ok();
    let overrides = overrides(opts)?;
    scenario::estimate::check(
        sc,
        &path.display().to_string(),
        text.as_deref(),
        &overrides,
        opts.max_messages,
    )
    .map(|_| ())
    .map_err(|d| AppError::Located(d.to_string()))
}

/// Runs a scenario to its horizon, with a progress bar on stderr when that is a terminal and
/// the run lasts more than about a second.
pub fn simulate(sc: &Scenario, seed: u64, progress: bool) -> (Summary, crate::stats::TimeSeries) {
    let out = simulate_full(sc, seed, progress);
    (out.summary, out.series)
}

/// Everything one run produces for its report.
pub struct RunOutput {
    /// The numbers of `summary.json`.
    pub summary: Summary,
    /// The time series.
    pub series: crate::stats::TimeSeries,
    /// Latency histograms: "all traffic", then one per stream.
    pub latencies: Vec<(String, crate::stats::Latency)>,
}

/// Like [`simulate`], keeping the latency histograms for the charts.
pub fn simulate_full(sc: &Scenario, seed: u64, progress: bool) -> RunOutput {
    let start = Instant::now();
    let mut engine = Engine::new(sc, seed);
    let horizon = engine.horizon();
    if progress && std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::hidden();
        bar.set_length(1000);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {percent:>3}% simulated {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        let step = (horizon.0 / 1000).max(1);
        let mut shown = false;
        for i in 1..=1000u64 {
            engine.run_until(SimTime(step.saturating_mul(i).min(horizon.0)));
            if !shown && start.elapsed() > Duration::from_secs(1) {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                shown = true;
            }
            if shown {
                let secs = start.elapsed().as_secs_f64();
                bar.set_message(format!(
                    "{} messages, {:.1}M events/s",
                    console::count(engine.obs.total.generated),
                    engine.events_handled as f64 / secs / 1e6
                ));
                bar.set_position(i);
            }
        }
        bar.finish_and_clear();
    }
    engine.run();
    let summary = Summary::from_engine(&engine, start.elapsed().as_secs_f64());
    let latencies = std::iter::once(("all traffic".to_string(), engine.obs.total.latency.clone()))
        .chain(
            sc.traffic
                .iter()
                .zip(&engine.obs.streams)
                .map(|(t, o)| (t.name.clone(), o.latency.clone())),
        )
        .collect();
    RunOutput {
        summary,
        series: std::mem::take(&mut engine.obs.series),
        latencies,
    }
}

/// The default report folder of a scenario.
pub fn default_out(name: &str) -> PathBuf {
    Path::new("reports").join(name)
}

/// `mailflow run`.
pub fn run(args: &RunArgs) -> Result<(), AppError> {
    let loaded = load(&args.scenario, &args.opts, args.quiet)?;
    // Replications, SLOs and MSER-5 warm-up live in `sweep::run`.
    if args.replications > 1 || !args.slo.is_empty() || loaded.scenario.warmup == Warmup::Auto {
        return crate::sweep::run::run(args, &loaded);
    }
    let sc = &loaded.scenario;
    let seed = args.seed.unwrap_or(sc.seed);
    let out = args.out.clone().unwrap_or_else(|| default_out(&sc.name));
    let writer = ReportWriter::claim(&out, args.force)?;
    let RunOutput {
        summary,
        series,
        latencies,
    } = simulate_full(sc, seed, !args.quiet);
    let report = RunReport {
        scenario: sc,
        summary: &summary,
        series: &series,
        latencies: Some(&latencies),
    };
    for exporter in report::run_exporters() {
        let bytes = exporter.render(&report)?;
        writer.write(exporter.file_name(), &bytes)?;
    }
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&summary).map_err(|e| AppError::Runtime(e.to_string()))?
        ),
        Format::Table if !args.quiet => {
            print!("{}", console::summary_table(&summary));
            println!("\nreport: {}", writer.dir().display());
        }
        Format::Table => {}
    }
    Ok(())
}

/// `mailflow validate`: every file, every problem.
pub fn validate(args: &ValidateArgs) -> Result<(), AppError> {
    let overrides = overrides(&args.opts)?;
    let mut failed = 0;
    for path in &args.scenarios {
        match scenario::load(path, &overrides) {
            Ok(loaded) => {
                for w in &loaded.warnings {
                    println!("{w}");
                }
                let sc = &loaded.scenario;
                if let Err(AppError::Located(e)) = check_size(path, sc, &args.opts) {
                    failed += 1;
                    println!("{e}");
                    println!("{}: 1 error(s)", path.display());
                    continue;
                }
                println!(
                    "{}: ok — {} nodes, {} connectors, {} rules, {} traffic streams, {} faults, {} warning(s)",
                    path.display(),
                    sc.nodes.len(),
                    sc.connectors.len(),
                    sc.rules.len(),
                    sc.traffic.len(),
                    sc.faults.len(),
                    loaded.warnings.len()
                );
                if args.load {
                    print!(
                        "{}",
                        crate::load_check::render(&crate::load_check::offered_load(sc))
                    );
                }
            }
            Err(e) => {
                failed += 1;
                println!("{e}");
                println!("{}: {} error(s)", path.display(), e.errors().count());
            }
        }
    }
    if failed > 0 {
        return Err(AppError::Input(format!(
            "{failed} of {} file(s) have errors",
            args.scenarios.len()
        )));
    }
    Ok(())
}

/// `mailflow route`.
pub fn route(args: &RouteArgs) -> Result<(), AppError> {
    let loaded = load_unchecked(&args.scenario, &args.opts, false)?;
    let sc = &loaded.scenario;
    let (_, domain_name) = args.to.rsplit_once('@').ok_or_else(|| {
        AppError::Input(format!(
            "--to {}: expected an address such as user@contoso.com",
            args.to
        ))
    })?;
    let domain_name = domain_name.to_ascii_lowercase();
    let domain = sc.resolve_domain(&domain_name).ok_or_else(|| {
        AppError::Input(format!(
            "--to {}: no domain entry for {domain_name} and no \"*\" entry",
            args.to
        ))
    })?;
    let from = match &args.from {
        Some(name) => sc.node_by_name(name).ok_or_else(|| {
            let names: Vec<&str> = sc.nodes.iter().map(|n| n.name.as_str()).collect();
            AppError::Input(format!(
                "--from {name}: no such node (nodes: {})",
                names.join(", ")
            ))
        })?,
        None => sc
            .nodes
            .iter()
            .position(|n| n.kind == NodeKind::Internet)
            .map(crate::model::NodeId::from_index)
            .or_else(|| sc.traffic.first().map(|t| t.from))
            .unwrap_or(crate::model::NodeId(0)),
    };
    let at = match &args.at {
        Some(t) => {
            SimTime(0)
                + scenario::units::parse_duration(t)
                    .map_err(|e| AppError::Input(format!("--at {t}: {e}")))?
        }
        None => SimTime::ZERO,
    };
    let d = sc.domain(domain);
    let mut locations: Vec<(Option<crate::model::NodeId>, f64)> = d
        .mailboxes
        .iter()
        .map(|(n, s)| (Some(*n), s * (1.0 - d.unknown_recipients)))
        .collect();
    if d.unknown_recipients > 0.0 {
        locations.push((None, d.unknown_recipients));
    }
    println!(
        "Route of mail to {} from {} at {}:",
        args.to,
        sc.node(from).name,
        at
    );
    for (loc, share) in locations {
        let whose = match loc {
            Some(n) => format!("mailbox on {}", sc.node(n).name),
            None => "recipient that exists nowhere".to_string(),
        };
        println!(
            "\n  {whose} ({:.1}% of {} recipients)",
            share * 100.0,
            d.name
        );
        let hops = crate::sim::trace::trace(sc, from, domain.index(), loc, at);
        for (i, h) in hops.iter().enumerate() {
            println!("  {:>3}. {:<12} {}", i + 1, h.node, h.action);
            if !h.detail.is_empty() {
                println!("       {:<12} {}", "", h.detail);
            }
            if let Some(f) = &h.failure {
                println!("       {:<12} FAILS: {f}", "");
            }
        }
    }
    Ok(())
}
