//! The history of one queue's depth at event level, kept in a bounded number of time buckets:
//! the most waiting in each bucket and when it was empty, so a report can give the exact peak
//! inside any window (an alert's, a fault's) and the moment a queue drained after an incident.

use crate::time::SimTime;

/// Buckets kept at most; beyond, neighbours merge and the bucket width doubles.
const MAX_BUCKETS: usize = 2048;
/// The narrowest bucket: one minute.
const MIN_WIDTH: u64 = 60_000_000;
const NONE: u64 = u64::MAX;

#[derive(Clone, Copy, Debug)]
struct Bucket {
    max: u64,
    /// First and last instants (µs) the queue was empty in the bucket, or `NONE`.
    first_zero: u64,
    last_zero: u64,
}

/// The depth history of one queue (a node's or a connector's).
#[derive(Clone, Debug)]
pub struct QueueTrack {
    width: u64,
    level: u64,
    buckets: Vec<Bucket>,
    /// Most messages waiting since the warm-up (equals the summary's peak).
    pub peak: u64,
    /// When that peak was first reached.
    pub peak_at: SimTime,
}

impl Default for QueueTrack {
    fn default() -> Self {
        QueueTrack {
            width: MIN_WIDTH,
            level: 0,
            buckets: Vec::new(),
            peak: 0,
            peak_at: SimTime::ZERO,
        }
    }
}

impl QueueTrack {
    /// Extends the history to `now` with the current level. An instant inside the last bucket
    /// (the common case) needs no division to find its bucket.
    #[inline]
    fn fill_to(&mut self, now: SimTime) {
        if now.0 < self.buckets.len() as u64 * self.width {
            return;
        }
        self.extend_to(now);
    }

    #[cold]
    fn extend_to(&mut self, now: SimTime) {
        let idx = (now.0 / self.width) as usize;
        while self.buckets.len() <= idx {
            let start = self.buckets.len() as u64 * self.width;
            let zero = if self.level == 0 { start } else { NONE };
            self.buckets.push(Bucket {
                max: self.level,
                first_zero: zero,
                last_zero: zero,
            });
        }
        while self.buckets.len() > MAX_BUCKETS {
            self.buckets = self
                .buckets
                .chunks(2)
                .map(|p| Bucket {
                    max: p.iter().map(|b| b.max).max().unwrap_or(0),
                    first_zero: p.iter().map(|b| b.first_zero).min().unwrap_or(NONE),
                    last_zero: p
                        .iter()
                        .map(|b| b.last_zero)
                        .filter(|z| *z != NONE)
                        .max()
                        .unwrap_or(NONE),
                })
                .collect();
            self.width *= 2;
        }
    }

    /// The queue now holds `level` messages.
    #[inline]
    pub fn record(&mut self, level: u64, now: SimTime) {
        self.mark(level, level, now);
    }

    /// The queue held one more than `level` for an instant at `now` and holds `level` again:
    /// the same record as `record(level + 1, now)` then `record(level, now)`.
    #[inline]
    pub fn blip(&mut self, level: u64, now: SimTime) {
        self.mark(level + 1, level, now);
    }

    /// The queue reached `high` at `now` and holds `level` after it.
    #[inline]
    fn mark(&mut self, high: u64, level: u64, now: SimTime) {
        self.fill_to(now);
        let b = self.buckets.last_mut().expect("filled to now");
        b.max = b.max.max(high);
        if level == 0 {
            b.first_zero = b.first_zero.min(now.0);
            b.last_zero = if b.last_zero == NONE {
                now.0
            } else {
                b.last_zero.max(now.0)
            };
        }
        self.level = level;
        if high > self.peak {
            self.peak = high;
            self.peak_at = now;
        }
    }

    /// Restarts the peak at `now` (the end of the warm-up).
    pub fn restart_peak(&mut self, now: SimTime) {
        self.peak = self.level;
        self.peak_at = now;
    }

    /// Closes the history at `now` (the end of the run).
    pub fn close(&mut self, now: SimTime) {
        self.fill_to(now);
    }

    /// Bucket width, µs.
    pub fn width(&self) -> u64 {
        self.width
    }

    /// Most waiting at once within `[from, to]` (to the bucket: a bucket that overlaps the
    /// window counts whole).
    pub fn max_between(&self, from: SimTime, to: SimTime) -> u64 {
        let (a, z) = ((from.0 / self.width) as usize, (to.0 / self.width) as usize);
        self.buckets
            .iter()
            .skip(a)
            .take(z.saturating_sub(a) + 1)
            .map(|b| b.max)
            .max()
            .unwrap_or(0)
    }

    /// The first instant at or after `t` when the queue was empty, if it was within the run.
    pub fn empty_after(&self, t: SimTime) -> Option<SimTime> {
        let start = (t.0 / self.width) as usize;
        for (i, b) in self.buckets.iter().enumerate().skip(start) {
            if i == start {
                if b.max == 0 {
                    return Some(t);
                }
                if b.first_zero != NONE && b.first_zero >= t.0 {
                    return Some(SimTime(b.first_zero));
                }
                if b.last_zero != NONE && b.last_zero >= t.0 {
                    return Some(SimTime(b.last_zero));
                }
            } else if b.first_zero != NONE {
                return Some(SimTime(b.first_zero));
            }
        }
        None
    }

    /// (bucket start, most waiting in it) for every bucket: the envelope a chart draws so that
    /// no peak falls between two samples.
    pub fn envelope(&self) -> impl Iterator<Item = (SimTime, u64)> + '_ {
        self.buckets
            .iter()
            .enumerate()
            .map(|(i, b)| (SimTime(i as u64 * self.width), b.max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: u64) -> SimTime {
        SimTime(secs * 1_000_000)
    }

    #[test]
    fn the_peak_inside_a_window_and_the_moment_it_drained() {
        let mut t = QueueTrack::default();
        t.record(1, s(10));
        t.record(0, s(20));
        t.record(5, s(3600));
        t.record(9, s(3700));
        t.record(0, s(7300));
        t.close(s(9000));
        assert_eq!((t.peak, t.peak_at), (9, s(3700)));
        assert_eq!(t.max_between(s(0), s(1000)), 1);
        assert_eq!(t.max_between(s(3600), s(7200)), 9);
        assert_eq!(t.empty_after(s(3650)), Some(s(7300)));
        assert_eq!(t.empty_after(s(15)), Some(s(20)));
        assert_eq!(t.empty_after(s(8000)), Some(s(8000)));
    }

    #[test]
    fn a_long_history_stays_bounded_and_keeps_its_peak() {
        let mut t = QueueTrack::default();
        for h in 0..24 * 30 {
            t.record(h % 7, s(h * 3600));
        }
        t.record(1000, s(100 * 3600 + 5));
        t.record(0, s(100 * 3600 + 9));
        t.close(s(24 * 30 * 3600));
        assert!(t.envelope().count() <= MAX_BUCKETS);
        assert_eq!(t.max_between(s(0), s(24 * 30 * 3600)), 1000);
        assert_eq!(t.peak, 1000);
    }
}
