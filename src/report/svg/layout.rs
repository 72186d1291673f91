//! Sugiyama-style layered graph layout with crossing reduction and non-overlapping edge labels.
//!
//! Everything is computed in a "layer frame" where layers are rows and edges flow downwards;
//! the other directions mirror or transpose the finished drawing. The phases, one per file:
//!
//! 1. cycle removal (`acyclic`): greedy Eades–Lin–Smyth feedback arc set honouring layer hints;
//! 2. layer assignment (`rank`): longest path, compaction, optional wrapping of wide layers;
//! 3. dummy nodes (`proper`): long edges become chains and every label gets its own dummy slot
//!    in a label layer between node layers (Graphviz dot's "label as dummy node");
//! 4. crossing reduction (`order`): median/barycenter sweeps plus transposition;
//! 5. coordinate assignment (`position`): barycentric sweeps solved exactly per layer, then
//!    reweighted towards dot's Σω·|Δx| objective;
//! 6. edge routing and 7. label placement (`route`).
//!
//! The output is deterministic: no hash maps, all ties broken by index.

mod acyclic;
mod check;
#[cfg(test)]
mod fixtures;
mod order;
mod position;
mod proper;
mod rank;
mod route;
#[cfg(test)]
mod tests;

pub use check::{Item, Overlap, crossings, overlaps};

/// A directed graph of boxes to lay out.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Graph {
    /// Node boxes, referred to by index from [`EdgeSpec`].
    pub nodes: Vec<NodeSpec>,
    /// Directed edges; parallel edges, antiparallel edges and self-loops are all allowed.
    pub edges: Vec<EdgeSpec>,
}

/// Size and placement wish of one node.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NodeSpec {
    /// Box width in pixels.
    pub width: f64,
    /// Box height in pixels.
    pub height: f64,
    /// Requested layer, 0 = first (top); the smallest hint is always on the first layer and
    /// bigger hints are strictly further down, unless edges force a node further.
    pub layer_hint: Option<i32>,
}

/// A directed edge between two nodes, optionally carrying a label box.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct EdgeSpec {
    /// Index of the source node; edges with an out-of-range end are ignored.
    pub from: usize,
    /// Index of the target node.
    pub to: usize,
    /// Label box `(width, height)` to place on the edge.
    pub label: Option<(f64, f64)>,
}

/// Direction in which edges flow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Direction {
    /// Layers are rows, the first at the top.
    #[default]
    TopToBottom,
    /// Layers are rows, the first at the bottom.
    BottomToTop,
    /// Layers are columns, the first on the left.
    LeftToRight,
    /// Layers are columns, the first on the right.
    RightToLeft,
}

/// Spacing and shape knobs; all distances are in pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Options {
    /// Flow direction of the edges.
    pub direction: Direction,
    /// Gap between two node boxes of the same layer.
    pub node_gap: f64,
    /// Gap between two edge lines, or between an edge line and a box.
    pub edge_gap: f64,
    /// Gap between a layer band and the next (node layers alternate with label bands).
    pub layer_gap: f64,
    /// Gap between an edge line and its label.
    pub label_gap: f64,
    /// Empty border around the drawing.
    pub margin: f64,
    /// Width the drawing should stay within (height for left/right flows): wider layers
    /// wrap their leaf nodes onto extra layers. Best effort; inner nodes never wrap.
    pub max_width: Option<f64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            direction: Direction::TopToBottom,
            node_gap: 24.0,
            edge_gap: 12.0,
            layer_gap: 24.0,
            label_gap: 4.0,
            margin: 16.0,
            max_width: None,
        }
    }
}

impl Options {
    /// Replaces negative, NaN or absurd values so that the phases can trust the numbers.
    fn sanitized(&self) -> Options {
        Options {
            direction: self.direction,
            node_gap: clean(self.node_gap),
            edge_gap: clean(self.edge_gap),
            layer_gap: clean(self.layer_gap),
            label_gap: clean(self.label_gap),
            margin: clean(self.margin),
            max_width: self.max_width.map(clean).filter(|w| *w > 0.0),
        }
    }
}

/// An axis-aligned box; `x`, `y` is the top-left corner.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rect {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

impl Rect {
    /// Right edge.
    pub fn right(&self) -> f64 {
        self.x + self.w
    }

    /// Bottom edge.
    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }

    /// Whether the two boxes share an area deeper than `tol` on both axes.
    pub fn intersects(&self, other: &Rect, tol: f64) -> bool {
        let dx = self.right().min(other.right()) - self.x.max(other.x);
        let dy = self.bottom().min(other.bottom()) - self.y.max(other.y);
        dx > tol && dy > tol
    }
}

/// The drawn shape of one edge.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EdgeRoute {
    /// Polyline from the source border to the target border; empty for an ignored edge.
    pub points: Vec<(f64, f64)>,
    /// Where the label box goes, when the edge has one.
    pub label: Option<Rect>,
    /// Whether the edge runs against the flow direction (it closed a cycle).
    pub reversed: bool,
}

/// A finished drawing: one box per node, one route per edge, and the overall size.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Layout {
    /// Node boxes, indexed like [`Graph::nodes`].
    pub nodes: Vec<Rect>,
    /// Edge routes, indexed like [`Graph::edges`].
    pub edges: Vec<EdgeRoute>,
    /// Width of the drawing including margins, for an SVG `viewBox`.
    pub width: f64,
    /// Height of the drawing including margins.
    pub height: f64,
}

/// Sanitised input in the layer frame: `across` runs along a layer, `along` in the flow direction.
struct Input {
    nodes: Vec<Size>,
    hints: Vec<Option<i32>>,
    edges: Vec<Edge>,
}

#[derive(Clone, Copy, Debug)]
struct Size {
    across: f64,
    along: f64,
}

/// A valid input edge; `id` is its index in [`Graph::edges`].
#[derive(Clone, Copy, Debug)]
struct Edge {
    id: usize,
    from: usize,
    to: usize,
    label: Option<Size>,
}

/// Clamps a caller-provided length to a finite, non-negative value that cannot overflow sums.
fn clean(v: f64) -> f64 {
    if v.is_finite() && v > 0.0 {
        v.min(1e7)
    } else {
        0.0
    }
}

impl Input {
    fn new(g: &Graph, transpose: bool) -> Input {
        let size = |w: f64, h: f64| {
            let (w, h) = (clean(w), clean(h));
            if transpose {
                Size {
                    across: h,
                    along: w,
                }
            } else {
                Size {
                    across: w,
                    along: h,
                }
            }
        };
        let n = g.nodes.len();
        Input {
            nodes: g.nodes.iter().map(|s| size(s.width, s.height)).collect(),
            hints: g.nodes.iter().map(|s| s.layer_hint).collect(),
            edges: (g.edges.iter().enumerate())
                .filter(|(_, e)| e.from < n && e.to < n)
                .map(|(id, e)| Edge {
                    id,
                    from: e.from,
                    to: e.to,
                    label: e.label.map(|(w, h)| size(w, h)),
                })
                .collect(),
        }
    }
}

/// Lays out `g`: every node gets a box, every edge a polyline and a label slot of its own.
pub fn layout(g: &Graph, opts: &Options) -> Layout {
    let opts = opts.sanitized();
    let input = Input::new(g, is_transposed(opts.direction));
    let orientation = acyclic::orient(&input);
    let mut out = place(&input, &orientation, g.edges.len(), &opts, 1.0);
    if let Some(max_width) = opts.max_width {
        // Wrapping estimates layer widths before edges are routed through the wrapped layers,
        // so it undershoots; wrap harder while that still narrows the drawing.
        let mut pressure = 1.0;
        for _ in 0..3 {
            if out.width <= max_width {
                break;
            }
            pressure *= 1.5;
            let next = place(&input, &orientation, g.edges.len(), &opts, pressure);
            if next.width >= out.width {
                break;
            }
            out = next;
        }
    }
    orient_output(&mut out, opts.direction);
    out
}

/// Phases 2 to 7 in the layer frame; `pressure` scales the width estimate used for wrapping.
fn place(
    input: &Input,
    orientation: &acyclic::Orientation,
    edge_count: usize,
    opts: &Options,
    pressure: f64,
) -> Layout {
    let layers = rank::assign(input, orientation, opts, pressure);
    let mut graph = proper::build(input, &orientation.reversed, &layers, opts);
    order::reduce_crossings(&mut graph);
    let geometry = position::assign(&graph, opts);
    route::build(
        input,
        &graph,
        &geometry,
        &orientation.reversed,
        edge_count,
        opts,
    )
}

/// Maps the layer-frame drawing to the requested direction.
fn orient_output(l: &mut Layout, dir: Direction) {
    let (w, h) = (l.width, l.height);
    let point = |(x, y): (f64, f64)| match dir {
        Direction::TopToBottom => (x, y),
        Direction::BottomToTop => (x, h - y),
        Direction::LeftToRight => (y, x),
        Direction::RightToLeft => (h - y, x),
    };
    let rect = |r: Rect| match dir {
        Direction::TopToBottom => r,
        Direction::BottomToTop => Rect {
            y: h - r.bottom(),
            ..r
        },
        Direction::LeftToRight => Rect {
            x: r.y,
            y: r.x,
            w: r.h,
            h: r.w,
        },
        Direction::RightToLeft => Rect {
            x: h - r.bottom(),
            y: r.x,
            w: r.h,
            h: r.w,
        },
    };
    for n in &mut l.nodes {
        *n = rect(*n);
    }
    for e in &mut l.edges {
        e.points.iter_mut().for_each(|p| *p = point(*p));
        e.label = e.label.map(rect);
    }
    if is_transposed(dir) {
        (l.width, l.height) = (h, w);
    }
}

/// Whether layers run vertically, so that the layer frame is the drawing transposed.
fn is_transposed(dir: Direction) -> bool {
    matches!(dir, Direction::LeftToRight | Direction::RightToLeft)
}
