//! MSER-5 (White, 1997): where to truncate the initial transient of an output series.
//!
//! The series is cut into batches of 5 and averaged; for each candidate truncation `d` (in
//! batches, at most half of them) the rule computes the squared standard error of the mean of
//! what remains, `Σ (Z_j − Z̄_d)² / (m − d)²`, and keeps the `d` that minimises it. This is the
//! rule JMT applies to its queue-length samples.

/// Observations per batch.
pub const BATCH: usize = 5;

/// The truncation point of `series`, as a count of leading observations to drop (a multiple of
/// [`BATCH`]). Series too short to batch (fewer than two batches) are not truncated; non-finite
/// values are treated as zero so a bad sample cannot panic the rule.
pub fn truncation(series: &[f64]) -> usize {
    let batches: Vec<f64> = series
        .chunks_exact(BATCH)
        .map(|c| {
            c.iter()
                .map(|v| if v.is_finite() { *v } else { 0.0 })
                .sum::<f64>()
                / BATCH as f64
        })
        .collect();
    let m = batches.len();
    if m < 2 {
        return 0;
    }
    // Suffix sums give each candidate's mean and sum of squares in O(1).
    let mut best = (f64::INFINITY, 0usize);
    let (mut sum, mut sq) = (0.0, 0.0);
    let mut stats = vec![(0.0, 0.0); m];
    for j in (0..m).rev() {
        sum += batches[j];
        sq += batches[j] * batches[j];
        stats[j] = (sum, sq);
    }
    for (d, &(s, q)) in stats.iter().enumerate().take(m / 2 + 1) {
        let k = (m - d) as f64;
        let ssd = (q - s * s / k).max(0.0);
        let mser = ssd / (k * k);
        // Strictly smaller only: ties keep the earlier (shorter) truncation.
        if mser < best.0 {
            best = (mser, d);
        }
    }
    best.1 * BATCH
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic pseudo-random wobble in [-1, 1).
    fn noise(i: usize) -> f64 {
        let x = crate::sim::rng::mix(i as u64);
        (x >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }

    #[test]
    fn a_stationary_series_is_not_truncated_much() {
        let s: Vec<f64> = (0..1000).map(|i| 10.0 + noise(i)).collect();
        assert!(truncation(&s) < 100, "{}", truncation(&s));
    }

    #[test]
    fn a_constant_series_is_not_truncated() {
        assert_eq!(truncation(&[3.0; 200]), 0);
    }

    #[test]
    fn an_initial_ramp_is_cut_off_where_it_ends() {
        // Queue draining from 200 to about 10 over the first 100 samples, then noise.
        let s: Vec<f64> = (0..1000)
            .map(|i| {
                let base = if i < 100 {
                    200.0 - 1.9 * i as f64
                } else {
                    10.0
                };
                base + noise(i)
            })
            .collect();
        let d = truncation(&s);
        assert!((95..=150).contains(&d), "truncated at {d}");
        assert_eq!(d % BATCH, 0);
    }

    #[test]
    fn short_or_odd_series_do_not_panic() {
        assert_eq!(truncation(&[]), 0);
        assert_eq!(truncation(&[1.0, 2.0, 3.0]), 0);
        assert!(truncation(&[f64::NAN; 40]) <= 20);
        // Never more than half the batches.
        let s: Vec<f64> = (0..50).map(|i| 100.0 - i as f64).collect();
        assert!(truncation(&s) <= 25);
    }
}
