//! The latency CDF: share of delivered messages within a latency, on a log time axis with
//! round ticks (1 s, 1 min, 1 h, 1 d), quantiles marked, the legend under the plot.

use plotters::prelude::*;

use super::chart::WIDTH;
use super::legend::{self, Entry, Swatch};

const FONT: &str = "sans-serif";
/// Height of the plot, pixels.
const PLOT_H: u32 = 470;

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
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

/// Renders a latency CDF on a log time axis, 1000 px wide. X is drawn as log10(seconds) so the
/// ticks can be round durations (1 s, 1 min, 1 h, 1 d) rather than powers of ten.
pub fn cdf(c: &Cdf) -> Result<String, String> {
    let entries: Vec<Entry> = c
        .curves
        .iter()
        .map(|k| Entry {
            swatch: Swatch::Line(k.colour, k.interpolated),
            text: k.label.clone(),
        })
        .collect();
    let legend_h = legend::height(&entries, f64::from(WIDTH));
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
        let root =
            SVGBackend::with_string(&mut buf, (WIDTH, 50 + PLOT_H + legend_h)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let titled = root.titled(&c.title, (FONT, 26)).map_err(err)?;
        let (plot, strip) = titled.split_vertically(PLOT_H);
        legend::draw(&strip, &entries)?;
        let mut chart = ChartBuilder::on(&plot)
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
            .x_desc("delivery latency (time, log scale)")
            .y_desc("share of delivered messages within (%)")
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
            drawn.map_err(err)?;
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
        }
        root.present().map_err(err)?;
    }
    Ok(buf)
}
