//! The report folder itself before anything is written: its path (a symbolic link followed),
//! its creation (a file in the way refused), and which of its entries are not the report's.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::{MARKER, MARKER_TEXT, io_error, unusable};
use crate::report::ReportError;

/// The folder to write: a symbolic link is followed, so the report goes where it points.
pub(super) fn resolve(dir: &Path) -> Result<PathBuf, ReportError> {
    if dir.as_os_str().is_empty() {
        return Err(unusable(dir, "the report folder is an empty path".into()));
    }
    match fs::symlink_metadata(dir) {
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(dir).map_err(io_error(dir)),
        _ => Ok(dir.to_path_buf()),
    }
}

/// Creates `dir` (and its parents) if needed; says whether it was created. A file in its place
/// is refused: `--force` cannot help there.
pub(super) fn prepare(dir: &Path) -> Result<bool, ReportError> {
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|e| match e.kind() {
            io::ErrorKind::AlreadyExists | io::ErrorKind::NotADirectory => unusable(
                parent,
                "a file is in the way of this folder: choose another --out".into(),
            ),
            _ => io_error(parent)(e),
        })?;
    }
    match fs::create_dir(dir) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            if dir.is_dir() {
                Ok(false)
            } else {
                Err(unusable(
                    dir,
                    "it is a file, not a folder: choose another --out (a report is a folder)"
                        .into(),
                ))
            }
        }
        Err(e) => Err(io_error(dir)(e)),
    }
}

/// The entries of `dir` that are not the report's (kept in the new report): every entry of a
/// folder mailflow did not write (refused unless `force`), else those its marker does not list.
pub(super) fn foreign_entries(dir: &Path, force: bool) -> Result<Vec<String>, ReportError> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map_err(io_error(dir))?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        // Our own temporary files (`.<name>.<pid>.<n>.tmp`) are not kept; everything else is.
        .filter(|n| n != MARKER && !(n.starts_with('.') && n.ends_with(".tmp")))
        .collect();
    names.sort();
    let marker = match fs::read_to_string(dir.join(MARKER)) {
        Ok(text) => text,
        Err(_) if names.is_empty() => return Ok(names),
        Err(_) if force => return Ok(names),
        Err(_) => {
            return Err(ReportError::ForeignFolder {
                path: dir.display().to_string(),
            });
        }
    };
    let Some(listed) = marker.strip_prefix(MARKER_TEXT) else {
        // A marker of an older mailflow lists nothing: everything in the folder is the report.
        return Ok(Vec::new());
    };
    let listed: Vec<&str> = listed.lines().collect();
    names.retain(|n| !listed.contains(&n.as_str()));
    Ok(names)
}
