//! The `traffic` section: streams, their daily profiles and the tags they carry.

use serde_yaml::Value;

use super::build::{Names, entry_path};
use super::context::{Ctx, allowed_hint, did_you_mean};
use super::domains::{Domains, round6};
use super::locate::Seg;
use super::schema::{PointSpec, TrafficSpec, Unit};
use super::values::{self, at, at_index};
use crate::model::traffic::MAX_RATE_PER_S;
use crate::model::{Dist, DomainId, Profile, TagId, TrafficStream};
use crate::time::SimDuration;

/// Messages carry tags as a 32-bit set.
pub(super) const MAX_TAGS: usize = 32;

/// Tag names in order of first appearance (traffic first, then rules).
#[derive(Default)]
pub(super) struct Tags {
    names: Vec<String>,
    /// How many of `names` come from traffic streams.
    from_traffic: usize,
    sealed: bool,
}

impl Tags {
    /// Interns a tag; reports the one that goes past [`MAX_TAGS`]. After the traffic tags are
    /// sealed, a new tag (from a rule) is one no stream carries: a warning.
    pub(super) fn intern(&mut self, ctx: &mut Ctx, name: &str, path: &[Seg]) {
        if self.names.iter().any(|n| n == name) {
            return;
        }
        if self.sealed {
            let carried = self.names.get(..self.from_traffic).unwrap_or_default();
            let hint =
                did_you_mean(name, carried.iter().map(String::as_str)).unwrap_or_else(|| {
                    "add it to a stream's `tags`, e.g. `tags: {finance: 0.1}`".into()
                });
            ctx.warn(
                path,
                format!("no traffic stream carries tag `{name}`, so this rule never matches"),
                Some(hint),
            );
        }
        if self.names.len() == MAX_TAGS {
            ctx.error(
                path,
                format!(
                    "tag `{name}` is one too many: a scenario has at most {MAX_TAGS} distinct tags"
                ),
                Some("merge or drop tags".into()),
            );
        }
        self.names.push(name.to_string());
    }

    fn seal(&mut self) {
        self.from_traffic = self.names.len();
        self.sealed = true;
    }

    /// The id of an interned tag (`None` if it is past the limit).
    pub(super) fn id(&self, name: &str) -> Option<TagId> {
        self.names
            .iter()
            .position(|n| n == name)
            .filter(|&i| i < MAX_TAGS)
            .map(TagId::from_index)
    }

    /// The tag names, indexed by `TagId`.
    pub(super) fn into_names(self) -> Vec<String> {
        self.names
    }
}

/// Reads the stream entries and interns their tags.
pub(super) fn read(ctx: &mut Ctx, entries: &[Value], tags: &mut Tags) -> Vec<Option<TrafficSpec>> {
    let specs = entries
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let path = entry_path("traffic", i);
            let spec: TrafficSpec = ctx.de(v.clone(), &path)?;
            for tag in spec.tags.iter().flat_map(|t| t.keys()) {
                tags.intern(ctx, tag, &at(&at(&path, "tags"), tag));
            }
            Some(spec)
        })
        .collect();
    tags.seal();
    specs
}

/// Builds every stream; an entry with problems is `None`.
pub(super) fn build(
    ctx: &mut Ctx,
    names: &Names,
    doms: &mut Domains,
    tags: &Tags,
    specs: Vec<Option<TrafficSpec>>,
    duration: Option<SimDuration>,
) -> Vec<Option<TrafficStream>> {
    let mut out = Vec::new();
    for (i, spec) in specs.into_iter().enumerate() {
        let path = entry_path("traffic", i);
        out.push(spec.and_then(|s| stream(ctx, names, doms, tags, s, duration, &path)));
    }
    out
}

fn stream(
    ctx: &mut Ctx,
    names: &Names,
    doms: &mut Domains,
    tags: &Tags,
    spec: TrafficSpec,
    duration: Option<SimDuration>,
    path: &[Seg],
) -> Option<TrafficStream> {
    let from = names.node(ctx, &spec.from, &at(path, "from"));
    let stop = values::duration_or(
        ctx,
        spec.stop.as_ref(),
        &at(path, "stop"),
        SimDuration::ZERO,
    );
    // A replayed stream takes its arrivals, sizes, recipients and domains from its file.
    let replayed = spec.replay.as_ref().map(|file| {
        let active = duration.map(|d| SimDuration(d.0.saturating_sub(stop.unwrap_or_default().0)));
        super::replay::stream(ctx, doms, &spec, file, active, path)
    });
    let to = match (&spec.to, &replayed) {
        (_, Some(r)) => r.as_ref().map(|r| r.to.clone()),
        (Some(v), None) => recipients(ctx, doms, v, &at(path, "to")),
        (None, None) => missing(ctx, path, "to"),
    };
    let sender_domain = match (&spec.sender_domain, from) {
        (Some(d), _) => doms.require(ctx, d, &at(path, "sender_domain")),
        (None, Some(node)) => default_sender(ctx, doms, node, &spec.from, path),
        (None, None) => None,
    };
    let rate = match (&spec.rate, &replayed) {
        (_, Some(r)) => r.as_ref().map(|r| r.rate_per_s),
        (Some(v), None) => values::rate(ctx, v, &at(path, "rate")),
        (None, None) => missing(ctx, path, "rate"),
    };
    let profile = profile(
        ctx,
        spec.profile.as_deref(),
        spec.normalize.unwrap_or(true),
        &at(path, "profile"),
    );
    let size = match &spec.size {
        Some(d) => values::dist(ctx, d, &at(path, "size"), false),
        None => Some(Dist::LogNormal {
            median: 75_000.0,
            sigma: 1.0,
        }),
    };
    let mut stream_tags = Some(Vec::new());
    for (name, share) in spec.tags.iter().flatten() {
        let s = values::share(ctx, share, &at(&at(path, "tags"), name));
        match (tags.id(name), s, stream_tags.as_mut()) {
            (Some(id), Some(s), Some(list)) => list.push((id, s)),
            _ => stream_tags = None,
        }
    }
    if let (Some(stop), Some(d)) = (stop, duration)
        && stop >= d
        && stop > SimDuration::ZERO
    {
        ctx.error(
            &at(path, "stop"),
            format!("`stop` ({stop}) must be shorter than `duration` ({d})"),
            Some("`stop` is how long before the end the stream stops".into()),
        );
    }
    if let (Some(r), Some(p)) = (rate, &profile) {
        check_peak(ctx, r, p, path);
    }
    Some(TrafficStream {
        name: spec.name,
        from: from?,
        sender_domain: sender_domain?,
        to: to?,
        rate_per_s: rate?,
        profile: profile?,
        size: size?,
        tags: stream_tags?,
        stop: stop?,
        recipients: super::capacity::recipients(
            ctx,
            spec.recipients.as_deref(),
            &at(path, "recipients"),
        )?,
        replay: match replayed {
            None => None,
            Some(r) => Some(r?.replay),
        },
    })
}

/// Refuses a stream whose instantaneous rate (its rate times its profile's peak) is above
/// [`MAX_RATE_PER_S`]: integer-microsecond time cannot tell its arrivals apart.
fn check_peak(ctx: &mut Ctx, rate: f64, profile: &Profile, path: &[Seg]) {
    let x = profile.peak();
    let peak = rate * x;
    if peak <= MAX_RATE_PER_S {
        return;
    }
    let (at_path, cause) = if x > 1.0 + 1e-9 {
        (
            at(path, "profile"),
            format!(
                " (rate {} × the profile's peak multiplier {})",
                per_s(rate),
                round6(x)
            ),
        )
    } else {
        (at(path, "rate"), String::new())
    };
    ctx.error(
        &at_path,
        format!(
            "the stream peaks at {}{cause}; at most {} per stream",
            per_s(peak),
            per_s(MAX_RATE_PER_S)
        ),
        Some(
            "time is counted in whole microseconds, so faster arrivals cannot be told apart: \
             lower the rate, flatten the profile, or split the traffic into several streams"
                .into(),
        ),
    );
}

/// A rate in messages per second for messages: `2.4e7/s`, `100000/s`, `0.5/s`.
fn per_s(x: f64) -> String {
    if x >= 1e6 {
        format!("{x:.1e}/s")
    } else {
        format!("{}/s", round6(x))
    }
}

/// Reports a required key that is missing (`rate` and `to` are required unless `replay`).
fn missing<T>(ctx: &mut Ctx, path: &[Seg], key: &str) -> Option<T> {
    ctx.error_at_key(
        path,
        format!("missing key `{key}`"),
        Some(format!(
            "add `{key}:` here (or `replay: FILE` to replay a log's arrivals)"
        )),
    );
    None
}

/// The first domain (file order) with mailboxes on `from`, else `"*"`.
fn default_sender(
    ctx: &mut Ctx,
    doms: &mut Domains,
    node: crate::model::NodeId,
    from: &str,
    path: &[Seg],
) -> Option<DomainId> {
    let own = doms
        .list()
        .iter()
        .position(|d| d.explicit && d.mailboxes.iter().any(|m| m.0 == node));
    if let Some(i) = own {
        return Some(DomainId::from_index(i));
    }
    if doms.list().iter().any(|d| d.explicit && d.name == "*") {
        return doms.require(ctx, "*", path);
    }
    ctx.error_at_key(
        path,
        format!("no domain has mailboxes on `{from}` and there is no `\"*\"` domain to send from"),
        Some("add `sender_domain:` to the stream".into()),
    );
    None
}

/// `to:` — a domain, or domain → weight with weights summing to 1.
fn recipients(
    ctx: &mut Ctx,
    doms: &mut Domains,
    value: &Value,
    path: &[Seg],
) -> Option<Vec<(DomainId, f64)>> {
    if let Some(name) = value.as_str() {
        return doms.require(ctx, name, path).map(|id| vec![(id, 1.0)]);
    }
    let Some(map) = value.as_mapping() else {
        ctx.error(
            path,
            format!(
                "`to` must be a domain or a mapping of weights, not {}",
                values::show(value)
            ),
            Some("e.g. `to: contoso.com` or `to: {contoso.com: 0.8, fabrikam.com: 0.2}`".into()),
        );
        return None;
    };
    if map.is_empty() {
        ctx.error(
            path,
            "`to` lists no domain",
            Some("e.g. `to: {contoso.com: 1.0}`".into()),
        );
        return None;
    }
    let mut out = Some(Vec::new());
    let mut sum = 0.0;
    for (k, v) in map {
        let name = values::show(k);
        let p = at(path, &name);
        let id = doms.require(ctx, &name, &p);
        let weight = ctx
            .de::<Unit>(v.clone(), &p)
            .and_then(|u| values::share(ctx, &u, &p));
        sum += weight.unwrap_or(0.0);
        match (id, weight, out.as_mut()) {
            (Some(id), Some(w), Some(list)) => list.push((id, w)),
            _ => out = None,
        }
    }
    if out.is_some() && (sum - 1.0).abs() > 1e-6 {
        ctx.error(
            path,
            format!("the weights of `to` sum to {}, not 1", round6(sum)),
            Some("change the weights so they add up to 1".into()),
        );
        return None;
    }
    out
}

/// The profile kinds written as a name.
const PROFILES: [&str; 2] = ["constant", "business_hours"];

/// `profile:` — constant (default), business_hours, or a list of `{at, x}` points.
fn profile(ctx: &mut Ctx, value: Option<&Value>, normalize: bool, path: &[Seg]) -> Option<Profile> {
    let Some(value) = value else {
        return Some(Profile::Constant);
    };
    if value.is_mapping() {
        return super::weekly::profile(ctx, value, normalize, path);
    }
    match value.as_str() {
        Some("constant") => return Some(Profile::Constant),
        Some("business_hours") => return Some(Profile::business_hours()),
        Some(other) => {
            ctx.error(
                path,
                format!("unknown profile `{other}`"),
                Some(format!(
                    "{}, or a list such as `[{{at: 0h, x: 0.2}}, {{at: 8h, x: 1.6}}]`",
                    allowed_hint(other, &PROFILES)
                )),
            );
            return None;
        }
        None => {}
    }
    let points: Vec<PointSpec> = ctx.de(value.clone(), path)?;
    let day = SimDuration::from_days(1);
    let mut out: Vec<(SimDuration, f64)> = Vec::new();
    let mut ok = true;
    for (i, p) in points.iter().enumerate() {
        let pp = at_index(path, i);
        let Some(t) = values::duration(ctx, &p.at, &at(&pp, "at")) else {
            ok = false;
            continue;
        };
        let problem = if i == 0 && t != SimDuration::ZERO {
            Some(format!("the first point must be at `0h`, not `{}`", p.at))
        } else if t >= day {
            Some(format!(
                "`at: {}` is not within the day (0h to under 24h)",
                p.at
            ))
        } else if out.last().is_some_and(|last| last.0 >= t) {
            Some(format!(
                "`at: {}` is not after the previous point: points must be sorted by time",
                p.at
            ))
        } else {
            None
        };
        if let Some(message) = problem {
            ctx.error(
                &at(&pp, "at"),
                message,
                Some("e.g. `[{at: 0h, x: 0.2}, {at: 8h, x: 1.6}, {at: 18h, x: 0.5}]`".into()),
            );
            ok = false;
        }
        if !p.x.is_finite() || p.x < 0.0 {
            ctx.error(
                &at(&pp, "x"),
                format!("the multiplier `x` must be a number ≥ 0, not `{}`", p.x),
                Some("`x: 0.5` is half the mean rate, `x: 2` twice; `0` sends nothing".into()),
            );
            ok = false;
        }
        out.push((t, p.x));
    }
    if points.is_empty() {
        ctx.error(
            path,
            "a piecewise profile needs at least one point",
            Some("e.g. `[{at: 0h, x: 1.0}]`".into()),
        );
        return None;
    }
    if !ok {
        return None;
    }
    // Time-weighted mean over the day; each point holds until the next (the last until 24h).
    let ends = out.iter().skip(1).map(|p| p.0).chain(std::iter::once(day));
    let mean: f64 = out
        .iter()
        .zip(ends)
        .map(|((t, x), end)| x * (end.0 - t.0) as f64)
        .sum::<f64>()
        / day.0 as f64;
    if mean <= 0.0 {
        ctx.error(
            path,
            "every multiplier of the profile is zero: the stream would send nothing",
            Some("give some part of the day a multiplier above 0".into()),
        );
        return None;
    }
    if normalize {
        for p in &mut out {
            p.1 /= mean;
        }
    }
    Some(Profile::Daily(out))
}
