//! The recordings folder: the only code that names, lists and deletes
//! `.cast` files.
//!
//! Ids are generated here (`<start ms, 13 digits>-<16 hex>`), so they sort
//! by start and say nothing of the tab. A request's id is checked against
//! that shape and then *looked up* among the folder's entries: a path is
//! never built from what a client sent. The folder is 0700, files 0600.

use super::cast::TRUNCATED;
use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, Read, Seek, SeekFrom};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

const EXTENSION: &str = ".cast";
/// Longest header line read back for the list (titles are ≤ 128 chars).
const MAX_HEADER: u64 = 4096;

/// One recording on disk.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: String,
    pub path: PathBuf,
    pub size: u64,
    /// Unix ms of the start (from the id).
    pub started_ms: u64,
    /// The last write: the time of the last event.
    pub modified: SystemTime,
}

pub struct Store {
    dir: PathBuf,
}

impl Store {
    /// The folder is made with the first recording, not before: a termgate
    /// that never records leaves no folder behind.
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
        }
    }

    /// Makes the folder (0700) if needed; one that existed is made 0700 too.
    fn ensure_dir(&self) -> io::Result<()> {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)?;
        fs::set_permissions(&self.dir, fs::Permissions::from_mode(0o700))
    }

    /// A new, empty recording file (0600) and its id.
    pub fn create(&self, started_ms: u64) -> io::Result<(String, File)> {
        self.ensure_dir()?;
        let id = format!("{started_ms:013}-{:016x}", crate::random::u64());
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(self.dir.join(format!("{id}{EXTENSION}")))?;
        Ok((id, file))
    }

    /// Every recording, oldest first.
    pub fn list(&self) -> io::Result<Vec<Entry>> {
        let mut entries = Vec::new();
        let dirents = match fs::read_dir(&self.dir) {
            Ok(dirents) => dirents,
            // Nothing recorded yet.
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(entries),
            Err(err) => return Err(err),
        };
        for dirent in dirents {
            let dirent = dirent?;
            let name = dirent.file_name();
            let Some(id) = name.to_str().and_then(|n| n.strip_suffix(EXTENSION)) else {
                continue;
            };
            let (Some(started_ms), Ok(meta)) = (started_of(id), dirent.metadata()) else {
                continue;
            };
            if !meta.is_file() {
                continue;
            }
            entries.push(Entry {
                id: id.to_string(),
                path: dirent.path(),
                size: meta.len(),
                started_ms,
                modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            });
        }
        entries.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(entries)
    }

    /// The recording `id` names, if it has the shape of an id and exists.
    pub fn find(&self, id: &str) -> io::Result<Option<Entry>> {
        if started_of(id).is_none() {
            return Ok(None);
        }
        Ok(self.list()?.into_iter().find(|entry| entry.id == id))
    }

    /// Deletes what retention and the total cap say, never an `active`
    /// recording: first those started before `now - keep`, then the oldest
    /// until the rest fit in `max_total`. Returns the ids deleted.
    pub fn enforce(
        &self,
        max_total: u64,
        keep: Duration,
        now: SystemTime,
        active: &HashSet<String>,
    ) -> io::Result<Vec<String>> {
        let oldest_kept = crate::clock::to_unix_ms(now).saturating_sub(keep.as_millis() as u64);
        let entries = self.list()?;
        let mut total: u64 = entries.iter().map(|e| e.size).sum();
        let mut deleted = Vec::new();
        for entry in entries {
            if active.contains(&entry.id) {
                continue;
            }
            if entry.started_ms >= oldest_kept && total <= max_total {
                continue;
            }
            match fs::remove_file(&entry.path) {
                Ok(()) => {}
                Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                Err(err) => return Err(err),
            }
            total = total.saturating_sub(entry.size);
            deleted.push(entry.id);
        }
        Ok(deleted)
    }
}

/// The start (unix ms) an id carries, or `None` when it is not an id.
fn started_of(id: &str) -> Option<u64> {
    let (ms, random) = id.split_once('-')?;
    let digits = ms.len() == 13 && ms.bytes().all(|b| b.is_ascii_digit());
    let hex = random.len() == 16
        && random
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    (digits && hex).then(|| ms.parse().ok()).flatten()
}

/// The header line of a recording, parsed (`None` if unreadable).
pub fn header(entry: &Entry) -> Option<serde_json::Value> {
    let file = File::open(&entry.path).ok()?;
    let mut line = String::new();
    io::BufReader::new(file.take(MAX_HEADER))
        .read_line(&mut line)
        .ok()?;
    serde_json::from_str(&line).ok()
}

/// Whether the recording ends with the truncation marker.
pub fn truncated(entry: &Entry) -> bool {
    let tail = (|| {
        let mut file = File::open(&entry.path)?;
        let start = entry.size.saturating_sub(256);
        file.seek(SeekFrom::Start(start))?;
        let mut tail = Vec::new();
        file.read_to_end(&mut tail)?;
        io::Result::Ok(tail)
    })();
    tail.is_ok_and(|tail| String::from_utf8_lossy(&tail).contains(TRUNCATED))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(store: &Store, started_ms: u64, size: usize) -> String {
        let (id, mut file) = store.create(started_ms).unwrap();
        file.write_all(&vec![b'x'; size]).unwrap();
        id
    }

    #[test]
    fn ids_are_generated_and_only_their_shape_is_looked_up() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(&dir.path().join("r"));
        assert!(store.list().unwrap().is_empty(), "no folder yet");
        assert!(!dir.path().join("r").exists());
        let id = write(&store, 1_700_000_000_000, 10);
        let mode = fs::metadata(dir.path().join("r"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
        let entry = store.find(&id).unwrap().unwrap();
        assert_eq!((entry.size, entry.started_ms), (10, 1_700_000_000_000));
        let mode = fs::metadata(&entry.path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        fs::write(dir.path().join("r/notes.txt"), "x").unwrap();
        fs::write(dir.path().join("secret.cast"), "x").unwrap();
        for bad in [
            "../secret",
            "notes.txt",
            "",
            "1700000000000-zz",
            &id.to_uppercase(),
        ] {
            assert!(store.find(bad).unwrap().is_none(), "{bad}");
        }
        assert_eq!(store.list().unwrap().len(), 1);
    }

    #[test]
    fn retention_then_the_total_cap_delete_oldest_first_never_an_active_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let day = 86_400_000;
        let now = SystemTime::UNIX_EPOCH + Duration::from_millis(100 * day);
        let old = write(&store, 50 * day, 10);
        let a = write(&store, 98 * day, 100);
        let b = write(&store, 99 * day, 100);
        let c = write(&store, 99 * day + 1, 100);
        let keep = Duration::from_millis(10 * day);
        let none = HashSet::new();
        // Retention alone: the 50-day-old one.
        assert_eq!(store.enforce(1000, keep, now, &none).unwrap(), [old]);
        // The cap: the oldest first, until the rest fit.
        assert_eq!(store.enforce(200, keep, now, &none).unwrap(), [a]);
        // An active recording is skipped; the next oldest goes instead.
        let active = HashSet::from([b.clone()]);
        assert_eq!(store.enforce(100, keep, now, &active).unwrap(), [c]);
        let left: Vec<_> = store.list().unwrap().into_iter().map(|e| e.id).collect();
        assert_eq!(left, [b]);
    }
}
