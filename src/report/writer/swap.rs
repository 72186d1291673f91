//! Swapping a staged report in: the staging folder beside the report (`.<name>.new-<pid>`), the
//! exchange of the two folders in one rename, and the clean-up of what an interrupted run left.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// What a staging folder's name starts with, after the dot: `.<name>.new-<pid>`.
const STAGING: &str = "new-";
/// The previous report during a two-rename swap (systems without an atomic exchange).
const OLD: &str = "old-";

/// `dir`'s sibling called `.<name>.<what><pid>`.
fn sibling(dir: &Path, what: &str, pid: u32) -> PathBuf {
    let name = dir
        .file_name()
        .map_or("report".into(), |n| n.to_string_lossy());
    dir.with_file_name(format!(".{name}.{what}{pid}"))
}

/// This process's staging folder for `dir`.
pub(super) fn staging_path(dir: &Path) -> PathBuf {
    sibling(dir, STAGING, std::process::id())
}

/// Siblings of `dir` left by interrupted writers: `(path, kind, pid)`.
fn leftovers(dir: &Path) -> Vec<(PathBuf, &'static str, u32)> {
    let (Some(parent), Some(name)) = (dir.parent(), dir.file_name()) else {
        return Vec::new();
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let prefix = format!(".{}.", name.to_string_lossy());
    let Ok(entries) = fs::read_dir(parent) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let file = e.file_name().to_string_lossy().into_owned();
            let rest = file.strip_prefix(&prefix)?;
            let (kind, pid) = [STAGING, OLD]
                .iter()
                .find_map(|k| rest.strip_prefix(k).map(|pid| (*k, pid)))?;
            let pid: u32 = pid.parse().ok()?;
            Some((dir.with_file_name(&file), kind, pid))
        })
        .collect()
}

/// The process writing `dir` now, if its staging folder can be seen.
pub(super) fn writer_pid(dir: &Path) -> Option<u32> {
    leftovers(dir)
        .into_iter()
        .find(|l| l.1 == STAGING)
        .map(|l| l.2)
}

/// Removes the staging and previous-report folders interrupted writers left beside `dir`. Called
/// with the folder's exclusive lock held, so none of them belongs to a live writer. A previous
/// report left by a two-rename swap interrupted between its renames is put back first.
pub(super) fn remove_leftovers(dir: &Path) {
    for (path, kind, _) in leftovers(dir) {
        if kind == OLD && is_empty(dir) && fs::remove_dir(dir).is_ok() {
            if fs::rename(&path, dir).is_ok() {
                continue;
            }
            let _ = fs::create_dir(dir);
        }
        let _ = fs::remove_dir_all(&path);
    }
}

fn is_empty(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|mut e| e.next().is_none())
}

/// Makes `from` (an entry of the previous report that is not the report's) appear at `to` in
/// the staging folder without touching `from`: files are hard-linked (copied where links are
/// not possible), folders rebuilt entry by entry.
pub(super) fn keep(from: &Path, to: &Path) -> io::Result<()> {
    let meta = fs::symlink_metadata(from)?;
    if meta.is_dir() {
        fs::create_dir(to)?;
        for e in fs::read_dir(from)? {
            let e = e?;
            keep(&e.path(), &to.join(e.file_name()))?;
        }
        return Ok(());
    }
    #[cfg(unix)]
    if meta.file_type().is_symlink() {
        return std::os::unix::fs::symlink(fs::read_link(from)?, to);
    }
    fs::hard_link(from, to).or_else(|_| fs::copy(from, to).map(|_| ()))
}

/// Flushes a folder's entries to the disk (so a rename within it survives a crash).
pub(super) fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Puts the staging folder `root` and its `files` (written without `fsync`) on the disk. On
/// Linux one `syncfs` of the file system holding them; elsewhere, or when that fails, one
/// `fsync` per file and one of the folder.
pub(super) fn sync_staged(root: &Path, files: &[std::path::PathBuf]) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let dir = fs::File::open(root)?;
        // SAFETY: `dir` is an open descriptor for the duration of the call.
        if unsafe { libc::syncfs(dir.as_raw_fd()) } == 0 {
            return Ok(());
        }
    }
    for f in files {
        fs::OpenOptions::new().write(true).open(f)?.sync_all()?;
    }
    sync_dir(root)
}

/// Exchanges the folders `staged` and `dir`: afterwards `dir` is the new report and `staged`
/// the previous one. On Linux one `renameat2(RENAME_EXCHANGE)`, so no moment exists without a
/// whole report at `dir`; elsewhere (or on a file system without it) two renames, whose
/// interruption the next run repairs (`remove_leftovers`).
pub(super) fn exchange(staged: &Path, dir: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    match exchange_linux(staged, dir) {
        Ok(()) => return Ok(()),
        Err(e) if matches!(e.raw_os_error(), Some(libc::EINVAL) | Some(libc::ENOSYS)) => {}
        Err(e) => return Err(e),
    }
    let old = sibling(dir, OLD, std::process::id());
    fs::rename(dir, &old)?;
    if let Err(e) = fs::rename(staged, dir) {
        let _ = fs::rename(&old, dir);
        return Err(e);
    }
    fs::rename(&old, staged)
}

#[cfg(target_os = "linux")]
fn exchange_linux(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        CString::new(p.as_os_str().as_bytes())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a NUL byte in the path"))
    };
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both paths are NUL-terminated C strings that outlive the call; AT_FDCWD makes
    // them relative to the working directory, as `std::fs::rename` does.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}
