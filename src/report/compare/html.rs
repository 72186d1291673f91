//! The comparison's `index.html`: what differs in words, the side-by-side table, each
//! scenario's alerts and description, and the overlay charts inline.

use std::fmt::Write;

use super::CompareReport;
use super::charts::{LatencyOverlay, OutcomesOverlay, QueuesOverlay};
use super::table::{deltas_grid, settings_grid};
use crate::report::Exporter;
use crate::report::ReportError;
use crate::report::html::{alerts, at_a_glance, figure, page, table};
use crate::report::svg::diagram::esc;
use crate::report::svg::topology;

/// Writes `index.html`.
pub struct CompareHtml;

impl Exporter<CompareReport<'_>> for CompareHtml {
    fn file_name(&self) -> &'static str {
        "index.html"
    }
    fn render(&self, r: &CompareReport<'_>) -> Result<Vec<u8>, ReportError> {
        let c = r.comparison;
        let names = c.scenarios.join(" vs ");
        let mut body = String::new();
        let _ = write!(
            body,
            "<h1>{}</h1>\n<p class=\"meta\">mailflow compare · seed {} for every scenario (common random numbers)</p>\n",
            esc(&names),
            c.seed
        );
        body += "<h2>What differs</h2>\n<ul>\n";
        for d in &c.differences {
            let _ = writeln!(body, "<li>{}</li>", esc(d));
        }
        body += "</ul>\n";
        let (header, rows) = settings_grid(c);
        if !rows.is_empty() {
            let _ = writeln!(
                body,
                "<h2>Settings that differ from {}</h2>",
                esc(&c.scenarios[0])
            );
            let header: Vec<&str> = header.iter().map(String::as_str).collect();
            body += &table(&header, &rows);
        }
        body += "<h2>Side by side</h2>\n";
        body += &table(&c.header(), &c.rows());
        let (header, rows) = deltas_grid(c);
        body += "<h3>Differences against the first scenario</h3>\n";
        body += &table(&header, &rows);
        body += "<p class=\"meta\">No change: equal, under 1% apart, or (with replications) a 95% confidence interval of the difference, paired by seed, that includes 0.</p>\n";
        body += "<h2>Topologies</h2>\n<div class=\"pair\">";
        for run in r.runs {
            let svg = topology::render(&run.scenario, run.summary());
            body += &figure(svg.as_bytes(), &run.scenario.name);
        }
        body += "</div>\n";
        body += "<h2>Charts</h2>\n";
        let charts: [(&super::CompareExporter, &str); 3] = [
            (
                &QueuesOverlay,
                "Messages waiting: all nodes together per scenario, then each scenario's nodes on one scale; shaded: fault windows.",
            ),
            (
                &OutcomesOverlay,
                "Deliveries, NDRs and the NDR rate per sample interval, one line per scenario.",
            ),
            (
                &LatencyOverlay,
                "Delivery latency distribution of all traffic, one curve per scenario.",
            ),
        ];
        for (exporter, caption) in charts {
            body += &figure(&exporter.render(r)?, caption);
        }
        for run in r.runs {
            let sc = &run.scenario;
            let _ = write!(
                body,
                "<h2>{}</h2>\n<p class=\"meta\">{}</p>\n<p>{}</p>\n<h3>Alerts</h3>\n",
                esc(&sc.name),
                esc(&run.file.display().to_string()),
                esc(sc.description.trim())
            );
            body += &alerts(run.summary());
            body += "<h3>At a glance</h3>\n";
            body += &at_a_glance(run.summary());
        }
        body += "<p class=\"meta\">Files in this folder: comparison.json, queues.svg, outcomes.svg, latency.svg, index.html (see reports/README.md).</p>\n";
        Ok(page(&format!("mailflow compare: {names}"), &body).into_bytes())
    }
}
