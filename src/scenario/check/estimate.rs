//! How big a run will be, before it starts: generated messages from the traffic model, so that
//! absurd values (`1e12/s` for three days) are refused with a number instead of exhausting memory.

use crate::model::{Profile, Scenario};
use crate::scenario::locate::{Index, Seg, key};
use crate::scenario::{Diagnostic, Override, Severity};
use crate::time::SimDuration;

/// The default ceiling on generated messages per run (`--max-messages`): about a minute of
/// simulation and a few GB at peak on a laptop, far above every shipped scenario (≈ 1.2 M).
pub const DEFAULT_MAX_MESSAGES: u64 = 200_000_000;

/// One traffic stream's share of the estimate.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamEstimate {
    /// Index of the stream in `traffic`.
    pub index: usize,
    /// The stream's name.
    pub name: String,
    /// Mean rate over the time it generates (the profile integrated over that time), messages
    /// per second.
    pub rate_per_s: f64,
    /// Highest instantaneous rate: the rate times the profile's peak multiplier.
    pub peak_per_s: f64,
    /// How long it generates: `duration` − `stop`.
    pub active: SimDuration,
    /// Expected messages: rate × the profile integrated over the active time.
    pub messages: f64,
}

/// The expected number of generated messages of one run.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    /// Sum over the streams.
    pub messages: f64,
    /// Every stream, in file order.
    pub streams: Vec<StreamEstimate>,
}

impl Estimate {
    /// The stream that generates the most.
    pub fn largest(&self) -> Option<&StreamEstimate> {
        self.streams
            .iter()
            .max_by(|a, b| a.messages.total_cmp(&b.messages))
    }
}

/// ∫ of a daily profile's multiplier over `[0, upto)` within one day, in seconds.
fn within_day(points: &[(SimDuration, f64)], upto: u64) -> f64 {
    let day = SimDuration::from_days(1).0;
    let ends = points
        .iter()
        .skip(1)
        .map(|p| p.0.0)
        .chain(std::iter::once(day));
    points
        .iter()
        .zip(ends)
        .map(|((start, x), end)| {
            let span = end.min(upto).saturating_sub(start.0);
            x * span as f64 / 1e6
        })
        .sum()
}

/// ∫ of the profile's multiplier over the first `active` of the run, in seconds: whole days
/// and the part of the last one, so a run shorter than a day that covers a profile's peak is
/// sized by that peak, not by the day's mean.
fn multiplier_seconds(profile: &Profile, active: SimDuration) -> f64 {
    match profile {
        Profile::Constant => active.as_secs_f64(),
        Profile::Daily(points) => {
            let day = SimDuration::from_days(1).0;
            (active.0 / day) as f64 * within_day(points, day) + within_day(points, active.0 % day)
        }
        // A week's profile: its mean over the active time (runs of days, not hours).
        Profile::Weekly(_) => active.as_secs_f64() * profile.mean(),
    }
}

/// Expected generated messages: Σ over streams of rate × ∫ profile over `[0, duration − stop)`.
pub fn estimate(sc: &Scenario) -> Estimate {
    let streams: Vec<StreamEstimate> = sc
        .traffic
        .iter()
        .enumerate()
        .map(|(index, t)| {
            let active = SimDuration(sc.duration.0.saturating_sub(t.stop.0));
            let messages = t.rate_per_s * multiplier_seconds(&t.profile, active);
            let secs = active.as_secs_f64();
            StreamEstimate {
                index,
                name: t.name.clone(),
                rate_per_s: if secs > 0.0 { messages / secs } else { 0.0 },
                peak_per_s: t.rate_per_s * t.profile.peak(),
                active,
                messages,
            }
        })
        .collect();
    Estimate {
        messages: streams.iter().map(|s| s.messages).sum(),
        streams,
    }
}

/// A count for people: `12,345` below a billion, `3.2e18` above.
pub fn approx(x: f64) -> String {
    if !x.is_finite() || x >= 1e9 {
        return format!("{x:.1e}");
    }
    let digits = format!("{:.0}", x.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A rate for people: `1.0e12/s`, `20/s`, `0.5/s`, `36/h`, `2.4/d`.
fn show_rate(per_s: f64) -> String {
    let round = |x: f64| (x * 100.0).round() / 100.0;
    if per_s >= 1e6 {
        format!("{per_s:.1e}/s")
    } else if per_s >= 1000.0 {
        format!("{per_s:.0}/s")
    } else if per_s >= 0.1 {
        format!("{}/s", round(per_s))
    } else if per_s * 3600.0 >= 1.0 {
        format!("{}/h", round(per_s * 3600.0))
    } else {
        format!("{}/d", round(per_s * 86_400.0))
    }
}

/// Refuses a scenario whose estimate is above `max` messages, with the stream that matters
/// most located in `text` (the scenario file, when it could be read) and the ways out.
pub fn check(
    sc: &Scenario,
    file: &str,
    text: Option<&str>,
    overrides: &[Override],
    max: u64,
) -> Result<Estimate, Diagnostic> {
    let e = estimate(sc);
    if e.messages <= max as f64 {
        return Ok(e);
    }
    let top = e.largest();
    let path: Vec<Seg> = match top {
        Some(s) => vec![key("traffic"), Seg::Index(s.index), key("rate")],
        None => vec![key("duration")],
    };
    let index = text.and_then(|t| Index::build(t).ok());
    let pos = index.as_ref().and_then(|i| i.find(&path, false));
    let shown = match &index {
        Some(i) => i.display(&path),
        None => top.map_or("duration".into(), |s| format!("traffic[{}].rate", s.name)),
    };
    let detail = top.map_or(String::new(), |s| {
        let peak = if s.peak_per_s > s.rate_per_s * 1.01 {
            format!(" on average, peaking at {}", show_rate(s.peak_per_s))
        } else {
            String::new()
        };
        format!(
            " (traffic `{}`: {}{peak} for {})",
            s.name,
            show_rate(s.rate_per_s),
            s.active
        )
    });
    let set: Vec<String> = overrides
        .iter()
        .filter(|o| {
            o.key == "duration"
                || (o.key.starts_with("traffic")
                    && (o.key.ends_with("rate") || o.key.ends_with("stop")))
        })
        .map(Override::label)
        .collect();
    let mut hint = "lower the rate or the duration, or raise --max-messages".to_string();
    if !set.is_empty() {
        hint.push_str(&format!(" (note: {} changes it)", set.join(", ")));
    }
    Err(Diagnostic {
        severity: Severity::Error,
        file: file.to_string(),
        line: pos.map_or(0, |p| p.line),
        column: pos.map_or(0, |p| p.column),
        path: shown,
        message: format!(
            "scenario would generate about {} messages{detail}; the ceiling is {}",
            approx(e.messages),
            approx(max as f64)
        ),
        hint: Some(hint),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load_str;

    const SCENARIO: &str = "\
name: e
duration: 3d
domains:
  a.test: {mx: n, mailboxes: {n: 1.0}}
nodes:
  n: {kind: smtp}
traffic:
  - {name: small, from: n, to: a.test, rate: 1/s, stop: 1d}
  - name: inbound
    from: n
    to: a.test
    rate: 40000/s
    profile: business_hours
";

    #[test]
    fn the_estimate_is_rate_times_active_time_summed_over_streams() {
        let sc = load_str(SCENARIO, "e.yaml", &[]).unwrap().scenario;
        let e = estimate(&sc);
        assert_eq!(e.streams[0].messages, 2.0 * 86_400.0);
        // business_hours averages to 1.
        assert!((e.streams[1].messages / (4e4 * 3.0 * 86_400.0) - 1.0).abs() < 1e-9);
        assert_eq!(e.largest().unwrap().name, "inbound");
    }

    #[test]
    fn too_many_messages_are_refused_at_the_stream_that_causes_them() {
        let sc = load_str(SCENARIO, "e.yaml", &[]).unwrap().scenario;
        let d = check(&sc, "e.yaml", Some(SCENARIO), &[], DEFAULT_MAX_MESSAGES).unwrap_err();
        let text = d.to_string();
        assert!(text.starts_with("e.yaml:12:11: error: scenario would generate about 1.0e10 messages (traffic `inbound`: 40000/s on average, peaking at 82051/s for 3d); the ceiling is 200,000,000"), "{text}");
        assert!(text.contains("raise --max-messages"), "{text}");
        assert!(check(&sc, "e.yaml", None, &[], u64::MAX).is_ok());
    }

    /// Regression (issue 16): a run shorter than a day covering a profile's spike was sized by
    /// the day's mean (3,600 messages) and then generated a thousand times more.
    #[test]
    fn a_short_run_over_a_profile_spike_is_sized_by_the_spike() {
        let spiky = "\
name: spike
duration: 1h
domains:
  a.test: {mx: n, mailboxes: {n: 1.0}}
nodes:
  n: {kind: smtp}
traffic:
  - name: burst
    from: n
    to: a.test
    rate: 1/s
    profile: [{at: 0h, x: 1}, {at: 1h, x: 0}]
";
        let sc = load_str(spiky, "s.yaml", &[]).unwrap().scenario;
        let e = estimate(&sc);
        // Normalised, the first hour carries the whole day's traffic: 24/s for an hour.
        assert!((e.messages - 86_400.0).abs() < 1e-6, "{}", e.messages);
        assert!((e.streams[0].peak_per_s - 24.0).abs() < 1e-9);
        let d = check(&sc, "s.yaml", Some(spiky), &[], 10_000).unwrap_err();
        assert!(d.to_string().contains("about 86,400 messages"), "{d}");
    }

    #[test]
    fn counts_read_easily() {
        assert_eq!(approx(0.0), "0");
        assert_eq!(approx(1_234_567.4), "1,234,567");
        assert_eq!(approx(200_000_000.0), "200,000,000");
        assert_eq!(approx(3.2e18), "3.2e18");
        assert_eq!(show_rate(0.5), "0.5/s");
        assert_eq!(show_rate(0.01), "36/h");
        assert_eq!(show_rate(1e-5), "0.86/d");
    }
}
