//! The `domains` section and domain interning: every name the scenario mentions gets an id.

use std::collections::HashMap;

use serde_yaml::Value;

use super::build::{Names, named_path};
use super::context::{Ctx, did_you_mean};
use super::locate::Seg;
use super::schema::{DomainSpec, MxSpec};
use super::values::{self, at, at_index};
use crate::model::{DnsStatus, Domain, DomainId, MtaSts, MxAnswer, MxRecord};
use crate::time::SimDuration;

/// Interned domains: explicit entries first (file order, `"*"` included), then names that are
/// only mentioned, in the order they are met, each with a copy of the `"*"` entry's settings.
pub(super) struct Domains {
    list: Vec<Domain>,
    /// Index in `list` by name: thousands of domains are looked up without a scan each.
    by_name: HashMap<String, usize>,
    star: Option<usize>,
}

impl Domains {
    /// Builds the explicit entries of `domains`.
    pub(super) fn build(ctx: &mut Ctx, names: &Names, entries: &[(String, Value)]) -> Domains {
        let mut doms = Domains {
            list: Vec::new(),
            by_name: HashMap::new(),
            star: None,
        };
        for (raw, value) in entries {
            let path = named_path("domains", raw);
            let name = raw.trim().to_ascii_lowercase();
            if doms.by_name.contains_key(&name) {
                ctx.error_at_key(
                    &path,
                    format!("domain `{name}` is listed twice"),
                    Some("domain names are case-insensitive; merge the entries".into()),
                );
                continue;
            }
            if name != "*" && (name.is_empty() || name.contains('*')) {
                ctx.error_at_key(&path, format!("`{raw}` is not a domain name"), Some("entries are exact names such as `contoso.com`, or `\"*\"` for every other domain".into()));
            }
            let domain =
                entry(ctx, names, &name, value, &path).unwrap_or_else(|| empty(&name, true));
            if name == "*" {
                doms.star = Some(doms.list.len());
            }
            doms.push(domain);
        }
        doms
    }

    /// The id of a domain that must carry mail (traffic `to`, `sender_domain`): it needs its own
    /// entry or a `"*"` entry to cover it.
    pub(super) fn require(&mut self, ctx: &mut Ctx, name: &str, path: &[Seg]) -> Option<DomainId> {
        let name = name.trim().to_ascii_lowercase();
        if name.contains('*') && name != "*" {
            ctx.error(
                path,
                format!("`{name}` is a pattern: traffic needs a concrete domain"),
                Some("name one domain, e.g. `contoso.com`".into()),
            );
            return None;
        }
        if self.star.is_none() && !self.is_explicit(&name) {
            let hint = did_you_mean(&name, self.explicit_names()).unwrap_or_else(|| {
                format!("add an entry `{name}:` under `domains`, or a `\"*\"` entry for every other domain")
            });
            ctx.error(
                path,
                format!("domain `{name}` has no entry in `domains` and there is no `\"*\"` entry"),
                Some(hint),
            );
            return None;
        }
        Some(self.intern(ctx, &name, path))
    }

    /// The id of a mentioned domain; without an entry it gets the `"*"` settings (or none).
    pub(super) fn intern(&mut self, ctx: &mut Ctx, name: &str, path: &[Seg]) -> DomainId {
        let name = name.trim().to_ascii_lowercase();
        if let Some(&i) = self.by_name.get(&name) {
            return DomainId::from_index(i);
        }
        if let Some(hint) = did_you_mean(&name, self.explicit_names()) {
            ctx.warn(
                path,
                format!("domain `{name}` has no entry in `domains`; it is treated like `\"*\"`"),
                Some(hint),
            );
        }
        let mut domain = match self.star.and_then(|s| self.list.get(s)) {
            Some(star) => star.clone(),
            None => empty(&name, false),
        };
        domain.name = name;
        domain.explicit = false;
        self.push(domain)
    }

    /// The id of a smart host's host name whose address record points at `to`: a host-name
    /// entry with that record, shared by the connectors that name the same host.
    pub(super) fn host(
        &mut self,
        ctx: &mut Ctx,
        name: &str,
        to: crate::model::NodeId,
        ttl: SimDuration,
        path: &[Seg],
    ) -> Option<DomainId> {
        let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
        if name.is_empty() || name.contains('*') || name.contains(' ') {
            ctx.error(
                path,
                format!("`{name}` is not a host name"),
                Some("e.g. `smart_host: relay.contoso.net`".into()),
            );
            return None;
        }
        if let Some(&i) = self.by_name.get(&name) {
            let d = &self.list[i];
            if !d.host_name {
                ctx.error(
                    path,
                    format!("`{name}` is a mail domain of the scenario, not a host name"),
                    Some("give the smart host its own name, e.g. `smtp.contoso.com`".into()),
                );
                return None;
            }
            if d.mx.first().map(|r| r.host) != Some(to) {
                ctx.error(
                    path,
                    format!("smart host `{name}` already points at another node"),
                    Some(
                        "one host name has one address record: use the same `to`, or another name"
                            .into(),
                    ),
                );
                return None;
            }
            return Some(DomainId::from_index(i));
        }
        let mut d = empty(&name, false);
        d.host_name = true;
        d.ttl = ttl;
        d.mx = vec![MxRecord {
            host: to,
            preference: 0,
        }];
        Some(self.push(d))
    }

    /// Appends a domain whose name is not yet interned.
    fn push(&mut self, domain: Domain) -> DomainId {
        self.by_name.insert(domain.name.clone(), self.list.len());
        self.list.push(domain);
        DomainId::from_index(self.list.len() - 1)
    }

    fn is_explicit(&self, name: &str) -> bool {
        self.by_name
            .get(name)
            .is_some_and(|&i| self.list[i].explicit)
    }

    fn explicit_names(&self) -> impl Iterator<Item = &str> + Clone {
        self.list
            .iter()
            .filter(|d| d.explicit)
            .map(|d| d.name.as_str())
    }

    /// The interned domains, indexed by `DomainId`.
    pub(super) fn list(&self) -> &[Domain] {
        &self.list
    }

    /// The interned domains, indexed by `DomainId`.
    pub(super) fn into_list(self) -> Vec<Domain> {
        self.list
    }
}

/// Default negative-caching time: RFC 2308 caches NXDOMAIN for the zone's SOA minimum; no
/// source gives a typical value, one hour is this model's assumption.
pub(super) const DEFAULT_NEGATIVE_TTL: SimDuration = SimDuration::from_hours(1);

pub(super) fn empty(name: &str, explicit: bool) -> Domain {
    Domain {
        name: name.to_string(),
        explicit,
        mx: Vec::new(),
        ttl: SimDuration::from_hours(1),
        mailboxes: Vec::new(),
        unknown_recipients: 0.0,
        status: DnsStatus::Exists,
        implicit_mx: false,
        negative_ttl: DEFAULT_NEGATIVE_TTL,
        mta_sts: MtaSts::None,
        dane: false,
        host_name: false,
    }
}

/// One explicit entry.
fn entry(ctx: &mut Ctx, names: &Names, name: &str, value: &Value, path: &[Seg]) -> Option<Domain> {
    let spec: DomainSpec = ctx.de(value.clone(), path)?;
    let nxdomain = spec.nxdomain.unwrap_or(false);
    let a = spec.a.as_ref().map(|n| names.node(ctx, n, &at(path, "a")));
    let answer = match (&spec.mx, nxdomain) {
        (Some(_), true) => {
            ctx.error(
                &at(path, "nxdomain"),
                format!("domain `{name}` cannot both not exist (`nxdomain: true`) and have `mx`"),
                Some("remove `mx`, or `nxdomain`".into()),
            );
            None
        }
        (None, true) => Some(MxAnswer {
            status: DnsStatus::NxDomain,
            records: Vec::new(),
        }),
        (Some(v), false) => mx_answer(ctx, names, v, &at(path, "mx")),
        (None, false) if spec.a.is_some() => Some(MxAnswer {
            status: DnsStatus::Exists,
            records: Vec::new(),
        }),
        (None, false) => {
            ctx.error_at_key(
                path,
                format!("domain `{name}` needs `mx`"),
                Some("e.g. `mx: eop`, or `mx: [{host: onprem, preference: 10}]`; `a: node` for an implicit MX, `nxdomain: true` for a domain that does not exist".into()),
            );
            None
        }
    };
    let ttl = match &spec.ttl {
        Some(u) => values::positive_duration(ctx, u, &at(path, "ttl"), "`ttl`"),
        None => Some(SimDuration::from_hours(1)),
    };
    let negative_ttl = match &spec.negative_ttl {
        Some(u) => values::positive_duration(ctx, u, &at(path, "negative_ttl"), "`negative_ttl`"),
        None => Some(DEFAULT_NEGATIVE_TTL),
    };
    let takes_mail = answer
        .as_ref()
        .is_none_or(|a| a.status == DnsStatus::Exists);
    let mailboxes = match &spec.mailboxes {
        Some(m) => mailboxes(ctx, names, name, m, &at(path, "mailboxes")),
        None if !takes_mail => Some(Vec::new()),
        None => {
            ctx.error_at_key(path, format!("domain `{name}` needs `mailboxes`"), Some("say on which nodes its mailboxes live, e.g. `mailboxes: {exo: 0.7, onprem: 0.3}`".into()));
            None
        }
    };
    let unknown = match &spec.unknown_recipients {
        Some(u) => values::share(ctx, u, &at(path, "unknown_recipients")),
        None => Some(0.0),
    };
    let mut answer = answer?;
    let a = values::lift(a)?;
    let implicit_mx =
        answer.status == DnsStatus::Exists && answer.records.is_empty() && a.is_some();
    if implicit_mx && let Some(host) = a {
        // No MX records: the address record is the implicit MX, preference 0 (RFC 5321 §5.1).
        answer.records.push(MxRecord {
            host,
            preference: 0,
        });
    }
    Some(Domain {
        name: name.to_string(),
        explicit: true,
        mx: answer.records,
        ttl: ttl?,
        mailboxes: mailboxes?,
        unknown_recipients: unknown?,
        status: answer.status,
        implicit_mx,
        negative_ttl: negative_ttl?,
        mta_sts: match spec.mta_sts {
            None | Some(super::schema::MtaStsSpec::None) => MtaSts::None,
            Some(super::schema::MtaStsSpec::Testing) => MtaSts::Testing,
            Some(super::schema::MtaStsSpec::Enforce) => MtaSts::Enforce,
        },
        dane: spec.dane.unwrap_or(false),
        host_name: false,
    })
}

/// An `mx` value as a DNS answer: `"."` is a null MX (RFC 7505), `[]` no MX records, else the
/// records of [`mx_list`].
pub(super) fn mx_answer(
    ctx: &mut Ctx,
    names: &Names,
    value: &Value,
    path: &[Seg],
) -> Option<MxAnswer> {
    if value.as_str().is_some_and(|s| s.trim() == ".") {
        return Some(MxAnswer {
            status: DnsStatus::NullMx,
            records: Vec::new(),
        });
    }
    if value.as_sequence().is_some_and(|s| s.is_empty()) {
        return Some(MxAnswer {
            status: DnsStatus::Exists,
            records: Vec::new(),
        });
    }
    mx_list(ctx, names, value, path).map(|records| MxAnswer {
        status: DnsStatus::Exists,
        records,
    })
}

/// `mailboxes:`: node → share, shares summing to 1.
fn mailboxes(
    ctx: &mut Ctx,
    names: &Names,
    domain: &str,
    map: &indexmap::IndexMap<String, super::schema::Unit>,
    path: &[Seg],
) -> Option<Vec<(crate::model::NodeId, f64)>> {
    if map.is_empty() {
        ctx.error(
            path,
            format!("domain `{domain}` has no mailboxes"),
            Some("e.g. `mailboxes: {onprem: 1.0}`".into()),
        );
        return None;
    }
    let mut out = Vec::new();
    let mut ok = true;
    for (node, share) in map {
        let p = at(path, node);
        let id = names.node(ctx, node, &p);
        let s = values::share(ctx, share, &p);
        match (id, s) {
            (Some(id), Some(s)) => out.push((id, s)),
            _ => ok = false,
        }
    }
    if !ok {
        return None;
    }
    let sum: f64 = out.iter().map(|x| x.1).sum();
    if (sum - 1.0).abs() > 1e-6 {
        let (last, last_share) = map
            .iter()
            .last()
            .map(|(k, _)| k.as_str())
            .zip(out.last().map(|x| x.1))
            .unwrap_or_default();
        let fixed = last_share + (1.0 - sum);
        let hint = if (0.0..=1.0).contains(&fixed) {
            format!(
                "the shares must add up to 1: e.g. set `{last}` to {}",
                round6(fixed)
            )
        } else {
            "the shares must add up to 1".to_string()
        };
        ctx.error(
            path,
            format!(
                "the mailbox shares of `{domain}` sum to {}, not 1",
                round6(sum)
            ),
            Some(hint),
        );
        return None;
    }
    Some(out)
}

/// Rounds for display so sums print as `0.9`, not `0.8999999999999999`.
pub(super) fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// An `mx` value: a node name, or a non-empty list of `{host, preference}`, sorted by
/// preference (stable, so equal preferences keep file order).
pub(super) fn mx_list(
    ctx: &mut Ctx,
    names: &Names,
    value: &Value,
    path: &[Seg],
) -> Option<Vec<MxRecord>> {
    if let Some(host) = value.as_str() {
        return names.node(ctx, host, path).map(|host| {
            vec![MxRecord {
                host,
                preference: 0,
            }]
        });
    }
    if !value.is_sequence() {
        ctx.error(path, format!("`mx` must be a node name or a list of `{{host, preference}}`, not {}", values::show(value)), Some("e.g. `mx: eop` or `mx: [{host: onprem, preference: 10}, {host: onprem2, preference: 20}]`".into()));
        return None;
    }
    let specs: Vec<MxSpec> = ctx.de(value.clone(), path)?;
    if specs.is_empty() {
        ctx.error(
            path,
            "`mx` must list at least one host",
            Some("e.g. `mx: [{host: onprem, preference: 10}]`".into()),
        );
        return None;
    }
    let mut records = Vec::new();
    for (i, s) in specs.iter().enumerate() {
        let host = names.node(ctx, &s.host, &at(&at_index(path, i), "host"));
        records.push(host.map(|host| MxRecord {
            host,
            preference: s.preference,
        }));
    }
    let mut records = records.into_iter().collect::<Option<Vec<_>>>()?;
    records.sort_by_key(|r| r.preference);
    Some(records)
}
