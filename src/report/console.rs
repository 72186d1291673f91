//! The console summary table of a run.

use std::fmt::Write;

use super::format::{number, percent, plural, width, wrap};
use super::outcomes;
use crate::experiment::Summary;
use crate::experiment::replicate::Replicated;
use crate::experiment::slo::Metric;

pub use super::format::{count, secs};

/// Lays out rows as aligned columns (first column left-aligned, the rest right-aligned); a
/// table wider than the terminal is cut into several, each repeating the first column.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    table_within(header, rows, 1, width())
}

/// [`table`] whose rows are named by their first `keys` columns (left-aligned), repeated in
/// every part when the table is cut.
pub fn table_keyed(header: &[&str], rows: &[Vec<String>], keys: usize) -> String {
    table_within(header, rows, keys, width())
}

/// [`table_keyed`] for a terminal `max` columns wide.
pub fn table_within(header: &[&str], rows: &[Vec<String>], keys: usize, max: usize) -> String {
    let cols = header.len();
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(cols) {
            width[i] = width[i].max(c.chars().count());
        }
    }
    // Columns after the keys, in groups that fit beside them; the first key is left-aligned.
    let keys = keys.clamp(1, cols.max(1));
    let first: usize = width.iter().take(keys).map(|w| 2 + w).sum();
    let mut groups: Vec<Vec<usize>> = vec![Vec::new()];
    let mut used = first;
    for (i, w) in width.iter().enumerate().skip(keys) {
        let group = groups.last_mut().expect("one group");
        if !group.is_empty() && used + 2 + w > max {
            groups.push(Vec::new());
            used = first;
        }
        groups.last_mut().expect("one group").push(i);
        used += 2 + w;
    }
    let line = |cells: &[&str], group: &[usize], out: &mut String| {
        let cell = |i: usize| cells.get(i).copied().unwrap_or("");
        let c = cell(0);
        let _ = write!(
            out,
            "  {c}{}",
            " ".repeat(width[0].saturating_sub(c.chars().count()))
        );
        for i in (1..keys).chain(group.iter().copied()) {
            let c = cell(i);
            let pad = " ".repeat(width[i].saturating_sub(c.chars().count()));
            // Keys are names: left-aligned like the first column.
            if i < keys {
                let _ = write!(out, "  {c}{pad}");
            } else {
                let _ = write!(out, "  {pad}{c}");
            }
        }
        out.push('\n');
    };
    let mut out = String::new();
    for (k, group) in groups.iter().enumerate() {
        if k > 0 {
            out.push('\n');
        }
        line(header, group, &mut out);
        for r in rows {
            let cells: Vec<&str> = r.iter().map(String::as_str).collect();
            line(&cells, group, &mut out);
        }
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
        percent(s.ndr_rate),
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
                number(n.mean_queue, 1),
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

/// The summary table `mailflow run` prints, wrapped to the terminal width.
pub fn summary_table(s: &Summary) -> String {
    let cols = width();
    let head = format!(
        "{}: seed {}, {} simulated (warm-up {}), {} events",
        s.scenario,
        s.seed,
        secs(s.duration_s),
        secs(s.warmup_s),
        count(s.engine.events),
    );
    let timing = format!(
        "in {:.2}s ({:.1}M events/s)",
        s.engine.wall_s,
        s.engine.events_per_s / 1e6
    );
    // Whether the timing fits on the first line is decided on its widest usual form, so the
    // layout does not depend on the speed of the machine.
    let mut out = if head.chars().count() + " in 999.99s (99.9M events/s)".len() <= cols {
        format!("{head} {timing}\n")
    } else {
        wrap(&head, cols, "", "  ") + "  " + &timing + "\n"
    };
    out += "\n";
    for line in outcomes::headline(s) {
        out += &wrap(&line, cols, "  ", "  ");
    }
    out += "\n";
    let (header, rows) = messages_grid(s);
    out += &table(&header, &rows);
    out += "\n";
    let (header, rows) = outcomes::times_grid(s);
    out += &table(&header, &rows);
    out += "\n";
    let (header, rows) = outcomes::delayed_grid(s);
    out += &table(&header, &rows);
    out += "\n";
    let (header, rows) = outcomes::impact_grid(s);
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
    out += &incidents(s, cols);
    out += &alerts(s, cols);
    out
}

/// The incident timeline, one paragraph per incident.
pub fn incidents(s: &Summary, cols: usize) -> String {
    if s.incidents.is_empty() {
        return String::new();
    }
    let mut out = String::from("\nIncidents:\n");
    for i in &s.incidents {
        out += &wrap(&outcomes::incident_title(i), cols, "  ", "    ");
        let events: Vec<String> = i
            .events
            .iter()
            .map(|e| {
                let t = outcomes::event_time(i, e.event);
                let sep = if e.at_s.is_some() { " " } else { ": " };
                format!("{}{sep}{t}", e.event.words())
            })
            .collect();
        out += &wrap(&events.join(" → "), cols, "    ", "    ");
        out += &wrap(&outcomes::incident_effects(i), cols, "    ", "    ");
    }
    out
}

/// The mail flow intelligence alerts, each with its cause and fix, wrapped.
pub fn alerts(s: &Summary, cols: usize) -> String {
    if s.alerts.is_empty() {
        return String::new();
    }
    let mut out = String::from("\nMail flow intelligence alerts:\n");
    for a in &s.alerts {
        let peak = match a.peak_queued_exact {
            Some(p) if p != a.peak_queued => format!(
                "peak {} queued ({} at a retry)",
                count(p),
                count(a.peak_queued)
            ),
            _ => format!("peak {} queued", count(a.peak_queued)),
        };
        let line = format!(
            "{} {} {} — from {} to {}, {peak}, {}",
            a.connector,
            a.code,
            a.title,
            super::format::at(a.first_s),
            super::format::at(a.last_s),
            match (a.queued_over, a.queued_over_s) {
                (Some(n), Some(age)) => format!("{} queued over {}", count(n), secs(age)),
                _ => plural(a.ndr_counted, "message NDR'd", "messages NDR'd"),
            },
        );
        out += &wrap(&line, cols, "  ! ", "    ");
        out += &wrap(&a.cause, cols, "    cause: ", "           ");
        out += &wrap(&a.fix, cols, "    fix:   ", "           ");
    }
    out
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
            Some(t) => format!("landed at {}", super::format::at(t)),
            None => "not landed within the run".into(),
        };
        let _ = writeln!(
            out,
            "  {}: made at {}, {landed}",
            c.label,
            super::format::at(c.made_s)
        );
        let _ = writeln!(
            out,
            "    {} waiting when it was made: {} delivered, {} NDR'd when it landed, {} NDR'd otherwise, {} quarantined, {} still waiting",
            plural(c.queued, "message", "messages"),
            count(c.delivered),
            count(c.ndr_at_once),
            count(c.ndr_later),
            count(c.quarantined),
            count(c.in_flight)
        );
    }
    out
}

/// The console table of replicated runs: one row per metric (delays over each of
/// `thresholds`), mean and 95% CI.
pub fn replicated_table(
    rep: &Replicated,
    nodes: &[String],
    thresholds: &[crate::time::SimDuration],
) -> String {
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
    let row = |name: String, e: crate::stats::Estimate, show: &dyn Fn(f64) -> String| {
        vec![name, show(e.mean), super::format::interval(e.ci95, show)]
    };
    let messages = |v: f64| number(v, 1);
    let mut rows = vec![
        row(
            "generated".into(),
            rep.estimate(|s| s.messages.generated as f64),
            &messages,
        ),
        row(
            "delivered".into(),
            rep.estimate(|s| s.messages.delivered as f64),
            &messages,
        ),
        row(
            "ndr".into(),
            rep.estimate(|s| s.messages.ndr as f64),
            &messages,
        ),
    ];
    let any_ndr = rep.summaries.iter().any(|s| s.messages.ndr > 0);
    for m in Metric::all_with(nodes, thresholds) {
        // Times to NDR of runs without NDRs are no information.
        if matches!(m, Metric::TimeToNdr(_)) && !any_ndr {
            continue;
        }
        let show = |v: f64| super::format::metric_value(&m, v);
        rows.push(row(m.to_string(), rep.metric(&m), &show));
    }
    out += &table(&["metric", "mean", "95% CI"], &rows);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_wider_than_the_terminal_is_cut_into_tables_that_repeat_the_first_column() {
        let header = [
            "node",
            "peak queue",
            "mean queue",
            "utilisation",
            "delivered",
        ];
        let rows = vec![vec![
            "eop".to_string(),
            "5,031".into(),
            "3,776.7".into(),
            "0.1%".into(),
            "484,145".into(),
        ]];
        let wide = table_within(&header, &rows, 1, 100);
        assert_eq!(wide.lines().count(), 2, "{wide}");
        let narrow = table_within(&header, &rows, 1, 40);
        assert!(narrow.lines().all(|l| l.chars().count() <= 40), "{narrow}");
        assert_eq!(
            narrow.lines().filter(|l| l.starts_with("  node")).count(),
            2
        );
        for h in header {
            assert!(narrow.contains(h), "{h} lost:\n{narrow}");
        }
        // Two keys: every part starts with both, left-aligned.
        let keyed = table_within(&header, &rows, 2, 40);
        let parts: Vec<&str> = keyed.split("\n\n").collect();
        assert_eq!(parts.len(), 3, "{keyed}");
        for part in parts {
            assert!(part.starts_with("  node  peak queue"), "{keyed}");
            assert!(part.contains("  eop   5,031 "), "{keyed}");
        }
        assert!(keyed.lines().all(|l| l.chars().count() <= 40), "{keyed}");
    }
}
