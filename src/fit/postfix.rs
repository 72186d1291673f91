//! Postfix mail logs (syslog, RFC 3339 or `maillog_file` stamps): `qmgr` arrivals, delivery-agent `to=` lines with their delays, `removed`.

use std::io::BufRead;

use super::clock::{self, DAY_US};
use super::error::FitError;
use super::message::{Ctx, FxMap, Message, Sink, hash_bytes};

/// Delivery agents whose `to=` lines are deliveries.
const AGENTS: [&[u8]; 9] = [
    b"smtp", b"lmtp", b"local", b"virtual", b"pipe", b"relay", b"error", b"discard", b"retry",
];

/// A message between its `qmgr` line and its `removed` line.
struct Pending {
    time_us: i64,
    size: u64,
    nrcpt: u32,
    sender: u32,
    line: u64,
    /// (address hash, domain) of each distinct recipient seen.
    rcpt: Vec<(u64, u32)>,
    first_address: Option<String>,
}

/// A queue id as a map key (ids longer than 16 bytes are hashed).
fn qid_key(q: &[u8]) -> u128 {
    if q.len() <= 16 {
        q.iter().fold(0u128, |acc, c| (acc << 8) | u128::from(*c))
    } else {
        u128::from(hash_bytes(q)) | (1 << 127)
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The text of `key=` up to the next `,` or space.
fn field<'a>(rest: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let at = find(rest, key)? + key.len();
    let len = rest[at..]
        .iter()
        .position(|c| *c == b',' || *c == b' ')
        .unwrap_or(rest.len() - at);
    Some(&rest[at..at + len])
}

fn number(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 19 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u64, |acc, c| acc * 10 + u64::from(c - b'0')))
}

/// Seconds with a fraction (`delay=1.2`) as microseconds.
fn seconds_us(b: &[u8]) -> Option<u64> {
    let (whole, frac) = match b.iter().position(|c| *c == b'.') {
        Some(i) => (&b[..i], &b[i + 1..]),
        None => (b, &b[..0]),
    };
    let mut us = number(whole)?.checked_mul(1_000_000)?;
    let mut scale = 100_000;
    for c in frac.iter().take(6) {
        if !c.is_ascii_digit() {
            return None;
        }
        us += u64::from(c - b'0') * scale;
        scale /= 10;
    }
    Some(us)
}

/// The address inside `<...>` at the start of `b`, and the rest after it.
fn angle(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let b = b.strip_prefix(b"<")?;
    let end = b.iter().position(|c| *c == b'>')?;
    Some((&b[..end], &b[end + 1..]))
}

/// Drops a `seconds<TAB>` receive stamp in front of a line (the conformance harness writes one).
pub(super) fn strip_receive_stamp(line: &[u8]) -> &[u8] {
    match line.iter().take(24).position(|c| *c == b'\t') {
        Some(i) if i > 0 && line[..i].iter().all(|c| c.is_ascii_digit() || *c == b'.') => {
            &line[i + 1..]
        }
        _ => line,
    }
}

/// Reads one Postfix log.
pub(super) fn parse(
    name: &str,
    reader: &mut dyn BufRead,
    ctx: &mut Ctx<'_>,
    sink: &mut dyn Sink,
) -> Result<(), FitError> {
    let mut pending: FxMap<u128, Pending> = FxMap::default();
    let mut buf = Vec::with_capacity(512);
    let mut line_no = 0u64;
    let mut year = ctx.opts.year.map_or_else(clock::current_year, i64::from);
    let mut last_month = 0u32;
    let mut rcpt_scratch: Vec<u32> = Vec::new();
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|source| FitError::Io {
                file: name.to_string(),
                source,
            })?;
        if n == 0 {
            break;
        }
        line_no += 1;
        ctx.lines += 1;
        ctx.advance(n as u64);
        let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let line = strip_receive_stamp(line.strip_suffix(b"\r").unwrap_or(line));
        if line.is_empty() {
            continue;
        }
        // Time stamp: RFC 3339 (rsyslog, journald) or syslog / maillog_file (no year).
        let (t, used) = if let Some((t, _, used)) = clock::iso(line) {
            (t, used)
        } else if let Some((month, day, us, used)) = clock::syslog(line) {
            // A year boundary inside the log: December followed by January.
            if last_month == 12 && month == 1 {
                year += 1;
            }
            if last_month == 0 && ctx.opts.year.is_none() {
                ctx.notes.push(format!("{name}: syslog time stamps carry no year: {year} assumed (weekdays depend on it; give the year)"));
            }
            last_month = month;
            (clock::days_from_civil(year, month, day) * DAY_US + us, used)
        } else {
            ctx.skipped.skip(
                "no time stamp (truncated or not a syslog line)",
                name,
                line_no,
            );
            continue;
        };
        // `host program[pid]: text`
        let rest = &line[used..];
        let rest = rest.strip_prefix(b" ").unwrap_or(rest);
        let Some(sp) = rest.iter().position(|c| *c == b' ') else {
            ctx.skipped
                .skip("line cut after its time stamp", name, line_no);
            continue;
        };
        let rest = &rest[sp + 1..];
        let Some(colon) = find(rest, b": ") else {
            ctx.ignored += 1;
            continue;
        };
        let program = &rest[..colon];
        let program = program
            .iter()
            .position(|c| *c == b'[')
            .map_or(program, |i| &program[..i]);
        let Some(slash) = program.iter().rposition(|c| *c == b'/') else {
            ctx.ignored += 1;
            continue;
        };
        let daemon = &program[slash + 1..];
        let text = &rest[colon + 2..];
        let Some(qcolon) = find(text, b": ") else {
            ctx.ignored += 1;
            continue;
        };
        let qid = &text[..qcolon];
        if qid.len() < 5
            || qid.len() > 24
            || !qid.iter().all(u8::is_ascii_alphanumeric)
            || qid == b"NOQUEUE"
        {
            ctx.ignored += 1;
            continue;
        }
        let body = &text[qcolon + 2..];
        let key = qid_key(qid);
        if daemon == b"qmgr" {
            if let Some(from) = body.strip_prefix(b"from=") {
                let Some((address, after)) = angle(from) else {
                    ctx.skipped
                        .skip("qmgr from= without <address>", name, line_no);
                    continue;
                };
                if find(after, b"status=expired").is_some() {
                    ctx.ignored += 1;
                    continue;
                }
                let (Some(size), Some(nrcpt)) = (
                    field(after, b"size=").and_then(number),
                    field(after, b"nrcpt=").and_then(number),
                ) else {
                    ctx.skipped
                        .skip("qmgr line without size= or nrcpt=", name, line_no);
                    continue;
                };
                // qmgr logs the line again each time a deferred message returns to the active queue.
                if let std::collections::hash_map::Entry::Vacant(slot) = pending.entry(key) {
                    let sender = ctx.domains.of_address(address);
                    let nrcpt = u32::try_from(nrcpt).unwrap_or(u32::MAX);
                    slot.insert(Pending {
                        time_us: t,
                        size,
                        nrcpt,
                        sender,
                        line: line_no,
                        rcpt: Vec::new(),
                        first_address: None,
                    });
                }
            } else if body == b"removed" {
                if let Some(p) = pending.remove(&key) {
                    finish(name, &p, ctx, sink, &mut rcpt_scratch);
                }
            } else {
                ctx.ignored += 1;
            }
            continue;
        }
        if !AGENTS.contains(&daemon) || !body.starts_with(b"to=") {
            ctx.ignored += 1;
            continue;
        }
        let Some((address, after)) = angle(&body[3..]) else {
            ctx.skipped.skip("to= without <address>", name, line_no);
            continue;
        };
        let Some(status) = field(after, b"status=") else {
            ctx.skipped
                .skip("delivery line without status= (cut short?)", name, line_no);
            continue;
        };
        let domain = ctx.domains.of_address(address);
        if let Some(p) = pending.get_mut(&key) {
            let h = hash_bytes(address);
            if !p.rcpt.iter().any(|(a, _)| *a == h) {
                p.rcpt.push((h, domain));
                if ctx.opts.keep_addresses && p.first_address.is_none() {
                    p.first_address = Some(String::from_utf8_lossy(address).into_owned());
                }
            }
        }
        if status == b"sent" {
            match field(after, b"delay=").and_then(seconds_us) {
                Some(us) => sink.delay(domain, us),
                None => ctx
                    .skipped
                    .skip("sent without a readable delay=", name, line_no),
            }
        }
    }
    // Messages still queued when the log ends did arrive: count them with the recipients seen.
    let mut rest: Vec<Pending> = pending.into_values().collect();
    rest.sort_by_key(|p| p.line);
    for p in &rest {
        finish(name, p, ctx, sink, &mut rcpt_scratch);
    }
    Ok(())
}

fn finish(name: &str, p: &Pending, ctx: &mut Ctx<'_>, sink: &mut dyn Sink, scratch: &mut Vec<u32>) {
    scratch.clear();
    scratch.extend(p.rcpt.iter().map(|(_, d)| *d));
    let m = Message {
        time_us: p.time_us,
        size: p.size,
        recipients: p.nrcpt.max(p.rcpt.len() as u32),
        sender: p.sender,
        sender_inside: None,
        rcpt: scratch,
        first_address: p.first_address.as_deref(),
    };
    ctx.deliver(sink, &m, name, p.line);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_numbers_are_read_from_bytes() {
        let rest = b", relay=mx.example.net[192.0.2.1]:25, delay=1.25, delays=0.1/0/0.5/0.6, dsn=2.0.0, status=sent (250 ok)";
        assert_eq!(field(rest, b"status="), Some(&b"sent"[..]));
        assert_eq!(field(rest, b"delay=").and_then(seconds_us), Some(1_250_000));
        assert_eq!(seconds_us(b"0.05"), Some(50_000));
        assert_eq!(seconds_us(b"x"), None);
        assert_eq!(
            angle(b"<a@b.c>, size=1"),
            Some((&b"a@b.c"[..], &b", size=1"[..]))
        );
        assert_ne!(qid_key(b"4F1C2A0B3C"), qid_key(b"4F1C2A0B3D"));
    }
}
