//! The only place that writes report files: atomically (temporary file, then rename), and
//! never into a folder mailflow did not write unless forced.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::ReportError;

/// Marker file that says mailflow wrote a folder.
pub const MARKER: &str = ".mailflow";

/// What the marker file says.
const MARKER_TEXT: &[u8] =
    b"This folder was written by mailflow; it may overwrite the files in it.\n";

/// Writes the files of one report folder.
#[derive(Debug)]
pub struct ReportWriter {
    dir: PathBuf,
}

impl ReportWriter {
    /// Claims `dir` for a report: creates it, or accepts it when it is empty, was written by
    /// mailflow, or `force` is given. Several processes may claim one folder at once (shards of
    /// a sweep sharing `--out`): the folder is created atomically and the marker is the first
    /// file written into it, with `create_new`, so no process sees another's half-claimed
    /// folder as foreign.
    pub fn claim(dir: &Path, force: bool) -> Result<ReportWriter, ReportError> {
        let io = |source| ReportError::Io {
            path: dir.display().to_string(),
            source,
        };
        let foreign = || ReportError::ForeignFolder {
            path: dir.display().to_string(),
        };
        if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(io)?;
        }
        match fs::create_dir(dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if !dir.is_dir() {
                    return Err(foreign());
                }
                let marked = dir.join(MARKER).exists();
                let empty = fs::read_dir(dir).map_err(io)?.next().is_none();
                if !marked && !empty && !force {
                    return Err(foreign());
                }
            }
            Err(e) => return Err(io(e)),
        }
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(dir.join(MARKER))
        {
            Ok(mut f) => f.write_all(MARKER_TEXT).map_err(io)?,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io(e)),
        }
        Ok(ReportWriter {
            dir: dir.to_path_buf(),
        })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `name` atomically: the old file stays whole until the new one is complete.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, ReportError> {
        let path = self.dir.join(name);
        let tmp = self.dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let io = |p: &Path| {
            let p = p.display().to_string();
            move |source| ReportError::Io { path: p, source }
        };
        let mut f = fs::File::create(&tmp).map_err(io(&tmp))?;
        f.write_all(bytes).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
        drop(f);
        fs::rename(&tmp, &path).map_err(|e| {
            let _ = fs::remove_file(&tmp);
            io(&path)(e)
        })?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_mailflow_did_not_write_is_refused_without_force() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        assert!(matches!(
            ReportWriter::claim(dir.path(), false),
            Err(ReportError::ForeignFolder { .. })
        ));
        let w = ReportWriter::claim(dir.path(), true).unwrap();
        w.write("summary.json", b"{}").unwrap();
        assert_eq!(
            fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
            "mine"
        );
        // Once marked, the folder is mailflow's and can be written again without --force.
        assert!(ReportWriter::claim(dir.path(), false).is_ok());
    }

    #[test]
    fn writes_replace_files_whole_and_leave_no_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let w = ReportWriter::claim(&dir.path().join("new"), false).unwrap();
        w.write("a.txt", b"first").unwrap();
        w.write("a.txt", b"second").unwrap();
        assert_eq!(fs::read_to_string(w.dir().join("a.txt")).unwrap(), "second");
        let names: Vec<_> = fs::read_dir(w.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(
            names.iter().all(|n| !n.to_string_lossy().ends_with(".tmp")),
            "{names:?}"
        );
    }
}
