//! `topology.svg`: nodes in layers (internet → filtering → servers → mailboxes), connectors and
//! MX arrows labelled, faulted or alerted elements in red. Written by hand: it is a diagram.

use std::fmt::Write;

use super::diagram::{Block, arrow, block, esc};
use super::{FAULT_RED, colour, hex};
use crate::experiment::Summary;
use crate::model::{ConnectorTarget, FaultKind, NodeKind, Scenario, TlsMode, TlsValidate, Workers};
use crate::report::console::secs;

const W: f64 = 1000.0;
const ROW_H: f64 = 200.0;
const MX_GREY: &str = "#666666";
const TOP: f64 = 50.0;
const LAYERS: [&str; 4] = ["internet", "filtering", "servers", "mailboxes"];

fn layer(sc: &Scenario, i: usize) -> usize {
    let n = &sc.nodes[i];
    match n.kind {
        NodeKind::Internet => 0,
        NodeKind::Gateway => 1,
        _ if n.spam_filter.is_some() => 1,
        _ => 2,
    }
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

fn domains_words(c: &crate::model::Connector) -> String {
    let d: Vec<String> = c.domains.iter().map(ToString::to_string).collect();
    format!("for {}", d.join(", "))
}

/// Renders the diagram, ~1000 px wide, one row per layer.
pub fn render(sc: &Scenario, s: &Summary) -> String {
    let alerted = |name: &str| s.alerts.iter().any(|a| a.connector == name);
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
    let domains: Vec<usize> = (0..sc.domains.len())
        .filter(|&d| {
            let dom = &sc.domains[d];
            dom.explicit
                && dom.name != "*"
                && dom
                    .mailboxes
                    .iter()
                    .any(|(n, _)| sc.node(*n).kind != NodeKind::Internet)
        })
        .collect();
    // Rows: the four layers, empty ones dropped; blocks are nodes in row order, then domains.
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); 3];
    for i in 0..sc.nodes.len() {
        rows[layer(sc, i)].push(i);
    }
    let mut slot = vec![(0, 0, 0); sc.nodes.len()];
    let mut used: Vec<usize> = Vec::new();
    for (l, row) in rows.iter().enumerate().filter(|(_, r)| !r.is_empty()) {
        for (j, &i) in row.iter().enumerate() {
            slot[i] = (used.len(), j, row.len());
        }
        used.push(l);
    }
    let domain_row = used.len();
    if !domains.is_empty() {
        used.push(3);
    }
    let at = |row: usize, j: usize, n: usize| {
        (
            (j as f64 + 0.5) * W / n as f64,
            TOP + (row as f64 + 0.5) * ROW_H,
        )
    };
    let mut blocks: Vec<Block> = (0..sc.nodes.len())
        .map(|i| {
            let (row, j, n) = slot[i];
            node_block(sc, s, i, at(row, j, n), alerted(&sc.nodes[i].name))
        })
        .collect();
    for (j, &d) in domains.iter().enumerate() {
        let xy = at(domain_row, j, domains.len());
        blocks.push(domain_block(sc, d, xy, domain_red(d)));
    }
    let height = TOP + used.len().max(1) as f64 * ROW_H + 40.0;
    let mut body = String::new();
    let mut colours: Vec<String> = vec![hex(FAULT_RED), MX_GREY.into()];
    for &d in &domains {
        let dom = &sc.domains[d];
        for m in &dom.mx {
            let sources = (0..sc.nodes.len())
                .filter(|&i| sc.nodes[i].kind == NodeKind::Internet && i != m.host.index());
            for src in sources {
                let c = if domain_red(d) {
                    hex(FAULT_RED)
                } else {
                    MX_GREY.into()
                };
                let label = [format!("MX {} (pref {})", dom.name, m.preference)];
                arrow(
                    &mut body,
                    &blocks[src],
                    &blocks[m.host.index()],
                    -8.0,
                    &c,
                    "6 4",
                    &label,
                );
            }
        }
    }
    let n = sc.nodes.len();
    for (ci, c) in sc.connectors.iter().enumerate() {
        let ConnectorTarget::Node(to) = c.to else {
            continue;
        };
        let col = if alerted(&c.name) {
            hex(FAULT_RED)
        } else {
            hex(colour(n + ci))
        };
        if !colours.contains(&col) {
            colours.push(col.clone());
        }
        let label = [c.name.clone(), tls_words(c), domains_words(c)];
        arrow(
            &mut body,
            &blocks[c.from.index()],
            &blocks[to.index()],
            12.0,
            &col,
            "",
            &label,
        );
    }
    for b in &blocks {
        block(&mut body, b);
    }
    let mut out = String::new();
    let _ = write!(
        out,
        r##"<svg width="{W}" height="{height}" viewBox="0 0 {W} {height}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/><defs>"##
    );
    for c in &colours {
        let id = c.trim_start_matches('#');
        let _ = write!(
            out,
            r##"<marker id="arrow-{id}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{c}"/></marker>"##
        );
    }
    let _ = write!(
        out,
        r##"</defs><text x="{}" y="30" text-anchor="middle" font-size="22">{}: topology</text>"##,
        W / 2.0,
        esc(&sc.name)
    );
    for (row, &l) in used.iter().enumerate() {
        let _ = write!(
            out,
            r##"<text x="12" y="{:.1}" font-size="14" fill="#777777">{}</text>"##,
            TOP + row as f64 * ROW_H + 16.0,
            LAYERS[l]
        );
    }
    out += &body;
    let _ = write!(
        out,
        r##"<text x="12" y="{}" font-size="13" fill="#555555">solid arrow: connector (smart host), labelled name · TLS · domains; dashed: MX (DNS); red: a fault or an alert. Mail for other domains goes by MX.</text></svg>"##,
        height - 14.0
    );
    out.push('\n');
    out
}

fn node_block(sc: &Scenario, s: &Summary, i: usize, (x, y): (f64, f64), alerted: bool) -> Block {
    let n = &sc.nodes[i];
    let workers = match n.workers {
        Workers::Limited(k) => format!("{k} workers"),
        Workers::Unlimited => "unlimited workers".into(),
    };
    let mut lines = vec![
        (n.name.clone(), true),
        (format!("{} · {workers}", n.kind.as_str()), false),
    ];
    for d in sc.domains.iter().filter(|d| d.name != "*") {
        if let Some((_, share)) = d.mailboxes.iter().find(|(h, _)| h.index() == i) {
            lines.push((
                format!("mailboxes: {} {:.0}%", d.name, share * 100.0),
                false,
            ));
        }
    }
    for c in sc
        .connectors
        .iter()
        .filter(|c| c.from.index() == i && c.to == ConnectorTarget::Mx)
    {
        lines.push((format!("→ {} (by MX, {})", c.name, tls_words(c)), false));
    }
    if let Some(p) = s
        .nodes
        .get(&n.name)
        .map(|x| x.peak_queue)
        .filter(|p| *p > 0)
    {
        lines.push((
            format!("peak queue {}", crate::report::console::count(p)),
            false,
        ));
    }
    let faults: Vec<_> = sc
        .faults
        .iter()
        .filter(|f| f.kind.node().map(|n| n.index()) == Some(i))
        .collect();
    for f in &faults {
        let until = f.until.map_or("end".into(), |u| secs(u.as_secs_f64()));
        let from = secs(f.at.as_secs_f64());
        lines.push((format!("fault: {} {from}–{until}", f.kind.as_str()), false));
    }
    let h = 30.0 + 16.0 * lines.len() as f64;
    Block {
        x,
        y,
        h,
        lines,
        stroke: hex(colour(i)),
        red: !faults.is_empty() || alerted,
    }
}

fn domain_block(sc: &Scenario, d: usize, (x, y): (f64, f64), red: bool) -> Block {
    let dom = &sc.domains[d];
    let mx: Vec<&str> = dom
        .mx
        .iter()
        .map(|m| sc.node(m.host).name.as_str())
        .collect();
    let mut lines = vec![
        (format!("{} mailboxes", dom.name), true),
        (format!("MX → {}", mx.join(", ")), false),
    ];
    let places: Vec<String> = dom
        .mailboxes
        .iter()
        .map(|(n, share)| format!("{:.0}% on {}", share * 100.0, sc.node(*n).name))
        .collect();
    lines.push((places.join(", "), false));
    if dom.unknown_recipients > 0.0 {
        let u = dom.unknown_recipients * 100.0;
        lines.push((format!("{u:.1}% unknown recipients"), false));
    }
    let h = 30.0 + 16.0 * lines.len() as f64;
    Block {
        x,
        y,
        h,
        lines,
        stroke: "#555555".into(),
        red,
    }
}
