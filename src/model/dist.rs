//! Probability distributions for service times, latencies and message sizes.

use rand::Rng;
use rand_distr::{Distribution, Exp1, StandardNormal};

/// A non-negative distribution in the base unit of what it describes (microseconds for times,
/// bytes for sizes).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Dist {
    /// Always this value.
    Fixed(f64),
    /// Exponential with this mean.
    Exponential {
        /// Mean value.
        mean: f64,
    },
    /// Log-normal: `median · exp(sigma · Z)`.
    LogNormal {
        /// Median (= exp(mu)).
        median: f64,
        /// Standard deviation of the logarithm.
        sigma: f64,
    },
    /// Uniform on `[min, max]`.
    Uniform {
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
}

impl Dist {
    /// The mean of the distribution (used by the analytic load check and the reports).
    pub fn mean(&self) -> f64 {
        match *self {
            Dist::Fixed(v) => v,
            Dist::Exponential { mean } => mean,
            Dist::LogNormal { median, sigma } => median * (sigma * sigma / 2.0).exp(),
            Dist::Uniform { min, max } => (min + max) / 2.0,
        }
    }

    /// Draws one value, never negative. A fixed value (a zero service time, a connector's
    /// fixed latency) is read in place; only random draws make a call.
    #[inline(always)]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match *self {
            Dist::Fixed(v) => v,
            _ => self.draw(rng),
        }
    }

    /// Draws one value of a random distribution.
    #[inline(never)]
    fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match *self {
            Dist::Fixed(v) => v,
            Dist::Exponential { mean } => {
                let e: f64 = Exp1.sample(rng);
                mean * e
            }
            Dist::LogNormal { median, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                median * (sigma * z).exp()
            }
            Dist::Uniform { min, max } => {
                let u = (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
                min + (max - min) * u
            }
        }
    }

    /// True when every draw is zero (no randomness is consumed for it).
    pub fn is_zero(&self) -> bool {
        matches!(*self, Dist::Fixed(v) if v == 0.0)
    }
}
