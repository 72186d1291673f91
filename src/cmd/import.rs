//! `mailflow import`: exports in, a commented scenario out (standard output or `--out`), notes on standard error; the scenario is loaded once to check it.

use std::collections::BTreeMap;
use std::path::Path;

use super::{AppError, note, print};
use crate::cli::{ImportArgs, ImportKind};
use crate::import::{self, ImportOptions, NoteKind, Source, SourceKind};

/// The first line of every scenario `mailflow import` writes: it may overwrite such a file.
const SIGNATURE: &str = "# Imported by `mailflow import`";

/// Largest export read (64 MiB): exports are kilobytes; a wrong path is refused early.
const MAX_EXPORT_BYTES: u64 = 64 << 20;

/// `mailflow import`.
pub fn import(args: &ImportArgs) -> Result<(), AppError> {
    let kind = match args.kind {
        ImportKind::Auto => SourceKind::Auto,
        ImportKind::ExchangeOnline => SourceKind::ExchangeOnline,
        ImportKind::ExchangeServer => SourceKind::ExchangeServer,
        ImportKind::Dns => SourceKind::Dns,
        ImportKind::Postfix => SourceKind::Postfix,
    };
    let sources = args
        .files
        .iter()
        .map(|p| read(kind, p))
        .collect::<Result<Vec<_>, _>>()?;
    let traffic = match &args.traffic {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| {
                AppError::Input(format!(
                    "cannot read the traffic section {}: {e}",
                    p.display()
                ))
            })?;
            Some(anchor_replays(&text, p.parent().unwrap_or(Path::new("."))))
        }
        None => None,
    };
    let opts = ImportOptions {
        name: args.name.clone(),
        duration: args.duration.clone(),
        traffic,
        ..ImportOptions::default()
    };
    let imported = import::import(&sources, &opts).map_err(|e| AppError::Located(e.to_string()))?;
    if !args.quiet {
        report_notes(&imported.notes, args.verbose);
    }
    // Relative replay files named by the traffic section are found beside the scenario.
    let label = args
        .out
        .as_ref()
        .map_or_else(|| "imported.yaml".to_string(), |p| p.display().to_string());
    let loads = crate::scenario::load_str(&imported.yaml, &label, &[]);
    match &args.out {
        Some(path) => write(path, &imported.yaml, args.force)?,
        None => print(&imported.yaml)?,
    }
    match loads {
        Ok(loaded) => {
            if !args.quiet {
                for w in &loaded.warnings {
                    note(&w.to_string());
                }
                if let Some(path) = &args.out {
                    note(&format!(
                        "{}: written; check it with `mailflow validate` and `mailflow route {} --to user@DOMAIN`",
                        path.display(),
                        path.display()
                    ));
                }
            }
            Ok(())
        }
        Err(e) => Err(AppError::Located(format!(
            "{e}\nthe imported scenario does not load: it was written as it is; fix the lines above \
             (or the exports they came from)"
        ))),
    }
}

/// Replay files named relative to a traffic section's folder, made absolute: the scenario
/// that takes the section in may be written elsewhere, and reads them relative to itself.
fn anchor_replays(traffic: &str, dir: &Path) -> String {
    let mut out = String::with_capacity(traffic.len());
    for line in traffic.lines() {
        let indent = line.len() - line.trim_start().len();
        let value = line.trim_start().strip_prefix("replay:").map(|rest| {
            let (value, comment) = rest.split_once("  #").unwrap_or((rest, ""));
            (value.trim().trim_matches('"').to_string(), comment)
        });
        match value {
            Some((file, comment)) if Path::new(&file).is_relative() => {
                let joined = dir.join(&file);
                let path = joined.canonicalize().unwrap_or(joined);
                let quoted = serde_json::to_string(&path.display().to_string())
                    .unwrap_or_else(|_| format!("\"{}\"", path.display()));
                out.push_str(&format!("{}replay: {quoted}", &line[..indent]));
                if !comment.is_empty() {
                    out.push_str(&format!("  #{comment}"));
                }
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// Reads one export, bounded.
fn read(kind: SourceKind, path: &Path) -> Result<Source, AppError> {
    use std::io::Read;
    let cannot =
        |e: std::io::Error| AppError::Input(format!("{}: error: cannot read: {e}", path.display()));
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(cannot)?
        .take(MAX_EXPORT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_EXPORT_BYTES {
        return Err(AppError::Input(format!(
            "{}: error: larger than {} MiB: not a configuration export",
            path.display(),
            MAX_EXPORT_BYTES >> 20
        )));
    }
    Source::from_bytes(kind, &path.display().to_string(), &bytes)
        .map_err(|e| AppError::Located(e.to_string()))
}

/// Prints warnings and assumptions; ignored properties are counted per file unless `verbose`.
fn report_notes(notes: &[import::Note], verbose: bool) {
    let mut ignored: BTreeMap<&str, usize> = BTreeMap::new();
    for n in notes {
        if n.kind == NoteKind::Ignored && !verbose {
            *ignored.entry(n.file.as_deref().unwrap_or("-")).or_default() += 1;
        } else {
            note(&n.to_string());
        }
    }
    for (file, count) in ignored {
        note(&format!(
            "{file}: {count} propert{} not modelled, left out (--verbose lists them)",
            if count == 1 { "y" } else { "ies" }
        ));
    }
}

/// Writes the scenario atomically; a file that `mailflow import` did not write is kept unless
/// `force`.
fn write(path: &Path, yaml: &str, force: bool) -> Result<(), AppError> {
    if path.is_dir() {
        return Err(AppError::Input(format!(
            "{} is a folder: --out names the scenario file to write",
            path.display()
        )));
    }
    if path.exists() && !force {
        let ours = std::fs::read_to_string(path).is_ok_and(|t| t.starts_with(SIGNATURE));
        if !ours {
            return Err(AppError::Input(format!(
                "{} exists and was not written by `mailflow import`; choose another --out, or pass --force to replace it",
                path.display()
            )));
        }
    }
    let io = |e: std::io::Error| AppError::Runtime(format!("cannot write {}: {e}", path.display()));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let name = path
        .file_name()
        .map_or_else(|| "scenario".into(), |n| n.to_string_lossy().to_string());
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, yaml).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_replay_files_are_anchored_at_the_traffic_sections_folder() {
        let t = "traffic:\n  - name: a\n    replay: \"in.replay\"  # 3 arrivals\n    from: x\n";
        let out = anchor_replays(t, Path::new("/data/fit"));
        assert!(
            out.contains("    replay: \"/data/fit/in.replay\"  # 3 arrivals\n"),
            "{out}"
        );
        let abs = "    replay: /srv/in.replay\n";
        assert_eq!(anchor_replays(abs, Path::new("/data")), abs);
    }
}
