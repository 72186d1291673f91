//! Writing a node: accepted domains, retry preset and overrides, limits, certificate, firewall, spam filter, partner restriction.

use super::emit::{Emitter, comment};
use super::error::{Note, NoteKind};
use super::org::{Node, Retry, Setting, Src};
use super::units::{duration, size};
use super::yaml::{flow_list, flow_map, scalar};

impl Emitter<'_> {
    /// Writes one node.
    pub(super) fn node(&mut self, name: &str, n: &Node) {
        self.y.line(2, format!("{}:", scalar(name)), None);
        self.y.pair(4, "kind", n.kind, comment(&n.src));
        if !n.accepted.is_empty() {
            self.y.line(4, "accepted_domains:", None);
            for (d, (kind, src)) in &n.accepted {
                if *kind == "external_relay" && !self.opts.keys.external_relay {
                    // With no mailboxes on the node, internal relay routes every recipient the same way.
                    self.y.pair(
                        6,
                        d,
                        "internal_relay",
                        Some(format!(
                            "{src} (ExternalRelay; `external_relay` is a new key)"
                        )),
                    );
                } else {
                    self.y.pair(6, d, kind, comment(src));
                }
            }
        }
        if let Some(r) = &n.retry {
            self.retry(name, r);
        }
        if let Some((v, src)) = &n.max_connections_per_destination {
            self.y.pair(
                4,
                "max_connections_per_destination",
                v.to_string(),
                comment(src),
            );
        }
        if let Some((bytes, src)) = &n.max_message_size {
            if self.opts.keys.max_message_size {
                self.y
                    .pair(4, "max_message_size", size(*bytes), comment(src));
            } else {
                self.held_back(4, name, format!("max_message_size: {}", size(*bytes)));
            }
        }
        if !n.inbound.is_empty() {
            if self.opts.keys.inbound {
                self.y.line(4, "inbound:", None);
                for (k, v, src) in &n.inbound {
                    self.y.pair(6, k, v.to_string(), comment(src));
                }
            } else {
                let text: Vec<(&str, String)> = n
                    .inbound
                    .iter()
                    .map(|(k, v, _)| (*k, v.to_string()))
                    .collect();
                self.held_back(4, name, format!("inbound: {}", flow_map(&text)));
            }
        }
        if let Some(c) = &n.certificate {
            self.y.pair(
                4,
                "certificate",
                flow_map(&[("subject", scalar(&c.subject)), ("issuer", c.issuer.into())]),
                comment(&c.src),
            );
        }
        if let Some((allow, src)) = n.firewall.as_ref().filter(|(a, _)| !a.is_empty()) {
            self.y.pair(
                4,
                "firewall",
                flow_map(&[("allow", flow_list(allow))]),
                comment(src),
            );
        }
        if let Some(allow) = &n.spam_filter {
            self.y.line(4, "spam_filter:", None);
            self.y.pair(
                6,
                "quarantine",
                "0.03",
                Some("assumption: share of filtered mail quarantined (no export gives it)".into()),
            );
            self.y
                .pair(6, "scan_time", "{fixed: 30ms}", Some("assumption".into()));
            if !allow.is_empty() {
                self.y.line(6, "allow_list:", None);
                for (node, src) in allow {
                    self.y.line(8, format!("- {}", scalar(node)), comment(src));
                }
            }
        }
        if let Some(a) = &n.accept_from {
            let why = a
                .src
                .iter()
                .map(Src::to_string)
                .collect::<Vec<_>>()
                .join("; ");
            self.y.line(4, "accept_from:", Some(why));
            self.y
                .pair(6, "sender_domains", flow_list(&a.sender_domains), None);
            if !a.nodes.is_empty() {
                self.y.pair(6, "nodes", flow_list(&a.nodes), None);
            }
            self.y
                .pair(6, "require_tls", a.require_tls.to_string(), None);
            if let Some(c) = &a.certificate_name {
                if self.opts.keys.accept_certificate_name {
                    self.y.pair(
                        6,
                        "certificate_name",
                        scalar(c),
                        Some("RestrictDomainsToCertificate + TlsSenderCertificateName".into()),
                    );
                } else {
                    self.held_back(6, name, format!("accept_from.certificate_name: {c}"));
                }
            }
            if !a.source_ips.is_empty() {
                if self.opts.keys.source_ips {
                    self.y.pair(
                        6,
                        "source_ips",
                        flow_list(&a.source_ips),
                        Some("RestrictDomainsToIPAddresses + SenderIPAddresses".into()),
                    );
                } else {
                    self.held_back(
                        6,
                        name,
                        format!("accept_from.source_ips: {}", flow_list(&a.source_ips)),
                    );
                }
            }
        }
    }

    fn retry(&mut self, node: &str, r: &Retry) {
        if r.overrides.is_empty() {
            self.y.pair(4, "retry", r.preset, None);
            return;
        }
        if self.opts.keys.retry_overrides {
            self.y.line(4, "retry:", None);
            self.y.pair(6, "preset", r.preset, None);
            for (k, v, src) in &r.overrides {
                let text = match v {
                    Setting::Secs(s) => duration(*s),
                    Setting::Count(c) => c.to_string(),
                };
                self.y.pair(6, k, text, comment(src));
            }
            return;
        }
        let (text, lossy) = super::compat::explicit_retry(r);
        self.y.pair(
            4,
            "retry",
            &text,
            Some(format!(
                "{} with the exported settings, as an explicit policy",
                r.preset
            )),
        );
        if let Some(what) = lossy {
            self.notes.push(Note::general(
                NoteKind::Warning,
                format!("{node}: retry written as `{text}`: {what}"),
            ));
        }
    }
}
