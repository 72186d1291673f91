//! Located import errors and the notes (ignored properties, assumptions, warnings) an import leaves.

use std::fmt;

use serde::Serialize;

/// A problem that stops the import: where it is, what is wrong and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: error: {message}\n  help: {help}")]
pub struct ImportError {
    /// The source's path as given.
    pub file: String,
    /// 1-based line (1 when the problem concerns the whole file).
    pub line: usize,
    /// 1-based column (1 when only the line is known).
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

impl ImportError {
    /// An error at a line of a file (column 1).
    pub fn at(
        file: &str,
        line: usize,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        ImportError {
            file: file.to_string(),
            line: line.max(1),
            column: 1,
            message: message.into(),
            help: help.into(),
        }
    }

    /// The same error with a column.
    pub fn column(mut self, column: usize) -> Self {
        self.column = column.max(1);
        self
    }
}

/// What a note is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    /// A property or line the importer does not model, left out of the scenario.
    Ignored,
    /// A value the exports do not give, filled in with a default (also marked `# assumption:`).
    Assumption,
    /// Something that looks wrong or was approximated.
    Warning,
    /// A key being added to the scenario contract this round, emitted (or held back).
    NewKey,
}

impl NoteKind {
    fn label(self) -> &'static str {
        match self {
            NoteKind::Ignored => "ignored",
            NoteKind::Assumption => "assumption",
            NoteKind::Warning => "warning",
            NoteKind::NewKey => "new key",
        }
    }
}

/// One remark about the import, with the file and line it comes from where known.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Note {
    /// Its kind.
    pub kind: NoteKind,
    /// The source's path, if the note concerns one.
    pub file: Option<String>,
    /// 1-based line in that file, if known.
    pub line: Option<usize>,
    /// The remark.
    pub message: String,
}

impl Note {
    /// A note about a place in a file.
    pub fn at(kind: NoteKind, file: &str, line: usize, message: impl Into<String>) -> Self {
        Note {
            kind,
            file: Some(file.to_string()),
            line: (line > 0).then_some(line),
            message: message.into(),
        }
    }

    /// A note about the scenario as a whole.
    pub fn general(kind: NoteKind, message: impl Into<String>) -> Self {
        Note {
            kind,
            file: None,
            line: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{file}:{line}: ")?,
            (Some(file), None) => write!(f, "{file}: ")?,
            _ => {}
        }
        write!(f, "{}: {}", self.kind.label(), self.message)
    }
}

/// Where a value of the scenario came from: a file, a line and the property or setting.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Prov {
    /// The source's path.
    pub file: String,
    /// 1-based line (0: unknown).
    pub line: usize,
    /// What it is, e.g. `Get-OutboundConnector "Fabrikam" TlsSettings`.
    pub what: String,
}

impl Prov {
    /// A provenance record.
    pub(super) fn new(file: &str, line: usize, what: impl Into<String>) -> Self {
        Prov {
            file: file.to_string(),
            line,
            what: what.into(),
        }
    }
}

impl fmt::Display for Prov {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.file.rsplit(['/', '\\']).next().unwrap_or(&self.file);
        if self.line > 0 {
            write!(f, "{}:{} {}", name, self.line, self.what)
        } else {
            write!(f, "{} {}", name, self.what)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_prints_file_line_column_then_the_fix() {
        let e = ImportError::at("a.json", 3, "bad value", "write true or false").column(7);
        assert_eq!(
            e.to_string(),
            "a.json:3:7: error: bad value\n  help: write true or false"
        );
    }

    #[test]
    fn a_note_names_its_place_and_kind() {
        let n = Note::at(NoteKind::Ignored, "x.json", 12, "unknown property `Foo`");
        assert_eq!(n.to_string(), "x.json:12: ignored: unknown property `Foo`");
        let g = Note::general(NoteKind::Assumption, "duration 1d");
        assert_eq!(g.to_string(), "assumption: duration 1d");
    }

    #[test]
    fn provenance_shows_the_file_name_only() {
        let p = Prov::new("examples/import/exo/outbound.json", 4, "SmartHosts");
        assert_eq!(p.to_string(), "outbound.json:4 SmartHosts");
    }
}
