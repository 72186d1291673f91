//! The fit chart: observed and fitted arrivals per hour of week, one panel per stream, drawn with plotters into an SVG string.

use plotters::prelude::*;

use super::report::FitReport;

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const OBSERVED: RGBColor = RGBColor(31, 119, 180);
const FITTED: RGBColor = RGBColor(214, 39, 40);

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// Renders the chart (about 1000 px wide, 260 px per stream).
pub(super) fn hourly_chart(r: &FitReport) -> Result<String, String> {
    let panels = r.streams.len().max(1);
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (1000, 60 + 260 * panels as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let root = root
            .titled(
                "Arrivals per hour of week: observed (blue) and fitted (red)",
                ("sans-serif", 22),
            )
            .map_err(err)?;
        let areas = root.split_evenly((panels, 1));
        for ((area, s), observed) in areas.iter().zip(&r.streams).zip(&r.observed) {
            let fitted = &s.profile.fitted;
            let top = observed
                .iter()
                .map(|c| *c as f64)
                .chain(fitted.iter().copied())
                .fold(1.0, f64::max)
                * 1.15;
            let caption = format!(
                "{}: {} messages, chi-square {:.1} on {} dof (p = {:.3})",
                s.name, s.messages, s.profile.chi_square, s.profile.dof, s.profile.p_value
            );
            let mut chart = ChartBuilder::on(area)
                .caption(caption, ("sans-serif", 16))
                .margin(8)
                .x_label_area_size(28)
                .y_label_area_size(56)
                .build_cartesian_2d(0f64..168f64, 0f64..top)
                .map_err(err)?;
            chart
                .configure_mesh()
                .x_labels(8)
                .x_label_formatter(&|x| {
                    DAYS.get((*x / 24.0) as usize)
                        .map_or(String::new(), |d| d.to_string())
                })
                .y_desc("messages")
                .draw()
                .map_err(err)?;
            // Steps: each bin drawn flat over its hour.
            let steps = |values: &mut dyn Iterator<Item = f64>| -> Vec<(f64, f64)> {
                values
                    .enumerate()
                    .flat_map(|(i, v)| [(i as f64, v), (i as f64 + 1.0, v)])
                    .collect()
            };
            chart
                .draw_series(LineSeries::new(
                    steps(&mut observed.iter().map(|c| *c as f64)),
                    &OBSERVED,
                ))
                .map_err(err)?;
            chart
                .draw_series(LineSeries::new(
                    steps(&mut fitted.iter().copied()),
                    FITTED.stroke_width(2),
                ))
                .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}
