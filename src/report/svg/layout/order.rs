//! Phase 4, crossing reduction: median/barycenter layer sweeps plus adjacent transposition, keeping the best order.

use super::proper::{Kind, Proper, effort};

/// Sweeps tried before giving up (dot uses 24).
const MAX_SWEEPS: usize = 24;
/// Sweeps without improvement after which the search stops.
const PATIENCE: usize = 6;
/// Bound on transposition rounds per sweep; each round is linear in the graph size.
const TRANSPOSE_ROUNDS: usize = 8;

/// Orders every rank of `p` to reduce edge crossings; components stay side by side.
pub(super) fn reduce_crossings(p: &mut Proper) {
    initial_order(p);
    let mut pos = vec![0; p.verts.len()];
    for rank in &p.ranks {
        for (i, &v) in rank.iter().enumerate() {
            pos[v] = i;
        }
    }
    let mut best = p.ranks.clone();
    let mut best_count = count_crossings(p, &pos);
    let mut stale = 0;
    let rounds = effort(TRANSPOSE_ROUNDS, 1, p.verts.len());
    for sweep_no in 0..effort(MAX_SWEEPS, 4, p.verts.len()) {
        if best_count == 0 || stale >= PATIENCE {
            break;
        }
        // Alternate direction every sweep and heuristic every two: median is robust to outliers,
        // barycenter breaks the ties median leaves.
        sweep(p, &mut pos, sweep_no % 2 == 0, sweep_no % 4 < 2);
        transpose(p, &mut pos, rounds);
        let count = count_crossings(p, &pos);
        if count < best_count {
            best_count = count;
            best.clone_from(&p.ranks);
            stale = 0;
        } else {
            stale += 1;
        }
    }
    p.ranks = best;
}

/// Depth-first order from the top of each component: trees come out planar, components contiguous.
/// Labels hang to the right of their edge, so longer edges are visited first: they end up on
/// the left and pass by the shorter edges without having to detour around their labels.
fn initial_order(p: &mut Proper) {
    let n = p.verts.len();
    let mut reach: Vec<usize> = p.verts.iter().map(|v| v.rank).collect();
    for rank in p.ranks.iter().rev() {
        for &v in rank.iter().filter(|&&v| p.verts[v].kind == Kind::Dummy) {
            reach[v] = p.down[v]
                .iter()
                .map(|&w| reach[w])
                .max()
                .unwrap_or(reach[v]);
        }
    }
    let mut down = p.down.clone();
    for list in &mut down {
        list.sort_by_key(|&w| std::cmp::Reverse(reach[w]));
    }
    p.ranks.iter_mut().for_each(Vec::clear);
    let mut roots: Vec<usize> = (0..n).collect();
    roots.sort_by_key(|&v| (p.verts[v].comp, p.verts[v].rank, v));
    let mut seen = vec![false; n];
    let mut stack = Vec::new();
    for root in roots {
        stack.push(root);
        while let Some(v) = stack.pop() {
            if seen[v] {
                continue;
            }
            seen[v] = true;
            p.ranks[p.verts[v].rank].push(v);
            // Pushed in reverse so that the first child is visited first.
            stack.extend(p.up[v].iter().rev());
            stack.extend(down[v].iter().rev());
        }
    }
}

/// One sweep: reorders each rank by its neighbours in the rank just fixed.
fn sweep(p: &mut Proper, pos: &mut [usize], downward: bool, median: bool) {
    let count = p.ranks.len();
    if count < 2 {
        return;
    }
    for i in 0..count - 1 {
        let r = if downward { i + 1 } else { count - 2 - i };
        reorder(p, pos, r, downward, median);
    }
}

/// Sorts one rank by neighbour median/barycenter. Vertices without neighbours on that side keep
/// their slot; sorting by component first keeps components contiguous.
fn reorder(p: &mut Proper, pos: &mut [usize], r: usize, downward: bool, median: bool) {
    let layer = std::mem::take(&mut p.ranks[r]);
    let mut movable = Vec::with_capacity(layer.len());
    let mut slots = Vec::with_capacity(layer.len());
    let mut buf = Vec::new();
    for (i, &v) in layer.iter().enumerate() {
        let nbrs = if downward { &p.up[v] } else { &p.down[v] };
        buf.clear();
        buf.extend(nbrs.iter().map(|&u| pos[u] as f64));
        if let Some(value) = position_value(&mut buf, median) {
            movable.push((p.verts[v].comp, value, i, v));
            slots.push(i);
        }
    }
    movable.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut next = layer;
    for (&slot, m) in slots.iter().zip(&movable) {
        next[slot] = m.3;
    }
    for (i, &v) in next.iter().enumerate() {
        pos[v] = i;
    }
    p.ranks[r] = next;
}

/// Weighted median (as in dot) or barycenter of neighbour positions; `None` without neighbours.
fn position_value(ps: &mut [f64], median: bool) -> Option<f64> {
    let m = ps.len();
    if m == 0 {
        return None;
    }
    if !median {
        return Some(ps.iter().sum::<f64>() / m as f64);
    }
    ps.sort_by(f64::total_cmp);
    let mid = m / 2;
    Some(match m {
        _ if m % 2 == 1 => ps[mid],
        2 => (ps[0] + ps[1]) / 2.0,
        _ => {
            // Lean towards the side where neighbours are packed more tightly.
            let left = ps[mid - 1] - ps[0];
            let right = ps[m - 1] - ps[mid];
            if left + right > 0.0 {
                (ps[mid - 1] * right + ps[mid] * left) / (left + right)
            } else {
                (ps[mid - 1] + ps[mid]) / 2.0
            }
        }
    })
}

/// Swaps neighbours within a rank while that strictly lowers the crossings around them.
fn transpose(p: &mut Proper, pos: &mut [usize], rounds: usize) {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let mut improved = false;
        for r in 0..p.ranks.len() {
            for i in 1..p.ranks[r].len() {
                let (v, w) = (p.ranks[r][i - 1], p.ranks[r][i]);
                if p.verts[v].comp != p.verts[w].comp {
                    continue;
                }
                let (mut keep, mut swap) = (0, 0);
                for side in [&p.up, &p.down] {
                    a.clear();
                    a.extend(side[v].iter().map(|&u| pos[u]));
                    a.sort_unstable();
                    b.clear();
                    b.extend(side[w].iter().map(|&u| pos[u]));
                    b.sort_unstable();
                    let (k, s) = pair_crossings(&a, &b);
                    keep += k;
                    swap += s;
                }
                if swap < keep {
                    p.ranks[r].swap(i - 1, i);
                    pos[v] = i;
                    pos[w] = i - 1;
                    improved = true;
                }
            }
        }
        if !improved {
            break;
        }
    }
}

/// Crossings between the edges of two neighbouring vertices with sorted neighbour positions
/// `a` (left vertex) and `b` (right vertex): as they are, and if the two were swapped.
fn pair_crossings(a: &[usize], b: &[usize]) -> (usize, usize) {
    let (mut keep, mut swap) = (0, 0);
    let (mut below, mut not_above) = (0, 0);
    for &x in a {
        while below < b.len() && b[below] < x {
            below += 1;
        }
        while not_above < b.len() && b[not_above] <= x {
            not_above += 1;
        }
        keep += below;
        swap += b.len() - not_above;
    }
    (keep, swap)
}

/// Total crossings between adjacent ranks, by inversion counting with a Fenwick tree
/// (Barth–Jünger–Mutzel), O(e log v) per rank pair.
pub(super) fn count_crossings(p: &Proper, pos: &[usize]) -> usize {
    let mut total = 0;
    let mut pairs = Vec::new();
    let mut tree = Vec::new();
    for r in 1..p.ranks.len() {
        pairs.clear();
        for &v in &p.ranks[r - 1] {
            pairs.extend(p.down[v].iter().map(|&w| (pos[v], pos[w])));
        }
        pairs.sort_unstable();
        tree.clear();
        tree.resize(p.ranks[r].len() + 1, 0usize);
        for (seen, &(_, q)) in pairs.iter().enumerate() {
            // Earlier edges ending right of q cross this one.
            let mut i = q + 1;
            let mut at_most_q = 0;
            while i > 0 {
                at_most_q += tree[i];
                i &= i - 1;
            }
            total += seen - at_most_q;
            let mut i = q + 1;
            while i < tree.len() {
                tree[i] += 1;
                i += i & i.wrapping_neg();
            }
        }
    }
    total
}
