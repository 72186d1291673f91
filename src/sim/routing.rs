//! Routing: the five steps of the spec, precomputed per (node, recipient domain, mailbox
//! location), plus the rules evaluated per message.
//!
//! Steps at a node: (1) the mailbox is here → deliver; (2) unknown recipient and the node is
//! authoritative → NDR; (3) a rule selects a connector; (4) the most specific matching connector;
//! (5) DNS MX of the recipient domain.

use super::message::{IS_NDR, Message, UNKNOWN, is_submitted};
use crate::model::{
    AcceptedKind, ConnectorId, ConnectorTarget, DomainId, DomainPattern, NodeId, NodeKind, Scenario,
};

/// Where a delivery queue sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum QueueTarget {
    /// A fixed next hop (smart-host connector).
    Node(NodeId),
    /// The MX hosts of a domain, resolved at each attempt.
    Mx(DomainId),
    /// A smart host by name: its address record (an interned host-name domain) is resolved at
    /// each attempt; the session is a connector's, not an anonymous MX delivery.
    Host(DomainId),
}

/// The identity of a delivery queue: the sending node, the connector (if any) and the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QueueKey {
    /// Sending node.
    pub node: NodeId,
    /// Connector used, `None` for plain DNS routing.
    pub connector: Option<ConnectorId>,
    /// Next hop.
    pub target: QueueTarget,
}

/// What routing decides for a message at a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Step 1: the mailbox is here.
    Deliver,
    /// Step 2: unknown recipient at an authoritative node.
    RejectUnknown,
    /// Steps 3–5: into this delivery queue.
    Queue(u32),
}

/// How a node treats a domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acceptance {
    /// Not accepted: relaying for it is denied to anonymous (MX) senders.
    No,
    /// Accepted, unknown recipients rejected here.
    Authoritative,
    /// Accepted, unknown recipients passed on.
    InternalRelay,
    /// Accepted, every recipient passed on (no mailbox of the domain is here).
    ExternalRelay,
}

/// Exchange hybrid centralised mail transport at a node: its connector's queue, the node it
/// leads to, and per domain whether mail from outside goes through it (domains the node
/// accepts and the connector serves) and whether the node's own users' mail does (domains
/// outside the organisation).
#[derive(Clone, Debug)]
struct Central {
    queue: u32,
    to: u16,
    inbound: Vec<bool>,
    outbound: Vec<bool>,
}

/// The routing of one (node, recipient domain): the decision for a mailbox on a node that no
/// connector singles out, the decision for an unknown recipient, and the few places whose
/// decision differs (the node itself, the domain's mailbox nodes, connectors' `mailboxes_on`),
/// at `places[first..first + len]`.
#[derive(Clone, Copy, Debug)]
struct Cell {
    other: Decision,
    unknown: Decision,
    first: u32,
    len: u32,
}

/// The precomputed routing of a scenario.
#[derive(Clone, Debug)]
pub struct RouteTable {
    /// Every delivery queue's key, indexed by queue id.
    pub queues: Vec<QueueKey>,
    /// One cell per `(node * domains + domain)`: memory grows with nodes × domains plus what
    /// the configuration singles out, not with nodes² × domains.
    cells: Vec<Cell>,
    /// The places whose decision differs from their cell's `other`: (node index, decision).
    places: Vec<(u16, Decision)>,
    /// Acceptance per `(node * domains + domain)`.
    acceptance: Vec<Acceptance>,
    /// Rules per node, in file order: criteria and where they send.
    rules: Vec<Vec<(RuleMatch, RuleRoute)>>,
    /// Centralised mail transport per node, if it has it.
    central: Vec<Option<Central>>,
    domains: usize,
}

/// Where a rule sends what it matches.
#[derive(Clone, Debug)]
enum RuleRoute {
    /// A smart-host connector's queue.
    Queue(u32),
    /// An MX-routed connector: a queue per recipient domain.
    PerDomain(Vec<u32>),
}

/// A rule's criteria, resolved to ids.
#[derive(Clone, Debug)]
pub struct RuleMatch {
    tag_mask: u32,
    sender: Option<Vec<bool>>,
    recipient: Option<Vec<bool>>,
}

impl RuleMatch {
    /// Whether `m` meets every criterion. An NDR has a null reverse-path (RFC 5321 §4.5.5): no
    /// sender-domain criterion matches it.
    fn matches(&self, m: &Message) -> bool {
        (self.tag_mask == 0 || m.tags & self.tag_mask != 0)
            && self
                .sender
                .as_ref()
                .is_none_or(|s| !m.has(IS_NDR) && s[m.sender_domain as usize])
            && self
                .recipient
                .as_ref()
                .is_none_or(|r| r[m.rcpt_domain as usize])
    }
}

/// Queue ids in the order destinations are first met. MX destinations, one per (node,
/// connector, domain) and the bulk of a large topology, are found in a row per (node,
/// connector) indexed by domain: a hash map of every destination (a million at 200 nodes ×
/// 5,000 domains) missed the cache at nearly every lookup and was 70 % of the build's time.
struct Interner {
    queues: Vec<QueueKey>,
    mx_rows: rustc_hash::FxHashMap<(NodeId, Option<ConnectorId>), Vec<u32>>,
    others: rustc_hash::FxHashMap<QueueKey, u32>,
    domains: usize,
}

impl Interner {
    fn new(domains: usize) -> Interner {
        Interner {
            queues: Vec::new(),
            mx_rows: Default::default(),
            others: Default::default(),
            domains,
        }
    }

    /// The id of `key`, a new one the first time it is met.
    fn id(&mut self, key: QueueKey) -> u32 {
        let next = self.queues.len() as u32;
        let id = match key.target {
            QueueTarget::Mx(d) => {
                let domains = self.domains;
                let row = self
                    .mx_rows
                    .entry((key.node, key.connector))
                    .or_insert_with(|| vec![u32::MAX; domains]);
                let slot = &mut row[d.index()];
                if *slot == u32::MAX {
                    *slot = next;
                }
                *slot
            }
            _ => *self.others.entry(key).or_insert(next),
        };
        if id == next {
            self.queues.push(key);
        }
        id
    }
}

impl RouteTable {
    /// The routing table of `sc` as configured: the one the configuration checks left with it
    /// (see [`crate::model::Derived`]), else built now.
    pub fn of(sc: &Scenario) -> std::borrow::Cow<'_, RouteTable> {
        match sc.derived.get::<RouteTable>() {
            Some(table) => std::borrow::Cow::Borrowed(table),
            None => std::borrow::Cow::Owned(RouteTable::build(sc)),
        }
    }

    /// Precomputes the routing of every (node, domain, location).
    pub fn build(sc: &Scenario) -> RouteTable {
        let (nodes, domains) = (sc.nodes.len(), sc.domains.len());
        let mut interner = Interner::new(domains);
        let mut intern = |key: QueueKey| interner.id(key);
        let acceptance = acceptance_of(sc);
        // Connectors that steps 4 and 5 may choose, by sending node, in file order, and the
        // places their `mailboxes_on` single out.
        let mut outgoing: Vec<Vec<usize>> = vec![Vec::new(); nodes];
        let mut singled_out: Vec<Vec<usize>> = vec![Vec::new(); nodes];
        for (i, c) in sc.connectors.iter().enumerate() {
            if !c.rule_scoped && c.enabled {
                outgoing[c.from.index()].push(i);
                singled_out[c.from.index()].extend(c.mailboxes_on.iter().map(|l| l.index()));
            }
        }
        // Domains by lower-case name, so a connector's exact patterns are looked up, not
        // compared with every domain.
        let by_name: rustc_hash::FxHashMap<String, usize> = sc
            .domains
            .iter()
            .enumerate()
            .map(|(d, dom)| (dom.name.to_ascii_lowercase(), d))
            .collect();
        let mut cells = Vec::with_capacity(nodes * domains);
        let mut places = Vec::new();
        let mut special: Vec<usize> = Vec::new();
        let mut candidates: Vec<(u8, usize)> = Vec::new();
        let mut walk: Vec<usize> = Vec::new();
        // Per sending node: the connectors with `"*"`, and by domain those whose exact or
        // `*.suffix` patterns match it, with the most specific match.
        let mut any_conns: Vec<usize> = Vec::new();
        let mut specific: Vec<Vec<(u8, usize)>> = vec![Vec::new(); domains];
        let mut touched: Vec<usize> = Vec::new();
        for n in 0..nodes {
            any_conns.clear();
            for d in touched.drain(..) {
                specific[d].clear();
            }
            for &i in &outgoing[n] {
                for p in &sc.connectors[i].domains {
                    let mut add = |d: usize| {
                        let list = &mut specific[d];
                        if list.is_empty() {
                            touched.push(d);
                        }
                        // Several matches of one connector: the sort below keeps the best.
                        list.push((p.specificity(), i));
                    };
                    match p {
                        DomainPattern::Any => any_conns.push(i),
                        DomainPattern::Exact(name) => {
                            if let Some(&d) = by_name.get(&name.to_ascii_lowercase()) {
                                add(d);
                            }
                        }
                        DomainPattern::Subdomains(_) => {
                            for (d, dom) in sc.domains.iter().enumerate() {
                                if p.matches(&dom.name) {
                                    add(d);
                                }
                            }
                        }
                    }
                }
            }
            for (d, dom) in sc.domains.iter().enumerate() {
                let acc = acceptance[n * domains + d];
                let external = acc == Acceptance::ExternalRelay;
                // Steps 4 and 5 depend on the place only through `mailboxes_on`: every place
                // outside `special` routes like the first of them. Queues are interned in the
                // order of places, as a dense walk over every place would meet them.
                special.clear();
                special.push(n);
                special.extend(dom.mailboxes.iter().map(|(h, _)| h.index()));
                special.extend_from_slice(&singled_out[n]);
                special.sort_unstable();
                special.dedup();
                let generic = (0..nodes).find(|l| special.binary_search(l).is_err());
                walk.clear();
                walk.extend_from_slice(&special);
                if let Some(g) = generic {
                    let at = walk.partition_point(|&l| l < g);
                    walk.insert(at, g);
                }
                walk.push(nodes);
                // The connectors of `n` whose patterns match the domain, in file order, each
                // with its most specific match.
                candidates.clear();
                candidates.extend(any_conns.iter().map(|&i| (0u8, i)));
                candidates.extend_from_slice(&specific[d]);
                candidates.sort_by_key(|&(spec, i)| (i, std::cmp::Reverse(spec)));
                candidates.dedup_by_key(|c| c.1);
                let first = places.len() as u32;
                let mut cell = Cell {
                    other: Decision::RejectUnknown,
                    unknown: Decision::RejectUnknown,
                    first,
                    len: 0,
                };
                for &loc in &walk {
                    let dec = if loc == n && !external {
                        Decision::Deliver
                    } else if loc == nodes && acc == Acceptance::Authoritative {
                        Decision::RejectUnknown
                    } else {
                        let location = (loc < nodes).then(|| NodeId::from_index(loc));
                        Decision::Queue(intern(next_hop(
                            sc,
                            &candidates,
                            NodeId::from_index(n),
                            DomainId::from_index(d),
                            location,
                        )))
                    };
                    if loc == nodes {
                        cell.unknown = dec;
                    } else if Some(loc) == generic {
                        cell.other = dec;
                    } else {
                        places.push((loc as u16, dec));
                    }
                }
                // Keep only the places that differ from the rest.
                let other = cell.other;
                let mut kept = first as usize;
                for j in first as usize..places.len() {
                    if generic.is_none() || places[j].1 != other {
                        places[kept] = places[j];
                        kept += 1;
                    }
                }
                places.truncate(kept);
                cell.len = kept as u32 - first;
                cells.push(cell);
            }
        }
        let mut rules = vec![Vec::new(); nodes];
        for rule in &sc.rules {
            let c = sc.connector(rule.route_via);
            // A rule that is off, or selects a connector that is off, routes nothing.
            if !rule.enabled || !c.enabled {
                continue;
            }
            let m = RuleMatch {
                tag_mask: rule.when.tag.map_or(0, |t| 1u32 << t.0),
                sender: rule
                    .when
                    .sender_domain
                    .as_ref()
                    .map(|p| sc.domains.iter().map(|d| p.matches(&d.name)).collect()),
                recipient: rule
                    .when
                    .recipient_domain
                    .as_ref()
                    .map(|p| sc.domains.iter().map(|d| p.matches(&d.name)).collect()),
            };
            let key = |target| QueueKey {
                node: rule.at,
                connector: Some(rule.route_via),
                target,
            };
            let route = match c.to {
                ConnectorTarget::Node(to) => RuleRoute::Queue(intern(key(node_target(c, to)))),
                // An MX-routed connector needs a queue per recipient domain.
                ConnectorTarget::Mx => RuleRoute::PerDomain(
                    (0..domains)
                        .map(|d| intern(key(QueueTarget::Mx(DomainId::from_index(d)))))
                        .collect(),
                ),
            };
            rules[rule.at.index()].push((m, route));
        }
        let mut central = vec![None; nodes];
        for (i, c) in sc.connectors.iter().enumerate() {
            let ConnectorTarget::Node(to) = c.to else {
                continue;
            };
            if !c.centralized_transport || !c.enabled || central[c.from.index()].is_some() {
                continue;
            }
            let n = c.from.index();
            let accepted = |d: usize| acceptance[n * domains + d] != Acceptance::No;
            central[n] = Some(Central {
                queue: intern(QueueKey {
                    node: c.from,
                    connector: Some(ConnectorId::from_index(i)),
                    target: node_target(c, to),
                }),
                to: to.0 as u16,
                inbound: (0..domains)
                    .map(|d| {
                        accepted(d) && c.domains.iter().any(|p| p.matches(&sc.domains[d].name))
                    })
                    .collect(),
                outbound: (0..domains).map(|d| !accepted(d)).collect(),
            });
        }
        RouteTable {
            queues: interner.queues,
            cells,
            places,
            acceptance,
            rules,
            central,
            domains,
        }
    }

    /// Routes `m` at `node`.
    #[inline]
    pub fn decide(&self, node: usize, m: &Message) -> Decision {
        let d = m.rcpt_domain as usize;
        let cell = &self.cells[node * self.domains + d];
        let dec = if m.location == UNKNOWN {
            cell.unknown
        } else {
            let at = cell.first as usize;
            self.places[at..at + cell.len as usize]
                .iter()
                .find(|(l, _)| *l == m.location)
                .map_or(cell.other, |&(_, dec)| dec)
        };
        let central = self.central[node].as_ref();
        if dec == Decision::Deliver {
            // Centralised transport: mail from outside reaches the cloud mailbox through
            // on-premises first (sources §8).
            if let Some(c) = central
                && c.inbound[d]
                && !is_submitted(m.prev)
                && m.prev != c.to
            {
                return Decision::Queue(c.queue);
            }
            return dec;
        }
        if !matches!(dec, Decision::Queue(_)) {
            return dec;
        }
        for (rule, route) in &self.rules[node] {
            if rule.matches(m) {
                return Decision::Queue(match route {
                    RuleRoute::Queue(q) => *q,
                    RuleRoute::PerDomain(qs) => qs[d],
                });
            }
        }
        if let Some(c) = central
            && c.outbound[d]
            && is_submitted(m.prev)
        {
            return Decision::Queue(c.queue);
        }
        dec
    }

    /// How `node` treats `domain`.
    #[inline]
    pub fn acceptance(&self, node: usize, domain: usize) -> Acceptance {
        self.acceptance[node * self.domains + domain]
    }
}

/// How every node treats every domain: explicit `accepted_domains` first (the first entry for
/// a domain wins), then hosting its mailboxes, then the internet's relaying.
fn acceptance_of(sc: &Scenario) -> Vec<Acceptance> {
    let domains = sc.domains.len();
    let mut acceptance = vec![Acceptance::No; sc.nodes.len() * domains];
    for (n, node) in sc.nodes.iter().enumerate() {
        // The internet stands for every other MTA: it relays mail for domains it does not
        // host towards their MX, unknown recipients included.
        if node.kind == NodeKind::Internet {
            acceptance[n * domains..(n + 1) * domains].fill(Acceptance::InternalRelay);
        }
    }
    for (d, dom) in sc.domains.iter().enumerate() {
        // Hosting a domain's mailboxes without saying more means owning it.
        for (h, _) in &dom.mailboxes {
            acceptance[h.index() * domains + d] = Acceptance::Authoritative;
        }
    }
    for (n, node) in sc.nodes.iter().enumerate() {
        for (id, kind) in node.accepted_domains.iter().rev() {
            acceptance[n * domains + id.index()] = match kind {
                AcceptedKind::Authoritative => Acceptance::Authoritative,
                AcceptedKind::InternalRelay => Acceptance::InternalRelay,
                AcceptedKind::ExternalRelay => Acceptance::ExternalRelay,
            };
        }
    }
    acceptance
}

/// Steps 4 and 5 for a message at `node` to `domain` whose mailbox is at `location` (`None`:
/// unknown recipient; a connector's `mailboxes_on` cannot be checked for it and is ignored),
/// among `candidates`: the node's connectors that match the domain, with their specificity.
fn next_hop(
    sc: &Scenario,
    candidates: &[(u8, usize)],
    node: NodeId,
    domain: DomainId,
    location: Option<NodeId>,
) -> QueueKey {
    let best = candidates
        .iter()
        .filter_map(|&(spec, i)| {
            let c = &sc.connectors[i];
            let on = match (c.mailboxes_on.is_empty(), location) {
                (true, _) => 0u8,
                (false, None) => 0,
                (false, Some(l)) if c.mailboxes_on.contains(&l) => 1,
                (false, Some(_)) => return None,
            };
            // Most specific first; then a `mailboxes_on` match; then file order.
            Some(((spec, on, std::cmp::Reverse(i)), i))
        })
        .max_by_key(|(rank, _)| *rank);
    match best {
        Some((_, i)) => {
            let c = &sc.connectors[i];
            let target = match c.to {
                ConnectorTarget::Node(to) => node_target(c, to),
                ConnectorTarget::Mx => QueueTarget::Mx(domain),
            };
            QueueKey {
                node,
                connector: Some(ConnectorId::from_index(i)),
                target,
            }
        }
        None => QueueKey {
            node,
            connector: None,
            target: QueueTarget::Mx(domain),
        },
    }
}

/// The target of a connector to node `to`: by its smart host's name when it has one.
fn node_target(c: &crate::model::Connector, to: NodeId) -> QueueTarget {
    match c.smart_host {
        Some(h) => QueueTarget::Host(h),
        None => QueueTarget::Node(to),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_get_ids_in_the_order_first_met_whatever_their_kind() {
        let (n0, n1) = (NodeId::from_index(0), NodeId::from_index(1));
        let c = Some(ConnectorId::from_index(3));
        let mx = |node, connector, d| QueueKey {
            node,
            connector,
            target: QueueTarget::Mx(DomainId::from_index(d)),
        };
        let smart = QueueKey {
            node: n0,
            connector: c,
            target: QueueTarget::Node(n1),
        };
        let mut i = Interner::new(10);
        let met = [
            mx(n0, None, 7),
            smart,
            mx(n0, c, 7),
            mx(n1, None, 7),
            mx(n0, None, 2),
        ];
        let ids: Vec<u32> = met.iter().map(|&k| i.id(k)).collect();
        assert_eq!(ids, [0, 1, 2, 3, 4]);
        // Met again: the same ids, nothing new.
        let again: Vec<u32> = met.iter().rev().map(|&k| i.id(k)).collect();
        assert_eq!(again, [4, 3, 2, 1, 0]);
        assert_eq!(i.queues, met);
    }
}
