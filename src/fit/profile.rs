//! The hour-of-week profile: observation time per hour-of-week, the weekday/weekend Poisson fit, and its chi-square goodness of fit.

use serde::Serialize;

use super::clock::{HOUR_US, hour_of_week};
use super::stats::chi_square_p;

/// Hours of the week.
pub(super) const WEEK_HOURS: usize = 168;

/// Hours observed in each hour-of-week bin, from the (merged) time spans the logs cover.
pub(super) fn exposure(spans: &[(i64, i64)]) -> [f64; WEEK_HOURS] {
    let mut spans: Vec<(i64, i64)> = spans.iter().copied().filter(|(a, b)| b > a).collect();
    spans.sort();
    let mut merged: Vec<(i64, i64)> = Vec::new();
    for (a, b) in spans {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    let mut hours = [0.0; WEEK_HOURS];
    for (a, b) in merged {
        let mut t = a;
        while t < b {
            let next = (t.div_euclid(HOUR_US) + 1) * HOUR_US;
            let end = next.min(b);
            hours[hour_of_week(t)] += (end - t) as f64 / HOUR_US as f64;
            t = end;
        }
    }
    hours
}

/// The cell (weekday hour 0–23, weekend hour 24–47) of an hour-of-week bin.
fn cell(bin: usize) -> usize {
    if bin / 24 < 5 {
        bin % 24
    } else {
        24 + bin % 24
    }
}

/// A fitted profile and how well it fits.
#[derive(Clone, Debug, Serialize)]
pub struct ProfileFit {
    /// Weekday multipliers by hour (the week's mean multiplier is 1).
    pub weekday: Vec<f64>,
    /// Weekend multipliers by hour.
    pub weekend: Vec<f64>,
    /// Mean arrivals per hour over the week.
    pub mean_per_hour: f64,
    /// Expected count in each hour-of-week bin under the fit (for the chart).
    pub fitted: Vec<f64>,
    /// Pearson chi-square of observed against expected counts.
    pub chi_square: f64,
    /// Its degrees of freedom.
    pub dof: u32,
    /// P(χ² ≥ statistic) under the fitted model.
    pub p_value: f64,
    /// What had to be filled in (e.g. no weekend in the logs).
    pub gaps: Vec<String>,
}

/// Fits rate(t) = λ · m(weekday or weekend, hour) by maximum likelihood (per cell: count / hours
/// observed) and tests it: within each cell the counts of the individual days' bins must agree.
pub(super) fn fit(counts: &[u64; WEEK_HOURS], exposure: &[f64; WEEK_HOURS]) -> ProfileFit {
    let mut n = [0.0f64; 48];
    let mut e = [0.0f64; 48];
    for bin in 0..WEEK_HOURS {
        n[cell(bin)] += counts[bin] as f64;
        e[cell(bin)] += exposure[bin];
    }
    let mut rate = [f64::NAN; 48];
    for c in 0..48 {
        if e[c] > 0.0 {
            rate[c] = n[c] / e[c];
        }
    }
    let mut gaps = Vec::new();
    let missing = |r: &[f64]| r.iter().filter(|x| x.is_nan()).count();
    if missing(&rate[24..]) == 24 && missing(&rate[..24]) < 24 {
        gaps.push("no weekend in the logs: the weekend profile is the weekday one".into());
    }
    if missing(&rate[..24]) == 24 && missing(&rate[24..]) < 24 {
        gaps.push("no weekday in the logs: the weekday profile is the weekend one".into());
    }
    // Unobserved hours: the other day type's same hour, else the mean observed rate.
    let observed_rate = n.iter().sum::<f64>() / e.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let unseen = (0..48).filter(|c| e[*c] == 0.0).count();
    for c in 0..48 {
        if rate[c].is_nan() {
            let other = if c < 24 { c + 24 } else { c - 24 };
            rate[c] = if rate[other].is_nan() {
                observed_rate
            } else {
                rate[other]
            };
        }
    }
    if unseen > 0 && gaps.is_empty() {
        gaps.push(format!("{unseen} of the 48 weekday/weekend hours were never observed: filled from the other day type, else with the mean observed rate"));
    }
    let mean_per_hour = (5.0 * rate[..24].iter().sum::<f64>()
        + 2.0 * rate[24..].iter().sum::<f64>())
        / WEEK_HOURS as f64;
    let m = |r: f64| {
        if mean_per_hour > 0.0 {
            r / mean_per_hour
        } else {
            1.0
        }
    };
    let fitted: Vec<f64> = (0..WEEK_HOURS)
        .map(|bin| rate[cell(bin)] * exposure[bin])
        .collect();
    let (chi_square, dof) = chi_square(counts, &fitted);
    ProfileFit {
        weekday: rate[..24].iter().map(|r| m(*r)).collect(),
        weekend: rate[24..].iter().map(|r| m(*r)).collect(),
        mean_per_hour,
        p_value: chi_square_p(chi_square, dof),
        fitted,
        chi_square,
        dof,
        gaps,
    }
}

/// Pearson's statistic within cells: a cell's bins (its 5 weekdays or 2 weekend days) are pooled
/// in order until each group expects at least 5 messages; a cell of g groups adds g − 1 degrees of
/// freedom (its rate was fitted to its own total).
fn chi_square(counts: &[u64; WEEK_HOURS], expected: &[f64]) -> (f64, u32) {
    let mut stat = 0.0;
    let mut dof = 0u32;
    for c in 0..48 {
        let bins: Vec<usize> = (0..WEEK_HOURS).filter(|b| cell(*b) == c).collect();
        let mut groups: Vec<(f64, f64)> = Vec::new();
        let mut acc = (0.0, 0.0);
        for b in bins {
            acc.0 += counts[b] as f64;
            acc.1 += expected[b];
            if acc.1 >= 5.0 {
                groups.push(acc);
                acc = (0.0, 0.0);
            }
        }
        if acc.1 > 0.0 {
            match groups.last_mut() {
                Some(last) => {
                    last.0 += acc.0;
                    last.1 += acc.1;
                }
                None => continue,
            }
        }
        if groups.len() < 2 {
            continue;
        }
        dof += groups.len() as u32 - 1;
        stat += groups
            .iter()
            .map(|(o, e)| (o - e) * (o - e) / e)
            .sum::<f64>();
    }
    (stat, dof)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::clock::{DAY_US, days_from_civil};

    #[test]
    fn exposure_counts_each_hour_of_week_once_per_week_observed() {
        let monday = days_from_civil(2024, 3, 4) * DAY_US;
        let two_weeks = exposure(&[
            (monday, monday + 14 * DAY_US),
            (monday + DAY_US, monday + 2 * DAY_US),
        ]);
        assert!(
            two_weeks.iter().all(|h| (*h - 2.0).abs() < 1e-9),
            "{two_weeks:?}"
        );
        let half_hour = exposure(&[(monday + HOUR_US / 2, monday + HOUR_US)]);
        assert!((half_hour[0] - 0.5).abs() < 1e-9);
    }

    #[test]
    fn exact_counts_give_the_profile_and_a_perfect_fit() {
        let mut counts = [0u64; WEEK_HOURS];
        for (bin, c) in counts.iter_mut().enumerate() {
            *c = if bin / 24 < 5 {
                20 + (bin % 24) as u64
            } else {
                10
            };
        }
        let fit = fit(&counts, &[1.0; WEEK_HOURS]);
        let mean = (5.0 * (20.0 * 24.0 + 276.0) + 2.0 * 240.0) / 168.0;
        assert!((fit.mean_per_hour - mean).abs() < 1e-9);
        assert!((fit.weekday[3] - 23.0 / mean).abs() < 1e-9);
        assert!((fit.weekend[3] - 10.0 / mean).abs() < 1e-9);
        assert_eq!((fit.chi_square, fit.dof), (0.0, 24 * 4 + 24));
        assert!((fit.p_value - 1.0).abs() < 1e-9);
    }

    #[test]
    fn a_busier_monday_is_rejected_and_a_missing_weekend_filled() {
        let mut counts = [100u64; WEEK_HOURS];
        for c in counts.iter_mut().take(24) {
            *c = 200;
        }
        let fit_monday = fit(&counts, &[1.0; WEEK_HOURS]);
        assert!(fit_monday.p_value < 1e-6, "{}", fit_monday.p_value);
        let mut exp = [1.0; WEEK_HOURS];
        exp[120..].iter_mut().for_each(|e| *e = 0.0);
        let weekdays = fit(&[50; WEEK_HOURS], &exp);
        assert_eq!(weekdays.weekend, weekdays.weekday);
        assert_eq!(weekdays.gaps.len(), 1);
        // Ten minutes of a Saturday night: the rate is what was seen, not diluted by the unseen week.
        let mut brief = [0.0; WEEK_HOURS];
        brief[121] = 1.0 / 6.0;
        let mut counts = [0u64; WEEK_HOURS];
        counts[121] = 3000;
        let short = fit(&counts, &brief);
        assert!(
            (short.mean_per_hour - 18_000.0).abs() < 1e-6,
            "{}",
            short.mean_per_hour
        );
    }
}
