//! Numbers for people, the same on the console, the page and the charts: thousands separators,
//! durations such as `4h46m`, times of the run such as `1d09h12m`, percentages with sensible
//! decimals, singular and plural, and text wrapped to the terminal.

/// Formats a count with thousands separators: `1,234,567`.
pub fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A non-negative number with thousands separators and `decimals` decimals: `2,024.9`.
pub fn number(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    let text = format!("{:.decimals$}", x.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let sign = if x < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "-"
    } else {
        ""
    };
    let int = count(int.parse().unwrap_or(0));
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

/// Formats a duration in seconds for people: `850ms`, `12.4s`, `3m20s`, `5h02m`, `1d04h`.
pub fn secs(s: f64) -> String {
    if !s.is_finite() {
        return "-".into();
    }
    if s < 0.0 {
        return format!("-{}", secs(-s));
    }
    if s < 1.0 {
        format!("{:.0}ms", s * 1000.0)
    } else if s < 60.0 {
        format!("{s:.1}s")
    } else if s < 3600.0 {
        format!("{}m{:02}s", (s / 60.0) as u64, (s % 60.0) as u64)
    } else if s < 86_400.0 {
        format!(
            "{}h{:02}m",
            (s / 3600.0) as u64,
            ((s % 3600.0) / 60.0) as u64
        )
    } else {
        format!(
            "{}d{:02}h",
            (s / 86_400.0) as u64,
            ((s % 86_400.0) / 3600.0) as u64
        )
    }
}

/// A time of the run (seconds since its start) to the minute: `45m`, `13h04m`, `1d09h12m`.
pub fn at(s: f64) -> String {
    if !s.is_finite() || s < 0.0 {
        return "-".into();
    }
    let m = (s / 60.0).floor() as u64;
    let (d, h, m) = (m / 1440, (m % 1440) / 60, m % 60);
    match (d, h) {
        (0, 0) => format!("{m}m"),
        (0, _) => format!("{h}h{m:02}m"),
        _ => format!("{d}d{h:02}h{m:02}m"),
    }
}

/// A share (0..1) as a percentage with two significant digits below 1 % and one decimal above:
/// `0%`, `0.0012%`, `0.12%`, `2.0%`, `35.4%`.
pub fn percent(share: f64) -> String {
    if !share.is_finite() {
        return "-".into();
    }
    let p = share * 100.0;
    if p == 0.0 {
        return "0%".into();
    }
    if p.abs() >= 1.0 {
        return format!("{p:.1}%");
    }
    let decimals = ((-p.abs().log10()).floor() as usize + 2).min(6);
    format!("{p:.decimals$}%")
}

/// A metric's value in its unit: a duration, a percentage or a number (with two significant
/// decimals below 10, one below 100).
pub fn metric_value(m: &crate::experiment::slo::Metric, v: f64) -> String {
    if m.is_time() {
        secs(v)
    } else if m.is_fraction() {
        percent(v)
    } else if v.fract() == 0.0 || v.abs() >= 100.0 {
        number(v, 0)
    } else if v.abs() >= 10.0 {
        number(v, 1)
    } else {
        number(v, 2)
    }
}

/// A 95% confidence interval of a quantity that cannot be negative, as `[lo, hi]`: a lower bound
/// below zero (Student's t around a small mean) is written as 0.
pub fn interval(ci95: [f64; 2], show: impl Fn(f64) -> String) -> String {
    format!("[{}, {}]", show(ci95[0].max(0.0)), show(ci95[1]))
}

/// An SLO's verdict in words: `SLO latency.p99<10s: met (value 9.7s)`; with replications the
/// pessimistic bound of the CI decides.
pub fn slo_line(r: &crate::experiment::summary::SloResult, replicated: bool) -> String {
    let value = match crate::experiment::slo::Slo::parse(&r.expr, None) {
        Ok(slo) => metric_value(&slo.metric, r.value),
        Err(_) => r.value.to_string(),
    };
    let bound = if replicated {
        "pessimistic CI bound"
    } else {
        "value"
    };
    let verdict = if r.met { "met" } else { "MISSED" };
    format!("SLO {}: {verdict} ({bound} {value})", r.expr)
}

/// `1 fault`, `2 faults`, `1,500 messages`.
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", count(n), if n == 1 { one } else { many })
}

/// The console width: `COLUMNS` when set to a number of at least 40, else 100.
pub fn width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|w| *w >= 40)
        .unwrap_or(100)
}

/// Wraps `text` to `width` columns: the first line starts with `first`, the following ones
/// with `rest` (usually spaces as wide as `first`). Words longer than a line stay whole.
pub fn wrap(text: &str, width: usize, first: &str, rest: &str) -> String {
    let mut out = String::new();
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        let len = line.chars().count() + usize::from(!empty) + word.chars().count();
        if !empty && len > width {
            out += line.trim_end();
            out.push('\n');
            line = rest.to_string();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line += word;
        empty = false;
    }
    out += line.trim_end();
    out.push('\n');
    out
}

/// Appends `x` to `out` exactly as `format!("{x:.1}")` writes it; see [`Tenths`].
pub fn push_tenths(out: &mut String, x: f64) {
    use std::fmt::Write;
    let _ = write!(out, "{}", Tenths(x));
}

/// `x` displayed exactly as `{:.1}` displays it (the exact value rounded to tenths, ties to
/// even; a negative value keeps its sign even when it rounds to zero), without the general
/// float formatter: a topology drawing writes tens of thousands of coordinates.
#[derive(Clone, Copy, Debug)]
pub struct Tenths(pub f64);

impl std::fmt::Display for Tenths {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut buf = [0u8; TENTHS_BYTES];
        match tenths(self.0, &mut buf) {
            Some(text) => f.write_str(text),
            None => write!(f, "{:.1}", self.0),
        }
    }
}

/// Room for a sign, 16 digits below 2^53, the point and the tenth.
const TENTHS_BYTES: usize = 20;

/// `x` rounded to tenths as text in `buf`; `None` for what is left to the general formatter
/// (not finite, or 2^53 and above, where every double is an integer).
fn tenths(x: f64, buf: &mut [u8; TENTHS_BYTES]) -> Option<&str> {
    const EXACT_BELOW: f64 = 9_007_199_254_740_992.0;
    if !x.is_finite() || x.abs() >= EXACT_BELOW {
        return None;
    }
    // x = ±m·2^e exactly; the tenths are 10·m·2^e rounded half to even.
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    let (m, e) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | 1 << 52, biased - 1075)
    };
    let tenths = if e >= 0 {
        // Only e = 0 is below 2^53.
        (m << e) * 10
    } else if -e >= 100 {
        // 10·m < 2^57, far below half of 2^100: rounds to zero.
        0
    } else {
        let shift = (-e) as u32;
        let scaled = u128::from(m) * 10;
        let whole = scaled >> shift;
        let rest = scaled - (whole << shift);
        let half = 1u128 << (shift - 1);
        let up = rest > half || (rest == half && whole & 1 == 1);
        (whole + u128::from(up)) as u64
    };
    // Written from the end: the tenth, the point, the integer part, the sign.
    let mut i = TENTHS_BYTES - 1;
    buf[i] = b'0' + (tenths % 10) as u8;
    i -= 1;
    buf[i] = b'.';
    let mut n = tenths / 10;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if bits >> 63 == 1 {
        i -= 1;
        buf[i] = b'-';
    }
    std::str::from_utf8(&buf[i..]).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_like_a_person_writes_them() {
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(12), "12");
        assert_eq!(number(2024.94, 1), "2,024.9");
        assert_eq!(number(-0.04, 1), "0.0");
        assert_eq!(secs(0.25), "250ms");
        assert_eq!(secs(200.0), "3m20s");
        assert_eq!(secs(90_000.0), "1d01h");
        assert_eq!(at(33.0 * 3600.0 + 12.0 * 60.0 + 5.0), "1d09h12m");
        assert_eq!(at(45.0 * 60.0), "45m");
        assert_eq!(percent(0.019869), "2.0%");
        assert_eq!(percent(0.001224), "0.12%");
        assert_eq!(percent(0.0000123), "0.0012%");
        assert_eq!(percent(0.0), "0%");
        assert_eq!(plural(1, "fault", "faults"), "1 fault");
        assert_eq!(plural(1500, "message", "messages"), "1,500 messages");
    }

    #[test]
    fn long_text_wraps_under_the_width_with_a_hanging_indent() {
        let text = "Allow the sending service's addresses on TCP 25 in the destination's firewall";
        let w = wrap(text, 30, "  fix: ", "       ");
        assert!(w.lines().all(|l| l.chars().count() <= 30), "{w}");
        assert!(w.starts_with("  fix: Allow") && w.lines().nth(1).unwrap().starts_with("       "));
        assert_eq!(
            w.split_whitespace().count(),
            text.split_whitespace().count() + 1
        );
    }

    #[test]
    fn tenths_are_written_as_the_formatter_writes_them() {
        let mut cases = vec![
            0.0,
            -0.0,
            0.05,
            0.15,
            0.25,
            0.35,
            -0.25,
            -0.04,
            0.95,
            9.95,
            99.95,
            1.0,
            12.34,
            -12.35,
            1e-300,
            -1e-300,
            5e-324,
            123456.75,
            4503599627370495.5,
            9007199254740991.0,
            9007199254740992.0,
            1e20,
            -1e20,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            f64::MIN_POSITIVE,
        ];
        // Every kind of double: random bit patterns, and coordinates as drawings have them.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for i in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            cases.push(f64::from_bits(state));
            cases.push((state % 2_000_000) as f64 / 1000.0 - 500.0);
            cases.push(f64::from(i) * 0.05);
        }
        for x in cases {
            let mut out = String::from("x=");
            push_tenths(&mut out, x);
            assert_eq!(out, format!("x={x:.1}"), "{x:e} ({:#x})", x.to_bits());
            assert_eq!(Tenths(x).to_string(), format!("{x:.1}"), "{x:e}");
        }
    }
}
