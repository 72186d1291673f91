//! YAML reader errors explained: where the problem really is, what is wrong, how to fix it.
//!
//! Two readers see the text: `locate::Index::build` (yaml-rust2, for positions) and
//! `serde_yaml` (for values). Their messages are terse and sometimes unlocated; this module
//! turns each into a position, a message and a `help:` hint.

use super::locate::{Index, MAX_DEPTH, Pos, SyntaxError};

/// What the nesting limit says, for both YAML readers.
fn too_deep() -> (String, Option<String>) {
    (
        format!("the document is nested more than {MAX_DEPTH} levels deep"),
        Some(
            "no scenario needs that much nesting: look for `[` or `{` that are never closed".into(),
        ),
    )
}

/// Explains a YAML syntax error found by [`Index::build`]: where it really is, what is wrong
/// and how to fix it.
pub(super) fn explain_syntax(text: &str, e: &SyntaxError) -> (Pos, String, Option<String>) {
    let m = e.message.as_str();
    if m.contains("recursion limit") || m.contains("nested more than") {
        let (message, hint) = too_deep();
        return (e.pos, message, hint);
    }
    if m.contains("tab") {
        // The scanner often stops on the line before the tab: point at the tab itself.
        let pos = text
            .lines()
            .enumerate()
            .skip(e.pos.line.saturating_sub(1))
            .take(3)
            .find_map(|(i, l)| {
                let col = l.chars().position(|c| c == '\t')?;
                Some(Pos {
                    line: i + 1,
                    column: col + 1,
                })
            })
            .unwrap_or(e.pos);
        return (
            pos,
            format!("invalid YAML: {m}"),
            Some("YAML indents with spaces, not tabs: replace the tab with spaces".into()),
        );
    }
    (
        e.pos,
        format!("invalid YAML: {m}"),
        Some(syntax_hint(m).into()),
    )
}

/// How to fix a YAML syntax error, from the parser's message.
fn syntax_hint(m: &str) -> &'static str {
    const HINTS: &[(&str, &str)] = &[
        (
            "flow mapping",
            "a `{` opened on this line or above is not closed, or two entries lack a `,` between them",
        ),
        (
            "flow sequence",
            "a `[` opened on this line or above is not closed, or two items lack a `,` between them",
        ),
        (
            "mapping values are not allowed",
            "a value that contains `: ` must be quoted (`\"a: b\"`), or this line is indented too far",
        ),
        (
            "simple key",
            "a key needs `: ` after it (with a space), and a value that spans lines needs quotes",
        ),
        (
            "expected '-' indicator",
            "each item of a list starts with `- ` at the same indentation as the items above",
        ),
        (
            "only valid inside a block",
            "a `- ` item cannot follow a key on the same line or sit inside `[…]`/`{…}`: put it on \
             its own line, indented under its key",
        ),
        (
            "block sequence entries are not allowed",
            "a `- ` item cannot follow a key on the same line: put it on its own line, indented \
             under its key",
        ),
        (
            "document start",
            "this line is not part of the scenario's top-level mapping: check its indentation, or \
             remove stray text",
        ),
        (
            "node content",
            "a value is missing here: write it after the `:` or `- `, or remove the stray `,` or `-`",
        ),
        (
            "comments must be separated",
            "put a space before `#`, or quote the value if the `#` belongs to it",
        ),
        (
            "unexpected character",
            "quote values that start with `@`, a backquote, `%`, `|`, `>`, `!`, `&` or `*`",
        ),
        (
            "':' indicator",
            "quote a value that contains `:`, or put a space after the `:` of a key",
        ),
        ("quoted scalar", "a quote opened here is not closed"),
        (
            "alias",
            "an alias `*name` needs an anchor `&name` defined before it; quote the value if the `*` \
             is text",
        ),
        ("anchor", "an anchor is written `&name` just before a value"),
        ("tag", "quote values that start with `!`"),
    ];
    HINTS.iter().find(|(needle, _)| m.contains(needle)).map_or(
        "check the indentation and quoting of this line and the one above it (YAML indents \
             with spaces)",
        |(_, hint)| hint,
    )
}

/// YAML's printable characters (YAML 1.2 §5.1); anything else is refused by the reader.
fn printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
        || c >= '\u{10000}'
}

/// The position of the first character YAML does not allow, if any.
fn first_unprintable(text: &str) -> Option<(Pos, char)> {
    text.lines().enumerate().find_map(|(i, line)| {
        line.chars()
            .enumerate()
            .find(|&(_, c)| !printable(c) && c != '\u{feff}')
            .map(|(col, c)| {
                (
                    Pos {
                        line: i + 1,
                        column: col + 1,
                    },
                    c,
                )
            })
    })
}

/// Explains an error of the YAML value reader (`serde_yaml`) that [`Index::build`] let
/// through; `message` has its location cut off, `pos` is the reader's location.
pub(super) fn explain_reader(
    index: &Index,
    text: &str,
    message: &str,
    pos: Pos,
) -> (Pos, String, Option<String>) {
    if message.contains("control characters")
        && let Some((at, c)) = first_unprintable(text)
    {
        return (
            at,
            format!(
                "invalid YAML: the file contains the control character U+{:04X}",
                u32::from(c)
            ),
            Some(
                "delete it: a scenario is plain text (a stray byte from a copy and paste?)".into(),
            ),
        );
    }
    if message.contains("repetition limit") {
        return (
            index.first_alias().unwrap_or(pos),
            "the document's aliases (`*name`) expand to too many values (an alias bomb?)".into(),
            Some("write the values out, or nest fewer aliases inside anchored values".into()),
        );
    }
    if message.contains("recursion limit") {
        let (message, hint) = too_deep();
        return (pos, message, hint);
    }
    if message.contains("duplicate entry") || message.starts_with("duplicate") {
        return (
            index.duplicate_key().unwrap_or(pos),
            format!("invalid YAML: {message}"),
            Some("a key may appear once per mapping: remove or merge the repeated one".into()),
        );
    }
    (
        pos,
        format!("invalid YAML: {message}"),
        Some(syntax_hint(message).into()),
    )
}

/// Where the first merge key (`<<`) is written, if any.
pub(super) fn first_merge_key(text: &str) -> Option<Pos> {
    text.lines().enumerate().find_map(|(i, line)| {
        let at = line.find("<<")?;
        Some(Pos {
            line: i + 1,
            column: line[..at].chars().count() + 1,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tab_is_located_on_its_own_line_with_a_hint() {
        let text = "a:\n  b: c\n\td: e\n";
        let e = Index::build(text).unwrap_err();
        let (pos, _, hint) = explain_syntax(text, &e);
        assert_eq!(pos.line, 3, "{e:?}");
        assert!(hint.unwrap().contains("tabs"));
    }

    #[test]
    fn alias_bombs_point_at_the_first_alias() {
        let text = "name: x\na: &a [1]\nb: [*a, *a]\n";
        let idx = Index::build(text).unwrap();
        let (pos, message, _) = explain_reader(
            &idx,
            text,
            "repetition limit exceeded",
            Pos { line: 1, column: 1 },
        );
        assert_eq!(pos, Pos { line: 3, column: 5 });
        assert!(message.contains("alias bomb"));
    }

    #[test]
    fn control_characters_are_located() {
        let text = "name: x\ndescription: a\u{1}b\n";
        let idx = Index::build(text).unwrap();
        let (pos, message, hint) = explain_reader(
            &idx,
            text,
            "control characters are not allowed",
            Pos { line: 1, column: 1 },
        );
        assert_eq!(
            pos,
            Pos {
                line: 2,
                column: 15
            }
        );
        assert!(message.contains("U+0001"), "{message}");
        assert!(hint.is_some());
    }
}
