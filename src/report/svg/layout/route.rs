//! Phases 6 and 7, edge routing and label placement: polylines through the dummy slots, labels in their reserved slots.
//!
//! Every dummy owns a lane in its band reaching halfway to its neighbours, which phase 5 kept
//! apart by their extents plus gaps. A route starts out vertical through each band at its
//! dummy's anchor and is then pulled taut inside those lanes, so edges never touch node or
//! label boxes, never cross inside a band, and bend only where something is in the way.

use super::position::Geometry;
use super::proper::{Chain, Proper, loop_step};
use super::{EdgeRoute, Input, Layout, Options, Rect};

/// Builds the layer-frame drawing; `edge_count` is the caller's edge count, ignored edges included.
pub(super) fn build(
    input: &Input,
    p: &Proper,
    geo: &Geometry,
    reversed: &[bool],
    edge_count: usize,
    opts: &Options,
) -> Layout {
    let nodes: Vec<Rect> = (0..input.nodes.len())
        .map(|v| {
            let (size, cx, cy) = (input.nodes[v], geo.x[v], geo.center(p.verts[v].rank));
            Rect {
                x: cx - size.across / 2.0,
                y: cy - size.along / 2.0,
                w: size.across,
                h: size.along,
            }
        })
        .collect();
    let mut edges = vec![EdgeRoute::default(); edge_count];
    let ports = ports(p, geo, &nodes, opts);
    let lanes = lanes(p, geo);
    for (chain, &ends) in p.chains.iter().zip(&ports) {
        let e = input.edges[chain.edge];
        let mut points = chain_points(p, geo, &lanes, chain, &nodes, ends);
        if reversed[chain.edge] {
            points.reverse();
        }
        let label = chain.label_at.zip(e.label).map(|(d, l)| Rect {
            x: geo.x[d] + opts.label_gap,
            y: geo.center(p.verts[d].rank) - l.along / 2.0,
            w: l.across,
            h: l.along,
        });
        edges[e.id] = EdgeRoute {
            points,
            label,
            reversed: reversed[chain.edge],
        };
    }
    for (v, loops) in p.loops.iter().enumerate() {
        route_loops(input, loops, &nodes[v], &mut edges, opts);
    }
    Layout {
        nodes,
        edges,
        width: geo.width,
        height: geo.height,
    }
}

/// Attachment x of each chain on its top node's bottom side and its bottom node's top side.
/// Ports of one side are ordered like the vertices they lead to, so that edges of the same
/// node neither cross nor coincide, which also gives parallel edges distinct routes.
fn ports(p: &Proper, geo: &Geometry, nodes: &[Rect], opts: &Options) -> Vec<(f64, f64)> {
    let mut out = vec![(0.0, 0.0); p.chains.len()];
    let mut leaving = vec![Vec::new(); nodes.len()];
    let mut entering = vec![Vec::new(); nodes.len()];
    for (ci, c) in p.chains.iter().enumerate() {
        let (Some(&first), Some(&last)) = (c.verts.first(), c.verts.last()) else {
            continue;
        };
        let next = c.verts.get(1).copied().unwrap_or(last);
        let prev = c.verts.len().checked_sub(2).map_or(first, |i| c.verts[i]);
        leaving[first].push((geo.x[next], c.edge, ci));
        entering[last].push((geo.x[prev], c.edge, ci));
    }
    for (v, rect) in nodes.iter().enumerate() {
        for (list, bottom) in [(&mut leaving[v], true), (&mut entering[v], false)] {
            list.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let k = list.len() as f64;
            // Ports bunch around the centre, edge_gap apart, unless the node is too narrow.
            let step = (rect.w / (k + 1.0)).min(opts.edge_gap.max(1.0));
            let cx = rect.x + rect.w / 2.0;
            for (i, &(_, _, ci)) in list.iter().enumerate() {
                let px = cx + (i as f64 - (k - 1.0) / 2.0) * step;
                if bottom {
                    out[ci].0 = px
                } else {
                    out[ci].1 = px
                }
            }
        }
    }
    out
}

/// A point of a raw route and the x range its band lets the edge use at that height.
#[derive(Clone, Copy)]
struct Waypoint {
    x: f64,
    y: f64,
    lo: f64,
    hi: f64,
}

/// The polyline of one chain, top to bottom. The raw route runs vertically through every band at
/// its dummy's anchor; it is then pulled taut within the lane each dummy owns in its band, so
/// that edges bend only where something is in the way. Label slots stay pinned to the anchor so
/// that every label sits beside a straight piece of its edge.
fn chain_points(
    p: &Proper,
    geo: &Geometry,
    lanes: &[(f64, f64)],
    chain: &Chain,
    nodes: &[Rect],
    ports: (f64, f64),
) -> Vec<(f64, f64)> {
    let (Some(&first), Some(&last)) = (chain.verts.first(), chain.verts.last()) else {
        return Vec::new();
    };
    let (out_x, in_x) = ports;
    let pinned = |x: f64, y: f64| Waypoint { x, y, lo: x, hi: x };
    let mut raw = Vec::with_capacity(2 * chain.verts.len());
    raw.push(pinned(out_x, geo.band_bottom[p.verts[first].rank]));
    for &d in &chain.verts[1..chain.verts.len().saturating_sub(1)] {
        let (r, x) = (p.verts[d].rank, geo.x[d]);
        let (lo, hi) = if chain.label_at == Some(d) {
            (x, x)
        } else {
            lanes[d]
        };
        raw.push(Waypoint {
            x,
            y: geo.band_top[r],
            lo,
            hi,
        });
        raw.push(Waypoint {
            x,
            y: geo.band_bottom[r],
            lo,
            hi,
        });
    }
    raw.push(pinned(in_x, geo.band_top[p.verts[last].rank]));
    // A zero-height band gives two equal points; one is enough.
    raw.dedup_by(|b, a| (a.x - b.x).abs() < 1e-9 && (a.y - b.y).abs() < 1e-9);
    let mut pts = vec![(out_x, nodes[first].bottom())];
    pts.extend(pull_taut(&raw));
    pts.push((in_x, nodes[last].y));
    pts.dedup_by(|b, a| (a.0 - b.0).abs() < 1e-9 && (a.1 - b.1).abs() < 1e-9);
    pts
}

/// Greedy string pulling: from each kept point, jump to the furthest later point whose straight
/// segment stays inside the lane of every point passed (lanes are constant within a band, and a
/// segment is linear, so checking band tops and bottoms is enough).
fn pull_taut(raw: &[Waypoint]) -> Vec<(f64, f64)> {
    const EPS: f64 = 1e-9;
    let Some(start) = raw.first() else {
        return Vec::new();
    };
    let mut out = vec![(start.x, start.y)];
    let mut i = 0;
    while i + 1 < raw.len() {
        let from = raw[i];
        let (mut smin, mut smax) = (f64::NEG_INFINITY, f64::INFINITY);
        let mut next = i + 1;
        for (j, w) in raw.iter().enumerate().skip(i + 1) {
            let dy = w.y - from.y;
            if dy <= EPS {
                break;
            }
            smin = smin.max((w.lo - from.x) / dy);
            smax = smax.min((w.hi - from.x) / dy);
            if smin > smax + EPS {
                break;
            }
            let s = (w.x - from.x) / dy;
            if s >= smin - EPS && s <= smax + EPS {
                next = j;
            }
        }
        out.push((raw[next].x, raw[next].y));
        i = next;
    }
    out
}

/// The x range each dummy may use in its band: halfway to whatever sits left and right of it,
/// so that neighbouring lanes are disjoint and pulled edges can neither touch boxes nor cross.
fn lanes(p: &Proper, geo: &Geometry) -> Vec<(f64, f64)> {
    let mut out = vec![(0.0, 0.0); p.verts.len()];
    for rank in &p.ranks {
        for (i, &d) in rank.iter().enumerate() {
            let v = &p.verts[d];
            let lo = i.checked_sub(1).map_or(f64::NEG_INFINITY, |j| {
                let u = rank[j];
                (geo.x[u] + p.verts[u].right + geo.x[d] - v.left) / 2.0
            });
            let hi = rank.get(i + 1).map_or(f64::INFINITY, |&w| {
                (geo.x[d] + v.right + geo.x[w] - p.verts[w].left) / 2.0
            });
            out[d] = (lo.min(geo.x[d]), hi.max(geo.x[d]));
        }
    }
    out
}

/// Self-loops as nested rectangles off the node's right side, their labels stacked to the right
/// of the outermost loop inside the room phase 3 reserved.
fn route_loops(
    input: &Input,
    loops: &[usize],
    rect: &Rect,
    edges: &mut [EdgeRoute],
    opts: &Options,
) {
    let k = loops.len();
    let cy = rect.y + rect.h / 2.0;
    let step = loop_step(opts);
    let labels: Vec<_> = loops.iter().filter_map(|&e| input.edges[e].label).collect();
    let stack_h: f64 = labels.iter().map(|l| l.along).sum::<f64>()
        + labels.len().saturating_sub(1) as f64 * opts.label_gap;
    let label_x = rect.right() + k as f64 * step + opts.label_gap;
    let mut label_y = cy - stack_h / 2.0;
    for (j, &e) in loops.iter().enumerate() {
        let reach = rect.right() + (j + 1) as f64 * step;
        let q = rect.h / 2.0 * (j + 1) as f64 / (k + 1) as f64;
        let points = vec![
            (rect.right(), cy - q),
            (reach, cy - q),
            (reach, cy + q),
            (rect.right(), cy + q),
        ];
        let label = input.edges[e].label.map(|l| {
            let r = Rect {
                x: label_x,
                y: label_y,
                w: l.across,
                h: l.along,
            };
            label_y += l.along + opts.label_gap;
            r
        });
        edges[input.edges[e].id] = EdgeRoute {
            points,
            label,
            reversed: false,
        };
    }
}
