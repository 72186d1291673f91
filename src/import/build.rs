//! Joining the facts of every export into one organisation: the nodes, the host names and addresses that stand for them, and their settings.

use indexmap::IndexMap;

use super::error::{Note, NoteKind};
use super::facts::{ConnectorType, Facts, Target};
use super::hosts::{Hosts, bare_host, is_eop_host};
use super::org::{Cert, Node, Org, Retry, Setting, Src};
use super::units::Limit;

/// The state of the build: the organisation so far and what is needed to resolve names.
pub(super) struct Builder<'a> {
    /// The organisation so far.
    pub org: Org,
    /// Host names and addresses → nodes.
    pub hosts: Hosts,
    /// Everything read.
    pub facts: &'a Facts,
    /// Notes for the user.
    pub notes: &'a mut Vec<Note>,
    /// Exchange server name (lowercase) → node.
    pub server_node: IndexMap<String, String>,
    /// Partner domain → node.
    pub partner_of: IndexMap<String, String>,
    /// Exchange Online connector name (lowercase) → emitted connector name.
    pub exo_connector: IndexMap<String, String>,
    /// Port-25 `RemoteIPRanges` per on-premises node, resolved once every address is known.
    pub pending_firewalls: Vec<(String, Vec<String>, Src)>,
}

/// Builds the organisation from everything read.
pub(super) fn build(facts: &Facts, notes: &mut Vec<Note>) -> Org {
    let mut b = Builder {
        org: Org::default(),
        hosts: Hosts::default(),
        facts,
        notes,
        server_node: IndexMap::new(),
        partner_of: IndexMap::new(),
        exo_connector: IndexMap::new(),
        pending_firewalls: Vec::new(),
    };
    b.org.nodes.insert(
        "internet".into(),
        Node::new("internet", Src::Derived("the rest of the world".into())),
    );
    b.exchange_online();
    b.exchange_server();
    b.postfix_nodes();
    b.partners();
    b.exo_connectors();
    b.exchange_connectors();
    b.postfix_connectors();
    b.exo_rules();
    b.exo_inbound();
    b.firewalls();
    b.domains();
    b.tls_certificates();
    b.org
}

impl Builder<'_> {
    /// Whether any of the organisation's systems accepts this domain.
    pub(super) fn accepted_anywhere(&self, domain: &str) -> bool {
        self.org.nodes.values().any(|n| {
            n.accepted.keys().any(|d| {
                d == domain
                    || d.strip_prefix("*.")
                        .is_some_and(|p| domain.ends_with(&format!(".{p}")))
            })
        })
    }

    /// The first on-premises Exchange node, created (as an assumption) when an export refers to one.
    pub(super) fn onprem_node(&mut self, why: &str) -> String {
        if let Some(first) = self
            .org
            .nodes
            .iter()
            .find(|(_, n)| n.kind == "exchange_server")
            .map(|(k, _)| k.clone())
        {
            return first;
        }
        let name = self.org.unique_node("onprem");
        let src = Src::Assumed(format!("{why}, but no Exchange Server export was given"));
        self.org
            .nodes
            .insert(name.clone(), Node::new("exchange_server", src));
        self.org.origin.get_or_insert(name.clone());
        name
    }

    /// A node for a host no export describes: a gateway inside the organisation's domains, else an MTA.
    pub(super) fn node_for_host(&mut self, host: &str, why: Src) -> String {
        let host = bare_host(host);
        if let Some(n) = self.hosts.resolve(&host, &self.facts.dns) {
            return n;
        }
        let inside = self.accepted_anywhere(host.split_once('.').map_or("", |(_, d)| d));
        let kind = if inside { "gateway" } else { "smtp" };
        // Inside the organisation a host is known by its own name; outside, by its organisation's.
        let labels: Vec<&str> = host.split('.').collect();
        let label = match labels.len() {
            n if inside || n < 3 => labels[0],
            n if labels[n - 2].len() <= 3 => labels[n - 3],
            n => labels[n - 2],
        };
        let name = self.org.unique_node(label);
        self.notes.push(Note::general(NoteKind::Warning, format!(
            "host `{host}` is in no export: modelled as {kind} node `{name}` with default settings ({why})"
        )));
        self.org.nodes.insert(name.clone(), Node::new(kind, why));
        self.hosts.add(&host, &name);
        name
    }

    fn refers_to_eop(&self) -> Option<String> {
        let f = self.facts;
        if let Some(r) = f
            .dns
            .iter()
            .find(|r| r.rtype == "MX" && is_eop_host(&r.data))
        {
            return Some(format!(
                "MX of {} points at Exchange Online ({})",
                r.name, r.prov
            ));
        }
        let smart =
            |t: &Target| matches!(t, Target::SmartHosts(h) if h.iter().any(|h| is_eop_host(h)));
        if let Some(r) = f.exchange.send.iter().find(|r| smart(&r.target)) {
            return Some(format!("{} sends to Exchange Online", r.prov));
        }
        f.postfix.iter().find_map(|p| {
            let (v, prov) = p.param("relayhost")?;
            is_eop_host(v).then(|| format!("{prov} is Exchange Online"))
        })
    }

    fn exchange_online(&mut self) {
        let exo = &self.facts.exo;
        let src = if exo.present {
            Src::Derived("Exchange Online exports".into())
        } else if let Some(why) = self.refers_to_eop() {
            Src::Assumed(format!("{why}; no Exchange Online export was given"))
        } else {
            return;
        };
        let mut node = Node::new("exchange_online", src);
        for d in &exo.accepted {
            node.accepted
                .insert(d.domain.clone(), (d.kind.key(), Src::From(d.prov.clone())));
            if d.default {
                self.org.default_domain.get_or_insert(d.domain.clone());
            }
        }
        if let Some((secs, prov)) = &exo.message_expiration {
            let overrides = vec![(
                "message_expiration",
                Setting::Secs(*secs),
                Src::From(prov.clone()),
            )];
            node.retry = Some(Retry {
                preset: "exchange_online",
                overrides,
            });
        }
        if let Some((Limit::Value(bytes), prov)) = &exo.max_receive_size {
            node.max_message_size = Some((*bytes, Src::From(prov.clone())));
        }
        if exo.present {
            node.spam_filter = Some(Vec::new());
        }
        self.org.nodes.insert("exo".into(), node);
        self.hosts.exo = Some("exo".into());
        if !exo.accepted.is_empty() {
            self.org.origin = Some("exo".into());
        }
    }

    fn partners(&mut self) {
        let exo = &self.facts.exo;
        // A disabled connector's partner gets no node: its mail takes the other routes.
        for route in exo
            .outbound
            .iter()
            .filter(|r| r.enabled && r.connector_type == Some(ConnectorType::Partner))
        {
            let real: Vec<String> = route
                .domains
                .iter()
                .filter(|d| *d != "*" && !self.accepted_anywhere(d))
                .cloned()
                .collect();
            match &route.target {
                Target::SmartHosts(hosts) => {
                    let known = hosts
                        .iter()
                        .find_map(|h| self.hosts.resolve(h, &self.facts.dns));
                    let node = match (known, real.first()) {
                        (Some(n), _) => n,
                        (None, Some(domain)) => {
                            self.partner_node(domain, Src::From(route.prov.clone()))
                        }
                        (None, None) => {
                            self.node_for_host(&hosts[0], Src::From(route.prov.clone()))
                        }
                    };
                    for h in hosts {
                        self.hosts.add(h, &node);
                    }
                    for d in &real {
                        self.partner_of
                            .entry(d.clone())
                            .or_insert_with(|| node.clone());
                    }
                }
                Target::Mx => {
                    for d in &real {
                        self.partner_node(d, Src::From(route.prov.clone()));
                    }
                }
            }
        }
        for conn in exo
            .inbound
            .iter()
            .filter(|c| c.connector_type == ConnectorType::Partner)
        {
            for d in conn.sender_domains.iter().filter(|d| *d != "*") {
                let node = self.partner_node(d, Src::From(conn.prov.clone()));
                for ip in &conn.sender_ips {
                    self.hosts.add_ip(ip, &node);
                }
                if let Some(cert) = &conn.certificate_name {
                    self.hosts.add(cert, &node);
                }
            }
        }
        self.org.partner_domains = self.partner_of.keys().cloned().collect();
    }

    /// The node of a partner organisation's domain (created on first use, named after the domain).
    pub(super) fn partner_node(&mut self, domain: &str, src: Src) -> String {
        let domain = domain.trim_start_matches("*.").to_string();
        if let Some(n) = self.partner_of.get(&domain) {
            return n.clone();
        }
        let name = self
            .org
            .unique_node(domain.split('.').next().unwrap_or("partner"));
        self.org.nodes.insert(name.clone(), Node::new("smtp", src));
        self.partner_of.insert(domain, name.clone());
        name
    }

    fn tls_certificates(&mut self) {
        let mut wanted: Vec<(String, String, String, Option<String>)> = Vec::new();
        for c in self
            .org
            .connectors
            .iter()
            .filter(|c| c.enabled && c.tls.mode == "required" && c.to != "mx")
        {
            // Required TLS needs STARTTLS at the far end, so a certificate there, validated
            // or not.
            let name = c
                .tls
                .tls_domain
                .clone()
                .or_else(|| c.smart_host.as_ref().map(|s| s.0.clone()));
            wanted.push((
                c.name.clone(),
                c.to.clone(),
                c.tls.validate.unwrap_or("none").into(),
                name,
            ));
        }
        for (conn, node_name, validate, name) in wanted {
            let Some(node) = self.org.nodes.get_mut(&node_name) else {
                continue;
            };
            match (&node.certificate, &name) {
                (None, _) if node.kind == "internet" => {}
                (None, _) if node.kind == "exchange_online" && validate != "domain" => {}
                (None, _) => {
                    let subject = name.unwrap_or_else(|| format!("{node_name}.invalid"));
                    let why = if validate == "none" {
                        format!(
                            "connector {conn} requires TLS of {node_name}, which no export describes: it offers STARTTLS"
                        )
                    } else {
                        format!(
                            "connector {conn} validates the certificate of {node_name}, which no export describes"
                        )
                    };
                    node.certificate = Some(Cert {
                        subject,
                        issuer: "ca",
                        src: Src::Assumed(why),
                    });
                }
                (Some(cert), Some(want))
                    if validate == "domain" && !names_match(&cert.subject, want) =>
                {
                    self.notes.push(Note::general(NoteKind::Warning, format!(
                        "connector {conn} expects certificate name {want} but {node_name} presents {}: its mail will defer with 450 4.7.320", cert.subject
                    )));
                }
                _ => {}
            }
        }
    }
}

/// Whether a certificate subject satisfies an expected name (`*.x` one label deep, either side).
fn names_match(subject: &str, want: &str) -> bool {
    let wild = |w: &str, n: &str| {
        w.strip_prefix("*.")
            .is_some_and(|p| n.split_once('.').is_some_and(|(_, rest)| rest == p))
    };
    subject.eq_ignore_ascii_case(want) || wild(subject, want) || wild(want, subject)
}
