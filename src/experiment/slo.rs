//! Service-level objectives (`--slo 'latency.p99<15m'`): parsed once, checked against a run or,
//! with replications, against the pessimistic bound of the confidence interval.

pub mod metric;
pub mod parse;

pub use metric::{Metric, Stat};

use super::Summary;
use super::summary::SloResult;
use crate::stats::Estimate;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// One objective: a metric, an operator and a threshold in the metric's base unit.
#[derive(Clone, Debug, PartialEq)]
pub struct Slo {
    /// As written.
    pub expr: String,
    /// What it constrains.
    pub metric: Metric,
    /// How.
    pub op: Op,
    /// The limit (seconds for latencies, a fraction for rates and utilisation).
    pub threshold: f64,
}

impl Slo {
    /// Parses one expression; node names are checked when `nodes` is given.
    pub fn parse(expr: &str, nodes: Option<&[String]>) -> Result<Slo, String> {
        parse::parse(expr, nodes)
    }

    /// Whether `value` meets the objective.
    pub fn holds(&self, value: f64) -> bool {
        match self.op {
            Op::Lt => value < self.threshold,
            Op::Le => value <= self.threshold,
            Op::Gt => value > self.threshold,
            Op::Ge => value >= self.threshold,
        }
    }

    /// The bound of a confidence interval that decides: the upper one for `<`/`<=`, the lower
    /// one for `>`/`>=`.
    pub fn pessimistic(&self, e: &Estimate) -> f64 {
        match self.op {
            Op::Lt | Op::Le => e.ci95[1],
            Op::Gt | Op::Ge => e.ci95[0],
        }
    }

    /// The result of one run.
    pub fn check(&self, s: &Summary) -> SloResult {
        let value = self.metric.value(s).unwrap_or(f64::NAN);
        SloResult {
            expr: self.expr.clone(),
            value,
            met: self.holds(value),
        }
    }

    /// The result over replications, decided by the pessimistic bound (reported as `value`).
    pub fn check_estimate(&self, e: &Estimate) -> SloResult {
        let value = self.pessimistic(e);
        SloResult {
            expr: self.expr.clone(),
            value,
            met: self.holds(value),
        }
    }
}

/// Parses every `--slo` against a scenario's node names; the error says which one is bad and why.
pub fn parse_all(exprs: &[String], nodes: &[String]) -> Result<Vec<Slo>, String> {
    exprs.iter().map(|e| Slo::parse(e, Some(nodes))).collect()
}

/// `Err` listing the missed objectives with their values, if any.
pub fn verdict(results: &[SloResult]) -> Result<(), String> {
    let missed: Vec<String> = results
        .iter()
        .filter(|r| !r.met)
        .map(|r| match Slo::parse(&r.expr, None) {
            Ok(slo) => format!("{} (value {})", r.expr, slo.metric.format(r.value)),
            Err(_) => format!("{} (value {})", r.expr, r.value),
        })
        .collect();
    if missed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} SLO(s) missed: {}",
            missed.len(),
            missed.join("; ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pessimistic_bound_decides() {
        let lt = Slo::parse("latency.p99<10s", None).unwrap();
        let ge = Slo::parse("utilization.a>=0.5", None).unwrap();
        let e = Estimate::of(vec![9.0, 9.5, 9.9]);
        assert!(e.mean < 10.0 && e.ci95[1] > 10.0);
        assert!(!lt.check_estimate(&e).met, "upper bound over 10 s");
        let u = Estimate::of(vec![0.52, 0.56, 0.6]);
        assert!(ge.check_estimate(&u).met == (u.ci95[0] >= 0.5));
        assert!(verdict(&[lt.check_estimate(&e)]).is_err());
    }
}
