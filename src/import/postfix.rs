//! Postfix input: `postconf -n` output (with `$name` references expanded) and the transport map it names.

use super::error::{ImportError, Note, NoteKind, Prov};
use super::facts::{PostfixFacts, TransportEntry};

/// Parameters the importer turns into scenario values.
pub(super) const MODELLED: &[&str] = &[
    "myhostname",
    "mydomain",
    "mydestination",
    "relay_domains",
    "relayhost",
    "transport_maps",
    "smtp_tls_security_level",
    "smtpd_tls_cert_file",
    "smtpd_tls_chain_files",
    "message_size_limit",
    "queue_run_delay",
    "minimal_backoff_time",
    "maximal_backoff_time",
    "maximal_queue_lifetime",
    "bounce_queue_lifetime",
    "default_destination_concurrency_limit",
    "smtp_destination_concurrency_limit",
    "smtpd_client_connection_count_limit",
    "default_process_limit",
    "virtual_mailbox_domains",
    "virtual_alias_domains",
    "relay_recipient_maps",
    "smtp_tls_policy_maps",
    "content_filter",
];

/// Parameters (and name prefixes or suffixes) known to have no bearing on the simulated mail flow.
const KNOWN: &[&str] = &[
    "alias_database",
    "alias_maps",
    "compatibility_level",
    "inet_interfaces",
    "inet_protocols",
    "mailbox_size_limit",
    "mynetworks",
    "myorigin",
    "recipient_delimiter",
    "biff",
    "append_dot_mydomain",
    "home_mailbox",
    "mailbox_command",
    "mail_owner",
    "setgid_group",
    "mailq_path",
    "newaliases_path",
    "sendmail_path",
    "readme_directory",
    "virtual_mailbox_base",
    "virtual_mailbox_maps",
    "virtual_alias_maps",
    "virtual_uid_maps",
    "virtual_gid_maps",
    "virtual_minimum_uid",
    "unknown_local_recipient_reject_code",
    "debug_peer_level",
    "debugger_command",
    "maillog_file",
    "syslog_name",
    "smtputf8_enable",
    "disable_vrfy_command",
    "smtp_tls_CAfile",
    "smtp_tls_CApath",
    "smtpd_tls_key_file",
    "smtpd_tls_security_level",
    "smtpd_tls_auth_only",
    "smtpd_banner",
    "smtpd_helo_required",
    "milter_default_action",
    "smtpd_milters",
    "non_smtpd_milters",
    "milter_protocol",
    "local_recipient_maps",
    "local_transport",
    "virtual_transport",
    "relay_transport",
    "default_transport",
    "tls_random_source",
    "smtp_tls_note_starttls_offer",
];
const KNOWN_AFFIXES: &[&str] = &[
    "_restrictions",
    "_directory",
    "_loglevel",
    "_session_cache_database",
    "smtpd_sasl_",
    "smtp_sasl_",
    "_protocols",
    "_ciphers",
    "_exclude_ciphers",
    "_mandatory_",
];

fn known(name: &str) -> bool {
    MODELLED.contains(&name)
        || KNOWN.contains(&name)
        || KNOWN_AFFIXES.iter().any(|a| name.contains(a))
}

/// Expands `$name`, `${name}` and `$(name)` from the other parameters (a few levels deep).
fn expand(value: &str, params: &[(String, String, usize)], depth: usize) -> String {
    if depth > 5 || !value.contains('$') {
        return value.to_string();
    }
    let mut out = String::new();
    let mut rest = value;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let (name, used) = match after.chars().next() {
            Some(open @ ('{' | '(')) => {
                let close = if open == '{' { '}' } else { ')' };
                match after.find(close) {
                    Some(end) => (&after[1..end], end + 1),
                    None => ("", 0),
                }
            }
            _ => {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], end)
            }
        };
        match params.iter().find(|(k, _, _)| k == name) {
            Some((_, v, _)) if !name.is_empty() => out.push_str(&expand(v, params, depth + 1)),
            _ => out.push_str(&rest[pos..pos + 1 + used]),
        }
        rest = &after[used..];
    }
    out.push_str(rest);
    out
}

/// Parses `postconf -n` output.
pub(super) fn postconf(
    file: &str,
    text: &str,
    notes: &mut Vec<Note>,
) -> Result<PostfixFacts, ImportError> {
    let mut params: Vec<(String, String, usize)> = Vec::new();
    for (idx, raw) in text.lines().enumerate() {
        let line_no = idx + 1;
        if raw.trim().is_empty() || raw.trim_start().starts_with('#') {
            continue;
        }
        if raw.starts_with([' ', '\t']) {
            // main.cf style continuation of the previous value.
            match params.last_mut() {
                Some(last) => {
                    last.1.push(' ');
                    last.1.push_str(raw.trim());
                    continue;
                }
                None => {
                    return Err(ImportError::at(
                        file,
                        line_no,
                        "a continuation line before any parameter",
                        "paste the output of `postconf -n` unchanged",
                    ));
                }
            }
        }
        let Some((name, value)) = raw.split_once('=') else {
            return Err(ImportError::at(
                file,
                line_no,
                format!("`{}` is not a `name = value` line", raw.trim()),
                "paste the output of `postconf -n` unchanged",
            ));
        };
        let name = name.trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(ImportError::at(
                file,
                line_no,
                format!("`{name}` is not a Postfix parameter name"),
                "parameter names are letters, digits and `_`",
            ));
        }
        params.push((name.to_string(), value.trim().to_string(), line_no));
    }
    if params.is_empty() {
        return Err(ImportError::at(
            file,
            1,
            "no `name = value` lines",
            "run `postconf -n > FILE` on the Postfix host",
        ));
    }
    for (name, _, line) in &params {
        if !known(name) {
            notes.push(Note::at(
                NoteKind::Ignored,
                file,
                *line,
                format!("Postfix parameter `{name}` is not modelled by mailflow; ignored"),
            ));
        }
    }
    let expanded = params
        .iter()
        .map(|(k, v, l)| (k.clone(), expand(v, &params, 0), *l))
        .collect();
    Ok(PostfixFacts {
        file: file.to_string(),
        params: expanded,
        transport: Vec::new(),
    })
}

/// Parses a transport map source file (`pattern transport:nexthop`).
pub(super) fn transport_map(file: &str, text: &str) -> Result<Vec<TransportEntry>, ImportError> {
    let mut out: Vec<TransportEntry> = Vec::new();
    for (idx, raw) in text.lines().enumerate() {
        let line_no = idx + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = line.splitn(2, char::is_whitespace);
        let pattern = fields.next().unwrap_or_default().to_ascii_lowercase();
        let Some(result) = fields.next().map(str::trim).filter(|r| !r.is_empty()) else {
            return Err(ImportError::at(
                file,
                line_no,
                format!("`{pattern}` has no `transport:nexthop`"),
                "write `domain  smtp:[host]:25` (see transport(5))",
            ));
        };
        let Some((transport, nexthop)) = result.split_once(':') else {
            let column = raw.find(result).map_or(1, |c| c + 1);
            return Err(ImportError::at(file, line_no, format!("`{result}` is not `transport:nexthop`"), "write e.g. `smtp:[mail.contoso.com]:25`, `relay:`, or `:[gateway]` (see transport(5))").column(column));
        };
        let prov = Prov::new(file, line_no, format!("transport {pattern} {result}"));
        out.push(TransportEntry {
            pattern,
            transport: transport.trim().to_ascii_lowercase(),
            nexthop: nexthop.trim().to_string(),
            prov,
        });
    }
    Ok(out)
}

/// A Postfix list parameter split on commas and blanks.
pub(super) fn list(value: &str) -> Vec<String> {
    value
        .split([',', ' ', '\t'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

/// The host of a next hop (`[mail.contoso.com]:25` → `mail.contoso.com`), and whether it bypasses MX.
pub(super) fn nexthop_host(nexthop: &str) -> Option<(String, bool)> {
    let hop = nexthop.trim();
    if hop.is_empty() {
        return None;
    }
    if let Some(inner) = hop.strip_prefix('[') {
        let host = inner.split(']').next().unwrap_or(inner);
        return Some((host.to_ascii_lowercase(), true));
    }
    let host = hop.split(':').next().unwrap_or(hop);
    Some((host.to_ascii_lowercase(), false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_expanded_and_unknown_parameters_noted() {
        let text = "mydomain = contoso.com\nmyhostname = relay1.$mydomain\nmydestination = $myhostname, localhost.${mydomain}\n\
                    relay_domains = $(mydomain)\n  lists.contoso.com\nfrobnicate = yes\nsmtpd_recipient_restrictions = permit\n";
        let mut notes = Vec::new();
        let facts = postconf("pc", text, &mut notes).unwrap();
        assert_eq!(facts.param("myhostname").unwrap().0, "relay1.contoso.com");
        assert_eq!(
            facts.param("mydestination").unwrap().0,
            "relay1.contoso.com, localhost.contoso.com"
        );
        assert_eq!(
            list(facts.param("relay_domains").unwrap().0),
            vec!["contoso.com", "lists.contoso.com"]
        );
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert_eq!(notes[0].line, Some(6));
    }

    #[test]
    fn malformed_lines_are_located() {
        let e = postconf(
            "pc",
            "myhostname = a\nthis is not postconf\n",
            &mut Vec::new(),
        )
        .unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        let e = transport_map(
            "t",
            "# map\ncontoso.com smtp:[mail]\nfabrikam.com mail.fabrikam.com\n",
        )
        .unwrap_err();
        assert_eq!((e.line, e.column), (3, 14), "{e}");
        let e = transport_map("t", "lonely.example\n").unwrap_err();
        assert_eq!(e.line, 1);
    }

    #[test]
    fn next_hops_tell_whether_mx_is_looked_up() {
        assert_eq!(
            nexthop_host("[mail.contoso.com]:25"),
            Some(("mail.contoso.com".into(), true))
        );
        assert_eq!(
            nexthop_host("relay.example.net:587"),
            Some(("relay.example.net".into(), false))
        );
        assert_eq!(nexthop_host(""), None);
        let map = transport_map(
            "t",
            "contoso.com  smtp:[mail.contoso.com]:25\n.contoso.com :\n",
        )
        .unwrap();
        assert_eq!(
            (map[1].transport.as_str(), map[1].nexthop.as_str()),
            ("", "")
        );
    }
}
