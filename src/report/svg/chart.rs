//! Time charts drawn with plotters: stacked panels sharing a time axis, fault windows and
//! certificate expiries shaded and numbered, incident events as vertical lines, exact peaks
//! marked, y axes in their units, and every legend in a strip under its plot.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::legend::{self, Entry, Swatch};
use super::{Band, BandKind, FAULT_RED};
use crate::report::format::{at, count, secs};

/// Width of every chart, pixels.
pub const WIDTH: u32 = 1000;
const FONT: &str = "sans-serif";
/// Height of a panel's plot (title, axes and data), pixels.
const PLOT_H: u32 = 270;

/// One line of a chart.
#[derive(Clone, Debug)]
pub struct Series {
    /// Legend text.
    pub label: String,
    /// Stroke colour.
    pub colour: RGBColor,
    /// (x, y) points; x in seconds for time panels.
    pub points: Vec<(f64, f64)>,
    /// Drawn dashed.
    pub dashed: bool,
    /// An exact value to mark with a dot (the event-level peak), x in seconds.
    pub peak: Option<(f64, f64)>,
}

impl Series {
    /// A solid line without marks.
    pub fn line(label: String, colour: RGBColor, points: Vec<(f64, f64)>) -> Series {
        Series {
            label,
            colour,
            points,
            dashed: false,
            peak: None,
        }
    }
}

/// A moment marked across a panel with a vertical line (a queue drained, a first NDR).
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// When, seconds.
    pub at_s: f64,
    /// Legend text.
    pub label: String,
    /// Line colour.
    pub colour: RGBColor,
}

/// What the y values are, for tick labels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum YUnit {
    /// Message counts: `5,000`, `40k`.
    #[default]
    Messages,
    /// Percentages (values already ×100): `0.25%`.
    Percent,
    /// Durations in seconds, drawn in the largest round unit that fits (`age (hours)`).
    Seconds,
}

/// The unit a duration axis reaching `top` seconds is drawn in: (seconds per unit, name).
pub fn duration_scale(top: f64) -> (f64, &'static str) {
    match top {
        t if t >= 2.0 * 86_400.0 => (86_400.0, "days"),
        t if t >= 2.0 * 3600.0 => (3600.0, "hours"),
        t if t >= 120.0 => (60.0, "minutes"),
        _ => (1.0, "seconds"),
    }
}

/// One panel of a time chart.
#[derive(Clone, Debug, Default)]
pub struct Panel {
    /// Caption above the panel.
    pub title: String,
    /// Y-axis description, with its unit.
    pub y_label: String,
    /// The lines.
    pub series: Vec<Series>,
    /// Fault windows and certificate expiries shaded in this panel.
    pub bands: Vec<Band>,
    /// Moments marked by vertical lines.
    pub events: Vec<Event>,
    /// What the y values are.
    pub unit: YUnit,
    /// Top of the y axis (default: 15 % above the largest value or mark), to give panels one
    /// scale.
    pub y_max: Option<f64>,
}

impl Panel {
    /// The largest value drawn: points and marked peaks.
    pub fn top(&self) -> f64 {
        self.series
            .iter()
            .flat_map(|s| s.points.iter().map(|q| q.1).chain(s.peak.map(|p| p.1)))
            .filter(|y| y.is_finite())
            .fold(0.0, f64::max)
    }
}

/// A chart of panels sharing a time axis from 0 to the horizon.
#[derive(Clone, Debug, Default)]
pub struct Timeline {
    /// Title of the whole chart.
    pub title: String,
    /// Right end of the time axis, seconds.
    pub horizon_s: f64,
    /// Panels, top to bottom.
    pub panels: Vec<Panel>,
}

/// The time axis unit: hours up to three days, days beyond.
pub fn time_unit(horizon_s: f64) -> (f64, &'static str) {
    if horizon_s > 3.0 * 86_400.0 {
        (86_400.0, "days")
    } else {
        (3_600.0, "hours")
    }
}

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// A y tick label in the panel's unit; `top` is the axis top (it sets the decimals).
pub fn y_tick(unit: YUnit, y: f64, top: f64) -> String {
    match unit {
        YUnit::Messages if top >= 20_000.0 => format!("{}k", count((y / 1000.0).round() as u64)),
        YUnit::Messages if top < 5.0 => format!("{y:.1}"),
        YUnit::Messages => count(y.round().max(0.0) as u64),
        YUnit::Percent => {
            let decimals = match top {
                t if t < 0.1 => 3,
                t if t < 1.0 => 2,
                t if t < 10.0 => 1,
                _ => 0,
            };
            format!("{y:.decimals$}%")
        }
        YUnit::Seconds => secs(y),
    }
}

/// Legend entries of a panel: its series (with their peaks), its bands, its events.
fn entries(p: &Panel) -> Vec<Entry> {
    let mut out: Vec<Entry> = p
        .series
        .iter()
        .map(|s| Entry {
            swatch: Swatch::Line(s.colour, s.dashed),
            text: s.label.clone(),
        })
        .collect();
    if p.series.iter().any(|s| s.peak.is_some()) {
        out.push(Entry {
            swatch: Swatch::Dot(RGBColor(60, 60, 60)),
            text: "exact peak (event level; lines are sampled)".into(),
        });
    }
    for (i, b) in p.bands.iter().enumerate() {
        out.push(Entry {
            swatch: Swatch::Tag(format!("{}", i + 1), FAULT_RED),
            text: if b.open {
                format!("{} (from {} to the end)", b.label, at(b.from_s))
            } else {
                format!("{} ({}–{})", b.label, at(b.from_s), at(b.to_s))
            },
        });
    }
    for e in &p.events {
        out.push(Entry {
            swatch: Swatch::Line(e.colour, true),
            text: format!("{} at {}", e.label, at(e.at_s)),
        });
    }
    out
}

/// Renders a time chart, 1000 px wide: per panel a plot and its legend strip.
pub fn timeline(t: &Timeline) -> Result<String, String> {
    let legends: Vec<Vec<Entry>> = t.panels.iter().map(entries).collect();
    let heights: Vec<u32> = legends
        .iter()
        .map(|l| PLOT_H + legend::height(l, f64::from(WIDTH)))
        .collect();
    let height = 50 + heights.iter().sum::<u32>().max(PLOT_H);
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut rest = root.titled(&t.title, (FONT, 26)).map_err(err)?;
        for ((panel, legend_entries), h) in t.panels.iter().zip(&legends).zip(&heights) {
            let (area, below) = rest.split_vertically(*h);
            let (plot, strip) = area.split_vertically(PLOT_H);
            time_panel(&plot, panel, t.horizon_s)?;
            legend::draw(&strip, legend_entries)?;
            rest = below;
        }
        root.present().map_err(err)?;
    }
    Ok(buf)
}

fn time_panel(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    p: &Panel,
    horizon_s: f64,
) -> Result<(), String> {
    let (unit, unit_name) = time_unit(horizon_s);
    let xmax = (horizon_s / unit).max(1e-6);
    let top = p.top();
    let ymax = match p.y_max {
        Some(y) if y > 0.0 => y.max(top),
        _ if top > 0.0 => top * 1.15,
        _ => 1.0,
    };
    // Durations are drawn in hours (or days, minutes) so that ticks fall on round values.
    let (yscale, y_desc) = match p.unit {
        YUnit::Seconds => {
            let (d, name) = duration_scale(ymax);
            (d, format!("{} ({name})", p.y_label))
        }
        _ => (1.0, p.y_label.clone()),
    };
    let ymax = ymax / yscale;
    let mut chart = ChartBuilder::on(area)
        .caption(&p.title, (FONT, 19))
        .margin(8)
        .margin_right(24)
        .x_label_area_size(40)
        .y_label_area_size(72)
        .build_cartesian_2d(0f64..xmax, 0f64..ymax)
        .map_err(err)?;
    let y_fmt = |y: &f64| match p.unit {
        YUnit::Seconds if ymax < 5.0 => format!("{y:.1}"),
        YUnit::Seconds => format!("{y:.0}"),
        u => y_tick(u, *y, ymax),
    };
    chart
        .configure_mesh()
        .x_desc(format!("time since start ({unit_name})"))
        .y_desc(&y_desc)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&y_fmt)
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 16))
        .bold_line_style(BLACK.mix(0.08))
        .light_line_style(TRANSPARENT)
        .draw()
        .map_err(err)?;
    for (i, b) in p.bands.iter().enumerate() {
        let (a, z) = (b.from_s / unit, (b.to_s / unit).max(b.from_s / unit));
        let alpha = match b.kind {
            BandKind::Fault => 0.13,
            BandKind::Certificate => 0.07,
        };
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(a, 0.0), (z, ymax)],
                FAULT_RED.mix(alpha).filled(),
            )))
            .map_err(err)?;
        let edge = PathElement::new(vec![(a, 0.0), (a, ymax)], FAULT_RED.mix(0.6));
        chart.draw_series(std::iter::once(edge)).map_err(err)?;
        // Its number, stepped down by index so that bands starting close together stay apart.
        let style = (FONT, 14)
            .into_font()
            .style(FontStyle::Bold)
            .color(&FAULT_RED);
        let tag = Text::new(format!("{}", i + 1), (4, 4 + 16 * (i % 4) as i32), style);
        chart
            .draw_series(std::iter::once(EmptyElement::at((a, ymax)) + tag))
            .map_err(err)?;
    }
    for e in &p.events {
        let x = e.at_s / unit;
        chart
            .draw_series(DashedLineSeries::new(
                vec![(x, 0.0), (x, ymax)],
                6,
                4,
                e.colour.stroke_width(2),
            ))
            .map_err(err)?;
    }
    for s in &p.series {
        let style = ShapeStyle {
            color: s.colour.to_rgba(),
            filled: false,
            stroke_width: 2,
        };
        let pts: Vec<(f64, f64)> = s
            .points
            .iter()
            .map(|&(x, y)| (x / unit, y / yscale))
            .collect();
        if s.dashed {
            chart
                .draw_series(DashedLineSeries::new(pts, 8, 5, style))
                .map_err(err)?;
        } else {
            chart
                .draw_series(LineSeries::new(pts, style))
                .map_err(err)?;
        }
    }
    for s in &p.series {
        // A peak of one message, or one lost at the foot of the axis, is not worth a dot.
        if let Some((x, y)) = s.peak.filter(|p| p.1 > 1.0 && p.1 / yscale >= 0.02 * ymax) {
            let y = y / yscale;
            let dot = Circle::new((x / unit, y), 5, s.colour.filled());
            let ring = Circle::new((x / unit, y), 6, WHITE.stroke_width(2));
            chart.draw_series([ring, dot]).map_err(err)?;
        }
    }
    if p.series.is_empty() {
        let style = (FONT, 16).into_font().color(&BLACK.mix(0.6));
        chart
            .draw_series(std::iter::once(Text::new(
                "no data",
                (xmax * 0.45, ymax * 0.55),
                style,
            )))
            .map_err(err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels_carry_their_unit() {
        assert_eq!(y_tick(YUnit::Messages, 40_000.0, 50_000.0), "40k");
        assert_eq!(y_tick(YUnit::Messages, 5000.0, 6000.0), "5,000");
        assert_eq!(y_tick(YUnit::Percent, 0.25, 0.5), "0.25%");
        assert_eq!(y_tick(YUnit::Seconds, 14_400.0, 20_000.0), "4h00m");
        assert_eq!(duration_scale(25_000.0), (3600.0, "hours"));
    }
}
