//! The settings that differ between two scenario files: a structural diff of their YAML, key
//! by key, with each difference named by its path as `--set` spells it
//! (`nodes.eop.accepted_domains.contoso.com`, `faults[0].for`).

use serde::Serialize;
use serde_yaml::Value;

/// How a setting differs.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Only the other scenario has it.
    Added,
    /// Only the baseline has it.
    Removed,
    /// Both have it, with different values.
    Changed,
}

/// One setting that differs.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SettingChange {
    /// The setting's path.
    pub path: String,
    /// How it differs.
    pub change: Change,
    /// Its value in the baseline (YAML, on one line), if it has one.
    pub baseline: Option<String>,
    /// Its value in the other scenario, if it has one.
    pub value: Option<String>,
}

/// Keys that always differ and say nothing about the design.
const IGNORED: [&str; 2] = ["name", "description"];

/// The YAML of a scenario's text, if it parses.
pub fn parse(text: &str) -> Option<Value> {
    serde_yaml::from_str(text).ok()
}

/// A value on one line: scalars as written, collections in flow style.
pub fn inline(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Sequence(items) => {
            let parts: Vec<String> = items.iter().map(inline).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Mapping(m) => {
            let parts: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}: {}", inline(k), inline(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Value::Tagged(t) => format!("{} {}", t.tag, inline(&t.value)),
    }
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn walk(path: &str, a: Option<&Value>, b: Option<&Value>, out: &mut Vec<SettingChange>) {
    match (a, b) {
        (Some(Value::Mapping(ma)), Some(Value::Mapping(mb))) => {
            for (k, va) in ma {
                let key = inline(k);
                if path.is_empty() && IGNORED.contains(&key.as_str()) {
                    continue;
                }
                walk(&child(path, &key), Some(va), mb.get(k), out);
            }
            for (k, vb) in mb.iter().filter(|(k, _)| !ma.contains_key(*k)) {
                let key = inline(k);
                if path.is_empty() && IGNORED.contains(&key.as_str()) {
                    continue;
                }
                walk(&child(path, &key), None, Some(vb), out);
            }
        }
        (Some(Value::Sequence(sa)), Some(Value::Sequence(sb))) => {
            for i in 0..sa.len().max(sb.len()) {
                walk(&format!("{path}[{i}]"), sa.get(i), sb.get(i), out);
            }
        }
        (Some(va), Some(vb)) if va == vb => {}
        (a, b) => out.push(SettingChange {
            path: path.to_string(),
            change: match (a, b) {
                (None, _) => Change::Added,
                (_, None) => Change::Removed,
                _ => Change::Changed,
            },
            baseline: a.map(inline),
            value: b.map(inline),
        }),
    }
}

/// Every setting of `b` that differs from `baseline`, in the baseline's key order (then `b`'s
/// additions); `name` and `description` are left out.
pub fn diff(baseline: &Value, b: &Value) -> Vec<SettingChange> {
    let mut out = Vec::new();
    walk("", Some(baseline), Some(b), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_added_and_removed_keys_are_named_by_their_path() {
        let a: Value = serde_yaml::from_str(
            "name: a\nnodes:\n  eop: {accepted_domains: {contoso.com: internal_relay}}\nfaults:\n  - {kind: x, at: 1h}\n",
        )
        .unwrap();
        let b: Value = serde_yaml::from_str(
            "name: b\nnodes:\n  eop: {accepted_domains: {contoso.com: authoritative}, workers: 4}\nfaults: []\n",
        )
        .unwrap();
        let d = diff(&a, &b);
        assert_eq!(d.len(), 3, "{d:?}");
        assert_eq!(d[0].path, "nodes.eop.accepted_domains.contoso.com");
        assert_eq!(d[0].change, Change::Changed);
        assert_eq!(d[0].value.as_deref(), Some("authoritative"));
        assert_eq!(
            (d[1].path.as_str(), d[1].change),
            ("nodes.eop.workers", Change::Added)
        );
        assert_eq!(
            (d[2].path.as_str(), d[2].change),
            ("faults[0]", Change::Removed)
        );
        assert_eq!(d[2].baseline.as_deref(), Some("{kind: x, at: 1h}"));
    }
}
