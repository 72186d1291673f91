//! Exchange Server organisations as nodes: server groups, accepted domains, Receive connector limits and certificates, retry settings, firewalls.

use indexmap::IndexMap;

use super::build::Builder;
use super::error::{Note, NoteKind};
use super::hosts::ipv4_range;
use super::org::{Cert, Node, Retry, Setting, Src};
use super::services::SERVICE_SETTINGS;
use super::units::Limit;

impl Builder<'_> {
    /// One node per group of Exchange servers that share Send connectors.
    pub(super) fn exchange_server(&mut self) {
        let ex = &self.facts.exchange;
        if !ex.present {
            return;
        }
        // Servers that share a Send connector belong to one node; others join the first group.
        let mut groups: Vec<Vec<String>> = Vec::new();
        for route in &ex.send {
            let servers: Vec<String> = route
                .source_servers
                .iter()
                .map(|s| s.to_ascii_lowercase())
                .collect();
            if servers.is_empty() {
                continue;
            }
            let (hit, rest): (Vec<Vec<String>>, Vec<Vec<String>>) = groups
                .into_iter()
                .partition(|g| g.iter().any(|s| servers.contains(s)));
            groups = rest;
            let mut merged: Vec<String> = hit.into_iter().flatten().collect();
            for s in servers {
                if !merged.contains(&s) {
                    merged.push(s);
                }
            }
            groups.push(merged);
        }
        if groups.is_empty() {
            groups.push(Vec::new());
        }
        let names: Vec<String> = if groups.len() == 1 {
            vec!["onprem".into()]
        } else {
            groups
                .iter()
                .map(|g| format!("onprem-{}", g.first().map_or("x", String::as_str)))
                .collect()
        };
        for (group, base) in groups.iter().zip(names) {
            let name = self.org.unique_node(&base);
            let mut node = Node::new(
                "exchange_server",
                Src::Derived(format!("Exchange servers {}", group.join(", "))),
            );
            for d in &ex.accepted {
                node.accepted
                    .insert(d.domain.clone(), (d.kind.key(), Src::From(d.prov.clone())));
                if d.default && self.org.default_domain.is_none() {
                    self.org.default_domain = Some(d.domain.clone());
                }
            }
            for server in group {
                self.server_node.insert(server.clone(), name.clone());
                self.hosts.add(server, &name);
            }
            self.org.nodes.insert(name.clone(), node);
            self.org.origin.get_or_insert(name.clone());
        }
        let first = self
            .server_node
            .values()
            .next()
            .cloned()
            .unwrap_or_else(|| "onprem".into());
        let node_of = |b: &Self, server: &str| {
            b.server_node
                .get(&server.to_ascii_lowercase())
                .cloned()
                .unwrap_or_else(|| first.clone())
        };
        for (host, server) in &ex.host_names {
            let node = node_of(self, server);
            self.hosts.add(host, &node);
        }
        for rc in ex.receive.iter().filter(|r| r.enabled) {
            let node_name = node_of(self, &rc.server);
            let Some(node) = self.org.nodes.get_mut(&node_name) else {
                continue;
            };
            // The certificate of the connector that takes EOP's mail is the one EOP checks.
            if let Some((cn, self_signed, prov)) = &rc.certificate
                && (node.certificate.is_none() || rc.accepts_cloud_mail)
            {
                let issuer = if *self_signed { "self_signed" } else { "ca" };
                node.certificate = Some(Cert {
                    subject: cn.clone(),
                    issuer,
                    src: Src::From(prov.clone()),
                });
            }
            if rc.anonymous && node.inbound.is_empty() {
                for (key, value) in [
                    ("max_connections", &rc.max_inbound),
                    ("max_connections_per_source", &rc.per_source),
                    ("max_recipients_per_message", &rc.max_recipients),
                ] {
                    if let Some((Limit::Value(v), prov)) = value {
                        node.inbound.push((key, *v, Src::From(prov.clone())));
                    }
                }
                if let Some((Limit::Value(v), prov)) = &rc.max_message_size {
                    node.max_message_size = Some((*v, Src::From(prov.clone())));
                }
            }
            self.pending_firewalls.push((
                node_name,
                rc.remote_ranges.clone(),
                Src::From(rc.prov.clone()),
            ));
        }
        self.transport_services(&node_of);
    }

    fn transport_services(&mut self, node_of: &dyn Fn(&Self, &str) -> String) {
        let mut seen: IndexMap<String, String> = IndexMap::new();
        for svc in &self.facts.exchange.services {
            let node_name = node_of(self, &svc.server);
            if let Some(first) = seen.get(&node_name) {
                let theirs = self
                    .facts
                    .exchange
                    .services
                    .iter()
                    .find(|s| &s.server == first);
                let differs = theirs.is_some_and(|t| {
                    t.settings
                        .iter()
                        .map(|(k, v, _)| (k, v))
                        .ne(svc.settings.iter().map(|(k, v, _)| (k, v)))
                });
                if differs {
                    self.notes.push(Note::general(NoteKind::Warning, format!(
                        "transport servers {first} and {} of node `{node_name}` have different retry settings; {first}'s are used", svc.server
                    )));
                }
                continue;
            }
            seen.insert(node_name.clone(), svc.server.clone());
            let Some(node) = self.org.nodes.get_mut(&node_name) else {
                continue;
            };
            let mut overrides = Vec::new();
            for (key, value, prov) in &svc.settings {
                if *key == SERVICE_SETTINGS[6].1 {
                    node.max_connections_per_destination = Some((*value, Src::From(prov.clone())));
                } else if key.ends_with("count") {
                    overrides.push((*key, Setting::Count(*value), Src::From(prov.clone())));
                } else {
                    overrides.push((*key, Setting::Secs(*value), Src::From(prov.clone())));
                }
            }
            node.retry = Some(Retry {
                preset: "exchange_server",
                overrides,
            });
        }
    }

    /// Port-25 `RemoteIPRanges` as firewalls, now that every node's addresses are known.
    pub(super) fn firewalls(&mut self) {
        let pending = std::mem::take(&mut self.pending_firewalls);
        let mut by_node: IndexMap<String, (Vec<String>, Vec<String>, Src)> = IndexMap::new();
        for (node, ranges, src) in pending {
            let open =
                ranges.is_empty() || ranges.iter().any(|r| ipv4_range(r) == Some((0, u32::MAX)));
            let entry = by_node.entry(node).or_insert((Vec::new(), Vec::new(), src));
            if open {
                entry.1.push("open".into());
            }
            entry.0.extend(ranges);
        }
        for (node, (ranges, open, src)) in by_node {
            if !open.is_empty() {
                continue;
            }
            let mut allow: Vec<String> = Vec::new();
            for r in &ranges {
                let inside = self.hosts.nodes_in_range(r, &self.facts.dns);
                if inside.is_empty() {
                    self.notes.push(Note::general(NoteKind::Warning, format!("RemoteIPRanges entry {r} of `{node}` matches no node's address; left out of its firewall")));
                }
                for n in inside {
                    if !allow.contains(&n) {
                        allow.push(n);
                    }
                }
            }
            if let Some(n) = self.org.nodes.get_mut(&node) {
                n.firewall = Some((allow, src));
            }
        }
    }
}
