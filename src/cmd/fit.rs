//! `mailflow fit`: logs in (streamed, with a progress bar), the fit report on standard output, and a folder with the `traffic:` section, the report as JSON, the hourly chart and, if asked, replay files; `--against` sets a scenario's simulated delays next to the observed ones.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::input::load_to_run;
use super::{AppError, note, print, print_json};
use crate::cli::{FitArgs, Format, LogKindArg, ScenarioOpts};
use crate::fit::{
    self, Direction, FitError, FitOptions, FitReport, LogKind, LogSource, Replay, SimulatedDelay,
};
use crate::model::{NodeKind, Scenario};
use crate::report::writer::ReportWriter;
use crate::sim::Engine;

/// `mailflow fit`.
pub fn fit(args: &FitArgs) -> Result<(), AppError> {
    let mut opts = FitOptions {
        accepted_domains: args.accepted_domains.clone(),
        keep_addresses: args.keep_addresses,
        utc_offset_minutes: utc_offset(&args.utc_offset)?,
        year: args.year,
        day_first: args.day_first,
        top_domains: args.top_domains,
        ..FitOptions::default()
    };
    if let Some(path) = &args.scenario {
        let (_, loaded) = load_to_run(path, &ScenarioOpts::default(), u64::MAX, true)?;
        from_scenario(
            &loaded.scenario,
            &mut opts,
            args.accepted_domains.is_empty(),
        );
    }
    if let Some(n) = &args.inbound_from {
        opts.inbound_from = n.clone();
    }
    if let Some(n) = &args.internal_from {
        opts.internal_from = n.clone();
    }
    let kind = match args.kind {
        LogKindArg::Auto => LogKind::Auto,
        LogKindArg::Postfix => LogKind::Postfix,
        LogKindArg::MessageTracking => LogKind::MessageTracking,
        LogKindArg::MessageTrace => LogKind::MessageTrace,
    };
    let mut sources = Vec::new();
    for path in &args.logs {
        let mut s = LogSource::open(&path.display().to_string()).map_err(fit_error)?;
        s.kind = kind;
        sources.push(s);
    }
    let total: u64 = args
        .logs
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    let bar = bar(args.output.quiet, total);
    let started = std::time::Instant::now();
    let mut shown = false;
    let mut progress = |bytes: u64| {
        if let Some(b) = &bar {
            // Shown once the fit has taken a second, as the run's bar is.
            if !shown && started.elapsed().as_secs_f64() > 1.0 {
                b.set_draw_target(ProgressDrawTarget::stderr());
                shown = true;
            }
            b.set_position(bytes);
        }
    };
    let (report, replay) = if args.replay {
        let (r, p) = fit::fit_and_replay(sources, &opts, &mut progress).map_err(fit_error)?;
        (r, Some(p))
    } else {
        (
            fit::fit(sources, &opts, &mut progress).map_err(fit_error)?,
            None,
        )
    };
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let simulated = match &args.against {
        Some(path) => Some(simulate_delays(path)?),
        None => None,
    };
    let dir = args
        .output
        .out
        .clone()
        .unwrap_or_else(|| default_out(&args.logs));
    write_folder(
        &dir,
        super::output::claim(&args.output),
        &report,
        replay.as_ref(),
        &opts,
    )?;
    match args.output.format {
        Format::Json => print_json(&serde_json::json!({
            "report": report,
            "simulated_delays": simulated.as_ref().map(|s| s.iter().map(|d| serde_json::json!({
                "domain": d.domain, "p50_s": d.p50_s, "p95_s": d.p95_s})).collect::<Vec<_>>()),
            "out": dir.display().to_string(),
        })),
        Format::Table if args.output.quiet => Ok(()),
        Format::Table => {
            let mut text = report.summary();
            if let Some(sim) = &simulated {
                text.push_str("\nObserved delays next to the simulated ones (");
                text.push_str(
                    &args
                        .against
                        .as_ref()
                        .map_or(String::new(), |p| p.display().to_string()),
                );
                text.push_str("):\n");
                text.push_str(&report.delay_comparison(sim));
            }
            text.push_str(&format!(
                "\nWrote {}: traffic.yaml (the `traffic:` section), fit.json, hourly.svg{}\n",
                dir.display(),
                if replay.is_some() {
                    ", replay.yaml and the replay files"
                } else {
                    ""
                }
            ));
            print(&text)
        }
    }
}

/// A fit error: located input problems and bad options are invalid input (exit 2).
fn fit_error(e: FitError) -> AppError {
    match e {
        FitError::Io { .. } => AppError::Input(e.to_string()),
        other => AppError::Located(other.to_string()),
    }
}

/// `±HH:MM` (or `±H`, `Z`) to minutes.
fn utc_offset(text: &str) -> Result<i32, AppError> {
    let bad = || {
        AppError::Input(format!(
            "--utc-offset `{text}` is not an offset: write e.g. `+01:00`, `-05:00` or `+05:30`"
        ))
    };
    let t = text.trim();
    if t.eq_ignore_ascii_case("z") {
        return Ok(0);
    }
    let (sign, rest) = match t.split_at_checked(1) {
        Some(("+", r)) => (1, r),
        Some(("-", r)) => (-1, r),
        _ => (1, t),
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let h: i32 = h.parse().map_err(|_| bad())?;
    let m: i32 = m.parse().map_err(|_| bad())?;
    if !(0..=14).contains(&h) || !(0..60).contains(&m) {
        return Err(bad());
    }
    Ok(sign * (h * 60 + m))
}

/// Accepted domains (unless given) and the streams' first nodes from a scenario.
fn from_scenario(sc: &Scenario, opts: &mut FitOptions, take_domains: bool) {
    if take_domains {
        for n in sc.nodes.iter().filter(|n| n.kind != NodeKind::Internet) {
            for (d, _) in &n.accepted_domains {
                let name = &sc.domains[d.index()].name;
                if !opts.accepted_domains.contains(name) {
                    opts.accepted_domains.push(name.clone());
                }
            }
        }
    }
    if let Some(n) = sc.nodes.iter().find(|n| n.kind == NodeKind::Internet) {
        opts.inbound_from = n.name.clone();
    }
    // Where the organisation's own mail starts: its first stream that does not come from the
    // internet, else the node with the largest share of the first accepted domain's mailboxes.
    let own = sc
        .traffic
        .iter()
        .map(|t| &sc.nodes[t.from.index()])
        .find(|n| n.kind != NodeKind::Internet)
        .map(|n| n.name.clone())
        .or_else(|| {
            let first = opts.accepted_domains.first()?;
            let d = sc.domains.iter().find(|d| &d.name == first)?;
            let (node, _) = d.mailboxes.iter().max_by(|a, b| a.1.total_cmp(&b.1))?;
            Some(sc.nodes[node.index()].name.clone())
        });
    if let Some(n) = own {
        opts.internal_from = n;
    }
}

/// A byte-count bar (shown after a second, only on a terminal).
fn bar(quiet: bool, total: u64) -> Option<ProgressBar> {
    (!quiet && std::io::stderr().is_terminal()).then(|| {
        let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        b.set_style(
            ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} read, {bytes_per_sec}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    })
}

/// `reports/fit-<first log's name>`.
fn default_out(logs: &[PathBuf]) -> PathBuf {
    let stem = logs
        .first()
        .and_then(|p| p.file_name())
        .map_or_else(|| "logs".into(), |n| n.to_string_lossy().to_string());
    let stem = stem.trim_end_matches(".gz").replace(['.', ' '], "-");
    Path::new("reports").join(format!("fit-{stem}"))
}

/// Writes the report folder: traffic.yaml, fit.json, hourly.svg, and replay files.
fn write_folder(
    dir: &Path,
    claim: crate::report::writer::Claim,
    report: &FitReport,
    replay: Option<&Replay>,
    opts: &FitOptions,
) -> Result<(), AppError> {
    let w = ReportWriter::replace(dir, claim)?;
    w.write("traffic.yaml", report.yaml.as_bytes())?;
    w.write("fit.json", serde_json::to_string_pretty(report)?.as_bytes())?;
    let svg = report
        .svg()
        .map_err(|e| AppError::Runtime(format!("cannot draw hourly.svg: {e}")))?;
    w.write("hourly.svg", svg.as_bytes())?;
    if let Some(replay) = replay {
        let mut files = Vec::new();
        for d in Direction::ALL {
            if replay.iter(Some(d)).next().is_none() {
                continue;
            }
            let name = format!("{}.replay", d.name());
            let mut bytes = Vec::new();
            replay
                .write(&mut bytes, Some(d))
                .map_err(|e| AppError::Runtime(e.to_string()))?;
            w.write(&name, &bytes)?;
            files.push((d, name));
        }
        w.write("replay.yaml", replay.traffic_yaml(&files, opts).as_bytes())?;
        if opts.keep_addresses {
            note(
                "note: the replay files hold recipient addresses (personal data): --keep-addresses",
            );
        }
    }
    w.commit()?;
    Ok(())
}

/// Runs a scenario once and gives its delivery delays per recipient domain.
fn simulate_delays(path: &Path) -> Result<Vec<SimulatedDelay>, AppError> {
    let (_, loaded) = load_to_run(path, &ScenarioOpts::default(), 200_000_000, true)?;
    let sc = &loaded.scenario;
    let mut engine = Engine::new(sc, sc.seed);
    engine.obs.domain_latency = true;
    engine.run();
    Ok(engine
        .obs
        .domains
        .iter()
        .enumerate()
        .filter(|(_, l)| l.count() > 0)
        .map(|(i, l)| SimulatedDelay {
            domain: sc.domains[i].name.clone(),
            p50_s: l.quantile_s(0.5),
            p95_s: l.quantile_s(0.95),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_offsets_read_as_minutes() {
        assert_eq!(utc_offset("+01:00").unwrap(), 60);
        assert_eq!(utc_offset("-05:00").unwrap(), -300);
        assert_eq!(utc_offset("+05:30").unwrap(), 330);
        assert_eq!(utc_offset("2").unwrap(), 120);
        assert_eq!(utc_offset("Z").unwrap(), 0);
        assert!(utc_offset("+25:00").is_err() && utc_offset("one").is_err());
    }
}
