//! `sweep.svg`: each SLO's metric against the first varied key (axes in words and units), the
//! mean with 95% CI bars (plotters' `ErrorBar`), one line per combination of the other keys with
//! its own capacity, the SLO line and the capacity marked; points beyond the axis are drawn as
//! triangles on its top and named in the legend, never dropped silently.

use plotters::prelude::*;

use super::axis::{XAxis, key_words, value};
use super::capacity::{at_words, capacity_by};
use crate::experiment::slo::{Metric, Slo, Stat};
use crate::experiment::sweep::capacity::SweepReport;
use crate::report::svg::chart::{WIDTH, duration_scale};
use crate::report::svg::legend::{self, Entry, Swatch};
use crate::report::svg::{DELIVERED, series_colour};

const FONT: &str = "sans-serif";
const PLOT_H: u32 = 320;
/// The SLO line: dark grey, dashed (a limit, not a fault).
const SLO_GREY: RGBColor = RGBColor(60, 60, 60);

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// One line: (x, mean, lo, hi) per point, for one combination of the other keys.
struct Line {
    label: String,
    points: Vec<(f64, f64, f64, f64)>,
}

/// The metrics drawn: those the SLOs name, else `latency.p99`.
pub fn metrics(r: &SweepReport) -> (Vec<Metric>, Vec<Slo>) {
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
    (metrics, slos)
}

/// One metric's plot: its lines, its legend, the top of its y axis and the points beyond it
/// (x, y, line).
struct Panel {
    metric: Metric,
    lines: Vec<Line>,
    entries: Vec<Entry>,
    ymax: f64,
    clipped: Vec<(f64, f64, usize)>,
}

/// Renders the chart: one panel per metric the SLOs name (`latency.p99` without SLOs).
pub fn render(r: &SweepReport) -> Result<String, String> {
    let (metrics, slos) = metrics(r);
    let Some(first) = r.vary.first() else {
        return Err("no varied key".into());
    };
    let axis = XAxis::of(first);
    // Durations are placed in hours (or minutes, days) so that ticks fall on round values.
    let xscale = match axis {
        XAxis::Duration => {
            let top = first.values.iter().map(|v| axis.x(v)).fold(0.0, f64::max);
            duration_scale(top).0
        }
        _ => 1.0,
    };
    let place = |v: &str| axis.x(v) / xscale;
    let xs: Vec<f64> = first.values.iter().map(|v| place(v)).collect();
    let (xmin, xmax) = xs
        .iter()
        .fold((f64::MAX, f64::MIN), |a, x| (a.0.min(*x), a.1.max(*x)));
    let pad = ((xmax - xmin) * 0.05).max(1e-9);
    let capacity_x = r.capacity.value.as_deref().map(place);
    let by = capacity_by(r);
    let panels: Vec<Panel> = metrics
        .iter()
        .map(|metric| {
            let name = metric.to_string();
            let lines = lines(r, &name, &place, &by);
            let limits: Vec<&Slo> = slos.iter().filter(|s| &s.metric == metric).collect();
            let top = lines
                .iter()
                .flat_map(|l| l.points.iter().map(|p| p.3))
                .chain(limits.iter().map(|s| s.threshold))
                .filter(|y| y.is_finite())
                .fold(0.0, f64::max);
            // Overloaded points can be orders of magnitude above the SLO: keep the SLO readable
            // and mark what goes beyond.
            let cap = limits.iter().map(|s| s.threshold * 3.0).fold(0.0, f64::max);
            let top = if cap > 0.0 { top.min(cap) } else { top };
            let ymax = if top > 0.0 { top * 1.15 } else { 1.0 };
            let clipped: Vec<(f64, f64, usize)> = lines
                .iter()
                .enumerate()
                .flat_map(|(i, l)| {
                    l.points
                        .iter()
                        .filter(|p| p.1 > ymax)
                        .map(move |p| (p.0, p.1, i))
                })
                .collect();
            let mut entries: Vec<Entry> = lines
                .iter()
                .enumerate()
                .map(|(i, l)| Entry {
                    swatch: Swatch::Line(series_colour(i), false),
                    text: l.label.clone(),
                })
                .collect();
            for s in &limits {
                entries.push(Entry {
                    swatch: Swatch::Line(SLO_GREY, true),
                    text: format!("SLO {} ({})", s.expr, value(metric, s.threshold)),
                });
            }
            if let Some(v) = &r.capacity.value {
                entries.push(Entry {
                    swatch: Swatch::Line(DELIVERED, false),
                    text: format!("capacity {v} (every SLO met up to here)"),
                });
            }
            if let Some(worst) = clipped.iter().map(|c| c.1).reduce(f64::max) {
                entries.push(Entry {
                    swatch: Swatch::Tag("▲".into(), SLO_GREY),
                    text: format!(
                        "{} beyond the axis (up to {})",
                        if clipped.len() == 1 {
                            "1 point".to_string()
                        } else {
                            format!("{} points", clipped.len())
                        },
                        value(metric, worst)
                    ),
                });
            }
            Panel {
                metric: metric.clone(),
                lines,
                entries,
                ymax,
                clipped,
            }
        })
        .collect();
    let heights: Vec<u32> = panels
        .iter()
        .map(|p| PLOT_H + legend::height(&p.entries, f64::from(WIDTH)))
        .collect();
    let height = 60 + heights.iter().sum::<u32>();
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let title = format!("{}: {} replications per point", r.scenario, r.replications);
        let mut rest = root.titled(&title, (FONT, 24)).map_err(err)?;
        for (panel, h) in panels.iter().zip(&heights) {
            let Panel {
                metric,
                lines,
                entries,
                ymax,
                clipped,
            } = panel;
            let (area, below) = rest.split_vertically(*h);
            let (plot, strip) = area.split_vertically(PLOT_H);
            rest = below;
            legend::draw(&strip, entries)?;
            // Fractions are drawn in percent, durations in round hours (or minutes, days).
            let (scale, tick_scale) = if metric.is_fraction() {
                (100.0, 0.01)
            } else if metric.is_time() {
                let d = duration_scale(*ymax).0;
                (1.0 / d, d)
            } else {
                (1.0, 1.0)
            };
            let mut chart = ChartBuilder::on(&plot)
                .caption(format!("{}: mean and 95% CI", metric.words()), (FONT, 18))
                .margin(8)
                .margin_right(24)
                .x_label_area_size(42)
                .y_label_area_size(80)
                .build_cartesian_2d((xmin - pad)..(xmax + pad), 0f64..(*ymax * scale))
                .map_err(err)?;
            let y_fmt = |y: &f64| value(metric, y * tick_scale);
            let x_fmt = |x: &f64| axis.tick(x * xscale);
            chart
                .configure_mesh()
                .x_desc(key_words(&first.key))
                .y_desc(metric.words())
                .x_label_formatter(&x_fmt)
                .y_label_formatter(&y_fmt)
                .label_style((FONT, 14))
                .axis_desc_style((FONT, 15))
                .bold_line_style(BLACK.mix(0.08))
                .light_line_style(TRANSPARENT)
                .draw()
                .map_err(err)?;
            for s in slos.iter().filter(|s| &s.metric == metric) {
                chart
                    .draw_series(DashedLineSeries::new(
                        [
                            (xmin - pad, s.threshold * scale),
                            (xmax + pad, s.threshold * scale),
                        ],
                        8,
                        5,
                        SLO_GREY.stroke_width(2),
                    ))
                    .map_err(err)?;
            }
            if let Some(cx) = capacity_x {
                chart
                    .draw_series(LineSeries::new(
                        [(cx, 0.0), (cx, *ymax * scale)],
                        DELIVERED.stroke_width(2),
                    ))
                    .map_err(err)?;
            }
            let top = *ymax * scale;
            for (i, l) in lines.iter().enumerate() {
                let c = series_colour(i);
                let bars = l.points.iter().map(|&(x, mean, lo, hi)| {
                    let (lo, mean, hi) = (lo * scale, mean * scale, hi * scale);
                    ErrorBar::new_vertical(x, lo.min(top), mean.min(top), hi.min(top), c, 8)
                });
                chart.draw_series(bars).map_err(err)?;
                let means = l.points.iter().map(|p| (p.0, (p.1 * scale).min(top)));
                chart
                    .draw_series(LineSeries::new(means, c.stroke_width(2)))
                    .map_err(err)?;
            }
            for &(x, _, i) in clipped {
                let marker = EmptyElement::at((x, top))
                    + TriangleMarker::new((0, 0), 7, series_colour(i).filled());
                chart.draw_series(std::iter::once(marker)).map_err(err)?;
            }
        }
        root.present().map_err(err)?;
    }
    Ok(buf)
}

/// The points of `metric`, one line per combination of the other varied keys, each labelled
/// with its combination and its own capacity.
fn lines(
    r: &SweepReport,
    metric: &str,
    place: &dyn Fn(&str) -> f64,
    by: &[super::capacity::CapacityAt],
) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::new();
    let first = &r.vary[0].key;
    for p in &r.points {
        let others: indexmap::IndexMap<String, String> = p
            .values
            .iter()
            .filter(|(k, _)| *k != first)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let label = if others.is_empty() {
            metric.to_string()
        } else {
            let cap = by
                .iter()
                .find(|c| c.at == others)
                .and_then(|c| c.value.clone())
                .unwrap_or_else(|| "none".into());
            format!("{} · capacity {cap}", at_words(&others))
        };
        let (Some(e), Some(v)) = (p.metrics.get(metric), p.values.get(first)) else {
            continue;
        };
        let point = (place(v), e.mean, e.ci95[0], e.ci95[1]);
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
