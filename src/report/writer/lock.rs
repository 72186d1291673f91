//! The lock on a report folder: an advisory lock (`flock`) on the folder itself, exclusive for
//! a report that replaces it, shared for a sweep's shards. The kernel releases it when the
//! process ends, however it ends, so a killed run never leaves the folder locked.

use std::fs::{self, File, TryLockError};
use std::io;
use std::path::Path;

use crate::report::ReportError;

/// A held lock on a report folder.
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

/// How many times a lock is retried when the folder was swapped while we waited for it.
const ATTEMPTS: usize = 100;

impl Lock {
    /// The folder for this process alone (a report that replaces it).
    pub fn exclusive(dir: &Path, wait: bool) -> Result<Lock, ReportError> {
        take(dir, true, wait)
    }

    /// The folder shared with other sweeps (shards), but not with a report replacing it.
    pub fn shared(dir: &Path, wait: bool) -> Result<Lock, ReportError> {
        take(dir, false, wait)
    }
}

fn take(dir: &Path, exclusive: bool, wait: bool) -> Result<Lock, ReportError> {
    let io = |source| ReportError::Io {
        path: dir.display().to_string(),
        source,
    };
    for _ in 0..ATTEMPTS {
        let file = match File::open(dir) {
            Ok(f) => f,
            // Swapped out and deleted between our look and our open: look again.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir_all(dir).map_err(io)?;
                continue;
            }
            Err(e) => return Err(io(e)),
        };
        let got = match (exclusive, wait) {
            (true, false) => file.try_lock(),
            (false, false) => file.try_lock_shared(),
            (true, true) => file.lock().map_err(TryLockError::Error),
            (false, true) => file.lock_shared().map_err(TryLockError::Error),
        };
        match got {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(busy(dir)),
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        // The report may have been swapped in while we waited: then the folder we locked is the
        // previous one, on its way out. Lock the one now at `dir` instead.
        if same_folder(&file, dir) {
            return Ok(Lock { _file: file });
        }
        if !dir.exists() {
            fs::create_dir_all(dir).map_err(io)?;
        }
    }
    Err(busy(dir))
}

/// Whether the open `file` is the folder at `dir` now.
#[cfg(unix)]
fn same_folder(file: &File, dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(dir)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_folder(_: &File, dir: &Path) -> bool {
    dir.is_dir()
}

/// The error for a folder another process holds, with its process id when it can be told.
fn busy(dir: &Path) -> ReportError {
    let holder = super::swap::writer_pid(dir)
        .map(|pid| format!(" (process {pid})"))
        .unwrap_or_default();
    ReportError::Io {
        path: dir.display().to_string(),
        source: io::Error::new(
            io::ErrorKind::WouldBlock,
            format!(
                "another mailflow is writing this report folder{holder}; wait for it to \
                 finish (or pass --wait), or choose another --out"
            ),
        ),
    }
}
