//! `topology.svg`: the topology as a layered graph (internet on top, then filtering, then
//! servers and partners; edges may push a node further down), laid out by [`super::layout`]:
//! node boxes, connectors and MX routes with labels that overlap nothing, faulted or alerted
//! elements and certificates expiring within the run in red, and a legend outside the drawing.

use std::fmt::Write;

use super::diagram::{esc, text_width};
use super::layout::{self, EdgeSpec, Graph, NodeSpec, Options, Rect};
use super::{FAULT_RED, colour, hex};
use crate::experiment::Summary;
use crate::model::{ConnectorTarget, FaultKind, NodeKind, Scenario, TlsMode, TlsValidate, Workers};
use crate::report::format::{Tenths, at, count, push_tenths};

/// Grey of MX routes.
const MX_GREY: &str = "#666666";
/// Light red fill of faulted boxes.
const FAULT_FILL: &str = "#FDECEA";
/// Widest the drawing tries to stay, pixels (wider layers wrap their leaves).
const MAX_WIDTH: f64 = 1500.0;
/// Height of the title band above the drawing.
const TITLE_H: f64 = 44.0;
/// Font sizes: node names, node details, edge labels, legend.
const NAME_PX: f64 = 14.0;
const DETAIL_PX: f64 = 12.0;
const LABEL_PX: f64 = 11.0;
const LEGEND_PX: f64 = 12.0;
/// Baseline-to-baseline spacing, pixels: above a font's box height so lines never touch.
const NAME_STEP: f64 = 20.0;
const DETAIL_STEP: f64 = 16.0;
const LABEL_STEP: f64 = 14.0;
const LEGEND_STEP: f64 = 18.0;
/// Padding inside boxes.
const PAD: f64 = 10.0;
const LABEL_PAD: f64 = 4.0;
/// Most MX lines on one route's label before the rest is summed up.
const MX_LINES: usize = 3;

/// One line of text in a node box.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// The text.
    pub text: String,
    /// Bold (the node's name).
    pub bold: bool,
    /// Drawn in red (a fault, an expiring certificate).
    pub red: bool,
}

/// A node's box.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeBox {
    /// Where it is drawn (drawing coordinates, below the title band).
    pub rect: Rect,
    /// Its lines, the name first.
    pub lines: Vec<Line>,
    /// Border colour: the node's colour in every chart.
    pub stroke: String,
    /// A fault, or an alert on a connector into it.
    pub red: bool,
    /// Its certificate expires within the run.
    pub certificate_expires: bool,
}

/// What an edge is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeKind {
    /// A connector (smart-host route).
    Connector,
    /// MX routes from an internet node to an MX host.
    Mx,
}

/// An edge and its label.
#[derive(Clone, Debug, PartialEq)]
pub struct EdgeDraw {
    /// Connector or MX.
    pub kind: EdgeKind,
    /// The polyline, source border to target border.
    pub points: Vec<(f64, f64)>,
    /// The label box.
    pub label: Option<Rect>,
    /// The label's lines.
    pub lines: Vec<String>,
    /// Stroke colour.
    pub colour: String,
    /// Dashed: an MX route, or a connector that will fail on an expiring certificate.
    pub dashed: bool,
}

/// The whole picture before it is written out: what the tests check for overlaps.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Node boxes, in scenario order.
    pub nodes: Vec<NodeBox>,
    /// Edges: connectors with a fixed next hop, then MX routes.
    pub edges: Vec<EdgeDraw>,
    /// Drawing size (without title and legend).
    pub width: f64,
    /// Drawing height.
    pub height: f64,
    /// Legend lines, drawn under the drawing.
    pub legend: Vec<String>,
}

/// The internet nodes sit on the top layer; every other node follows its edges, so that wide
/// layers of leaves (partners) can wrap onto extra rows.
fn layer(sc: &Scenario, i: usize) -> Option<i32> {
    (sc.nodes[i].kind == NodeKind::Internet).then_some(0)
}

/// Hops from the nearest internet node, ignoring directions (`usize::MAX`: unreachable).
fn hops_from_internet(sc: &Scenario, edges: &[EdgeSpec]) -> Vec<usize> {
    let n = sc.nodes.len();
    let mut dist = vec![usize::MAX; n];
    let mut queue = std::collections::VecDeque::new();
    for i in (0..n).filter(|&i| sc.nodes[i].kind == NodeKind::Internet) {
        dist[i] = 0;
        queue.push_back(i);
    }
    while let Some(v) = queue.pop_front() {
        for e in edges {
            let w = if e.from == v {
                e.to
            } else if e.to == v {
                e.from
            } else {
                continue;
            };
            if dist[w] == usize::MAX {
                dist[w] = dist[v] + 1;
                queue.push_back(w);
            }
        }
    }
    dist
}

/// Mail flows both ways over most links; for the layers, every edge is laid out pointing away
/// from the internet (and drawn with its arrow where it really points). Returns which edges
/// were turned round.
fn orient_away_from_internet(sc: &Scenario, edges: &mut [EdgeSpec]) -> Vec<bool> {
    let dist = hops_from_internet(sc, edges);
    edges
        .iter_mut()
        .map(|e| {
            let turn = dist[e.from] > dist[e.to];
            if turn {
                std::mem::swap(&mut e.from, &mut e.to);
            }
            turn
        })
        .collect()
}

fn tls_words(c: &crate::model::Connector) -> String {
    let mode = match c.tls.mode {
        TlsMode::None => "no TLS",
        TlsMode::Opportunistic => "TLS opportunistic",
        TlsMode::Required => "TLS required",
    };
    match c.tls.validate {
        TlsValidate::None => mode.to_string(),
        TlsValidate::Certificate => format!("{mode}, cert checked"),
        TlsValidate::Domain => format!("{mode}, domain checked"),
    }
}

/// `for contoso.com, fabrikam.com and 3 more`: at most two domains named, so labels stay narrow.
fn domains_words(c: &crate::model::Connector) -> String {
    let d: Vec<String> = c.domains.iter().map(ToString::to_string).collect();
    if d.len() > 2 {
        format!("for {}, {} and {} more", d[0], d[1], d.len() - 2)
    } else {
        format!("for {}", d.join(", "))
    }
}

/// When node `i`'s certificate expires, if within the run.
fn certificate_expiry(sc: &Scenario, i: usize) -> Option<f64> {
    let at = sc.nodes[i].certificate.as_ref()?.not_after?;
    (at.0 < sc.duration.0).then(|| at.as_secs_f64())
}

fn node_lines(sc: &Scenario, s: &Summary, i: usize) -> Vec<Line> {
    let n = &sc.nodes[i];
    let plain = |text: String| Line {
        text,
        bold: false,
        red: false,
    };
    let workers = match n.workers {
        Workers::Limited(k) => format!("{k} workers"),
        Workers::Unlimited => "unlimited workers".into(),
    };
    let mut lines = vec![
        Line {
            text: n.name.clone(),
            bold: true,
            red: false,
        },
        plain(format!("{} · {workers}", n.kind.as_str())),
    ];
    for d in sc.domains.iter().filter(|d| d.name != "*" && d.explicit) {
        if let Some((_, share)) = d.mailboxes.iter().find(|(h, _)| h.index() == i) {
            lines.push(plain(format!(
                "mailboxes: {} {:.0}%",
                d.name,
                share * 100.0
            )));
        }
    }
    for c in sc
        .connectors
        .iter()
        .filter(|c| c.from.index() == i && c.to == ConnectorTarget::Mx)
    {
        lines.push(plain(format!("→ {} (by MX, {})", c.name, tls_words(c))));
    }
    if let Some(ns) = s.nodes.get(&n.name).filter(|x| x.peak_queue > 1) {
        lines.push(plain(format!(
            "peak queue {} at {}",
            count(ns.peak_queue),
            at(ns.peak_queue_at_s)
        )));
    }
    for f in sc
        .faults
        .iter()
        .filter(|f| f.kind.node().map(|n| n.index()) == Some(i))
    {
        let until = f.until.map_or("end".into(), |u| at(u.as_secs_f64()));
        lines.push(Line {
            text: format!(
                "fault: {} {}–{until}",
                f.kind.as_str(),
                at(f.at.as_secs_f64())
            ),
            bold: false,
            red: true,
        });
    }
    if let Some(t) = certificate_expiry(sc, i) {
        lines.push(Line {
            text: format!("certificate expires at {}", at(t)),
            bold: false,
            red: true,
        });
    }
    lines
}

fn box_size(lines: &[Line]) -> (f64, f64) {
    let w = lines
        .iter()
        .map(|l| {
            let px = if l.bold { NAME_PX } else { DETAIL_PX };
            text_width(&l.text, px, l.bold)
        })
        .fold(0.0, f64::max);
    let h = PAD + NAME_STEP + DETAIL_STEP * (lines.len().saturating_sub(1)) as f64 + PAD / 2.0;
    (w + 2.0 * PAD, h)
}

fn label_size(lines: &[String]) -> (f64, f64) {
    let w = lines
        .iter()
        .enumerate()
        .map(|(k, t)| text_width(t, LABEL_PX, k == 0))
        .fold(0.0, f64::max);
    (
        w + 2.0 * LABEL_PAD,
        LABEL_STEP * lines.len() as f64 + LABEL_PAD,
    )
}

/// Lays the topology out.
pub fn plan(sc: &Scenario, s: &Summary) -> Plan {
    let alerted = |name: &str| s.alerts.iter().any(|a| a.connector == name);
    let n = sc.nodes.len();
    let mut graph = Graph::default();
    let mut nodes: Vec<NodeBox> = Vec::with_capacity(n);
    for i in 0..n {
        let lines = node_lines(sc, s, i);
        let (w, h) = box_size(&lines);
        graph.nodes.push(NodeSpec {
            width: w,
            height: h,
            layer_hint: layer(sc, i),
        });
        let faulted = sc
            .faults
            .iter()
            .any(|f| f.kind.node().map(|x| x.index()) == Some(i));
        let into_alerted = sc.connectors.iter().any(|c| {
            c.to == ConnectorTarget::Node(crate::model::NodeId::from_index(i)) && alerted(&c.name)
        });
        nodes.push(NodeBox {
            rect: Rect::default(),
            lines,
            stroke: hex(colour(i)),
            red: faulted || into_alerted,
            certificate_expires: certificate_expiry(sc, i).is_some(),
        });
    }
    let mut edges: Vec<EdgeDraw> = Vec::new();
    for (ci, c) in sc.connectors.iter().enumerate() {
        let ConnectorTarget::Node(to) = c.to else {
            continue;
        };
        let lines = vec![c.name.clone(), tls_words(c), domains_words(c)];
        let expiring = c.tls.validate != TlsValidate::None && nodes[to.index()].certificate_expires;
        let red = alerted(&c.name);
        graph.edges.push(EdgeSpec {
            from: c.from.index(),
            to: to.index(),
            label: Some(label_size(&lines)),
        });
        edges.push(EdgeDraw {
            kind: EdgeKind::Connector,
            points: Vec::new(),
            label: None,
            lines,
            colour: if red || expiring {
                hex(FAULT_RED)
            } else {
                hex(colour(n + ci))
            },
            dashed: expiring && !red,
        });
    }
    // MX routes: one edge per (internet node, MX host), listing the domains it carries.
    let domain_red = |d: usize| {
        let name = &sc.domains[d].name;
        sc.faults.iter().any(|f| match &f.kind {
            FaultKind::DnsFailure { domain } | FaultKind::MxChange { domain, .. } => {
                domain.index() == d
            }
            _ => false,
        }) || s
            .alerts
            .iter()
            .any(|a| a.connector.ends_with(&format!("→ {name} (MX)")))
    };
    let mut routes: Vec<(usize, usize, Vec<String>, bool)> = Vec::new();
    // Only the routes mail takes: domains a stream from an internet node is sent to (the
    // others' MX records are in the legend).
    let from_internet = |d: usize| {
        sc.traffic.iter().any(|t| {
            sc.node(t.from).kind == NodeKind::Internet && t.to.iter().any(|(x, _)| x.index() == d)
        })
    };
    for (d, dom) in sc.domains.iter().enumerate() {
        if !dom.explicit || dom.name == "*" || !from_internet(d) {
            continue;
        }
        for m in &dom.mx {
            for src in (0..n).filter(|&i| sc.nodes[i].kind == NodeKind::Internet) {
                if src == m.host.index() {
                    continue;
                }
                let text = format!("MX {} (pref {})", dom.name, m.preference);
                match routes
                    .iter_mut()
                    .find(|r| r.0 == src && r.1 == m.host.index())
                {
                    Some(r) => {
                        r.2.push(text);
                        r.3 |= domain_red(d);
                    }
                    None => routes.push((src, m.host.index(), vec![text], domain_red(d))),
                }
            }
        }
    }
    for (src, host, mut lines, red) in routes {
        if lines.len() > MX_LINES {
            let more = lines.len() - (MX_LINES - 1);
            lines.truncate(MX_LINES - 1);
            lines.push(format!("and {more} more domains (legend)"));
        }
        graph.edges.push(EdgeSpec {
            from: src,
            to: host,
            label: Some(label_size(&lines)),
        });
        edges.push(EdgeDraw {
            kind: EdgeKind::Mx,
            points: Vec::new(),
            label: None,
            lines,
            colour: if red { hex(FAULT_RED) } else { MX_GREY.into() },
            dashed: true,
        });
    }
    let opts = Options {
        node_gap: 28.0,
        layer_gap: 26.0,
        max_width: Some(MAX_WIDTH),
        ..Options::default()
    };
    let turned = orient_away_from_internet(sc, &mut graph.edges);
    let l = layout::layout(&graph, &opts);
    for (b, r) in nodes.iter_mut().zip(&l.nodes) {
        b.rect = *r;
    }
    for ((e, route), turned) in edges.iter_mut().zip(&l.edges).zip(turned) {
        e.points = route.points.clone();
        if turned {
            e.points.reverse();
        }
        e.label = route.label;
    }
    Plan {
        nodes,
        edges,
        width: l.width,
        height: l.height,
        legend: legend(sc),
    }
}

fn legend(sc: &Scenario) -> Vec<String> {
    let mut out = Vec::new();
    for d in sc.domains.iter().filter(|d| d.explicit && d.name != "*") {
        let mx: Vec<String> =
            d.mx.iter()
                .map(|m| format!("{} (pref {})", sc.node(m.host).name, m.preference))
                .collect();
        let places: Vec<String> = d
            .mailboxes
            .iter()
            .map(|(n, share)| format!("{:.0}% on {}", share * 100.0, sc.node(*n).name))
            .collect();
        let mut line = format!(
            "{}: MX {}; mailboxes {}",
            d.name,
            mx.join(", "),
            places.join(", ")
        );
        if d.unknown_recipients > 0.0 {
            line += &format!("; {:.1}% unknown recipients", d.unknown_recipients * 100.0);
        }
        out.push(line);
    }
    out
}

/// The legend's key: (sample kind, words).
const KEY: [(&str, &str); 4] = [
    (
        "connector",
        "connector: name · TLS · domains (colour as in the queue chart)",
    ),
    ("mx", "MX route from the internet: domain (preference)"),
    ("fault", "red: a fault, or an alert, during the run"),
    (
        "certificate",
        "red dashed: certificate expires within the run",
    ),
];

fn marker(out: &mut String, colour: &str) {
    let id = colour.trim_start_matches('#');
    let _ = write!(
        out,
        r##"<marker id="arrow-{id}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>"##
    );
}

fn draw_edge(out: &mut String, e: &EdgeDraw) {
    if e.points.len() < 2 {
        return;
    }
    let dash = if e.dashed {
        r#" stroke-dasharray="6 4""#
    } else {
        ""
    };
    let class = match e.kind {
        EdgeKind::Connector => "edge connector",
        EdgeKind::Mx => "edge mx",
    };
    // The points go straight into the output, each number as `{:.1}` writes it but without
    // the general float formatter (a 2,000-connector drawing has tens of thousands of them).
    let _ = write!(out, r##"<polyline class="{class}" points=""##);
    for (i, &(x, y)) in e.points.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        push_tenths(out, x);
        out.push(',');
        push_tenths(out, y);
    }
    let _ = write!(
        out,
        r##"" fill="none" stroke="{}" stroke-width="2"{dash} marker-end="url(#arrow-{})"/>"##,
        e.colour,
        e.colour.trim_start_matches('#')
    );
}

fn draw_label(out: &mut String, e: &EdgeDraw) {
    let Some(r) = e.label else {
        return;
    };
    let _ = write!(
        out,
        r##"<g class="label"><rect class="label-box" x="{}" y="{}" width="{}" height="{}" rx="3" fill="white" fill-opacity="0.9" stroke="{}" stroke-opacity="0.35"/>"##,
        Tenths(r.x),
        Tenths(r.y),
        Tenths(r.w),
        Tenths(r.h),
        e.colour
    );
    for (k, line) in e.lines.iter().enumerate() {
        let (fill, weight) = if k == 0 {
            (e.colour.as_str(), "bold")
        } else {
            ("#333333", "normal")
        };
        let _ = write!(
            out,
            r##"<text x="{}" y="{}" font-size="{LABEL_PX}" font-weight="{weight}" fill="{fill}">{}</text>"##,
            Tenths(r.x + LABEL_PAD),
            Tenths(r.y + LABEL_PAD / 2.0 + LABEL_STEP * (k as f64 + 1.0) - 3.0),
            esc(line)
        );
    }
    out.push_str("</g>");
}

fn draw_node(out: &mut String, b: &NodeBox) {
    let r = b.rect;
    let red = hex(FAULT_RED);
    let (stroke, fill, width) = if b.red || b.certificate_expires {
        (red.as_str(), FAULT_FILL, 3)
    } else {
        (b.stroke.as_str(), "#FAFAFA", 2)
    };
    let dash = if b.certificate_expires && !b.red {
        r#" stroke-dasharray="7 4""#
    } else {
        ""
    };
    let class = if b.red {
        "node fault"
    } else if b.certificate_expires {
        "node certificate"
    } else {
        "node"
    };
    let _ = write!(
        out,
        r##"<g class="{class}"><rect class="node-box" x="{}" y="{}" width="{}" height="{}" rx="8" fill="{fill}" stroke="{stroke}" stroke-width="{width}"{dash}/>"##,
        Tenths(r.x),
        Tenths(r.y),
        Tenths(r.w),
        Tenths(r.h)
    );
    let cx = r.x + r.w / 2.0;
    let mut y = r.y + PAD + NAME_PX;
    for (k, l) in b.lines.iter().enumerate() {
        // The name's line is a little taller than the details'.
        match k {
            0 => {}
            1 => y += NAME_STEP - 2.0,
            _ => y += DETAIL_STEP,
        }
        let (size, weight) = if l.bold {
            (NAME_PX, "bold")
        } else {
            (DETAIL_PX, "normal")
        };
        let fill = if l.red { red.as_str() } else { "#222222" };
        let _ = write!(
            out,
            r##"<text x="{}" y="{}" text-anchor="middle" font-size="{size}" font-weight="{weight}" fill="{fill}">{}</text>"##,
            Tenths(cx),
            Tenths(y),
            esc(&l.text)
        );
    }
    out.push_str("</g>");
}

/// Legend rows: the key, then the domains in as many columns as fit.
fn draw_legend(out: &mut String, p: &Plan, top: f64, width: f64) -> f64 {
    let _ = write!(out, r##"<g class="legend">"##);
    let mut x = 16.0;
    let mut y = top + 22.0;
    for (kind, words) in KEY {
        let w = 34.0 + text_width(words, LEGEND_PX, false) + 24.0;
        if x + w > width && x > 16.0 {
            x = 16.0;
            y += LEGEND_STEP + 4.0;
        }
        let red = hex(FAULT_RED);
        match kind {
            "connector" => {
                let _ = write!(
                    out,
                    r##"<line x1="{x:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{}" stroke-width="2"/>"##,
                    y - 4.0,
                    x + 26.0,
                    y - 4.0,
                    hex(colour(0))
                );
            }
            "mx" => {
                let _ = write!(
                    out,
                    r##"<line x1="{x:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{MX_GREY}" stroke-width="2" stroke-dasharray="6 4"/>"##,
                    y - 4.0,
                    x + 26.0,
                    y - 4.0
                );
            }
            "fault" => {
                let _ = write!(
                    out,
                    r##"<rect x="{x:.1}" y="{:.1}" width="26" height="12" rx="3" fill="{FAULT_FILL}" stroke="{red}" stroke-width="2"/>"##,
                    y - 10.0
                );
            }
            _ => {
                let _ = write!(
                    out,
                    r##"<rect x="{x:.1}" y="{:.1}" width="26" height="12" rx="3" fill="{FAULT_FILL}" stroke="{red}" stroke-width="2" stroke-dasharray="5 3"/>"##,
                    y - 10.0
                );
            }
        }
        let _ = write!(
            out,
            r##"<text x="{:.1}" y="{y:.1}" font-size="{LEGEND_PX}" fill="#333333">{}</text>"##,
            x + 34.0,
            esc(words)
        );
        x += w;
    }
    if !p.legend.is_empty() {
        y += LEGEND_STEP + 6.0;
        let col_w = p
            .legend
            .iter()
            .map(|l| text_width(l, LEGEND_PX, false) + 28.0)
            .fold(0.0, f64::max);
        let cols = ((width - 16.0) / col_w).floor().max(1.0) as usize;
        let rows = p.legend.len().div_ceil(cols);
        let _ = write!(
            out,
            r##"<text x="16" y="{y:.1}" font-size="{LEGEND_PX}" font-weight="bold" fill="#333333">domains</text>"##
        );
        for (k, line) in p.legend.iter().enumerate() {
            let (c, r) = (k / rows, k % rows);
            let _ = write!(
                out,
                r##"<text x="{:.1}" y="{:.1}" font-size="{LEGEND_PX}" fill="#333333">{}</text>"##,
                16.0 + c as f64 * col_w,
                y + LEGEND_STEP * (r as f64 + 1.0),
                esc(line)
            );
        }
        y += LEGEND_STEP * rows as f64;
    }
    out.push_str("</g>");
    y + 16.0
}

/// The legend's width needs: the widest key entry or domain line.
fn legend_width(p: &Plan) -> f64 {
    let key = KEY
        .iter()
        .map(|(_, w)| 34.0 + text_width(w, LEGEND_PX, false) + 24.0)
        .fold(0.0, f64::max);
    let domains = p
        .legend
        .iter()
        .map(|l| text_width(l, LEGEND_PX, false) + 28.0)
        .fold(0.0, f64::max);
    32.0 + key.max(domains)
}

/// Renders the diagram: title, drawing, legend below.
pub fn render(sc: &Scenario, s: &Summary) -> String {
    let p = plan(sc, s);
    let title = format!("{}: topology", sc.name);
    let width = p
        .width
        .max(legend_width(&p))
        .max(text_width(&title, 20.0, false) + 40.0)
        .max(600.0)
        .ceil();
    let x0 = ((width - p.width) / 2.0).floor();
    let mut body = String::new();
    let _ = write!(
        body,
        r##"<g class="drawing" transform="translate({x0:.1},{TITLE_H:.1})">"##
    );
    for e in &p.edges {
        draw_edge(&mut body, e);
    }
    for e in &p.edges {
        draw_label(&mut body, e);
    }
    for b in &p.nodes {
        draw_node(&mut body, b);
    }
    body.push_str("</g>");
    let height = draw_legend(&mut body, &p, TITLE_H + p.height, width).ceil();
    let mut colours: Vec<&str> = p.edges.iter().map(|e| e.colour.as_str()).collect();
    colours.sort_unstable();
    colours.dedup();
    let mut out = String::new();
    let _ = write!(
        out,
        r##"<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/><defs>"##
    );
    for c in colours {
        marker(&mut out, c);
    }
    let _ = write!(
        out,
        r##"</defs><text x="{:.1}" y="28" text-anchor="middle" font-size="20">{}</text>"##,
        width / 2.0,
        esc(&title)
    );
    out += &body;
    out += "</svg>\n";
    out
}
