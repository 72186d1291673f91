//! DNS input: `dig` answers and zone files (RFC 1035 master format), read into MX, A, AAAA and CNAME records.

use super::error::{ImportError, Note, NoteKind, Prov};
use super::facts::DnsRecord;

/// Record types the importer uses; other types are read past silently.
const USED: [&str; 4] = ["MX", "A", "AAAA", "CNAME"];
const CLASSES: [&str; 4] = ["IN", "CH", "HS", "CS"];

/// Where names are completed and which TTL applies when a record gives none.
#[derive(Default)]
struct ZoneState {
    origin: Option<String>,
    default_ttl: Option<u64>,
    last_owner: Option<String>,
}

/// Parses a BIND TTL: `3600`, `1h`, `1d`, `1w2d`, `30m`.
fn parse_ttl(text: &str) -> Option<u64> {
    if !text.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    if let Ok(n) = text.parse() {
        return Some(n);
    }
    let mut total = 0u64;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: u64 = number.parse().ok()?;
        number.clear();
        total += n * match c.to_ascii_lowercase() {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return None,
        };
    }
    number.is_empty().then_some(total)
}

fn absolute(name: &str, state: &ZoneState) -> Result<String, String> {
    let lower = name.to_ascii_lowercase();
    if lower == "@" {
        return state
            .origin
            .clone()
            .ok_or_else(|| "`@` used before any $ORIGIN".into());
    }
    if let Some(abs) = lower.strip_suffix('.') {
        return Ok(abs.to_string());
    }
    match &state.origin {
        Some(origin) if origin.is_empty() => Ok(lower),
        Some(origin) => Ok(format!("{lower}.{origin}")),
        // dig prints absolute names; a relative name without an origin is taken as written.
        None => Ok(lower),
    }
}

/// Parses one record's fields; `owner` is `None` when the line started with blank space.
fn record(
    fields: &[&str],
    owner_given: bool,
    state: &mut ZoneState,
    prov: Prov,
) -> Result<Option<DnsRecord>, (usize, String)> {
    let mut i = 0;
    let owner = if owner_given {
        i = 1;
        let o = absolute(fields[0], state).map_err(|m| (0, m))?;
        state.last_owner = Some(o.clone());
        o
    } else {
        state.last_owner.clone().ok_or((
            0,
            "a record continues an owner name that was never given".to_string(),
        ))?
    };
    let mut ttl = None;
    // TTL and class may come in either order before the type.
    for _ in 0..2 {
        match fields.get(i) {
            Some(f) if ttl.is_none() && parse_ttl(f).is_some() => {
                ttl = parse_ttl(f);
                i += 1;
            }
            Some(f) if CLASSES.contains(&f.to_ascii_uppercase().as_str()) => i += 1,
            _ => {}
        }
    }
    let Some(rtype) = fields.get(i).map(|t| t.to_ascii_uppercase()) else {
        return Err((i, format!("record for `{owner}` has no type")));
    };
    if let Some(t) = ttl {
        state.default_ttl.get_or_insert(t);
    }
    if !USED.contains(&rtype.as_str()) {
        return Ok(None);
    }
    let rdata = &fields[i + 1..];
    let (preference, data) = match rtype.as_str() {
        "MX" => {
            let [pref, host, ..] = rdata else {
                return Err((
                    i + 1,
                    format!("MX record for `{owner}` needs a preference and a host"),
                ));
            };
            let p = pref
                .parse::<u32>()
                .map_err(|_| (i + 1, format!("MX preference `{pref}` is not a number")))?;
            (p, absolute(host, state).map_err(|m| (i + 2, m))?)
        }
        _ => {
            let Some(first) = rdata.first() else {
                return Err((i + 1, format!("{rtype} record for `{owner}` has no data")));
            };
            let data = if rtype == "CNAME" {
                absolute(first, state).map_err(|m| (i + 1, m))?
            } else {
                first.to_string()
            };
            (0, data)
        }
    };
    Ok(Some(DnsRecord {
        name: owner,
        ttl: ttl.or(state.default_ttl).unwrap_or(3_600),
        rtype,
        preference,
        data,
        prov,
    }))
}

/// Removes a `;` comment, except inside quotes.
fn strip_comment(line: &str) -> &str {
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => return &line[..i],
            _ => {}
        }
    }
    line
}

/// Column (1-based) of the n-th whitespace-separated field of a line.
fn column_of(line: &str, n: usize) -> usize {
    let mut count = 0;
    let mut in_field = false;
    for (i, c) in line.char_indices() {
        if c.is_whitespace() {
            in_field = false;
        } else if !in_field {
            if count == n {
                return i + 1;
            }
            count += 1;
            in_field = true;
        }
    }
    1
}

/// Parses a zone file.
pub(super) fn zone(
    file: &str,
    text: &str,
    notes: &mut Vec<Note>,
) -> Result<Vec<DnsRecord>, ImportError> {
    let mut state = ZoneState::default();
    let mut out = Vec::new();
    let mut pending = String::new();
    let mut pending_line = 0;
    let mut first_raw = "";
    for (idx, raw) in text.lines().enumerate() {
        let line_no = idx + 1;
        let line = strip_comment(raw);
        if pending.is_empty() {
            pending_line = line_no;
            first_raw = raw;
        }
        pending.push_str(line);
        pending.push(' ');
        // A record in parentheses continues over several lines (SOA).
        if pending.matches('(').count() > pending.matches(')').count() {
            continue;
        }
        let joined = std::mem::take(&mut pending).replace(['(', ')'], " ");
        let fields: Vec<&str> = joined.split_whitespace().collect();
        if fields.is_empty() {
            continue;
        }
        let at = |n: usize, message: String, help: &str| {
            ImportError::at(file, pending_line, message, help).column(if pending_line == line_no {
                column_of(raw, n)
            } else {
                1
            })
        };
        match fields[0].to_ascii_uppercase().as_str() {
            "$ORIGIN" => {
                let Some(o) = fields.get(1) else {
                    return Err(at(
                        0,
                        "$ORIGIN without a name".into(),
                        "write `$ORIGIN contoso.com.`",
                    ));
                };
                state.origin = Some(o.trim_end_matches('.').to_ascii_lowercase());
                continue;
            }
            "$TTL" => {
                state.default_ttl =
                    Some(fields.get(1).and_then(|t| parse_ttl(t)).ok_or_else(|| {
                        at(
                            1,
                            "$TTL needs a time such as 3600 or 1h".into(),
                            "write `$TTL 3600`",
                        )
                    })?);
                continue;
            }
            "$INCLUDE" | "$GENERATE" => {
                let msg = format!(
                    "{} is not followed; records it would add are missing",
                    fields[0]
                );
                notes.push(Note::at(NoteKind::Warning, file, line_no, msg));
                continue;
            }
            _ => {}
        }
        let owner_given = !first_raw.starts_with([' ', '\t']);
        let prov = Prov::new(file, pending_line, "record");
        match record(&fields, owner_given, &mut state, prov) {
            Ok(Some(mut r)) => {
                r.prov.what = format!("{} {} {}", r.name, r.rtype, r.data);
                out.push(r);
            }
            Ok(None) => {}
            Err((field, message)) => {
                return Err(at(
                    field,
                    message,
                    "write records as `name [ttl] [IN] TYPE data`, e.g. `@ 3600 IN MX 10 mail.contoso.com.`",
                ));
            }
        }
    }
    if !pending.trim().is_empty() {
        return Err(ImportError::at(
            file,
            pending_line,
            "a `(` is never closed",
            "close the record's parentheses",
        ));
    }
    Ok(out)
}

/// Parses `dig` output (one or several answers): records of the answer and additional sections.
pub(super) fn dig(
    file: &str,
    text: &str,
    notes: &mut Vec<Note>,
) -> Result<Vec<DnsRecord>, ImportError> {
    let mut state = ZoneState::default();
    let mut in_records = false;
    let mut out = Vec::new();
    for (idx, raw) in text.lines().enumerate() {
        let line_no = idx + 1;
        let line = raw.trim();
        if let Some(section) = line
            .strip_prefix(";; ")
            .and_then(|s| s.strip_suffix(" SECTION:"))
        {
            in_records = matches!(section, "ANSWER" | "ADDITIONAL" | "AUTHORITY");
            continue;
        }
        if line.contains("status: ") && !line.contains("status: NOERROR") {
            let status = line
                .split("status: ")
                .nth(1)
                .unwrap_or("")
                .split(',')
                .next()
                .unwrap_or("");
            notes.push(Note::at(
                NoteKind::Warning,
                file,
                line_no,
                format!("a dig answer has status {status}: no records from it"),
            ));
        }
        if line.is_empty() || line.starts_with(';') {
            if line.is_empty() {
                in_records = false;
            }
            continue;
        }
        if !in_records {
            return Err(ImportError::at(
                file,
                line_no,
                "a record outside dig's ANSWER or ADDITIONAL section",
                "run `dig NAME MX` (not `+short`) and save its whole output",
            ));
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        match record(
            &fields,
            true,
            &mut state,
            Prov::new(file, line_no, "record"),
        ) {
            Ok(Some(mut r)) => {
                r.prov.what = format!("{} {} {}", r.name, r.rtype, r.data);
                out.push(r);
            }
            Ok(None) => {}
            Err((field, message)) => {
                return Err(ImportError::at(
                    file,
                    line_no,
                    message,
                    "keep dig's answer lines as printed: `name ttl IN TYPE data`",
                )
                .column(column_of(raw, field)));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_files_complete_names_and_take_default_ttls() {
        let text = "$ORIGIN contoso.com.\n$TTL 1h\n@ IN SOA ns1 hostmaster (\n  2024 7200 3600 1209600 300 )\n\
                    @ IN MX 0 contoso-com.mail.protection.outlook.com.\n  IN MX 10 backup ; fallback\n\
                    mail 300 IN A 198.51.100.10\nwww IN CNAME mail\ntxt IN TXT \"v=spf1; -all\"\n";
        let mut notes = Vec::new();
        let recs = zone("z", text, &mut notes).unwrap();
        assert_eq!(recs.len(), 4, "{recs:?}");
        assert_eq!(
            (recs[0].name.as_str(), recs[0].ttl, recs[0].preference),
            ("contoso.com", 3_600, 0)
        );
        assert_eq!(recs[0].data, "contoso-com.mail.protection.outlook.com");
        assert_eq!(
            (recs[1].name.as_str(), recs[1].data.as_str()),
            ("contoso.com", "backup.contoso.com")
        );
        assert_eq!((recs[2].ttl, recs[2].data.as_str()), (300, "198.51.100.10"));
        assert_eq!(recs[3].data, "mail.contoso.com");
    }

    #[test]
    fn dig_answers_are_read_from_their_sections() {
        let text = "; <<>> DiG 9.18.24 <<>> fabrikam.com MX\n;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 1\n\n\
                    ;; QUESTION SECTION:\n;fabrikam.com.\t\t\tIN\tMX\n\n;; ANSWER SECTION:\n\
                    fabrikam.com.\t\t3600\tIN\tMX\t10 mail.fabrikam.com.\n\n;; ADDITIONAL SECTION:\n\
                    mail.fabrikam.com.\t300\tIN\tA\t203.0.113.25\n\n;; Query time: 20 msec\n";
        let recs = dig("d", text, &mut Vec::new()).unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!(
            (
                recs[0].rtype.as_str(),
                recs[0].preference,
                recs[0].prov.line
            ),
            ("MX", 10, 8)
        );
        assert_eq!(recs[1].data, "203.0.113.25");
    }

    #[test]
    fn bad_records_are_located_errors() {
        let e = zone(
            "z",
            "$ORIGIN contoso.com.\n@ 3600 IN MX ten mail\n",
            &mut Vec::new(),
        )
        .unwrap_err();
        assert_eq!((e.line, e.column), (2, 14), "{e}");
        let e = zone("z", "@ IN SOA ns1 host ( 1 2 3\n", &mut Vec::new()).unwrap_err();
        assert!(e.message.contains("never closed"), "{e}");
        let e = dig("d", "; <<>> DiG\n0 mail.contoso.com.\n", &mut Vec::new()).unwrap_err();
        assert!(e.help.contains("+short"), "{e}");
        assert_eq!(parse_ttl("1w2d"), Some(777_600));
        assert_eq!(parse_ttl("1x"), None);
    }
}
