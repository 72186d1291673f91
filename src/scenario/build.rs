//! From the YAML value tree to `model::Scenario`: reads the top level, resolves names, builds
//! every part and collects every problem instead of stopping at the first.

use indexmap::IndexMap;
use serde_yaml::Value;

use super::context::{Ctx, did_you_mean, quoted};
use super::domains::Domains;
use super::locate::{Path, Seg, key};
use super::schema::{TOP_KEYS, Unit};
use super::values::{self, at, at_index};
use super::{faults, nodes, routes, traffic};

pub(super) mod limits;
use crate::model::{ConnectorId, NodeId, Scenario, Topology, Warmup};
use crate::time::SimDuration;

/// The top level, each key read on its own so that one bad key does not hide the others.
pub(super) struct Top {
    /// `name`.
    pub name: Option<String>,
    /// `description` (empty when absent).
    pub description: String,
    /// `duration`.
    pub duration: Option<SimDuration>,
    /// `warmup` (default 0s).
    pub warmup: Warmup,
    /// `seed` (default 1).
    pub seed: u64,
    /// `sample_every` (default 5m).
    pub sample_every: SimDuration,
    /// Whether `sample_every` was written (else the default is in force).
    pub sample_every_set: bool,
    /// `max_hops` (default 20).
    pub max_hops: u32,
    /// `domains` entries in file order.
    pub domains: Vec<(String, Value)>,
    /// `nodes` entries in file order.
    pub nodes: Vec<(String, Value)>,
    /// `connectors` entries.
    pub connectors: Vec<Value>,
    /// `rules` entries.
    pub rules: Vec<Value>,
    /// `traffic` entries.
    pub traffic: Vec<Value>,
    /// `faults` entries.
    pub faults: Vec<Value>,
    /// `changes` entries.
    pub changes: Vec<Value>,
    /// `alerts`.
    pub alerts: Option<crate::model::Alerts>,
}

/// Reads the top-level mapping; `None` if the document is not a mapping at all.
pub(super) fn read_top(ctx: &mut Ctx, root: Value) -> Option<Top> {
    let Value::Mapping(map) = root else {
        ctx.error(
            &[],
            format!(
                "the top level must be a mapping, not {}",
                values::show(&root)
            ),
            Some("a scenario starts with keys such as `name:`, `duration:`, `domains:`".into()),
        );
        return None;
    };
    let mut top = Top {
        name: None,
        description: String::new(),
        duration: None,
        warmup: Warmup::Fixed(SimDuration::ZERO),
        seed: 1,
        sample_every: SimDuration::from_mins(5),
        sample_every_set: false,
        max_hops: 20,
        domains: Vec::new(),
        nodes: Vec::new(),
        connectors: Vec::new(),
        rules: Vec::new(),
        traffic: Vec::new(),
        faults: Vec::new(),
        changes: Vec::new(),
        alerts: None,
    };
    let mut seen: Vec<&str> = Vec::new();
    let mut warmup_path = None;
    for (k, v) in map {
        let Some(k) = k.as_str().map(str::to_string) else {
            ctx.error(
                &[],
                format!("top-level keys must be text, not `{}`", values::show(&k)),
                Some(format!("top-level keys are: {}", quoted(TOP_KEYS))),
            );
            continue;
        };
        let path = vec![key(&k)];
        let Some(&known) = TOP_KEYS.iter().find(|t| **t == k) else {
            let hint = did_you_mean(&k, TOP_KEYS)
                .unwrap_or_else(|| format!("allowed keys: {}", quoted(TOP_KEYS)));
            ctx.error_at_key(&path, format!("unknown key `{k}`"), Some(hint));
            continue;
        };
        seen.push(known);
        match known {
            "name" => top.name = ctx.de::<String>(v, &path),
            "description" => {
                top.description = ctx
                    .de::<Option<String>>(v, &path)
                    .flatten()
                    .unwrap_or_default()
            }
            "duration" => {
                let u: Option<Unit> = ctx.de(v, &path);
                top.duration =
                    u.and_then(|u| values::positive_duration(ctx, &u, &path, "`duration`"));
            }
            "warmup" if v.as_str() == Some("auto") => top.warmup = Warmup::Auto,
            "warmup" => {
                let u: Option<Unit> = ctx.de(v, &path);
                if let Some(d) = u.and_then(|u| values::duration(ctx, &u, &path)) {
                    top.warmup = Warmup::Fixed(d);
                    warmup_path = Some(path);
                }
            }
            "seed" => top.seed = ctx.de(v, &path).unwrap_or(1),
            "sample_every" => {
                let u: Option<Unit> = ctx.de(v, &path);
                if let Some(d) =
                    u.and_then(|u| values::positive_duration(ctx, &u, &path, "`sample_every`"))
                {
                    top.sample_every = d;
                    top.sample_every_set = true;
                }
            }
            "max_hops" => {
                top.max_hops = values::positive_count(ctx, &v, &path, "`max_hops`").unwrap_or(20)
            }
            "domains" => top.domains = entries(ctx, v, &path),
            "nodes" => top.nodes = entries(ctx, v, &path),
            "connectors" => top.connectors = list(ctx, v, &path),
            "rules" => top.rules = list(ctx, v, &path),
            "traffic" => top.traffic = list(ctx, v, &path),
            "changes" => top.changes = list(ctx, v, &path),
            "alerts" => top.alerts = super::changes::alerts(ctx, v, &path),
            _ => top.faults = list(ctx, v, &path),
        }
    }
    for required in ["name", "duration", "domains", "nodes", "traffic"] {
        if !seen.contains(&required) {
            ctx.error(
                &[],
                format!("the scenario needs `{required}`"),
                Some(example(required).into()),
            );
        }
    }
    if top.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
        ctx.error(
            &[key("name")],
            "`name` must not be empty",
            Some("it names the report folder, e.g. `name: mx-to-eop`".into()),
        );
    }
    if let (Warmup::Fixed(w), Some(d), Some(p)) = (top.warmup, top.duration, &warmup_path)
        && w >= d
    {
        ctx.error(
            p,
            format!("`warmup` ({w}) must be shorter than `duration` ({d})"),
            Some("shorten the warm-up or lengthen the run".into()),
        );
    }
    Some(top)
}

fn example(key: &str) -> &'static str {
    match key {
        "name" => "add e.g. `name: mx-to-eop` (it names the report folder)",
        "duration" => "add the simulated horizon, e.g. `duration: 3d`",
        "domains" => "add `domains:` with at least the recipient domains and a `\"*\"` entry",
        "nodes" => "add `nodes:` with the mail systems of the topology",
        _ => "add `traffic:` with at least one stream",
    }
}

/// A mapping of named entries (`domains`, `nodes`).
fn entries(ctx: &mut Ctx, v: Value, path: &[Seg]) -> Vec<(String, Value)> {
    if v.is_null() {
        return Vec::new();
    }
    ctx.de::<IndexMap<String, Value>>(v, path)
        .map(|m| m.into_iter().collect())
        .unwrap_or_default()
}

/// A list of entries (`connectors`, `rules`, `traffic`, `faults`); empty when left blank.
fn list(ctx: &mut Ctx, v: Value, path: &[Seg]) -> Vec<Value> {
    match v {
        Value::Null => Vec::new(),
        // The entries themselves, moved: a list of a million streams is not copied.
        Value::Sequence(items) => items,
        v => ctx.de::<Vec<Value>>(v, path).unwrap_or_default(),
    }
}

/// The names a scenario defines, known before any entry is built so references resolve even
/// when the entry they name has its own problems.
pub(super) struct Names {
    /// Node names in file order.
    pub nodes: Vec<String>,
    /// Connector names by index (`None`: the entry has no usable name).
    pub connectors: Vec<Option<String>>,
    /// Index of the first node and connector of each name, so that resolving thousands of
    /// references is not a scan each.
    node_index: std::collections::HashMap<String, usize>,
    connector_index: std::collections::HashMap<String, usize>,
}

impl Names {
    fn new(ctx: &mut Ctx, top: &Top) -> Names {
        let nodes: Vec<String> = top.nodes.iter().map(|(k, _)| k.clone()).collect();
        if nodes.iter().any(|n| n == "mx") {
            ctx.error_at_key(
                &[key("nodes"), key("mx")],
                "a node cannot be named `mx`",
                Some("connectors use `to: mx` for MX routing; rename the node".into()),
            );
        }
        let connectors = entry_names(ctx, &top.connectors, "connectors", "connector");
        entry_names(ctx, &top.rules, "rules", "rule");
        entry_names(ctx, &top.traffic, "traffic", "traffic stream");
        let mut node_index = std::collections::HashMap::new();
        for (i, n) in nodes.iter().enumerate() {
            node_index.entry(n.clone()).or_insert(i);
        }
        let mut connector_index = std::collections::HashMap::new();
        for (i, n) in connectors.iter().enumerate() {
            if let Some(n) = n {
                connector_index.entry(n.clone()).or_insert(i);
            }
        }
        Names {
            nodes,
            connectors,
            node_index,
            connector_index,
        }
    }

    /// Resolves a node name, reporting an unknown one with a suggestion.
    pub(super) fn node(&self, ctx: &mut Ctx, name: &str, path: &[Seg]) -> Option<NodeId> {
        if let Some(&i) = self.node_index.get(name) {
            return Some(NodeId::from_index(i));
        }
        let hint = did_you_mean(name, self.nodes.iter().map(String::as_str))
            .unwrap_or_else(|| known("nodes", self.nodes.iter().map(String::as_str)));
        ctx.error(path, format!("unknown node `{name}`"), Some(hint));
        None
    }

    /// Resolves a list of node names; `None` if any is unknown.
    pub(super) fn node_list(
        &self,
        ctx: &mut Ctx,
        list: &[String],
        path: &[Seg],
    ) -> Option<Vec<NodeId>> {
        let ids: Vec<Option<NodeId>> = list
            .iter()
            .enumerate()
            .map(|(i, n)| self.node(ctx, n, &at_index(path, i)))
            .collect();
        ids.into_iter().collect()
    }

    /// Resolves a connector name, reporting an unknown one with a suggestion.
    pub(super) fn connector(&self, ctx: &mut Ctx, name: &str, path: &[Seg]) -> Option<ConnectorId> {
        if let Some(&i) = self.connector_index.get(name) {
            return Some(ConnectorId::from_index(i));
        }
        let all = self.connectors.iter().flatten().map(String::as_str);
        let hint = did_you_mean(name, all.clone()).unwrap_or_else(|| known("connectors", all));
        ctx.error(path, format!("unknown connector `{name}`"), Some(hint));
        None
    }
}

/// "defined nodes: `a`, `b`", or a note that there are none.
fn known<'s>(what: &str, names: impl Iterator<Item = &'s str> + Clone) -> String {
    if names.clone().next().is_none() {
        format!("no {what} are defined under `{what}`")
    } else {
        format!("defined {what}: {}", quoted(names))
    }
}

/// The `name` of each list entry; reports empty and duplicate names.
fn entry_names(ctx: &mut Ctx, list: &[Value], section: &str, what: &str) -> Vec<Option<String>> {
    let mut names: Vec<Option<String>> = Vec::new();
    // A set, not a scan of `names`: a list of 65,534 entries took 16 s to check.
    let mut seen = std::collections::BTreeSet::new();
    for (i, v) in list.iter().enumerate() {
        let path = vec![key(section), Seg::Index(i), key("name")];
        let name = v.get("name").and_then(Value::as_str).map(str::to_string);
        match &name {
            Some(n) if n.trim().is_empty() => ctx.error(
                &path,
                format!("a {what} needs a non-empty `name`"),
                Some("names identify entries in reports and `--set`: e.g. `name: inbound`".into()),
            ),
            Some(n) if !seen.insert(n.clone()) => {
                ctx.error(
                    &path,
                    format!("another {what} is already named `{n}`"),
                    Some(format!("{what} names must be unique")),
                );
            }
            _ => {}
        }
        names.push(name);
    }
    names
}

/// Builds the typed scenario, or `None` when anything is wrong (the problems are in `ctx`).
pub(super) fn build(ctx: &mut Ctx, root: Value) -> Option<Scenario> {
    let top = read_top(ctx, root)?;
    limits::check_name(ctx, &top);
    limits::check_hops(ctx, &top);
    limits::check_entities(ctx, &top);
    limits::check_samples(ctx, &top);
    let names = Names::new(ctx, &top);
    let mut doms = Domains::build(ctx, &names, &top.domains);
    let mut tags = traffic::Tags::default();
    let stream_specs = traffic::read(ctx, &top.traffic, &mut tags);
    let rule_specs = routes::read_rules(ctx, &top.rules, &mut tags);
    let nodes = nodes::build(ctx, &names, &mut doms, &top.nodes);
    let connectors = routes::connectors(ctx, &names, &mut doms, &top.connectors);
    let rules = routes::rules(ctx, &names, &mut doms, &tags, &rule_specs, &connectors);
    let streams = traffic::build(ctx, &names, &mut doms, &tags, stream_specs, top.duration);
    let faults = faults::build(ctx, &names, &mut doms, &top.faults, top.duration);
    let changes = super::changes::build(
        ctx,
        &names,
        &mut doms,
        &top.changes,
        &nodes,
        &connectors,
        &rules,
        top.duration,
    );
    if ctx.has_errors() {
        return None;
    }
    let nodes = nodes.into_iter().collect::<Option<Vec<_>>>()?;
    let connectors = connectors.into_iter().collect::<Option<Vec<_>>>()?;
    let domains = doms.into_list();
    let topology = Topology::build(nodes.len(), &connectors, &domains);
    let scenario = Scenario {
        name: top.name?,
        description: top.description,
        duration: top.duration?,
        warmup: top.warmup,
        seed: top.seed,
        sample_every: top.sample_every,
        max_hops: top.max_hops,
        domains,
        nodes,
        connectors,
        rules: rules.into_iter().collect::<Option<Vec<_>>>()?,
        traffic: streams.into_iter().collect::<Option<Vec<_>>>()?,
        faults: faults.into_iter().collect::<Option<Vec<_>>>()?,
        changes: changes.into_iter().collect::<Option<Vec<_>>>()?,
        alerts: top.alerts.unwrap_or_default(),
        tags: tags.into_names(),
        topology,
        derived: Default::default(),
        delay_thresholds: crate::model::DEFAULT_DELAY_THRESHOLDS.to_vec(),
    };
    limits::check_retry_waits(ctx, &scenario);
    super::check::warnings::warnings(ctx, &scenario);
    (!ctx.has_errors()).then_some(scenario)
}

/// The path of list entry `i` of `section`.
pub(super) fn entry_path(section: &str, i: usize) -> Path {
    vec![key(section), Seg::Index(i)]
}

/// The path of the named entry `name` of `section`.
pub(super) fn named_path(section: &str, name: &str) -> Path {
    at(&[key(section)], name)
}
