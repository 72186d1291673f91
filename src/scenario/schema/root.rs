//! The whole scenario file as one type, for the JSON Schema only: the loader reads the top
//! level key by key (so one bad section does not hide the others), but editors need one root.

use indexmap::IndexMap;
use schemars::JsonSchema;

use super::{
    AlertsSpec, ChangeSpec, ConnectorSpec, DomainSpec, FaultSpec, NodeSpec, RuleSpec, TOP_KEYS,
    TrafficSpec, Unit,
};

/// `warmup`: a duration or `auto`.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum WarmupSpec {
    /// Statistics ignore messages created before this time (default `0s`).
    Fixed(Unit),
    /// MSER-5 picks the truncation point from a pilot run.
    Auto(AutoWord),
}

/// The word `auto`.
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum AutoWord {
    /// MSER-5.
    Auto,
}

/// A mailflow scenario: a mail topology, its DNS, the traffic pushed through it and the faults
/// injected into it. See docs/scenario-format.md.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ScenarioFile {
    /// Used for the report folder name.
    name: String,
    /// Shown in reports.
    description: Option<String>,
    /// Simulated horizon, e.g. `3d`. t = 0 is midnight.
    duration: Unit,
    /// Statistics ignore messages created earlier (default `0s`); `auto` picks it with MSER-5.
    warmup: Option<WarmupSpec>,
    /// Master seed (default 1); `--seed` wins.
    seed: Option<u64>,
    /// Resolution of the time series (default `5m`).
    sample_every: Option<Unit>,
    /// Hop count at which a message is NDR'd as a loop (default 20).
    max_hops: Option<u32>,
    /// Recipient domains: MX records, TTL, where their mailboxes live; `"*"` is the rest of the
    /// internet.
    domains: IndexMap<String, DomainSpec>,
    /// Mail systems by name.
    nodes: IndexMap<String, NodeSpec>,
    /// Directed routes between nodes.
    connectors: Option<Vec<ConnectorSpec>>,
    /// Conditional (criteria-based) routing.
    rules: Option<Vec<RuleSpec>>,
    /// Synthetic message streams.
    traffic: Vec<TrafficSpec>,
    /// Injected failures.
    faults: Option<Vec<FaultSpec>>,
    /// Timed configuration changes, each with its propagation delay.
    changes: Option<Vec<ChangeSpec>>,
    /// Thresholds of the queue alerts.
    alerts: Option<AlertsSpec>,
}

/// The JSON Schema of the scenario format (draft 2020-12), pretty-printed with a final newline.
pub fn json_schema() -> String {
    let mut schema = schemars::schema_for!(ScenarioFile);
    schema.insert(
        "$id".into(),
        "https://github.com/mailflow/mailflow/docs/scenario.schema.json".into(),
    );
    schema.insert("title".into(), "mailflow scenario".into());
    debug_assert_eq!(TOP_KEYS.len(), 15);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_names_every_top_level_key_and_no_other() {
        let schema: serde_json::Value = serde_json::from_str(&json_schema()).unwrap();
        let props = schema["properties"].as_object().unwrap();
        let mut keys: Vec<&str> = props.keys().map(String::as_str).collect();
        let mut want = TOP_KEYS.to_vec();
        keys.sort();
        want.sort();
        assert_eq!(keys, want);
        assert_eq!(schema["additionalProperties"], serde_json::json!(false));
    }
}
