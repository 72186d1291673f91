//! Numerics of the fit: a log-size histogram with the lognormal MLE and KS distance, chi-square and Kolmogorov tail probabilities, delay quantiles.

/// Width of a size bin in ln(bytes): quantiles and the KS distance are exact to about 1 %.
const LN_BIN: f64 = 0.01;
/// ln(2^32 bytes) < 22.2: sizes beyond share the last bin.
const LN_BINS: usize = 2_230;

/// Message sizes, streamed: exact sums for the maximum-likelihood fit, a fine histogram of
/// ln(size) for the goodness of fit (memory does not grow with the log).
#[derive(Clone, Debug)]
pub(super) struct SizeHist {
    bins: Vec<u64>,
    n: u64,
    sum_ln: f64,
    sum_ln2: f64,
    sum: f64,
}

impl Default for SizeHist {
    fn default() -> Self {
        SizeHist {
            bins: vec![0; LN_BINS],
            n: 0,
            sum_ln: 0.0,
            sum_ln2: 0.0,
            sum: 0.0,
        }
    }
}

/// A lognormal fitted by maximum likelihood, and how well it fits.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct LognormalFit {
    /// e^μ, bytes.
    pub median: f64,
    /// σ of ln(size).
    pub sigma: f64,
    /// Observed mean size, bytes.
    pub observed_mean: f64,
    /// Kolmogorov–Smirnov distance between the sizes and the fitted distribution.
    pub ks_distance: f64,
    /// Its p-value by the Kolmogorov distribution (conservative: the parameters were estimated).
    pub ks_p_value: f64,
    /// Number of sizes.
    pub n: u64,
}

impl SizeHist {
    /// Adds one size (0 counts as 1 byte).
    pub(super) fn add(&mut self, bytes: u64) {
        let x = (bytes.max(1) as f64).ln();
        let bin = ((x / LN_BIN) as usize).min(LN_BINS - 1);
        self.bins[bin] += 1;
        self.n += 1;
        self.sum_ln += x;
        self.sum_ln2 += x * x;
        self.sum += bytes as f64;
    }

    /// μ̂ = mean ln x, σ̂² = mean (ln x − μ̂)² (the MLE), with the KS distance to the fit.
    pub(super) fn lognormal(&self) -> Option<LognormalFit> {
        if self.n < 2 {
            return None;
        }
        let n = self.n as f64;
        let mu = self.sum_ln / n;
        let sigma = (self.sum_ln2 / n - mu * mu).max(0.0).sqrt();
        let mut d: f64 = 0.0;
        let mut below = 0u64;
        for (i, count) in self.bins.iter().enumerate().filter(|(_, c)| **c > 0) {
            // The empirical CDF jumps inside the bin; compare at both edges.
            let lo = i as f64 * LN_BIN;
            let hi = lo + LN_BIN;
            let fit = |x: f64| {
                if sigma > 0.0 {
                    normal_cdf((x - mu) / sigma)
                } else if x >= mu {
                    1.0
                } else {
                    0.0
                }
            };
            d = d.max((below as f64 / n - fit(lo)).abs());
            below += count;
            d = d.max((below as f64 / n - fit(hi)).abs());
        }
        Some(LognormalFit {
            median: mu.exp(),
            sigma,
            observed_mean: self.sum / n,
            ks_distance: d,
            ks_p_value: kolmogorov_p(d, n),
            n: self.n,
        })
    }
}

/// Φ(x), the standard normal CDF (erfc with about 1e-7 relative error).
pub(super) fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// P(D > d) for the KS distance of n samples (Stephens' small-sample correction).
pub(super) fn kolmogorov_p(d: f64, n: f64) -> f64 {
    let sn = n.sqrt();
    let lambda = (sn + 0.12 + 0.11 / sn) * d;
    if lambda < 0.2 {
        return 1.0;
    }
    let mut sum = 0.0;
    for k in 1..=100 {
        let k = f64::from(k);
        let term = (-2.0 * k * k * lambda * lambda).exp();
        sum += if k as i64 % 2 == 1 { term } else { -term };
        if term < 1e-12 {
            break;
        }
    }
    (2.0 * sum).clamp(0.0, 1.0)
}

/// ln Γ(x) for x > 0 (Lanczos).
pub(super) fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 6] = [
        76.180_091_729_471_46,
        -86.505_320_329_416_77,
        24.014_098_240_830_91,
        -1.231_739_572_450_155,
        0.120_865_097_386_617_9e-2,
        -0.539_523_938_495_3e-5,
    ];
    let tmp = x + 5.5 - (x + 0.5) * (x + 5.5).ln();
    let mut ser = 1.000_000_000_190_015;
    for (j, g) in G.iter().enumerate() {
        ser += g / (x + 1.0 + j as f64);
    }
    -tmp + (2.506_628_274_631_000_5 * ser / x).ln()
}

/// Q(a, x) = Γ(a, x)/Γ(a), the upper regularized incomplete gamma function.
pub(super) fn gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let gln = ln_gamma(a);
    if x < a + 1.0 {
        let (mut sum, mut del, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..1000 {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if del.abs() < sum.abs() * 1e-14 {
                break;
            }
        }
        1.0 - sum * (-x + a * x.ln() - gln).exp()
    } else {
        // Lentz's continued fraction.
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..1000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            d = if d.abs() < tiny { 1.0 / tiny } else { 1.0 / d };
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < 1e-14 {
                break;
            }
        }
        (-x + a * x.ln() - gln).exp() * h
    }
}

/// P(χ² > x) with `dof` degrees of freedom.
pub(super) fn chi_square_p(x: f64, dof: u32) -> f64 {
    if dof == 0 {
        return 1.0;
    }
    gamma_q(f64::from(dof) / 2.0, x / 2.0).clamp(0.0, 1.0)
}

/// Delays, streamed into buckets 1 % wide (from 1 ms), sparse so that rare destinations cost little.
#[derive(Clone, Debug, Default)]
pub(super) struct DelayHist {
    buckets: Vec<(u32, u32)>,
    n: u64,
    max_us: u64,
}

const GROWTH: f64 = 0.009_950_330_853_168_083; // ln(1.01)

impl DelayHist {
    /// Adds one delay.
    pub(super) fn add(&mut self, us: u64) {
        let ms = us as f64 / 1000.0;
        let b = if ms < 1.0 {
            0
        } else {
            (ms.ln() / GROWTH) as u32 + 1
        };
        match self.buckets.binary_search_by_key(&b, |(k, _)| *k) {
            Ok(i) => self.buckets[i].1 += 1,
            Err(i) => self.buckets.insert(i, (b, 1)),
        }
        self.n += 1;
        self.max_us = self.max_us.max(us);
    }

    /// Number of delays.
    pub(super) fn len(&self) -> u64 {
        self.n
    }

    /// Largest delay, seconds.
    pub(super) fn max_s(&self) -> f64 {
        self.max_us as f64 / 1e6
    }

    /// The p-quantile, seconds (to about 1 %).
    pub(super) fn quantile_s(&self, p: f64) -> f64 {
        let target = (p * self.n as f64).ceil().max(1.0) as u64;
        let mut seen = 0u64;
        for (b, c) in &self.buckets {
            seen += u64::from(*c);
            if seen >= target {
                let ms = if *b == 0 {
                    0.5
                } else {
                    ((f64::from(*b) - 0.5) * GROWTH).exp()
                };
                return (ms / 1000.0).min(self.max_s());
            }
        }
        self.max_s()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_functions_match_known_values() {
        assert!((normal_cdf(1.959_964) - 0.975).abs() < 1e-6);
        assert!((normal_cdf(-1.0) - 0.158_655_25).abs() < 1e-6);
        assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-10);
        // χ² with 10 dof: P(> 18.307) = 0.05; with 120 dof: P(> 146.567) = 0.05.
        assert!((chi_square_p(18.307, 10) - 0.05).abs() < 1e-4);
        assert!((chi_square_p(146.567, 120) - 0.05).abs() < 1e-3);
        assert!((chi_square_p(1.0, 1) - 0.317_31).abs() < 1e-4);
        // Kolmogorov: P(K > 1.358) = 0.05 asymptotically.
        assert!((kolmogorov_p(1.358 / 1e4, 1e8) - 0.05).abs() < 2e-3);
    }

    #[test]
    fn exact_lognormal_quantiles_fit_with_a_tiny_distance() {
        let mut h = SizeHist::default();
        // Sizes at the quantiles of a lognormal(median 45 KB, σ 1): the MLE finds it again.
        let n = 20_000;
        for i in 0..n {
            let p = (f64::from(i) + 0.5) / f64::from(n);
            let z = inverse_normal(p);
            h.add((45_000.0 * z.exp()).round() as u64);
        }
        let fit = h.lognormal().unwrap();
        assert!((fit.median / 45_000.0 - 1.0).abs() < 0.005, "{fit:?}");
        assert!((fit.sigma - 1.0).abs() < 0.01, "{fit:?}");
        assert!(fit.ks_distance < 0.01 && fit.ks_p_value > 0.5, "{fit:?}");
    }

    fn inverse_normal(p: f64) -> f64 {
        let (mut lo, mut hi) = (-10.0, 10.0);
        for _ in 0..100 {
            let mid = (lo + hi) / 2.0;
            if normal_cdf(mid) < p {
                lo = mid
            } else {
                hi = mid
            }
        }
        (lo + hi) / 2.0
    }

    #[test]
    fn delay_quantiles_are_within_a_percent() {
        let mut d = DelayHist::default();
        for i in 1..=1000u64 {
            d.add(i * 1_000_000);
        }
        assert!(
            (d.quantile_s(0.5) / 500.0 - 1.0).abs() < 0.01,
            "{}",
            d.quantile_s(0.5)
        );
        assert!((d.quantile_s(0.95) / 950.0 - 1.0).abs() < 0.01);
        assert_eq!((d.max_s(), d.len()), (1000.0, 1000));
        let mut tiny = DelayHist::default();
        tiny.add(200);
        assert!(tiny.quantile_s(0.5) <= 0.0002 + 1e-12);
    }
}
