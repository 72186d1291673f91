//! Messages as the log parsers hand them on: interned domains, the stream (direction) a message belongs to, and the parsing context.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use serde::Serialize;

use super::FitOptions;
use super::error::SkipCounter;

/// A fast hasher for the parsers' maps (queue ids, domains); no untrusted-input DoS concern here.
#[derive(Default, Clone, Copy)]
pub(super) struct Fx(u64);

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut v = 0u64;
            for (i, b) in chunk.iter().enumerate() {
                v |= u64::from(*b) << (8 * i);
            }
            self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// A hash map with [`Fx`].
pub(super) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

/// Hashes bytes (message ids, addresses) to 64 bits.
pub(super) fn hash_bytes(b: &[u8]) -> u64 {
    let mut h = Fx(0xcbf2_9ce4_8422_2325);
    h.write(b);
    h.write_u64(b.len() as u64);
    h.finish()
}

/// Which way a message goes, judged by the accepted domains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From outside to the organisation.
    Inbound,
    /// From the organisation to outside.
    Outbound,
    /// Within the organisation.
    Internal,
}

impl Direction {
    /// All, in report order.
    pub const ALL: [Direction; 3] = [Direction::Inbound, Direction::Outbound, Direction::Internal];

    /// The stream name.
    pub fn name(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
            Direction::Internal => "internal",
        }
    }

    /// Index into per-direction arrays.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Domain names interned to ids, each marked accepted or not.
#[derive(Debug, Default)]
pub(super) struct Domains {
    index: FxMap<Box<str>, u32>,
    names: Vec<Box<str>>,
    accepted: Vec<bool>,
    patterns: Vec<String>,
    scratch: String,
}

impl Domains {
    /// An interner that judges domains against these accepted domains (`*.x` for subdomains).
    pub(super) fn new(accepted: &[String]) -> Self {
        let patterns = accepted
            .iter()
            .map(|a| a.trim().trim_end_matches('.').to_ascii_lowercase())
            .collect();
        Domains {
            patterns,
            ..Domains::default()
        }
    }

    /// The id of the domain of an address (`user@Contoso.com` → `contoso.com`); `""` for none.
    pub(super) fn of_address(&mut self, address: &[u8]) -> u32 {
        let domain = match address.iter().rposition(|c| *c == b'@') {
            Some(at) => &address[at + 1..],
            None => &address[..0],
        };
        self.scratch.clear();
        for &c in domain {
            self.scratch.push(char::from(c.to_ascii_lowercase()));
        }
        if let Some(id) = self.index.get(self.scratch.as_str()) {
            return *id;
        }
        let name: Box<str> = self.scratch.trim_end_matches('.').into();
        let accepted = self.patterns.iter().any(|p| match p.strip_prefix("*.") {
            Some(parent) => name.ends_with(&format!(".{parent}")),
            None => *p == *name,
        });
        let id = self.names.len() as u32;
        self.index.insert(self.scratch.as_str().into(), id);
        self.names.push(name);
        self.accepted.push(accepted);
        id
    }

    /// A domain's name.
    pub(super) fn name(&self, id: u32) -> &str {
        self.names.get(id as usize).map_or("", |n| n)
    }

    /// Whether a domain is accepted by the organisation.
    pub(super) fn accepted(&self, id: u32) -> bool {
        self.accepted.get(id as usize).copied().unwrap_or(false)
    }
}

/// One message as read from a log.
#[derive(Debug)]
pub(super) struct Message<'a> {
    /// Arrival, wall-clock microseconds.
    pub time_us: i64,
    /// Size, bytes.
    pub size: u64,
    /// Number of recipients.
    pub recipients: u32,
    /// Sender domain id.
    pub sender: u32,
    /// The log itself says the sender is inside (Exchange `Originating`) or outside (`Incoming`).
    pub sender_inside: Option<bool>,
    /// Recipient domain ids, one per recipient seen.
    pub rcpt: &'a [u32],
    /// The first recipient's address (only with `keep_addresses`).
    pub first_address: Option<&'a str>,
}

/// What consumes the parsed log: the fit's statistics or a replay file.
pub(super) trait Sink {
    /// A message, with its direction.
    fn message(&mut self, m: &Message<'_>, domains: &Domains, direction: Direction);
    /// A delivery delay to a recipient domain.
    fn delay(&mut self, domain: u32, us: u64);
}

/// The parsing context shared by every log: options, domains, counters, progress.
pub(super) struct Ctx<'a> {
    /// Options.
    pub opts: &'a FitOptions,
    /// Interned domains.
    pub domains: Domains,
    /// Skipped lines by reason.
    pub skipped: SkipCounter,
    /// Lines read.
    pub lines: u64,
    /// Lines that are not about message flow (other programs, other events).
    pub ignored: u64,
    /// (first, last) arrival time in each log.
    pub spans: Vec<(i64, i64)>,
    /// Remarks for the report.
    pub notes: Vec<String>,
    bytes: u64,
    reported: u64,
    progress: &'a mut dyn FnMut(u64),
}

impl<'a> Ctx<'a> {
    /// A context for these options.
    pub(super) fn new(opts: &'a FitOptions, progress: &'a mut dyn FnMut(u64)) -> Self {
        Ctx {
            opts,
            domains: Domains::new(&opts.accepted_domains),
            skipped: SkipCounter::default(),
            lines: 0,
            ignored: 0,
            spans: Vec::new(),
            notes: Vec::new(),
            bytes: 0,
            reported: 0,
            progress,
        }
    }

    /// Counts bytes read and reports progress every MiB.
    pub(super) fn advance(&mut self, bytes: u64) {
        self.bytes += bytes;
        if self.bytes - self.reported >= 1 << 20 {
            self.reported = self.bytes;
            (self.progress)(self.bytes);
        }
    }

    /// Reports the final byte count.
    pub(super) fn finish(&mut self) -> u64 {
        (self.progress)(self.bytes);
        self.bytes
    }

    /// Widens the current log's time span.
    pub(super) fn saw(&mut self, t: i64) {
        if let Some(span) = self.spans.last_mut() {
            span.0 = span.0.min(t);
            span.1 = span.1.max(t);
        }
    }

    /// Classifies a message and hands it on, or counts why it cannot be used.
    pub(super) fn deliver(&mut self, sink: &mut dyn Sink, m: &Message<'_>, file: &str, line: u64) {
        if self.domains.name(m.sender).is_empty() {
            self.skipped.skip(
                "null or local sender (bounces and DSNs are made by the simulator)",
                file,
                line,
            );
            return;
        }
        if m.rcpt.is_empty() {
            self.skipped
                .skip("message without a recipient in the log", file, line);
            return;
        }
        let inside = m
            .sender_inside
            .unwrap_or_else(|| self.domains.accepted(m.sender));
        let any_outside = m.rcpt.iter().any(|r| !self.domains.accepted(*r));
        let any_inside = m.rcpt.iter().any(|r| self.domains.accepted(*r));
        let direction = match (inside, any_outside, any_inside) {
            (true, true, _) => Direction::Outbound,
            (true, false, _) => Direction::Internal,
            (false, _, true) => Direction::Inbound,
            (false, _, false) => {
                self.skipped.skip(
                    "relayed: neither sender nor any recipient in the accepted domains",
                    file,
                    line,
                );
                return;
            }
        };
        // The observed window runs from the first to the last arrival of the organisation's
        // mail (delivery lines trail past it; a log that starts before the organisation's
        // traffic, such as a test harness's clock probes, does not count as quiet hours).
        self.saw(m.time_us);
        sink.message(m, &self.domains, direction);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Count(Vec<Direction>);
    impl Sink for Count {
        fn message(&mut self, _: &Message<'_>, _: &Domains, d: Direction) {
            self.0.push(d);
        }
        fn delay(&mut self, _: u32, _: u64) {}
    }

    #[test]
    fn directions_follow_the_accepted_domains() {
        let opts = FitOptions {
            accepted_domains: vec!["contoso.com".into(), "*.contoso.com".into()],
            ..FitOptions::default()
        };
        let mut progress = |_| {};
        let mut ctx = Ctx::new(&opts, &mut progress);
        let inside = ctx.domains.of_address(b"a@Contoso.COM");
        let sub = ctx.domains.of_address(b"b@lists.contoso.com");
        let outside = ctx.domains.of_address(b"c@example.net");
        let null = ctx.domains.of_address(b"");
        assert!(ctx.domains.accepted(sub) && !ctx.domains.accepted(outside));
        let mut sink = Count(Vec::new());
        let mut send = |ctx: &mut Ctx, sender, rcpt: &[u32]| {
            let m = Message {
                time_us: 0,
                size: 1,
                recipients: 1,
                sender,
                sender_inside: None,
                rcpt,
                first_address: None,
            };
            ctx.deliver(&mut sink, &m, "f", 1);
        };
        send(&mut ctx, outside, &[inside]);
        send(&mut ctx, inside, &[outside, inside]);
        send(&mut ctx, inside, &[sub]);
        send(&mut ctx, outside, &[outside]);
        send(&mut ctx, null, &[inside]);
        assert_eq!(
            sink.0,
            [Direction::Inbound, Direction::Outbound, Direction::Internal]
        );
        assert_eq!(ctx.skipped.total(), 2);
    }
}
