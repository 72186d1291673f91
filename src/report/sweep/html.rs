//! The sweep's `index.html`: one self-contained page with the capacity (overall and per value
//! of every other varied key), the chart inline and the points table in human units.

use super::axis::{estimate, key_words};
use super::capacity::{at_words, capacity_by};
use super::chart::metrics;
use crate::experiment::sweep::SweepReport;
use crate::report::html::{figure, page, table};
use crate::report::svg::diagram::esc;

/// The points table: varied values, each SLO's deciding bound, each charted metric's mean and
/// CI, the verdict — in the metrics' units.
pub fn points_grid(r: &SweepReport) -> (Vec<String>, Vec<Vec<String>>) {
    let (shown, slos) = metrics(r);
    let mut header: Vec<String> = r.vary.iter().map(|v| v.key.clone()).collect();
    header.extend(slos.iter().map(|s| format!("{} (bound)", s.expr)));
    header.extend(shown.iter().map(|m| format!("{m} mean [95% CI]")));
    header.push("SLOs met".into());
    let rows = r
        .points
        .iter()
        .map(|p| {
            let mut row = r.varied_values(p);
            row.extend(p.slo.iter().zip(&slos).map(|(c, s)| {
                format!(
                    "{} {}",
                    super::axis::value(&s.metric, c.value),
                    if c.met { "✓" } else { "✗" }
                )
            }));
            for m in &shown {
                row.push(
                    p.metrics
                        .get(&m.to_string())
                        .map_or(String::new(), |e| estimate(m, e)),
                );
            }
            row.push(if p.slo_met { "yes" } else { "no" }.to_string());
            row
        })
        .collect();
    (header, rows)
}

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
    let key = r.vary.first().map_or(String::new(), |v| key_words(&v.key));
    body += &match &r.capacity.value {
        Some(v) => format!(
            "<p class=\"ok\">Capacity: <b>{} = {}</b>, the largest value at which every SLO holds \
             (upper CI bound for &lt;, lower for &gt;) there and at every smaller value{}.</p>\n",
            esc(&key),
            esc(v),
            if r.vary.len() > 1 {
                ", whatever the other keys' values"
            } else {
                ""
            }
        ),
        None => "<p class=\"alert\">No capacity: no value of the first key meets every SLO \
                 (or no SLO was given).</p>\n"
            .to_string(),
    };
    let by = capacity_by(r);
    if !by.is_empty() {
        let rows: Vec<Vec<String>> = by
            .iter()
            .map(|c| {
                vec![
                    at_words(&c.at),
                    c.value.clone().unwrap_or_else(|| "none".into())
                        + if c.complete { "" } else { " (provisional)" },
                ]
            })
            .collect();
        body += &format!(
            "<h2>Capacity per value of the other keys</h2>\n{}",
            table(&["with", &format!("capacity: {key}")], &rows)
        );
    }
    body += &figure(
        svg.as_bytes(),
        "Mean and 95% confidence interval per point; SLO dashed, capacity in green; ▲ marks a point beyond the axis.",
    );
    let (header, rows) = points_grid(r);
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    body += "<h2>Points</h2>\n";
    body += &table(&header, &rows);
    body += "<p class=\"meta\">Every metric of every point is in sweep.csv and sweep.json (in base units: seconds, fractions).</p>\n";
    page(&format!("Sweep of {}", r.scenario), &body)
}
