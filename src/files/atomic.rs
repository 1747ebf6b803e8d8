//! Writes that never tear or lose a file.
//!
//! Every write goes to a new temporary file in the target's own folder
//! (`.termgate-<random>.tmp`, so listings hide it and the rename cannot cross
//! file systems), is fsynced, given the replaced file's owner and mode, renamed
//! over the target in one step, and then the folder is fsynced so the rename
//! itself survives a crash. Until that rename the target is untouched; on any
//! error (a full disk, a size limit, a dropped upload) [`TempFile`]'s `Drop`
//! removes the temporary file, so nothing is left behind. Only a crash can
//! leave one; `sweep` removes those at the next start.
//!
//! [`Target`] says where a write lands: the folder (held open, beneath the
//! root) and the name in it. A symlink inside the root is followed to its real
//! file, so saving through a link changes the target and keeps the link.

use super::error::FileError;
use super::hash_file;
use super::locks::LockKey;
use super::sandbox::{Links, SafePath, Sandbox, kind};
use nix::errno::Errno;
use nix::fcntl::{AtFlags, OFlag, RenameFlags, openat, renameat, renameat2};
use nix::sys::stat::{FileStat, Mode, SFlag, fchmod, fstat, fstatat};
use nix::unistd::{Gid, Uid, UnlinkatFlags, fchown, fsync, linkat, unlinkat};
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::Write;
use std::os::fd::OwnedFd;

/// Where a write to a path lands.
pub struct Target {
    /// The folder holding the file, opened beneath the root.
    pub dir: OwnedFd,
    /// The file's name in `dir` (never followed by the calls that use it).
    pub name: OsString,
    /// The real path of the file, relative to the root.
    pub path: SafePath,
    /// The file there now, if any (always a regular file).
    pub existing: Option<FileStat>,
    /// Identifies the file for [`Locks`](super::locks::Locks), whatever path named it.
    pub key: LockKey,
}

impl Target {
    /// Finds where a write to `path` lands; refuses folders, FIFOs and
    /// devices, and links that lead out of the root or nowhere.
    pub fn locate(sandbox: &Sandbox, path: &SafePath) -> Result<Self, FileError> {
        let (dir, name) = sandbox.open_parent(path)?;
        let stat = match fstatat(&dir, name.as_os_str(), AtFlags::AT_SYMLINK_NOFOLLOW) {
            Ok(stat) => stat,
            Err(Errno::ENOENT) => return Self::new(dir, name, path.clone(), None),
            Err(errno) => return Err(errno.into()),
        };
        match kind(&stat) {
            SFlag::S_IFREG => Self::new(dir, name, path.clone(), Some(stat)),
            SFlag::S_IFLNK => {
                let fd = sandbox.open_path(path, OFlag::O_PATH, Links::Follow)?;
                if kind(&fstat(&fd)?) != SFlag::S_IFREG {
                    return Err(FileError::NotAFile);
                }
                let real = sandbox.relative_of(&fd)?;
                let (dir, name) = sandbox.open_parent(&real)?;
                let stat = fstatat(&dir, name.as_os_str(), AtFlags::AT_SYMLINK_NOFOLLOW)?;
                if kind(&stat) != SFlag::S_IFREG {
                    // Swapped for something else since we followed the link.
                    return Err(FileError::SymlinkLoop);
                }
                Self::new(dir, name, real, Some(stat))
            }
            _ => Err(FileError::NotAFile),
        }
    }

    fn new(
        dir: OwnedFd,
        name: OsString,
        path: SafePath,
        existing: Option<FileStat>,
    ) -> Result<Self, FileError> {
        let folder = fstat(&dir)?;
        let key = LockKey::new(folder.st_dev, folder.st_ino, &name);
        Ok(Self {
            dir,
            name,
            path,
            existing,
            key,
        })
    }

    /// SHA-256 of what is at the target now; `None` when nothing is.
    pub fn current_hash(&self) -> Result<Option<String>, FileError> {
        let flags = OFlag::O_RDONLY
            | OFlag::O_NOFOLLOW
            | OFlag::O_NONBLOCK
            | OFlag::O_NOCTTY
            | OFlag::O_CLOEXEC;
        let fd = match openat(&self.dir, self.name.as_os_str(), flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::ENOENT) => return Ok(None),
            Err(errno) => return Err(errno.into()),
        };
        if kind(&fstat(&fd)?) != SFlag::S_IFREG {
            return Err(FileError::NotAFile);
        }
        Ok(Some(hash_file(File::from(fd))?))
    }

    /// A temporary file next to the target, to be renamed over it.
    pub fn temp_file(&self) -> Result<TempFile, FileError> {
        TempFile::create(&self.dir, self.existing.as_ref())
    }
}

/// A temporary file that becomes the target in one rename, or disappears.
pub struct TempFile {
    dir: OwnedFd,
    name: OsString,
    file: File,
    /// Mode, owner and group of the file it replaces.
    like: Option<(u32, u32, u32)>,
    len: u64,
    /// Still ours to remove (not yet renamed).
    armed: bool,
}

impl TempFile {
    /// Creates the file in `dir`; `like` is the file it will replace.
    pub fn create(dir: &OwnedFd, like: Option<&FileStat>) -> Result<Self, FileError> {
        let dir = dir.try_clone()?;
        // A replacement starts private and gets the old mode before the
        // rename; a new file gets the usual 0666 less the umask.
        let mode = if like.is_some() { 0o600 } else { 0o666 };
        for _ in 0..8 {
            let name = OsString::from(format!(".termgate-{:016x}.tmp", crate::random::u64()));
            let flags = OFlag::O_WRONLY
                | OFlag::O_CREAT
                | OFlag::O_EXCL
                | OFlag::O_NOFOLLOW
                | OFlag::O_CLOEXEC;
            match openat(
                &dir,
                name.as_os_str(),
                flags,
                Mode::from_bits_truncate(mode),
            ) {
                Ok(fd) => {
                    return Ok(Self {
                        dir,
                        name,
                        file: File::from(fd),
                        like: like.map(|s| (s.st_mode & 0o7777, s.st_uid, s.st_gid)),
                        len: 0,
                        armed: true,
                    });
                }
                Err(Errno::EEXIST) => continue,
                Err(errno) => return Err(errno.into()),
            }
        }
        Err(FileError::Internal("no free temporary file name".into()))
    }

    pub fn write_all(&mut self, bytes: &[u8]) -> Result<(), FileError> {
        self.file.write_all(bytes)?;
        self.len += bytes.len() as u64;
        Ok(())
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Replaces the target (or creates it) in one rename.
    pub fn replace(mut self, target: &OsStr) -> Result<(), FileError> {
        self.seal()?;
        renameat(&self.dir, self.name.as_os_str(), &self.dir, target)?;
        self.armed = false;
        self.sync_dir();
        Ok(())
    }

    /// Creates the target only if nothing is there (409 `already_exists`).
    pub fn create_new(mut self, target: &OsStr) -> Result<(), FileError> {
        self.seal()?;
        let noreplace = renameat2(
            &self.dir,
            self.name.as_os_str(),
            &self.dir,
            target,
            RenameFlags::RENAME_NOREPLACE,
        );
        match noreplace {
            Ok(()) => self.armed = false,
            // A file system without RENAME_NOREPLACE: link(2) never replaces
            // either; the temporary name is then removed by Drop.
            Err(Errno::EINVAL) => linkat(
                &self.dir,
                self.name.as_os_str(),
                &self.dir,
                target,
                AtFlags::empty(),
            )?,
            Err(errno) => return Err(errno.into()),
        }
        self.sync_dir();
        Ok(())
    }

    /// Data on disk, and the replaced file's owner and mode.
    fn seal(&mut self) -> Result<(), FileError> {
        if let Some((mode, uid, gid)) = self.like {
            // Only root (or the owner, for the group) may do this; when it
            // fails the file keeps our ownership, which is all we can do.
            let _ = fchown(
                &self.file,
                Some(Uid::from_raw(uid)),
                Some(Gid::from_raw(gid)),
            );
            fchmod(&self.file, Mode::from_bits_truncate(mode))?;
        }
        self.file.sync_all()?;
        Ok(())
    }

    /// Makes the rename durable. The new content is already in place, so a
    /// failure here is logged rather than reported as a failed save.
    fn sync_dir(&self) {
        if let Err(errno) = fsync(&self.dir) {
            tracing::warn!("fsync of a folder after a rename failed: {errno}");
        }
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.armed {
            let _ = unlinkat(&self.dir, self.name.as_os_str(), UnlinkatFlags::NoRemoveDir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn setup() -> (tempfile::TempDir, Sandbox) {
        let root = tempfile::tempdir().unwrap();
        let sandbox = Sandbox::open(&root.path().canonicalize().unwrap()).unwrap();
        (root, sandbox)
    }

    fn names(dir: &std::path::Path) -> Vec<String> {
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn replace_keeps_the_mode_and_leaves_no_temporary_file() {
        let (root, sandbox) = setup();
        let file = root.path().join("f.txt");
        std::fs::write(&file, "old").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
        let target = Target::locate(&sandbox, &sandbox.resolve("f.txt").unwrap()).unwrap();
        let mut temp = target.temp_file().unwrap();
        temp.write_all(b"new").unwrap();
        temp.replace(&target.name).unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "new");
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o7777, 0o640);
        assert_eq!(names(root.path()), ["f.txt"]);
    }

    #[test]
    fn an_abandoned_write_leaves_the_original_and_no_temporary_file() {
        let (root, sandbox) = setup();
        std::fs::write(root.path().join("f.txt"), "old").unwrap();
        let target = Target::locate(&sandbox, &sandbox.resolve("f.txt").unwrap()).unwrap();
        let mut temp = target.temp_file().unwrap();
        temp.write_all(b"half of the new").unwrap();
        assert_eq!(
            names(root.path()).len(),
            2,
            "the temporary file exists meanwhile"
        );
        drop(temp);
        assert_eq!(names(root.path()), ["f.txt"]);
        assert_eq!(
            std::fs::read_to_string(root.path().join("f.txt")).unwrap(),
            "old"
        );
    }

    #[test]
    fn create_new_never_replaces() {
        let (root, sandbox) = setup();
        std::fs::write(root.path().join("f.txt"), "old").unwrap();
        let target = Target::locate(&sandbox, &sandbox.resolve("f.txt").unwrap()).unwrap();
        let mut temp = target.temp_file().unwrap();
        temp.write_all(b"new").unwrap();
        let err = temp.create_new(&target.name).unwrap_err();
        assert_eq!(err.code(), "already_exists");
        assert_eq!(
            std::fs::read_to_string(root.path().join("f.txt")).unwrap(),
            "old"
        );
        assert_eq!(names(root.path()), ["f.txt"]);
    }

    #[test]
    fn writes_through_an_inside_link_change_the_target_and_keep_the_link() {
        let (root, sandbox) = setup();
        std::fs::create_dir(root.path().join("d")).unwrap();
        std::fs::write(root.path().join("d/real"), "old").unwrap();
        std::os::unix::fs::symlink("d/real", root.path().join("link")).unwrap();
        let target = Target::locate(&sandbox, &sandbox.resolve("link").unwrap()).unwrap();
        assert_eq!(target.path.display(), "d/real");
        let mut temp = target.temp_file().unwrap();
        temp.write_all(b"new").unwrap();
        temp.replace(&target.name).unwrap();
        assert!(root.path().join("link").is_symlink());
        assert_eq!(
            std::fs::read_to_string(root.path().join("d/real")).unwrap(),
            "new"
        );
    }
}
