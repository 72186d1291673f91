//! The console summary table of a run.

use std::fmt::Write;

use crate::experiment::Summary;
use crate::experiment::replicate::Replicated;
use crate::experiment::slo::Metric;

/// Formats a count with thousands separators: `1,234,567`.
pub fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Formats seconds for people: `850ms`, `12.4s`, `3m20s`, `5h02m`, `1d04h`.
pub fn secs(s: f64) -> String {
    if !s.is_finite() {
        return "-".into();
    }
    if s < 1.0 {
        format!("{:.0}ms", s * 1000.0)
    } else if s < 60.0 {
        format!("{s:.1}s")
    } else if s < 3600.0 {
        format!("{}m{:02}s", (s / 60.0) as u64, (s % 60.0) as u64)
    } else if s < 86_400.0 {
        format!(
            "{}h{:02}m",
            (s / 3600.0) as u64,
            ((s % 3600.0) / 60.0) as u64
        )
    } else {
        format!(
            "{}d{:02}h",
            (s / 86_400.0) as u64,
            ((s % 86_400.0) / 3600.0) as u64
        )
    }
}

/// Lays out rows as aligned columns (first column left-aligned, the rest right-aligned).
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let cols = header.len();
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(cols) {
            width[i] = width[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<&str>, out: &mut String| {
        for (i, c) in cells.iter().enumerate() {
            let pad = width[i].saturating_sub(c.chars().count());
            if i == 0 {
                let _ = write!(out, "  {c}{}", " ".repeat(pad));
            } else {
                let _ = write!(out, "  {}{c}", " ".repeat(pad));
            }
        }
        out.push('\n');
    };
    line(header.to_vec(), &mut out);
    for r in rows {
        line(r.iter().map(String::as_str).collect(), &mut out);
    }
    out
}

/// The message-outcome table (header and its one row), shared by the console and the HTML page.
pub fn messages_grid(s: &Summary) -> ([&'static str; 7], Vec<Vec<String>>) {
    let m = &s.messages;
    let header = [
        "messages",
        "generated",
        "delivered",
        "NDR",
        "quarantined",
        "in flight",
        "NDR rate",
    ];
    let row = vec![
        "all traffic".into(),
        count(m.generated),
        count(m.delivered),
        count(m.ndr),
        count(m.quarantined),
        count(m.in_flight),
        format!("{:.4}%", s.ndr_rate * 100.0),
    ];
    (header, vec![row])
}

/// The per-node table, shared by the console and the HTML page.
pub fn nodes_grid(s: &Summary) -> ([&'static str; 8], Vec<Vec<String>>) {
    let header = [
        "node",
        "peak queue",
        "mean queue",
        "utilisation",
        "delivered",
        "NDR",
        "deferrals",
        "delay DSNs",
    ];
    let rows = s
        .nodes
        .iter()
        .map(|(name, n)| {
            vec![
                name.clone(),
                count(n.peak_queue),
                format!("{:.1}", n.mean_queue),
                format!("{:.1}%", n.utilization * 100.0),
                count(n.delivered),
                count(n.ndr),
                count(n.deferrals),
                count(n.delay_notices),
            ]
        })
        .collect();
    (header, rows)
}

/// The summary table `mailflow run` prints.
pub fn summary_table(s: &Summary) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: seed {}, {} simulated (warm-up {}), {} events in {:.2}s ({:.1}M events/s)\n",
        s.scenario,
        s.seed,
        secs(s.duration_s),
        secs(s.warmup_s),
        count(s.engine.events),
        s.engine.wall_s,
        s.engine.events_per_s / 1e6
    );
    let (header, rows) = messages_grid(s);
    out += &table(&header, &rows);
    let l = &s.latency_s;
    out += "\n";
    out += &table(
        &["latency", "mean", "p50", "p95", "p99", "max"],
        &[vec![
            "all".into(),
            secs(l.mean),
            secs(l.p50),
            secs(l.p95),
            secs(l.p99),
            secs(l.max),
        ]]
        .into_iter()
        .chain(s.traffic.iter().map(|(name, t)| {
            let l = &t.latency_s;
            vec![
                name.clone(),
                secs(l.mean),
                secs(l.p50),
                secs(l.p95),
                secs(l.p99),
                secs(l.max),
            ]
        }))
        .collect::<Vec<_>>(),
    );
    out += "\n";
    let (header, rows) = nodes_grid(s);
    out += &table(&header, &rows);
    if !s.connectors.is_empty() {
        out += "\n";
        let rows: Vec<Vec<String>> = s
            .connectors
            .iter()
            .map(|(name, c)| {
                let deferrals: u64 = c.deferrals_by_code.values().sum();
                vec![
                    name.clone(),
                    count(c.attempts),
                    count(c.delivered),
                    count(deferrals),
                    count(c.peak_queue),
                ]
            })
            .collect();
        out += &table(
            &[
                "connector",
                "attempts",
                "delivered",
                "deferrals",
                "peak queue",
            ],
            &rows,
        );
    }
    let extras = [
        ("NDRs sent back", s.ndr_traffic.sent),
        ("NDRs dropped", s.ndr_traffic.dropped),
        ("duplicates", s.duplicates),
        ("sent without TLS", s.sent_without_tls),
    ];
    if extras.iter().any(|(_, v)| *v > 0) || !s.ndr_by_code.is_empty() {
        out += "\n";
        for (code, n) in &s.ndr_by_code {
            let _ = writeln!(out, "  NDR {code}: {}", count(*n));
        }
        for (label, v) in extras.iter().filter(|(_, v)| *v > 0) {
            let _ = writeln!(out, "  {label}: {}", count(*v));
        }
    }
    out += &changes(s);
    if !s.alerts.is_empty() {
        let _ = writeln!(out, "\nMail flow intelligence alerts:");
        for a in &s.alerts {
            let tail = match (a.queued_over, a.queued_over_s) {
                (Some(n), Some(age)) => format!("{} queued over {}", count(n), secs(age)),
                _ => format!("{} NDR'd", count(a.ndr)),
            };
            let _ = writeln!(
                out,
                "  ! {} {} {} — from {} to {}, peak {} queued, {tail}\n    cause: {}\n    fix:   {}",
                a.connector,
                a.code,
                a.title,
                secs(a.first_s),
                secs(a.last_s),
                count(a.peak_queued),
                a.cause,
                a.fix
            );
        }
    }
    for slo in &s.slo {
        let _ = writeln!(
            out,
            "  SLO {}: {} ({})",
            slo.expr,
            if slo.met { "met" } else { "MISSED" },
            slo.value
        );
    }
    out
}

/// A time of the run to the minute: `t+1d10h42m`, `t+3h05m`.
fn at(s: f64) -> String {
    let m = (s / 60.0).round() as u64;
    let (d, h, m) = (m / 1440, m / 60 % 24, m % 60);
    if d > 0 {
        format!("t+{d}d{h:02}h{m:02}m")
    } else {
        format!("t+{h}h{m:02}m")
    }
}

/// The timed configuration changes: when each was made and landed, and what became of the
/// messages that were waiting when it was made.
pub fn changes(s: &Summary) -> String {
    if s.changes.is_empty() {
        return String::new();
    }
    let mut out = String::from("\nConfiguration changes:\n");
    for c in &s.changes {
        let landed = match c.landed_s {
            Some(t) => format!("landed {}", at(t)),
            None => "not landed within the run".into(),
        };
        let _ = writeln!(out, "  {}: made {}, {landed}", c.label, at(c.made_s));
        let waiting = match c.queued {
            1 => "1 message was waiting".to_string(),
            n => format!("{} messages were waiting", count(n)),
        };
        let _ = writeln!(
            out,
            "    {waiting}: {} delivered, {} NDR'd when it landed, {} NDR'd otherwise, {} quarantined, {} still waiting",
            count(c.delivered),
            count(c.ndr_at_once),
            count(c.ndr_later),
            count(c.quarantined),
            count(c.in_flight)
        );
    }
    out
}

/// The console table of replicated runs: one row per metric, mean and 95% CI.
pub fn replicated_table(rep: &Replicated, nodes: &[String]) -> String {
    let s0 = &rep.summaries[0];
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} replications (seeds derived from {}), {} simulated, warm-up {}\n",
        s0.scenario,
        rep.seeds.len(),
        rep.seeds[0],
        secs(s0.duration_s),
        secs(rep.estimate(|s| s.warmup_s).mean)
    );
    let row = |name: String, e: crate::stats::Estimate| {
        vec![
            name,
            format!("{:.4}", e.mean),
            format!("[{:.4}, {:.4}]", e.ci95[0], e.ci95[1]),
        ]
    };
    let mut rows = vec![
        row(
            "generated".into(),
            rep.estimate(|s| s.messages.generated as f64),
        ),
        row(
            "delivered".into(),
            rep.estimate(|s| s.messages.delivered as f64),
        ),
        row("ndr".into(), rep.estimate(|s| s.messages.ndr as f64)),
    ];
    for m in Metric::all(nodes) {
        rows.push(row(m.to_string(), rep.metric(&m)));
    }
    out += &table(&["metric", "mean", "95% CI"], &rows);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_like_a_person_writes_them() {
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(12), "12");
        assert_eq!(secs(0.25), "250ms");
        assert_eq!(secs(200.0), "3m20s");
        assert_eq!(secs(90_000.0), "1d01h");
    }
}
