//! Limits checked while building, so that no counter of the engine wraps and no run is
//! unbounded: the report folder's name, the hop limit, the number of entities (ids are 16-bit)
//! and the size of the routing table they make, the time series' rows and the retry waits.

use super::Top;
use crate::model::retry::Machinery;
use crate::model::{MAX_HOPS, RetrySchedule, Scenario};
use crate::scenario::context::Ctx;
use crate::scenario::locate::{Seg, key};
use crate::scenario::values::at;
use crate::time::SimDuration;

/// The time series keeps one row per node and connector per sample, all in memory: more than
/// this (about 500 MB) is refused before the run.
pub(in crate::scenario) const MAX_SAMPLE_ROWS: u64 = 10_000_000;

/// Nodes, connectors, domains and traffic streams each: the engine keeps their ids in 16 bits
/// and reserves the largest value.
pub(in crate::scenario) const MAX_ENTITIES: usize = u16::MAX as usize - 1;

/// The routing table holds a cell for every (node, recipient domain), about 25 bytes each with
/// the node's acceptance of the domain, plus the few places a connector singles out: more than
/// this (about 500 MB, and seconds to compute) is refused before it is built.
pub(in crate::scenario) const MAX_ROUTE_CELLS: u64 = 20_000_000;

/// Traffic streams: each keeps a latency histogram (about 0.3 MB, twice over by the end of a
/// run) for its row of the report and its curve in the chart; 65,534 streams took 22 GB.
pub(in crate::scenario) const MAX_STREAMS: usize = 1_000;

/// The error (message, hint) for `n` traffic streams, over [`MAX_STREAMS`].
pub(in crate::scenario) fn too_many_streams(n: usize) -> (String, String) {
    (
        format!(
            "`traffic` has {n} streams; at most {MAX_STREAMS} (each keeps a latency histogram \
             of about 0.6 MB per run)"
        ),
        "streams alike (same `from`, `to`, profile, sizes and tags) add up: merge them into \
         one with the sum of their rates"
            .into(),
    )
}

/// Longest `name`: it names the report folder.
const MAX_NAME_BYTES: usize = 100;

/// A retry wait shorter than this is allowed but warned about: real MTAs wait minutes.
const SANE_RETRY_WAIT: SimDuration = SimDuration(1_000_000);

/// The most attempts one destination can make in a run at its shortest retry wait (also keeps
/// the engine's 32-bit failure counts from wrapping).
const MAX_RETRIES_PER_RUN: u64 = 1_000_000_000;

/// Why `name` cannot name a folder under `reports/`, if it cannot.
pub(super) fn name_problem(name: &str) -> Option<String> {
    if let Some(c) = name.chars().find(|c| matches!(c, '/' | '\\' | ':')) {
        return Some(format!(
            "`name` cannot contain `{c}`: it names a folder under reports/, not a path"
        ));
    }
    if name.starts_with('.') {
        return Some(format!(
            "`name: {name}` cannot start with a dot: it names the report folder"
        ));
    }
    if name.chars().any(char::is_control) {
        return Some("`name` cannot contain control characters (line breaks, tabs…)".into());
    }
    if name.len() > MAX_NAME_BYTES {
        return Some(format!(
            "`name` is {} bytes long; at most {MAX_NAME_BYTES}: it names the report folder",
            name.len()
        ));
    }
    None
}

/// Refuses a `name` that would put the default report folder outside `reports/`.
pub(super) fn check_name(ctx: &mut Ctx, top: &Top) {
    if let Some(problem) = top.name.as_deref().and_then(name_problem) {
        ctx.error(
            &[key("name")],
            problem,
            Some(
                "use letters, digits, `-`, `_` and `.`, e.g. `name: mx-to-eop`; to write the \
                 report elsewhere pass --out DIR"
                    .into(),
            ),
        );
    }
}

/// Refuses a `max_hops` above [`MAX_HOPS`] (hop counts are 16-bit in the engine).
pub(super) fn check_hops(ctx: &mut Ctx, top: &Top) {
    if top.max_hops > MAX_HOPS {
        ctx.error(
            &[key("max_hops")],
            format!(
                "`max_hops` {} is above the limit of {MAX_HOPS}",
                top.max_hops
            ),
            Some(
                "Exchange breaks loops after 20 hops, and mail rarely makes more than 10; a \
                 larger value only lets a routing loop run longer"
                    .into(),
            ),
        );
    }
}

/// Refuses sections with more entries than the engine's 16-bit ids can tell apart, more
/// traffic streams than their histograms allow, and topologies whose routing table would not
/// fit in memory.
pub(super) fn check_entities(ctx: &mut Ctx, top: &Top) {
    let sections = [
        ("nodes", top.nodes.len()),
        ("domains", top.domains.len()),
        ("connectors", top.connectors.len()),
        ("traffic", top.traffic.len()),
        ("rules", top.rules.len()),
        ("faults", top.faults.len()),
    ];
    for (section, n) in sections {
        if n > MAX_ENTITIES {
            ctx.error(
                &[key(section)],
                format!("`{section}` has {n} entries; at most {MAX_ENTITIES}"),
                Some("split the topology into several scenarios".into()),
            );
        }
    }
    if top.traffic.len() > MAX_STREAMS {
        let (message, hint) = too_many_streams(top.traffic.len());
        ctx.error(&[key("traffic")], message, Some(hint));
    }
    let (nodes, domains) = (top.nodes.len() as u64, top.domains.len() as u64);
    let cells = nodes.saturating_mul(domains);
    if cells > MAX_ROUTE_CELLS {
        let approx = crate::scenario::check::estimate::approx;
        ctx.error(
            &[key("nodes")],
            format!(
                "the routing table would hold {} cells ({nodes} nodes × {domains} domains); at \
                 most {}",
                approx(cells as f64),
                approx(MAX_ROUTE_CELLS as f64)
            ),
            Some(
                "use fewer nodes or domains: domains routed alike can share one entry (`\"*\"` \
                 stands for every other domain), and sites that never exchange mail can be \
                 separate scenarios"
                    .into(),
            ),
        );
    }
}

/// Refuses a `sample_every` so fine (or a `duration` so long) that the time series would not
/// fit in memory.
pub(super) fn check_samples(ctx: &mut Ctx, top: &Top) {
    let Some(duration) = top.duration else {
        return;
    };
    let entities = (top.nodes.len() + top.connectors.len()).max(1) as u64;
    let every = top.sample_every.0.max(1);
    let samples = duration.0 / every + 1;
    let rows = samples.saturating_mul(entities);
    if rows <= MAX_SAMPLE_ROWS {
        return;
    }
    let needed = (duration.0 as u128 * entities as u128).div_ceil(u128::from(MAX_SAMPLE_ROWS));
    // Rounded up to a whole second (or millisecond) so the suggestion reads as people write it.
    let unit: u128 = if needed >= 1_000_000 {
        1_000_000
    } else {
        1_000
    };
    let needed = SimDuration(u64::try_from(needed.div_ceil(unit) * unit).unwrap_or(u64::MAX));
    let (path, fix) = if top.sample_every_set {
        (
            key("sample_every"),
            format!("set `sample_every` to at least {needed}, or shorten `duration`"),
        )
    } else {
        (
            key("duration"),
            format!("shorten `duration`, or add `sample_every:` of at least {needed}"),
        )
    };
    ctx.error(
        &[path],
        format!(
            "sampling every {} over {duration} makes {} samples for each of {entities} nodes \
             and connectors; the time series holds at most {} rows",
            top.sample_every,
            crate::scenario::check::estimate::approx(samples as f64),
            crate::scenario::check::estimate::approx(MAX_SAMPLE_ROWS as f64)
        ),
        Some(fix),
    );
}

/// The waits of a retry policy under their YAML names, shortest first.
fn waits(machinery: &Machinery) -> Vec<(&'static str, SimDuration)> {
    let mut out = match machinery {
        Machinery::Postfix(p) => vec![
            ("queue_run_delay", p.queue_run_delay),
            ("minimal_backoff_time", p.minimal_backoff_time),
            ("maximal_backoff_time", p.maximal_backoff_time),
        ],
        Machinery::Queue(q) => {
            let mut w = match &q.schedule {
                RetrySchedule::Fixed { steps, then } => {
                    let mut w: Vec<_> = steps.iter().map(|s| ("schedule", *s)).collect();
                    w.push(("then", *then));
                    w
                }
                RetrySchedule::Backoff { min, .. } => vec![("backoff", *min)],
            };
            // Last, so an explicit policy (whose message retry is its schedule's first wait)
            // is reported at the schedule it wrote.
            w.push(("message_retry_interval", q.message_retry_interval));
            w
        }
    };
    out.sort_by_key(|w| w.1);
    out
}

/// Warns about retry waits under a second, and refuses those so short that one destination
/// could be tried more than [`MAX_RETRIES_PER_RUN`] times in the run.
pub(super) fn check_retry_waits(ctx: &mut Ctx, sc: &Scenario) {
    for node in &sc.nodes {
        let Some(&(setting, wait)) = waits(&node.retry.machinery).first() else {
            continue;
        };
        if wait >= SANE_RETRY_WAIT {
            continue;
        }
        let retry: Vec<Seg> = at(&[key("nodes")], &node.name)
            .into_iter()
            .chain([key("retry")])
            .collect();
        let path = at(&retry, setting);
        let attempts = sc.duration.0 / wait.0.max(1);
        if attempts > MAX_RETRIES_PER_RUN {
            ctx.error(
                &path,
                format!(
                    "a retry wait of {wait} lets one destination be tried about {} times in \
                     {}; at most {}",
                    crate::scenario::check::estimate::approx(attempts as f64),
                    sc.duration,
                    crate::scenario::check::estimate::approx(MAX_RETRIES_PER_RUN as f64)
                ),
                Some("real MTAs wait minutes between attempts: e.g. `1m` or `5m`".into()),
            );
        } else {
            ctx.warn(
                &path,
                format!(
                    "`{setting}` of {wait} on `{}`: a failed destination is tried again every \
                     {wait}, which slows the run and matches no real MTA",
                    node.name
                ),
                Some("real MTAs wait minutes between attempts: e.g. `1m` or `5m`".into()),
            );
        }
    }
}
