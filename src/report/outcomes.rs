//! What became of the mail, for the first screen of every report: the headline in words, the
//! outcome times of all messages, who is affected (per stream and per recipient domain) and the
//! incident timeline. Console and HTML lay out the same rows.

use crate::experiment::Summary;
use crate::experiment::summary::{EventKind, Impact, Incident, IncidentKind, TimeStats};
use crate::report::format::{at, count, percent, plural, secs};

/// The headline of a run, in sentences: how much mail was delayed over 1 h or not delivered,
/// and how; who is most affected; what is still in flight.
pub fn headline(s: &Summary) -> Vec<String> {
    let mut out = Vec::new();
    let o = &s.outcomes;
    let g = s.messages.generated;
    let Some(d) = o.delayed.get("1h") else {
        return out;
    };
    if g == 0 {
        out.push("No messages were generated after the warm-up.".into());
        return out;
    }
    if d.count == 0 {
        out.push(format!(
            "Every one of the {} was delivered within 1 h{}.",
            plural(g, "message", "messages"),
            if s.messages.quarantined > 0 {
                format!(
                    " or quarantined ({} quarantined)",
                    count(s.messages.quarantined)
                )
            } else {
                String::new()
            }
        ));
    } else {
        let mut parts = Vec::new();
        if d.delivered_late > 0 {
            parts.push(format!("{} delivered late", count(d.delivered_late)));
        }
        if d.ndr > 0 {
            parts.push(format!(
                "{} returned as NDRs (after {} on average)",
                count(d.ndr),
                secs(o.time_to_ndr_s.mean)
            ));
        }
        if d.in_flight_older > 0 {
            parts.push(format!(
                "{} still queued and older than 1 h at the end (oldest {})",
                count(d.in_flight_older),
                secs(o.in_flight_age_s.oldest)
            ));
        }
        out.push(format!(
            "{} of messages ({} of {}) were delayed over 1 h or not delivered: {}.",
            percent(d.share),
            count(d.count),
            count(g),
            parts.join(", ")
        ));
    }
    let worst = |groups: &[(&String, &Impact)]| -> Option<String> {
        let (name, i) = groups
            .iter()
            .filter(|(_, i)| i.affected > 0)
            .max_by(|a, b| a.1.affected_share.total_cmp(&b.1.affected_share))?;
        Some(format!(
            "{name} ({}, {} of {})",
            percent(i.affected_share),
            count(i.affected),
            count(i.generated)
        ))
    };
    let streams: Vec<(&String, &Impact)> = s.impact.streams.iter().collect();
    let domains: Vec<(&String, &Impact)> = s.impact.domains.iter().collect();
    if let (Some(st), Some(dm)) = (worst(&streams), worst(&domains)) {
        out.push(format!(
            "Most affected: stream {st}; recipient domain {dm}."
        ));
    }
    if o.in_flight_age_s.count > 0 && d.in_flight_older == 0 {
        out.push(format!(
            "{} still in flight at the end, all younger than 1 h.",
            plural(o.in_flight_age_s.count, "message", "messages")
        ));
    }
    out
}

/// The outcome-time table: delivered, NDR'd (all and by code), and still in flight.
pub fn times_grid(s: &Summary) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let o = &s.outcomes;
    let header = vec!["outcome", "messages", "mean", "p50", "p95", "p99", "max"];
    let row = |name: String, t: &TimeStats| {
        vec![
            name,
            count(t.count),
            secs(t.mean),
            secs(t.p50),
            secs(t.p95),
            secs(t.p99),
            secs(t.max),
        ]
    };
    let mut rows = vec![row("time to delivery".into(), &o.time_to_delivery_s)];
    if o.time_to_ndr_s.count > 0 {
        rows.push(row("time to NDR".into(), &o.time_to_ndr_s));
        if o.time_to_ndr_by_code.len() > 1 {
            for (code, t) in &o.time_to_ndr_by_code {
                rows.push(row(format!("  NDR {code}"), t));
            }
        } else if let Some((code, _)) = o.time_to_ndr_by_code.iter().next() {
            rows.last_mut().expect("pushed")[0] = format!("time to NDR ({code})");
        }
    }
    let a = &o.in_flight_age_s;
    if a.count > 0 {
        rows.push(vec![
            "age still in flight".into(),
            count(a.count),
            secs(a.mean),
            "".into(),
            "".into(),
            "".into(),
            secs(a.oldest),
        ]);
    }
    (header, rows)
}

/// Delayed over each threshold or not delivered: one row per threshold.
pub fn delayed_grid(s: &Summary) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let header = vec![
        "delayed over",
        "delivered late",
        "NDR'd",
        "in flight, older",
        "total",
        "share",
    ];
    let rows = s
        .outcomes
        .delayed
        .iter()
        .map(|(k, d)| {
            vec![
                k.clone(),
                count(d.delivered_late),
                count(d.ndr),
                count(d.in_flight_older),
                count(d.count),
                percent(d.share),
            ]
        })
        .collect();
    (header, rows)
}

/// Who is affected: one row per stream, then one per recipient domain with traffic.
pub fn impact_grid(s: &Summary) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let header = vec![
        "who",
        "generated",
        "delivered",
        "late >1h",
        "NDR'd",
        "in flight (>1h)",
        "affected",
    ];
    let row = |who: String, i: &Impact| {
        vec![
            who,
            count(i.generated),
            count(i.delivered),
            count(i.delivered_over_1h),
            count(i.ndr),
            format!("{} ({})", count(i.in_flight), count(i.in_flight_over_1h)),
            format!("{} ({})", count(i.affected), percent(i.affected_share)),
        ]
    };
    let mut rows: Vec<Vec<String>> = s
        .impact
        .streams
        .iter()
        .map(|(n, i)| row(format!("stream {n}"), i))
        .collect();
    rows.extend(
        s.impact
            .domains
            .iter()
            .filter(|(_, i)| i.generated > 0)
            .map(|(n, i)| {
                let n = if n == "*" { "other domains" } else { n };
                row(format!("to {n}"), i)
            }),
    );
    (header, rows)
}

/// An event's time, `not within the run`, or `≈` before an approximate one.
pub fn event_time(i: &Incident, kind: EventKind) -> String {
    match i.events.iter().find(|e| e.event == kind) {
        Some(e) => match e.at_s {
            Some(t) if e.approximate => format!("≈{}", at(t)),
            Some(t) => at(t),
            None if matches!(
                kind,
                EventKind::Cleared | EventKind::QueueDrained | EventKind::Landed
            ) =>
            {
                "not within the run".into()
            }
            None => "none".into(),
        },
        None => String::new(),
    }
}

/// An incident's title with its kind: `fault: firewall_block onprem · 450 4.4.316`.
pub fn incident_title(i: &Incident) -> String {
    let kind = match i.kind {
        IncidentKind::Fault => "fault",
        IncidentKind::Certificate => "certificate",
        IncidentKind::Alert => "alert",
        IncidentKind::Change => "change",
    };
    format!("{kind}: {}", i.title)
}

/// What an incident did, in one line: queues, deferrals, NDRs, peak.
pub fn incident_effects(i: &Incident) -> String {
    if i.kind == IncidentKind::Change {
        return format!(
            "{} waiting when it was made, {} of them returned",
            plural(i.peak_queued, "message", "messages"),
            count(i.ndr)
        );
    }
    if i.queues.is_empty() {
        return "no queue deferred because of it".into();
    }
    format!(
        "{}: {}, {}, peak {} queued",
        i.queues.join(", "),
        plural(i.deferrals, "deferral", "deferrals"),
        plural(i.ndr, "message expired", "messages expired"),
        count(i.peak_queued)
    )
}

/// The timeline: one row per incident, one column per event kind that occurs in any.
pub fn timeline_grid(s: &Summary) -> (Vec<String>, Vec<Vec<String>>) {
    let mut kinds: Vec<EventKind> = Vec::new();
    for i in &s.incidents {
        for e in &i.events {
            if !kinds.contains(&e.event) {
                kinds.push(e.event);
            }
        }
    }
    let order = [
        EventKind::Start,
        EventKind::FirstDeferral,
        EventKind::FirstNdr,
        EventKind::Cleared,
        EventKind::Landed,
        EventKind::LastDeferral,
        EventKind::QueueDrained,
        EventKind::LastNdr,
    ];
    kinds.sort_by_key(|k| order.iter().position(|o| o == k));
    let mut header = vec!["incident".to_string()];
    header.extend(kinds.iter().map(|k| k.words().to_string()));
    let rows = s
        .incidents
        .iter()
        .map(|i| {
            let mut row = vec![incident_title(i)];
            row.extend(kinds.iter().map(|k| event_time(i, *k)));
            row
        })
        .collect();
    (header, rows)
}
