//! The capacity per value of every other varied key: in a grid of load × workers, the largest
//! load that meets the SLOs with 16 workers, with 32, … — what a planner reads off a 2-D sweep.

use indexmap::IndexMap;
use serde::Serialize;

use crate::experiment::sweep::SweepReport;
use crate::experiment::sweep::capacity::capacity;

/// The capacity (largest value of the first key meeting every SLO) at one combination of the
/// other keys' values.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CapacityAt {
    /// The other keys and their values, in `--vary` order.
    pub at: IndexMap<String, String>,
    /// The first key's largest value meeting every SLO there and below, as written in
    /// `--vary`; `null` when none does (or no SLO was given).
    pub value: Option<String>,
    /// Whether every point of this combination has run (else the value is provisional).
    pub complete: bool,
}

/// The capacity at every combination of the other keys' values, in grid order; empty for a
/// sweep of one key.
pub fn capacity_by(r: &SweepReport) -> Vec<CapacityAt> {
    let Some(first) = r.vary.first() else {
        return Vec::new();
    };
    if r.vary.len() < 2 {
        return Vec::new();
    }
    let mut combos: Vec<IndexMap<String, String>> = vec![IndexMap::new()];
    for v in &r.vary[1..] {
        combos = combos
            .into_iter()
            .flat_map(|c| {
                v.values.iter().map(move |x| {
                    let mut c = c.clone();
                    c.insert(v.key.clone(), x.clone());
                    c
                })
            })
            .collect();
    }
    combos
        .into_iter()
        .map(|at| {
            let points: Vec<_> = r
                .points
                .iter()
                .filter(|p| at.iter().all(|(k, v)| p.values.get(k) == Some(v)))
                .cloned()
                .collect();
            let c = capacity(
                std::slice::from_ref(first),
                &r.slo,
                &points,
                first.values.len(),
            );
            CapacityAt {
                complete: points.len() == first.values.len(),
                at,
                value: c.value,
            }
        })
        .collect()
}

/// `nodes.onprem.workers=32`: a combination in words.
pub fn at_words(at: &IndexMap<String, String>) -> String {
    let parts: Vec<String> = at.iter().map(|(k, v)| format!("{k}={v}")).collect();
    parts.join(", ")
}
