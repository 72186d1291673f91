//! The diagnostic collector shared by every loading step, and serde errors made readable.

use serde::de::DeserializeOwned;
use serde_yaml::Value;

use super::locate::{Index, Path, Seg};
use super::{Diagnostic, Severity};

/// Collects located diagnostics while a scenario is checked and built.
pub struct Ctx<'a> {
    file: &'a str,
    index: &'a Index<'a>,
    /// Paths set by `--set`, with the label diagnostics under them carry as their file.
    overridden: Vec<(Path, String)>,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> Ctx<'a> {
    /// A collector for `file`, locating paths with `index`.
    pub fn new(file: &'a str, index: &'a Index<'a>) -> Ctx<'a> {
        Ctx {
            file,
            index,
            overridden: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    /// The scenario file, as diagnostics name it (relative `replay` files are found beside it).
    pub fn file(&self) -> &'a str {
        self.file
    }

    /// Records that `path` was set by an override, so problems under it point at the `--set`.
    pub fn mark_overridden(&mut self, path: Path, label: String) {
        self.overridden.push((path, label));
    }

    /// Reports a problem that belongs to a `--set` argument rather than the file.
    pub fn override_error(
        &mut self,
        label: String,
        path: &str,
        message: String,
        hint: Option<String>,
    ) {
        self.diagnostics.push(Diagnostic {
            severity: Severity::Error,
            file: label,
            line: 0,
            column: 0,
            path: path.to_string(),
            message,
            hint,
        });
    }

    fn push(
        &mut self,
        severity: Severity,
        path: &[Seg],
        at_key: bool,
        message: String,
        hint: Option<String>,
    ) {
        let overridden = self
            .overridden
            .iter()
            .rev()
            .find(|(p, _)| path.starts_with(p));
        let (file, line, column) = match overridden {
            Some((_, label)) => (label.clone(), 0, 0),
            None => {
                let pos = self.index.find(path, at_key);
                (
                    self.file.to_string(),
                    pos.map_or(1, |p| p.line),
                    pos.map_or(1, |p| p.column),
                )
            }
        };
        self.diagnostics.push(Diagnostic {
            severity,
            file,
            line,
            column,
            path: self.index.display(path),
            message,
            hint,
        });
    }

    /// Reports an error at the value found at `path`.
    pub fn error(&mut self, path: &[Seg], message: impl Into<String>, hint: Option<String>) {
        self.push(Severity::Error, path, false, message.into(), hint);
    }

    /// Reports an error at the key of `path` (for missing or misplaced keys).
    pub fn error_at_key(&mut self, path: &[Seg], message: impl Into<String>, hint: Option<String>) {
        self.push(Severity::Error, path, true, message.into(), hint);
    }

    /// Reports a warning at the key of `path`.
    pub fn warn(&mut self, path: &[Seg], message: impl Into<String>, hint: Option<String>) {
        self.push(Severity::Warning, path, true, message.into(), hint);
    }

    /// Whether any error has been reported.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    /// The diagnostics, in the order they were found.
    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }

    /// Deserializes `value` (found at `base`); on failure reports a located error and gives `None`.
    /// Unknown keys are reported and dropped one by one before the rest is read again, so a
    /// typo in one key does not hide a problem in another key of the same entry.
    pub fn de<T: DeserializeOwned>(&mut self, mut value: Value, base: &[Seg]) -> Option<T> {
        // Bounded: each round removes one key.
        for _ in 0..64 {
            // Read from a borrow: a long list is not copied for each attempt.
            let e = match serde_path_to_error::deserialize::<_, T>(&value) {
                // Any dropped key was reported: the scenario fails, but the entry's other
                // values still get checked.
                Ok(v) => return Some(v),
                Err(e) => e,
            };
            let rel: Path = e
                .path()
                .iter()
                .filter_map(|seg| match seg {
                    serde_path_to_error::Segment::Seq { index } => Some(Seg::Index(*index)),
                    serde_path_to_error::Segment::Map { key } => Some(Seg::Key(key.clone())),
                    _ => None,
                })
                .collect();
            let mut path = base.to_vec();
            path.extend(rel.iter().cloned());
            let text = e.inner().to_string();
            let (message, hint, at_key) = explain(&text);
            self.push(Severity::Error, &path, at_key, message, hint);
            if !(text.starts_with("unknown field ") && remove(&mut value, &rel)) {
                return None;
            }
        }
        None
    }
}

/// Removes the key at `path` from `value`; false if there is nothing to remove.
fn remove(value: &mut Value, path: &[Seg]) -> bool {
    match path {
        [] => false,
        [Seg::Key(k)] => value
            .as_mapping_mut()
            .and_then(|m| m.shift_remove(k.as_str()))
            .is_some(),
        [first, rest @ ..] => {
            let child = match first {
                Seg::Key(k) => value.get_mut(k.as_str()),
                Seg::Index(i) => value.get_mut(*i),
            };
            child.is_some_and(|c| remove(c, rest))
        }
    }
}

/// The words between backticks in a serde message.
fn backticked(msg: &str) -> Vec<&str> {
    msg.split('`').skip(1).step_by(2).collect()
}

/// Turns a serde message into (message, hint, points at the key).
fn explain(msg: &str) -> (String, Option<String>, bool) {
    let words = backticked(msg);
    if msg.starts_with("unknown field ") {
        let name = words.first().copied().unwrap_or_default();
        let allowed = words.get(1..).unwrap_or_default();
        let hint = match suggest(name, allowed.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None if allowed.is_empty() => "this mapping takes no keys".to_string(),
            None => format!("allowed keys: {}", quoted(allowed.iter().copied())),
        };
        return (format!("unknown key `{name}`"), Some(hint), true);
    }
    if msg.starts_with("unknown variant ") {
        let name = words.first().copied().unwrap_or_default();
        let allowed = words.get(1..).unwrap_or_default();
        return (
            format!("`{name}` is not an allowed value"),
            Some(allowed_hint(name, allowed)),
            false,
        );
    }
    if msg.starts_with("missing field ") {
        let name = words.first().copied().unwrap_or_default();
        return (
            format!("missing key `{name}`"),
            Some(format!("add `{name}:` here")),
            true,
        );
    }
    if let Some(rest) = msg.strip_prefix("invalid type: ") {
        let (found, expected) = rest
            .split_once(", expected ")
            .unwrap_or((rest, "something else"));
        let found = match found {
            "unit value" => "nothing",
            "sequence" => "a list",
            "map" => "a mapping",
            "enum" => "a tagged value (`!tag …`)",
            other => other,
        };
        let expected = match expected {
            "u32" | "u64" | "i64" => "a whole number",
            "f64" => "a number",
            "a boolean" => "`true` or `false`",
            "a sequence" => "a list such as `[a, b]`",
            "a map" => "a mapping such as `{key: value}`",
            // serde names of the schema's structs and of raw values mean nothing to a user.
            s if s.starts_with("struct ") => "a mapping of settings (`key: value` lines)",
            s if s.contains("Value::") => "a value",
            other => other,
        };
        let hint = if found == "nothing" {
            "the value is missing: write it after the `:`"
        } else if expected.contains("mapping") {
            "write `key: value` entries indented under the key, or `{key: value}` on one line"
        } else if expected.contains("list") {
            "write `[a, b]`, or one `- item` per line indented under the key"
        } else if expected == "a string" {
            "write a name or a text here (quote it if it contains `: ` or starts with `[`, `{`, `*` or `&`)"
        } else if expected.contains("number") {
            "write a plain number here, without a unit"
        } else if expected.contains("`true`") {
            "write `true` or `false`"
        } else if expected.contains("such as `90s`") {
            "durations, rates and sizes take a unit (`90s`, `20/s`, `75KB`); shares are plain numbers"
        } else {
            "see docs/scenario-format.md for what this key takes"
        };
        return (
            format!("expected {expected}, found {found}"),
            Some(hint.into()),
            false,
        );
    }
    if let Some(rest) = msg.strip_prefix("invalid value: ") {
        let hint = if rest.contains("expected u32") {
            Some(format!("write a whole number from 0 to {}", u32::MAX))
        } else if rest.contains("expected u64") {
            Some(format!("write a whole number from 0 to {}", u64::MAX))
        } else {
            None
        };
        let rest = rest
            .replace("expected u32", "expected a whole number")
            .replace("expected u64", "expected a whole number");
        return (format!("invalid value: {rest}"), hint, false);
    }
    (msg.to_string(), None, false)
}

/// A hint naming the allowed values, led by a suggestion when one is close.
pub(super) fn allowed_hint(name: &str, allowed: &[&str]) -> String {
    let list = quoted(allowed.iter().copied());
    match suggest(name, allowed.iter().copied()) {
        Some(s) => format!("did you mean `{s}`? allowed values: {list}"),
        None => format!("allowed values: {list}"),
    }
}

/// `a`, `b`, `c` with backticks.
pub(super) fn quoted<'s>(items: impl IntoIterator<Item = &'s str>) -> String {
    items
        .into_iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The candidate closest to `word`, when it is close enough to be a likely typo.
pub(super) fn suggest<'s>(
    word: &str,
    candidates: impl IntoIterator<Item = &'s str>,
) -> Option<&'s str> {
    let w = word.to_lowercase();
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let lc = c.to_lowercase();
        let jw = strsim::jaro_winkler(&w, &lc);
        let edits = strsim::damerau_levenshtein(&w, &lc);
        let close = lc == w || jw >= 0.88 || (edits <= 2 && edits < w.chars().count().max(1));
        if close && best.is_none_or(|(score, _)| jw > score) {
            best = Some((jw, c));
        }
    }
    best.map(|(_, c)| c)
}

/// `did you mean `x`?` when a candidate is close.
pub(super) fn did_you_mean<'s>(
    word: &str,
    candidates: impl IntoIterator<Item = &'s str>,
) -> Option<String> {
    suggest(word, candidates).map(|s| format!("did you mean `{s}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_words_are_suggested_and_far_ones_are_not() {
        let kinds = [
            "internet",
            "exchange_online",
            "exchange_server",
            "gateway",
            "smtp",
        ];
        assert_eq!(suggest("exchange_onlin", kinds), Some("exchange_online"));
        assert_eq!(suggest("gatewy", kinds), Some("gateway"));
        assert_eq!(suggest("onprme", ["onprem", "eop"]), Some("onprem"));
        assert_eq!(suggest("zzz", kinds), None);
    }

    #[test]
    fn unknown_fields_become_did_you_mean() {
        let (msg, hint, at_key) =
            explain("unknown field `workrs`, expected one of `kind`, `workers`");
        assert_eq!(msg, "unknown key `workrs`");
        assert_eq!(hint.as_deref(), Some("did you mean `workers`?"));
        assert!(at_key);
        let (_, hint, _) = explain("unknown field `zzz`, expected one of `kind`, `workers`");
        assert_eq!(hint.as_deref(), Some("allowed keys: `kind`, `workers`"));
    }
}
