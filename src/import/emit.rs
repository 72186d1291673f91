//! Writing the organisation as a scenario file: every value with a comment saying where it came from.

use super::ImportOptions;
use super::error::{Note, NoteKind};
use super::org::{Connector, Domain, Org, Src};
use super::units::duration;
use super::yaml::{Yaml, flow_list, flow_map, number, scalar};

/// The writer: output, options, and notes about held-back keys.
pub(super) struct Emitter<'a> {
    /// The document so far.
    pub y: Yaml,
    /// Options.
    pub opts: &'a ImportOptions,
    /// Notes for the user.
    pub notes: &'a mut Vec<Note>,
}

/// A source as an end-of-line comment.
pub(super) fn comment(src: &Src) -> Option<String> {
    Some(src.to_string())
}

impl<'a> Emitter<'a> {
    /// A writer for these options.
    pub(super) fn new(opts: &'a ImportOptions, notes: &'a mut Vec<Note>) -> Self {
        Emitter {
            y: Yaml::default(),
            opts,
            notes,
        }
    }

    /// Writes a comment and a note for a key the scenario loader does not accept yet.
    pub(super) fn held_back(&mut self, indent: usize, at: &str, what: String) {
        self.y.comment(
            indent,
            &format!("not written (the scenario format has no such key yet): {what}"),
        );
        self.notes.push(Note::general(
            NoteKind::NewKey,
            format!("{at}: `{what}` held back: the scenario format has no such key yet"),
        ));
    }

    /// The whole scenario.
    pub(super) fn scenario(
        mut self,
        org: &Org,
        files: &[(String, String)],
        traffic: &str,
    ) -> String {
        self.y.comment(0, "Imported by `mailflow import` from:");
        for (file, what) in files {
            self.y.comment(0, &format!("  {file}  ({what})"));
        }
        self.y.comment(0, "\nEach value's comment says where it came from (file:line and property). `# assumption:`\nmarks a default that fills a gap in the exports: review those first. Check the routes with\n`mailflow route THIS.yaml --to user@domain` before running.\n");
        let name = self.opts.name.clone().unwrap_or_else(|| {
            format!(
                "{}-import",
                super::org::slug(org.default_domain.as_deref().unwrap_or("organisation"))
            )
        });
        self.y.pair(0, "name", scalar(&name), None);
        self.y.pair(
            0,
            "description",
            scalar(&format!("Imported from {} export files", files.len())),
            None,
        );
        self.y.pair(
            0,
            "duration",
            &self.opts.duration,
            Some("assumption: simulated horizon (not in any export)".into()),
        );
        self.y.pair(0, "seed", "1", None);
        self.y.blank();
        self.y.line(0, "domains:", None);
        for (d, dom) in &org.domains {
            self.domain(d, dom);
        }
        self.y.blank();
        self.y.line(0, "nodes:", None);
        for (n, node) in &org.nodes {
            self.node(n, node);
        }
        self.y.blank();
        self.connectors(org);
        self.rules(org);
        self.y.raw(traffic);
        self.y.render()
    }

    fn domain(&mut self, name: &str, d: &Domain) {
        self.y.line(2, format!("{}:", scalar(name)), None);
        let mx = match d.mx.as_slice() {
            [(host, 0)] => scalar(host),
            many => format!(
                "[{}]",
                many.iter()
                    .map(|(h, p)| flow_map(&[("host", scalar(h)), ("preference", p.to_string())]))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        self.y.pair(4, "mx", mx, comment(&d.mx_src));
        if let Some(ttl) = d.ttl {
            self.y.pair(4, "ttl", duration(ttl), None);
        }
        let shares: Vec<(&str, String)> = d
            .mailboxes
            .iter()
            .map(|(n, s)| (n.as_str(), number(*s)))
            .collect();
        self.y
            .pair(4, "mailboxes", flow_map(&shares), comment(&d.mailboxes_src));
    }

    fn connectors(&mut self, org: &Org) {
        let written: Vec<&Connector> = org
            .connectors
            .iter()
            .filter(|c| c.enabled || self.opts.keys.enabled)
            .collect();
        for c in org
            .connectors
            .iter()
            .filter(|c| !c.enabled && !self.opts.keys.enabled)
        {
            self.notes.push(Note::general(NoteKind::NewKey, format!("connector {} is disabled in its export ({}); left out: the scenario format has no `enabled` key yet", c.name, c.src)));
        }
        if written.is_empty() {
            self.y.line(0, "connectors: []", None);
            self.y.blank();
            return;
        }
        self.y.line(0, "connectors:", None);
        for c in written {
            for r in &c.remarks {
                self.y.comment(2, r);
            }
            self.y
                .line(2, format!("- name: {}", scalar(&c.name)), comment(&c.src));
            self.y.pair(4, "from", scalar(&c.from), None);
            self.y.pair(4, "to", scalar(&c.to), None);
            if let Some((host, ttl, assumed)) = &c.smart_host {
                let why = if *assumed {
                    "assumption: TTL 1h, no address record in the DNS input"
                } else {
                    "TTL of its DNS record"
                };
                if self.opts.keys.smart_host {
                    self.y.pair(
                        4,
                        "smart_host",
                        flow_map(&[("name", scalar(host)), ("ttl", duration(*ttl))]),
                        Some(why.into()),
                    );
                } else {
                    self.y.comment(
                        4,
                        &format!("smart host {host} (the `smart_host` key is new)"),
                    );
                }
            }
            self.y.pair(4, "domains", flow_list(&c.domains), None);
            if !c.mailboxes_on.is_empty() {
                self.y
                    .pair(4, "mailboxes_on", flow_list(&c.mailboxes_on), None);
            }
            let t = &c.tls;
            let mut parts = vec![("mode", t.mode.to_string())];
            if let Some(v) = t.validate {
                parts.push(("validate", v.into()));
            }
            if let Some(d) = &t.tls_domain {
                parts.push(("tls_domain", scalar(d)));
            }
            match &t.certificate_name {
                Some(n) if self.opts.keys.tls_certificate_name => {
                    parts.push(("certificate_name", scalar(n)))
                }
                Some(n) => self.y.comment(
                    4,
                    &format!("sends with certificate {n} (`tls.certificate_name` is new)"),
                ),
                None => {}
            }
            let why = t
                .assumed
                .clone()
                .map(|a| format!("assumption: {a}"))
                .or_else(|| t.prov.as_ref().map(|p| p.to_string()));
            self.y.pair(4, "tls", flow_map(&parts), why);
            if c.centralized {
                if self.opts.keys.centralized_transport {
                    self.y.pair(
                        4,
                        "centralized_transport",
                        "true",
                        Some("RouteAllMessagesViaOnPremises".into()),
                    );
                } else {
                    self.y.comment(
                        4,
                        "centralized mail transport (the `centralized_transport` key is new)",
                    );
                }
            }
            if c.rule_scoped {
                self.y.pair(
                    4,
                    "rule_scoped",
                    "true",
                    Some("IsTransportRuleScoped".into()),
                );
            }
            if !c.enabled {
                self.y.pair(
                    4,
                    "enabled",
                    "false",
                    Some("Enabled is false in the export".into()),
                );
            }
        }
        self.y.blank();
    }

    fn rules(&mut self, org: &Org) {
        let dropped: Vec<&str> = org
            .connectors
            .iter()
            .filter(|c| !c.enabled && !self.opts.keys.enabled)
            .map(|c| c.name.as_str())
            .collect();
        let rules: Vec<_> = org
            .rules
            .iter()
            .filter(|r| !dropped.contains(&r.route_via.as_str()))
            .collect();
        if rules.is_empty() {
            return;
        }
        self.y.line(0, "rules:", None);
        for r in rules {
            self.y
                .line(2, format!("- name: {}", scalar(&r.name)), comment(&r.src));
            self.y.pair(4, "at", scalar(&r.at), None);
            let mut when = Vec::new();
            if let Some(t) = &r.tag {
                when.push(("tag", scalar(t)));
            }
            if let Some(s) = &r.sender_domain {
                when.push(("sender_domain", scalar(s)));
            }
            if let Some(d) = &r.recipient_domain {
                when.push(("recipient_domain", scalar(d)));
            }
            self.y.pair(4, "when", flow_map(&when), None);
            self.y.pair(4, "route_via", scalar(&r.route_via), None);
        }
        self.y.blank();
    }
}
