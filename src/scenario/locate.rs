//! Where each value of the YAML text is: a position index keyed by YAML path.

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};
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

/// A checked YAML text and, built the first time a position is asked for, where each of its
/// values is. Checking (syntax, depth, repeated keys, aliases) is one pass that keeps nothing
/// per value; the positions (a path-keyed table, about 1.2 KB per traffic stream) are only
/// needed for diagnostics, so a scenario that loads cleanly never builds them.
#[derive(Debug, Default)]
pub struct Index<'t> {
    text: &'t str,
    spots: OnceCell<Spots>,
    duplicate: Option<Pos>,
    first_alias: Option<Pos>,
    traffic: Option<(usize, Pos)>,
}

/// Positions of every node of the first document, and the `name` of mapping list entries.
#[derive(Debug, Default)]
struct Spots {
    spots: HashMap<Path, Spot>,
    names: HashMap<Path, String>,
}

enum Frame {
    Map {
        path: Path,
        key: Option<(String, Pos)>,
        first: bool,
        /// The keys seen so far (repeated keys are found here).
        keys: HashSet<String>,
    },
    Seq {
        path: Path,
        next: usize,
    },
    /// Inside a complex (non-scalar) mapping key: ignored, only nesting is counted.
    Skip,
}

/// One pass over the text's parser events: `spots` is filled when it is given.
struct Pass<'s> {
    spots: Option<&'s mut Spots>,
    duplicate: Option<Pos>,
    first_alias: Option<Pos>,
    /// Entries of the top-level `traffic` list and where it starts.
    traffic: Option<(usize, Pos)>,
}

impl<'t> Index<'t> {
    /// Checks `text` (syntax, nesting depth, repeated keys, aliases, which are recorded where
    /// they stand, never expanded); positions are indexed when first asked for.
    pub fn build(text: &'t str) -> Result<Index<'t>, SyntaxError> {
        let mut pass = Pass {
            spots: None,
            duplicate: None,
            first_alias: None,
            traffic: None,
        };
        pass.run(text)?;
        Ok(Index {
            text,
            spots: OnceCell::new(),
            duplicate: pass.duplicate,
            first_alias: pass.first_alias,
            traffic: pass.traffic,
        })
    }

    /// The position table, built on first use (the text was checked by [`Index::build`]).
    fn spots(&self) -> &Spots {
        self.spots.get_or_init(|| {
            let mut spots = Spots::default();
            let mut pass = Pass {
                spots: Some(&mut spots),
                duplicate: None,
                first_alias: None,
                traffic: None,
            };
            // The same text passed the same parser in `build`: this cannot fail.
            let _ = pass.run(self.text);
            spots
        })
    }
}

impl Pass<'_> {
    fn run(&mut self, text: &str) -> Result<(), SyntaxError> {
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
                    let frame = stack.pop();
                    if let Some(Frame::Seq { next, .. }) = &frame
                        && is_top_level_traffic(&stack)
                        && let Some(t) = self.traffic.as_mut()
                    {
                        t.0 = *next;
                    }
                    // The end of a complex key is not the end of a value.
                    if !matches!(frame, Some(Frame::Skip)) {
                        end_value(&mut stack);
                    }
                }
                Event::Scalar(text, ..) => self.node(&mut stack, pos, Some(text), None),
                Event::Alias(_) => {
                    self.first_alias.get_or_insert(pos);
                    self.node(&mut stack, pos, Some("*".into()), None)
                }
                Event::MappingStart(..) => self.node(&mut stack, pos, None, Some(true)),
                Event::SequenceStart(..) => self.node(&mut stack, pos, None, Some(false)),
            }
            if stack.len() > MAX_DEPTH {
                return Err(SyntaxError {
                    pos,
                    message: format!("the document is nested more than {MAX_DEPTH} levels deep"),
                });
            }
        }
        Ok(())
    }

    /// Handles a node event: a scalar (`text`) or the start of a mapping/sequence (`container`).
    /// Paths are only built when positions are recorded.
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
            Some(Frame::Map {
                path,
                key,
                first,
                keys,
            }) => {
                if key.is_none() {
                    // A key. Block mappings report their start after the first key: use the key.
                    if *first {
                        *first = false;
                        if let Some(spot) = self
                            .spots
                            .as_mut()
                            .and_then(|s| s.spots.get_mut(path.as_slice()))
                        {
                            spot.value = spot.value.min(pos);
                        }
                    }
                    match text {
                        Some(t) => {
                            if t != "<<" && !keys.insert(t.clone()) {
                                self.duplicate.get_or_insert(pos);
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
                match self.spots.as_mut() {
                    None => Vec::new(),
                    Some(spots) => {
                        let (k, key_pos) = key.clone().unwrap_or((String::new(), pos));
                        if k == "name"
                            && matches!(path.last(), Some(Seg::Index(_)))
                            && let Some(t) = &text
                        {
                            spots.names.insert(path.clone(), t.clone());
                        }
                        let mut p = path.clone();
                        p.push(Seg::Key(k));
                        spots.spots.entry(p.clone()).or_insert(Spot {
                            value: pos,
                            key: Some(key_pos),
                        });
                        p
                    }
                }
            }
            Some(Frame::Seq { path, next }) => {
                let at = *next;
                *next += 1;
                match self.spots.as_mut() {
                    None => Vec::new(),
                    Some(spots) => {
                        let mut p = path.clone();
                        p.push(Seg::Index(at));
                        spots.spots.entry(p.clone()).or_insert(Spot {
                            value: pos,
                            key: None,
                        });
                        p
                    }
                }
            }
        };
        if stack.is_empty()
            && let Some(spots) = self.spots.as_mut()
        {
            spots.spots.entry(Vec::new()).or_insert(Spot {
                value: pos,
                key: None,
            });
        }
        match container {
            Some(true) => stack.push(Frame::Map {
                path,
                key: None,
                first: true,
                keys: HashSet::new(),
            }),
            Some(false) => {
                if is_top_level_traffic(stack) {
                    self.traffic.get_or_insert((0, pos));
                }
                stack.push(Frame::Seq { path, next: 0 })
            }
            None => end_value(stack),
        }
    }
}

/// Whether the value being read is the top-level mapping's `traffic`.
fn is_top_level_traffic(stack: &[Frame]) -> bool {
    matches!(stack, [Frame::Map { key: Some((k, _)), .. }] if k == "traffic")
}

/// After a complete value: the enclosing mapping expects a key again.
fn end_value(stack: &mut [Frame]) {
    if let Some(Frame::Map { key, .. }) = stack.last_mut() {
        *key = None;
    }
}

impl Index<'_> {
    /// The position of `path`, or of its nearest indexed ancestor; `key` prefers the key's
    /// position when there is one.
    pub fn find(&self, path: &[Seg], key: bool) -> Option<Pos> {
        (0..=path.len()).rev().find_map(|n| {
            self.spots().spots.get(&path[..n]).map(|s| {
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

    /// How many entries the top-level `traffic` list has and where it starts, if it is a list:
    /// counted while checking, so a list too long to load is refused before it is loaded.
    pub fn traffic_entries(&self) -> Option<(usize, Pos)> {
        self.traffic
    }

    /// Where the first alias (`*name`) is, if any: where an alias bomb is reported.
    pub fn first_alias(&self) -> Option<Pos> {
        self.first_alias
    }

    /// Whether the exact path is in the text.
    pub fn contains(&self, path: &[Seg]) -> bool {
        self.spots().spots.contains_key(path)
    }

    /// The `name` of the list entry at `path`, if it is a mapping with a scalar `name`.
    pub fn name_of(&self, path: &[Seg]) -> Option<&str> {
        self.spots().names.get(path).map(String::as_str)
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
    fn repeated_keys_and_aliases_are_found_without_indexing_positions() {
        let text = "\
a:
  - {x: 1, y: 2}
  - {x: 1, x: 2}
b: &m {k: 1}
c:
  <<: *m
  <<: *m
  ? [complex]
  : 1
  ? [complex]
  : 2
a: again
";
        let idx = Index::build(text).unwrap();
        // The first repeat is the second `x` of the second entry; `<<` and complex keys may repeat.
        assert_eq!(
            idx.duplicate_key(),
            Some(Pos {
                line: 3,
                column: 12
            })
        );
        assert_eq!(idx.first_alias(), Some(Pos { line: 6, column: 7 }));
        assert!(
            idx.spots.get().is_none(),
            "checking alone builds no position table"
        );
        assert_eq!(
            idx.find(&path(&["b", "k"]), false),
            Some(Pos {
                line: 4,
                column: 11
            })
        );
        assert!(idx.spots.get().is_some());
        let clean = Index::build(TEXT).unwrap();
        assert_eq!(clean.duplicate_key(), None);
        assert_eq!(
            clean.first_alias(),
            Some(Pos {
                line: 10,
                column: 8
            })
        );
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
