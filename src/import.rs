//! `mailflow import`: a scenario built from configuration exports (Exchange Online, Exchange Server, DNS, Postfix), with every value's origin in a comment.
//!
//! Each [`Source`] is read by its detected (or given) kind into facts; the facts of all sources are
//! joined into one organisation (host names and addresses tie a connector's smart host to the node
//! that answers for it); the organisation is written as scenario YAML. Values no export gives are
//! filled with defaults and marked `# assumption:`, and reported as [`Note`]s with everything the
//! importer ignored.

mod build;
mod compat;
mod detect;
mod dns;
mod domains;
mod emit;
mod emit_node;
mod error;
mod exo;
mod exserver;
mod facts;
mod hosts;
mod ignored;
mod keys;
mod mta;
mod org;
mod postfix;
mod psjson;
mod psvalue;
mod read;
mod routes;
mod servers;
mod services;
mod transport_rules;
mod units;
mod yaml;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_errors;

use std::fmt;
use std::str::FromStr;

pub use error::{ImportError, Note, NoteKind};
pub use keys::Keys;

use facts::Facts;
use ignored::Ignored;

/// What kind of export a file is (the CLI's `KIND`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    /// Detect from the content.
    Auto,
    /// Exchange Online / EOP PowerShell JSON.
    ExchangeOnline,
    /// Exchange Server PowerShell JSON.
    ExchangeServer,
    /// `dig` answers or a zone file.
    Dns,
    /// `postconf -n` output or a transport map.
    Postfix,
}

impl FromStr for SourceKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(SourceKind::Auto),
            "exchange-online" => Ok(SourceKind::ExchangeOnline),
            "exchange-server" => Ok(SourceKind::ExchangeServer),
            "dns" => Ok(SourceKind::Dns),
            "postfix" => Ok(SourceKind::Postfix),
            other => Err(format!(
                "unknown import kind `{other}`: use exchange-online, exchange-server, dns, postfix or auto"
            )),
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SourceKind::Auto => "auto",
            SourceKind::ExchangeOnline => "exchange-online",
            SourceKind::ExchangeServer => "exchange-server",
            SourceKind::Dns => "dns",
            SourceKind::Postfix => "postfix",
        })
    }
}

/// One export file.
#[derive(Clone, Debug)]
pub struct Source {
    /// Its kind, or [`SourceKind::Auto`].
    pub kind: SourceKind,
    /// Its path, as errors and comments show it.
    pub path: String,
    /// Its text.
    pub text: String,
}

impl Source {
    /// Decodes a file's bytes: UTF-8, or UTF-16 as Windows PowerShell's `>` writes it.
    pub fn from_bytes(kind: SourceKind, path: &str, bytes: &[u8]) -> Result<Source, ImportError> {
        let utf16 = |units: Vec<u16>| {
            String::from_utf16(&units).map_err(|_| {
                ImportError::at(
                    path,
                    1,
                    "invalid UTF-16 text",
                    "save the export as UTF-8: `... | Out-File -Encoding utf8 FILE`",
                )
            })
        };
        let pairs = |b: &[u8], le: bool| -> Vec<u16> {
            b.chunks_exact(2)
                .map(|c| {
                    if le {
                        u16::from_le_bytes([c[0], c[1]])
                    } else {
                        u16::from_be_bytes([c[0], c[1]])
                    }
                })
                .collect()
        };
        let text = if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
            utf16(pairs(rest, true))?
        } else if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
            utf16(pairs(rest, false))?
        } else {
            let b = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
            match std::str::from_utf8(b) {
                Ok(s) => s.to_string(),
                Err(e) => {
                    let line = b[..e.valid_up_to()].iter().filter(|c| **c == b'\n').count() + 1;
                    return Err(ImportError::at(
                        path,
                        line,
                        "the file is not UTF-8 text",
                        "save the export as UTF-8: `... | Out-File -Encoding utf8 FILE`",
                    ));
                }
            }
        };
        Ok(Source {
            kind,
            path: path.to_string(),
            text,
        })
    }
}

/// How to import.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    /// The scenario's `name` (default: from the default accepted domain).
    pub name: Option<String>,
    /// The scenario's `duration` (default `1d`).
    pub duration: String,
    /// A `traffic:` section to use (e.g. a fit report's), instead of placeholder streams.
    pub traffic: Option<String>,
    /// The keys beyond the first contract that may be written (default: those the scenario
    /// loader accepts); the others are written as comments and reported as notes.
    pub keys: Keys,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            name: None,
            duration: "1d".into(),
            traffic: None,
            keys: Keys::of_loader(),
        }
    }
}

/// The scenario and the notes about it.
#[derive(Clone, Debug)]
pub struct Imported {
    /// Scenario YAML with comments.
    pub yaml: String,
    /// Ignored properties, assumptions and warnings.
    pub notes: Vec<Note>,
}

/// Builds one organisation's scenario from all the sources together.
pub fn import(sources: &[Source], opts: &ImportOptions) -> Result<Imported, ImportError> {
    let mut facts = Facts::default();
    let mut notes = Vec::new();
    let mut ignored = Ignored::default();
    for source in sources {
        read::read(source, &mut facts, &mut notes, &mut ignored)?;
    }
    read::attach_transport_maps(&mut facts, &mut notes);
    if let Some(t) = &opts.traffic
        && !t.lines().any(|l| l.starts_with("traffic:"))
    {
        return Err(ImportError::at(
            "traffic",
            1,
            "the traffic section given does not start a `traffic:` key",
            "pass the `yaml` of a fit report",
        ));
    }
    let org = build::build(&facts, &mut notes);
    let traffic = opts
        .traffic
        .clone()
        .unwrap_or_else(|| compat::default_traffic(&org));
    let yaml = emit::Emitter::new(opts, &mut notes).scenario(&org, &facts.files, &traffic);
    notes.extend(ignored.into_notes());
    Ok(Imported { yaml, notes })
}
