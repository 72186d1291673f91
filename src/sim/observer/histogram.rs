//! Latency distribution: an HDR histogram (3 significant digits) plus an exact mean and max.

use hdrhistogram::Histogram;

/// Longest latency the histogram resolves: 400 days in microseconds (longer values saturate).
const MAX_MICROS: u64 = 400 * 86_400 * 1_000_000;

/// Creation-to-delivery latencies, in microseconds.
#[derive(Clone, Debug)]
pub struct Latency {
    hist: Histogram<u64>,
    sum: u128,
    count: u64,
    max: u64,
}

impl Default for Latency {
    fn default() -> Self {
        Latency {
            hist: Histogram::new_with_bounds(1, MAX_MICROS, 3).expect("valid histogram bounds"),
            sum: 0,
            count: 0,
            max: 0,
        }
    }
}

impl Latency {
    /// Records one latency.
    #[inline]
    pub fn record(&mut self, micros: u64) {
        self.hist.saturating_record(micros.clamp(1, MAX_MICROS));
        self.sum += u128::from(micros);
        self.count += 1;
        self.max = self.max.max(micros);
    }
    /// Adds every latency of `other`.
    pub fn merge(&mut self, other: &Latency) {
        // Both histograms have the same bounds, so adding cannot fail.
        let _ = self.hist.add(&other.hist);
        self.sum += other.sum;
        self.count += other.count;
        self.max = self.max.max(other.max);
    }
    /// Latencies recorded.
    pub fn count(&self) -> u64 {
        self.count
    }
    /// Exact mean, seconds (0 when empty).
    pub fn mean_s(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum as f64 / self.count as f64 / 1e6
        }
    }
    /// The `q` quantile (0..=1), seconds, to 3 significant digits (0 when empty), never above
    /// the largest latency.
    pub fn quantile_s(&self, q: f64) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.quantile_micros(q) as f64 / 1e6
        }
    }
    /// The histogram gives the highest value of the bucket holding the quantile, which can be
    /// above every latency recorded (a p99 above the max in a tiny sample): capped at the max.
    fn quantile_micros(&self, q: f64) -> u64 {
        self.hist.value_at_quantile(q).min(self.max)
    }
    /// Largest latency, seconds.
    pub fn max_s(&self) -> f64 {
        self.max as f64 / 1e6
    }
    /// The empirical CDF at up to `points` latencies, as (seconds, fraction ≤).
    pub fn cdf(&self, points: usize) -> Vec<(f64, f64)> {
        if self.count == 0 {
            return Vec::new();
        }
        // One pass over the buckets for all the points (each the same value as
        // `quantile_micros` gives, capped at the max the same way).
        let qs = (1..=points).map(|i| i as f64 / points as f64);
        self.hist
            .value_at_quantiles(qs.clone())
            .zip(qs)
            .map(|(v, q)| (v.min(self.max) as f64 / 1e6, q))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_within_three_significant_digits() {
        let mut l = Latency::default();
        for s in 1..=1000u64 {
            l.record(s * 1_000_000);
        }
        assert!((l.quantile_s(0.5) - 500.0).abs() < 1.0);
        assert!((l.quantile_s(0.99) - 990.0).abs() < 1.0);
        assert_eq!(l.mean_s(), 500.5);
        assert_eq!(l.max_s(), 1000.0);
    }

    #[test]
    fn a_quantile_of_a_tiny_sample_is_never_above_its_max() {
        let mut l = Latency::default();
        l.record(1_234_567);
        for q in [0.5, 0.95, 0.99, 1.0] {
            assert_eq!(l.quantile_s(q), 1.234567, "q = {q}");
        }
        assert!(l.cdf(10).iter().all(|&(s, _)| s <= l.max_s()));
    }

    #[test]
    fn the_cdf_in_one_pass_gives_each_quantile() {
        let mut l = Latency::default();
        for s in 1..=5000u64 {
            l.record(s * s * 997);
        }
        for (s, q) in l.cdf(400) {
            assert_eq!(s, l.quantile_s(q), "q = {q}");
        }
        let mut zero = Latency::default();
        zero.record(0);
        assert_eq!(zero.quantile_s(0.99), 0.0);
    }
}
