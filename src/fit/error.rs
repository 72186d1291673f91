//! Fit errors (located, with a fix) and the count of log lines skipped, by reason.

use std::collections::BTreeMap;

use serde::Serialize;

/// A problem that stops a fit.
#[derive(Debug, thiserror::Error)]
pub enum FitError {
    /// Bad input at a place in a log.
    #[error("{file}:{line}:{column}: error: {message}\n  help: {help}")]
    Input {
        /// Log name.
        file: String,
        /// 1-based line.
        line: u64,
        /// 1-based column (1 when only the line is known).
        column: usize,
        /// What is wrong.
        message: String,
        /// How to fix it.
        help: String,
    },
    /// The log could not be read.
    #[error(
        "{file}: error: cannot read: {source}\n  help: check the path and that the file is readable"
    )]
    Io {
        /// Log name.
        file: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The options cannot work.
    #[error("error: {message}\n  help: {help}")]
    Options {
        /// What is wrong.
        message: String,
        /// How to fix it.
        help: String,
    },
}

impl FitError {
    /// An input error at a line.
    pub fn input(
        file: &str,
        line: u64,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        FitError::Input {
            file: file.to_string(),
            line: line.max(1),
            column: 1,
            message: message.into(),
            help: help.into(),
        }
    }
}

/// Lines skipped for one reason: how many, and where the first was.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// Why they were skipped.
    pub reason: String,
    /// How many.
    pub count: u64,
    /// The first one's log name.
    pub first_file: String,
    /// The first one's line.
    pub first_line: u64,
}

/// Skipped lines by reason.
#[derive(Debug, Default)]
pub(super) struct SkipCounter {
    by_reason: BTreeMap<&'static str, (u64, String, u64)>,
}

impl SkipCounter {
    /// Counts one skipped line.
    pub(super) fn skip(&mut self, reason: &'static str, file: &str, line: u64) {
        let entry = self
            .by_reason
            .entry(reason)
            .or_insert_with(|| (0, file.to_string(), line));
        entry.0 += 1;
    }

    /// All reasons, most frequent first.
    pub(super) fn list(&self) -> Vec<Skipped> {
        let mut out: Vec<Skipped> = self
            .by_reason
            .iter()
            .map(|(reason, (count, file, line))| Skipped {
                reason: reason.to_string(),
                count: *count,
                first_file: file.clone(),
                first_line: *line,
            })
            .collect();
        out.sort_by(|a, b| b.count.cmp(&a.count).then(a.reason.cmp(&b.reason)));
        out
    }

    /// Total skipped lines.
    pub(super) fn total(&self) -> u64 {
        self.by_reason.values().map(|v| v.0).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_print_place_then_fix() {
        let e = FitError::input("maillog", 12, "no year", "pass --year");
        assert_eq!(
            e.to_string(),
            "maillog:12:1: error: no year\n  help: pass --year"
        );
    }

    #[test]
    fn skips_are_counted_with_their_first_place() {
        let mut s = SkipCounter::default();
        s.skip("bad date", "a", 3);
        s.skip("bad date", "a", 9);
        s.skip("short record", "b", 1);
        let list = s.list();
        assert_eq!(
            (list[0].reason.as_str(), list[0].count, list[0].first_line),
            ("bad date", 2, 3)
        );
        assert_eq!(s.total(), 3);
    }
}
