//! Reading Exchange and Postfix value notations (TimeSpan, ByteQuantifiedSize, `300s`) and writing scenario units (`2d`, `36MB`).

/// A limit that Exchange may set to `Unlimited`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Limit {
    /// A number.
    Value(u64),
    /// `Unlimited`.
    Unlimited,
}

/// Parses a .NET TimeSpan as PowerShell prints it: `1.00:00:00`, `12:00:00`, `00:05:00.5000000`.
/// Returns whole seconds (fractions are rounded down: Exchange settings are whole seconds).
pub(super) fn parse_timespan(text: &str) -> Option<u64> {
    let text = text.trim();
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if negative || text.is_empty() {
        return None;
    }
    let (days, clock) = match text.split_once('.') {
        // `d.hh:mm:ss` has its dot before the first colon; `hh:mm:ss.fff` after it.
        Some((d, rest)) if !d.contains(':') => (d.parse::<u64>().ok()?, rest),
        _ => (0, text),
    };
    let clock = clock.split('.').next().unwrap_or(clock);
    let parts: Vec<&str> = clock.split(':').collect();
    if parts.len() != 3 {
        // A bare day count (`2`) is how TimeSpan prints whole days in some cultures.
        return if parts.len() == 1 && days == 0 {
            parts[0].parse::<u64>().ok().map(|d| d * 86_400)
        } else {
            None
        };
    }
    let h: u64 = parts[0].parse().ok()?;
    let m: u64 = parts[1].parse().ok()?;
    let s: u64 = parts[2].parse().ok()?;
    if h > 23 || m > 59 || s > 59 {
        return None;
    }
    Some(days * 86_400 + h * 3_600 + m * 60 + s)
}

/// Parses an Exchange ByteQuantifiedSize: `36 MB (37,748,736 bytes)`, `10 MB`, `Unlimited`, `25600KB`.
pub(super) fn parse_byte_size(text: &str) -> Option<Limit> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("unlimited") {
        return Some(Limit::Unlimited);
    }
    // The exact byte count in parentheses wins over the rounded figure before it.
    if let Some(open) = text.find('(') {
        let inner = &text[open + 1..];
        let digits: String = inner
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == ',')
            .filter(char::is_ascii_digit)
            .collect();
        if !digits.is_empty() && inner.contains("bytes") {
            return digits.parse().ok().map(Limit::Value);
        }
    }
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(text.len());
    let number: f64 = text[..split].replace(',', "").parse().ok()?;
    let factor = match text[split..].trim().to_ascii_uppercase().as_str() {
        "" | "B" | "BYTES" => 1.0,
        "KB" => 1024.0,
        "MB" => 1024.0 * 1024.0,
        "GB" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    Some(Limit::Value((number * factor).round() as u64))
}

/// Parses a Postfix time value: `300s`, `5d`, `1h`, `4000` (seconds when no unit).
pub(super) fn parse_postfix_time(text: &str, default_unit: char) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let n: u64 = text[..split].parse().ok()?;
    let unit = text[split..].chars().next().unwrap_or(default_unit);
    if text.len() > split + unit.len_utf8() {
        return None;
    }
    let factor = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        'w' => 604_800,
        _ => return None,
    };
    Some(n * factor)
}

/// Writes seconds as a scenario duration: `2d`, `12h`, `1h30m`, `300s`.
pub(super) fn duration(secs: u64) -> String {
    if secs == 0 {
        return "0s".into();
    }
    // Postfix settings read best in the seconds they were written in, unless whole minutes.
    let mut out = String::new();
    let mut rest = secs;
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if rest >= size {
            out.push_str(&format!("{}{}", rest / size, unit));
            rest %= size;
        }
    }
    out
}

/// Writes bytes as a scenario size: whole MB (1,000,000 B) when exact, else KB, else B.
pub(super) fn size(bytes: u64) -> String {
    if bytes >= 1_000_000 && bytes.is_multiple_of(1_000_000) {
        format!("{}MB", bytes / 1_000_000)
    } else if bytes >= 1_048_576 && bytes.is_multiple_of(1_048_576) {
        format!("{}MiB", bytes / 1_048_576)
    } else if bytes >= 1_000 && bytes.is_multiple_of(1_000) {
        format!("{}KB", bytes / 1_000)
    } else if bytes >= 1_024 && bytes.is_multiple_of(1_024) {
        format!("{}KiB", bytes / 1_024)
    } else {
        format!("{bytes}B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timespans_in_every_printed_form() {
        assert_eq!(parse_timespan("1.00:00:00"), Some(86_400));
        assert_eq!(parse_timespan("12:00:00"), Some(43_200));
        assert_eq!(parse_timespan("2.00:00:00"), Some(172_800));
        assert_eq!(parse_timespan("00:05:00.5000000"), Some(300));
        assert_eq!(parse_timespan("1.02:03:04"), Some(93_784));
        assert_eq!(parse_timespan("25:00:00"), None);
        assert_eq!(parse_timespan("soon"), None);
        assert_eq!(parse_timespan("-00:01:00"), None);
    }

    #[test]
    fn byte_sizes_prefer_the_exact_count() {
        assert_eq!(
            parse_byte_size("36 MB (37,748,736 bytes)"),
            Some(Limit::Value(37_748_736))
        );
        assert_eq!(parse_byte_size("Unlimited"), Some(Limit::Unlimited));
        assert_eq!(parse_byte_size("10 MB"), Some(Limit::Value(10_485_760)));
        assert_eq!(parse_byte_size("512"), Some(Limit::Value(512)));
        assert_eq!(parse_byte_size("ten"), None);
    }

    #[test]
    fn postfix_times_take_a_default_unit() {
        assert_eq!(parse_postfix_time("300s", 's'), Some(300));
        assert_eq!(parse_postfix_time("5d", 's'), Some(432_000));
        assert_eq!(parse_postfix_time("4000", 's'), Some(4_000));
        assert_eq!(parse_postfix_time("2", 'd'), Some(172_800));
        assert_eq!(parse_postfix_time("5dd", 's'), None);
    }

    #[test]
    fn durations_and_sizes_are_written_in_scenario_units() {
        assert_eq!(duration(172_800), "2d");
        assert_eq!(duration(5_400), "1h30m");
        assert_eq!(duration(300), "5m");
        assert_eq!(duration(4_000), "1h6m40s");
        assert_eq!(size(26_214_400), "25MiB");
        assert_eq!(size(37_748_736), "36MiB");
        assert_eq!(size(10_240_000), "10240KB");
        assert_eq!(size(25_000_000), "25MB");
    }
}
