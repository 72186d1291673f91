//! Layout checks for tests and diagnostics: overlapping boxes and crossing edge segments.

use super::{Layout, Rect};

/// A box of the drawing, named by what it belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Item {
    /// The box of node `i`.
    Node(usize),
    /// The label box of edge `i`.
    Label(usize),
}

/// Two boxes of a layout that intersect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Overlap {
    /// The first box, the smaller of the two items.
    pub a: Item,
    /// The second box.
    pub b: Item,
}

/// Every pair of node and label boxes that intersect by more than half a pixel, sorted.
pub fn overlaps(l: &Layout) -> Vec<Overlap> {
    const TOL: f64 = 0.5;
    let nodes = l.nodes.iter().enumerate().map(|(i, r)| (Item::Node(i), *r));
    let labels =
        (l.edges.iter().enumerate()).filter_map(|(i, e)| e.label.map(|r| (Item::Label(i), r)));
    let mut boxes: Vec<(Item, Rect)> = nodes.chain(labels).collect();
    // Sweep along x so that only boxes whose x ranges meet are compared.
    boxes.sort_by(|a, b| a.1.x.total_cmp(&b.1.x).then(a.0.cmp(&b.0)));
    let mut out = Vec::new();
    for (i, (ia, ra)) in boxes.iter().enumerate() {
        for (ib, rb) in &boxes[i + 1..] {
            if rb.x >= ra.right() - TOL {
                break;
            }
            if ra.intersects(rb, TOL) {
                out.push(Overlap {
                    a: *ia.min(ib),
                    b: *ia.max(ib),
                });
            }
        }
    }
    out.sort();
    out
}

/// Number of proper crossings between segments of different edges; meant for tests and diagnostics.
pub fn crossings(l: &Layout) -> usize {
    type Seg = (usize, (f64, f64), (f64, f64));
    let mut segs: Vec<Seg> = Vec::new();
    for (i, e) in l.edges.iter().enumerate() {
        segs.extend(e.points.windows(2).map(|w| (i, w[0], w[1])));
    }
    let min_x = |s: &Seg| s.1.0.min(s.2.0);
    segs.sort_by(|a, b| min_x(a).total_cmp(&min_x(b)));
    let mut count = 0;
    for (i, a) in segs.iter().enumerate() {
        let max_x = a.1.0.max(a.2.0);
        for b in &segs[i + 1..] {
            if min_x(b) > max_x {
                break;
            }
            if a.0 != b.0 && segments_cross(a.1, a.2, b.1, b.2) {
                count += 1;
            }
        }
    }
    count
}

/// Whether segments `p1p2` and `q1q2` cross at a single interior point (touching does not count).
fn segments_cross(p1: (f64, f64), p2: (f64, f64), q1: (f64, f64), q2: (f64, f64)) -> bool {
    let side = |a: (f64, f64), b: (f64, f64), c: (f64, f64)| {
        let v = (b.0 - a.0) * (c.1 - a.1) - (b.1 - a.1) * (c.0 - a.0);
        if v > 1e-9 {
            1
        } else if v < -1e-9 {
            -1
        } else {
            0
        }
    };
    side(p1, p2, q1) * side(p1, p2, q2) < 0 && side(q1, q2, p1) * side(q1, q2, p2) < 0
}
