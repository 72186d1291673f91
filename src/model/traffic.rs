//! Traffic streams: where synthetic messages are submitted, to whom, how often and how large.

use std::sync::Arc;

use super::{Dist, DomainId, NodeId, TagId};
use crate::time::SimDuration;

/// The highest instantaneous rate of a stream (its rate times its profile's peak), messages per
/// second. Time is integer microseconds: at this rate arrivals are 10 µs apart on average and
/// rounding them to the microsecond changes the count by under 0.05%; far above it, most gaps
/// round to zero and simulated time stalls. Refused above.
pub const MAX_RATE_PER_S: f64 = 100_000.0;

/// How a stream's rate varies over the day (or the week).
#[derive(Clone, Debug, PartialEq)]
pub enum Profile {
    /// The mean rate all the time.
    Constant,
    /// Piecewise-constant multipliers repeating every 24 h: `(start offset in the day, x)`,
    /// sorted, the first at 0h. `business_hours` is built into this form.
    Daily(Vec<(SimDuration, f64)>),
    /// Piecewise-constant multipliers repeating every 7 days: `(start offset in the week, x)`,
    /// sorted, the first at 0h; t = 0 is midnight of the week's first day (a fitted
    /// weekday/weekend profile).
    Weekly(Vec<(SimDuration, f64)>),
}

impl Profile {
    /// The built-in business-hours curve: hourly multipliers averaging 1 with a peak of 2.0 at
    /// 10–12h and 14–15h (peak ≈ 2× average, the one data point in sources §7.2).
    pub fn business_hours() -> Profile {
        const X: [f64; 24] = [
            0.25, 0.2, 0.2, 0.2, 0.25, 0.3, 0.5, 1.0, 1.6, 1.9, 2.0, 2.0, //
            1.6, 1.8, 2.0, 1.9, 1.6, 1.2, 0.8, 0.6, 0.5, 0.4, 0.3, 0.3,
        ];
        let sum: f64 = X.iter().sum();
        Profile::Daily(
            X.iter()
                .enumerate()
                .map(|(h, x)| (SimDuration::from_hours(h as u64), x * 24.0 / sum))
                .collect(),
        )
    }

    /// How long the profile takes to repeat: a day, or a week.
    pub fn period(&self) -> SimDuration {
        match self {
            Profile::Weekly(_) => SimDuration::from_days(7),
            _ => SimDuration::from_days(1),
        }
    }

    /// The multiplier in force at `offset` into the period, and when the next segment starts
    /// (as an offset into the period, the period itself for its end).
    pub fn segment_at(&self, offset: SimDuration) -> (f64, SimDuration) {
        match self {
            Profile::Constant => (1.0, self.period()),
            Profile::Daily(points) | Profile::Weekly(points) => {
                let i = points
                    .partition_point(|(at, _)| *at <= offset)
                    .saturating_sub(1);
                let end = points.get(i + 1).map(|p| p.0).unwrap_or(self.period());
                (points[i].1, end)
            }
        }
    }

    /// Largest multiplier of the period.
    pub fn peak(&self) -> f64 {
        match self {
            Profile::Constant => 1.0,
            Profile::Daily(p) | Profile::Weekly(p) => p.iter().map(|x| x.1).fold(0.0, f64::max),
        }
    }

    /// The time-weighted mean multiplier over the period (1 unless `normalize: false`).
    pub fn mean(&self) -> f64 {
        match self {
            Profile::Constant => 1.0,
            Profile::Daily(points) | Profile::Weekly(points) => {
                let period = self.period().as_secs_f64();
                let ends = points
                    .iter()
                    .skip(1)
                    .map(|p| p.0.as_secs_f64())
                    .chain(std::iter::once(period));
                points
                    .iter()
                    .zip(ends)
                    .map(|((start, x), end)| x * (end - start.as_secs_f64()))
                    .sum::<f64>()
                    / period
            }
        }
    }
}

/// A log's arrivals replayed as they happened (`replay: FILE`), in time order.
#[derive(Clone, Debug, PartialEq)]
pub struct Replay {
    /// The file, as the scenario names it.
    pub file: String,
    /// The arrivals, sorted by time.
    pub arrivals: Vec<ReplayArrival>,
}

/// One replayed arrival.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReplayArrival {
    /// When it arrives, from t = 0.
    pub at: SimDuration,
    /// Its size in bytes.
    pub size: u32,
    /// Its recipients (at least 1).
    pub recipients: u16,
    /// Its recipient domain.
    pub domain: DomainId,
}

/// A stream of synthetic messages.
#[derive(Clone, Debug, PartialEq)]
pub struct TrafficStream {
    /// The stream's name.
    pub name: String,
    /// Node where its messages are submitted.
    pub from: NodeId,
    /// Sender domain of its messages.
    pub sender_domain: DomainId,
    /// Recipient domains with weights summing to 1.
    pub to: Vec<(DomainId, f64)>,
    /// Mean rate, messages per second.
    pub rate_per_s: f64,
    /// Daily variation.
    pub profile: Profile,
    /// Message size in bytes.
    pub size: Dist,
    /// Share of messages carrying each tag.
    pub tags: Vec<(TagId, f64)>,
    /// Stop generating this long before the end.
    pub stop: SimDuration,
    /// Recipients per message.
    pub recipients: Recipients,
    /// Arrivals replayed from a log instead of drawn (then `rate_per_s` is their mean rate
    /// over the stream's active time, `profile` constant, and `to`, `size`, `recipients` unused).
    pub replay: Option<Arc<Replay>>,
}

/// How many recipients a message has (all in its recipient domain).
#[derive(Clone, Debug, PartialEq)]
pub enum Recipients {
    /// Always this many.
    Fixed(u16),
    /// Counts with their probabilities, as cumulative weights `(count, cumulative share)`.
    Weights(Vec<(u16, f64)>),
    /// 1 + a geometric number of extra recipients, with this mean in all.
    Geometric {
        /// Mean recipients per message (at least 1).
        mean: f64,
    },
}

impl Recipients {
    /// The mean number of recipients per message.
    pub fn mean(&self) -> f64 {
        match self {
            Recipients::Fixed(n) => f64::from(*n),
            Recipients::Weights(w) => {
                let mut prev = 0.0;
                let total = w.last().map_or(1.0, |x| x.1);
                w.iter()
                    .map(|(n, c)| {
                        let p = (c - prev) / total;
                        prev = *c;
                        f64::from(*n) * p
                    })
                    .sum()
            }
            Recipients::Geometric { mean } => *mean,
        }
    }

    /// Draws a count from a uniform draw `u` in [0, 1).
    pub fn draw(&self, u: f64) -> u16 {
        match self {
            Recipients::Fixed(n) => *n,
            Recipients::Weights(w) => {
                let total = w.last().map_or(1.0, |x| x.1);
                let x = u * total;
                w.iter()
                    .find(|(_, c)| x < *c)
                    .or(w.last())
                    .map_or(1, |(n, _)| *n)
            }
            Recipients::Geometric { mean } => {
                // Extra recipients ~ Geometric(p) on {0, 1, …} with mean (mean − 1):
                // p = 1 / mean; inverse transform of the survival function (1 − p)^k.
                let p = (1.0 / mean.max(1.0)).clamp(1e-9, 1.0);
                if p >= 1.0 {
                    return 1;
                }
                let k = ((1.0 - u).ln() / (1.0 - p).ln()).floor();
                (1.0 + k).clamp(1.0, f64::from(u16::MAX)) as u16
            }
        }
    }
}
