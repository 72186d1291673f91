//! The sweep's `index.html`: one self-contained page with the capacity, the points table and
//! the chart inline.

use crate::experiment::sweep::SweepReport;
use crate::report::html::{figure, page, table};
use crate::report::svg::diagram::esc;

/// The page.
pub fn render(r: &SweepReport, svg: &str) -> String {
    let mut body = format!("<h1>Sweep of {}</h1>\n", esc(&r.scenario));
    body += &format!(
        "<p class=\"meta\">{} of {} points, {} replications each, master seed {}; SLOs: {}</p>\n",
        r.points.len(),
        r.grid_points,
        r.replications,
        r.seed,
        if r.slo.is_empty() {
            "none".to_string()
        } else {
            esc(&r.slo.join(", "))
        }
    );
    if !r.complete {
        body += &format!(
            "<p class=\"alert\"><b>Incomplete:</b> {} of {} points of the grid are missing{}; \
             the capacity below is provisional. Re-run the missing shards and merge again.</p>\n",
            r.points_missing,
            r.grid_points,
            r.shard.map_or(String::new(), |s| format!(
                " (this is shard {}/{})",
                s.k, s.n
            ))
        );
    }
    body += &match &r.capacity.value {
        Some(v) => format!(
            "<p class=\"ok\">Capacity: <b>{} = {}</b>, the largest value at which every SLO holds \
             (upper CI bound for &lt;, lower for &gt;) there and at every smaller value.</p>\n",
            esc(&r.capacity.key),
            esc(v)
        ),
        None => "<p class=\"alert\">No capacity: no value of the first key meets every SLO \
                 (or no SLO was given).</p>\n"
            .to_string(),
    };
    body += &figure(
        svg.as_bytes(),
        "Mean and 95% confidence interval per point; SLO in red, capacity in green.",
    );
    let mut header: Vec<&str> = r.vary.iter().map(|v| v.key.as_str()).collect();
    let slo_cols: Vec<String> = r.slo.iter().map(|s| format!("{s} (bound)")).collect();
    header.extend(slo_cols.iter().map(String::as_str));
    header.extend(["latency p99 (s)", "NDR rate", "SLOs met"]);
    let rows: Vec<Vec<String>> = r
        .points
        .iter()
        .map(|p| {
            let mut row = r.varied_values(p);
            row.extend(
                p.slo
                    .iter()
                    .map(|c| format!("{:.4} {}", c.value, if c.met { "✓" } else { "✗" })),
            );
            let ci = |name: &str| {
                p.metrics.get(name).map_or(String::new(), |e| {
                    format!("{:.4} [{:.4}, {:.4}]", e.mean, e.ci95[0], e.ci95[1])
                })
            };
            row.push(ci("latency.p99"));
            row.push(ci("ndr_rate"));
            row.push(if p.slo_met { "yes" } else { "no" }.to_string());
            row
        })
        .collect();
    body += "<h2>Points</h2>\n";
    body += &table(&header, &rows);
    body += "<p class=\"meta\">Every metric of every point is in sweep.csv and sweep.json.</p>\n";
    page(&format!("Sweep of {}", r.scenario), &body)
}
