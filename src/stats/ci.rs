//! Means with 95% confidence intervals (Student t) over independent replications.

use serde::{Deserialize, Serialize};

/// Two-sided 95% quantiles of Student's t for 1 to 30 degrees of freedom.
const T975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

/// The 0.975 quantile of Student's t with `df` degrees of freedom (`df` ≥ 1): a table up to
/// 30, the Cornish–Fisher expansion beyond (error below 1e-4 there).
pub fn t975(df: usize) -> f64 {
    if df == 0 {
        return f64::INFINITY;
    }
    if let Some(t) = T975.get(df - 1) {
        return *t;
    }
    let z: f64 = 1.959_964;
    let v = df as f64;
    let (z3, z5, z7) = (z.powi(3), z.powi(5), z.powi(7));
    z + (z3 + z) / (4.0 * v)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * v * v)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * v * v * v)
}

/// A metric over replications: the mean, its 95% confidence interval and the per-run values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Mean over the runs.
    pub mean: f64,
    /// 95% confidence interval of the mean (Student t); `[mean, mean]` for a single run.
    pub ci95: [f64; 2],
    /// The value of each run, in replication order (left out of `sweep.json`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runs: Vec<f64>,
}

impl Estimate {
    /// The estimate of `runs` (empty: all zeros).
    pub fn of(runs: Vec<f64>) -> Estimate {
        let n = runs.len();
        if n == 0 {
            return Estimate {
                mean: 0.0,
                ci95: [0.0, 0.0],
                runs,
            };
        }
        let mean = runs.iter().sum::<f64>() / n as f64;
        let half = if n < 2 {
            0.0
        } else {
            let var = runs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            t975(n - 1) * (var / n as f64).sqrt()
        };
        Estimate {
            mean,
            ci95: [mean - half, mean + half],
            runs,
        }
    }

    /// The same estimate without the per-run values.
    pub fn without_runs(mut self) -> Estimate {
        self.runs = Vec::new();
        self
    }

    /// Whether the interval contains `x`.
    pub fn contains(&self, x: f64) -> bool {
        self.ci95[0] <= x && x <= self.ci95[1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_the_tables() {
        assert_eq!(t975(4), 2.776);
        assert!((t975(40) - 2.021).abs() < 1e-3, "{}", t975(40));
        assert!((t975(120) - 1.980).abs() < 1e-3, "{}", t975(120));
        assert!(t975(0).is_infinite());
    }

    #[test]
    fn five_runs_give_the_textbook_interval() {
        let e = Estimate::of(vec![1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(e.mean, 3.0);
        // s = sqrt(2.5), half-width = 2.776 * s / sqrt(5).
        let half = 2.776 * (2.5f64 / 5.0).sqrt();
        assert!((e.ci95[1] - 3.0 - half).abs() < 1e-12);
        assert!(e.contains(3.0) && !e.contains(5.0));
        assert_eq!(Estimate::of(vec![7.0]).ci95, [7.0, 7.0]);
        assert_eq!(Estimate::of(vec![]).mean, 0.0);
    }
}
