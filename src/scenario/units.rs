//! Unit values as scenarios spell them: durations, rates, sizes and shares.

use crate::time::SimDuration;

/// What a duration should look like, for error messages.
pub const DURATION_FORM: &str =
    "expected a duration such as `90s`, `5m`, `1h30m` or `2d` (units: us, ms, s, m, h, d)";
/// What a rate should look like, for error messages.
pub const RATE_FORM: &str =
    "expected a rate such as `20/s`, `1200/m`, `50000/h` or `1.2M/d` (k and M suffixes allowed)";
/// What a size should look like, for error messages.
pub const SIZE_FORM: &str = "expected a size such as `512B`, `75KB`, `25MB` or `1GiB` (units: B, KB, MB, GB, KiB, MiB, GiB)";
/// What a share should look like, for error messages.
pub const SHARE_FORM: &str = "expected a share: a number between 0 and 1 such as `0.25`";

/// A number as written: digits before and after the decimal point, kept exact.
struct Decimal<'a> {
    int: &'a str,
    frac: &'a str,
}

/// Splits a leading unsigned decimal number (`12`, `1.5`, `.5`) from `s`.
fn split_number(s: &str) -> Option<(Decimal<'_>, &str)> {
    let int_end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (int, rest) = s.split_at(int_end);
    let (frac, rest) = match rest.strip_prefix('.') {
        Some(r) => {
            let end = r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
            r.split_at(end)
        }
        None => ("", rest),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    Some((Decimal { int, frac }, rest))
}

impl Decimal<'_> {
    /// `self × scale`, rounded to the nearest integer; `None` on overflow.
    fn times(&self, scale: u128) -> Option<u128> {
        let int: u128 = if self.int.is_empty() {
            0
        } else {
            self.int.parse().ok()?
        };
        let whole = int.checked_mul(scale)?;
        // Digits past the 20th cannot change the result at any scale we use.
        let frac = &self.frac[..self.frac.len().min(20)];
        if frac.is_empty() {
            return Some(whole);
        }
        let digits: u128 = frac.parse().ok()?;
        let denom = 10u128.checked_pow(frac.len() as u32)?;
        let part = (digits.checked_mul(scale)? + denom / 2) / denom;
        whole.checked_add(part)
    }

    fn as_f64(&self) -> Option<f64> {
        let text = format!(
            "{}.{}",
            if self.int.is_empty() { "0" } else { self.int },
            self.frac
        );
        text.trim_end_matches('.').parse().ok()
    }
}

/// Rejects a leading minus with a clear message.
fn reject_negative(s: &str, what: &str) -> Result<(), String> {
    if s.starts_with('-') {
        return Err(format!("{what} cannot be negative: `{s}`"));
    }
    Ok(())
}

/// Parses a duration (`250ms`, `90s`, `1h30m`, `1.5h`, `2d`, `0`) into microseconds.
pub fn parse_duration(text: &str) -> Result<SimDuration, String> {
    let s = text.trim();
    reject_negative(s, "a duration")?;
    if s == "0" {
        return Ok(SimDuration::ZERO);
    }
    let bad = || format!("`{s}` is not a duration: {DURATION_FORM}");
    if s.is_empty() {
        return Err(bad());
    }
    let mut rest = s;
    let mut total: u128 = 0;
    let mut last_scale = u128::MAX;
    while !rest.is_empty() {
        let (number, after) = split_number(rest).ok_or_else(bad)?;
        let unit_end = after
            .find(|c: char| !c.is_alphabetic())
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_end);
        let scale: u128 = match unit {
            "us" | "µs" => 1,
            "ms" => 1_000,
            "s" => 1_000_000,
            "m" | "min" => 60_000_000,
            "h" => 3_600_000_000,
            "d" => 86_400_000_000,
            "" => return Err(format!("`{s}` needs a unit: {DURATION_FORM}")),
            _ => {
                return Err(format!(
                    "`{unit}` is not a time unit in `{s}`: {DURATION_FORM}"
                ));
            }
        };
        if scale >= last_scale {
            return Err(format!(
                "`{s}` lists its units out of order: write the largest first, as in `1h30m`"
            ));
        }
        last_scale = scale;
        let part = number.times(scale).ok_or_else(|| too_long(s))?;
        total = total.checked_add(part).ok_or_else(|| too_long(s))?;
        rest = after;
    }
    u64::try_from(total)
        .map(SimDuration)
        .map_err(|_| too_long(s))
}

fn too_long(s: &str) -> String {
    format!("`{s}` is too long: durations must be under about 584 000 years")
}

/// Parses a rate (`20/s`, `1200/m`, `1.2M/d`) into messages per second.
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let s = text.trim();
    reject_negative(s, "a rate")?;
    let bad = || format!("`{s}` is not a rate: {RATE_FORM}");
    let Some((count, per)) = s.split_once('/') else {
        if s.parse::<f64>().is_ok() {
            return Err(format!(
                "`{s}` needs a time unit, as in `{s}/s`: {RATE_FORM}"
            ));
        }
        return Err(bad());
    };
    let (count, per) = (count.trim(), per.trim());
    let (number, suffix) = split_number(count).ok_or_else(bad)?;
    let multiplier = match suffix {
        "" => 1.0,
        "k" | "K" => 1e3,
        "M" => 1e6,
        "m" => {
            return Err(format!(
                "`{s}`: write millions with a capital `M`, as in `1.2M/d`"
            ));
        }
        _ => return Err(bad()),
    };
    let seconds = match per {
        "s" | "sec" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        _ => {
            return Err(format!(
                "`{per}` is not a rate unit in `{s}` (use s, m, h or d): {RATE_FORM}"
            ));
        }
    };
    let value = number.as_f64().ok_or_else(bad)? * multiplier / seconds;
    if !value.is_finite() {
        return Err(format!("`{s}` is too large a rate"));
    }
    Ok(value)
}

/// Parses a size (`512B`, `75KB`, `1.5MiB`) into bytes.
pub fn parse_size(text: &str) -> Result<f64, String> {
    let s = text.trim();
    reject_negative(s, "a size")?;
    if s == "0" {
        return Ok(0.0);
    }
    let bad = || format!("`{s}` is not a size: {SIZE_FORM}");
    let (number, unit) = split_number(s).ok_or_else(bad)?;
    let scale: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "b" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "" => return Err(format!("`{s}` needs a unit: {SIZE_FORM}")),
        _ => return Err(bad()),
    };
    let value = number.as_f64().ok_or_else(bad)? * scale;
    if !value.is_finite() || value > 1e18 {
        return Err(format!("`{s}` is too large a size"));
    }
    Ok(value)
}

/// What a bandwidth should look like, for error messages.
pub const BANDWIDTH_FORM: &str = "expected a bandwidth such as `100Mbit/s`, `1Gbit/s` or `12.5MB/s` (units: bit/s, kbit/s, Mbit/s, Gbit/s, B/s, KB/s, MB/s, GB/s)";

/// Parses a bandwidth (`100Mbit/s`, `1Gbps`, `12.5MB/s`) into bytes per second.
pub fn parse_bandwidth(text: &str) -> Result<f64, String> {
    let s = text.trim();
    reject_negative(s, "a bandwidth")?;
    let bad = || format!("`{s}` is not a bandwidth: {BANDWIDTH_FORM}");
    let (number, unit) = split_number(s).ok_or_else(bad)?;
    let unit = unit.trim();
    let bits = |scale: f64| scale / 8.0;
    let scale: f64 = match unit {
        "bit/s" | "bps" => bits(1.0),
        "kbit/s" | "kbps" | "Kbit/s" => bits(1e3),
        "Mbit/s" | "Mbps" => bits(1e6),
        "Gbit/s" | "Gbps" => bits(1e9),
        "B/s" => 1.0,
        "KB/s" | "kB/s" => 1e3,
        "MB/s" => 1e6,
        "GB/s" => 1e9,
        "" => return Err(format!("`{s}` needs a unit: {BANDWIDTH_FORM}")),
        _ => return Err(bad()),
    };
    let value = number.as_f64().ok_or_else(bad)? * scale;
    if !value.is_finite() || value <= 0.0 || value > 1e13 {
        return Err(format!("`{s}` must be above 0 and at most 80 Tbit/s"));
    }
    Ok(value)
}

/// Checks a share or probability: finite and in [0, 1].
pub fn check_share(value: f64) -> Result<f64, String> {
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("`{value}` is not between 0 and 1"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bandwidths_in_bits_or_bytes() {
        assert_eq!(parse_bandwidth("100Mbit/s").unwrap(), 12_500_000.0);
        assert_eq!(parse_bandwidth("1Gbps").unwrap(), 125_000_000.0);
        assert_eq!(parse_bandwidth("12.5MB/s").unwrap(), 12_500_000.0);
        assert!(parse_bandwidth("100").unwrap_err().contains("needs a unit"));
        assert!(parse_bandwidth("0Mbit/s").is_err());
    }

    fn us(s: &str) -> u64 {
        parse_duration(s).unwrap().0
    }

    #[test]
    fn durations_in_every_unit_and_compound_form() {
        assert_eq!(us("250ms"), 250_000);
        assert_eq!(us("90s"), 90_000_000);
        assert_eq!(us("5m"), 300_000_000);
        assert_eq!(us("1h30m"), 5_400_000_000);
        assert_eq!(us("2d"), 172_800_000_000);
        assert_eq!(us("1.5h"), 5_400_000_000);
        assert_eq!(us("0s"), 0);
        assert_eq!(us("0"), 0);
        assert_eq!(us("7us"), 7);
        assert_eq!(us("1d2h3m4s5ms6us"), 93_784_005_006);
        assert_eq!(us(".5s"), 500_000);
    }

    #[test]
    fn bad_durations_say_what_was_expected() {
        for bad in ["", "5", "5x", "m", "1.2.3s", "5 m s", "1h1h", "30m1h", "h5"] {
            let e = parse_duration(bad).unwrap_err();
            assert!(e.contains('`'), "{bad}: {e}");
        }
        assert!(parse_duration("90").unwrap_err().contains("needs a unit"));
        assert!(parse_duration("-5m").unwrap_err().contains("negative"));
        assert!(parse_duration("30m1h").unwrap_err().contains("order"));
    }

    #[test]
    fn huge_durations_are_errors_not_wraps() {
        assert!(
            parse_duration("99999999999999d")
                .unwrap_err()
                .contains("too long")
        );
        assert!(parse_duration("999999999999999999999999999999999999999999d").is_err());
    }

    #[test]
    fn rates_convert_to_messages_per_second() {
        assert_eq!(parse_rate("20/s").unwrap(), 20.0);
        assert_eq!(parse_rate("1200/m").unwrap(), 20.0);
        assert_eq!(parse_rate("36000/h").unwrap(), 10.0);
        assert!((parse_rate("1.2M/d").unwrap() - 1.2e6 / 86_400.0).abs() < 1e-9);
        assert_eq!(parse_rate("3k/s").unwrap(), 3000.0);
        assert_eq!(parse_rate("3.2/s").unwrap(), 3.2);
        assert!(parse_rate("-5/s").unwrap_err().contains("negative"));
        assert!(parse_rate("20").unwrap_err().contains("time unit"));
        assert!(parse_rate("1.2m/d").unwrap_err().contains("capital"));
        assert!(parse_rate("5/w").is_err());
    }

    #[test]
    fn sizes_use_decimal_and_binary_prefixes() {
        assert_eq!(parse_size("512B").unwrap(), 512.0);
        assert_eq!(parse_size("75KB").unwrap(), 75_000.0);
        assert_eq!(parse_size("25MB").unwrap(), 25e6);
        assert_eq!(parse_size("1GB").unwrap(), 1e9);
        assert_eq!(parse_size("2KiB").unwrap(), 2048.0);
        assert_eq!(parse_size("1MiB").unwrap(), 1_048_576.0);
        assert_eq!(parse_size("1GiB").unwrap(), 1_073_741_824.0);
        assert!(parse_size("75").unwrap_err().contains("needs a unit"));
        assert!(parse_size("-1KB").is_err());
        assert!(parse_size("1e999KB").is_err());
    }

    #[test]
    fn shares_must_lie_between_zero_and_one() {
        assert_eq!(check_share(0.3).unwrap(), 0.3);
        assert!(check_share(1.5).is_err());
        assert!(check_share(-0.1).is_err());
        assert!(check_share(f64::NAN).is_err());
    }
}
