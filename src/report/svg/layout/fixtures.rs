//! Sample graphs shared by the unit tests and the render example (which includes this file by path).

use super::{EdgeSpec, Graph, NodeSpec};

/// A graph together with the captions a renderer would draw for it.
#[derive(Default)]
pub(super) struct Sample {
    /// The graph to lay out.
    pub(super) graph: Graph,
    /// One caption per node.
    pub(super) names: Vec<String>,
    /// One optional caption per edge.
    pub(super) labels: Vec<Option<String>>,
}

/// Estimated box of `text` at 11 px sans-serif, with padding.
pub(super) fn text_box(text: &str) -> (f64, f64) {
    (text.chars().count() as f64 * 6.6 + 10.0, 16.0)
}

impl Sample {
    fn node(&mut self, name: &str, layer_hint: Option<i32>) -> usize {
        let width = text_box(name).0 + 12.0;
        self.graph.nodes.push(NodeSpec {
            width,
            height: 32.0,
            layer_hint,
        });
        self.names.push(name.to_string());
        self.graph.nodes.len() - 1
    }

    fn edge(&mut self, from: usize, to: usize, label: &str) {
        self.graph.edges.push(EdgeSpec {
            from,
            to,
            label: Some(text_box(label)),
        });
        self.labels.push(Some(label.to_string()));
    }
}

/// The 30-node mail topology: internet on top, a cloud, three on-prem sites, four gateways and
/// twenty partners, with mail flowing both ways over every link.
pub(super) fn mail_topology() -> Sample {
    let mut s = Sample::default();
    let internet = s.node("internet", Some(0));
    let eop = s.node("eop (cloud)", None);
    s.edge(internet, eop, "mx-to-eop (TLS)");
    s.edge(eop, internet, "eop-to-internet (TLS)");
    let archive = s.node("archive", None);
    s.edge(eop, archive, "journal");
    let sites: Vec<usize> = (1..=3)
        .map(|i| s.node(&format!("onprem-site{i}"), None))
        .collect();
    for (i, &site) in sites.iter().enumerate() {
        s.edge(eop, site, &format!("eop-to-onprem-site{} (TLS)", i + 1));
        s.edge(site, eop, &format!("onprem-site{}-to-eop (TLS)", i + 1));
    }
    let gateways: Vec<usize> = (1..=4)
        .map(|g| s.node(&format!("gateway-{g}"), None))
        .collect();
    for (g, &gw) in gateways.iter().enumerate() {
        let site = (g.saturating_sub(1)).min(2);
        s.edge(sites[site], gw, &format!("site{}-to-gw{}", site + 1, g + 1));
        s.edge(gw, sites[site], &format!("gw{}-to-site{}", g + 1, site + 1));
    }
    for p in 1..=20 {
        let partner = s.node(&format!("partner-{p:02}"), None);
        let g = (p - 1) % 4;
        s.edge(
            gateways[g],
            partner,
            &format!("gw{}-to-partner{p:02} (TLS)", g + 1),
        );
        s.edge(
            partner,
            gateways[g],
            &format!("partner{p:02}-to-gw{}", g + 1),
        );
    }
    s
}

/// A small deterministic linear congruential generator, so tests need no `rand` crate.
pub(super) struct Lcg(pub(super) u64);

impl Lcg {
    /// Next 31 random bits.
    pub(super) fn next_u32(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as u32
    }

    /// Uniform index below `n` (0 when `n` is 0).
    pub(super) fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            self.next_u32() as usize % n
        }
    }

    /// Uniform value in `lo..hi`.
    pub(super) fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * f64::from(self.next_u32()) / f64::from(1u32 << 31)
    }

    /// Fisher–Yates shuffle.
    pub(super) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// Random multigraph (self-loops and parallel edges included); labels 40–160 px wide if `labels`.
pub(super) fn random_graph(seed: u64, nodes: usize, edges: usize, labels: bool) -> Graph {
    let mut rng = Lcg(seed);
    let nodes = (0..nodes)
        .map(|_| NodeSpec {
            width: rng.range(40.0, 140.0),
            height: rng.range(20.0, 40.0),
            layer_hint: None,
        })
        .collect::<Vec<_>>();
    let n = nodes.len();
    let edges = (0..edges)
        .map(|_| {
            let (from, to) = (rng.below(n), rng.below(n));
            let label = labels.then(|| (rng.range(40.0, 160.0), 16.0));
            EdgeSpec { from, to, label }
        })
        .collect();
    Graph { nodes, edges }
}

/// A random tree with `n` nodes whose node and edge order is shuffled.
pub(super) fn shuffled_tree(seed: u64, n: usize) -> Graph {
    let mut rng = Lcg(seed);
    let mut ids: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut ids);
    let mut edges: Vec<EdgeSpec> = (1..n)
        .map(|child| {
            let parent = rng.below(child);
            EdgeSpec {
                from: ids[parent],
                to: ids[child],
                label: Some((rng.range(30.0, 90.0), 14.0)),
            }
        })
        .collect();
    rng.shuffle(&mut edges);
    let nodes = (0..n)
        .map(|_| NodeSpec {
            width: rng.range(30.0, 90.0),
            height: 24.0,
            layer_hint: None,
        })
        .collect();
    Graph { nodes, edges }
}

/// Unlabelled `n`-node graph with the given edges, all nodes 60×30.
pub(super) fn simple(n: usize, edges: &[(usize, usize)], labels: bool) -> Graph {
    Graph {
        nodes: vec![
            NodeSpec {
                width: 60.0,
                height: 30.0,
                layer_hint: None
            };
            n
        ],
        edges: (edges.iter())
            .map(|&(from, to)| EdgeSpec {
                from,
                to,
                label: labels.then_some((70.0, 16.0)),
            })
            .collect(),
    }
}
