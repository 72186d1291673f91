//! The sweep grid: `--vary KEY=FROM..TO:STEPS` or `KEY=v1,v2,…`, their cartesian product, and
//! each point's canonical text (what its seeds are derived from).

use serde::{Deserialize, Serialize};

use crate::scenario::Override;

/// One `--vary`: a key and its values as the user wrote them (ranges formatted in the unit of
/// the range's ends).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vary {
    /// The scenario path, e.g. `traffic.arrivals.rate`.
    pub key: String,
    /// The values in sweep order.
    pub values: Vec<String>,
}

/// One point of the grid: its index in the full grid and a value per varied key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Point {
    /// Position in the full grid (the first key varies slowest).
    pub index: usize,
    /// `(key, value)` in `--vary` order.
    pub values: Vec<(String, String)>,
}

/// A value split into its number and the unit after it (`0.30/s` → `0.30`, `/s`).
fn split(s: &str) -> Option<(&str, &str)> {
    let neg = usize::from(s.starts_with('-'));
    let end = s[neg..]
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map_or(s.len(), |i| i + neg);
    let num = &s[..end];
    num.parse::<f64>().ok()?;
    Some((num, &s[end..]))
}

/// The number at the start of a value, if it has one (`0.30/s` → 0.3).
pub fn number(value: &str) -> Option<f64> {
    split(value.trim()).and_then(|(n, _)| n.parse().ok())
}

/// Decimals written in a value's number (`0.30/s` → 2), and the unit after it (`/s`).
pub fn decimals_and_unit(value: &str) -> (usize, &str) {
    split(value.trim()).map_or((0, ""), |(n, unit)| (decimals(n), unit))
}

fn decimals(num: &str) -> usize {
    num.split_once('.').map_or(0, |(_, f)| f.len())
}

/// Parses one `--vary` argument.
pub fn parse_vary(arg: &str) -> Result<Vary, String> {
    let fail = |what: &str| {
        format!(
            "--vary {arg}: {what} (write `KEY=FROM..TO:STEPS`, e.g. `traffic.arrivals.rate=0.30/s..0.80/s:11`, \
             or `KEY=v1,v2,v3`)"
        )
    };
    let (key, spec) = arg
        .split_once('=')
        .ok_or_else(|| fail("no `=` after the key"))?;
    let (key, spec) = (key.trim(), spec.trim());
    if key.is_empty() {
        return Err(fail("no key before `=`"));
    }
    if spec.is_empty() {
        return Err(fail("no values after `=`"));
    }
    let values = if let Some((from, rest)) = spec.split_once("..") {
        let (to, steps) = rest
            .rsplit_once(':')
            .ok_or_else(|| fail("a range needs `:STEPS` after its end"))?;
        let steps: usize = steps
            .trim()
            .parse()
            .map_err(|_| fail(&format!("`{steps}` is not a number of steps")))?;
        range(from.trim(), to.trim(), steps).map_err(|e| fail(&e))?
    } else {
        let v: Vec<String> = spec.split(',').map(|v| v.trim().to_string()).collect();
        if v.iter().any(String::is_empty) {
            return Err(fail("an empty value in the list"));
        }
        v
    };
    Ok(Vary {
        key: key.to_string(),
        values,
    })
}

/// `steps` values from `from` to `to` (both included) in their shared unit, with as many
/// decimals as the ends or the step need.
fn range(from: &str, to: &str, steps: usize) -> Result<Vec<String>, String> {
    let (a, unit_a) =
        split(from).ok_or_else(|| format!("`{from}` does not start with a number"))?;
    let (b, unit_b) = split(to).ok_or_else(|| format!("`{to}` does not start with a number"))?;
    if unit_a != unit_b {
        return Err(format!("`{from}` and `{to}` must be in the same unit"));
    }
    if steps < 2 {
        return Err("a range needs at least 2 steps (its two ends)".into());
    }
    if steps > 10_000 {
        return Err(format!("{steps} steps is too many (at most 10000)"));
    }
    let (x0, x1): (f64, f64) = (a.parse().unwrap_or(0.0), b.parse().unwrap_or(0.0));
    let step = (x1 - x0) / (steps - 1) as f64;
    let needed = (0..=6usize)
        .find(|d| {
            let s = step.abs() * 10f64.powi(*d as i32);
            (s - s.round()).abs() < 1e-6 * s.max(1.0)
        })
        .unwrap_or_else(|| (2 - step.abs().log10().floor() as i32).clamp(0, 9) as usize);
    let places = decimals(a).max(decimals(b)).max(needed);
    Ok((0..steps)
        .map(|i| {
            let x = if i + 1 == steps {
                x1
            } else {
                x0 + step * i as f64
            };
            format!("{x:.places$}{unit_a}")
        })
        .collect())
}

/// The most points a sweep grid may have: every point keeps its estimates in memory and its
/// file on disk, and each runs `--replications` simulations.
pub const MAX_POINTS: usize = 10_000;

/// The number of points of the grid of `varies` (the product of their lengths), refused above
/// [`MAX_POINTS`] before any point is built.
pub fn size(varies: &[Vary]) -> Result<usize, String> {
    let counts: Vec<String> = varies.iter().map(|v| v.values.len().to_string()).collect();
    let n = varies
        .iter()
        .try_fold(1usize, |n, v| n.checked_mul(v.values.len()));
    match n {
        Some(n) if n <= MAX_POINTS => Ok(n),
        _ => Err(format!(
            "the grid has {} points ({}); at most {MAX_POINTS}: use fewer steps or fewer --vary",
            n.map_or_else(|| "more than 1.8e19".to_string(), |n| n.to_string()),
            counts.join(" × ")
        )),
    }
}

/// Every point of the grid, the first key varying slowest.
pub fn points(varies: &[Vary]) -> Vec<Point> {
    let mut out: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for v in varies {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                v.values.iter().map(move |x| {
                    let mut p = prefix.clone();
                    p.push((v.key.clone(), x.clone()));
                    p
                })
            })
            .collect();
    }
    out.into_iter()
        .enumerate()
        .map(|(index, values)| Point { index, values })
        .collect()
}

impl Point {
    /// The point's text for seeds: keys sorted, numbers in shortest form (`0.50/s` and `0.5/s`
    /// are the same point), so it does not depend on the grid around it.
    pub fn canonical(&self) -> String {
        let mut parts: Vec<String> = self
            .values
            .iter()
            .map(|(k, v)| match split(v.trim()) {
                Some((n, unit)) => format!("{k}={}{unit}", n.parse::<f64>().unwrap_or(0.0)),
                None => format!("{k}={}", v.trim()),
            })
            .collect();
        parts.sort();
        parts.join("&")
    }

    /// The point as `--set` overrides.
    pub fn overrides(&self) -> Vec<Override> {
        self.values
            .iter()
            .map(|(k, v)| Override {
                key: k.clone(),
                value: v.clone(),
            })
            .collect()
    }

    /// `key=value, key=value` for people.
    pub fn label(&self) -> String {
        let parts: Vec<String> = self
            .values
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_keep_the_unit_and_enough_decimals() {
        let v = parse_vary("traffic.arrivals.rate=0.30/s..0.80/s:11").unwrap();
        assert_eq!(v.values.len(), 11);
        assert_eq!(v.values[0], "0.30/s");
        assert_eq!(v.values[1], "0.35/s");
        assert_eq!(v.values[4], "0.50/s");
        assert_eq!(v.values[10], "0.80/s");
        let d = parse_vary("traffic.inbound.rate=10000/d..200000/d:20").unwrap();
        assert_eq!(d.values[1], "20000/d");
        assert_eq!(d.values[19], "200000/d");
        let w = parse_vary("nodes.onprem.workers=1..4:4").unwrap();
        assert_eq!(w.values, ["1", "2", "3", "4"]);
        let l = parse_vary("k=a, b,c").unwrap();
        assert_eq!(l.values, ["a", "b", "c"]);
    }

    #[test]
    fn bad_ranges_say_what_is_wrong() {
        assert!(
            parse_vary("k=1/s..2/d:3")
                .unwrap_err()
                .contains("same unit")
        );
        assert!(parse_vary("k=1..2").unwrap_err().contains(":STEPS"));
        assert!(parse_vary("k=1..2:1").unwrap_err().contains("at least 2"));
        assert!(parse_vary("k=x..2:3").unwrap_err().contains("number"));
        assert!(parse_vary("=1,2").unwrap_err().contains("no key"));
        assert!(parse_vary("k").unwrap_err().contains("no `=`"));
        assert!(parse_vary("k=1,,2").unwrap_err().contains("empty"));
    }

    /// Regression (issue 16): a 10⁹-point grid was built in memory before anything checked it.
    #[test]
    fn a_huge_grid_is_refused_before_it_is_built() {
        let k = |name: &str| parse_vary(&format!("{name}=1..1000:1000")).unwrap();
        let err = size(&[k("a"), k("b"), k("c")]).unwrap_err();
        assert!(
            err.starts_with("the grid has 1000000000 points (1000 × 1000 × 1000); at most 10000"),
            "{err}"
        );
        assert_eq!(size(&[k("a"), parse_vary("b=1,2").unwrap()]), Ok(2000));
    }

    #[test]
    fn a_point_is_the_same_whatever_the_grid_around_it() {
        let a = parse_vary("r=0.30/s..0.80/s:11").unwrap();
        let b = parse_vary("r=0.5/s,0.9/s").unwrap();
        let w = parse_vary("w=1,2").unwrap();
        let pa = points(&[a, w.clone()]);
        let pb = points(&[w, b]);
        assert_eq!(pa.len(), 22);
        assert_eq!(pa[1].label(), "r=0.30/s, w=2");
        let half_a = pa
            .iter()
            .find(|p| p.values[0].1 == "0.50/s" && p.values[1].1 == "1");
        let half_b = pb
            .iter()
            .find(|p| p.values[0].1 == "1" && p.values[1].1 == "0.5/s");
        assert_eq!(half_a.unwrap().canonical(), half_b.unwrap().canonical());
        assert_eq!(half_a.unwrap().canonical(), "r=0.5/s&w=1");
    }
}
