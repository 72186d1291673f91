//! DNS as senders see it: the MX records in force, failures, and a cache per resolver (one per
//! sender: a node, or a cohort of the internet's senders).
//!
//! Each resolver keeps an MX answer for the record's TTL, so after an MX change a sender keeps
//! using the old hosts until its entry runs out (sources §5). Resolvers have been running long
//! before the simulation starts, so the first answer a resolver returns is one it cached at a
//! random earlier time: it expires after a uniform share of the TTL, and the resolvers' entries
//! age independently — an MX change reaches them gradually over one TTL. SERVFAIL answers are
//! cached for at most 5 minutes (RFC 2308 §7.1, sources §4.7); NXDOMAIN answers for the
//! domain's negative TTL (RFC 2308 §5), so a domain that starts to exist stays missing for
//! resolvers that cached its absence.

use super::rng::{self, SimRng};
use crate::model::{DnsStatus, MxAnswer, Scenario};
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
    answers: Vec<Vec<MxAnswer>>,
    /// Version in force per domain.
    current: Vec<u32>,
    /// Active `dns_failure` faults per domain.
    failing: Vec<u32>,
    ttl: Vec<SimDuration>,
    negative_ttl: Vec<SimDuration>,
    cache: Vec<Entry>,
    domains: usize,
    /// The random phases of first answers.
    phases: SimRng,
    /// Lookups that reached the authoritative data (cache misses).
    pub queries: u64,
}

impl Dns {
    /// DNS for a scenario with `resolvers` resolvers, their caches empty.
    pub fn new(sc: &Scenario, resolvers: usize, seed: u64) -> Dns {
        let domains = sc.domains.len();
        Dns {
            answers: sc
                .domains
                .iter()
                .map(|d| {
                    vec![MxAnswer {
                        status: d.status,
                        records: d.mx.clone(),
                    }]
                })
                .collect(),
            current: vec![0; domains],
            failing: vec![0; domains],
            ttl: sc.domains.iter().map(|d| d.ttl).collect(),
            negative_ttl: sc.domains.iter().map(|d| d.negative_ttl).collect(),
            cache: vec![Entry::Empty; resolvers * domains],
            domains,
            phases: rng::stream(seed, "dns-phase", ""),
            queries: 0,
        }
    }

    /// Adds an MX answer a fault or a change will switch to; returns its version.
    pub fn add_answer(&mut self, domain: usize, mx: MxAnswer) -> u32 {
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

    /// Answer `version` of `domain`.
    pub fn answer(&self, domain: usize, version: u32) -> &MxAnswer {
        &self.answers[domain][version as usize]
    }

    /// The answer in force now (what a resolver with an empty cache gets).
    pub fn current(&self, domain: usize) -> u32 {
        self.current[domain]
    }

    /// Resolves `domain`'s MX at `resolver` at `now`.
    pub fn lookup(&mut self, resolver: usize, domain: usize, now: SimTime) -> Lookup {
        let slot = &mut self.cache[resolver * self.domains + domain];
        let first = *slot == Entry::Empty;
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
            let ttl = if self.answers[domain][version as usize].status == DnsStatus::NxDomain {
                self.negative_ttl[domain]
            } else {
                self.ttl[domain]
            };
            // A resolver's first answer was cached at a random earlier time.
            let left = if first && ttl.0 > 0 {
                SimDuration(1 + (rng::unit(&mut self.phases) * ttl.0 as f64) as u64)
            } else {
                ttl
            };
            *slot = Entry::Answer {
                version,
                expires: now + left,
            };
            Lookup::Answer(version)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Domain, MxRecord, NodeId, Topology, Warmup};

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
                status: DnsStatus::Exists,
                implicit_mx: false,
                negative_ttl: SimDuration::from_hours(1),
                mta_sts: crate::model::MtaSts::None,
                dane: false,
                host_name: false,
            }],
            nodes: vec![],
            connectors: vec![],
            rules: vec![],
            traffic: vec![],
            faults: vec![],
            changes: vec![],
            alerts: crate::model::Alerts::default(),
            tags: vec![],
            topology: Topology::default(),
            derived: Default::default(),
            delay_thresholds: crate::model::DEFAULT_DELAY_THRESHOLDS.to_vec(),
        }
    }

    #[test]
    fn a_cached_answer_survives_an_mx_change_until_its_ttl_runs_out() {
        let sc = scenario(SimDuration::from_hours(1));
        // The stand-in scenario has no nodes: give the resolver one cache slot (node 0).
        let mut dns = Dns {
            cache: vec![Entry::Empty; 1],
            ..Dns::new(&sc, 1, 1)
        };
        // The first answer, cached at a random earlier time, expires within the TTL.
        assert_eq!(dns.lookup(0, 0, SimTime(0)), Lookup::Answer(0));
        dns.cache[0] = Entry::Answer {
            version: 0,
            expires: SimTime(0),
        };
        let new = dns.add_answer(
            0,
            MxAnswer {
                status: DnsStatus::Exists,
                records: vec![MxRecord {
                    host: NodeId(1),
                    preference: 0,
                }],
            },
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
            ..Dns::new(&sc, 1, 1)
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

    #[test]
    fn a_cached_nxdomain_outlives_the_domain_coming_into_existence() {
        let mut sc = scenario(SimDuration::from_hours(1));
        sc.domains[0].status = DnsStatus::NxDomain;
        sc.domains[0].negative_ttl = SimDuration::from_mins(30);
        let mut dns = Dns {
            cache: vec![Entry::Empty; 1],
            ..Dns::new(&sc, 1, 1)
        };
        // Not a first answer: the resolver asks now and keeps the answer for the negative TTL.
        dns.cache[0] = Entry::Answer {
            version: 0,
            expires: SimTime(0),
        };
        assert_eq!(dns.lookup(0, 0, SimTime(0)), Lookup::Answer(0));
        let exists = dns.add_answer(
            0,
            MxAnswer {
                status: DnsStatus::Exists,
                records: vec![MxRecord {
                    host: NodeId(0),
                    preference: 0,
                }],
            },
        );
        dns.set_current(0, exists);
        let t = |m| SimTime(0) + SimDuration::from_mins(m);
        assert_eq!(
            dns.lookup(0, 0, t(29)),
            Lookup::Answer(0),
            "NXDOMAIN still cached"
        );
        assert_eq!(dns.lookup(0, 0, t(30)), Lookup::Answer(exists));
    }
}
