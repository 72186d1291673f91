//! `sweep.svg`: each SLO's metric against the first varied key, with CI bars, the SLO line and
//! the capacity marked.

use plotters::prelude::*;

use crate::experiment::slo::{Metric, Slo, Stat};
use crate::experiment::sweep::capacity::{SweepReport, ascending};
use crate::experiment::sweep::grid::{decimals_and_unit, number};
use crate::report::svg::{FAULT_RED, colour};

const FONT: &str = "sans-serif";
const WIDTH: u32 = 1000;
const CAPACITY_GREEN: RGBColor = RGBColor(44, 160, 44);

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// One line: (x, mean, lo, hi) per point, for one combination of the other keys.
struct Line {
    label: String,
    points: Vec<(f64, f64, f64, f64)>,
}

/// Renders the chart: one panel per metric the SLOs name (`latency.p99` without SLOs).
pub fn render(r: &SweepReport) -> Result<String, String> {
    let slos: Vec<Slo> = r
        .slo
        .iter()
        .filter_map(|s| Slo::parse(s, None).ok())
        .collect();
    let mut metrics: Vec<Metric> = Vec::new();
    for s in &slos {
        if !metrics.contains(&s.metric) {
            metrics.push(s.metric.clone());
        }
    }
    if metrics.is_empty() {
        metrics.push(Metric::Latency(Stat::P99));
    }
    let Some(first) = r.vary.first() else {
        return Err("no varied key".into());
    };
    let order = ascending(first);
    let numeric = order.iter().all(|v| number(v).is_some());
    let x_of = |v: &str| -> f64 {
        if numeric {
            number(v).unwrap_or(0.0)
        } else {
            order.iter().position(|o| o == v).unwrap_or(0) as f64
        }
    };
    let places = order
        .iter()
        .map(|v| decimals_and_unit(v).0)
        .max()
        .unwrap_or(0);
    let unit = order.first().map_or("", |v| decimals_and_unit(v).1);
    let x_desc = if numeric && !unit.is_empty() {
        format!("{} ({unit})", first.key)
    } else {
        first.key.clone()
    };
    let xs: Vec<f64> = order.iter().map(|v| x_of(v)).collect();
    let (xmin, xmax) = xs
        .iter()
        .fold((f64::MAX, f64::MIN), |a, x| (a.0.min(*x), a.1.max(*x)));
    let pad = ((xmax - xmin) * 0.05).max(1e-9);
    let capacity_x = r.capacity.value.as_deref().map(x_of);

    let height = 60 + 320 * metrics.len() as u32;
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let title = format!("{}: {} replications per point", r.scenario, r.replications);
        let root = root.titled(&title, (FONT, 24)).map_err(err)?;
        for (area, metric) in root.split_evenly((metrics.len(), 1)).iter().zip(&metrics) {
            let name = metric.to_string();
            let lines = lines(r, &name, &x_of);
            let limits: Vec<&Slo> = slos.iter().filter(|s| &s.metric == metric).collect();
            let top = lines
                .iter()
                .flat_map(|l| l.points.iter().map(|p| p.3))
                .chain(limits.iter().map(|s| s.threshold))
                .filter(|y| y.is_finite())
                .fold(0.0, f64::max);
            // Overloaded points can be orders of magnitude above the SLO: keep the SLO readable.
            let cap = limits.iter().map(|s| s.threshold * 3.0).fold(0.0, f64::max);
            let top = if cap > 0.0 { top.min(cap) } else { top };
            let ymax = if top > 0.0 { top * 1.15 } else { 1.0 };
            let mut chart = ChartBuilder::on(area)
                .caption(format!("{name}: mean and 95% CI"), (FONT, 18))
                .margin(8)
                .margin_right(24)
                .x_label_area_size(40)
                .y_label_area_size(72)
                .build_cartesian_2d((xmin - pad)..(xmax + pad), 0f64..ymax)
                .map_err(err)?;
            let x_fmt = |x: &f64| {
                if numeric {
                    format!("{x:.places$}")
                } else {
                    order.get(x.round() as usize).cloned().unwrap_or_default()
                }
            };
            chart
                .configure_mesh()
                .x_desc(&x_desc)
                .y_desc(if metric.is_time() {
                    format!("{name} (s)")
                } else {
                    name.clone()
                })
                .x_label_formatter(&x_fmt)
                .label_style((FONT, 14))
                .axis_desc_style((FONT, 15))
                .bold_line_style(BLACK.mix(0.08))
                .light_line_style(TRANSPARENT)
                .draw()
                .map_err(err)?;
            for s in &limits {
                chart
                    .draw_series(LineSeries::new(
                        [(xmin - pad, s.threshold), (xmax + pad, s.threshold)],
                        FAULT_RED.stroke_width(2),
                    ))
                    .map_err(err)?
                    .label(format!("SLO {}", s.expr))
                    .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], FAULT_RED));
            }
            if let Some(cx) = capacity_x {
                chart
                    .draw_series(LineSeries::new(
                        [(cx, 0.0), (cx, ymax)],
                        CAPACITY_GREEN.stroke_width(2),
                    ))
                    .map_err(err)?
                    .label(format!(
                        "capacity {}",
                        r.capacity.value.as_deref().unwrap_or("")
                    ))
                    .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], CAPACITY_GREEN));
            }
            for (i, l) in lines.iter().enumerate() {
                let c = colour(i);
                let bar = (xmax - xmin).max(1e-9) * 0.006;
                for &(x, _, lo, hi) in &l.points {
                    let segments = [
                        vec![(x, lo), (x, hi)],
                        vec![(x - bar, lo), (x + bar, lo)],
                        vec![(x - bar, hi), (x + bar, hi)],
                    ];
                    chart
                        .draw_series(segments.into_iter().map(|p| PathElement::new(p, c)))
                        .map_err(err)?;
                }
                let means = l.points.iter().map(|p| (p.0, p.1));
                chart
                    .draw_series(LineSeries::new(means, c.stroke_width(2)))
                    .map_err(err)?
                    .label(&l.label)
                    .legend(move |(x, y)| {
                        Rectangle::new([(x, y - 5), (x + 16, y + 5)], c.filled())
                    });
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.3))
                .label_font((FONT, 14))
                .draw()
                .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(buf)
}

/// The points of `metric`, one line per combination of the other varied keys.
fn lines(r: &SweepReport, metric: &str, x_of: &dyn Fn(&str) -> f64) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::new();
    let first = &r.vary[0].key;
    for p in &r.points {
        let others: Vec<String> = p
            .values
            .iter()
            .filter(|(k, _)| *k != first)
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let label = if others.is_empty() {
            metric.to_string()
        } else {
            others.join(", ")
        };
        let (Some(e), Some(v)) = (p.metrics.get(metric), p.values.get(first)) else {
            continue;
        };
        let point = (x_of(v), e.mean, e.ci95[0], e.ci95[1]);
        match out.iter_mut().find(|l| l.label == label) {
            Some(l) => l.points.push(point),
            None => out.push(Line {
                label,
                points: vec![point],
            }),
        }
    }
    for l in &mut out {
        l.points.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    out
}
