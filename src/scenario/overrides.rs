//! `--set KEY=VALUE` overrides, applied to the YAML value tree before it is read.
//!
//! Keys are dotted paths. Mapping keys may themselves contain dots (domain names), so at a
//! mapping the longest run of segments that forms an existing key wins; a missing leaf key is
//! created from one segment. In a list, a segment selects the entry with that `name`, or an
//! index; `connectors[eop-to-onprem].to` is accepted too.

use serde_yaml::Value;

use super::Override;
use super::context::{Ctx, did_you_mean, quoted};
use super::locate::{Path, Seg};
use super::values::show;

/// Why an override could not be applied: message, hint, and the part of the key that failed.
struct Fail {
    message: String,
    hint: Option<String>,
    at: String,
}

/// Applies every override in order (later ones win); failures are reported in `ctx`.
pub(super) fn apply(ctx: &mut Ctx, root: &mut Value, overrides: &[Override]) {
    for o in overrides {
        match apply_one(root, o) {
            Ok(path) => ctx.mark_overridden(path, o.label()),
            Err(f) => ctx.override_error(o.label(), &f.at, f.message, f.hint),
        }
    }
}

fn apply_one(root: &mut Value, o: &Override) -> Result<Path, Fail> {
    let segs = split_key(&o.key)?;
    let value: Value = serde_yaml::from_str(&o.value).map_err(|e| Fail {
        message: format!("cannot read `{}` as a YAML value: {e}", o.value),
        hint: Some("quote the value, e.g. `--set 'description=\"a: b\"'`".into()),
        at: o.key.clone(),
    })?;
    let mut path = Vec::new();
    set(root, &segs, value, &mut path)?;
    Ok(path)
}

/// Splits `a.b[c d].e` into `a`, `b`, `c d`, `e`.
fn split_key(key: &str) -> Result<Vec<String>, Fail> {
    let fail = |message: String| Fail {
        message,
        hint: Some(
            "write the path like `traffic.inbound.rate` or `connectors[eop-to-onprem].to`".into(),
        ),
        at: key.to_string(),
    };
    let mut segs = Vec::new();
    let mut cur = String::new();
    let mut chars = key.chars();
    let mut after_bracket = false;
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                if cur.is_empty() && !after_bracket {
                    return Err(fail(format!("`{key}` has an empty part")));
                }
                if !cur.is_empty() {
                    segs.push(std::mem::take(&mut cur));
                }
                after_bracket = false;
            }
            '[' => {
                if !cur.is_empty() {
                    segs.push(std::mem::take(&mut cur));
                }
                let inner: String = chars.by_ref().take_while(|&c| c != ']').collect();
                if inner.is_empty() {
                    return Err(fail(format!("`{key}` has an empty `[]`")));
                }
                segs.push(inner);
                after_bracket = true;
            }
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        segs.push(cur);
    } else if !after_bracket {
        return Err(fail(format!("`{key}` ends with `.`")));
    }
    Ok(segs)
}

/// How a mapping key reads as path text.
fn key_text(k: &Value) -> String {
    show(k)
}

fn set(node: &mut Value, segs: &[String], value: Value, path: &mut Path) -> Result<(), Fail> {
    let Some(first) = segs.first() else {
        *node = value;
        return Ok(());
    };
    let here = path_text(path);
    match node {
        Value::Mapping(map) => {
            let found = (1..=segs.len()).rev().find_map(|n| {
                let joined = segs[..n].join(".");
                map.keys()
                    .find(|k| key_text(k) == joined)
                    .cloned()
                    .map(|k| (k, n, joined))
            });
            match found {
                Some((k, n, joined)) => {
                    path.push(Seg::Key(joined));
                    match map.get_mut(&k) {
                        Some(child) => set(child, &segs[n..], value, path),
                        None => Err(unknown(first, &here, Vec::new())),
                    }
                }
                None if segs.len() == 1 => {
                    path.push(Seg::Key(first.clone()));
                    map.insert(Value::String(first.clone()), value);
                    Ok(())
                }
                None => Err(unknown(first, &here, map.keys().map(key_text).collect())),
            }
        }
        Value::Sequence(list) => {
            let by_name = (1..=segs.len()).rev().find_map(|n| {
                let joined = segs[..n].join(".");
                list.iter()
                    .position(|e| e.get("name").and_then(Value::as_str) == Some(joined.as_str()))
                    .map(|i| (i, n))
            });
            let by_index = || {
                first
                    .parse::<usize>()
                    .ok()
                    .filter(|&i| i < list.len())
                    .map(|i| (i, 1))
            };
            let names: Vec<String> = list
                .iter()
                .filter_map(|e| e.get("name").and_then(Value::as_str))
                .map(str::to_string)
                .collect();
            match by_name.or_else(by_index) {
                Some((i, n)) => {
                    path.push(Seg::Index(i));
                    match list.get_mut(i) {
                        Some(child) => set(child, &segs[n..], value, path),
                        None => Err(unknown(first, &here, names)),
                    }
                }
                None => Err(unknown(first, &here, names)),
            }
        }
        other => Err(Fail {
            message: format!(
                "`{}` is {}, not a mapping or list: nothing under it can be set",
                here,
                show(other)
            ),
            hint: Some(format!("set `{}` itself", here)),
            at: here,
        }),
    }
}

fn unknown(seg: &str, parent: &str, present: Vec<String>) -> Fail {
    let hint = did_you_mean(seg, present.iter().map(String::as_str)).or_else(|| {
        (!present.is_empty()).then(|| {
            format!(
                "present here: {}",
                quoted(present.iter().map(String::as_str))
            )
        })
    });
    let where_ = if parent.is_empty() {
        "the top level".to_string()
    } else {
        format!("`{parent}`")
    };
    Fail {
        message: format!("`{seg}` does not exist in {where_}"),
        hint,
        at: parent.to_string(),
    }
}

fn path_text(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(yaml: &str, arg: &str) -> Result<Value, String> {
        let mut v: Value = serde_yaml::from_str(yaml).unwrap();
        let o = Override::parse(arg).map_err(|d| d.to_string())?;
        apply_one(&mut v, &o)
            .map(|_| v)
            .map_err(|f| format!("{} / {}", f.message, f.hint.unwrap_or_default()))
    }

    const DOC: &str = "domains:\n  contoso.com: {ttl: 1h}\n  '*': {ttl: 5m}\ntraffic:\n  - {name: inbound, rate: 10/s}\n  - {name: out.bound, rate: 1/s}\n";

    #[test]
    fn domain_keys_with_dots_are_matched_whole() {
        let v = run(DOC, "domains.contoso.com.ttl=1d").unwrap();
        assert_eq!(
            v["domains"]["contoso.com"]["ttl"],
            Value::String("1d".into())
        );
    }

    #[test]
    fn list_entries_are_selected_by_name_or_index() {
        let v = run(DOC, "traffic.inbound.rate=80000/d").unwrap();
        assert_eq!(v["traffic"][0]["rate"], Value::String("80000/d".into()));
        let v = run(DOC, "traffic.out.bound.rate=2/s").unwrap();
        assert_eq!(v["traffic"][1]["rate"], Value::String("2/s".into()));
        let v = run(DOC, "traffic[1].rate=3/s").unwrap();
        assert_eq!(v["traffic"][1]["rate"], Value::String("3/s".into()));
    }

    #[test]
    fn values_are_read_as_yaml() {
        let v = run(DOC, "seed=32").unwrap();
        assert_eq!(v["seed"], Value::Number(32.into()));
        let v = run(DOC, "traffic.inbound.size={fixed: 1KB}").unwrap();
        assert!(v["traffic"][0]["size"].is_mapping());
    }

    #[test]
    fn unknown_paths_suggest_what_is_there() {
        let e = run(DOC, "traffic.inbund.rate=1/s").unwrap_err();
        assert!(e.contains("did you mean `inbound`?"), "{e}");
        let e = run(DOC, "domain.contoso.com.ttl=1d").unwrap_err();
        assert!(e.contains("did you mean `domains`?"), "{e}");
        let e = run(DOC, "traffic.inbound.rate.x=1").unwrap_err();
        assert!(e.contains("not a mapping"), "{e}");
    }

    #[test]
    fn malformed_arguments_are_rejected() {
        assert!(Override::parse("novalue").is_err());
        assert!(Override::parse("=3").is_err());
        assert!(split_key("a..b").is_err());
        assert!(split_key("a.").is_err());
    }
}
