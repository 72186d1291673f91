//! Phase 1, cycle removal: a greedy Eades–Lin–Smyth node order, adjusted for layer hints, decides which edges to reverse.

use std::cmp::Reverse;
use std::collections::VecDeque;

use super::Input;

/// A node order in which every kept edge points forward, plus the edges reversed to get it.
pub(super) struct Orientation {
    /// Node indices, top first; it is a topological order of the oriented graph.
    pub(super) order: Vec<usize>,
    /// Per entry of `Input::edges`: whether it is drawn against its direction.
    pub(super) reversed: Vec<bool>,
}

/// Orients every edge along the hint-adjusted Eades–Lin–Smyth order.
pub(super) fn orient(input: &Input) -> Orientation {
    let order = apply_hints(input, greedy_order(input));
    let mut pos = vec![0; input.nodes.len()];
    for (i, &v) in order.iter().enumerate() {
        pos[v] = i;
    }
    // Self-loops compare equal and stay as they are; they never take part in layering.
    let reversed = input
        .edges
        .iter()
        .map(|e| pos[e.from] > pos[e.to])
        .collect();
    Orientation { order, reversed }
}

/// Eades–Lin–Smyth: peel sinks to the back and sources to the front; when neither exists,
/// put the node with the largest out-degree minus in-degree at the front.
/// Linear-time in spirit (a scan per step here) and reverses no edge of an acyclic graph.
fn greedy_order(input: &Input) -> Vec<usize> {
    let n = input.nodes.len();
    let mut outs = vec![Vec::new(); n];
    let mut ins = vec![Vec::new(); n];
    for e in input.edges.iter().filter(|e| e.from != e.to) {
        outs[e.from].push(e.to);
        ins[e.to].push(e.from);
    }
    let mut out_deg: Vec<usize> = outs.iter().map(Vec::len).collect();
    let mut in_deg: Vec<usize> = ins.iter().map(Vec::len).collect();
    let dist = hint_distance(input, &outs, &ins);
    let mut alive = vec![true; n];
    let (mut head, mut tail) = (Vec::with_capacity(n), Vec::new());
    // A linear scan per removal keeps this O(n² + m) and simple; n is a few hundred at most.
    for _ in 0..n {
        let live = || (0..n).filter(|&v| alive[v]);
        let v = if let Some(v) = live().find(|&v| out_deg[v] == 0) {
            tail.push(v);
            v
        } else if let Some(v) = live().find(|&v| in_deg[v] == 0) {
            head.push(v);
            v
        } else {
            // Ties go to the node closest to the top-hinted nodes, so that symmetric graphs
            // (mail flows both ways) are oriented away from e.g. the internet node.
            let key = |v: usize| {
                (
                    out_deg[v] as i64 - in_deg[v] as i64,
                    Reverse(dist[v]),
                    Reverse(v),
                )
            };
            let Some(v) = live().max_by_key(|&v| key(v)) else {
                break;
            };
            head.push(v);
            v
        };
        alive[v] = false;
        for &w in &outs[v] {
            in_deg[w] = in_deg[w].saturating_sub(1);
        }
        for &u in &ins[v] {
            out_deg[u] = out_deg[u].saturating_sub(1);
        }
    }
    head.extend(tail.into_iter().rev());
    head
}

/// Undirected hop distance from the nodes carrying the smallest layer hint (`usize::MAX` if unreachable).
fn hint_distance(input: &Input, outs: &[Vec<usize>], ins: &[Vec<usize>]) -> Vec<usize> {
    let mut dist = vec![usize::MAX; input.nodes.len()];
    let Some(min) = input.hints.iter().flatten().min() else {
        return dist;
    };
    let mut queue = VecDeque::new();
    for (v, h) in input.hints.iter().enumerate() {
        if *h == Some(*min) {
            dist[v] = 0;
            queue.push_back(v);
        }
    }
    while let Some(v) = queue.pop_front() {
        for &w in outs[v].iter().chain(&ins[v]) {
            if dist[w] == usize::MAX {
                dist[w] = dist[v] + 1;
                queue.push_back(w);
            }
        }
    }
    dist
}

/// Sorts hinted nodes by hint while keeping every unhinted node with the hinted node that precedes it
/// in the greedy order; unhinted nodes before any hinted one join the smallest hint, below it.
fn apply_hints(input: &Input, order: Vec<usize>) -> Vec<usize> {
    let Some(mut key) = input.hints.iter().flatten().copied().min() else {
        return order;
    };
    let mut keyed = Vec::with_capacity(order.len());
    for (i, &v) in order.iter().enumerate() {
        if let Some(h) = input.hints[v] {
            key = h;
        }
        keyed.push((key, input.hints[v].is_none(), i, v));
    }
    keyed.sort_unstable();
    keyed.into_iter().map(|k| k.3).collect()
}
