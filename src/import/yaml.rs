//! A small block-style YAML writer with aligned end-of-line comments, and scalar quoting.

/// Lines of YAML being written: (text, end-of-line comment).
#[derive(Debug, Default)]
pub(super) struct Yaml {
    lines: Vec<(String, Option<String>)>,
}

/// Comments start at this column at most; longer lines get theirs two spaces after the text.
const COMMENT_COLUMN: usize = 44;

impl Yaml {
    /// A whole-line comment.
    pub(super) fn comment(&mut self, indent: usize, text: &str) {
        for part in text.lines() {
            let body = if part.is_empty() {
                "#".to_string()
            } else {
                format!("# {part}")
            };
            self.lines
                .push((format!("{}{body}", " ".repeat(indent)), None));
        }
    }

    /// A line of YAML with an optional end-of-line comment.
    pub(super) fn line(&mut self, indent: usize, text: impl Into<String>, comment: Option<String>) {
        let comment = comment.map(|c| c.replace(['\n', '\r'], " "));
        self.lines
            .push((format!("{}{}", " ".repeat(indent), text.into()), comment));
    }

    /// `key: value  # comment`.
    pub(super) fn pair(
        &mut self,
        indent: usize,
        key: &str,
        value: impl AsRef<str>,
        comment: Option<String>,
    ) {
        self.line(
            indent,
            format!("{}: {}", scalar(key), value.as_ref()),
            comment,
        );
    }

    /// An empty line.
    pub(super) fn blank(&mut self) {
        self.lines.push((String::new(), None));
    }

    /// Appends text as it is (e.g. a fitted `traffic:` section).
    pub(super) fn raw(&mut self, text: &str) {
        for l in text.lines() {
            self.lines.push((l.to_string(), None));
        }
    }

    /// The document.
    pub(super) fn render(&self) -> String {
        let width = self
            .lines
            .iter()
            .filter(|(_, c)| c.is_some())
            .map(|(t, _)| t.len())
            .filter(|w| *w < COMMENT_COLUMN)
            .max()
            .unwrap_or(0);
        let mut out = String::new();
        for (text, comment) in &self.lines {
            out.push_str(text);
            if let Some(c) = comment {
                let pad = if text.len() < width {
                    width - text.len()
                } else {
                    0
                };
                out.push_str(&" ".repeat(pad + 2));
                out.push_str("# ");
                out.push_str(c);
            }
            out.push('\n');
        }
        out
    }
}

/// Words YAML 1.1 readers take as booleans or null.
const SPECIAL: &[&str] = &[
    "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
];

/// A string as a YAML scalar: plain when safe, else double-quoted.
pub(super) fn scalar(s: &str) -> String {
    let plain_char = |c: char| c.is_ascii_alphanumeric() || "._-/@+".contains(c);
    let safe = !s.is_empty()
        && s.chars().all(plain_char)
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && !SPECIAL.contains(&s.to_ascii_lowercase().as_str())
        && s.parse::<f64>().is_err();
    if safe {
        return s.to_string();
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `{a: b, c: d}` from already-formatted values.
pub(super) fn flow_map(pairs: &[(&str, String)]) -> String {
    let inner: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}: {v}", scalar(k)))
        .collect();
    format!("{{{}}}", inner.join(", "))
}

/// `[a, b]` from strings (quoted as needed).
pub(super) fn flow_list(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|i| scalar(i)).collect();
    format!("[{}]", inner.join(", "))
}

/// A number without needless digits: `0.5`, `1`, `0.3333`.
pub(super) fn number(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_are_quoted_only_when_needed() {
        assert_eq!(scalar("contoso.com"), "contoso.com");
        assert_eq!(scalar("*"), "\"*\"");
        assert_eq!(scalar("*.contoso.com"), "\"*.contoso.com\"");
        assert_eq!(scalar("yes"), "\"yes\"");
        assert_eq!(scalar("2024"), "\"2024\"");
        assert_eq!(scalar("a: b"), "\"a: b\"");
        assert_eq!(scalar("say \"hi\""), "\"say \\\"hi\\\"\"");
    }

    #[test]
    fn comments_line_up() {
        let mut y = Yaml::default();
        y.pair(0, "a", "1", Some("one".into()));
        y.pair(2, "bbbb", "2", Some("two".into()));
        y.comment(0, "whole\n\nline");
        let text = y.render();
        assert_eq!(
            text,
            "a: 1       # one\n  bbbb: 2  # two\n# whole\n#\n# line\n"
        );
    }

    #[test]
    fn flows_and_numbers() {
        assert_eq!(
            flow_map(&[("mode", "required".into()), ("validate", "domain".into())]),
            "{mode: required, validate: domain}"
        );
        assert_eq!(
            flow_list(&["contoso.com".into(), "*".into()]),
            "[contoso.com, \"*\"]"
        );
        assert_eq!(number(0.5), "0.5");
        assert_eq!(number(1.0), "1");
        assert_eq!(number(1.0 / 3.0), "0.3333");
    }
}
