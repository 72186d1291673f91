//! The fit report: per-stream fits with their quality, hourly observed vs fitted counts, observed delays per destination, skipped lines.

use std::fmt::Write;

use serde::Serialize;

use super::collect::{Collector, recipient_weights, top_shares};
use super::error::Skipped;
use super::message::{Ctx, Direction};
use super::profile::{self, ProfileFit};
use super::stats::LognormalFit;
use super::{FitOptions, clock};

/// One fitted stream.
#[derive(Clone, Debug, Serialize)]
pub struct StreamFit {
    /// `inbound`, `outbound` or `internal`.
    pub name: String,
    /// Node the stream starts at.
    pub from: String,
    /// Messages observed.
    pub messages: u64,
    /// Mean rate, messages per day (over the week).
    pub rate_per_day: f64,
    /// 95 % confidence interval of the rate (Poisson).
    pub rate_ci95: (f64, f64),
    /// Hour-of-week profile and its goodness of fit.
    pub profile: ProfileFit,
    /// Lognormal size fit and its quality.
    pub size: Option<LognormalFit>,
    /// Recipients per message → share.
    pub recipients: Vec<(u32, f64)>,
    /// Recipient domain → share of recipients (the most frequent ones).
    pub recipient_domains: Vec<(String, f64)>,
    /// Other recipient domains: how many, and their share.
    pub other_domains: (usize, f64),
    /// Most frequent sender domain and its share of messages.
    pub sender_domain: Option<(String, f64)>,
}

/// Observed delivery delays to one recipient domain.
#[derive(Clone, Debug, Serialize)]
pub struct DomainDelay {
    /// Recipient domain.
    pub domain: String,
    /// Deliveries measured.
    pub count: u64,
    /// Median, seconds.
    pub p50_s: f64,
    /// 95th percentile, seconds.
    pub p95_s: f64,
    /// Largest, seconds.
    pub max_s: f64,
}

/// A simulated delay to compare an observed one with.
#[derive(Clone, Debug)]
pub struct SimulatedDelay {
    /// Recipient domain.
    pub domain: String,
    /// Median, seconds.
    pub p50_s: f64,
    /// 95th percentile, seconds.
    pub p95_s: f64,
}

/// Everything `mailflow fit` reports.
#[derive(Clone, Debug, Serialize)]
pub struct FitReport {
    /// The `traffic:` section, with comments giving the fit quality.
    pub yaml: String,
    /// The streams found (in inbound, outbound, internal order; empty ones left out).
    pub streams: Vec<StreamFit>,
    /// Hours observed per hour-of-week bin (0 = Monday 00:00).
    pub exposure: Vec<f64>,
    /// Observed arrivals per hour-of-week bin, per stream (same order as `streams`).
    pub observed: Vec<Vec<u64>>,
    /// Observed delivery delays per recipient domain, most deliveries first.
    pub delays: Vec<DomainDelay>,
    /// Skipped lines by reason.
    pub skipped: Vec<Skipped>,
    /// Lines read.
    pub lines: u64,
    /// Lines about other things (other programs, other events).
    pub ignored_lines: u64,
    /// Bytes read.
    pub bytes: u64,
    /// First and last time seen (wall clock), as `YYYY-MM-DD HH:MM`.
    pub window: (String, String),
    /// Remarks (assumed year, gaps filled, logs without delays).
    pub notes: Vec<String>,
}

/// Builds the report from the collected statistics.
pub(super) fn build(
    col: &Collector,
    ctx: &mut Ctx<'_>,
    opts: &FitOptions,
    bytes: u64,
) -> FitReport {
    let exposure = profile::exposure(&ctx.spans);
    let mut streams = Vec::new();
    let mut observed = Vec::new();
    for dir in Direction::ALL {
        let s = &col.streams[dir.index()];
        if s.count == 0 {
            continue;
        }
        let profile = profile::fit(&s.by_hour, &exposure);
        ctx.notes
            .extend(profile.gaps.iter().map(|g| format!("{}: {g}", dir.name())));
        let rate = profile.mean_per_hour * 24.0;
        let half = 1.96 / (s.count as f64).sqrt();
        let (domains, others, rest) =
            top_shares(&s.rcpt_domains, &ctx.domains, opts.top_domains.max(1));
        let (senders, _, _) = top_shares(&s.senders, &ctx.domains, 1);
        let from = if dir == Direction::Inbound {
            opts.inbound_from.clone()
        } else {
            opts.internal_from.clone()
        };
        streams.push(StreamFit {
            name: dir.name().into(),
            from,
            messages: s.count,
            rate_per_day: rate,
            rate_ci95: (rate * (1.0 - half).max(0.0), rate * (1.0 + half)),
            profile,
            size: s.sizes.lognormal(),
            recipients: recipient_weights(&s.recipients),
            recipient_domains: domains,
            other_domains: (others, rest),
            sender_domain: senders.into_iter().next().filter(|(d, _)| !d.is_empty()),
        });
        observed.push(s.by_hour.to_vec());
    }
    let mut delays: Vec<DomainDelay> = col
        .delays
        .iter()
        .map(|(d, h)| DomainDelay {
            domain: ctx.domains.name(*d).to_string(),
            count: h.len(),
            p50_s: h.quantile_s(0.5),
            p95_s: h.quantile_s(0.95),
            max_s: h.max_s(),
        })
        .collect();
    delays.sort_by(|a, b| b.count.cmp(&a.count).then(a.domain.cmp(&b.domain)));
    let first = ctx.spans.iter().map(|s| s.0).min().unwrap_or(0);
    let last = ctx.spans.iter().map(|s| s.1).max().unwrap_or(0);
    let mut report = FitReport {
        yaml: String::new(),
        streams,
        exposure: exposure.to_vec(),
        observed,
        delays,
        skipped: ctx.skipped.list(),
        lines: ctx.lines,
        ignored_lines: ctx.ignored,
        bytes,
        window: (clock::format(first), clock::format(last)),
        notes: ctx.notes.clone(),
    };
    report.yaml = super::render::traffic_yaml(&report, opts);
    report
}

impl FitReport {
    /// The fit report as text: streams, fit quality, delays, skipped lines.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        let hours: f64 = self.exposure.iter().sum();
        let _ = writeln!(
            out,
            "Observed {} to {} ({:.1} days), {} lines read, {} skipped, {} about other things",
            self.window.0,
            self.window.1,
            hours / 24.0,
            self.lines,
            self.skipped.iter().map(|s| s.count).sum::<u64>(),
            self.ignored_lines
        );
        let _ = writeln!(
            out,
            "\n{:<9} {:>9} {:>12} {:>22} {:>10} {:>7} {:>8}",
            "stream", "messages", "rate/day", "hour-of-week chi2", "median", "sigma", "KS D"
        );
        for s in &self.streams {
            let p = &s.profile;
            // No degrees of freedom: each hour of week was seen once, nothing to test.
            let gof = if p.dof == 0 {
                "-".to_string()
            } else {
                format!("{:.1}/{} p={:.3}", p.chi_square, p.dof, p.p_value)
            };
            let (median, sigma, ks) = s.size.map_or(("-".into(), "-".into(), "-".into()), |f| {
                (
                    format!("{:.1}KB", f.median / 1000.0),
                    format!("{:.2}", f.sigma),
                    format!("{:.4}", f.ks_distance),
                )
            });
            let _ = writeln!(
                out,
                "{:<9} {:>9} {:>12.1} {:>22} {:>10} {:>7} {:>8}",
                s.name, s.messages, s.rate_per_day, gof, median, sigma, ks
            );
        }
        if !self.delays.is_empty() {
            let _ = writeln!(
                out,
                "\nObserved delivery delays (top destinations):\n{:<32} {:>8} {:>10} {:>10} {:>10}",
                "recipient domain", "count", "p50 s", "p95 s", "max s"
            );
            for d in self.delays.iter().take(15) {
                let _ = writeln!(
                    out,
                    "{:<32} {:>8} {:>10.2} {:>10.2} {:>10.1}",
                    d.domain, d.count, d.p50_s, d.p95_s, d.max_s
                );
            }
        }
        for s in &self.skipped {
            let _ = writeln!(
                out,
                "skipped {} line(s): {} (first at {}:{})",
                s.count, s.reason, s.first_file, s.first_line
            );
        }
        for n in &self.notes {
            let _ = writeln!(out, "note: {n}");
        }
        out
    }

    /// Observed delays next to simulated ones, for calibration: one row per observed domain.
    pub fn delay_comparison(&self, simulated: &[SimulatedDelay]) -> String {
        let mut out = format!(
            "{:<32} {:>8} {:>10} {:>10} {:>10} {:>10}\n",
            "recipient domain", "count", "obs p50 s", "sim p50 s", "obs p95 s", "sim p95 s"
        );
        for d in &self.delays {
            let sim = simulated.iter().find(|s| s.domain == d.domain);
            let show = |v: Option<f64>| v.map_or("-".to_string(), |x| format!("{x:.2}"));
            let _ = writeln!(
                out,
                "{:<32} {:>8} {:>10.2} {:>10} {:>10.2} {:>10}",
                d.domain,
                d.count,
                d.p50_s,
                show(sim.map(|s| s.p50_s)),
                d.p95_s,
                show(sim.map(|s| s.p95_s))
            );
        }
        out
    }

    /// The chart of observed vs fitted counts per hour of week, one panel per stream, as SVG.
    pub fn svg(&self) -> Result<String, String> {
        super::svg::hourly_chart(self)
    }
}
