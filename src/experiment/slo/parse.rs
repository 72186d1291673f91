//! Reading `--slo` expressions: `METRIC OP VALUE`, with units, and messages that say what to
//! write instead.

use super::metric::Metric;
use super::{Op, Slo};
use crate::scenario::units::parse_duration;

/// The operators, as the messages list them.
pub const OPERATORS: &str = "<, <=, >, >=";

/// The metric forms, as the messages list them.
pub const METRIC_FORMS: &str = "ndr_rate, latency.{mean,p50,p95,p99,max}, \
     time_to_ndr.{mean,p50,p95,p99,max}, delayed_<duration> (e.g. delayed_1h), queue.<node>.{peak,mean}, \
     utilization.<node>, in_flight, oldest_in_flight";

/// Parses `expr`; `nodes` (when known) are the scenario's node names, checked and suggested.
pub fn parse(expr: &str, nodes: Option<&[String]>) -> Result<Slo, String> {
    let fail = |what: String| -> String {
        format!(
            "--slo '{expr}': {what} (metrics: {METRIC_FORMS}; operators: {OPERATORS}; e.g. 'latency.p99<15m', 'ndr_rate<0.1%')"
        )
    };
    let Some(at) = expr.find(['<', '>', '=', '!']) else {
        return Err(fail("no comparison operator".into()));
    };
    let (name, rest) = expr.split_at(at);
    let (op, value) = if let Some(v) = rest.strip_prefix("<=") {
        (Op::Le, v)
    } else if let Some(v) = rest.strip_prefix(">=") {
        (Op::Ge, v)
    } else if let Some(v) = rest.strip_prefix('<') {
        (Op::Lt, v)
    } else if let Some(v) = rest.strip_prefix('>') {
        (Op::Gt, v)
    } else {
        let bad: String = rest.chars().take_while(|c| "<>=!".contains(*c)).collect();
        return Err(fail(format!("`{bad}` is not an operator")));
    };
    let (name, value) = (name.trim(), value.trim());
    if name.is_empty() {
        return Err(fail("no metric before the operator".into()));
    }
    let metric = resolve_metric(name, nodes).map_err(&fail)?;
    if value.is_empty() {
        return Err(fail("no value after the operator".into()));
    }
    let threshold = parse_value(&metric, value).map_err(&fail)?;
    Ok(Slo {
        expr: expr.to_string(),
        metric,
        op,
        threshold,
    })
}

/// The metric called `name`, its node checked against `nodes`.
fn resolve_metric(name: &str, nodes: Option<&[String]>) -> Result<Metric, String> {
    let known: Vec<String> = Metric::all(nodes.unwrap_or_default())
        .iter()
        .map(ToString::to_string)
        .collect();
    let Some(metric) = Metric::from_name(name) else {
        return Err(format!(
            "`{name}` is not a metric{}",
            did_you_mean(name, &known)
        ));
    };
    if let (Some(node), Some(nodes)) = (metric.node(), nodes)
        && !nodes.iter().any(|n| n == node)
    {
        return Err(format!(
            "there is no node `{node}` in the scenario (nodes: {}){}",
            nodes.join(", "),
            did_you_mean(name, &known)
        ));
    }
    Ok(metric)
}

/// `"; did you mean `x`?"` for the closest candidate, or nothing.
fn did_you_mean(name: &str, candidates: &[String]) -> String {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

/// The threshold in the metric's base unit: seconds for latencies, a fraction for `%`.
fn parse_value(metric: &Metric, text: &str) -> Result<f64, String> {
    if let Some(pct) = text.strip_suffix('%') {
        if !metric.is_fraction() {
            return Err(format!(
                "`{text}`: a percentage only fits ndr_rate, delayed_<threshold> and utilization.<node>"
            ));
        }
        return number(pct.trim(), text).map(|v| v / 100.0);
    }
    if metric.is_time() {
        if !text.ends_with(|c: char| c.is_alphabetic()) {
            return Err(format!(
                "`{text}` has no unit: a duration needs one, e.g. `{text}s`, `{text}m` or `{text}h`"
            ));
        }
        return parse_duration(text).map(|d| d.as_secs_f64());
    }
    let v = number(text, text)?;
    if metric.is_fraction() && !(0.0..=1.0).contains(&v) {
        return Err(format!(
            "`{text}`: {metric} is a fraction between 0 and 1; write a percentage such as `{text}%`"
        ));
    }
    Ok(v)
}

fn number(s: &str, text: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format!(
            "`{text}` is not a value: write a number (`5000`, `0.001`), a percentage (`0.1%`) \
             or, for latencies, a duration (`10s`, `15m`, `1h`)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes() -> Vec<String> {
        vec!["onprem".into(), "eop".into()]
    }

    #[test]
    fn values_take_units() {
        let s = parse("latency.p99<15m", Some(&nodes())).unwrap();
        assert_eq!((s.op, s.threshold), (Op::Lt, 900.0));
        assert_eq!(parse("ndr_rate <= 0.1%", None).unwrap().threshold, 0.001);
        assert_eq!(parse("latency.mean<2.5s", None).unwrap().threshold, 2.5);
        assert_eq!(parse("delayed_1h<0.1%", None).unwrap().threshold, 0.001);
        assert_eq!(parse("time_to_ndr.p95<1h", None).unwrap().threshold, 3600.0);
        let q = parse("queue.onprem.peak>=5000", Some(&nodes())).unwrap();
        assert_eq!((q.op, q.threshold), (Op::Ge, 5000.0));
        assert_eq!(
            parse("utilization.eop>85%", Some(&nodes()))
                .unwrap()
                .threshold,
            0.85
        );
    }

    #[test]
    fn mistakes_are_named_with_a_suggestion() {
        let e = parse("latency.p98<10s", None).unwrap_err();
        assert!(
            e.contains("`latency.p98` is not a metric") && e.contains("latency.p99"),
            "{e}"
        );
        let e = parse("queue.onprm.peak<10", Some(&nodes())).unwrap_err();
        assert!(
            e.contains("no node `onprm`") && e.contains("queue.onprem.peak"),
            "{e}"
        );
        let e = parse("ndr_rate==0", None).unwrap_err();
        assert!(
            e.contains("`==` is not an operator") && e.contains(OPERATORS),
            "{e}"
        );
        assert!(
            parse("ndr_rate", None)
                .unwrap_err()
                .contains("no comparison operator")
        );
        assert!(parse("latency.p99<10x", None).unwrap_err().contains("10x"));
        assert!(
            parse("in_flight<5%", None)
                .unwrap_err()
                .contains("percentage")
        );
        assert!(parse("<5", None).unwrap_err().contains("no metric"));
    }

    #[test]
    fn a_latency_without_a_unit_and_a_rate_above_one_are_refused() {
        let e = parse("latency.p99<10", None).unwrap_err();
        assert!(e.contains("`10` has no unit") && e.contains("`10s`"), "{e}");
        let e = parse("ndr_rate<2", None).unwrap_err();
        assert!(e.contains("between 0 and 1") && e.contains("`2%`"), "{e}");
        assert!(parse("ndr_rate<", None).unwrap_err().contains("no value"));
    }
}
