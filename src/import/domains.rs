//! The scenario's domains: MX from the DNS input (resolved to nodes) and where each domain's mailboxes live.

use indexmap::IndexMap;

use super::build::Builder;
use super::error::{Note, NoteKind};
use super::facts::DnsRecord;
use super::hosts::is_eop_host;
use super::org::{Domain, Src};

/// MX records resolved to nodes.
struct FoundMx {
    /// (node, preference), best first.
    hosts: Vec<(String, u32)>,
    /// TTL of the records, seconds.
    ttl: Option<u64>,
    /// Where they were read.
    src: Src,
}

impl Builder<'_> {
    /// Every accepted and partner domain, then `*` for the rest of the internet.
    pub(super) fn domains(&mut self) {
        let mut names: Vec<String> = Vec::new();
        for node in self.org.nodes.values() {
            for d in node.accepted.keys() {
                if !names.contains(d) {
                    names.push(d.clone());
                }
            }
        }
        for d in self.partner_of.keys() {
            if !names.contains(d) {
                names.push(d.clone());
            }
        }
        // Domains only the DNS input names: their mailboxes are taken to be where their MX points.
        for r in self.facts.dns.iter().filter(|r| r.rtype == "MX") {
            if !names.contains(&r.name) {
                names.push(r.name.clone());
            }
        }
        for d in names {
            if d.starts_with("*.") {
                self.notes.push(Note::general(NoteKind::Ignored, format!("accepted domain {d} covers subdomains; a scenario domain needs a name, so it gets no `domains` entry")));
                continue;
            }
            let domain = self.domain(&d);
            self.org.domains.insert(d, domain);
        }
        self.org.domains.insert(
            "*".into(),
            Domain {
                mx: vec![("internet".into(), 0)],
                ttl: None,
                mx_src: Src::Derived("every other domain: the rest of the internet".into()),
                mailboxes: vec![("internet".into(), 1.0)],
                mailboxes_src: Src::Derived("the rest of the internet".into()),
            },
        );
        if self.org.default_domain.is_none() {
            self.org.default_domain = self
                .org
                .domains
                .keys()
                .find(|d| {
                    *d != "*"
                        && !d.ends_with(".onmicrosoft.com")
                        && !self.partner_of.contains_key(*d)
                })
                .cloned();
        }
    }

    /// Nodes holding the domain's mailboxes, with the reason; `None` when no export says.
    fn mailboxes(&self, domain: &str) -> Option<(Vec<String>, Src)> {
        if let Some(partner) = self.partner_of.get(domain) {
            return Some((
                vec![partner.clone()],
                Src::Derived("partner organisation".into()),
            ));
        }
        if domain.ends_with(".onmicrosoft.com") && self.org.nodes.contains_key("exo") {
            return Some((
                vec!["exo".into()],
                Src::Derived("Microsoft 365 routing domain: cloud mailboxes only".into()),
            ));
        }
        // Exchange Online holds cloud mailboxes for every domain it accepts; elsewhere only an
        // authoritative system holds mailboxes (relays and external relays pass them on).
        let holders: Vec<String> = self
            .org
            .nodes
            .iter()
            .filter(|(_, n)| match n.accepted.get(domain) {
                Some(_) if n.kind == "exchange_online" => true,
                Some((kind, _)) => *kind == "authoritative",
                None => false,
            })
            .map(|(k, _)| k.clone())
            .collect();
        let mut holders = holders;
        for h in self.hybrid_holders(domain) {
            if !holders.contains(&h) {
                holders.push(h);
            }
        }
        if holders.len() > 1 {
            let why = "mailbox shares are not in the exports: split equally; set them from Get-Mailbox / Get-RemoteMailbox counts";
            return Some((holders, Src::Assumed(why.into())));
        }
        if !holders.is_empty() {
            return Some((
                holders,
                Src::Derived("the only system authoritative for it".into()),
            ));
        }
        // Relayed everywhere: the mailboxes are where the relays send it.
        let target = self
            .org
            .connectors
            .iter()
            .find(|c| c.to != "mx" && c.domains.iter().any(|d| d == domain))
            .map(|c| c.to.clone());
        target.map(|t| {
            (
                vec![t.clone()],
                Src::Derived(format!(
                    "every system relays it; the connectors send it to {t}"
                )),
            )
        })
    }

    /// Mailbox holders a hybrid deployment implies even when only one side was exported: a
    /// connector for the domain's mailboxes on a node (Exchange Server's Send connector to
    /// Exchange Online, `mailboxes_on`), and the organisation's own Exchange servers that
    /// Exchange Online relays an internal-relay domain to (its OnPremises connector).
    fn hybrid_holders(&self, domain: &str) -> Vec<String> {
        let mut out = Vec::new();
        for c in self
            .org
            .connectors
            .iter()
            .filter(|c| !c.rule_scoped && c.domains.iter().any(|d| d == domain))
        {
            out.extend(
                c.mailboxes_on
                    .iter()
                    .filter(|m| self.org.nodes.contains_key(*m))
                    .cloned(),
            );
            let relays = self.org.nodes.get(&c.from).is_some_and(|n| {
                n.kind == "exchange_online"
                    && n.accepted
                        .get(domain)
                        .is_some_and(|(k, _)| *k == "internal_relay")
            });
            let own_servers = self
                .org
                .nodes
                .get(&c.to)
                .is_some_and(|n| n.kind == "exchange_server");
            if relays && own_servers {
                out.push(c.to.clone());
            }
        }
        out
    }

    /// The domain's MX (from DNS, else assumed) and its mailboxes (else where its MX points).
    fn domain(&mut self, domain: &str) -> Domain {
        let known = self.mailboxes(domain);
        let (mx, ttl, mx_src) = match self.mx(domain, known.as_ref().map(|k| k.0.as_slice())) {
            Some(found) => (found.hosts, found.ttl, found.src),
            None => {
                let holders = known.as_ref().map_or(&[][..], |k| k.0.as_slice());
                let exo_accepts = self
                    .org
                    .nodes
                    .get("exo")
                    .is_some_and(|n| n.accepted.contains_key(domain));
                let first = if exo_accepts {
                    "exo".to_string()
                } else {
                    holders
                        .first()
                        .cloned()
                        .unwrap_or_else(|| "internet".into())
                };
                let why =
                    format!("no MX record for {domain} in the DNS input: MX taken to be {first}");
                (vec![(first, 0)], None, Src::Assumed(why))
            }
        };
        let (holders, mailboxes_src) = known.unwrap_or_else(|| {
            let at = mx[0].0.clone();
            (
                vec![at.clone()],
                Src::Assumed(format!(
                    "no export says where its mailboxes are: taken to be at its MX host {at}"
                )),
            )
        });
        let share = 1.0 / holders.len().max(1) as f64;
        let mailboxes = holders.iter().map(|h| (h.clone(), share)).collect();
        Domain {
            mx,
            ttl,
            mx_src,
            mailboxes,
            mailboxes_src,
        }
    }

    /// MX records of the domain resolved to nodes, their TTL and source; `None` without records.
    fn mx(&mut self, domain: &str, holders: Option<&[String]>) -> Option<FoundMx> {
        let records: Vec<DnsRecord> = self
            .facts
            .dns
            .iter()
            .filter(|r| r.rtype == "MX" && r.name == domain)
            .cloned()
            .collect();
        if records.is_empty() {
            return None;
        }
        let mut by_source: IndexMap<String, Vec<(String, u32)>> = IndexMap::new();
        for r in &records {
            by_source
                .entry(r.prov.file.clone())
                .or_default()
                .push((r.data.clone(), r.preference));
        }
        // The same record from a zone file and a dig answer counts once.
        let mut records = records;
        let mut seen: Vec<(String, u32)> = Vec::new();
        records.retain(|r| {
            let key = (r.data.clone(), r.preference);
            let new = !seen.contains(&key);
            seen.push(key);
            new
        });
        if by_source.len() > 1 {
            let sets: Vec<&Vec<(String, u32)>> = by_source.values().collect();
            if sets.windows(2).any(|w| {
                let (mut a, mut b) = (w[0].clone(), w[1].clone());
                a.sort();
                b.sort();
                a != b
            }) {
                self.notes.push(Note::general(
                    NoteKind::Warning,
                    format!(
                        "the DNS inputs disagree on the MX of {domain}; all their records are used"
                    ),
                ));
            }
        }
        let mut mx: Vec<(String, u32)> = Vec::new();
        let mut sorted = records.clone();
        sorted.sort_by_key(|r| r.preference);
        for r in &sorted {
            let node = match self.hosts.resolve(&r.data, &self.facts.dns) {
                Some(n) => n,
                None if is_eop_host(&r.data) => "exo".to_string(),
                None if self.partner_of.contains_key(domain)
                    || (holders.is_none() && !self.accepted_anywhere(domain)) =>
                {
                    // Every MX host of an outside domain is that organisation's system.
                    let partner = self.partner_node(domain, Src::From(r.prov.clone()));
                    self.hosts.add(&r.data, &partner);
                    partner
                }
                None => self.node_for_host(&r.data, Src::From(r.prov.clone())),
            };
            if !mx.iter().any(|(n, _)| *n == node) {
                mx.push((node, r.preference));
            }
        }
        let prov = &sorted[0].prov;
        let mx_src = if sorted.len() == 1 {
            Src::From(prov.clone())
        } else {
            Src::Derived(format!("{} and {} more MX records", prov, sorted.len() - 1))
        };
        Some(FoundMx {
            hosts: mx,
            ttl: Some(sorted[0].ttl),
            src: mx_src,
        })
    }
}
