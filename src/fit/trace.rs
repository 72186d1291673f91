//! Exchange Online message trace exports (`Get-MessageTrace | Export-Csv`): one row per recipient, grouped into messages.

use std::io::BufRead;

use super::clock;
use super::error::FitError;
use super::message::{Ctx, FxMap, Message, Sink, hash_bytes};

/// A message gathered from its rows.
struct Gathered {
    time_us: i64,
    size: u64,
    sender: u32,
    rcpt: Vec<(u64, u32)>,
    line: u64,
    first_address: Option<String>,
}

/// Reads one message trace CSV. Rows come newest first, so messages are grouped before use.
pub(super) fn parse(
    name: &str,
    reader: &mut dyn BufRead,
    ctx: &mut Ctx<'_>,
    sink: &mut dyn Sink,
) -> Result<(), FitError> {
    // Windows PowerShell's Export-Csv starts with `#TYPE ...`: a comment to the CSV reader.
    let mut csv = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .flexible(true)
        .from_reader(reader);
    let headers = csv
        .byte_headers()
        .map_err(|e| {
            FitError::input(
                name,
                1,
                format!("unreadable CSV header: {e}"),
                "export with `Get-MessageTrace ... | Export-Csv -NoTypeInformation FILE`",
            )
        })?
        .clone();
    let column = |want: &str| {
        headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(want.as_bytes()))
    };
    let need = |want: &str| {
        column(want).ok_or_else(|| FitError::input(name, 1, format!("the message trace has no `{want}` column"), "export Received, SenderAddress, RecipientAddress, Size (and MessageTraceId) columns"))
    };
    let (received, sender_col, rcpt_col, size_col) = (
        need("Received")?,
        need("SenderAddress")?,
        need("RecipientAddress")?,
        need("Size")?,
    );
    let id_col = column("MessageTraceId").or_else(|| column("MessageId"));
    let offset_us = i64::from(ctx.opts.utc_offset_minutes) * 60_000_000;
    let mut messages: FxMap<u64, Gathered> = FxMap::default();
    let mut rec = csv::ByteRecord::new();
    let mut last_pos = 0u64;
    loop {
        match csv.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Err(FitError::input(
                    name,
                    line,
                    format!("unreadable CSV: {e}"),
                    "give the export as Export-Csv wrote it (a cut-off quoted field breaks the file)",
                ));
            }
        }
        let pos = rec.position().map_or(last_pos, |p| p.byte());
        ctx.advance(pos.saturating_sub(last_pos));
        last_pos = pos;
        ctx.lines += 1;
        let line = rec.position().map_or(0, |p| p.line());
        let text = |i: usize| std::str::from_utf8(rec.get(i).unwrap_or(b"")).unwrap_or("");
        let stamp = text(received);
        // Received is UTC, written as ISO 8601 or in the exporting machine's culture.
        let t = match clock::iso(stamp.as_bytes()) {
            Some((t, off, _)) => Some(t - i64::from(off.unwrap_or(0)) * 60_000_000),
            None => clock::slashed(stamp, ctx.opts.day_first),
        };
        let Some(t) = t.map(|t| t + offset_us) else {
            ctx.skipped.skip("unreadable Received date", name, line);
            continue;
        };
        let Ok(size) = text(size_col).trim().parse::<u64>() else {
            ctx.skipped.skip("Size is not a number", name, line);
            continue;
        };
        let sender = ctx.domains.of_address(rec.get(sender_col).unwrap_or(b""));
        let address = rec.get(rcpt_col).unwrap_or(b"");
        let domain = ctx.domains.of_address(address);
        let id = match id_col {
            Some(c) if !rec.get(c).unwrap_or(b"").is_empty() => {
                hash_bytes(rec.get(c).unwrap_or(b""))
            }
            _ => hash_bytes(format!("{t}/{}/{size}", text(sender_col)).as_bytes()),
        };
        let entry = messages.entry(id).or_insert_with(|| Gathered {
            time_us: t,
            size,
            sender,
            rcpt: Vec::new(),
            line,
            first_address: None,
        });
        entry.time_us = entry.time_us.min(t);
        let h = hash_bytes(address);
        if !entry.rcpt.iter().any(|(a, _)| *a == h) {
            entry.rcpt.push((h, domain));
            if ctx.opts.keep_addresses && entry.first_address.is_none() {
                entry.first_address = Some(String::from_utf8_lossy(address).into_owned());
            }
        }
    }
    let mut all: Vec<Gathered> = messages.into_values().collect();
    all.sort_by_key(|g| (g.time_us, g.line));
    let mut rcpt = Vec::new();
    for g in &all {
        rcpt.clear();
        rcpt.extend(g.rcpt.iter().map(|(_, d)| *d));
        let m = Message {
            time_us: g.time_us,
            size: g.size,
            recipients: rcpt.len() as u32,
            sender: g.sender,
            sender_inside: None,
            rcpt: &rcpt,
            first_address: g.first_address.as_deref(),
        };
        ctx.deliver(sink, &m, name, g.line);
    }
    if !all.is_empty() {
        ctx.notes.push(format!(
            "{name}: a message trace gives arrivals only, no delivery times: no delays from it"
        ));
    }
    Ok(())
}
