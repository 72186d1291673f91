//! Where each value of the YAML text is: a position index keyed by YAML path.

use std::collections::HashMap;
use std::fmt::Write as _;

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::Marker;

/// Deeper documents are rejected: no scenario needs them, and it bounds every recursion.
pub const MAX_DEPTH: usize = 64;

/// One step of a YAML path: a mapping key or a sequence index.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Seg {
    /// A mapping key, as written.
    Key(String),
    /// A sequence index (0-based).
    Index(usize),
}

/// A path from the document root.
pub type Path = Vec<Seg>;

/// A 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    /// Line, from 1.
    pub line: usize,
    /// Column (in characters), from 1.
    pub column: usize,
}

impl Pos {
    fn of(m: &Marker) -> Pos {
        // yaml-rust2 markers: line is 1-based, column 0-based.
        Pos {
            line: m.line().max(1),
            column: m.col() + 1,
        }
    }
}

/// Where a node is, and where its key is when it is a mapping value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spot {
    /// Start of the value.
    pub value: Pos,
    /// Start of its key, if it is a mapping value.
    pub key: Option<Pos>,
}

/// A YAML syntax error with its position.
#[derive(Clone, Debug)]
pub struct SyntaxError {
    /// Where the parser stopped.
    pub pos: Pos,
    /// What it found wrong.
    pub message: String,
}

/// Positions of every node of the first document, and the `name` of mapping list entries.
#[derive(Debug, Default)]
pub struct Index {
    spots: HashMap<Path, Spot>,
    names: HashMap<Path, String>,
    duplicate: Option<Pos>,
    first_alias: Option<Pos>,
}

enum Frame {
    Map {
        path: Path,
        key: Option<(String, Pos)>,
        first: bool,
    },
    Seq {
        path: Path,
        next: usize,
    },
    /// Inside a complex (non-scalar) mapping key: ignored, only nesting is counted.
    Skip,
}

impl Index {
    /// Indexes `text`; aliases are recorded where they stand, never expanded.
    pub fn build(text: &str) -> Result<Index, SyntaxError> {
        let mut index = Index::default();
        let mut stack: Vec<Frame> = Vec::new();
        let mut parser = Parser::new_from_str(text);
        let mut documents = 0;
        loop {
            let (event, marker) = parser.next_token().map_err(|e| SyntaxError {
                pos: Pos::of(e.marker()),
                message: e.info().to_string(),
            })?;
            let pos = Pos::of(&marker);
            match event {
                Event::StreamEnd => break,
                Event::DocumentStart => documents += 1,
                Event::Nothing | Event::StreamStart | Event::DocumentEnd => {}
                _ if documents > 1 => {}
                Event::MappingEnd | Event::SequenceEnd => {
                    // The end of a complex key is not the end of a value.
                    if !matches!(stack.pop(), Some(Frame::Skip)) {
                        index.end_value(&mut stack);
                    }
                }
                Event::Scalar(text, ..) => index.node(&mut stack, pos, Some(text), None),
                Event::Alias(_) => {
                    index.first_alias.get_or_insert(pos);
                    index.node(&mut stack, pos, Some("*".into()), None)
                }
                Event::MappingStart(..) => index.node(&mut stack, pos, None, Some(true)),
                Event::SequenceStart(..) => index.node(&mut stack, pos, None, Some(false)),
            }
            if stack.len() > MAX_DEPTH {
                return Err(SyntaxError {
                    pos,
                    message: format!("the document is nested more than {MAX_DEPTH} levels deep"),
                });
            }
        }
        Ok(index)
    }

    /// Handles a node event: a scalar (`text`) or the start of a mapping/sequence (`container`).
    fn node(
        &mut self,
        stack: &mut Vec<Frame>,
        pos: Pos,
        text: Option<String>,
        container: Option<bool>,
    ) {
        let path = match stack.last_mut() {
            None => Vec::new(),
            Some(Frame::Skip) => {
                if container.is_some() {
                    stack.push(Frame::Skip);
                }
                return;
            }
            Some(Frame::Map { path, key, first }) => {
                if key.is_none() {
                    // A key. Block mappings report their start after the first key: use the key.
                    if *first {
                        *first = false;
                        if let Some(spot) = self.spots.get_mut(path.as_slice()) {
                            spot.value = spot.value.min(pos);
                        }
                    }
                    match text {
                        Some(t) => {
                            let mut p = path.clone();
                            p.push(Seg::Key(t.clone()));
                            if self.duplicate.is_none() && t != "<<" && self.spots.contains_key(&p)
                            {
                                self.duplicate = Some(pos);
                            }
                            *key = Some((t, pos));
                        }
                        None => {
                            *key = Some(("?".into(), pos));
                            stack.push(Frame::Skip);
                        }
                    }
                    return;
                }
                let (k, key_pos) = key.clone().unwrap_or((String::new(), pos));
                if k == "name"
                    && matches!(path.last(), Some(Seg::Index(_)))
                    && let Some(t) = &text
                {
                    self.names.insert(path.clone(), t.clone());
                }
                let mut p = path.clone();
                p.push(Seg::Key(k));
                self.spots.entry(p.clone()).or_insert(Spot {
                    value: pos,
                    key: Some(key_pos),
                });
                p
            }
            Some(Frame::Seq { path, next }) => {
                let mut p = path.clone();
                p.push(Seg::Index(*next));
                *next += 1;
                self.spots.entry(p.clone()).or_insert(Spot {
                    value: pos,
                    key: None,
                });
                p
            }
        };
        if path.is_empty() {
            self.spots.entry(Vec::new()).or_insert(Spot {
                value: pos,
                key: None,
            });
        }
        match container {
            Some(true) => stack.push(Frame::Map {
                path,
                key: None,
                first: true,
            }),
            Some(false) => stack.push(Frame::Seq { path, next: 0 }),
            None => self.end_value(stack),
        }
    }

    /// After a complete value: the enclosing mapping expects a key again.
    fn end_value(&mut self, stack: &mut [Frame]) {
        if let Some(Frame::Map { key, .. }) = stack.last_mut() {
            *key = None;
        }
    }

    /// The position of `path`, or of its nearest indexed ancestor; `key` prefers the key's
    /// position when there is one.
    pub fn find(&self, path: &[Seg], key: bool) -> Option<Pos> {
        (0..=path.len()).rev().find_map(|n| {
            self.spots.get(&path[..n]).map(|s| {
                if key {
                    s.key.unwrap_or(s.value)
                } else {
                    s.value
                }
            })
        })
    }

    /// Where the first repeated key of a mapping is, if any (serde_yaml rejects them unlocated).
    pub fn duplicate_key(&self) -> Option<Pos> {
        self.duplicate
    }

    /// Where the first alias (`*name`) is, if any: where an alias bomb is reported.
    pub fn first_alias(&self) -> Option<Pos> {
        self.first_alias
    }

    /// Whether the exact path is in the text.
    pub fn contains(&self, path: &[Seg]) -> bool {
        self.spots.contains_key(path)
    }

    /// The `name` of the list entry at `path`, if it is a mapping with a scalar `name`.
    pub fn name_of(&self, path: &[Seg]) -> Option<&str> {
        self.names.get(path).map(String::as_str)
    }

    /// Shows a path the way diagnostics print it: `connectors[eop-to-onprem].to`.
    pub fn display(&self, path: &[Seg]) -> String {
        let mut out = String::new();
        for (i, seg) in path.iter().enumerate() {
            match seg {
                Seg::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Seg::Index(n) => match self.name_of(&path[..=i]) {
                    Some(name) if !name.is_empty() => {
                        let _ = write!(out, "[{name}]");
                    }
                    _ => {
                        let _ = write!(out, "[{n}]");
                    }
                },
            }
        }
        out
    }
}

/// Shorthand for a key segment.
pub fn key(k: &str) -> Seg {
    Seg::Key(k.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(segs: &[&str]) -> Path {
        segs.iter()
            .map(|s| match s.parse::<usize>() {
                Ok(n) => Seg::Index(n),
                Err(_) => key(s),
            })
            .collect()
    }

    const TEXT: &str = "\
name: x
nodes:
  onprem:
    workers: 64
connectors:
  - name: eop-to-onprem
    to: onprme
  - {name: b, to: [1, 2]}
ref: &a {x: 1}
again: *a
";

    #[test]
    fn values_and_keys_are_found_at_1_based_positions() {
        let idx = Index::build(TEXT).unwrap();
        let p = path(&["nodes", "onprem", "workers"]);
        assert_eq!(
            idx.find(&p, false),
            Some(Pos {
                line: 4,
                column: 14
            })
        );
        assert_eq!(idx.find(&p, true), Some(Pos { line: 4, column: 5 }));
        assert_eq!(
            idx.find(&path(&["nodes", "onprem"]), false),
            Some(Pos { line: 4, column: 5 })
        );
        assert_eq!(
            idx.find(&path(&["connectors", "1", "to", "1"]), false),
            Some(Pos {
                line: 8,
                column: 23
            })
        );
    }

    #[test]
    fn missing_paths_fall_back_to_the_nearest_ancestor() {
        let idx = Index::build(TEXT).unwrap();
        let p = path(&["nodes", "onprem", "retry", "schedule"]);
        assert_eq!(idx.find(&p, true), Some(Pos { line: 3, column: 3 }));
    }

    #[test]
    fn list_entries_display_by_name() {
        let idx = Index::build(TEXT).unwrap();
        assert_eq!(
            idx.display(&path(&["connectors", "0", "to"])),
            "connectors[eop-to-onprem].to"
        );
        assert_eq!(idx.display(&path(&["connectors", "1"])), "connectors[b]");
        assert_eq!(idx.display(&path(&["connectors", "5"])), "connectors[5]");
    }

    #[test]
    fn aliases_are_not_expanded() {
        let idx = Index::build(TEXT).unwrap();
        assert!(idx.contains(&path(&["again"])));
        assert!(!idx.contains(&path(&["again", "x"])));
    }

    #[test]
    fn syntax_errors_carry_their_position() {
        let e = Index::build("a: b: c\n").unwrap_err();
        assert_eq!(e.pos.line, 1);
        assert!(e.message.contains("mapping values"));
    }

    #[test]
    fn deep_nesting_is_rejected_quickly() {
        let e = Index::build(&"[".repeat(100)).unwrap_err();
        assert!(e.message.contains("nested more than 64"), "{}", e.message);
        let block: String = (0..200).map(|i| format!("{}a:\n", " ".repeat(i))).collect();
        assert!(Index::build(&block).unwrap_err().message.contains("nested"));
        assert!(Index::build(&"[".repeat(100_000)).is_err());
    }
}
