//! Simulated time: integer microseconds, never a float clock.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// Microseconds in one second.
pub const MICROS_PER_SEC: u64 = 1_000_000;

/// An instant of simulated time, in microseconds since the start of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

/// A length of simulated time, in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(pub u64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// A time after every real event (used for "never").
    pub const NEVER: SimTime = SimTime(u64::MAX);

    /// Seconds since the start, for reports.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MICROS_PER_SEC as f64
    }

    /// The time elapsed since `earlier` (zero if `earlier` is later).
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);

    /// Whole seconds.
    pub const fn from_secs(s: u64) -> Self {
        SimDuration(s * MICROS_PER_SEC)
    }
    /// Whole minutes.
    pub const fn from_mins(m: u64) -> Self {
        SimDuration(m * 60 * MICROS_PER_SEC)
    }
    /// Whole hours.
    pub const fn from_hours(h: u64) -> Self {
        SimDuration(h * 3600 * MICROS_PER_SEC)
    }
    /// Whole days.
    pub const fn from_days(d: u64) -> Self {
        SimDuration(d * 86_400 * MICROS_PER_SEC)
    }
    /// Whole milliseconds.
    pub const fn from_millis(ms: u64) -> Self {
        SimDuration(ms * 1000)
    }
    /// From (non-negative, finite) seconds, rounded to the nearest microsecond (half away from
    /// zero, as `f64::round`); saturates.
    #[inline]
    pub fn from_secs_f64(s: f64) -> Self {
        /// Above this every `f64` is an integer.
        const EXACT: f64 = (1u64 << 52) as f64;
        let us = s * MICROS_PER_SEC as f64;
        if us.is_nan() || us <= 0.0 {
            SimDuration(0)
        } else if us < EXACT {
            // `f64::round` is a library call on the baseline x86-64 target (no SSE4.1): truncate
            // and look at the fraction instead (`us - whole` is exact below 2^52). This runs
            // for every service time, latency and inter-arrival gap.
            let whole = us as i64;
            let up = us - whole as f64 >= 0.5;
            SimDuration(whole as u64 + u64::from(up))
        } else if us >= u64::MAX as f64 {
            SimDuration(u64::MAX)
        } else {
            SimDuration(us as u64)
        }
    }
    /// Seconds, for reports and arithmetic with rates.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MICROS_PER_SEC as f64
    }
    /// Microseconds.
    pub fn as_micros(self) -> u64 {
        self.0
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}
impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        self.0 = self.0.saturating_add(d.0);
    }
}
impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(d.0))
    }
}
impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    fn sub(self, earlier: SimTime) -> SimDuration {
        self.since(earlier)
    }
}

/// Writes a duration the way scenarios spell it: `1d2h`, `15m`, `250ms`, `0s`.
impl fmt::Display for SimDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let us = self.0;
        if us == 0 {
            return f.write_str("0s");
        }
        if !us.is_multiple_of(1000) {
            return write!(f, "{}us", us);
        }
        if us < MICROS_PER_SEC || !us.is_multiple_of(MICROS_PER_SEC) {
            let ms = us / 1000;
            if ms < 1000 {
                return write!(f, "{ms}ms");
            }
            return write!(f, "{}s", us as f64 / MICROS_PER_SEC as f64);
        }
        let mut s = us / MICROS_PER_SEC;
        let mut out = String::new();
        for (unit, len) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] {
            if s >= len {
                out.push_str(&format!("{}{unit}", s / len));
                s %= len;
            }
        }
        f.write_str(&out)
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t+{}", SimDuration(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_like_scenarios_spell_them() {
        assert_eq!(SimDuration::from_secs(5400).to_string(), "1h30m");
        assert_eq!(SimDuration::from_days(2).to_string(), "2d");
        assert_eq!(SimDuration::from_millis(250).to_string(), "250ms");
        assert_eq!(SimDuration::ZERO.to_string(), "0s");
    }

    #[test]
    fn seconds_round_to_the_nearest_microsecond_like_f64_round() {
        let reference = |s: f64| {
            if s.is_nan() || s <= 0.0 {
                0
            } else {
                let us = (s * 1e6).round();
                if us >= u64::MAX as f64 {
                    u64::MAX
                } else {
                    us as u64
                }
            }
        };
        let mut cases = vec![
            0.0,
            -1.0,
            f64::NAN,
            f64::INFINITY,
            1e-320,
            0.499_999_999_999_999_9e-6,
            0.5e-6,
            1.5e-6,
            2.5e-6,
            0.1,
            0.3,
            86_400.0 * 400.0,
            4.5e9,
            4.6e12,
            1.9e13,
            1e20,
        ];
        // SplitMix64 steps: a spread of values without a random-number crate.
        let mix = |z: u64| {
            let z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            let z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..10_000 {
            x = mix(x);
            cases.push((x >> 11) as f64 / (1u64 << 53) as f64 * 1000.0);
        }
        for s in cases {
            assert_eq!(SimDuration::from_secs_f64(s).0, reference(s), "{s:e} s");
        }
    }

    #[test]
    fn time_arithmetic_saturates_instead_of_overflowing() {
        assert_eq!(SimTime(u64::MAX - 1) + SimDuration(5), SimTime(u64::MAX));
        assert_eq!(SimTime(3).since(SimTime(10)), SimDuration::ZERO);
    }
}
