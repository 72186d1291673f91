//! Exchange connectors and mail flow rules as scenario connectors and rules, and Exchange Online's inbound restrictions.

use super::build::Builder;
use super::error::{Note, NoteKind};
use super::facts::{ConnectorType, DomainKind, Route, Target};
use super::hosts::{Hosts, bare_host, parse_ipv4};
use super::org::{AcceptFrom, Connector, Rule, Src, slug};

impl Builder<'_> {
    /// Adds a connector for a route from `from`; returns its name.
    fn add_route(
        &mut self,
        from: &str,
        to: String,
        domains: Vec<String>,
        route: &Route,
        remarks: Vec<String>,
    ) -> String {
        let base = if to == "mx" {
            match domains.first().filter(|d| *d != "*") {
                Some(d) => format!("{from}-mx-{}", d.trim_start_matches("*.")),
                None => format!("{from}-to-internet"),
            }
        } else {
            format!("{from}-to-{to}")
        };
        let name = self.org.unique_connector(&base);
        let smart_host = match &route.target {
            Target::SmartHosts(hosts) => hosts
                .first()
                .map(|h| bare_host(h))
                .filter(|h| parse_ipv4(h).is_none())
                .map(|h| {
                    let ttl = Hosts::ttl(&h, &self.facts.dns);
                    (h, ttl.unwrap_or(3_600), ttl.is_none())
                }),
            Target::Mx => None,
        };
        self.org.connectors.push(Connector {
            name: name.clone(),
            from: from.to_string(),
            to,
            domains,
            mailboxes_on: Vec::new(),
            tls: route.tls.clone(),
            rule_scoped: route.rule_scoped,
            enabled: route.enabled,
            smart_host,
            centralized: route.route_all_via_on_premises,
            src: Src::From(route.prov.clone()),
            remarks,
        });
        name
    }

    /// Exchange Online outbound connectors.
    pub(super) fn exo_connectors(&mut self) {
        let routes = self.facts.exo.outbound.clone();
        for route in &routes {
            let on_prem = route.connector_type == Some(ConnectorType::OnPremises);
            let mut remarks = Vec::new();
            let to = match &route.target {
                Target::Mx => {
                    if on_prem {
                        self.notes.push(Note::at(NoteKind::Warning, &route.prov.file, route.prov.line, format!(
                            "OnPremises connector \"{}\" routes by MX: if MX points at Exchange Online this loops (domain-facts §1.4)", route.name
                        )));
                    }
                    "mx".to_string()
                }
                Target::SmartHosts(hosts) => match hosts
                    .iter()
                    .find_map(|h| self.hosts.resolve(h, &self.facts.dns))
                {
                    Some(n) => n,
                    None if on_prem => {
                        let n = self
                            .onprem_node(&format!("{} sends to on-premises servers", route.prov));
                        hosts.iter().for_each(|h| self.hosts.add(h, &n));
                        n
                    }
                    None => self.node_for_host(&hosts[0], Src::From(route.prov.clone())),
                },
            };
            let mut domains = route.domains.clone();
            if route.route_all_via_on_premises {
                remarks.push("RouteAllMessagesViaOnPremises: centralized mail transport, all outbound mail goes on-premises first".into());
                domains = vec!["*".into()];
            } else if domains.is_empty() && route.all_accepted_domains {
                domains = self
                    .facts
                    .exo
                    .accepted
                    .iter()
                    .map(|d| d.domain.clone())
                    .collect();
                remarks.push("AllAcceptedDomains: every accepted domain".into());
            } else if domains.is_empty() && on_prem {
                domains = self
                    .facts
                    .exo
                    .accepted
                    .iter()
                    .filter(|d| d.kind == DomainKind::InternalRelay)
                    .map(|d| d.domain.clone())
                    .collect();
                remarks.push("assumption: no RecipientDomains; the internal-relay accepted domains are routed here".into());
            } else if domains.is_empty() {
                domains = vec!["*".into()];
                if !route.rule_scoped {
                    remarks.push(
                        "assumption: no RecipientDomains and not rule-scoped; taken as all domains"
                            .into(),
                    );
                }
            }
            let name = self.add_route("exo", to, domains, route, remarks);
            self.exo_connector
                .insert(route.name.to_ascii_lowercase(), name);
        }
    }

    /// Exchange Server Send connectors; the one to `*.mail.onmicrosoft.com` becomes the hybrid route to cloud mailboxes.
    pub(super) fn exchange_connectors(&mut self) {
        let routes = self.facts.exchange.send.clone();
        let first = self.server_node.values().next().cloned();
        for route in &routes {
            let from = route
                .source_servers
                .iter()
                .find_map(|s| self.server_node.get(&s.to_ascii_lowercase()).cloned())
                .or_else(|| first.clone())
                .unwrap_or_else(|| "onprem".into());
            let hybrid = route
                .domains
                .iter()
                .any(|d| d.ends_with(".mail.onmicrosoft.com"));
            let to = match &route.target {
                Target::Mx => "mx".to_string(),
                Target::SmartHosts(hosts) => match hosts
                    .iter()
                    .find_map(|h| self.hosts.resolve(h, &self.facts.dns))
                {
                    Some(n) => n,
                    None => self.node_for_host(&hosts[0], Src::From(route.prov.clone())),
                },
            };
            let mut domains = route.domains.clone();
            let mut remarks = Vec::new();
            let mut mailboxes_on = Vec::new();
            if hybrid && self.org.nodes.contains_key("exo") {
                // Exchange reaches cloud mailboxes through their target address in the coexistence
                // domain; the simulator routes by the recipient's domain and mailbox location instead.
                let shared: Vec<String> = self
                    .facts
                    .exchange
                    .accepted
                    .iter()
                    .filter(|a| {
                        a.kind != DomainKind::ExternalRelay
                            && !a.domain.ends_with(".onmicrosoft.com")
                    })
                    .filter(|a| {
                        !self.facts.exo.present
                            || self.facts.exo.accepted.iter().any(|e| e.domain == a.domain)
                    })
                    .map(|a| a.domain.clone())
                    .collect();
                if !shared.is_empty() {
                    remarks.push(format!("hybrid: cloud mailboxes of {} are reached through their {} target addresses", shared.join(", "), route.domains.join(", ")));
                }
                let mut all = shared;
                all.extend(domains);
                domains = all;
                mailboxes_on = vec![to.clone()];
            }
            let name = self.add_route(&from, to, domains, route, remarks);
            if let Some(c) = self.org.connectors.iter_mut().find(|c| c.name == name) {
                c.mailboxes_on = mailboxes_on;
            }
        }
    }

    /// Mail flow rules that route to a connector.
    pub(super) fn exo_rules(&mut self) {
        let mut rules = self.facts.exo.rules.clone();
        rules.sort_by_key(|r| r.priority);
        for rule in &rules {
            let Some(via) = self
                .exo_connector
                .get(&rule.connector.to_ascii_lowercase())
                .cloned()
            else {
                self.notes.push(Note::at(NoteKind::Warning, &rule.prov.file, rule.prov.line, format!(
                    "mail flow rule \"{}\" routes to connector \"{}\", which is not in the Get-OutboundConnector export; rule left out", rule.name, rule.connector
                )));
                continue;
            };
            let tag = (!rule.content_conditions.is_empty()).then(|| slug(&rule.name));
            if let Some(t) = &tag {
                self.notes.push(Note::at(NoteKind::Assumption, &rule.prov.file, rule.prov.line, format!(
                    "mail flow rule \"{}\" tests {}, which the simulator cannot evaluate: messages carrying tag `{t}` match instead", rule.name, rule.content_conditions.join(", ")
                )));
            }
            let rcpt: Vec<Option<String>> = if rule.recipient_domains.is_empty() {
                vec![None]
            } else {
                rule.recipient_domains.iter().cloned().map(Some).collect()
            };
            let send: Vec<Option<String>> = if rule.sender_domains.is_empty() {
                vec![None]
            } else {
                rule.sender_domains.iter().cloned().map(Some).collect()
            };
            let several = rcpt.len() * send.len() > 1;
            for r in &rcpt {
                for s in &send {
                    let base = match (several, r, s) {
                        (true, Some(d), _) | (true, None, Some(d)) => format!("{}-{d}", rule.name),
                        _ => rule.name.clone(),
                    };
                    let name = unique_rule(&self.org.rules, &base);
                    self.org.rules.push(Rule {
                        name,
                        at: "exo".into(),
                        tag: tag.clone(),
                        sender_domain: s.clone(),
                        recipient_domain: r.clone(),
                        route_via: via.clone(),
                        src: Src::From(rule.prov.clone()),
                    });
                }
            }
        }
    }

    /// Inbound connectors and the IP Allow List: partner restrictions, hybrid trust, spam-filter bypass.
    pub(super) fn exo_inbound(&mut self) {
        if !self.org.nodes.contains_key("exo") {
            return;
        }
        let mut allow: Vec<(String, Src)> = Vec::new();
        let mut accept = AcceptFrom::default();
        for conn in self.facts.exo.inbound.clone().iter().filter(|c| c.enabled) {
            if conn.connector_type == ConnectorType::OnPremises {
                let node = self.onprem_node(&format!(
                    "{} accepts mail from on-premises servers",
                    conn.prov
                ));
                if let Some(cert) = &conn.certificate_name {
                    self.hosts.add(cert, &node);
                }
                conn.sender_ips
                    .iter()
                    .for_each(|ip| self.hosts.add_ip(ip, &node));
                allow.push((node, Src::Derived(format!("{}: hybrid mail is treated as internal and skips anti-spam (domain-facts §6.1)", conn.prov))));
                continue;
            }
            if !(conn.require_tls || conn.restrict_to_ips || conn.restrict_to_certificate) {
                continue;
            }
            let domains: Vec<String> = conn.sender_domains.clone();
            if conn.restrict_to_ips || conn.restrict_to_certificate {
                for d in domains.iter().filter(|d| *d != "*") {
                    let node = self.partner_node(d, Src::From(conn.prov.clone()));
                    if !accept.nodes.contains(&node) {
                        accept.nodes.push(node);
                    }
                }
            }
            accept.sender_domains.extend(domains);
            accept.require_tls |= conn.require_tls;
            if conn.restrict_to_certificate {
                accept.certificate_name = accept.certificate_name.or(conn.certificate_name.clone());
            }
            if conn.restrict_to_ips {
                accept.source_ips.extend(conn.sender_ips.iter().cloned());
            }
            accept.src.push(Src::From(conn.prov.clone()));
        }
        if accept.src.len() > 1 {
            self.notes.push(Note::general(NoteKind::Warning, "several partner inbound connectors restrict Exchange Online: merged into one `accept_from` (their TLS and address requirements now apply to all their domains)"));
        }
        for (ip, prov) in &self.facts.exo.allow_list {
            let nodes = self.hosts.nodes_in_range(ip, &self.facts.dns);
            if nodes.is_empty() {
                self.notes.push(Note::at(
                    NoteKind::Ignored,
                    &prov.file,
                    prov.line,
                    format!("IP Allow List entry {ip} matches no node's address; ignored"),
                ));
            }
            for n in nodes {
                allow.push((n, Src::From(prov.clone())));
            }
        }
        let Some(exo) = self.org.nodes.get_mut("exo") else {
            return;
        };
        if !accept.src.is_empty() {
            exo.accept_from = Some(accept);
        }
        let list = exo.spam_filter.get_or_insert_with(Vec::new);
        for (node, src) in allow {
            if !list.iter().any(|(n, _)| *n == node) {
                list.push((node, src));
            }
        }
    }
}

fn unique_rule(rules: &[Rule], base: &str) -> String {
    let base = slug(base);
    if !rules.iter().any(|r| r.name == base) {
        return base;
    }
    (2..)
        .map(|i| format!("{base}-{i}"))
        .find(|n| !rules.iter().any(|r| &r.name == n))
        .unwrap_or(base)
}
