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
    let adj = Adjacency::new(p);
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
        sweep(p, &adj, &mut pos, sweep_no % 2 == 0, sweep_no % 4 < 2);
        transpose(p, &adj, &mut pos, rounds);
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

/// What the ordering reads over and over and never changes, laid out flat: each vertex's
/// component, and its neighbours above and below (`start[v]..start[v + 1]` of one array each).
/// A list per vertex and the whole vertex record cost a cache miss each at every look.
struct Adjacency {
    comp: Vec<usize>,
    up_start: Vec<usize>,
    up: Vec<usize>,
    down_start: Vec<usize>,
    down: Vec<usize>,
}

impl Adjacency {
    fn new(p: &Proper) -> Adjacency {
        let flat = |lists: &[Vec<usize>]| {
            let mut start = Vec::with_capacity(lists.len() + 1);
            let mut all = Vec::new();
            for l in lists {
                start.push(all.len());
                all.extend_from_slice(l);
            }
            start.push(all.len());
            (start, all)
        };
        let (up_start, up) = flat(&p.up);
        let (down_start, down) = flat(&p.down);
        Adjacency {
            comp: p.verts.iter().map(|v| v.comp).collect(),
            up_start,
            up,
            down_start,
            down,
        }
    }

    fn up(&self, v: usize) -> &[usize] {
        &self.up[self.up_start[v]..self.up_start[v + 1]]
    }

    fn down(&self, v: usize) -> &[usize] {
        &self.down[self.down_start[v]..self.down_start[v + 1]]
    }
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
fn sweep(p: &mut Proper, adj: &Adjacency, pos: &mut [usize], downward: bool, median: bool) {
    let count = p.ranks.len();
    if count < 2 {
        return;
    }
    for i in 0..count - 1 {
        let r = if downward { i + 1 } else { count - 2 - i };
        reorder(p, adj, pos, r, downward, median);
    }
}

/// Sorts one rank by neighbour median/barycenter. Vertices without neighbours on that side keep
/// their slot; sorting by component first keeps components contiguous.
fn reorder(
    p: &mut Proper,
    adj: &Adjacency,
    pos: &mut [usize],
    r: usize,
    downward: bool,
    median: bool,
) {
    let layer = std::mem::take(&mut p.ranks[r]);
    let mut movable = Vec::with_capacity(layer.len());
    let mut slots = Vec::with_capacity(layer.len());
    let mut buf = Vec::new();
    for (i, &v) in layer.iter().enumerate() {
        let nbrs = if downward { adj.up(v) } else { adj.down(v) };
        buf.clear();
        buf.extend(nbrs.iter().map(|&u| pos[u] as f64));
        if let Some(value) = position_value(&mut buf, median) {
            movable.push((adj.comp[v], total_order_key(value), i, v));
            slots.push(i);
        }
    }
    // By component, value, then slot: the slot makes every key distinct, so an unstable sort
    // gives the one order there is.
    movable.sort_unstable();
    let mut next = layer;
    for (&slot, m) in slots.iter().zip(&movable) {
        next[slot] = m.3;
    }
    for (i, &v) in next.iter().enumerate() {
        pos[v] = i;
    }
    p.ranks[r] = next;
}

/// An integer ordered as `f64::total_cmp` orders `x` (the standard library's own mapping).
fn total_order_key(x: f64) -> i64 {
    let bits = x.to_bits() as i64;
    bits ^ ((((bits >> 63) as u64) >> 1) as i64)
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
///
/// Whether a pair of a rank is swapped depends only on that rank's order and on where its
/// vertices' neighbours are, in the ranks above and below. So a rank that swapped nothing the
/// last time it was looked at, while neither neighbouring rank has swapped anything since, would
/// swap nothing again and is skipped: the result is the same as looking at every rank, and
/// after the first round only the few ranks still changing are looked at.
fn transpose(p: &mut Proper, adj: &Adjacency, pos: &mut [usize], rounds: usize) {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let count = p.ranks.len();
    // Whether each rank swapped something the last time it was looked at (all, at first).
    let mut swapped = vec![true; count];
    for _ in 0..rounds {
        let mut improved = false;
        for r in 0..count {
            let moved_around =
                swapped[r] || (r > 0 && swapped[r - 1]) || (r + 1 < count && swapped[r + 1]);
            if !moved_around {
                continue;
            }
            swapped[r] = false;
            for i in 1..p.ranks[r].len() {
                let (v, w) = (p.ranks[r][i - 1], p.ranks[r][i]);
                if adj.comp[v] != adj.comp[w] {
                    continue;
                }
                let sides = [(adj.up(v), adj.up(w)), (adj.down(v), adj.down(w))];
                if swap_lowers_crossings(sides, pos, &mut a, &mut b) {
                    p.ranks[r].swap(i - 1, i);
                    pos[v] = i;
                    pos[w] = i - 1;
                    swapped[r] = true;
                    improved = true;
                }
            }
        }
        if !improved {
            break;
        }
    }
}

/// Whether swapping neighbouring vertices `v` (left) and `w` strictly lowers the crossings of
/// their edges, given (`v`'s, `w`'s) neighbours above and then below; `a` and `b` are scratch.
fn swap_lowers_crossings(
    sides: [(&[usize], &[usize]); 2],
    pos: &[usize],
    a: &mut Vec<usize>,
    b: &mut Vec<usize>,
) -> bool {
    let (mut keep, mut swap) = (0, 0);
    for (of_v, of_w) in sides {
        a.clear();
        a.extend(of_v.iter().map(|&u| pos[u]));
        a.sort_unstable();
        b.clear();
        b.extend(of_w.iter().map(|&u| pos[u]));
        b.sort_unstable();
        let (k, s) = pair_crossings(a, b);
        keep += k;
        swap += s;
    }
    swap < keep
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::Lcg;
    use super::super::proper::{Kind, Vertex};
    use super::*;

    /// Transposition looking at every rank in every round: what `transpose` must equal.
    fn transpose_every_rank(p: &mut Proper, pos: &mut [usize], rounds: usize) {
        for _ in 0..rounds {
            let mut improved = false;
            for r in 0..p.ranks.len() {
                for i in 1..p.ranks[r].len() {
                    let (v, w) = (p.ranks[r][i - 1], p.ranks[r][i]);
                    if p.verts[v].comp != p.verts[w].comp {
                        continue;
                    }
                    let sides = [
                        (p.up[v].as_slice(), p.up[w].as_slice()),
                        (&p.down[v], &p.down[w]),
                    ];
                    if swap_lowers_crossings(sides, pos, &mut Vec::new(), &mut Vec::new()) {
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

    /// A random layered graph: `ranks` ranks of up to `width` vertices in two components,
    /// edges only between adjacent ranks (as phase 3 makes them), vertices in random order.
    fn random_proper(seed: u64, ranks: usize, width: usize) -> Proper {
        let mut rng = Lcg(seed);
        let mut next = |n: usize| rng.below(n);
        let mut verts = Vec::new();
        let mut by_rank = vec![Vec::new(); ranks];
        for (r, rank) in by_rank.iter_mut().enumerate() {
            for _ in 0..1 + next(width) {
                rank.push(verts.len());
                verts.push(Vertex {
                    rank: r,
                    left: 5.0,
                    right: 5.0,
                    along: 10.0,
                    kind: Kind::Dummy,
                    comp: next(2),
                });
            }
        }
        let (mut up, mut down) = (vec![Vec::new(); verts.len()], vec![Vec::new(); verts.len()]);
        for r in 1..ranks {
            for _ in 0..by_rank[r].len() * 2 {
                let a = by_rank[r - 1][next(by_rank[r - 1].len())];
                let b = by_rank[r][next(by_rank[r].len())];
                down[a].push(b);
                up[b].push(a);
            }
        }
        for rank in &mut by_rank {
            rng.shuffle(rank);
        }
        Proper {
            verts,
            ranks: by_rank,
            up,
            down,
            chains: Vec::new(),
            loops: Vec::new(),
        }
    }

    #[test]
    fn skipping_settled_ranks_transposes_exactly_as_looking_at_every_rank() {
        let mut changed = false;
        for seed in 0..200 {
            let mut p = random_proper(seed, 2 + seed as usize % 12, 1 + seed as usize % 40);
            let mut pos = vec![0; p.verts.len()];
            for rank in &p.ranks {
                for (i, &v) in rank.iter().enumerate() {
                    pos[v] = i;
                }
            }
            let (mut q, mut qpos) = (p.clone(), pos.clone());
            let before = p.ranks.clone();
            let adj = Adjacency::new(&p);
            transpose(&mut p, &adj, &mut pos, 8);
            transpose_every_rank(&mut q, &mut qpos, 8);
            assert_eq!(p.ranks, q.ranks, "seed {seed}");
            assert_eq!(pos, qpos, "seed {seed}");
            changed |= p.ranks != before;
        }
        assert!(
            changed,
            "no graph was reordered: the comparison would show nothing"
        );
    }
}
