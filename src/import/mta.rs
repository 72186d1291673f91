//! Postfix instances as nodes (domains, retry, limits) and their relayhost and transport map as connectors.

use super::build::Builder;
use super::error::{Note, NoteKind, Prov};
use super::facts::{PostfixFacts, Route, Target, TlsFacts};
use super::org::{Cert, Node, Retry, Setting, Src};
use super::postfix::{list, nexthop_host};
use super::units::parse_postfix_time;

/// Postfix queue settings that become retry overrides, with their default time unit.
const RETRY_PARAMS: [(&str, char); 5] = [
    ("queue_run_delay", 's'),
    ("minimal_backoff_time", 's'),
    ("maximal_backoff_time", 's'),
    ("maximal_queue_lifetime", 'd'),
    ("bounce_queue_lifetime", 'd'),
];

/// The node name for a Postfix instance: the first label of `myhostname`, else the file's stem.
fn base_name(pf: &PostfixFacts) -> String {
    match pf.param("myhostname") {
        Some((h, _)) => h.split('.').next().unwrap_or(h).to_string(),
        None => {
            let stem = pf.file.rsplit(['/', '\\']).next().unwrap_or(&pf.file);
            stem.split('.').next().unwrap_or("postfix").to_string()
        }
    }
}

/// TLS of Postfix's SMTP client from `smtp_tls_security_level`.
fn client_tls(pf: &PostfixFacts, nexthop: Option<&str>) -> TlsFacts {
    let Some((level, prov)) = pf.param("smtp_tls_security_level") else {
        let assumed = Some(
            "smtp_tls_security_level unset: `may` (the default since Postfix 3.11; `none` before)"
                .to_string(),
        );
        return TlsFacts {
            mode: "opportunistic",
            assumed,
            ..TlsFacts::default()
        };
    };
    let prov = Prov {
        what: format!("smtp_tls_security_level = {level}"),
        ..prov
    };
    let mut tls = TlsFacts {
        prov: Some(prov),
        ..TlsFacts::default()
    };
    match level.trim() {
        "none" => tls.mode = "none",
        "encrypt" | "dane-only" | "fingerprint" => {
            (tls.mode, tls.validate) = ("required", Some("none"))
        }
        "verify" | "secure" => {
            (tls.mode, tls.validate) = ("required", Some("domain"));
            tls.tls_domain = nexthop.map(str::to_string);
        }
        _ => tls.mode = "opportunistic",
    }
    tls
}

impl Builder<'_> {
    /// One node per Postfix instance.
    pub(super) fn postfix_nodes(&mut self) {
        for pf in &self.facts.postfix {
            let name = self.org.unique_node(&base_name(pf));
            let mut node = Node::new(
                "smtp",
                Src::Derived(format!(
                    "Postfix {}",
                    pf.file.rsplit(['/', '\\']).next().unwrap_or(&pf.file)
                )),
            );
            let hostname = pf.param("myhostname").map(|(h, _)| h.to_ascii_lowercase());
            if let Some(h) = &hostname {
                self.hosts.add(h, &name);
            }
            let mut add = |param: &str, kind: &'static str, notes: &mut Vec<Note>| {
                let Some((value, prov)) = pf.param(param) else {
                    return;
                };
                for d in list(value) {
                    if d.contains(':') {
                        notes.push(Note::at(
                            NoteKind::Ignored,
                            &prov.file,
                            prov.line,
                            format!(
                                "{param} entry `{d}` is a lookup table; its domains are not read"
                            ),
                        ));
                    } else if Some(&d) != hostname.as_ref() && !d.starts_with("localhost") {
                        let domain = d.strip_prefix('.').map_or(d.clone(), |p| format!("*.{p}"));
                        node.accepted
                            .entry(domain)
                            .or_insert((kind, Src::From(prov.clone())));
                    }
                }
            };
            add("mydestination", "authoritative", self.notes);
            add("virtual_mailbox_domains", "authoritative", self.notes);
            add("virtual_alias_domains", "authoritative", self.notes);
            // Without relay_recipient_maps Postfix relays every recipient of a relay domain.
            let relay_kind = if pf.param("relay_recipient_maps").is_some() {
                "authoritative"
            } else {
                "internal_relay"
            };
            add("relay_domains", relay_kind, self.notes);
            let mut overrides = Vec::new();
            for (param, unit) in RETRY_PARAMS {
                if let Some((v, prov)) = pf.param(param) {
                    match parse_postfix_time(v, unit) {
                        Some(secs) => overrides.push((param, Setting::Secs(secs), Src::From(prov))),
                        None => self.notes.push(Note::at(
                            NoteKind::Warning,
                            &prov.file,
                            prov.line,
                            format!("{param} = {v} is not a Postfix time; default kept"),
                        )),
                    }
                }
            }
            node.retry = Some(Retry {
                preset: "postfix",
                overrides,
            });
            if let Some((v, prov)) = pf.param("message_size_limit")
                && let Ok(bytes) = v.trim().parse::<u64>()
            {
                node.max_message_size = (bytes > 0).then_some((bytes, Src::From(prov)));
            }
            for (param, key) in [
                ("default_process_limit", "max_connections"),
                (
                    "smtpd_client_connection_count_limit",
                    "max_connections_per_source",
                ),
            ] {
                if let Some((v, prov)) = pf.param(param)
                    && let Ok(n) = v.trim().parse::<u64>()
                {
                    node.inbound.push((key, n, Src::From(prov)));
                }
            }
            let concurrency = pf
                .param("smtp_destination_concurrency_limit")
                .or_else(|| pf.param("default_destination_concurrency_limit"));
            if let Some((v, prov)) = concurrency {
                node.max_connections_per_destination =
                    v.trim().parse().ok().map(|n| (n, Src::From(prov)));
            }
            if let (Some((_, prov)), Some(h)) = (
                pf.param("smtpd_tls_cert_file")
                    .or_else(|| pf.param("smtpd_tls_chain_files")),
                &hostname,
            ) {
                let why = format!(
                    "{prov} names a certificate file; its subject is taken to be myhostname"
                );
                node.certificate = Some(Cert {
                    subject: h.clone(),
                    issuer: "ca",
                    src: Src::Assumed(why),
                });
            }
            for param in ["content_filter", "smtp_tls_policy_maps"] {
                if let Some((v, prov)) = pf.param(param) {
                    let what = if param == "content_filter" {
                        "re-injects mail through a filter, which is not modelled (its message log counts such mail twice)"
                    } else {
                        "sets TLS per destination; only smtp_tls_security_level is used"
                    };
                    self.notes.push(Note::at(
                        NoteKind::Warning,
                        &prov.file,
                        prov.line,
                        format!("{param} = {v} {what}"),
                    ));
                }
            }
            if !node.accepted.is_empty() && self.org.origin.is_none() {
                self.org.origin = Some(name.clone());
            }
            self.org.nodes.insert(name, node);
        }
    }

    /// Connectors from `relayhost` and the transport map entries.
    pub(super) fn postfix_connectors(&mut self) {
        let names: Vec<String> = self
            .org
            .nodes
            .iter()
            .filter(|(_, n)| {
                n.kind == "smtp" && matches!(n.src, Src::Derived(ref s) if s.starts_with("Postfix"))
            })
            .map(|(k, _)| k.clone())
            .collect();
        for (pf, from) in self.facts.postfix.iter().zip(names) {
            // Entries sending to the same place with the same TLS share one connector.
            let mut routes: Vec<(String, Vec<String>, Route)> = Vec::new();
            for entry in &pf.transport {
                let (pattern, transport, nexthop, prov) = (
                    &entry.pattern,
                    &entry.transport,
                    &entry.nexthop,
                    &entry.prov,
                );
                let domain = match pattern.as_str() {
                    "*" => "*".to_string(),
                    p if p.contains('@') => {
                        self.notes.push(Note::at(NoteKind::Ignored, &prov.file, prov.line, format!("transport entry for address `{p}`: per-recipient routes are not modelled")));
                        continue;
                    }
                    p => p
                        .strip_prefix('.')
                        .map_or(p.to_string(), |s| format!("*.{s}")),
                };
                match transport.as_str() {
                    "" | "smtp" | "relay" => {}
                    "local" | "virtual" | "lmtp" => {
                        let node = self.org.nodes.get_mut(&from);
                        if let Some(n) = node {
                            n.accepted
                                .entry(domain)
                                .or_insert(("authoritative", Src::From(prov.clone())));
                        }
                        continue;
                    }
                    other => {
                        self.notes.push(Note::at(NoteKind::Ignored, &prov.file, prov.line, format!("transport `{other}:` for {pattern} (reject, discard or a pipe) is not modelled")));
                        continue;
                    }
                }
                let host = nexthop_host(nexthop);
                let target = match &host {
                    Some((h, _)) => Target::SmartHosts(vec![h.clone()]),
                    None => Target::Mx,
                };
                let to = match &host {
                    Some((h, _)) => self
                        .hosts
                        .resolve(h, &self.facts.dns)
                        .unwrap_or_else(|| self.node_for_host(h, Src::From(prov.clone()))),
                    None => "mx".into(),
                };
                let tls = client_tls(pf, host.as_ref().map(|(h, _)| h.as_str()));
                match routes.iter_mut().find(|(t, _, r)| {
                    *t == to && r.tls.mode == tls.mode && r.tls.validate == tls.validate
                }) {
                    Some((_, domains, _)) => domains.push(domain),
                    None => routes.push((to, vec![domain], route(prov.clone(), target, tls))),
                }
            }
            if let Some((relay, prov)) = pf.param("relayhost")
                && let Some((h, _)) = nexthop_host(relay)
            {
                let to = self
                    .hosts
                    .resolve(&h, &self.facts.dns)
                    .unwrap_or_else(|| self.node_for_host(&h, Src::From(prov.clone())));
                let tls = client_tls(pf, Some(&h));
                routes.push((
                    to,
                    vec!["*".into()],
                    route(prov, Target::SmartHosts(vec![h]), tls),
                ));
            }
            for (to, domains, r) in routes {
                self.add_postfix_route(&from, to, domains, &r);
            }
        }
    }

    fn add_postfix_route(&mut self, from: &str, to: String, domains: Vec<String>, r: &Route) {
        let before = self.org.connectors.len();
        let base = if to == "mx" {
            format!("{from}-mx")
        } else {
            format!("{from}-to-{to}")
        };
        let name = self.org.unique_connector(&base);
        let smart_host = match &r.target {
            Target::SmartHosts(h) => h.first().map(|h| {
                let ttl = super::hosts::Hosts::ttl(h, &self.facts.dns);
                (h.clone(), ttl.unwrap_or(3_600), ttl.is_none())
            }),
            Target::Mx => None,
        };
        self.org.connectors.push(super::org::Connector {
            name,
            from: from.to_string(),
            to,
            domains,
            mailboxes_on: Vec::new(),
            tls: r.tls.clone(),
            rule_scoped: false,
            enabled: true,
            smart_host,
            centralized: false,
            src: Src::From(r.prov.clone()),
            remarks: Vec::new(),
        });
        debug_assert_eq!(self.org.connectors.len(), before + 1);
    }
}

fn route(prov: Prov, target: Target, tls: TlsFacts) -> Route {
    Route {
        name: prov.what.clone(),
        prov,
        enabled: true,
        domains: Vec::new(),
        target,
        tls,
        rule_scoped: false,
        connector_type: None,
        route_all_via_on_premises: false,
        all_accepted_domains: false,
        source_servers: Vec::new(),
    }
}
