//! Unit tests: no overlaps, few crossings, determinism and robustness of the layered layout.

use std::time::Instant;

use super::fixtures::{mail_topology, random_graph, shuffled_tree, simple};
use super::*;

/// Lays `g` out twice and checks everything that must hold for any input.
fn check(g: &Graph, opts: &Options) -> Layout {
    let l = layout(g, opts);
    assert_eq!(l, layout(g, opts), "same input must give the same layout");
    let bad = overlaps(&l);
    assert!(bad.is_empty(), "overlapping boxes: {bad:?}");
    assert_eq!(l.nodes.len(), g.nodes.len());
    assert_eq!(l.edges.len(), g.edges.len());
    assert!(l.width.is_finite() && l.height.is_finite());
    let inside = |x: f64, y: f64| {
        (-1e-6..=l.width + 1e-6).contains(&x) && (-1e-6..=l.height + 1e-6).contains(&y)
    };
    for r in &l.nodes {
        assert!(
            inside(r.x, r.y) && inside(r.right(), r.bottom()),
            "node {r:?} outside {}x{}",
            l.width,
            l.height
        );
    }
    for (e, route) in g.edges.iter().zip(&l.edges) {
        if e.from >= g.nodes.len() || e.to >= g.nodes.len() {
            assert!(route.points.is_empty() && route.label.is_none());
            continue;
        }
        assert!(route.points.len() >= 2, "edge {e:?} has no route");
        assert!(route.points.iter().all(|&(x, y)| inside(x, y)));
        assert_eq!(route.label.is_some(), e.label.is_some());
        if let Some(r) = route.label {
            assert!(inside(r.x, r.y) && inside(r.right(), r.bottom()));
        }
        let (first, last) = (route.points[0], route.points[route.points.len() - 1]);
        assert!(
            on_border(&l.nodes[e.from], first),
            "edge {e:?} starts at {first:?}, not on its source"
        );
        assert!(
            on_border(&l.nodes[e.to], last),
            "edge {e:?} ends at {last:?}, not on its target"
        );
    }
    l
}

fn on_border(r: &Rect, (x, y): (f64, f64)) -> bool {
    let eps = 1e-6;
    let within = x >= r.x - eps && x <= r.right() + eps && y >= r.y - eps && y <= r.bottom() + eps;
    let edge = [x - r.x, r.right() - x, y - r.y, r.bottom() - y]
        .iter()
        .any(|d| d.abs() < eps);
    within && edge
}

fn labelled(n: usize, edges: &[(usize, usize)]) -> Layout {
    check(&simple(n, edges, true), &Options::default())
}

#[test]
fn empty_graph_and_single_node() {
    let l = check(&Graph::default(), &Options::default());
    assert!(l.nodes.is_empty() && l.width >= 0.0);
    let l = check(&simple(1, &[], false), &Options::default());
    assert_eq!(l.nodes[0].x, Options::default().margin);
}

#[test]
fn chain_star_diamond() {
    let chain: Vec<(usize, usize)> = (0..6).map(|i| (i, i + 1)).collect();
    let l = labelled(7, &chain);
    assert!(
        l.nodes.windows(2).all(|w| w[0].bottom() < w[1].y),
        "a chain runs downwards"
    );
    let star: Vec<(usize, usize)> = (1..12).map(|i| (0, i)).collect();
    let l = labelled(12, &star);
    assert_eq!(crossings(&l), 0);
    let l = labelled(4, &[(0, 1), (0, 2), (1, 3), (2, 3)]);
    assert_eq!(crossings(&l), 0);
    assert!(l.nodes[0].bottom() < l.nodes[1].y && l.nodes[2].bottom() < l.nodes[3].y);
}

#[test]
fn cycle_reverses_one_edge() {
    let l = labelled(4, &[(0, 1), (1, 2), (2, 3), (3, 0)]);
    assert_eq!(l.edges.iter().filter(|e| e.reversed).count(), 1);
}

#[test]
fn parallel_and_antiparallel_edges_get_distinct_routes_and_slots() {
    let l = labelled(2, &[(0, 1), (0, 1), (1, 0), (1, 0), (0, 1)]);
    for (i, a) in l.edges.iter().enumerate() {
        for b in &l.edges[i + 1..] {
            assert_ne!(a.points, b.points);
            assert_ne!(a.label, b.label);
        }
    }
    assert_eq!(l.edges.iter().filter(|e| e.reversed).count(), 2);
}

#[test]
fn self_loops_and_disconnected_components() {
    let l = labelled(5, &[(0, 0), (0, 0), (0, 1), (2, 2), (3, 4), (4, 3)]);
    assert_ne!(l.edges[0].points, l.edges[1].points);
    assert!(
        l.edges[..2]
            .iter()
            .all(|e| e.points.len() == 4 && !e.reversed)
    );
}

#[test]
fn bad_input_does_not_panic() {
    let mut g = simple(4, &[(0, 1), (1, 9), (7, 7), (2, 3), (3, 3)], true);
    g.nodes[0].width = f64::NAN;
    g.nodes[1].height = -5.0;
    g.nodes[2].width = f64::INFINITY;
    g.nodes[2].layer_hint = Some(i32::MAX);
    g.nodes[3].layer_hint = Some(i32::MIN);
    g.edges[0].label = Some((5000.0, 400.0));
    g.edges[3].label = Some((f64::NAN, -1.0));
    let opts = Options {
        node_gap: f64::NAN,
        edge_gap: -3.0,
        max_width: Some(f64::INFINITY),
        ..Options::default()
    };
    check(&g, &opts);
    check(&g, &Options::default());
}

#[test]
fn layer_hints_are_honoured() {
    // Edges point upwards, but the hints say 2 is on top and 0 at the bottom.
    let mut g = simple(4, &[(0, 1), (1, 2), (0, 3), (3, 2)], true);
    g.nodes[2].layer_hint = Some(0);
    g.nodes[3].layer_hint = Some(1);
    g.nodes[0].layer_hint = Some(3);
    let l = check(&g, &Options::default());
    assert!(l.nodes[2].bottom() < l.nodes[3].y && l.nodes[3].bottom() < l.nodes[0].y);
    assert!(l.nodes[2].bottom() < l.nodes[1].y);
}

#[test]
fn random_graphs_have_no_overlaps() {
    for seed in 1..=20 {
        let g = random_graph(seed, 30, 60, true);
        let l = check(&g, &Options::default());
        assert!(l.width < 20_000.0, "seed {seed}: width {}", l.width);
        check(
            &g,
            &Options {
                max_width: Some(800.0),
                ..Options::default()
            },
        );
    }
}

#[test]
fn mail_topology_is_clean_in_every_direction() {
    let g = mail_topology().graph;
    let dirs = [
        Direction::TopToBottom,
        Direction::BottomToTop,
        Direction::LeftToRight,
        Direction::RightToLeft,
    ];
    for direction in dirs {
        for max_width in [None, Some(1600.0)] {
            let l = check(
                &g,
                &Options {
                    direction,
                    max_width,
                    ..Options::default()
                },
            );
            let internet = l.nodes[0];
            let others = &l.nodes[1..];
            let first = match direction {
                Direction::TopToBottom => others.iter().all(|r| r.y >= internet.bottom()),
                Direction::BottomToTop => others.iter().all(|r| r.bottom() <= internet.y),
                Direction::LeftToRight => others.iter().all(|r| r.x >= internet.right()),
                Direction::RightToLeft => others.iter().all(|r| r.right() <= internet.x),
            };
            assert!(first, "internet must be on the first layer ({direction:?})");
        }
    }
}

#[test]
fn max_width_narrows_the_mail_topology() {
    let g = mail_topology().graph;
    let wide = layout(&g, &Options::default());
    let narrow = check(
        &g,
        &Options {
            max_width: Some(1600.0),
            ..Options::default()
        },
    );
    assert!(
        narrow.width < wide.width,
        "{} !< {}",
        narrow.width,
        wide.width
    );
    assert!(narrow.width < 2400.0, "width {}", narrow.width);
}

#[test]
fn trees_have_zero_crossings() {
    for seed in 1..=10 {
        let l = check(&shuffled_tree(seed, 40), &Options::default());
        assert_eq!(crossings(&l), 0, "seed {seed}");
    }
}

#[test]
fn same_input_gives_identical_layout() {
    let g = random_graph(11, 60, 150, true);
    let first = layout(&g, &Options::default());
    for _ in 0..3 {
        assert_eq!(layout(&g.clone(), &Options::default()), first);
    }
    let mail = mail_topology().graph;
    let opts = Options {
        max_width: Some(1600.0),
        ..Options::default()
    };
    assert_eq!(layout(&mail, &opts), layout(&mail, &opts));
}

#[test]
fn very_long_labels_stay_clear() {
    let mut g = simple(5, &[(0, 1), (0, 2), (1, 3), (2, 3), (3, 4), (0, 4)], true);
    for (i, e) in g.edges.iter_mut().enumerate() {
        e.label = Some((400.0 + 900.0 * i as f64, 18.0 + i as f64 * 10.0));
    }
    let l = check(&g, &Options::default());
    assert!(
        l.width > 4900.0,
        "the widest label must fit inside the drawing"
    );
}

#[test]
fn crossing_reduction_beats_the_input_order() {
    for seed in 1..=5 {
        let g = random_graph(seed, 30, 60, false);
        let opts = Options::default();
        let input = Input::new(&g, false);
        let orientation = acyclic::orient(&input);
        let layers = rank::assign(&input, &orientation, &opts, 1.0);
        let mut p = proper::build(&input, &orientation.reversed, &layers, &opts);
        let count = |p: &proper::Proper| {
            let mut pos = vec![0; p.verts.len()];
            for rank in &p.ranks {
                rank.iter().enumerate().for_each(|(i, &v)| pos[v] = i);
            }
            order::count_crossings(p, &pos)
        };
        // Phase 3 leaves every rank in vertex order, which follows the input order.
        let before = count(&p);
        order::reduce_crossings(&mut p);
        let after = count(&p);
        assert!(
            after * 4 <= before,
            "seed {seed}: {before} crossings became {after}"
        );
    }
}

#[test]
fn crossings_helper_counts_an_x() {
    let route = |points: Vec<(f64, f64)>| EdgeRoute {
        points,
        ..EdgeRoute::default()
    };
    let l = Layout {
        edges: vec![
            route(vec![(0.0, 0.0), (10.0, 10.0)]),
            route(vec![(0.0, 10.0), (10.0, 0.0)]),
        ],
        ..Layout::default()
    };
    assert_eq!(crossings(&l), 1);
}

#[test]
fn crossing_reduction_untangles_a_shuffled_bipartite_graph() {
    // Two layers joined as a perfect matching in scrambled order: zero crossings are possible.
    let edges: Vec<(usize, usize)> = (0..10).map(|i| (i, 10 + (i * 7) % 10)).collect();
    let mut all = edges.clone();
    all.extend((0..9).map(|i| (i, 10 + ((i + 1) * 7) % 10)));
    let l = check(&simple(20, &all, false), &Options::default());
    assert_eq!(crossings(&l), 0);
}

#[test]
fn large_graph_completes() {
    let g = random_graph(7, 200, 2000, true);
    let l = layout(&g, &Options::default());
    assert!(overlaps(&l).is_empty());
    assert!(l.edges.iter().all(|e| e.points.len() >= 2));
}

#[test]
#[ignore = "timing report; run with --release -- --ignored --nocapture"]
fn timing_report() {
    let wrapped = Options {
        max_width: Some(1600.0),
        ..Options::default()
    };
    let cases = [
        (
            "mail topology 30/57",
            mail_topology().graph,
            Options::default(),
        ),
        (
            "mail topology 30/57, max_width 1600",
            mail_topology().graph,
            wrapped,
        ),
        (
            "random 30/60 seed 1",
            random_graph(1, 30, 60, true),
            Options::default(),
        ),
        (
            "random 30/60 seed 2",
            random_graph(2, 30, 60, true),
            Options::default(),
        ),
        (
            "random 200/2000",
            random_graph(7, 200, 2000, true),
            Options::default(),
        ),
    ];
    for (name, g, opts) in cases {
        // Best of five, to keep scheduler noise out of the report.
        let mut best = f64::INFINITY;
        let mut l = Layout::default();
        for _ in 0..5 {
            let start = Instant::now();
            l = layout(&g, &opts);
            best = best.min(start.elapsed().as_secs_f64() * 1e3);
        }
        println!("{name}: {best:.1} ms, {:.0}x{:.0}", l.width, l.height);
    }
}
