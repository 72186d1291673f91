//! Phase 3, dummy nodes: splits every edge into one-rank steps and reserves a dummy slot for each label.
//!
//! Node layer `l` becomes rank `2l`; the odd ranks between are label bands. Every edge therefore
//! has at least one dummy, and a labelled edge's label is carried by one of its odd-rank dummies,
//! which is as wide as the label: separation in phase 5 then keeps labels off nodes and each other.

use super::{Input, Options};

/// What a vertex of the layered graph stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// A real node, by index.
    Node(usize),
    /// A bend point of an edge, possibly carrying its label.
    Dummy,
}

/// One vertex of the layered graph; edges attach at its anchor, `left`/`right` extend from there.
#[derive(Clone, Debug)]
pub(super) struct Vertex {
    pub(super) rank: usize,
    pub(super) left: f64,
    pub(super) right: f64,
    /// Band height the vertex needs in its rank.
    pub(super) along: f64,
    pub(super) kind: Kind,
    /// Connected component, so that ordering never interleaves components.
    pub(super) comp: usize,
}

/// The vertices one non-loop edge runs through, top to bottom.
#[derive(Clone, Debug)]
pub(super) struct Chain {
    /// Index into `Input::edges`.
    pub(super) edge: usize,
    pub(super) verts: Vec<usize>,
    /// The dummy whose slot holds the label.
    pub(super) label_at: Option<usize>,
}

/// The proper layered graph: every step of every chain joins adjacent ranks.
#[derive(Clone)]
pub(super) struct Proper {
    /// Node `i` is vertex `i`; dummies follow.
    pub(super) verts: Vec<Vertex>,
    /// Vertices of each rank, left to right once phase 4 has run.
    pub(super) ranks: Vec<Vec<usize>>,
    pub(super) up: Vec<Vec<usize>>,
    pub(super) down: Vec<Vec<usize>>,
    pub(super) chains: Vec<Chain>,
    /// Self-loop edges (indices into `Input::edges`) per node.
    pub(super) loops: Vec<Vec<usize>>,
}

impl Proper {
    /// Coordinate-assignment weight of the step `a`–`b`: long edges are pulled straight hardest.
    pub(super) fn weight(&self, a: usize, b: usize) -> f64 {
        match (self.verts[a].kind, self.verts[b].kind) {
            (Kind::Node(_), Kind::Node(_)) => 1.0,
            (Kind::Dummy, Kind::Dummy) => 8.0,
            _ => 2.0,
        }
    }
}

/// Graph size (vertices, dummies included) up to which the iterative phases run in full.
const FULL_EFFORT_SIZE: usize = 10_000;

/// Iteration count for a graph of `size` vertices: `full` up to [`FULL_EFFORT_SIZE`], then
/// shrinking in proportion (but never below `min`), so that huge graphs finish in seconds.
/// Derived from the size only, never from the clock, so output stays deterministic.
pub(super) fn effort(full: usize, min: usize, size: usize) -> usize {
    if size <= FULL_EFFORT_SIZE {
        full
    } else {
        (full * FULL_EFFORT_SIZE / size).max(min)
    }
}

/// Horizontal room one self-loop takes to the right of its node.
pub(super) fn loop_step(opts: &Options) -> f64 {
    opts.edge_gap.max(6.0)
}

/// Builds the layered graph from node layers and edge orientations.
pub(super) fn build(input: &Input, reversed: &[bool], layers: &[usize], opts: &Options) -> Proper {
    let n = input.nodes.len();
    let mut loops = vec![Vec::new(); n];
    for (i, e) in input.edges.iter().enumerate() {
        if e.from == e.to {
            loops[e.from].push(i);
        }
    }
    let comp = components(input, n);
    let mut verts: Vec<Vertex> = (0..n)
        .map(|v| node_vertex(input, v, &loops[v], 2 * layers[v], comp[v], opts))
        .collect();
    let spans: Vec<Option<(usize, usize)>> = (input.edges.iter().zip(reversed))
        .map(|(e, &rev)| {
            let (top, bottom) = if rev { (e.to, e.from) } else { (e.from, e.to) };
            (e.from != e.to).then_some((top, bottom))
        })
        .collect();
    let label_rank = choose_label_ranks(input, &spans, layers, opts);
    let mut chains = Vec::new();
    for (i, span) in spans.iter().enumerate() {
        let Some((top, bottom)) = *span else { continue };
        let (r0, r1) = (2 * layers[top], 2 * layers[bottom]);
        let mut chain = Chain {
            edge: i,
            verts: vec![top],
            label_at: None,
        };
        for r in r0 + 1..r1 {
            let mut v = Vertex {
                rank: r,
                left: 0.0,
                right: 0.0,
                along: 0.0,
                kind: Kind::Dummy,
                comp: comp[top],
            };
            if label_rank[i] == Some(r)
                && let Some(l) = input.edges[i].label
            {
                // The edge runs down the slot's left side; the label sits to its right.
                v.right = opts.label_gap + l.across;
                v.along = l.along;
                chain.label_at = Some(verts.len());
            }
            chain.verts.push(verts.len());
            verts.push(v);
        }
        chain.verts.push(bottom);
        chains.push(chain);
    }
    let rank_count = verts.iter().map(|v| v.rank + 1).max().unwrap_or(0);
    let mut ranks = vec![Vec::new(); rank_count];
    for (i, v) in verts.iter().enumerate() {
        ranks[v.rank].push(i);
    }
    let (mut up, mut down) = (vec![Vec::new(); verts.len()], vec![Vec::new(); verts.len()]);
    for c in &chains {
        for w in c.verts.windows(2) {
            // Layering guarantees adjacent ranks; the check keeps a bug from corrupting phase 4.
            if verts[w[1]].rank == verts[w[0]].rank + 1 {
                down[w[0]].push(w[1]);
                up[w[1]].push(w[0]);
            }
        }
    }
    Proper {
        verts,
        ranks,
        up,
        down,
        chains,
        loops,
    }
}

/// The vertex of a real node, widened on the right for its self-loops and their stacked labels.
fn node_vertex(
    input: &Input,
    v: usize,
    loops: &[usize],
    rank: usize,
    comp: usize,
    opts: &Options,
) -> Vertex {
    let size = input.nodes[v];
    let labels = loops.iter().filter_map(|&e| input.edges[e].label);
    let (mut label_w, mut stack_h, mut count) = (0.0_f64, 0.0, 0);
    for l in labels {
        label_w = label_w.max(l.across);
        stack_h += l.along;
        count += 1;
    }
    let mut extra = loops.len() as f64 * loop_step(opts);
    if count > 0 {
        extra += opts.label_gap + label_w;
        stack_h += (count - 1) as f64 * opts.label_gap;
    }
    Vertex {
        rank,
        left: size.across / 2.0,
        right: size.across / 2.0 + extra,
        along: size.along.max(stack_h),
        kind: Kind::Node(v),
        comp,
    }
}

/// Picks, for each labelled edge, the odd rank of its chain whose band is least loaded so far,
/// preferring the chain's middle; short edges go first because they have no choice.
fn choose_label_ranks(
    input: &Input,
    spans: &[Option<(usize, usize)>],
    layers: &[usize],
    opts: &Options,
) -> Vec<Option<usize>> {
    let rank_count = layers.iter().map(|l| 2 * l + 1).max().unwrap_or(0);
    let mut load = vec![0.0_f64; rank_count];
    let range = |span: (usize, usize)| 2 * layers[span.0] + 1..2 * layers[span.1];
    for span in spans.iter().flatten() {
        for r in range(*span) {
            load[r] += opts.edge_gap;
        }
    }
    let mut labelled: Vec<(usize, usize)> = (spans.iter().enumerate())
        .filter_map(|(i, s)| {
            s.filter(|_| input.edges[i].label.is_some())
                .map(|s| (range(s).len(), i))
        })
        .collect();
    labelled.sort_unstable();
    let mut out = vec![None; spans.len()];
    for (_, i) in labelled {
        let (Some(span), Some(label)) = (spans[i], input.edges[i].label) else {
            continue;
        };
        let r = range(span);
        let mid = (r.start + r.end) / 2;
        let best = (r.step_by(2)).min_by(|&a, &b| {
            load[a]
                .total_cmp(&load[b])
                .then(a.abs_diff(mid).cmp(&b.abs_diff(mid)))
        });
        if let Some(b) = best {
            load[b] += label.across + opts.label_gap;
            out[i] = Some(b);
        }
    }
    out
}

/// Connected components (ignoring direction), numbered by their smallest node.
fn components(input: &Input, n: usize) -> Vec<usize> {
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut v: usize) -> usize {
        while parent[v] != v {
            parent[v] = parent[parent[v]];
            v = parent[v];
        }
        v
    }
    for e in &input.edges {
        let (a, b) = (find(&mut parent, e.from), find(&mut parent, e.to));
        // Keeping the smaller index as root makes the numbering independent of edge order.
        parent[a.max(b)] = a.min(b);
    }
    let mut id = vec![usize::MAX; n];
    let mut next = 0;
    (0..n)
        .map(|v| {
            let root = find(&mut parent, v);
            if id[root] == usize::MAX {
                id[root] = next;
                next += 1;
            }
            id[root]
        })
        .collect()
}
