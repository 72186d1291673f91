//! Exchange Server message tracking logs (`MSGTRK*.LOG`): the `#Fields:` header, RECEIVE arrivals, SEND/DELIVER delays.

use std::io::BufRead;

use super::clock::{self, HOUR_US};
use super::error::FitError;
use super::message::{Ctx, FxMap, Message, Sink, hash_bytes};

/// Columns the parser reads, by their `#Fields:` names.
const NEEDED: [&str; 8] = [
    "date-time",
    "event-id",
    "message-id",
    "recipient-address",
    "total-bytes",
    "recipient-count",
    "sender-address",
    "directionality",
];

/// Column positions of the needed fields.
struct Columns([usize; 8]);

impl Columns {
    fn from_header(fields: &[&[u8]], name: &str, line: u64) -> Result<Columns, FitError> {
        let mut at = [0usize; 8];
        for (i, want) in NEEDED.iter().enumerate() {
            // `directionality` only exists from Exchange 2013 on: optional.
            at[i] = match fields
                .iter()
                .position(|f| f.eq_ignore_ascii_case(want.as_bytes()))
            {
                Some(p) => p,
                None if *want == "directionality" => usize::MAX,
                None => {
                    return Err(FitError::input(
                        name,
                        line,
                        format!("the #Fields: header has no `{want}` column"),
                        "give the message tracking log as Exchange writes it (MSGTRK*.LOG)",
                    ));
                }
            };
        }
        Ok(Columns(at))
    }

    fn get<'r>(&self, rec: &'r csv::ByteRecord, which: usize) -> &'r [u8] {
        rec.get(self.0[which]).unwrap_or(b"")
    }
}

/// Reads one message tracking log.
pub(super) fn parse(
    name: &str,
    reader: &mut dyn BufRead,
    ctx: &mut Ctx<'_>,
    sink: &mut dyn Sink,
    seen: &mut FxMap<u64, i64>,
) -> Result<(), FitError> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let mut rec = csv::ByteRecord::new();
    let mut columns: Option<Columns> = None;
    let mut last_pos = 0u64;
    let offset_us = i64::from(ctx.opts.utc_offset_minutes) * 60_000_000;
    let mut rcpt: Vec<u32> = Vec::new();
    loop {
        match csv.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    ctx.skipped.skip("unreadable record", name, line);
                    continue;
                }
                return Err(FitError::input(
                    name,
                    line,
                    format!("unreadable CSV: {e}"),
                    "give the log file as Exchange wrote it",
                ));
            }
        }
        let pos = rec.position().map_or(last_pos, |p| p.byte());
        ctx.advance(pos.saturating_sub(last_pos));
        last_pos = pos;
        let line = rec.position().map_or(0, |p| p.line());
        ctx.lines += 1;
        let first = rec.get(0).unwrap_or(b"");
        if first.starts_with(b"#") {
            if let Some(f) = first
                .strip_prefix(b"#Fields: ")
                .or_else(|| first.strip_prefix(b"#Fields:"))
            {
                let mut fields: Vec<&[u8]> = vec![f];
                fields.extend(rec.iter().skip(1));
                columns = Some(Columns::from_header(&fields, name, line)?);
            }
            continue;
        }
        let Some(cols) = &columns else {
            return Err(FitError::input(
                name,
                line,
                "a record before the #Fields: header",
                "give the whole log file, from its first line",
            ));
        };
        if rec.len() < 10 {
            ctx.skipped
                .skip("record with too few fields (cut short?)", name, line);
            continue;
        }
        let Some((t, offset, _)) = clock::iso(cols.get(&rec, 0)) else {
            ctx.skipped.skip("unreadable date-time", name, line);
            continue;
        };
        // Message tracking writes UTC; the profile needs the organisation's local time.
        let t = t - i64::from(offset.unwrap_or(0)) * 60_000_000 + offset_us;
        let event = cols.get(&rec, 1);
        let id = cols.get(&rec, 2);
        let key = hash_bytes(id);
        match event {
            b"RECEIVE" => {
                if id.is_empty() || seen.contains_key(&key) {
                    // The same message received again (another server, or the mailbox transport's log).
                    ctx.ignored += 1;
                    continue;
                }
                seen.insert(key, t);
                rcpt.clear();
                for address in cols
                    .get(&rec, 3)
                    .split(|c| *c == b';')
                    .filter(|a| !a.is_empty())
                {
                    let d = ctx.domains.of_address(address);
                    rcpt.push(d);
                }
                let first = cols
                    .get(&rec, 3)
                    .split(|c| *c == b';')
                    .next()
                    .unwrap_or(b"");
                let first_address = ctx
                    .opts
                    .keep_addresses
                    .then(|| String::from_utf8_lossy(first).into_owned());
                let size = std::str::from_utf8(cols.get(&rec, 4))
                    .ok()
                    .and_then(|s| s.parse::<u64>().ok());
                let Some(size) = size else {
                    ctx.skipped
                        .skip("RECEIVE without a number in total-bytes", name, line);
                    continue;
                };
                let count = std::str::from_utf8(cols.get(&rec, 5))
                    .ok()
                    .and_then(|s| s.parse::<u32>().ok())
                    .unwrap_or(rcpt.len() as u32);
                let sender = ctx.domains.of_address(cols.get(&rec, 6));
                let direction = if cols.0[7] == usize::MAX {
                    b"" as &[u8]
                } else {
                    cols.get(&rec, 7)
                };
                let sender_inside = match direction {
                    b"Originating" => Some(true),
                    b"Incoming" => Some(false),
                    _ => None,
                };
                let m = Message {
                    time_us: t,
                    size,
                    recipients: count.max(1),
                    sender,
                    sender_inside,
                    rcpt: &rcpt,
                    first_address: first_address.as_deref(),
                };
                ctx.deliver(sink, &m, name, line);
            }
            b"SEND" | b"DELIVER" => match seen.get(&key) {
                Some(arrival) if t >= *arrival && t - arrival < 30 * 24 * HOUR_US => {
                    let delay = (t - arrival) as u64;
                    for address in cols
                        .get(&rec, 3)
                        .split(|c| *c == b';')
                        .filter(|a| !a.is_empty())
                    {
                        let d = ctx.domains.of_address(address);
                        sink.delay(d, delay);
                    }
                }
                _ => ctx.ignored += 1,
            },
            _ => ctx.ignored += 1,
        }
    }
    Ok(())
}
