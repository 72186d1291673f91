//! Primitives of hand-written SVG diagrams: escaped text and the width text takes, estimated
//! generously from the glyph widths of DejaVu Sans (the common `sans-serif`), so boxes sized
//! from it hold their text in a browser.

/// Escapes text for XML content and attributes.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Advance of one character in ems (DejaVu Sans, rounded up).
fn advance(c: char) -> f64 {
    match c {
        ' ' | 'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' => 0.34,
        'f' | 't' | 'r' | '(' | ')' | '[' | ']' | '-' | '/' => 0.45,
        'm' | 'w' | 'M' | 'W' | '%' | '@' | '—' | '→' | '≈' | '×' => 0.95,
        c if c.is_ascii_uppercase() => 0.74,
        c if c.is_ascii_digit() => 0.66,
        c if c.is_ascii() => 0.64,
        _ => 0.9,
    }
}

/// Width in pixels `text` takes at `size` px, bold or not (an upper estimate).
pub fn text_width(text: &str, size: f64, bold: bool) -> f64 {
    let ems: f64 = text.chars().map(advance).sum();
    ems * size * if bold { 1.1 } else { 1.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_glyphs_take_more_room_than_narrow_ones() {
        assert!(text_width("mmmm", 12.0, false) > text_width("iiii", 12.0, false));
        assert!(text_width("eop", 14.0, true) > text_width("eop", 14.0, false));
        assert_eq!(esc("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
