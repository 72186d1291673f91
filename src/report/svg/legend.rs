//! A chart's legend, drawn in a strip under its plot (never over the data): a swatch and a text
//! per entry, in as many rows as the width needs.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::diagram::text_width;

const FONT: &str = "sans-serif";
/// Legend text size, pixels.
pub const SIZE: f64 = 14.0;
/// Height of one row, pixels.
const ROW: u32 = 22;
const SWATCH: i32 = 24;
const GAP: f64 = 26.0;
const LEFT: f64 = 72.0;

/// What an entry's swatch looks like.
#[derive(Clone, Debug)]
pub enum Swatch {
    /// A line, solid or dashed.
    Line(RGBColor, bool),
    /// A shaded band (a fault window).
    Band(RGBColor, f64),
    /// A dot (a marked point).
    Dot(RGBColor),
    /// A short tag, as written on the plot (a band's number).
    Tag(String, RGBColor),
}

/// One legend entry.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Its swatch.
    pub swatch: Swatch,
    /// Its text.
    pub text: String,
}

fn entry_width(e: &Entry) -> f64 {
    let swatch = match &e.swatch {
        Swatch::Tag(t, _) => text_width(t, SIZE, true) + 6.0,
        _ => f64::from(SWATCH) + 6.0,
    };
    swatch + text_width(&e.text, SIZE, false) + GAP
}

/// (row, x) of every entry within `width` pixels.
fn positions(entries: &[Entry], width: f64) -> Vec<(u32, f64)> {
    let mut out = Vec::with_capacity(entries.len());
    let (mut row, mut x) = (0u32, LEFT);
    for e in entries {
        let w = entry_width(e);
        if x + w > width - 8.0 && x > LEFT {
            row += 1;
            x = LEFT;
        }
        out.push((row, x));
        x += w;
    }
    out
}

/// Height the legend needs at `width` pixels (0 when empty).
pub fn height(entries: &[Entry], width: f64) -> u32 {
    match positions(entries, width).last() {
        Some((rows, _)) => (rows + 1) * ROW + 8,
        None => 0,
    }
}

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// Draws the legend into `area` (as tall as [`height`] said).
pub fn draw(area: &DrawingArea<SVGBackend<'_>, Shift>, entries: &[Entry]) -> Result<(), String> {
    let width = f64::from(area.dim_in_pixel().0);
    for (e, (row, x)) in entries.iter().zip(positions(entries, width)) {
        let (x, y) = (x as i32, (row * ROW) as i32 + 12);
        let text_x = match &e.swatch {
            Swatch::Line(c, dashed) => {
                if *dashed {
                    for k in 0..3 {
                        let a = x + k * 9;
                        area.draw(&PathElement::new(
                            vec![(a, y), (a + 6, y)],
                            c.stroke_width(3),
                        ))
                        .map_err(err)?;
                    }
                } else {
                    area.draw(&PathElement::new(
                        vec![(x, y), (x + SWATCH, y)],
                        c.stroke_width(3),
                    ))
                    .map_err(err)?;
                }
                x + SWATCH + 6
            }
            Swatch::Band(c, alpha) => {
                area.draw(&Rectangle::new(
                    [(x, y - 7), (x + SWATCH, y + 7)],
                    c.mix(*alpha).filled(),
                ))
                .map_err(err)?;
                x + SWATCH + 6
            }
            Swatch::Dot(c) => {
                area.draw(&Circle::new((x + SWATCH / 2, y), 5, c.filled()))
                    .map_err(err)?;
                x + SWATCH + 6
            }
            Swatch::Tag(t, c) => {
                let style = (FONT, SIZE).into_font().style(FontStyle::Bold).color(c);
                area.draw(&Text::new(t.clone(), (x, y - 8), style))
                    .map_err(err)?;
                x + text_width(t, SIZE, true) as i32 + 6
            }
        };
        let style = (FONT, SIZE).into_font().color(&BLACK.mix(0.85));
        area.draw(&Text::new(e.text.clone(), (text_x, y - 8), style))
            .map_err(err)?;
    }
    Ok(())
}
