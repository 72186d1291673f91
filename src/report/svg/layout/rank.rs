//! Phase 2, layer assignment: longest path with hint floors, compaction, and wrapping of over-wide layers.

use std::collections::BTreeMap;

use super::acyclic::Orientation;
use super::{Input, Options};

/// Most extra layers one over-wide layer may be wrapped onto.
const MAX_WRAP: usize = 8;

/// The oriented graph without self-loops, as adjacency lists with multiplicity.
struct Dag {
    preds: Vec<Vec<usize>>,
    succs: Vec<Vec<usize>>,
    /// Estimated width the incoming edges of a node need in the label band above it.
    in_width: Vec<f64>,
}

impl Dag {
    fn new(input: &Input, reversed: &[bool], opts: &Options) -> Dag {
        let n = input.nodes.len();
        let mut dag = Dag {
            preds: vec![Vec::new(); n],
            succs: vec![Vec::new(); n],
            in_width: vec![0.0; n],
        };
        for (e, &rev) in input.edges.iter().zip(reversed) {
            if e.from == e.to {
                continue;
            }
            let (u, v) = if rev { (e.to, e.from) } else { (e.from, e.to) };
            dag.succs[u].push(v);
            dag.preds[v].push(u);
            let label = e.label.map_or(0.0, |l| l.across + opts.label_gap);
            dag.in_width[v] += label + opts.edge_gap;
        }
        dag
    }
}

/// Returns the layer of every node, 0 being the first; every oriented edge goes at least one layer down.
/// `pressure` scales the width estimate of the wrapping step (1 = take it at face value).
pub(super) fn assign(
    input: &Input,
    orientation: &Orientation,
    opts: &Options,
    pressure: f64,
) -> Vec<usize> {
    let dag = Dag::new(input, &orientation.reversed, opts);
    let floors = hint_floors(input, &dag, &orientation.order);
    let mut layer = longest_path(&dag, &orientation.order, &floors);
    compact(input, &dag, &orientation.order, &mut layer);
    if let Some(max_width) = opts.max_width {
        wrap_wide_layers(input, &dag, &mut layer, max_width / pressure, opts);
    }
    let min = layer.iter().copied().min().unwrap_or(0);
    layer.iter_mut().for_each(|l| *l -= min);
    layer
}

/// Longest path from the sources: each node goes one layer below its lowest predecessor,
/// and no higher than its floor. `order` is topological, so one pass suffices.
fn longest_path(dag: &Dag, order: &[usize], floors: &[usize]) -> Vec<usize> {
    let mut layer = floors.to_vec();
    for &v in order {
        for &w in &dag.succs[v] {
            layer[w] = layer[w].max(layer[v] + 1);
        }
    }
    layer
}

/// Minimum layer of each node so that hinted nodes sit on their hinted layer (counted from the
/// smallest hint), nodes sharing a hint share a layer, and bigger hints are strictly lower.
fn hint_floors(input: &Input, dag: &Dag, order: &[usize]) -> Vec<usize> {
    let n = input.nodes.len();
    let mut floors = vec![0; n];
    let Some(min) = input.hints.iter().flatten().copied().min() else {
        return floors;
    };
    let mut groups: BTreeMap<i32, Vec<usize>> = BTreeMap::new();
    for (v, h) in input.hints.iter().enumerate() {
        if let Some(h) = h {
            // Clamped so that absurd hints (i32::MAX) cannot create millions of empty layers.
            floors[v] = (i64::from(*h) - i64::from(min)).min(n as i64) as usize;
            groups.entry(*h).or_default().push(v);
        }
    }
    // Raising floors can only push layers down, so a few rounds settle; edges between two nodes
    // of one hint group would push forever, hence the bound.
    for _ in 0..4 {
        let layer = longest_path(dag, order, &floors);
        let mut changed = false;
        let mut prev: Option<usize> = None;
        for members in groups.values() {
            let mut l = members.iter().map(|&v| layer[v]).max().unwrap_or(0);
            if let Some(p) = prev {
                l = l.max(p + 1);
            }
            for &v in members {
                if floors[v] < l {
                    floors[v] = l;
                    changed = true;
                }
            }
            prev = Some(l);
        }
        if !changed {
            break;
        }
    }
    floors
}

/// Compaction: moves each unhinted node within the layers its edges allow towards the side with
/// more edges, which shortens edges (fewer dummies); sources drop to just above their targets.
fn compact(input: &Input, dag: &Dag, order: &[usize], layer: &mut [usize]) {
    for _ in 0..8 {
        let mut moved = false;
        // Bottom-up, so that a node sees its successors' final layers.
        for &v in order.iter().rev() {
            if input.hints[v].is_some() {
                continue;
            }
            let lo = dag.preds[v]
                .iter()
                .map(|&u| layer[u] + 1)
                .max()
                .unwrap_or(0);
            let hi = dag.succs[v]
                .iter()
                .map(|&w| layer[w].saturating_sub(1))
                .min();
            let (ins, outs) = (dag.preds[v].len(), dag.succs[v].len());
            let want = match (outs > ins, hi) {
                (true, Some(hi)) => hi,
                _ if ins > outs => lo,
                _ => layer[v],
            };
            let t = want.min(hi.unwrap_or(usize::MAX)).max(lo);
            if t != layer[v] {
                layer[v] = t;
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
}

/// Spreads the unhinted sinks of a layer wider than `max_width` round-robin over extra layers,
/// so that their nodes and the labels of their edges share the width of several bands.
fn wrap_wide_layers(input: &Input, dag: &Dag, layer: &mut [usize], max_width: f64, opts: &Options) {
    let mut l = 0;
    while l <= layer.iter().copied().max().unwrap_or(0) {
        let members: Vec<usize> = (0..layer.len()).filter(|&v| layer[v] == l).collect();
        let nodes: f64 = members
            .iter()
            .map(|&v| input.nodes[v].across + opts.node_gap)
            .sum();
        let labels: f64 = members.iter().map(|&v| dag.in_width[v]).sum();
        let mut leaves: Vec<usize> = (members.iter().copied())
            .filter(|&v| {
                input.hints[v].is_none() && dag.succs[v].is_empty() && !dag.preds[v].is_empty()
            })
            .collect();
        let want = (nodes.max(labels) / max_width).ceil();
        let m = if want.is_finite() && want >= 2.0 {
            (want as usize).min(leaves.len()).min(MAX_WRAP)
        } else {
            1
        };
        if m < 2 {
            l += 1;
            continue;
        }
        for x in layer.iter_mut().filter(|x| **x > l) {
            *x += m - 1;
        }
        // Siblings (same first predecessor) go round-robin from the first extra layer on, so every
        // parent gets a column of leaves stacked under it rather than a staircase across the drawing.
        leaves.sort_by_key(|&v| (dag.preds[v].iter().min().copied(), v));
        let mut sibling = 0;
        for (i, &v) in leaves.iter().enumerate() {
            let parent = |v: usize| dag.preds[v].iter().min().copied();
            sibling = if i > 0 && parent(leaves[i - 1]) == parent(v) {
                sibling + 1
            } else {
                0
            };
            layer[v] = l + sibling % m;
        }
        l += m;
    }
}
