//! DNS as senders see it: the MX records in force, failures, and a cache per resolving node.
//!
//! Each node's resolver keeps an MX answer for the record's TTL, so after an MX change a sender
//! keeps using the old hosts until its entry runs out (sources §5). SERVFAIL answers are
//! cached for at most 5 minutes (RFC 2308 §7.1, sources §4.7).

use crate::model::{MxRecord, Scenario};
use crate::time::{SimDuration, SimTime};

/// Longest time a SERVFAIL answer is cached (RFC 2308 §7.1).
pub const SERVFAIL_CACHE: SimDuration = SimDuration::from_mins(5);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Entry {
    Empty,
    Answer { version: u32, expires: SimTime },
    Failed { expires: SimTime },
}

/// What a lookup returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The MX answer `version` of the domain (see [`Dns::records`]).
    Answer(u32),
    /// SERVFAIL (fresh or cached).
    Failed,
}

/// Authoritative MX data and every node's resolver cache.
#[derive(Debug)]
pub struct Dns {
    /// Every MX answer a domain has had or will have: version 0 is the scenario's.
    answers: Vec<Vec<Vec<MxRecord>>>,
    /// Version in force per domain.
    current: Vec<u32>,
    /// Active `dns_failure` faults per domain.
    failing: Vec<u32>,
    ttl: Vec<SimDuration>,
    cache: Vec<Entry>,
    domains: usize,
    /// Lookups that reached the authoritative data (cache misses).
    pub queries: u64,
}

impl Dns {
    /// DNS for a scenario, with empty caches.
    pub fn new(sc: &Scenario) -> Dns {
        let domains = sc.domains.len();
        Dns {
            answers: sc.domains.iter().map(|d| vec![d.mx.clone()]).collect(),
            current: vec![0; domains],
            failing: vec![0; domains],
            ttl: sc.domains.iter().map(|d| d.ttl).collect(),
            cache: vec![Entry::Empty; sc.nodes.len() * domains],
            domains,
            queries: 0,
        }
    }

    /// Adds an MX answer a fault will switch to; returns its version.
    pub fn add_answer(&mut self, domain: usize, mx: Vec<MxRecord>) -> u32 {
        self.answers[domain].push(mx);
        (self.answers[domain].len() - 1) as u32
    }

    /// Switches the domain's authoritative MX; returns the version it replaced.
    pub fn set_current(&mut self, domain: usize, version: u32) -> u32 {
        std::mem::replace(&mut self.current[domain], version)
    }

    /// Starts (`+1`) or ends (`-1`) a DNS failure of the domain.
    pub fn set_failing(&mut self, domain: usize, on: bool) {
        let f = &mut self.failing[domain];
        *f = if on { *f + 1 } else { f.saturating_sub(1) };
    }

    /// The records of answer `version` of `domain`.
    pub fn records(&self, domain: usize, version: u32) -> &[MxRecord] {
        &self.answers[domain][version as usize]
    }

    /// The answer in force now (what a resolver with an empty cache gets).
    pub fn current(&self, domain: usize) -> u32 {
        self.current[domain]
    }

    /// Resolves `domain`'s MX at `node`'s resolver at `now`.
    pub fn lookup(&mut self, node: usize, domain: usize, now: SimTime) -> Lookup {
        let slot = &mut self.cache[node * self.domains + domain];
        match *slot {
            Entry::Answer { version, expires } if now < expires => return Lookup::Answer(version),
            Entry::Failed { expires } if now < expires => return Lookup::Failed,
            _ => {}
        }
        self.queries += 1;
        if self.failing[domain] > 0 {
            let hold = self.ttl[domain].min(SERVFAIL_CACHE);
            *slot = Entry::Failed {
                expires: now + hold,
            };
            Lookup::Failed
        } else {
            let version = self.current[domain];
            *slot = Entry::Answer {
                version,
                expires: now + self.ttl[domain],
            };
            Lookup::Answer(version)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Domain, NodeId, Topology, Warmup};

    fn scenario(ttl: SimDuration) -> Scenario {
        Scenario {
            name: "dns".into(),
            description: String::new(),
            duration: SimDuration::from_days(1),
            warmup: Warmup::Fixed(SimDuration::ZERO),
            seed: 1,
            sample_every: SimDuration::from_mins(5),
            max_hops: 20,
            domains: vec![Domain {
                name: "contoso.com".into(),
                explicit: true,
                mx: vec![MxRecord {
                    host: NodeId(0),
                    preference: 0,
                }],
                ttl,
                mailboxes: vec![(NodeId(0), 1.0)],
                unknown_recipients: 0.0,
            }],
            nodes: vec![],
            connectors: vec![],
            rules: vec![],
            traffic: vec![],
            faults: vec![],
            tags: vec![],
            topology: Topology::default(),
            delay_thresholds: crate::model::DEFAULT_DELAY_THRESHOLDS.to_vec(),
        }
    }

    #[test]
    fn a_cached_answer_survives_an_mx_change_until_its_ttl_runs_out() {
        let sc = scenario(SimDuration::from_hours(1));
        // The stand-in scenario has no nodes: give the resolver one cache slot (node 0).
        let mut dns = Dns {
            cache: vec![Entry::Empty; 1],
            ..Dns::new(&sc)
        };
        let new = dns.add_answer(
            0,
            vec![MxRecord {
                host: NodeId(1),
                preference: 0,
            }],
        );
        assert_eq!(dns.lookup(0, 0, SimTime(0)), Lookup::Answer(0));
        dns.set_current(0, new);
        let before_ttl = SimTime(0) + SimDuration::from_mins(59);
        assert_eq!(dns.lookup(0, 0, before_ttl), Lookup::Answer(0));
        let after_ttl = SimTime(0) + SimDuration::from_hours(1);
        assert_eq!(dns.lookup(0, 0, after_ttl), Lookup::Answer(new));
    }

    #[test]
    fn servfail_is_cached_for_at_most_five_minutes() {
        let sc = scenario(SimDuration::from_hours(1));
        let mut dns = Dns {
            cache: vec![Entry::Empty; 1],
            ..Dns::new(&sc)
        };
        dns.set_failing(0, true);
        assert_eq!(dns.lookup(0, 0, SimTime(0)), Lookup::Failed);
        dns.set_failing(0, false);
        assert_eq!(
            dns.lookup(0, 0, SimTime(0) + SimDuration::from_mins(4)),
            Lookup::Failed
        );
        assert_eq!(
            dns.lookup(0, 0, SimTime(0) + SimDuration::from_mins(5)),
            Lookup::Answer(0)
        );
    }
}
