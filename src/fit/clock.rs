//! Log timestamps to a wall clock in microseconds: syslog, RFC 3339, ISO 8601 and US dates; the calendar behind hour-of-week.

/// Microseconds in an hour and in a day.
pub(super) const HOUR_US: i64 = 3_600_000_000;
/// Microseconds in a day.
pub(super) const DAY_US: i64 = 24 * HOUR_US;

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
pub(super) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number (inverse of [`days_from_civil`]).
pub(super) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Hour of the week (0 = Monday 00:00–01:00 … 167 = Sunday 23:00) of a wall-clock time.
pub(super) fn hour_of_week(t_us: i64) -> usize {
    let days = t_us.div_euclid(DAY_US);
    let weekday = (days + 3).rem_euclid(7); // 1970-01-01 was a Thursday
    let hour = t_us.rem_euclid(DAY_US) / HOUR_US;
    (weekday * 24 + hour) as usize
}

/// `YYYY-MM-DD HH:MM` of a wall-clock time, for reports.
pub(super) fn format(t_us: i64) -> String {
    let (y, m, d) = civil_from_days(t_us.div_euclid(DAY_US));
    let secs = t_us.rem_euclid(DAY_US) / 1_000_000;
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        secs / 3600,
        secs / 60 % 60
    )
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |acc, c| acc * 10 + u32::from(c - b'0')))
}

/// `HH:MM:SS[.ffffff]` at the start of `b`: microseconds into the day and bytes used.
fn clock(b: &[u8]) -> Option<(i64, usize)> {
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (h, m, s) = (digits(&b[0..2])?, digits(&b[3..5])?, digits(&b[6..8])?);
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    let mut us = i64::from(h * 3600 + m * 60 + s.min(59)) * 1_000_000;
    let mut used = 8;
    if b.get(8) == Some(&b'.') || b.get(8) == Some(&b',') {
        let frac: Vec<u8> = b[9..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .copied()
            .collect();
        used += 1 + frac.len();
        let mut scaled = 0i64;
        for i in 0..6 {
            scaled = scaled * 10 + frac.get(i).map_or(0, |c| i64::from(c - b'0'));
        }
        us += scaled;
    }
    Some((us, used))
}

fn ymd(y: u32, m: u32, d: u32) -> Option<i64> {
    ((1..=12).contains(&m) && (1..=31).contains(&d))
        .then(|| days_from_civil(i64::from(y), m, d) * DAY_US)
}

/// Parses an ISO 8601 / RFC 3339 time at the start of `b` (`2024-03-04T14:05:01.123+01:00`,
/// `2024-03-04 14:05:01Z`). Returns the wall clock as written, the UTC offset in minutes (if
/// given) and the bytes used.
pub(super) fn iso(b: &[u8]) -> Option<(i64, Option<i32>, usize)> {
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b' ') {
        return None;
    }
    let day = ymd(digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?)?;
    let (us, used) = clock(&b[11..])?;
    let mut i = 11 + used;
    let offset = match b.get(i) {
        Some(b'Z') => {
            i += 1;
            Some(0)
        }
        Some(&sign @ (b'+' | b'-')) => {
            let rest = &b[i + 1..];
            let (hh, mm, len) = if rest.len() >= 5 && rest[2] == b':' {
                (digits(&rest[0..2])?, digits(&rest[3..5])?, 5)
            } else {
                (digits(rest.get(0..2)?)?, digits(rest.get(2..4)?)?, 4)
            };
            i += 1 + len;
            let minutes = (hh * 60 + mm) as i32;
            Some(if sign == b'-' { -minutes } else { minutes })
        }
        _ => None,
    };
    Some((day + us, offset, i))
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// Parses a syslog time (`Mar  4 14:05:01`, `Mar 04 14:05:01.123456`) at the start of `b`:
/// month (1–12), day, microseconds into the day and bytes used. Syslog writes no year.
pub(super) fn syslog(b: &[u8]) -> Option<(u32, u32, i64, usize)> {
    if b.len() < 15 || b[3] != b' ' {
        return None;
    }
    let month = MONTHS.iter().position(|m| m[..] == b[0..3])? as u32 + 1;
    let day = match (b[4], b[5]) {
        (b' ', d) if d.is_ascii_digit() => u32::from(d - b'0'),
        (a, d) if a.is_ascii_digit() && d.is_ascii_digit() => {
            u32::from(a - b'0') * 10 + u32::from(d - b'0')
        }
        _ => return None,
    };
    if b[6] != b' ' || !(1..=31).contains(&day) {
        return None;
    }
    let (us, used) = clock(&b[7..])?;
    Some((month, day, us, 7 + used))
}

/// Parses a US (`3/4/2024 2:05:01 PM`, `3/4/2024 14:05`) or, with `day_first`, European date-time.
pub(super) fn slashed(text: &str, day_first: bool) -> Option<i64> {
    let mut parts = text.split_whitespace();
    let date: Vec<u32> = parts
        .next()?
        .split('/')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [a, b, y] = date[..] else { return None };
    let (m, d) = if day_first { (b, a) } else { (a, b) };
    let time = parts.next().unwrap_or("0:00:00");
    let t: Vec<u32> = time
        .split(':')
        .map(|p| p.split('.').next().and_then(|x| x.parse().ok()))
        .collect::<Option<_>>()?;
    let (mut h, min, s) = (
        *t.first()?,
        *t.get(1).unwrap_or(&0),
        *t.get(2).unwrap_or(&0),
    );
    match parts.next().map(str::to_ascii_uppercase).as_deref() {
        Some("PM") if h < 12 => h += 12,
        Some("AM") if h == 12 => h = 0,
        _ => {}
    }
    if h > 23 || min > 59 || s > 59 {
        return None;
    }
    Some(ymd(y, m, d)? + i64::from(h * 3600 + min * 60 + s) * 1_000_000)
}

/// The calendar year now (UTC), for syslog stamps when no year is given.
pub(super) fn current_year() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    civil_from_days(secs / 86_400).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_calendar_round_trips_and_knows_weekdays() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        // 2024-03-04 was a Monday: hour-of-week 0 at midnight, 14 at 14:00.
        let monday = days_from_civil(2024, 3, 4) * DAY_US;
        assert_eq!(hour_of_week(monday), 0);
        assert_eq!(hour_of_week(monday + 14 * HOUR_US), 14);
        assert_eq!(hour_of_week(monday + 6 * DAY_US + 23 * HOUR_US), 167);
        assert_eq!(
            format(monday + 14 * HOUR_US + 5 * 60_000_000),
            "2024-03-04 14:05"
        );
    }

    #[test]
    fn stamps_of_every_log_kind_are_read() {
        let (t, off, used) = iso(b"2024-03-04T14:05:01.250+01:00 host").unwrap();
        assert_eq!((hour_of_week(t), off, used), (14, Some(60), 29));
        assert_eq!(t % 1_000_000, 250_000);
        assert_eq!(
            iso(b"2024-03-04T14:05:01.1234567Z,").map(|x| (x.1, x.2)),
            Some((Some(0), 28))
        );
        assert_eq!(
            iso(b"2024-03-04T14:05:01+0100 h").map(|x| x.1),
            Some(Some(60))
        );
        assert_eq!(
            syslog(b"Mar  4 14:05:01 mail postfix"),
            Some((3, 4, (14 * 3600 + 5 * 60 + 1) * 1_000_000, 15))
        );
        assert_eq!(
            syslog(b"Mar 04 14:05:01.000123 mail").map(|x| (x.1, x.2 % 1_000_000, x.3)),
            Some((4, 123, 22))
        );
        assert_eq!(syslog(b"Foo  4 14:05:01 x"), None);
        assert_eq!(syslog(b"Mar  4 25:05:01 x"), None);
        let pm = slashed("3/4/2024 2:05:01 PM", false).unwrap();
        assert_eq!(format(pm), "2024-03-04 14:05");
        assert_eq!(slashed("4/3/2024 14:05:01", true), Some(pm));
        assert_eq!(slashed("13/45/2024 1:00", false), None);
    }
}
