//! "What differs", in words, each scenario against the first: what happens to the mail (all of
//! it: delivered, returned, still in flight), when senders learn, who queues, whether delivery
//! is slower — stated with direction and size, and nothing claimed inside the noise.

use super::Column;
use super::deltas::{Delta, Verdict};
use crate::report::format::{count, percent, plural, secs};

/// Codes that mean "no such recipient".
const UNKNOWN_RECIPIENT: [&str; 2] = ["550 5.1.1", "550 5.4.1"];

fn codes(c: &Column) -> String {
    let parts: Vec<String> = c
        .ndr_by_code
        .iter()
        .map(|(k, n)| format!("{k} ×{}", count(*n)))
        .collect();
    parts.join(", ")
}

fn all_unknown_recipient(c: &Column) -> bool {
    c.ndr > 0
        && c.ndr_by_code
            .keys()
            .all(|k| UNKNOWN_RECIPIENT.contains(&k.as_str()))
}

/// What one scenario does with the mail it does not deliver.
fn fate(c: &Column) -> String {
    let returned = if c.ndr == 0 {
        "returns none as NDRs".to_string()
    } else {
        format!(
            "returns {} as NDRs ({}) after {} on average",
            count(c.ndr),
            codes(c),
            secs(c.time_to_ndr_s.mean)
        )
    };
    if c.in_flight == 0 {
        return format!("{} {returned}", c.scenario);
    }
    let held = match &c.held_behind {
        Some(what) => format!(
            ", queued behind {what}, which had not cleared: unless it clears they expire as NDRs too"
        ),
        None => String::new(),
    };
    format!(
        "{} {returned} and still holds {} in flight at the end (oldest {}){held}",
        c.scenario,
        count(c.in_flight),
        secs(c.in_flight_oldest_s)
    )
}

fn delta<'a>(deltas: &'a [Delta], scenario: &str, metric: &str) -> Option<&'a Delta> {
    deltas
        .iter()
        .find(|d| d.scenario == scenario && d.metric == metric)
}

/// The sentences about the mail of `b` against baseline `a`.
fn outcomes(a: &Column, b: &Column, deltas: &[Delta]) -> Vec<String> {
    let mut out = Vec::new();
    let same_fate = a.delivered == b.delivered && a.not_delivered == b.not_delivered;
    if same_fate && a.not_delivered > 0 {
        let what = if all_unknown_recipient(a) || all_unknown_recipient(b) {
            "unknown-recipient mail"
        } else {
            "mail"
        };
        out.push(format!(
            "{} and {} deliver the same {} messages and fail to deliver the same {} ({} of generated): both bounce the same {what}. {}; {}.",
            a.scenario,
            b.scenario,
            count(a.delivered),
            plural(a.not_delivered, "message", "messages"),
            percent(a.not_delivered as f64 / a.generated.max(1) as f64),
            fate(a),
            fate(b),
        ));
    } else if a.not_delivered > 0
        && ["delivered", "not delivered (NDR'd or in flight)"]
            .iter()
            .all(|m| delta(deltas, &b.scenario, m).is_some_and(|d| d.verdict == Verdict::NoChange))
    {
        // Within the noise (under 1% apart, or inside the CI): the same fate, said with both counts.
        let what = if all_unknown_recipient(a) || all_unknown_recipient(b) {
            "unknown-recipient mail"
        } else {
            "mail"
        };
        out.push(format!(
            "{} and {} deliver about the same messages ({} against {}) and fail to deliver about the same ({} against {}, {} of generated; under 1% apart): both bounce the same {what}. {}; {}.",
            a.scenario,
            b.scenario,
            count(a.delivered),
            count(b.delivered),
            count(a.not_delivered),
            count(b.not_delivered),
            percent(a.not_delivered as f64 / a.generated.max(1) as f64),
            fate(a),
            fate(b),
        ));
    } else {
        for (metric, more, fewer) in [
            ("delivered", "delivers more", "delivers fewer"),
            (
                "not delivered (NDR'd or in flight)",
                "fails to deliver more",
                "fails to deliver fewer",
            ),
        ] {
            if let Some(d) = delta(deltas, &b.scenario, metric) {
                out.push(match d.verdict {
                    Verdict::NoChange => d.text.clone(),
                    v => format!(
                        "{} {} messages than {}: {} against {} ({} apart{}){}.",
                        b.scenario,
                        if v == Verdict::Higher { more } else { fewer },
                        a.scenario,
                        count(d.b.round() as u64),
                        count(d.a.round() as u64),
                        d.unit.show(d.difference),
                        d.relative
                            .map_or(String::new(), |r| format!(", {:+.1}%", r * 100.0)),
                        d.ci95.map_or(String::new(), |[lo, hi]| format!(
                            "; 95% CI of the difference {:+.0} to {:+.0}",
                            lo, hi
                        )),
                    ),
                });
            }
        }
        if a.not_delivered > 0 || b.not_delivered > 0 {
            out.push(format!("{}; {}.", fate(a), fate(b)));
        }
    }
    // When senders learn: the mean time to NDR, the in-flight mail waiting already.
    if a.ndr > 0
        && b.ndr > 0
        && let Some(d) = delta(deltas, &b.scenario, "mean time to NDR")
        && d.verdict != Verdict::NoChange
    {
        let (sooner, later, diff) = if d.difference < 0.0 {
            (b, a, -d.difference)
        } else {
            (a, b, d.difference)
        };
        let waiting = if later.in_flight > 0 {
            format!(
                ", and the {} still in flight in {} have waited up to {} already",
                count(later.in_flight),
                later.scenario,
                secs(later.in_flight_oldest_s)
            )
        } else {
            String::new()
        };
        let ci = d.ci95.map_or(String::new(), |[lo, hi]| {
            format!(
                " (95% CI of the difference {} to {})",
                secs(lo.abs().min(hi.abs())),
                secs(lo.abs().max(hi.abs()))
            )
        });
        // "About": to the minute, so that a day less 150 ms reads as a day.
        let about = if diff >= 60.0 {
            (diff / 60.0).round() * 60.0
        } else {
            diff
        };
        out.push(format!(
            "Senders learn about {} sooner in {}: mean time to NDR {} against {} in {}{ci}{waiting}.",
            secs(about),
            sooner.scenario,
            secs(sooner.time_to_ndr_s.mean),
            secs(later.time_to_ndr_s.mean),
            later.scenario,
        ));
    }
    if let Some(d) = delta(deltas, &b.scenario, "delayed over 1 h or not delivered") {
        out.push(format!("{}.", upper(&d.text)));
    }
    out
}

fn upper(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}

/// The queue sentence: where each scenario queued most.
fn queues(a: &Column, b: &Column) -> Option<String> {
    let (qa, qb) = (a.worst_queue(), b.worst_queue());
    let show = |c: &Column, q: Option<(String, u64)>| match q {
        Some((w, n)) => format!(
            "{} peaks at {} waiting at {w}",
            c.scenario,
            plural(n, "message", "messages")
        ),
        None => format!("{} queues nothing", c.scenario),
    };
    if qa.is_none() && qb.is_none() {
        return Some("Neither scenario queued any mail.".into());
    }
    Some(format!("{}; {}.", show(a, qa), show(b, qb)))
}

/// The latency sentence: a change of the delivered mail's p99, or that there is none.
fn latency(b: &Column, deltas: &[Delta]) -> Option<String> {
    let d = delta(deltas, &b.scenario, "delivery latency p99")?;
    Some(match d.verdict {
        Verdict::NoChange => format!(
            "Delivery latency of the delivered mail does not change: p99 {} against {} ({}).",
            secs(d.b),
            secs(d.a),
            if d.ci95.is_some() {
                "the difference is within the noise or under 1%"
            } else {
                "under 1% apart"
            }
        ),
        _ => format!("{}.", upper(&d.text)),
    })
}

/// The sentences of the "what differs" section: each scenario after the first against it.
pub fn differences(cols: &[Column], deltas: &[Delta]) -> Vec<String> {
    if cols.len() < 2 {
        return Vec::new();
    }
    let mut out = Vec::new();
    let first = cols[0].generated;
    if cols.iter().all(|c| c.generated == first) {
        out.push(format!(
            "Every scenario generated the same {} messages (same seed, same traffic), so the differences below come from the topology.",
            count(first)
        ));
    } else {
        let parts: Vec<String> = cols
            .iter()
            .map(|c| format!("{} {}", c.scenario, count(c.generated)))
            .collect();
        out.push(format!(
            "The scenarios generate different traffic ({}): compare shares rather than counts.",
            parts.join(", ")
        ));
    }
    let a = &cols[0];
    for b in &cols[1..] {
        out.extend(outcomes(a, b, deltas));
        out.extend(queues(a, b));
        out.extend(latency(b, deltas));
    }
    for c in cols {
        if c.alerts.is_empty() {
            out.push(format!("{} raises no alerts.", c.scenario));
        } else {
            out.push(format!(
                "{} raises {}: {}.",
                c.scenario,
                plural(c.alerts.len() as u64, "alert", "alerts"),
                c.alerts.join("; ")
            ));
        }
    }
    out
}
