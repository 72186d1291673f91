//! SMTP sessions from a queue: opening a connection (DNS, the receiver's connection limits,
//! TLS and its certificate) and each message's transaction on it (the receiver's acceptance,
//! back pressure, the transfer), decided when they start.
//!
//! On a connection failure to one MX host the sender tries the next one within the same attempt
//! (RFC 5321 §5.1); STARTTLS and certificate failures also move on to the next host (Postfix
//! TLS_README, MTA-STS; sources §6.3–6.4). A 5xx answer ends the transaction at once.
//!
//! What a session costs (no source gives these numbers; they follow the protocol): opening
//! takes 3 round trips (TCP, the greeting, EHLO), 4 more with TLS (STARTTLS, a TLS 1.2
//! handshake of 2, EHLO again); each message takes 2 (MAIL/RCPT/DATA pipelined, the end of
//! data) plus its size over the bandwidth, plus the connector's `latency` (the receiver's
//! processing).

use rand::Rng;

use super::codes::{self, Cause, Style};
use super::dns::{Dns, Lookup};
use super::faults::FaultState;
use super::inbound::{Level, NodeInbound};
use super::message::{IS_NDR, MULTI, Message, UNKNOWN};
use super::routing::{Acceptance, QueueKey, QueueTarget, RouteTable};
use crate::model::{
    Certificate, Dist, DnsStatus, DomainId, MtaSts, MxRecord, NodeId, NodeKind, Scenario, TlsMode,
    TlsValidate,
};
use crate::time::{SimDuration, SimTime};

/// Share of dropped sessions that drop after the final dot, so the receiver already took the
/// message and the retry delivers it twice (RFC 5321 §6.1, sources §4.2 and implication
/// 13). No source gives a number; one in ten is this model's assumption.
pub const DUPLICATE_SHARE: f64 = 0.1;

/// Extra time of a transaction that uses no connector (plain DNS routing): none.
pub const DEFAULT_LATENCY: Dist = Dist::Fixed(0.0);

/// Round trips to open a session without TLS: TCP, the greeting, EHLO.
pub const SETUP_RTTS: u64 = 3;
/// Extra round trips with TLS: STARTTLS, a TLS 1.2 handshake (2), EHLO again.
pub const TLS_RTTS: u64 = 4;
/// Round trips per message: MAIL FROM, RCPT TO and DATA pipelined, then the end of data.
pub const MESSAGE_RTTS: u64 = 2;

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

/// A connection that opened: the host, whether it is encrypted, whether it was found by MX.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Opened {
    /// The receiving node.
    pub to: NodeId,
    /// TLS in use.
    pub tls: bool,
    /// Reached by MX (an anonymous session) rather than a connector.
    pub via_mx: bool,
}

/// One attempt: how it ended, how long it held the sender's session, and the connections it
/// opened (one per MX host tried; none when DNS failed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// The connection that opened, if one did (it stays open after the first message unless
    /// the transaction dropped it).
    pub opened: Option<Opened>,
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

pub use super::codes::{
    C_LOOP, C_LOOP_EXO, C_NO_MAIL_HOST, C_NOT_AUTHORIZED, C_NULL_MX, C_RELAY, C_TENANT_ATTRIBUTION,
    C_TOO_BIG, C_UNKNOWN, C_UNKNOWN_EXO,
};

/// The network path of a session.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Path {
    /// Round-trip time.
    pub rtt: SimDuration,
    /// Bytes per second.
    pub bandwidth: f64,
    /// Extra time per transaction (the connector's `latency`).
    pub extra: SimDuration,
    /// The sender's connect timeout.
    pub connect_timeout: SimDuration,
}

impl Path {
    fn rtts(&self, n: u64) -> SimDuration {
        SimDuration(self.rtt.0.saturating_mul(n))
    }

    /// The time to carry a message of `size` bytes.
    fn transfer(&self, size: u32) -> SimDuration {
        self.rtts(MESSAGE_RTTS)
            + SimDuration::from_secs_f64(f64::from(size) / self.bandwidth.max(1.0))
            + self.extra
    }
}

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
    /// The wording of the sender (for the permanent DNS failures it writes).
    pub style: Style,
}

/// The TLS policy a recipient domain publishes, applied by a sender that enforces it (here
/// Exchange Online: DANE and MTA-STS are on by default for its outbound mail, sources §6.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DomainPolicy {
    /// The recipient domain.
    pub domain: DomainId,
    /// MTA-STS in enforce mode.
    pub sts: bool,
    /// DANE.
    pub dane: bool,
}

/// The policy `sender` applies when it delivers to `domain` by MX, if any.
pub fn domain_policy(sc: &Scenario, sender: NodeId, domain: DomainId) -> Option<DomainPolicy> {
    let d = sc.domain(domain);
    let p = DomainPolicy {
        domain,
        sts: d.mta_sts == MtaSts::Enforce,
        dane: d.dane,
    };
    (sc.node(sender).kind == NodeKind::ExchangeOnline && (p.sts || p.dane)).then_some(p)
}

/// The certificate a node presents: its own, or for the internet and Exchange Online the one
/// they always have (a public CA's; Exchange Online's names its MX hosts). Borrowed: a
/// session's checks make no copy.
pub fn presented(sc: &Scenario, node: NodeId) -> Option<&Certificate> {
    static IMPLICIT: std::sync::OnceLock<[Certificate; 2]> = std::sync::OnceLock::new();
    let n = sc.node(node);
    if let Some(c) = &n.certificate {
        return Some(c);
    }
    if !n.kind.has_implicit_certificate() {
        return None;
    }
    let [exo, other] = IMPLICIT.get_or_init(|| {
        let cert = |subject: &str| Certificate {
            subject: subject.to_string(),
            issuer: crate::model::Issuer::PublicCa,
            not_after: None,
        };
        [
            cert(implicit_subject(NodeKind::ExchangeOnline).unwrap_or("*")),
            cert("*"),
        ]
    });
    Some(if n.kind == NodeKind::ExchangeOnline {
        exo
    } else {
        other
    })
}

/// The subject of the certificate a kind presents without one in the scenario: Exchange
/// Online's covers its tenants' MX hosts (`<domain>.mail.protection.outlook.com`, sources §1.4),
/// so `*.mail.protection.outlook.com`; the internet's is unknown (`None`: any name passes).
pub fn implicit_subject(kind: NodeKind) -> Option<&'static str> {
    match kind {
        NodeKind::ExchangeOnline => Some("*.mail.protection.outlook.com"),
        _ => None,
    }
}

/// Whether a certificate (implicit ones included) satisfies `want`: the implicit certificate
/// of Exchange Online also covers `mail.protection.outlook.com` itself.
pub fn certificate_covers(c: &Certificate, want: &str) -> bool {
    c.subject == "*"
        || subject_matches(&c.subject, want)
        || (c.subject == "*.mail.protection.outlook.com"
            && want.eq_ignore_ascii_case("mail.protection.outlook.com"))
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

/// Opens a connection for queue `key` of sender `sender` (its resolver and per-source
/// identity) and makes the first transaction, for message `m`.
#[allow(clippy::too_many_arguments)]
pub fn attempt<R: Rng>(
    w: &World<'_>,
    dns: &mut Dns,
    inbound: &mut [NodeInbound],
    sender: usize,
    key: &QueueKey,
    m: &Message,
    path: &Path,
    dice: &mut Dice<'_, R>,
) -> Attempt {
    let refused = |code: u16| Attempt {
        opened: None,
        outcome: Outcome::Rejected { code },
        held: SimDuration::ZERO,
        connections: 0,
        failed: 0,
        failure: None,
    };
    // The sender's own size limit on the connector (Exchange Send connector `MaxMessageSize`).
    if let Some(c) = key.connector
        && w.sc
            .connector(c)
            .max_message_size
            .is_some_and(|l| u64::from(m.size) > l)
    {
        return refused(C_TOO_BIG);
    }
    let mut hosts: [NodeId; 8] = [NodeId(0); 8];
    let count = match key.target {
        QueueTarget::Node(n) => {
            hosts[0] = n;
            1
        }
        QueueTarget::Mx(d) | QueueTarget::Host(d) => {
            let d = d.index();
            match dns.lookup(sender, d, w.now) {
                Lookup::Failed => {
                    return Attempt {
                        opened: None,
                        outcome: Outcome::ConnectionFailed { cause: Cause::Dns },
                        held: SimDuration::ZERO,
                        connections: 0,
                        failed: 0,
                        failure: Some(Cause::Dns),
                    };
                }
                Lookup::Answer(v) => {
                    let answer = dns.answer(d, v);
                    // Permanent answers (RFC 5321 §5.1, RFC 7505): the sender returns the message.
                    match answer.status {
                        DnsStatus::NxDomain => return refused(codes::nxdomain(w.style)),
                        DnsStatus::NullMx => return refused(C_NULL_MX),
                        DnsStatus::Exists if answer.records.is_empty() => {
                            return refused(C_NO_MAIL_HOST);
                        }
                        DnsStatus::Exists => order_mx(&answer.records, &mut hosts, dice.mx),
                    }
                }
            }
        }
    };
    let policy = match key.target {
        QueueTarget::Mx(d) => domain_policy(w.sc, key.node, d),
        _ => None,
    };
    let via_mx = matches!(key.target, QueueTarget::Mx(_));
    let mut a = Attempt {
        opened: None,
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
        match connect(
            w,
            key,
            to,
            path,
            Some((&inbound[to.index()], sender)),
            policy,
        ) {
            Connect::Failed { cause, held } => {
                a.held = a.held + held;
                a.failed += 1;
                a.failure.get_or_insert(cause);
            }
            Connect::Open { tls, held } => {
                a.held = a.held + held;
                let inb = &mut inbound[to.index()];
                inb.active += 1;
                if let Some(c) = inb.per_sender.get_mut(sender) {
                    *c += 1;
                }
                let opened = Opened { to, tls, via_mx };
                let (outcome, t) = transaction(w, inbound, key, m, opened, path, dice);
                a.held = a.held + t;
                a.opened = Some(opened);
                a.outcome = outcome;
                return a;
            }
        }
    }
    a.outcome = Outcome::ConnectionFailed {
        cause: a.failure.unwrap_or(Cause::Refused),
    };
    a
}

/// One message's transaction on an open connection: the receiver's acceptance, its back
/// pressure, a drop mid-transfer, or the transfer. Returns how it ends and how long it takes.
pub fn transaction<R: Rng>(
    w: &World<'_>,
    inbound: &mut [NodeInbound],
    key: &QueueKey,
    m: &Message,
    c: Opened,
    path: &Path,
    dice: &mut Dice<'_, R>,
) -> (Outcome, SimDuration) {
    let to = c.to;
    let dest = w.sc.node(to);
    let f = &w.faults.nodes[to.index()];
    // The server went away while the connection was open.
    if f.down > 0 || f.unavailable > 0 {
        let outcome = Outcome::SessionFailed {
            cause: Cause::Dropped,
            duplicate: false,
        };
        return (outcome, path.rtts(1));
    }
    if let Some(code) = refuses(w, key, m, to, c.via_mx, c.tls) {
        return (Outcome::Rejected { code }, path.rtts(1));
    }
    let mut wait = SimDuration::ZERO;
    let inb = &mut inbound[to.index()];
    if let Some(bp) = &dest.inbound.back_pressure {
        match inb.level(bp, w.now) {
            Level::High => {
                let outcome = Outcome::SessionFailed {
                    cause: Cause::BackPressure,
                    duplicate: false,
                };
                return (outcome, path.rtts(1));
            }
            // Medium: mail from senders outside the organisation (a sender domain the node is
            // not authoritative for) is refused, the organisation's own is tarpitted.
            Level::Medium(_)
                if w.routes.acceptance(to.index(), m.sender_domain as usize)
                    != Acceptance::Authoritative =>
            {
                let outcome = Outcome::SessionFailed {
                    cause: Cause::BackPressure,
                    duplicate: false,
                };
                return (outcome, path.rtts(1));
            }
            Level::Medium(since) => wait = NodeInbound::tarpit(bp, since, w.now),
            Level::Normal => {}
        }
    }
    if let Some(d) = dest.inbound.in_flow_delay
        && inb.congested()
    {
        wait = wait + d;
    }
    let extra = key
        .connector
        .map_or(&DEFAULT_LATENCY, |c| &w.sc.connector(c).latency);
    let extra = SimDuration::from_secs_f64(extra.sample(dice.latency) / 1e6);
    let held = path.transfer(m.size) + extra + wait;
    let p = f.drop_probability();
    if p > 0.0 {
        let rng = &mut dice.drops[to.index()];
        if super::rng::unit(rng) < p {
            let duplicate = super::rng::unit(rng) < DUPLICATE_SHARE;
            let outcome = Outcome::SessionFailed {
                cause: Cause::Dropped,
                duplicate,
            };
            return (outcome, held);
        }
    }
    let outcome = Outcome::Delivered {
        to,
        tls: c.tls,
        via_mx: c.via_mx,
    };
    (outcome, held)
}

/// How a connection to one host goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connect {
    /// Connected; `tls` tells whether the session is encrypted; opening took `held`.
    Open {
        /// Whether TLS is used.
        tls: bool,
        /// How long opening took.
        held: SimDuration,
    },
    /// A temporary failure, holding the session for `held`.
    Failed {
        /// Why.
        cause: Cause,
        /// How long the sender's session was held.
        held: SimDuration,
    },
}

/// Opens a connection from `key.node` to `to`: firewall, server state, the receiver's
/// connection limits (when `load` gives its state and the sender), STARTTLS, the recipient
/// domain's DANE / MTA-STS `policy` when the sender applies one, and the certificate.
pub fn connect(
    w: &World<'_>,
    key: &QueueKey,
    to: NodeId,
    path: &Path,
    load: Option<(&NodeInbound, usize)>,
    policy: Option<DomainPolicy>,
) -> Connect {
    let from = key.node;
    let dest = w.sc.node(to);
    let f = &w.faults.nodes[to.index()];
    // Firewall: configured allow list, or an active block: refused at once.
    if dest
        .firewall_allow
        .as_ref()
        .is_some_and(|a| !a.contains(&from))
        || f.blocks(from)
    {
        return Connect::Failed {
            cause: Cause::Refused,
            held: path.rtts(1),
        };
    }
    if f.down > 0 {
        return Connect::Failed {
            cause: Cause::Timeout,
            held: path.connect_timeout,
        };
    }
    if f.unavailable > 0 {
        return Connect::Failed {
            cause: Cause::Unavailable,
            held: path.rtts(2),
        };
    }
    if let Some((inb, sender)) = load {
        let full = dest
            .inbound
            .max_connections
            .is_some_and(|m| inb.active >= m)
            || dest
                .inbound
                .max_connections_per_source
                .is_some_and(|m| inb.per_sender.get(sender).is_some_and(|c| *c >= m));
        if full {
            return Connect::Failed {
                cause: Cause::TooManyConnections,
                held: path.rtts(2),
            };
        }
    }
    let tls = key.connector.map(|c| &w.sc.connector(c).tls);
    let mode = tls.map_or(TlsMode::Opportunistic, |t| t.mode);
    let cert = presented(w.sc, to);
    let offers = cert.is_some() && f.tls_off == 0;
    let expired = f.cert_expired > 0 || cert.as_ref().is_some_and(|c| c.expired_at(w.now));
    let fail = |cause: Cause| Connect::Failed {
        cause,
        held: path.rtts(SETUP_RTTS + TLS_RTTS - 1),
    };
    // The recipient domain's DANE / MTA-STS policy, for a sender that applies it: TLS with a
    // certificate the policy accepts, or the host is skipped (sources §1.2, §6.1, §6.4).
    if let Some(p) = policy {
        if !offers {
            return Connect::Failed {
                cause: Cause::StarttlsNotSupported,
                held: path.rtts(SETUP_RTTS),
            };
        }
        if p.dane && w.faults.dnssec_bogus[p.domain.index()] > 0 {
            return fail(Cause::DnssecInvalid);
        }
        if p.dane && f.tlsa_mismatch > 0 {
            return fail(Cause::TlsaInvalid);
        }
        if expired {
            return fail(Cause::CertificateExpired);
        }
        if p.sts {
            let trusted = cert
                .as_ref()
                .is_some_and(|c| c.trusted_by(&w.sc.node(from).trusted_cas));
            if f.cert_mismatch > 0 {
                return fail(Cause::CertificateHostMismatch);
            }
            if !trusted {
                return fail(Cause::Certificate);
            }
        }
    }
    let used = match mode {
        _ if policy.is_some() => true,
        TlsMode::None => false,
        TlsMode::Required if !offers => {
            return Connect::Failed {
                cause: Cause::TlsMissing,
                held: path.rtts(SETUP_RTTS),
            };
        }
        TlsMode::Opportunistic | TlsMode::Required => offers,
    };
    if used
        && let Some(t) = tls
        && let Some(c) = &cert
    {
        // Validation: a trusted issuer (a public CA, or a private CA the sender trusts; never
        // self-signed) and no expiry; for `domain` also the subject (Exchange `TlsAuthLevel`,
        // sources §6.1–6.2). Encryption only accepts any certificate.
        let trusted = c.trusted_by(&w.sc.node(from).trusted_cas);
        let bad = match t.validate {
            TlsValidate::None => false,
            TlsValidate::Certificate => expired || !trusted,
            TlsValidate::Domain => {
                let subject_ok = t
                    .tls_domain
                    .as_ref()
                    .is_none_or(|want| certificate_covers(c, want));
                expired || !trusted || !subject_ok || f.cert_mismatch > 0
            }
        };
        if bad {
            return fail(Cause::Certificate);
        }
    }
    let rtts = if used {
        SETUP_RTTS + TLS_RTTS
    } else {
        SETUP_RTTS
    };
    Connect::Open {
        tls: used,
        held: path.rtts(rtts),
    }
}

/// The code a receiver refuses message `m` with (5xx), if it does: relaying for anonymous
/// senders, partner restrictions (scoped to their sender domains), the size limit, and
/// Exchange Online's Directory-Based Edge Blocking of unknown recipients, which happens in
/// the SMTP session, before any filtering (sources §1.4).
pub fn refuses(
    w: &World<'_>,
    key: &QueueKey,
    m: &Message,
    to: NodeId,
    via_mx: bool,
    tls: bool,
) -> Option<u16> {
    let from = key.node;
    let dest = w.sc.node(to);
    let domain = m.rcpt_domain as usize;
    let acceptance = w.routes.acceptance(to.index(), domain);
    if via_mx && acceptance == Acceptance::No {
        return Some(C_RELAY);
    }
    if let Some(af) = &dest.accept_from {
        let sender_name = &w.sc.domains[m.sender_domain as usize].name;
        // A partner restriction concerns its sender domains only; an NDR's null reverse-path
        // is none of them.
        let scoped = !m.has(IS_NDR)
            && af
                .sender_domains
                .as_ref()
                .is_none_or(|ps| ps.iter().any(|p| p.matches(sender_name)));
        if scoped {
            let node_ok = af.nodes.as_ref().is_none_or(|ns| ns.contains(&from));
            let tls_ok = !af.require_tls || tls;
            let cert_ok = af
                .certificate_name
                .as_ref()
                .is_none_or(|want| tls && sender_certificate_ok(w, key, to, want));
            if !(node_ok && tls_ok && cert_ok) {
                // Exchange Online: mail no inbound connector attributes to the tenant may not
                // be relayed, and mail from the on-premises side whose inbound connector no
                // longer matches (wrong or expired certificate, no TLS) is refused the same
                // way (`5.7.64 TenantAttribution`, sources §1.4).
                let exo = dest.kind == NodeKind::ExchangeOnline;
                return Some(if exo && (acceptance == Acceptance::No || node_ok) {
                    C_TENANT_ATTRIBUTION
                } else {
                    C_NOT_AUTHORIZED
                });
            }
        }
    }
    if dest.max_message_size.is_some_and(|l| u64::from(m.size) > l) {
        return Some(C_TOO_BIG);
    }
    if edge_blocks(w, to, m) {
        return Some(C_UNKNOWN_EXO);
    }
    None
}

/// Whether Exchange Online at `to` rejects `m`'s recipient in the session: it is authoritative
/// for the domain and the recipient exists nowhere (a copy with several recipient groups is
/// split at the end of the session instead).
pub fn edge_blocks(w: &World<'_>, to: NodeId, m: &Message) -> bool {
    w.sc.node(to).kind == NodeKind::ExchangeOnline
        && !m.has(MULTI)
        && m.location == UNKNOWN
        && w.routes.acceptance(to.index(), m.rcpt_domain as usize) == Acceptance::Authoritative
}

/// Whether the sender of queue `key` presents a valid certificate for `want` to `to`: the
/// sending node's certificate (it presents one when its connector names one, Exchange
/// `TlsCertificateName`, and Exchange Online always), unexpired, issued by a CA the receiver
/// trusts, with a matching subject.
fn sender_certificate_ok(w: &World<'_>, key: &QueueKey, to: NodeId, want: &str) -> bool {
    let from = key.node;
    let names_one = key
        .connector
        .is_some_and(|c| w.sc.connector(c).tls.certificate_name.is_some());
    if !names_one && w.sc.node(from).kind != NodeKind::ExchangeOnline {
        return false;
    }
    let Some(c) = presented(w.sc, from) else {
        return false;
    };
    let f = &w.faults.nodes[from.index()];
    !c.expired_at(w.now)
        && f.cert_expired == 0
        && f.cert_mismatch == 0
        && c.trusted_by(&w.sc.node(to).trusted_cas)
        && certificate_covers(c, want)
}

/// Whether a certificate subject satisfies a connector's `tls_domain` (`*.x` wildcards allowed
/// on either side, one label deep).
pub fn subject_matches(subject: &str, want: &str) -> bool {
    // Compared byte by byte, without allocating: this runs at every verified connection.
    let one_label = |wild: &str, name: &str| {
        wild.strip_prefix("*.").is_some_and(|suffix| {
            let (name, suffix) = (name.as_bytes(), suffix.as_bytes());
            name.len() > suffix.len() + 1 && {
                let dot = name.len() - suffix.len() - 1;
                name[dot] == b'.'
                    && name[dot + 1..].eq_ignore_ascii_case(suffix)
                    && !name[..dot].contains(&b'.')
            }
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
        // Names compare case-insensitively; a wildcard may stand on either side; it covers
        // one whole label, never the bare domain or a name that only ends like it.
        assert!(subject_matches("*.Fabrikam.COM", "MAIL.fabrikam.com"));
        assert!(subject_matches("mail.fabrikam.com", "*.fabrikam.com"));
        assert!(!subject_matches("*.fabrikam.com", "fabrikam.com"));
        assert!(!subject_matches("*.fabrikam.com", "mailfabrikam.com"));
        assert!(!subject_matches("*.fabrikam.com", ".fabrikam.com"));
        assert!(subject_matches("*.fabrikam.com", "é.fabrikam.com"));
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
