//! The only place that writes report files. A report folder of `run`, `compare` or `merge` is
//! replaced as a whole: the new report is written into a sibling temporary folder and swapped
//! in with one rename, so after any interruption the folder holds the previous report or the
//! new one, never a mix. A sweep's folder grows instead (a point at a time, shared by shards),
//! each file replaced atomically. A lock on the folder keeps two processes from writing one
//! report at the same time.

mod folder;
mod lock;
mod swap;

use std::fs;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::ReportError;
use folder::{foreign_entries, prepare, resolve};

pub use lock::Lock;

/// Marker file that says mailflow wrote a folder, and which of its entries are the report's.
pub const MARKER: &str = ".mailflow";

/// The marker's first line; the report's entries follow, one a line.
const MARKER_TEXT: &str = "This folder was written by mailflow: a new report replaces the \
entries listed below as a whole and keeps any other file.\n";

/// How a report folder may be claimed.
#[derive(Clone, Copy, Debug, Default)]
pub struct Claim {
    /// Write into a non-empty folder that mailflow did not write (its files are kept).
    pub force: bool,
    /// Wait for another mailflow writing the same folder, instead of failing.
    pub wait: bool,
}

/// Writes the files of one report folder.
#[derive(Debug)]
pub struct ReportWriter {
    /// The report folder.
    dir: PathBuf,
    /// Where files are written: the staging folder (replaced) or `dir` itself (grown).
    root: PathBuf,
    /// Whether `root` is a staging folder swapped in by [`ReportWriter::commit`].
    staged: bool,
    /// Whether this writer created `dir` (removed again if the report is abandoned while empty).
    created: bool,
    /// Whether the staging folder exists yet.
    opened: Mutex<bool>,
    /// Entries written so far (top-level names, for the marker).
    written: Mutex<Vec<String>>,
    /// Entries of the previous folder kept in the new one (not the report's).
    kept: Vec<String>,
    /// Writes and renames done so far (the steps of `MAILFLOW_TEST_STOP_AT_STEP`).
    steps: AtomicUsize,
    /// Set once the staging folder has been swapped in.
    committed: AtomicBool,
    /// Files of the staging folder written without waiting for the disk: they are flushed
    /// together, once, before the swap.
    unsynced: Mutex<Vec<PathBuf>>,
    /// The lock on `dir`, held until the writer is dropped.
    _lock: Lock,
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> ReportError + '_ {
    move |source| ReportError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// An error about the `--out` path itself (not a failure of the disk): exit code 2.
fn unusable(path: &Path, why: String) -> ReportError {
    ReportError::Io {
        path: path.display().to_string(),
        source: io::Error::new(io::ErrorKind::InvalidInput, why),
    }
}

impl ReportWriter {
    /// Claims `dir` for a report that replaces it as a whole: locks it (exclusively), refuses a
    /// folder mailflow did not write unless `claim.force`, removes what an interrupted earlier
    /// run left beside it, and opens a staging folder beside it. Nothing in `dir` changes until
    /// [`ReportWriter::commit`]; dropping the writer without committing removes the staging
    /// folder.
    pub fn replace(dir: &Path, claim: Claim) -> Result<ReportWriter, ReportError> {
        let dir = resolve(dir)?;
        let created = prepare(&dir)?;
        let lock = Lock::exclusive(&dir, claim.wait)?;
        swap::remove_leftovers(&dir);
        let kept = foreign_entries(&dir, claim.force)?;
        Ok(ReportWriter {
            root: swap::staging_path(&dir),
            dir,
            staged: true,
            created,
            opened: Mutex::new(false),
            written: Mutex::new(Vec::new()),
            kept,
            steps: AtomicUsize::new(0),
            committed: AtomicBool::new(false),
            unsynced: Mutex::new(Vec::new()),
            _lock: lock,
        })
    }

    /// Creates the staging folder at the first write (so a run interrupted before it has
    /// written anything leaves nothing behind), with the previous folder's other files in it.
    fn open_staging(&self) -> Result<(), ReportError> {
        let mut opened = self.opened.lock().unwrap_or_else(|e| e.into_inner());
        if !self.staged || *opened {
            return Ok(());
        }
        self.step()?;
        fs::create_dir(&self.root).map_err(io_error(&self.root))?;
        *opened = true;
        for name in &self.kept {
            swap::keep(&self.dir.join(name), &self.root.join(name))
                .map_err(io_error(&self.root))?;
        }
        Ok(())
    }

    /// Claims `dir` for a report that grows a file at a time (a sweep): several processes may
    /// share it (shards of one sweep), but not with a process replacing it. `entries` are the
    /// top-level names the report writes, recorded in the marker.
    pub fn grow(dir: &Path, claim: Claim, entries: &[&str]) -> Result<ReportWriter, ReportError> {
        let dir = resolve(dir)?;
        let created = prepare(&dir)?;
        let lock = Lock::shared(&dir, claim.wait)?;
        let kept = foreign_entries(&dir, claim.force)?;
        let w = ReportWriter {
            root: dir.clone(),
            dir,
            staged: false,
            created,
            opened: Mutex::new(true),
            written: Mutex::new(entries.iter().map(|e| e.to_string()).collect()),
            kept,
            steps: AtomicUsize::new(0),
            committed: AtomicBool::new(false),
            unsynced: Mutex::new(Vec::new()),
            _lock: lock,
        };
        let marker = w.marker_text();
        let previous = fs::read_to_string(w.dir.join(MARKER)).unwrap_or_default();
        if previous != marker {
            // Entries of another kind of report (a run's files in a folder now swept) go, so
            // the folder does not mix two reports; files mailflow did not write stay.
            let listed = previous.strip_prefix(MARKER_TEXT).unwrap_or_default();
            for stale in listed.lines().filter(|e| !entries.contains(e)) {
                if checked(stale).is_ok() {
                    let path = w.dir.join(stale);
                    let _ = fs::remove_file(&path).or_else(|_| fs::remove_dir_all(&path));
                }
            }
            w.put(MARKER, marker.as_bytes(), true)?;
        }
        Ok(w)
    }

    /// The report folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `name` (a file name, or `sub/file` inside the report) whole: a reader sees the
    /// old file or the new one. In a replaced report nothing is visible before `commit`.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, ReportError> {
        self.put(name, bytes, true)?;
        Ok(self.dir.join(name))
    }

    /// Like [`ReportWriter::write`] without waiting for the disk (`fsync`): for files whose
    /// readers check them (a sweep point carries its checksum) and recompute them when torn.
    pub fn write_unsynced(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, ReportError> {
        self.put(name, bytes, false)?;
        Ok(self.dir.join(name))
    }

    /// Appends `bytes` to `name` in one write (lines of a progress log shared by processes).
    pub fn append(&self, name: &str, bytes: &[u8]) -> Result<(), ReportError> {
        let path = self.root.join(checked(name)?);
        self.open_staging()?;
        self.note(name);
        self.step()?;
        let mut f = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io_error(&path))?;
        f.write_all(bytes).map_err(io_error(&path))
    }

    /// Swaps the staged report in: the marker is written, then one rename exchanges the staging
    /// folder and the report folder, then the previous report is deleted. Returns the folder.
    pub fn commit(self) -> Result<PathBuf, ReportError> {
        if !self.staged {
            return Ok(self.dir.clone());
        }
        let marker = self.marker_text();
        self.put(MARKER, marker.as_bytes(), true)?;
        // Every file of the staging folder, and the folder, on the disk before the swap: one
        // flush of the file system on Linux instead of one `fsync` per file.
        let files = std::mem::take(&mut *self.unsynced.lock().unwrap_or_else(|e| e.into_inner()));
        swap::sync_staged(&self.root, &files).map_err(io_error(&self.root))?;
        self.step()?;
        swap::exchange(&self.root, &self.dir).map_err(io_error(&self.dir))?;
        self.committed.store(true, Ordering::SeqCst);
        if let Some(parent) = self.dir.parent() {
            let _ = swap::sync_dir(parent);
        }
        // The new report is in place: nothing after this is a failure of the command.
        let _ = self.step();
        // The previous report, now under the staging name; a failure leaves it for the next run.
        let _ = fs::remove_dir_all(&self.root);
        Ok(self.dir.clone())
    }

    /// Writes a file by a temporary file and a rename, removing the temporary file on failure.
    fn put(&self, name: &str, bytes: &[u8], sync: bool) -> Result<(), ReportError> {
        let rel = checked(name)?;
        self.open_staging()?;
        let path = self.root.join(rel);
        let parent = path.parent().unwrap_or(&self.root).to_path_buf();
        if parent != self.root {
            fs::create_dir_all(&parent).map_err(io_error(&parent))?;
        }
        self.note(name);
        self.step()?;
        let file_name = rel.file_name().map_or(name.into(), |f| f.to_string_lossy());
        let tmp = parent.join(format!(
            ".{file_name}.{}.{}.tmp",
            std::process::id(),
            unique()
        ));
        let written = (|| {
            let mut f = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)?;
            f.write_all(bytes)?;
            // A staged file is invisible until the swap, which flushes them all first.
            if sync && !self.staged {
                f.sync_all()?;
            }
            drop(f);
            fs::rename(&tmp, &path)
        })();
        written.map_err(|e| {
            let _ = fs::remove_file(&tmp);
            io_error(&path)(e)
        })?;
        if sync && self.staged {
            self.unsynced
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(path);
        }
        Ok(())
    }

    /// Records a top-level entry for the marker.
    fn note(&self, name: &str) {
        let top = name.split('/').next().unwrap_or(name).to_string();
        let mut w = self.written.lock().unwrap_or_else(|e| e.into_inner());
        if top != MARKER && !w.contains(&top) {
            w.push(top);
        }
    }

    /// The marker: its first line, then the report's entries in order.
    fn marker_text(&self) -> String {
        let mut entries = self
            .written
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        entries.sort();
        let mut text = MARKER_TEXT.to_string();
        for e in entries {
            text.push_str(&e);
            text.push('\n');
        }
        text
    }

    /// Counts one write or rename, and obeys the test hooks: `MAILFLOW_TEST_STOP_AT_STEP=k`
    /// ends the process abruptly before step k (as a kill would), `MAILFLOW_TEST_FAIL_AT_STEP=k`
    /// makes step k fail as a full disk would.
    fn step(&self) -> Result<(), ReportError> {
        let k = self.steps.fetch_add(1, Ordering::SeqCst) + 1;
        if hook("MAILFLOW_TEST_STOP_AT_STEP") == Some(k) {
            std::process::exit(137);
        }
        if hook("MAILFLOW_TEST_FAIL_AT_STEP") == Some(k) {
            return Err(ReportError::Io {
                path: self.root.display().to_string(),
                source: io::Error::new(
                    io::ErrorKind::StorageFull,
                    "no space left on device (MAILFLOW_TEST_FAIL_AT_STEP)",
                ),
            });
        }
        Ok(())
    }
}

impl Drop for ReportWriter {
    fn drop(&mut self) {
        if self.staged && !self.committed.load(Ordering::SeqCst) {
            let _ = fs::remove_dir_all(&self.root);
        }
        if self.created && !self.committed.load(Ordering::SeqCst) {
            // Only if still empty: what this writer created and never filled.
            let _ = fs::remove_dir(&self.dir);
        }
    }
}

/// A test hook's step number, if set.
fn hook(var: &str) -> Option<usize> {
    std::env::var(var).ok()?.trim().parse().ok()
}

/// A number unique within the process, for temporary file names of concurrent writes.
fn unique() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A file name inside the report: relative, without `..`.
fn checked(name: &str) -> Result<&Path, ReportError> {
    let p = Path::new(name);
    if name.is_empty() || !p.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(unusable(
            p,
            format!("`{name}` is not a file name inside the report"),
        ));
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_folder_mailflow_did_not_write_is_refused_without_force_and_its_files_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("mine");
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("notes.txt"), "mine").unwrap();
        fs::write(dir.join("draft.tmp"), "mine too").unwrap();
        assert!(matches!(
            ReportWriter::replace(&dir, Claim::default()),
            Err(ReportError::ForeignFolder { .. })
        ));
        let force = Claim {
            force: true,
            wait: false,
        };
        let w = ReportWriter::replace(&dir, force).unwrap();
        w.write("summary.json", b"{}").unwrap();
        w.commit().unwrap();
        assert_eq!(fs::read_to_string(dir.join("notes.txt")).unwrap(), "mine");
        // Once marked, the folder is mailflow's: replaced without --force, the notes still kept.
        let w = ReportWriter::replace(&dir, Claim::default()).unwrap();
        w.write("other.json", b"[]").unwrap();
        w.commit().unwrap();
        // A user's `.tmp` file is kept too: only mailflow's `.<name>.<pid>.<n>.tmp` are not.
        assert_eq!(
            listing(&dir),
            [MARKER, "draft.tmp", "notes.txt", "other.json"]
        );
    }

    #[test]
    fn nothing_changes_before_commit_and_an_abandoned_report_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("r");
        let w = ReportWriter::replace(&dir, Claim::default()).unwrap();
        w.write("a.txt", b"first").unwrap();
        w.commit().unwrap();
        let w = ReportWriter::replace(&dir, Claim::default()).unwrap();
        w.write("a.txt", b"second").unwrap();
        w.write("b.txt", b"new").unwrap();
        assert_eq!(fs::read_to_string(dir.join("a.txt")).unwrap(), "first");
        drop(w);
        assert_eq!(listing(&dir), [MARKER, "a.txt"]);
        assert_eq!(listing(tmp.path()), ["r"], "no staging folder left");
        // A new folder abandoned before its first report is removed again.
        drop(ReportWriter::replace(&tmp.path().join("new"), Claim::default()).unwrap());
        assert_eq!(listing(tmp.path()), ["r"]);
    }

    #[test]
    fn a_second_writer_of_the_same_folder_is_refused_while_the_first_holds_it() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("r");
        let first = ReportWriter::replace(&dir, Claim::default()).unwrap();
        let err = ReportWriter::replace(&dir, Claim::default()).unwrap_err();
        assert!(err.to_string().contains("another mailflow"), "{err}");
        assert!(ReportWriter::grow(&dir, Claim::default(), &[]).is_err());
        drop(first);
        let a = ReportWriter::grow(&dir, Claim::default(), &["points"]).unwrap();
        let b = ReportWriter::grow(&dir, Claim::default(), &["points"]).unwrap();
        a.write("points/1.json", b"1").unwrap();
        b.write_unsynced("points/2.json", b"2").unwrap();
        assert!(ReportWriter::replace(&dir, Claim::default()).is_err());
        drop((a, b));
        assert_eq!(listing(&dir.join("points")), ["1.json", "2.json"]);
    }

    #[test]
    fn a_sweep_into_a_run_report_removes_the_run_files_and_keeps_the_users() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("r");
        let w = ReportWriter::replace(&dir, Claim::default()).unwrap();
        w.write("summary.json", b"{}").unwrap();
        w.commit().unwrap();
        fs::write(dir.join("notes.txt"), "mine").unwrap();
        let w = ReportWriter::grow(&dir, Claim::default(), &["sweep.json", "points"]).unwrap();
        w.write("sweep.json", b"{}").unwrap();
        drop(w);
        assert_eq!(listing(&dir), [MARKER, "notes.txt", "sweep.json"]);
    }

    #[test]
    fn a_file_in_place_of_the_folder_is_refused_without_suggesting_force() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("f");
        fs::write(&file, "x").unwrap();
        let force = Claim {
            force: true,
            wait: false,
        };
        let err = ReportWriter::replace(&file, force).unwrap_err().to_string();
        assert!(err.contains("is a file, not a folder"), "{err}");
        assert!(!err.contains("--force"), "{err}");
        let err = ReportWriter::replace(&file.join("sub"), force)
            .unwrap_err()
            .to_string();
        assert!(err.contains("a file is in the way"), "{err}");
    }

    #[test]
    fn names_outside_the_report_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let w = ReportWriter::replace(&tmp.path().join("r"), Claim::default()).unwrap();
        for bad in ["../x", "/etc/x", "", "a/../../b"] {
            assert!(w.write(bad, b"").is_err(), "{bad}");
        }
    }
}
