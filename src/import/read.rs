//! Reading one source by its detected (or given) kind into facts, and tying transport maps to their Postfix instance.

use super::detect::{self, Cmdlet, TextFormat};
use super::error::{ImportError, Note, NoteKind};
use super::facts::Facts;
use super::ignored::Ignored;
use super::{Source, SourceKind, dns, exo, exserver, postfix, psjson, services, transport_rules};

/// Reads one source into the facts.
pub(super) fn read(
    source: &Source,
    facts: &mut Facts,
    notes: &mut Vec<Note>,
    ignored: &mut Ignored,
) -> Result<(), ImportError> {
    let path = &source.path;
    // A kind given explicitly settles what detection cannot; the parser then locates the problem.
    let fallback = match source.kind {
        SourceKind::ExchangeOnline | SourceKind::ExchangeServer => Some(TextFormat::PsJson),
        SourceKind::Dns => Some(TextFormat::Zone),
        SourceKind::Postfix if source.text.contains('=') => Some(TextFormat::Postconf),
        SourceKind::Postfix => Some(TextFormat::TransportMap),
        SourceKind::Auto => None,
    };
    let format = detect::detect_text(&source.text).or(fallback).ok_or_else(|| {
        ImportError::at(path, 1, "cannot tell what this file is", "give exports as printed: `Get-... | ConvertTo-Json -Depth 5`, `dig NAME MX`, a zone file, `postconf -n` or a transport map")
    })?;
    let fits = match source.kind {
        SourceKind::Auto => true,
        SourceKind::ExchangeOnline | SourceKind::ExchangeServer => format == TextFormat::PsJson,
        SourceKind::Dns => matches!(format, TextFormat::Dig | TextFormat::Zone),
        SourceKind::Postfix => matches!(format, TextFormat::Postconf | TextFormat::TransportMap),
    };
    if !fits {
        return Err(ImportError::at(
            path,
            1,
            format!(
                "this looks like {}, not a {} export",
                format.describe(),
                source.kind
            ),
            "give the matching kind, or `auto`",
        ));
    }
    let what = match format {
        TextFormat::PsJson => read_json(source, facts, notes, ignored)?,
        TextFormat::Dig => {
            facts.dns.extend(dns::dig(path, &source.text, notes)?);
            "dig answers".to_string()
        }
        TextFormat::Zone => {
            facts.dns.extend(dns::zone(path, &source.text, notes)?);
            "DNS zone file".to_string()
        }
        TextFormat::Postconf => {
            facts
                .postfix
                .push(postfix::postconf(path, &source.text, notes)?);
            "Postfix postconf -n".to_string()
        }
        TextFormat::TransportMap => {
            facts
                .transport_maps
                .push((path.clone(), postfix::transport_map(path, &source.text)?));
            "Postfix transport map".to_string()
        }
    };
    facts.files.push((path.clone(), what));
    Ok(())
}

fn read_json(
    source: &Source,
    facts: &mut Facts,
    notes: &mut Vec<Note>,
    ignored: &mut Ignored,
) -> Result<String, ImportError> {
    let objects = psjson::load(&source.path, &source.text)?;
    if objects.is_empty() {
        notes.push(Note::at(
            NoteKind::Warning,
            &source.path,
            1,
            "the export holds no objects",
        ));
        return Ok("empty export".into());
    }
    let told = || {
        let votes: Vec<bool> = objects
            .iter()
            .filter_map(|o| {
                detect::classify(o)
                    .and_then(Cmdlet::online_only)
                    .or_else(|| detect::side(o))
            })
            .collect();
        (!votes.is_empty() && votes.iter().all(|v| *v == votes[0])).then(|| votes[0])
    };
    let online_file = match source.kind {
        SourceKind::ExchangeOnline => Some(true),
        SourceKind::ExchangeServer => Some(false),
        _ => told(),
    };
    let mut seen: Vec<&str> = Vec::new();
    for obj in &objects {
        let Some(cmdlet) = detect::classify(obj) else {
            return Err(ImportError::at(
                &source.path,
                obj.line,
                "this object matches none of the supported cmdlets",
                "export Get-AcceptedDomain, Get-OutboundConnector, Get-InboundConnector, Get-TransportRule, Get-HostedConnectionFilterPolicy, Get-TransportConfig, Get-SendConnector, Get-ReceiveConnector or Get-TransportService",
            ));
        };
        // Only Exchange Online rules can route to a connector; on-premises ones are ignored either way.
        let fallback = (cmdlet == Cmdlet::TransportRule).then_some(true);
        let Some(online) = cmdlet.online_only().or(online_file).or(fallback) else {
            return Err(ImportError::at(
                &source.path,
                obj.line,
                format!(
                    "cannot tell whether this {} output is Exchange Online's or Exchange Server's",
                    cmdlet.name()
                ),
                "give the file's kind: `mailflow import exchange-online FILE` or `exchange-server FILE`",
            ));
        };
        if source.kind != SourceKind::Auto && online != (source.kind == SourceKind::ExchangeOnline)
        {
            let side = if online {
                "Exchange Online"
            } else {
                "Exchange Server"
            };
            return Err(ImportError::at(
                &source.path,
                obj.line,
                format!(
                    "{} output is {side}'s, but the file was given as {}",
                    cmdlet.name(),
                    source.kind
                ),
                "give the matching kind, or `auto`",
            ));
        }
        if !seen.contains(&cmdlet.name()) {
            seen.push(cmdlet.name());
        }
        if online {
            facts.exo.present = true;
        } else {
            facts.exchange.present = true;
        }
        match (cmdlet, online) {
            (Cmdlet::AcceptedDomain, true) => {
                facts.exo.accepted.push(exo::accepted_domain(obj, ignored)?)
            }
            (Cmdlet::AcceptedDomain, false) => facts
                .exchange
                .accepted
                .push(exo::accepted_domain(obj, ignored)?),
            (Cmdlet::OutboundConnector, _) => facts.exo.outbound.push(exo::outbound(obj, ignored)?),
            (Cmdlet::InboundConnector, _) => facts.exo.inbound.push(exo::inbound(obj, ignored)?),
            (Cmdlet::TransportRule, true) => facts
                .exo
                .rules
                .extend(transport_rules::transport_rule(obj, ignored, notes)?),
            (Cmdlet::ConnectionFilter, _) => {
                exo::tenant_settings(obj, cmdlet.name(), &mut facts.exo, ignored)?
            }
            (Cmdlet::TransportConfig, true) => {
                exo::tenant_settings(obj, cmdlet.name(), &mut facts.exo, ignored)?
            }
            (Cmdlet::SendConnector, _) => {
                let route = exserver::send_connector(obj, ignored, &mut facts.exchange, notes)?;
                facts.exchange.send.push(route);
            }
            (Cmdlet::ReceiveConnector, _) => {
                exserver::receive_connector(obj, ignored, &mut facts.exchange, notes)?
            }
            (Cmdlet::TransportService, _) => facts
                .exchange
                .services
                .push(services::transport_service(obj, ignored)?),
            (Cmdlet::TransportRule | Cmdlet::TransportConfig, false) => {
                notes.push(Note::at(
                    NoteKind::Ignored,
                    &source.path,
                    obj.line,
                    format!("Exchange Server {} is not modelled; ignored", cmdlet.name()),
                ));
            }
        }
    }
    let side = match online_file {
        Some(true) => "Exchange Online ",
        Some(false) => "Exchange Server ",
        None => "",
    };
    Ok(format!(
        "{side}{} ({} objects)",
        seen.join(", "),
        objects.len()
    ))
}

/// Ties each transport map to the Postfix instance whose `transport_maps` names it.
pub(super) fn attach_transport_maps(facts: &mut Facts, notes: &mut Vec<Note>) {
    for (path, entries) in std::mem::take(&mut facts.transport_maps) {
        let base = path.rsplit(['/', '\\']).next().unwrap_or(&path).to_string();
        let named = facts.postfix.iter().position(|p| {
            p.param("transport_maps").is_some_and(|(v, _)| {
                postfix::list(v)
                    .iter()
                    .any(|m| m.rsplit(['/', ':']).next() == Some(base.as_str()))
            })
        });
        let target = named.or((facts.postfix.len() == 1).then_some(0));
        match target {
            Some(i) => {
                if named.is_none() {
                    notes.push(Note::at(NoteKind::Assumption, &path, 1, format!("transport map {base} is not named by transport_maps; taken as the only Postfix instance's")));
                }
                facts.postfix[i].transport.extend(entries);
            }
            None => notes.push(Note::at(
                NoteKind::Warning,
                &path,
                1,
                "no postconf -n input names this transport map; ignored",
            )),
        }
    }
}
