//! `index.html`: one self-contained page (no external resources) with the description, the
//! summary tables, the alerts with cause and fix, and the charts inline.

use std::fmt::Write;

use super::format::{at, count, plural, secs};
use super::outcomes;
use super::svg::diagram::esc;
use super::svg::{LatencySvg, OutcomesSvg, QueuesSvg, TopologySvg};
use super::{Exporter, ReportError, RunReport};
use crate::experiment::Summary;

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:1060px;margin:0 auto;padding:16px 24px;color:#222;line-height:1.45}
h1{margin-bottom:4px}h2{margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#666}table{border-collapse:collapse;margin:8px 0 16px;font-size:14px}
th,td{border:1px solid #ddd;padding:4px 10px;text-align:right}th{background:#f3f3f3}
td:first-child,th:first-child{text-align:left}
.alert{border-left:4px solid #d62728;background:#fdf2f2;padding:8px 14px;margin:10px 0}
.ok{border-left:4px solid #2ca02c;background:#f2faf2;padding:8px 14px}
.headline{border-left:4px solid #1f77b4;background:#f2f7fc;padding:8px 14px;font-size:17px}
.headline p{margin:4px 0}.approx{color:#666}
figure{margin:16px 0}svg{max-width:100%;height:auto;display:block}
.pair{display:flex;gap:16px;align-items:flex-start}.pair figure{flex:1;min-width:0;margin:8px 0}
@media print{body{max-width:none;padding:0}figure,.alert,table{break-inside:avoid}h2{break-after:avoid}}
";

/// A whole page around `body`.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        esc(title)
    )
}

/// An HTML table; cells are escaped.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::from("<table><thead><tr>");
    for h in header {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out += "</tr></thead><tbody>";
    for r in rows {
        out += "<tr>";
        for c in r {
            let _ = write!(out, "<td>{}</td>", esc(c));
        }
        out += "</tr>";
    }
    out + "</tbody></table>\n"
}

/// A chart inline, with a caption; the XML declaration, if any, is dropped.
pub fn figure(svg: &[u8], caption: &str) -> String {
    let text = String::from_utf8_lossy(svg);
    let start = text.find("<svg").unwrap_or(0);
    format!(
        "<figure>{}<figcaption class=\"meta\">{}</figcaption></figure>\n",
        &text[start..],
        esc(caption)
    )
}

/// The summary tables of a run.
pub fn summary_tables(s: &Summary) -> String {
    let m = &s.messages;
    let (header, rows) = crate::report::console::messages_grid(s);
    let mut out = table(&header, &rows);
    let lat = |name: &str, l: &crate::experiment::summary::LatencySummary, g: u64, d: u64| {
        let (p50, p95, p99) = (secs(l.p50), secs(l.p95), secs(l.p99));
        vec![
            name.into(),
            count(g),
            count(d),
            secs(l.mean),
            p50,
            p95,
            p99,
            secs(l.max),
        ]
    };
    let mut rows = vec![lat("all traffic", &s.latency_s, m.generated, m.delivered)];
    rows.extend(
        s.traffic
            .iter()
            .map(|(n, t)| lat(n, &t.latency_s, t.generated, t.delivered)),
    );
    out += &table(
        &[
            "latency by stream",
            "generated",
            "delivered",
            "mean",
            "p50",
            "p95",
            "p99",
            "max",
        ],
        &rows,
    );
    let (header, rows) = crate::report::console::nodes_grid(s);
    out += &table(&header, &rows);
    if !s.connectors.is_empty() {
        let rows: Vec<Vec<String>> = s
            .connectors
            .iter()
            .map(|(name, c)| {
                let codes: Vec<String> = c
                    .deferrals_by_code
                    .iter()
                    .map(|(k, n)| format!("{k} ×{}", count(*n)))
                    .collect();
                vec![
                    name.clone(),
                    count(c.attempts),
                    count(c.delivered),
                    codes.join(", "),
                    count(c.peak_queue),
                ]
            })
            .collect();
        out += &table(
            &[
                "connector",
                "attempts",
                "delivered",
                "deferrals by code",
                "peak queue",
            ],
            &rows,
        );
    }
    let mut extra: Vec<Vec<String>> = s
        .ndr_by_code
        .iter()
        .map(|(k, n)| vec![format!("NDR {k}"), count(*n)])
        .collect();
    for (label, v) in [
        ("NDRs sent back", s.ndr_traffic.sent),
        ("NDRs delivered to senders", s.ndr_traffic.delivered),
        ("NDRs dropped", s.ndr_traffic.dropped),
        ("duplicate deliveries", s.duplicates),
        ("sent without TLS", s.sent_without_tls),
    ] {
        extra.push(vec![label.into(), count(v)]);
    }
    out + &table(&["other counts", "messages"], &extra)
}

/// The first screen: the headline in words, the outcome times of all messages, who is affected
/// and the incident timeline.
pub fn at_a_glance(s: &Summary) -> String {
    let mut out = String::from("<div class=\"headline\">");
    for line in outcomes::headline(s) {
        let _ = write!(out, "<p>{}</p>", esc(&line));
    }
    out += "</div>\n";
    let (header, rows) = outcomes::times_grid(s);
    out += &table(&header, &rows);
    let (header, rows) = outcomes::impact_grid(s);
    out += &table(&header, &rows);
    if !s.incidents.is_empty() {
        let (header, rows) = outcomes::timeline_grid(s);
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        out += &table(&header, &rows);
        let effects: Vec<String> = s
            .incidents
            .iter()
            .map(|i| {
                format!(
                    "{}: {}",
                    outcomes::incident_title(i),
                    outcomes::incident_effects(i)
                )
            })
            .collect();
        out += "<ul class=\"meta\">";
        for e in effects {
            let _ = write!(out, "<li>{}</li>", esc(&e));
        }
        out += "</ul>\n";
        if s.incidents
            .iter()
            .any(|i| i.events.iter().any(|e| e.approximate))
        {
            out += "<p class=\"approx\">≈: read from the sampled series, or from a queue shared with other mail: exact to one sample interval.</p>\n";
        }
    }
    out
}

/// The delay table (the outcome times are on the first screen).
pub fn outcome_tables(s: &Summary) -> String {
    let (header, rows) = outcomes::delayed_grid(s);
    let mut out = table(&header, &rows);
    out += "<p class=\"meta\">\"Delayed over X or not delivered\" counts messages delivered later than X, every NDR'd message, and messages still in flight at the end that are older than X. Quarantined mail is not counted.</p>\n";
    out
}

/// The alerts of a run, each with its cause and fix.
pub fn alerts(s: &Summary) -> String {
    if s.alerts.is_empty() {
        return "<p class=\"ok\">No mail flow alerts: no queue passed 200 messages or held a message over an hour.</p>\n".into();
    }
    let mut out = String::new();
    for a in &s.alerts {
        let _ = writeln!(
            out,
            "<div class=\"alert\"><strong>{} — {} {}</strong><br>from {} to {}, {}, {}, {}<br><b>Cause:</b> {}<br><b>Fix:</b> {}</div>",
            esc(&a.connector),
            esc(&a.code),
            esc(&a.title),
            at(a.first_s),
            at(a.last_s),
            esc(&match a.peak_queued_exact {
                Some(p) if p != a.peak_queued => format!(
                    "peak {} queued (exact; {} at a retry, as mail flow intelligence samples it)",
                    count(p),
                    count(a.peak_queued)
                ),
                Some(p) => format!("peak {} queued", count(p)),
                None => format!(
                    "peak {} queued (sampled at its retries)",
                    count(a.peak_queued)
                ),
            }),
            plural(a.deferrals, "deferral", "deferrals"),
            plural(a.ndr_counted, "message NDR'd", "messages NDR'd"),
            esc(&a.cause),
            esc(&a.fix)
        );
    }
    out
}

/// Writes `index.html`.
pub struct IndexHtml;

impl Exporter<RunReport<'_>> for IndexHtml {
    fn file_name(&self) -> &'static str {
        "index.html"
    }
    fn render(&self, r: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        let (sc, s) = (r.scenario, r.summary);
        let mut body = String::new();
        let _ = write!(
            body,
            "<h1>{}</h1>\n<p class=\"meta\">seed {} · {} simulated · warm-up {} · {}, {}, {}, {}</p>\n<p>{}</p>\n",
            esc(&sc.name),
            s.seed,
            secs(s.duration_s),
            secs(s.warmup_s),
            plural(sc.nodes.len() as u64, "node", "nodes"),
            plural(sc.connectors.len() as u64, "connector", "connectors"),
            plural(sc.traffic.len() as u64, "traffic stream", "traffic streams"),
            plural(sc.faults.len() as u64, "fault", "faults"),
            esc(sc.description.trim())
        );
        body += &at_a_glance(s);
        body += "<h2>Alerts</h2>\n";
        body += &alerts(s);
        for slo in &s.slo {
            let line = super::format::slo_line(slo, s.replications.is_some());
            let _ = writeln!(body, "<p>{}</p>", esc(&line));
        }
        body += "<h2>Charts</h2>\n";
        let charts: [(&super::RunExporter, &str); 4] = [
            (
                &TopologySvg,
                "Topology: nodes by layer, connectors and MX; red marks faults and alerts.",
            ),
            (
                &QueuesSvg,
                "Messages waiting per node and per connector; shaded: fault windows.",
            ),
            (
                &OutcomesSvg,
                "Deliveries and NDRs per sample interval, and the NDR rate.",
            ),
            (
                &LatencySvg,
                "Delivery latency distribution per traffic stream.",
            ),
        ];
        for (exporter, caption) in charts {
            body += &figure(&exporter.render(r)?, caption);
        }
        body += "<h2>Delayed or not delivered</h2>\n";
        body += &outcome_tables(s);
        body += "<h2>Summary</h2>\n";
        body += &summary_tables(s);
        body += "<p class=\"meta\">Files in this folder: summary.json, timeseries.csv, queues.svg, outcomes.svg, latency.svg, topology.svg, index.html (see reports/README.md).</p>\n";
        Ok(page(&format!("mailflow: {}", sc.name), &body).into_bytes())
    }
}
