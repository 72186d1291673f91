//! Drawing primitives of hand-written SVG diagrams: escaped text, boxes, labelled arrows.

use std::fmt::Write;

use super::{FAULT_RED, hex};

/// Width of a box, pixels.
pub const BOX_W: f64 = 230.0;

/// Escapes text for XML content and attributes.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A box of the diagram: a node or a domain's mailboxes.
pub struct Block {
    /// Centre x.
    pub x: f64,
    /// Centre y.
    pub y: f64,
    /// Height.
    pub h: f64,
    /// Text lines, bold or not.
    pub lines: Vec<(String, bool)>,
    /// Border colour.
    pub stroke: String,
    /// Drawn in red (a fault or an alert).
    pub red: bool,
}

/// Draws a box with its lines of text.
pub fn block(out: &mut String, b: &Block) {
    let stroke = if b.red {
        hex(FAULT_RED)
    } else {
        b.stroke.clone()
    };
    let fill = if b.red { "#FDECEA" } else { "#FAFAFA" };
    let _ = write!(
        out,
        r##"<g class="block{}"><rect x="{:.1}" y="{:.1}" width="{BOX_W}" height="{:.1}" rx="8" fill="{fill}" stroke="{stroke}" stroke-width="{}"/>"##,
        if b.red { " fault" } else { "" },
        b.x - BOX_W / 2.0,
        b.y - b.h / 2.0,
        b.h,
        if b.red { 3 } else { 2 }
    );
    for (k, (text, bold)) in b.lines.iter().enumerate() {
        let (size, weight) = if *bold { (15, "bold") } else { (12, "normal") };
        let _ = write!(
            out,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="{size}" font-weight="{weight}">{}</text>"##,
            b.x,
            b.y - b.h / 2.0 + 24.0 + 16.0 * k as f64,
            esc(text)
        );
    }
    out.push_str("</g>");
}

/// Where the segment from the centre of `b` towards `(dx, dy)` leaves its box.
fn exit(b: &Block, dx: f64, dy: f64) -> f64 {
    let tx = if dx.abs() > 1e-9 {
        (BOX_W / 2.0 + 4.0) / dx.abs()
    } else {
        f64::INFINITY
    };
    let ty = if dy.abs() > 1e-9 {
        (b.h / 2.0 + 4.0) / dy.abs()
    } else {
        f64::INFINITY
    };
    tx.min(ty)
}

/// Draws an arrow from box `a` to box `b`, shifted `offset` px to its right, with a label.
pub fn arrow(
    out: &mut String,
    a: &Block,
    b: &Block,
    offset: f64,
    colour: &str,
    dash: &str,
    label: &[String],
) {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len = (dx * dx + dy * dy).sqrt();
    if len < 1.0 {
        return;
    }
    let (ux, uy) = (dx / len, dy / len);
    let (px, py) = (-uy * offset, ux * offset);
    let (t0, t1) = (exit(a, ux, uy), len - exit(b, -ux, -uy));
    if t1 <= t0 {
        return;
    }
    let (x1, y1, x2, y2) = (
        a.x + ux * t0 + px,
        a.y + uy * t0 + py,
        a.x + ux * t1 + px,
        a.y + uy * t1 + py,
    );
    let marker = if dash == "2 3" {
        String::new()
    } else {
        format!(
            r##" marker-end="url(#arrow-{})""##,
            colour.trim_start_matches('#')
        )
    };
    let _ = write!(
        out,
        r##"<line class="edge" x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}"{marker}/>"##
    );
    let (mx, my) = ((x1 + x2) / 2.0 + px.signum() * 4.0, (y1 + y2) / 2.0);
    let n = label.len() as f64;
    // Labels sit on the side the line was offset to, so opposite connectors do not collide:
    // beside a vertical line, above or below a horizontal one.
    let first = if uy.abs() > 0.7 {
        my - 7.0 * (n - 1.0)
    } else if py < 0.0 {
        my - 8.0 - 14.0 * (n - 1.0)
    } else {
        my + 16.0
    };
    let anchor = if uy.abs() > 0.7 {
        if px >= 0.0 { "start" } else { "end" }
    } else {
        "middle"
    };
    let lx = if uy.abs() > 0.7 {
        mx + px.signum() * 6.0
    } else {
        mx
    };
    for (k, text) in label.iter().enumerate() {
        let _ = write!(
            out,
            r##"<text x="{lx:.1}" y="{:.1}" text-anchor="{anchor}" font-size="12" fill="{}" stroke="white" stroke-width="3" paint-order="stroke">{}</text>"##,
            first + 14.0 * k as f64,
            if k == 0 { colour } else { "#333333" },
            esc(text)
        );
    }
}
