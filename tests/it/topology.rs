//! The topology picture at size: a generated scenario of 30 nodes and 60 connectors (a cloud,
//! three on-premises sites, four gateways and 21 partners) is drawn with no two boxes and no
//! two labels overlapping, checked on the layout and on the SVG written.
//!
//! `TOPOLOGY_SVG_OUT=path.svg cargo test --test it -- topology` also writes the picture (the
//! screenshot in docs/topology-30.png is that file rendered by Chromium).

use mailflow::report::svg::diagram::text_width;
use mailflow::report::svg::layout::Rect;
use mailflow::report::svg::topology::{self, Plan};

use super::common;

/// A scenario of `partners` + 9 nodes and 2 × partners + 18 connectors: internet, eop, three
/// sites, four gateways; eop ↔ each site, site ↔ gateway, eop → gateway, gateway → partner and
/// partner → eop. A firewall block at one gateway and a partner certificate expiring.
fn generated(partners: usize) -> String {
    let mut y = String::from(
        "name: generated-30\ndescription: A generated topology for the layout test.\nduration: 3h\nwarmup: 0s\nseed: 3\nsample_every: 10m\n\ndomains:\n  contoso.com:\n    mx: eop\n    mailboxes: {eop: 0.7, site1: 0.1, site2: 0.1, site3: 0.1}\n",
    );
    for p in 1..=partners {
        y += &format!(
            "  partner{p:02}.example:\n    mx: partner{p:02}\n    mailboxes: {{partner{p:02}: 1.0}}\n"
        );
    }
    y += "  \"*\":\n    mx: internet\n    mailboxes: {internet: 1.0}\n\nnodes:\n  internet:\n    kind: internet\n  eop:\n    kind: exchange_online\n    accepted_domains: {contoso.com: internal_relay}\n";
    for s in 1..=3 {
        y += &format!(
            "  site{s}:\n    kind: exchange_server\n    accepted_domains: {{contoso.com: authoritative}}\n"
        );
    }
    for g in 1..=4 {
        y += &format!("  gateway{g}:\n    kind: gateway\n");
    }
    for p in 1..=partners {
        let cert = if p == 7 {
            format!(
                "    certificate: {{subject: mail.partner{p:02}.example, issuer: ca, not_after: 2h}}\n"
            )
        } else {
            String::new()
        };
        y += &format!("  partner{p:02}:\n    kind: smtp\n{cert}");
    }
    y += "\nconnectors:\n";
    let mut connector = |name: String, from: &str, to: &str, domains: &str| {
        y += &format!(
            "  - {{name: {name}, from: {from}, to: {to}, domains: [{domains}], tls: {{mode: opportunistic}}}}\n"
        );
    };
    for s in 1..=3 {
        connector(
            format!("eop-to-site{s}"),
            "eop",
            &format!("site{s}"),
            "contoso.com",
        );
        connector(
            format!("site{s}-to-eop"),
            &format!("site{s}"),
            "eop",
            "\"*\"",
        );
    }
    for g in 1..=4 {
        let s = (g - 1) % 3 + 1;
        let mine: Vec<String> = (1..=partners)
            .filter(|p| (p - 1) % 4 == g - 1)
            .map(|p| format!("partner{p:02}.example"))
            .collect();
        connector(
            format!("site{s}-to-gateway{g}"),
            &format!("site{s}"),
            &format!("gateway{g}"),
            &mine.join(", "),
        );
        connector(
            format!("gateway{g}-to-site{s}"),
            &format!("gateway{g}"),
            &format!("site{s}"),
            "contoso.com",
        );
        connector(
            format!("eop-to-gateway{g}"),
            "eop",
            &format!("gateway{g}"),
            &mine.join(", "),
        );
    }
    for p in 1..=partners {
        let g = (p - 1) % 4 + 1;
        connector(
            format!("gateway{g}-to-partner{p:02}"),
            &format!("gateway{g}"),
            &format!("partner{p:02}"),
            &format!("partner{p:02}.example"),
        );
        connector(
            format!("partner{p:02}-to-eop"),
            &format!("partner{p:02}"),
            "eop",
            "contoso.com",
        );
    }
    y += "\ntraffic:\n  - name: inbound\n    from: internet\n    sender_domain: example.net\n    to: contoso.com\n    rate: 2000/d\n    size: {fixed: 20KB}\n  - name: to-partners\n    from: eop\n    sender_domain: contoso.com\n    to: partner03.example\n    rate: 500/d\n    size: {fixed: 20KB}\n";
    y += "\nfaults:\n  - {kind: firewall_block, node: gateway2, at: 1h, for: 1h}\n";
    y
}

fn overlap(a: &Rect, b: &Rect) -> bool {
    a.intersects(b, 0.5)
}

fn pairs_overlapping(boxes: &[Rect]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for i in 0..boxes.len() {
        for j in i + 1..boxes.len() {
            if overlap(&boxes[i], &boxes[j]) {
                out.push((i, j));
            }
        }
    }
    out
}

fn plan_of(yaml: &str) -> (Plan, String) {
    let sc = common::load(yaml);
    let summary = common::run(&sc, 3);
    (
        topology::plan(&sc, &summary),
        topology::render(&sc, &summary),
    )
}

/// The picture of the generated 30-node / 60-connector scenario.
pub(crate) fn generated_svg() -> String {
    plan_of(&generated(21)).1
}

#[test]
fn a_generated_30_node_60_connector_topology_has_no_overlapping_boxes_or_labels() {
    let yaml = generated(21);
    let (plan, svg) = plan_of(&yaml);
    assert_eq!(plan.nodes.len(), 30);
    let connectors = plan
        .edges
        .iter()
        .filter(|e| e.kind == topology::EdgeKind::Connector)
        .count();
    assert_eq!(connectors, 60);
    // The layout object: node boxes and label boxes, all against all.
    let mut boxes: Vec<Rect> = plan.nodes.iter().map(|n| n.rect).collect();
    boxes.extend(plan.edges.iter().filter_map(|e| e.label));
    assert_eq!(boxes.len(), 30 + plan.edges.len());
    assert_eq!(
        pairs_overlapping(&boxes),
        vec![],
        "overlapping boxes in the plan"
    );
    // Every line of text fits its box (the same width estimate sized the box).
    for n in &plan.nodes {
        for l in &n.lines {
            let px = if l.bold { 14.0 } else { 12.0 };
            assert!(
                text_width(&l.text, px, l.bold) <= n.rect.w,
                "{} overflows",
                l.text
            );
        }
    }
    // The SVG written: parse it and check the drawn rectangles again.
    let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
    let rects: Vec<Rect> = doc
        .descendants()
        .filter(|n| {
            n.has_tag_name("rect")
                && matches!(n.attribute("class"), Some("node-box") | Some("label-box"))
        })
        .map(|n| {
            let f = |a: &str| n.attribute(a).unwrap().parse::<f64>().unwrap();
            Rect {
                x: f("x"),
                y: f("y"),
                w: f("width"),
                h: f("height"),
            }
        })
        .collect();
    assert_eq!(rects.len(), boxes.len());
    assert_eq!(
        pairs_overlapping(&rects),
        vec![],
        "overlapping boxes in the SVG"
    );
    // The faulted gateway and the partner whose certificate expires are marked.
    assert!(svg.contains(r#"class="node fault""#));
    assert!(svg.contains("certificate expires at 2h00m"));
    // The legend sits below the drawing, outside it.
    let legend_top = doc
        .descendants()
        .find(|n| n.attribute("class") == Some("legend"))
        .and_then(|g| g.descendants().find(|n| n.has_tag_name("text")))
        .and_then(|t| t.attribute("y"))
        .and_then(|y| y.parse::<f64>().ok())
        .unwrap();
    assert!(legend_top > plan.height, "legend inside the drawing");
    if let Some(path) = std::env::var_os("TOPOLOGY_SVG_OUT") {
        std::fs::write(path, &svg).unwrap();
    }
}

#[test]
fn small_topologies_keep_their_layers_internet_on_top() {
    let (plan, _) = plan_of(&generated(4));
    let top = plan.nodes[0].rect.y;
    assert!(plan.nodes.iter().skip(1).all(|n| n.rect.y > top));
}
