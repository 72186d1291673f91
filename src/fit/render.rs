//! The fitted `traffic:` section as scenario YAML, each value with a comment on how well it fits.

use std::fmt::Write;

use super::FitOptions;
use super::report::{FitReport, StreamFit};

/// Four significant digits, no needless zeros.
fn sig(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return "0".into();
    }
    let digits = (3 - x.abs().log10().floor() as i32).max(0) as usize;
    let s = format!("{x:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        && s.parse::<f64>().is_err();
    if plain {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

fn size(bytes: f64) -> String {
    if bytes >= 1_000_000.0 {
        format!("{}MB", sig(bytes / 1e6))
    } else if bytes >= 1000.0 {
        format!("{}KB", sig(bytes / 1e3))
    } else {
        format!("{}B", bytes.round())
    }
}

fn verdict_p(p: f64, dof: u32) -> &'static str {
    if dof == 0 {
        "not testable: too few hours observed"
    } else if p >= 0.05 {
        "consistent with a weekday/weekend profile"
    } else if p >= 0.001 {
        "some day-to-day variation beyond Poisson"
    } else {
        "days differ beyond a weekday/weekend profile (holidays, incidents?)"
    }
}

fn verdict_ks(d: f64, n: u64) -> &'static str {
    if n < 50 {
        "too few sizes to judge"
    } else if d < 0.02 {
        "good fit"
    } else if d < 0.05 {
        "fair fit"
    } else {
        "poor fit: sizes are not lognormal"
    }
}

fn list(xs: &[f64]) -> String {
    let parts: Vec<String> = xs.iter().map(|x| format!("{x:.3}")).collect();
    format!("[{}]", parts.join(", "))
}

/// The `traffic:` section for the report's streams.
pub(super) fn traffic_yaml(r: &FitReport, opts: &FitOptions) -> String {
    let mut y = String::new();
    let days = r.exposure.iter().sum::<f64>() / 24.0;
    let skipped: u64 = r.skipped.iter().map(|s| s.count).sum();
    let _ = writeln!(
        y,
        "# Traffic fitted by `mailflow fit` from {} log lines, {} to {} ({days:.1} days",
        r.lines, r.window.0, r.window.1
    );
    let _ = writeln!(
        y,
        "# observed; times are the logs' wall clock{}). Streams split by the accepted",
        if opts.utc_offset_minutes != 0 {
            ", shifted by the UTC offset given"
        } else {
            ""
        }
    );
    let _ = writeln!(
        y,
        "# domains {}. Skipped lines: {skipped} (see the fit report).",
        opts.accepted_domains.join(", ")
    );
    if r.streams.is_empty() {
        let _ = writeln!(y, "traffic: []");
        return y;
    }
    let _ = writeln!(y, "traffic:");
    for s in &r.streams {
        stream(&mut y, s, days);
    }
    y
}

fn stream(y: &mut String, s: &StreamFit, days: f64) {
    let _ = writeln!(y, "  - name: {}", s.name);
    let _ = writeln!(y, "    from: {}", quote(&s.from));
    if let Some((d, share)) = &s.sender_domain {
        let _ = writeln!(
            y,
            "    sender_domain: {}  # most frequent sender domain ({:.1}% of messages)",
            quote(d),
            share * 100.0
        );
    }
    // Outbound mail to the many small domains goes by the `*` domain: example.net stands for them.
    let mut to: Vec<(String, f64)> = s.recipient_domains.clone();
    let (others, rest) = s.other_domains;
    let mut note = String::new();
    if rest > 0.0 {
        if s.name == "outbound" {
            to.push(("example.net".into(), rest));
            note = format!(
                "  # example.net stands for {others} other domains ({:.1}% of recipients)",
                rest * 100.0
            );
        } else if let Some(first) = to.first_mut() {
            first.1 += rest;
            note = format!(
                "  # {others} rarer domains ({:.1}%) folded into the first",
                rest * 100.0
            );
        }
    }
    let to_text = match to.as_slice() {
        [(d, _)] => quote(d),
        many => format!(
            "{{{}}}",
            many.iter()
                .map(|(d, w)| format!("{}: {}", quote(d), sig(*w)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let _ = writeln!(y, "    to: {to_text}{note}");
    let half = (s.rate_ci95.1 / s.rate_per_day.max(f64::MIN_POSITIVE) - 1.0) * 100.0;
    let _ = writeln!(
        y,
        "    rate: {}/d  # {} messages in {days:.1} days; 95% CI ±{half:.1}%",
        sig(s.rate_per_day),
        s.messages
    );
    let p = &s.profile;
    let _ = writeln!(
        y,
        "    profile:  # hour of week; chi-square {:.1} on {} dof, p = {:.3}: {}",
        p.chi_square,
        p.dof,
        p.p_value,
        verdict_p(p.p_value, p.dof)
    );
    let _ = writeln!(y, "      start: monday");
    let _ = writeln!(y, "      weekday: {}", list(&p.weekday));
    let _ = writeln!(y, "      weekend: {}", list(&p.weekend));
    if let Some(f) = &s.size {
        let _ = writeln!(
            y,
            "    size: {{lognormal: {{median: {}, sigma: {:.3}}}}}  # maximum likelihood; KS distance {:.4} (n = {}): {}; observed mean {}",
            size(f.median),
            f.sigma,
            f.ks_distance,
            f.n,
            verdict_ks(f.ks_distance, f.n),
            size(f.observed_mean)
        );
    }
    let weights: Vec<String> = s
        .recipients
        .iter()
        .map(|(k, w)| format!("{k}: {}", sig(*w)))
        .collect();
    let _ = writeln!(y, "    recipients: {{weights: {{{}}}}}", weights.join(", "));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_four_significant_digits() {
        assert_eq!(sig(4285.714), "4286");
        assert_eq!(sig(42.857_14), "42.86");
        assert_eq!(sig(0.15), "0.15");
        assert_eq!(size(45_321.0), "45.32KB");
        assert_eq!(size(2_500_000.0), "2.5MB");
        assert_eq!(quote("contoso.com"), "contoso.com");
        assert_eq!(quote("*"), "\"*\"");
    }
}
