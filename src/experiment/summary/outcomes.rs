//! Outcome times for every message, not only the delivered ones: time to delivery, time to NDR
//! (by code), the ages of what is still in flight at the end, the messages delayed over each
//! threshold (1 h, 4 h and 24 h unless chosen) or not delivered, and who is affected (per
//! stream, per recipient domain).

use indexmap::IndexMap;
use serde::Serialize;
use std::collections::BTreeMap;

use crate::sim::observer::fate::Fate;
use crate::sim::observer::{Fates, Latency};
use crate::time::{SimDuration, SimTime};

/// A duration distribution, seconds.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TimeStats {
    /// Messages measured.
    pub count: u64,
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest.
    pub max: f64,
}

impl TimeStats {
    /// The statistics of a histogram (zeros when empty).
    pub fn of(l: &Latency) -> TimeStats {
        TimeStats {
            count: l.count(),
            mean: l.mean_s(),
            p50: l.quantile_s(0.5),
            p95: l.quantile_s(0.95),
            p99: l.quantile_s(0.99),
            max: l.max_s(),
        }
    }
}

/// The ages of the counted messages still in flight at the end of the run, seconds (to the
/// minute of their creation).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct InFlightAges {
    /// Messages in flight.
    pub count: u64,
    /// Age of the oldest (0 when none).
    pub oldest: f64,
    /// Mean age (0 when none).
    pub mean: f64,
}

/// Messages delayed over one threshold, or not delivered.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Delayed {
    /// The threshold, seconds.
    pub threshold_s: f64,
    /// Delivered, but later than the threshold after creation.
    pub delivered_late: u64,
    /// Returned as NDRs (whenever: the mail was not delivered).
    pub ndr: u64,
    /// Of those, returned later than the threshold (the sender waited that long to learn).
    pub ndr_late: u64,
    /// Still in flight at the end and older than the threshold.
    pub in_flight_older: u64,
    /// "Delayed over the threshold or not delivered": `delivered_late + ndr + in_flight_older`.
    /// Quarantined mail is not counted: the filter did its job.
    pub count: u64,
    /// `count / generated` (0 when nothing was generated).
    pub share: f64,
}

/// Outcome times of all counted traffic.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct OutcomeTimes {
    /// Creation to mailbox, of the delivered messages.
    pub time_to_delivery_s: TimeStats,
    /// Creation to NDR, of the NDR'd messages.
    pub time_to_ndr_s: TimeStats,
    /// The same by NDR code.
    pub time_to_ndr_by_code: BTreeMap<String, TimeStats>,
    /// What is still in flight at the end.
    pub in_flight_age_s: InFlightAges,
    /// Delayed over each threshold, or not delivered, ascending (keys `1h`, `4h`, `24h` unless
    /// `--delayed-over` or a `delayed_X` SLO chose others; `1h` is always there).
    pub delayed: IndexMap<String, Delayed>,
}

/// Who is affected: one traffic stream's or one recipient domain's messages.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Impact {
    /// Created after the warm-up.
    pub generated: u64,
    /// Delivered.
    pub delivered: u64,
    /// Delivered later than 1 h.
    pub delivered_over_1h: u64,
    /// Returned as NDRs.
    pub ndr: u64,
    /// Quarantined.
    pub quarantined: u64,
    /// Still in flight at the end.
    pub in_flight: u64,
    /// Of those, older than 1 h.
    pub in_flight_over_1h: u64,
    /// Delayed over 1 h or not delivered: `delivered_over_1h + ndr + in_flight_over_1h`.
    pub affected: u64,
    /// `affected / generated`.
    pub affected_share: f64,
}

/// Impact per traffic stream and per recipient domain the scenario names.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ImpactSummary {
    /// Per traffic stream, in file order.
    pub streams: IndexMap<String, Impact>,
    /// Per recipient domain named in the scenario (`*` gathers the rest), in file order.
    pub domains: IndexMap<String, Impact>,
}

/// `1h`, `4h`, `24h`: the key of a threshold.
pub fn threshold_key(d: SimDuration) -> String {
    let h = d.0 / 3_600_000_000;
    if d.0.is_multiple_of(3_600_000_000) {
        format!("{h}h")
    } else {
        format!("{}m", d.0 / 60_000_000)
    }
}

fn share(n: u64, of: u64) -> f64 {
    if of == 0 { 0.0 } else { n as f64 / of as f64 }
}

fn delayed(f: &Fate, x: SimDuration, i: usize, end: SimTime) -> Delayed {
    let cutoff = SimTime(end.0.saturating_sub(x.0));
    let in_flight_older = f.in_flight.created_before(cutoff);
    // A group no message reached has no counters yet.
    let delivered_late = f.delivered_late.get(i).copied().unwrap_or(0);
    let count = delivered_late + f.ndr + in_flight_older;
    Delayed {
        threshold_s: x.as_secs_f64(),
        delivered_late,
        ndr: f.ndr,
        ndr_late: f.ndr_late.get(i).copied().unwrap_or(0),
        in_flight_older,
        count,
        share: share(count, f.generated),
    }
}

/// The outcome times of a run that ended at `end`; `delivery` is the latency histogram of all
/// counted traffic and `code` names a code index.
pub fn outcome_times(
    f: &Fates,
    delivery: &Latency,
    end: SimTime,
    code: &dyn Fn(u16) -> String,
) -> OutcomeTimes {
    let ring = &f.total.in_flight;
    let (mut n, mut sum) = (0u64, 0f64);
    for (created, k) in ring.minutes() {
        n += k;
        sum += k as f64 * end.since(created).as_secs_f64();
    }
    let mut by_code: BTreeMap<String, Latency> = BTreeMap::new();
    for (c, l) in &f.time_to_ndr_by_code {
        by_code.entry(code(*c)).or_default().merge(l);
    }
    OutcomeTimes {
        time_to_delivery_s: TimeStats::of(delivery),
        time_to_ndr_s: TimeStats::of(&f.time_to_ndr),
        time_to_ndr_by_code: by_code
            .iter()
            .map(|(k, l)| (k.clone(), TimeStats::of(l)))
            .collect(),
        in_flight_age_s: InFlightAges {
            count: ring.total(),
            oldest: ring.oldest().map_or(0.0, |t| end.since(t).as_secs_f64()),
            mean: if n > 0 { sum / n as f64 } else { 0.0 },
        },
        delayed: f
            .thresholds
            .iter()
            .enumerate()
            .map(|(i, x)| (threshold_key(*x), delayed(&f.total, *x, i, end)))
            .collect(),
    }
}

/// The impact on one group of messages counted with `thresholds`: delayed over 1 h or not
/// delivered.
pub fn impact(f: &Fate, thresholds: &[SimDuration], end: SimTime) -> Impact {
    let hour = SimDuration::from_hours(1);
    let i = thresholds
        .iter()
        .position(|x| *x == hour)
        .unwrap_or(usize::MAX);
    let d = delayed(f, hour, i, end);
    Impact {
        generated: f.generated,
        delivered: f.delivered,
        delivered_over_1h: d.delivered_late,
        ndr: f.ndr,
        quarantined: f.quarantined,
        in_flight: f.in_flight.total(),
        in_flight_over_1h: d.in_flight_older,
        affected: d.count,
        affected_share: d.share,
    }
}
