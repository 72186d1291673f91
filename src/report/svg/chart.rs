//! Two chart shapes drawn with plotters: stacked time panels (with shaded fault windows) and a
//! latency CDF on a log time axis.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Band, FAULT_RED};

/// Width of every chart, pixels.
pub const WIDTH: u32 = 1000;
const FONT: &str = "sans-serif";

/// One line of a chart.
#[derive(Clone, Debug)]
pub struct Series {
    /// Legend text.
    pub label: String,
    /// Stroke colour.
    pub colour: RGBColor,
    /// (x, y) points; x in seconds for time panels.
    pub points: Vec<(f64, f64)>,
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
    /// Fault windows shaded in this panel.
    pub bands: Vec<Band>,
    /// Y values are percentages (labels get a `%`).
    pub percent: bool,
    /// Top of the y axis (default: 15 % above the largest value), to give panels one scale.
    pub y_max: Option<f64>,
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

/// Renders a time chart: ~1000 px wide, 260–300 px per panel.
pub fn timeline(t: &Timeline) -> Result<String, String> {
    let n = t.panels.len().max(1);
    let per = if n > 2 { 240 } else { 280 };
    let height = 50 + per * n as u32;
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let root = root.titled(&t.title, (FONT, 26)).map_err(err)?;
        let areas = root.split_evenly((n, 1));
        for (area, panel) in areas.iter().zip(&t.panels) {
            time_panel(area, panel, t.horizon_s)?;
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
    let ymax_data = p
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|q| q.1))
        .filter(|y| y.is_finite())
        .fold(0.0, f64::max);
    let ymax = match p.y_max {
        Some(y) if y > 0.0 => y,
        _ if ymax_data > 0.0 => ymax_data * 1.15,
        _ => 1.0,
    };
    let mut chart = ChartBuilder::on(area)
        .caption(&p.title, (FONT, 19))
        .margin(8)
        .margin_right(24)
        .x_label_area_size(38)
        .y_label_area_size(72)
        .build_cartesian_2d(0f64..xmax, 0f64..ymax)
        .map_err(err)?;
    let y_fmt = |y: &f64| {
        if p.percent {
            format!("{y:.2}%")
        } else if *y >= 10_000.0 {
            format!("{:.0}k", y / 1000.0)
        } else {
            format!("{y:.0}")
        }
    };
    chart
        .configure_mesh()
        .x_desc(format!("time since start ({unit_name})"))
        .y_desc(&p.y_label)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&y_fmt)
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 16))
        .bold_line_style(BLACK.mix(0.08))
        .light_line_style(TRANSPARENT)
        .draw()
        .map_err(err)?;
    for b in &p.bands {
        let (a, z) = (b.from_s / unit, (b.to_s / unit).max(b.from_s / unit));
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(a, 0.0), (z, ymax)],
                FAULT_RED.mix(0.13).filled(),
            )))
            .map_err(err)?;
        // One line per `\n`-separated part, so merged windows stay inside the plot.
        for (k, line) in b.label.split('\n').enumerate() {
            let style = (FONT, 14).into_font().color(&FAULT_RED);
            let text = Text::new(line.to_string(), (4, 4 + 14 * k as i32), style);
            chart
                .draw_series(std::iter::once(EmptyElement::at((a, ymax)) + text))
                .map_err(err)?;
        }
    }
    for s in &p.series {
        let c = s.colour;
        let style = ShapeStyle {
            color: c.to_rgba(),
            filled: false,
            stroke_width: 2,
        };
        let pts = s.points.iter().map(|&(x, y)| (x / unit, y));
        chart
            .draw_series(LineSeries::new(pts, style))
            .map_err(err)?
            .label(&s.label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], c.filled()));
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
    } else {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .label_font((FONT, 15))
            .draw()
            .map_err(err)?;
    }
    Ok(())
}

/// One CDF curve with its quantiles marked.
#[derive(Clone, Debug)]
pub struct Curve {
    /// Legend text.
    pub label: String,
    /// Stroke colour.
    pub colour: RGBColor,
    /// (latency seconds, fraction delivered within it), increasing.
    pub points: Vec<(f64, f64)>,
    /// Quantiles marked with a dot: (name such as `p99`, seconds, fraction).
    pub marks: Vec<(&'static str, f64, f64)>,
    /// The points are a few quantiles joined by straight lines (drawn dashed), not a histogram.
    pub interpolated: bool,
}

/// A latency CDF chart.
#[derive(Clone, Debug, Default)]
pub struct Cdf {
    /// Title.
    pub title: String,
    /// Caption under the title (how the curves were obtained).
    pub note: String,
    /// The curves.
    pub curves: Vec<Curve>,
}

/// Tick values of the log time axis, seconds: round durations people read at a glance.
const TICKS: [f64; 16] = [
    0.001,
    0.01,
    0.1,
    1.0,
    10.0,
    60.0,
    600.0,
    3600.0,
    6.0 * 3600.0,
    86_400.0,
    2.0 * 86_400.0,
    5.0 * 86_400.0,
    10.0 * 86_400.0,
    30.0 * 86_400.0,
    100.0 * 86_400.0,
    400.0 * 86_400.0,
];

/// `100 ms`, `10 s`, `10 min`, `6 h`, `2 d`: a tick of the log time axis.
fn tick_label(s: f64) -> String {
    match s {
        s if s < 1.0 => format!("{:.0} ms", s * 1000.0),
        s if s < 60.0 => format!("{s:.0} s"),
        s if s < 3600.0 => format!("{:.0} min", s / 60.0),
        s if s < 86_400.0 => format!("{:.0} h", s / 3600.0),
        s => format!("{:.0} d", s / 86_400.0),
    }
}

/// Renders a latency CDF on a log time axis, 1000×520 px. X is drawn as log10(seconds) so the
/// ticks can be round durations (1 s, 1 min, 1 h, 1 d) rather than powers of ten.
pub fn cdf(c: &Cdf) -> Result<String, String> {
    let xs = c
        .curves
        .iter()
        .flat_map(|k| k.points.iter().map(|p| p.0))
        .filter(|x| *x > 0.0 && x.is_finite());
    let (lo, hi) = xs.fold((f64::INFINITY, 0.0f64), |(l, h), x| (l.min(x), h.max(x)));
    let (lo, hi) = if hi > 0.0 {
        ((lo / 2.0).log10(), (hi * 2.0).max(lo * 10.0).log10())
    } else {
        (-2.0, 2.0)
    };
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (WIDTH, 520)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let root = root.titled(&c.title, (FONT, 26)).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(&c.note, (FONT, 16))
            .margin(8)
            .margin_right(24)
            .x_label_area_size(38)
            .y_label_area_size(72)
            .build_cartesian_2d(lo..hi, 0f64..1.02)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .x_desc("delivery latency (log scale)")
            .y_desc("share delivered within")
            .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 16))
            .bold_line_style(BLACK.mix(0.08))
            .light_line_style(TRANSPARENT)
            .draw()
            .map_err(err)?;
        for &secs_t in TICKS.iter().filter(|t| (lo..=hi).contains(&t.log10())) {
            let t = secs_t.log10();
            let grid = PathElement::new(vec![(t, 0.0), (t, 1.02)], BLACK.mix(0.08));
            let style = (FONT, 15).into_font().color(&BLACK);
            let tick = EmptyElement::at((t, 0.0)) + Text::new(tick_label(secs_t), (-12, 6), style);
            chart.draw_series(std::iter::once(grid)).map_err(err)?;
            chart.draw_series(std::iter::once(tick)).map_err(err)?;
        }
        for q in [0.5, 0.95, 0.99] {
            let line = PathElement::new(vec![(lo, q), (hi, q)], BLACK.mix(0.25));
            chart.draw_series(std::iter::once(line)).map_err(err)?;
            let name = format!("p{:.0}", q * 100.0);
            let style = (FONT, 14).into_font().color(&BLACK.mix(0.7));
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((lo, q)) + Text::new(name, (4, -14), style),
                ))
                .map_err(err)?;
        }
        for k in &c.curves {
            let col = k.colour;
            let style = ShapeStyle {
                color: col.to_rgba(),
                filled: false,
                stroke_width: 2,
            };
            let pts: Vec<(f64, f64)> = k
                .points
                .iter()
                .filter(|p| p.0 > 0.0)
                .map(|&(x, q)| (x.log10(), q))
                .collect();
            let drawn = if k.interpolated {
                chart.draw_series(DashedLineSeries::new(pts, 8, 5, style))
            } else {
                chart.draw_series(LineSeries::new(pts, style))
            };
            drawn
                .map_err(err)?
                .label(&k.label)
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], col.filled()));
            let marks = k
                .marks
                .iter()
                .filter(|m| m.1 > 0.0)
                .map(|&(_, x, q)| Circle::new((x.log10(), q), 4, col.filled()));
            chart.draw_series(marks).map_err(err)?;
        }
        if c.curves.is_empty() {
            let style = (FONT, 16).into_font().color(&BLACK.mix(0.6));
            chart
                .draw_series(std::iter::once(Text::new(
                    "no deliveries",
                    ((lo + hi) / 2.0, 0.55),
                    style,
                )))
                .map_err(err)?;
        } else {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerRight)
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.3))
                .label_font((FONT, 15))
                .draw()
                .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(buf)
}
