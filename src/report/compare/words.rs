//! "What differs", in words: which scenario loses more mail, queues more and where, is slower,
//! and raises which alerts.

use super::Column;
use crate::report::console::{count, secs};

fn by(cols: &[Column], key: impl Fn(&Column) -> f64) -> (&Column, &Column) {
    let max = cols
        .iter()
        .max_by(|a, b| key(a).total_cmp(&key(b)))
        .expect("at least one column");
    let min = cols
        .iter()
        .min_by(|a, b| key(a).total_cmp(&key(b)))
        .expect("at least one column");
    (max, min)
}

fn codes(c: &Column) -> String {
    if c.ndr_by_code.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = c
        .ndr_by_code
        .iter()
        .map(|(k, n)| format!("{k} ×{}", count(*n)))
        .collect();
    format!("; {}", parts.join(", "))
}

/// The sentences of the "what differs" section.
pub fn differences(cols: &[Column]) -> Vec<String> {
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
            "The scenarios generate different traffic ({}): compare rates rather than counts.",
            parts.join(", ")
        ));
    }
    let (most, least) = by(cols, |c| c.ndr_rate);
    if most.ndr == least.ndr {
        out.push(format!(
            "No scenario loses more mail than another: {} NDRs each.",
            count(most.ndr)
        ));
    } else {
        let how = if most.ndr_rate < least.ndr_rate * 1.1 {
            "slightly more mail"
        } else {
            "the most mail"
        };
        out.push(format!(
            "{} loses {how}: {} NDRs ({:.3}% of generated{}), against {} ({:.3}%{}) in {}.",
            most.scenario,
            count(most.ndr),
            most.ndr_rate * 100.0,
            codes(most),
            count(least.ndr),
            least.ndr_rate * 100.0,
            codes(least),
            least.scenario,
        ));
    }
    let peak = |c: &Column| c.worst_queue().map_or(0.0, |q| q.1 as f64);
    let (most, least) = by(cols, peak);
    match (most.worst_queue(), least.worst_queue()) {
        (None, _) => out.push("No scenario queued any mail.".into()),
        (Some((where_, n)), other) => {
            let other = other.map_or("no queue at all".to_string(), |(w, m)| {
                format!("a peak of {} at {w}", count(m))
            });
            out.push(format!(
                "{} queues the most: a peak of {} messages at {where_}, against {other} in {}.",
                most.scenario,
                count(n),
                least.scenario
            ));
        }
    }
    let (slow, fast) = by(cols, |c| c.latency_s.p99);
    if slow.latency_s.p99 > fast.latency_s.p99 {
        out.push(format!(
            "Delivery is slowest in {}: p99 {} (p95 {}), against p99 {} (p95 {}) in {}.",
            slow.scenario,
            secs(slow.latency_s.p99),
            secs(slow.latency_s.p95),
            secs(fast.latency_s.p99),
            secs(fast.latency_s.p95),
            fast.scenario
        ));
    }
    for c in cols {
        if c.alerts.is_empty() {
            out.push(format!("{} raises no alerts.", c.scenario));
        } else {
            out.push(format!(
                "{} raises {} alert(s): {}.",
                c.scenario,
                c.alerts.len(),
                c.alerts.join("; ")
            ));
        }
    }
    for c in cols.iter().filter(|c| c.in_flight > 0) {
        out.push(format!(
            "{} still has {} messages in flight at the end of the run: they are neither delivered nor NDR'd yet.",
            c.scenario,
            count(c.in_flight)
        ));
    }
    out
}
