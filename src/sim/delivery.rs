//! One delivery attempt from a queue: DNS, connection, TLS, the receiver's acceptance, and the
//! transfer, decided when the session starts.
//!
//! On a connection failure to one MX host the sender tries the next one within the same attempt
//! (RFC 5321 §5.1); STARTTLS and certificate failures also move on to the next host (Postfix
//! TLS_README, MTA-STS; sources §6.3–6.4). A 5xx answer ends the attempt at once.

use rand::Rng;

use super::codes::Cause;
use super::dns::{Dns, Lookup};
use super::faults::FaultState;
use super::message::Message;
use super::routing::{Acceptance, QueueKey, QueueTarget, RouteTable};
use crate::model::{Dist, MxRecord, NodeId, Scenario, TlsMode, TlsValidate};
use crate::time::{SimDuration, SimTime};

/// Share of dropped sessions that drop after the final dot, so the receiver already took the
/// message and the retry delivers it twice (RFC 5321 §6.1, sources §4.2 and implication
/// 13). No source gives a number; one in ten is this model's assumption.
pub const DUPLICATE_SHARE: f64 = 0.1;

/// Latency of a transfer that uses no connector (plain DNS routing): the spec's default 10 ms.
pub const DEFAULT_LATENCY: Dist = Dist::Fixed(10_000.0);

/// How an attempt ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The next hop took the message.
    Delivered {
        /// The node that took it.
        to: NodeId,
        /// Whether the session used TLS.
        tls: bool,
        /// Whether it went by MX (anonymous) rather than a connector.
        via_mx: bool,
    },
    /// Every host of the attempt failed at the connection (DNS, timeout, refusal, a 4xx
    /// greeting, STARTTLS missing, certificate rejected): this concerns the destination.
    ConnectionFailed {
        /// Why (the first host's failure).
        cause: Cause,
    },
    /// The session failed after the connection (dropped mid-transfer): this concerns the
    /// message alone.
    SessionFailed {
        /// Why.
        cause: Cause,
        /// The session dropped after the final dot: the receiver has a copy already.
        duplicate: bool,
    },
    /// A permanent failure: the sender returns the message as an NDR.
    Rejected {
        /// The code's index.
        code: u16,
    },
}

fn cause_index(c: Cause) -> u32 {
    Cause::ALL.iter().position(|x| *x == c).unwrap_or(0) as u32
}

impl Outcome {
    /// Packs the outcome into an event's `u32`.
    pub fn pack(self) -> u32 {
        match self {
            Outcome::Delivered { to, tls, via_mx } => {
                to.0 & 0xffff | u32::from(tls) << 16 | u32::from(via_mx) << 17
            }
            Outcome::ConnectionFailed { cause } => 1 << 28 | cause_index(cause),
            Outcome::SessionFailed { cause, duplicate } => {
                2 << 28 | cause_index(cause) | u32::from(duplicate) << 16
            }
            Outcome::Rejected { code } => 3 << 28 | u32::from(code),
        }
    }
    /// Unpacks what [`Outcome::pack`] made.
    pub fn unpack(v: u32) -> Outcome {
        let cause = Cause::ALL[(v & 0xff) as usize % Cause::ALL.len()];
        match v >> 28 {
            0 => Outcome::Delivered {
                to: NodeId(v & 0xffff),
                tls: v & 1 << 16 != 0,
                via_mx: v & 1 << 17 != 0,
            },
            1 => Outcome::ConnectionFailed { cause },
            2 => Outcome::SessionFailed {
                cause,
                duplicate: v & 1 << 16 != 0,
            },
            _ => Outcome::Rejected {
                code: (v & 0xffff) as u16,
            },
        }
    }
}

/// One attempt: how it ended, how long it held the sender's session, and the connections it
/// opened (one per MX host tried; none when DNS failed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// How it ended.
    pub outcome: Outcome,
    /// How long the sender's session was held.
    pub held: SimDuration,
    /// TCP connections attempted.
    pub connections: u8,
    /// Of those, how many failed at the connection (refused, timed out, 421, TLS, certificate).
    pub failed: u8,
    /// The cause of the failed connections (the first host's).
    pub failure: Option<Cause>,
}

pub use super::codes::{C_LOOP, C_LOOP_EXO, C_NOT_AUTHORIZED, C_RELAY, C_UNKNOWN, C_UNKNOWN_EXO};

/// Everything an attempt reads, borrowed from the engine.
pub struct World<'a> {
    /// The scenario.
    pub sc: &'a Scenario,
    /// Faults in force.
    pub faults: &'a FaultState,
    /// Routing (acceptance of domains).
    pub routes: &'a RouteTable,
    /// Simulated now.
    pub now: SimTime,
}

/// A random source for one attempt: the connector's latency stream, the sender's MX tie-break
/// stream and the receiver's drop stream.
pub struct Dice<'a, R: Rng> {
    /// Latency draws.
    pub latency: &'a mut R,
    /// Equal-preference MX order.
    pub mx: &'a mut R,
    /// Connection drops, per receiving node.
    pub drops: &'a mut [R],
}

/// Makes one attempt for message `m` from queue `key`.
pub fn attempt<R: Rng>(
    w: &World<'_>,
    dns: &mut Dns,
    resolver: usize,
    key: &QueueKey,
    m: &Message,
    dice: &mut Dice<'_, R>,
) -> Attempt {
    let latency_dist = key
        .connector
        .map_or(&DEFAULT_LATENCY, |c| &w.sc.connector(c).latency);
    let latency = SimDuration::from_secs_f64(latency_dist.sample(dice.latency) / 1e6);
    let mut hosts: [NodeId; 8] = [NodeId(0); 8];
    let count = match key.target {
        QueueTarget::Node(n) => {
            hosts[0] = n;
            1
        }
        QueueTarget::Mx(d) => {
            let d = d.index();
            match dns.lookup(resolver, d, w.now) {
                Lookup::Failed => {
                    return Attempt {
                        outcome: Outcome::ConnectionFailed { cause: Cause::Dns },
                        held: SimDuration::ZERO,
                        connections: 0,
                        failed: 0,
                        failure: Some(Cause::Dns),
                    };
                }
                Lookup::Answer(v) => order_mx(dns.records(d, v), &mut hosts, dice.mx),
            }
        }
    };
    let via_mx = matches!(key.target, QueueTarget::Mx(_));
    let mut a = Attempt {
        outcome: Outcome::ConnectionFailed {
            cause: Cause::Refused,
        },
        held: SimDuration::ZERO,
        connections: 0,
        failed: 0,
        failure: None,
    };
    for &to in &hosts[..count] {
        a.connections += 1;
        match connect(w, key, m, to, via_mx, latency) {
            Connect::Failed { cause, held } => {
                a.held = a.held + held;
                a.failed += 1;
                a.failure.get_or_insert(cause);
            }
            Connect::Rejected { code } => {
                a.outcome = Outcome::Rejected { code };
                a.held = a.held + latency;
                return a;
            }
            Connect::Open { tls } => {
                a.held = a.held + latency;
                let p = w.faults.nodes[to.index()].drop_probability();
                if p > 0.0 {
                    let rng = &mut dice.drops[to.index()];
                    if super::rng::unit(rng) < p {
                        let duplicate = super::rng::unit(rng) < DUPLICATE_SHARE;
                        a.outcome = Outcome::SessionFailed {
                            cause: Cause::Dropped,
                            duplicate,
                        };
                        return a;
                    }
                }
                a.outcome = Outcome::Delivered { to, tls, via_mx };
                return a;
            }
        }
    }
    a.outcome = Outcome::ConnectionFailed {
        cause: a.failure.unwrap_or(Cause::Refused),
    };
    a
}

/// How a session to one host goes, up to the start of the transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connect {
    /// Connected and accepted; `tls` tells whether the session is encrypted.
    Open {
        /// Whether TLS is used.
        tls: bool,
    },
    /// A temporary failure, holding the session for `held`.
    Failed {
        /// Why.
        cause: Cause,
        /// How long the sender's session was held.
        held: SimDuration,
    },
    /// A permanent refusal.
    Rejected {
        /// Code index.
        code: u16,
    },
}

/// One SMTP session from `key.node` to `to`, up to the point where the transfer starts.
pub fn connect(
    w: &World<'_>,
    key: &QueueKey,
    m: &Message,
    to: NodeId,
    via_mx: bool,
    latency: SimDuration,
) -> Connect {
    let from = key.node;
    let dest = w.sc.node(to);
    let f = &w.faults.nodes[to.index()];
    let sender = w.sc.node(from);
    // Firewall: configured allow list, or an active block: refused at once.
    if dest
        .firewall_allow
        .as_ref()
        .is_some_and(|a| !a.contains(&from))
        || f.blocks(from)
    {
        return Connect::Failed {
            cause: Cause::Refused,
            held: SimDuration::ZERO,
        };
    }
    if f.down > 0 {
        return Connect::Failed {
            cause: Cause::Timeout,
            held: sender.connect_timeout,
        };
    }
    if f.unavailable > 0 {
        return Connect::Failed {
            cause: Cause::Unavailable,
            held: latency,
        };
    }
    let tls = key.connector.map(|c| &w.sc.connector(c).tls);
    let mode = tls.map_or(TlsMode::Opportunistic, |t| t.mode);
    let offers =
        (dest.certificate.is_some() || dest.kind.has_implicit_certificate()) && f.tls_off == 0;
    let used = match mode {
        TlsMode::None => false,
        TlsMode::Required if !offers => {
            return Connect::Failed {
                cause: Cause::TlsMissing,
                held: latency,
            };
        }
        TlsMode::Opportunistic | TlsMode::Required => offers,
    };
    if used && let Some(t) = tls {
        let expired = f.cert_expired > 0
            || dest
                .certificate
                .as_ref()
                .and_then(|c| c.not_after)
                .is_some_and(|na| w.now >= na);
        let bad = match t.validate {
            TlsValidate::None => false,
            TlsValidate::Certificate => expired,
            TlsValidate::Domain => {
                let subject_ok = match (&dest.certificate, &t.tls_domain) {
                    (Some(c), Some(want)) => subject_matches(&c.subject, want),
                    _ => true,
                };
                expired || !subject_ok || f.cert_mismatch > 0
            }
        };
        if bad {
            return Connect::Failed {
                cause: Cause::Certificate,
                held: latency,
            };
        }
    }
    // The receiver's acceptance: relaying for anonymous senders, then partner restrictions.
    let domain = m.rcpt_domain as usize;
    if via_mx && w.routes.acceptance(to.index(), domain) == Acceptance::No {
        return Connect::Rejected { code: C_RELAY };
    }
    if let Some(af) = &dest.accept_from {
        let node_ok = af.nodes.as_ref().is_none_or(|ns| ns.contains(&from));
        let sender_name = &w.sc.domains[m.sender_domain as usize].name;
        let sender_ok = af
            .sender_domains
            .as_ref()
            .is_none_or(|ps| ps.iter().any(|p| p.matches(sender_name)));
        let is_ndr = m.has(super::message::IS_NDR);
        if !node_ok || !(sender_ok || is_ndr) || (af.require_tls && !used) {
            return Connect::Rejected {
                code: C_NOT_AUTHORIZED,
            };
        }
    }
    Connect::Open { tls: used }
}

/// Whether a certificate subject satisfies a connector's `tls_domain` (`*.x` wildcards allowed
/// on either side, one label deep).
pub fn subject_matches(subject: &str, want: &str) -> bool {
    let one_label = |wild: &str, name: &str| {
        wild.strip_prefix("*.").is_some_and(|suffix| {
            name.len() > suffix.len() + 1
                && name
                    .to_ascii_lowercase()
                    .ends_with(&format!(".{}", suffix.to_ascii_lowercase()))
                && !name[..name.len() - suffix.len() - 1].contains('.')
        })
    };
    subject.eq_ignore_ascii_case(want) || one_label(subject, want) || one_label(want, subject)
}

/// Orders MX hosts by preference, shuffling equal preferences with `rng` (RFC 5321 §5.1).
/// Returns how many of `out` are filled (at most 8).
fn order_mx<R: Rng>(records: &[MxRecord], out: &mut [NodeId; 8], rng: &mut R) -> usize {
    let n = records.len().min(out.len());
    let mut i = 0;
    while i < n {
        let pref = records[i].preference;
        let mut j = i;
        while j < n && records[j].preference == pref {
            out[j] = records[j].host;
            j += 1;
        }
        // Fisher–Yates over the equal-preference run [i, j).
        for k in (i + 1..j).rev() {
            let r = i + (rng.next_u64() % (k - i + 1) as u64) as usize;
            out.swap(k, r);
        }
        i = j;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_survive_packing() {
        for o in [
            Outcome::Delivered {
                to: NodeId(7),
                tls: true,
                via_mx: false,
            },
            Outcome::Delivered {
                to: NodeId(0),
                tls: false,
                via_mx: true,
            },
            Outcome::SessionFailed {
                cause: Cause::Dropped,
                duplicate: true,
            },
            Outcome::ConnectionFailed {
                cause: Cause::Certificate,
            },
            Outcome::Rejected { code: 25 },
        ] {
            assert_eq!(Outcome::unpack(o.pack()), o);
        }
    }

    #[test]
    fn wildcard_subjects_match_one_label() {
        assert!(subject_matches("mail.fabrikam.com", "mail.fabrikam.com"));
        assert!(subject_matches("*.fabrikam.com", "mail.fabrikam.com"));
        assert!(!subject_matches("*.fabrikam.com", "a.mail.fabrikam.com"));
        assert!(!subject_matches("mail.contoso.com", "mail.fabrikam.com"));
    }

    #[test]
    fn equal_preferences_are_shuffled_but_lower_preference_comes_first() {
        use rand::SeedableRng;
        let recs = [
            MxRecord {
                host: NodeId(1),
                preference: 10,
            },
            MxRecord {
                host: NodeId(2),
                preference: 10,
            },
            MxRecord {
                host: NodeId(3),
                preference: 20,
            },
        ];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let mut firsts = [0; 4];
        for _ in 0..200 {
            let mut out = [NodeId(0); 8];
            assert_eq!(order_mx(&recs, &mut out, &mut rng), 3);
            assert_eq!(out[2], NodeId(3));
            firsts[out[0].index()] += 1;
        }
        assert!(
            firsts[1] > 60 && firsts[2] > 60,
            "both equal-preference hosts lead sometimes: {firsts:?}"
        );
    }
}
