//! Phase 5, coordinate assignment: iterative barycentric placement, each rank solved exactly under separation constraints.
//!
//! The target is dot's: minimise Σ ω(u,v)·|x_u − x_v| over the layered edges (ω = 1, 2, 8 as
//! an edge has 0, 1, 2 dummy ends, so long edges straighten first) subject to neighbours in a
//! rank being at least their extents plus a gap apart. Alternating down/up sweeps solve one rank
//! at a time exactly for a quadratic version of that sum: with the other ranks fixed it is a
//! weighted isotonic regression, which pool-adjacent-violators solves in linear time. Plain
//! least squares first settles the drawing; reweighting by 1/|x_u − x_v| (IRLS) then turns
//! the objective into the absolute one, which prefers straight verticals with a few clear
//! bends to many small kinks. No sweep can make boxes overlap, and no step depends on timing.

use super::Options;
use super::proper::{Kind, Proper, effort};

/// Down-plus-up sweeps of plain least squares; the drawing settles well before this.
const L2_SWEEPS: usize = 20;
/// Reweighted sweeps that follow, approaching the absolute-value objective.
const L1_SWEEPS: usize = 30;
/// Pull of a vertex towards its current place, so that unconnected vertices stay put.
const INERTIA: f64 = 0.01;

/// Coordinates in the layer frame: x of each vertex's anchor and the y extent of each rank band.
pub(super) struct Geometry {
    pub(super) x: Vec<f64>,
    pub(super) band_top: Vec<f64>,
    pub(super) band_bottom: Vec<f64>,
    pub(super) width: f64,
    pub(super) height: f64,
}

impl Geometry {
    /// Vertical centre of rank `r`'s band.
    pub(super) fn center(&self, r: usize) -> f64 {
        (self.band_top[r] + self.band_bottom[r]) / 2.0
    }
}

/// Assigns coordinates to every vertex of the ordered layered graph.
pub(super) fn assign(p: &Proper, opts: &Options) -> Geometry {
    // What the sweeps read again and again and never change, computed once: each rank's
    // separation offsets, and each vertex's neighbours (above, then below) with their weights.
    let fixed = Fixed::new(p, opts);
    let mut x = vec![0.0; p.verts.len()];
    for (rank, offsets) in p.ranks.iter().zip(&fixed.offsets) {
        // Start packed and centred, so that the sweeps only have to refine.
        let half = offsets.last().copied().unwrap_or(0.0) / 2.0;
        for (&v, &o) in rank.iter().zip(offsets) {
            x[v] = o - half;
        }
    }
    let mut blocks = Vec::new();
    let (l2_sweeps, l1_sweeps) = (
        effort(L2_SWEEPS, 4, p.verts.len()),
        effort(L1_SWEEPS, 4, p.verts.len()),
    );
    for sweep in 0..l2_sweeps + l1_sweeps {
        let l1 = sweep >= l2_sweeps;
        for r in (0..p.ranks.len()).chain((0..p.ranks.len()).rev()) {
            place_rank(p, &fixed, r, l1, &mut x, &mut blocks);
        }
    }
    let left = (p.verts.iter().zip(&x))
        .map(|(v, x)| x - v.left)
        .fold(f64::INFINITY, f64::min);
    let shift = if left.is_finite() {
        opts.margin - left
    } else {
        0.0
    };
    x.iter_mut().for_each(|x| *x += shift);
    let right = (p.verts.iter().zip(&x))
        .map(|(v, x)| x + v.right)
        .fold(opts.margin, f64::max);
    let (band_top, band_bottom, bottom) = bands(p, opts);
    Geometry {
        x,
        band_top,
        band_bottom,
        width: right + opts.margin,
        height: bottom + opts.margin,
    }
}

/// Minimum distance between the anchors of neighbours `a` (left) and `b` in a rank.
fn separation(p: &Proper, a: usize, b: usize, opts: &Options) -> f64 {
    let (va, vb) = (&p.verts[a], &p.verts[b]);
    let gap = match (va.kind, vb.kind) {
        (Kind::Node(_), Kind::Node(_)) => opts.node_gap,
        _ => opts.edge_gap,
    };
    va.right + gap + vb.left
}

/// Cumulative minimum offsets of each vertex of `rank` from the first one.
fn separation_offsets(p: &Proper, rank: &[usize], opts: &Options, out: &mut Vec<f64>) {
    out.clear();
    let mut acc = 0.0;
    for (i, &v) in rank.iter().enumerate() {
        if i > 0 {
            acc += separation(p, rank[i - 1], v, opts);
        }
        out.push(acc);
    }
}

/// The sweeps' constants: per rank, the separation offsets of its vertices (the order does not
/// change in this phase); per vertex, its neighbours above then below with the weight of the
/// step to each, in one array (`start[v]..start[v + 1]`).
struct Fixed {
    offsets: Vec<Vec<f64>>,
    start: Vec<usize>,
    steps: Vec<(usize, f64)>,
}

impl Fixed {
    fn new(p: &Proper, opts: &Options) -> Fixed {
        let offsets = (p.ranks.iter())
            .map(|rank| {
                let mut out = Vec::new();
                separation_offsets(p, rank, opts, &mut out);
                out
            })
            .collect();
        let mut start = Vec::with_capacity(p.verts.len() + 1);
        let mut steps = Vec::new();
        for v in 0..p.verts.len() {
            start.push(steps.len());
            steps.extend((p.up[v].iter().chain(&p.down[v])).map(|&u| (u, p.weight(u, v))));
        }
        start.push(steps.len());
        Fixed {
            offsets,
            start,
            steps,
        }
    }

    fn neighbours(&self, v: usize) -> &[(usize, f64)] {
        &self.steps[self.start[v]..self.start[v + 1]]
    }
}

/// A run of consecutive vertices packed tight: total weight, weighted mean target, length.
#[derive(Clone, Copy)]
struct Block {
    weight: f64,
    mean: f64,
    len: usize,
}

/// Moves rank `r` to its exact optimum given its neighbours: with y_i = x_i − offset_i the
/// separation constraints become y nondecreasing, solved by pool-adjacent-violators.
/// With `l1`, each edge weight is divided by the edge's current horizontal length (at least
/// one pixel), so that minimising the squares minimises the lengths themselves.
fn place_rank(
    p: &Proper,
    fixed: &Fixed,
    r: usize,
    l1: bool,
    x: &mut [f64],
    blocks: &mut Vec<Block>,
) {
    let rank = &p.ranks[r];
    let offsets = &fixed.offsets[r];
    blocks.clear();
    for (&v, &offset) in rank.iter().zip(offsets.iter()) {
        let (mut weight, mut sum) = (INERTIA, INERTIA * x[v]);
        for &(u, mut w) in fixed.neighbours(v) {
            if l1 {
                w /= (x[u] - x[v]).abs().max(1.0);
            }
            weight += w;
            sum += w * x[u];
        }
        blocks.push(Block {
            weight,
            mean: sum / weight - offset,
            len: 1,
        });
        while blocks.len() >= 2 {
            let (b, a) = (blocks[blocks.len() - 1], blocks[blocks.len() - 2]);
            if a.mean <= b.mean {
                break;
            }
            blocks.pop();
            let weight = a.weight + b.weight;
            if let Some(last) = blocks.last_mut() {
                *last = Block {
                    weight,
                    mean: (a.mean * a.weight + b.mean * b.weight) / weight,
                    len: a.len + b.len,
                };
            }
        }
    }
    let mut i = 0;
    for b in blocks.iter() {
        for _ in 0..b.len {
            x[rank[i]] = b.mean + offsets[i];
            i += 1;
        }
    }
}

/// Stacks the rank bands: each as tall as its tallest vertex, `layer_gap` apart.
fn bands(p: &Proper, opts: &Options) -> (Vec<f64>, Vec<f64>, f64) {
    let mut y = opts.margin;
    let (mut top, mut bottom) = (Vec::new(), Vec::new());
    for (r, rank) in p.ranks.iter().enumerate() {
        if r > 0 {
            y += opts.layer_gap;
        }
        let h = rank.iter().map(|&v| p.verts[v].along).fold(0.0, f64::max);
        top.push(y);
        bottom.push(y + h);
        y += h;
    }
    (top, bottom, y)
}
