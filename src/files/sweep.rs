//! The start-up sweep of temporary files a crash left behind.
//!
//! A write's temporary file (`.termgate-<16 hex digits>.tmp`, made by
//! `atomic`) is removed by its `Drop` on every error, but not when the
//! process dies mid-upload or mid-save (SIGKILL, the OOM killer, a power
//! cut). So at start-up, in the background, termgate walks the root and
//! removes those older than [`STALE_AFTER`]: a live write keeps its file's
//! modification time fresh, and an hour is far beyond any pause in one.
//!
//! Only that exact name pattern, only regular files, only beneath the root:
//! every folder is opened through the sandbox with links refused (so a
//! symlink is never followed, in or out), names are examined with
//! `AT_SYMLINK_NOFOLLOW`, and at most [`MAX_ENTRIES`] entries are looked at,
//! so a root as large as a home folder costs a bounded walk.

use super::sandbox::{Links, SafePath, Sandbox, kind};
use nix::fcntl::{AtFlags, OFlag};
use nix::sys::stat::{SFlag, fstatat};
use nix::unistd::{UnlinkatFlags, unlinkat};
use std::os::unix::ffi::OsStrExt;
use std::time::Duration;

/// A temporary file untouched for this long belongs to no live write.
pub const STALE_AFTER: Duration = Duration::from_secs(3600);
/// Most folder entries one sweep looks at.
pub const MAX_ENTRIES: usize = 200_000;

/// Whether `name` is one `atomic` makes: `.termgate-` + 16 lowercase hex
/// digits + `.tmp`, nothing else.
pub fn is_temp_name(name: &[u8]) -> bool {
    name.strip_prefix(b".termgate-")
        .and_then(|rest| rest.strip_suffix(b".tmp"))
        .is_some_and(|hex| {
            hex.len() == 16
                && hex
                    .iter()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
        })
}

/// Removes stale temporary files beneath the root; returns how many.
pub fn sweep(sandbox: &Sandbox, stale_after: Duration) -> usize {
    let cutoff = crate::clock::unix_secs_ago(stale_after) as i64;
    let Ok(root) = sandbox.resolve("") else {
        return 0;
    };
    let (mut removed, mut seen) = (0, 0);
    let mut stack: Vec<SafePath> = vec![root];
    while let Some(folder) = stack.pop() {
        let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY;
        // A folder we may not read, or one swapped for a link meanwhile, is skipped.
        let Ok(fd) = sandbox.open_path(&folder, flags, Links::Refuse) else {
            continue;
        };
        let Ok(mut dir) = nix::dir::Dir::from_fd(fd) else {
            continue;
        };
        let names = super::sandbox::entry_names(&mut dir);
        for name in names {
            seen += 1;
            if seen > MAX_ENTRIES {
                return removed;
            }
            let Ok(stat) = fstatat(&dir, name.as_os_str(), AtFlags::AT_SYMLINK_NOFOLLOW) else {
                continue;
            };
            let kind = kind(&stat);
            if kind == SFlag::S_IFDIR {
                if let Ok(child) = folder.child(&name) {
                    stack.push(child);
                }
                continue;
            }
            let stale =
                kind == SFlag::S_IFREG && is_temp_name(name.as_bytes()) && stat.st_mtime < cutoff;
            // unlinkat never follows a link: it removes the name itself.
            if stale && unlinkat(&dir, name.as_os_str(), UnlinkatFlags::NoRemoveDir).is_ok() {
                removed += 1;
            }
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::is_temp_name;

    #[test]
    fn only_our_own_temporary_names_match() {
        assert!(is_temp_name(b".termgate-0123456789abcdef.tmp"));
        for other in [
            &b".termgate-0123456789ABCDEF.tmp"[..],
            b".termgate-0123456789abcde.tmp",
            b".termgate-0123456789abcdef0.tmp",
            b".termgate-0123456789abcdeg.tmp",
            b"termgate-0123456789abcdef.tmp",
            b".termgate-0123456789abcdef.tmp~",
            b".token.tmp",
            b"notes.tmp",
        ] {
            assert!(!is_temp_name(other), "{}", String::from_utf8_lossy(other));
        }
    }
}
