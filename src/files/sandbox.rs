//! The sandbox: the root folder held open, and the only way from a user's
//! path string to a file descriptor.
//!
//! [`Sandbox::resolve`] checks the text (relative, no `..`, no NUL, sane
//! lengths) and returns a [`SafePath`]; nothing else makes one. Every open then
//! goes through [`Sandbox::open_path`], which asks the kernel to resolve the
//! path *beneath the open root handle* (`openat2` with `RESOLVE_BENEATH |
//! RESOLVE_NO_MAGICLINKS`): a `..` in a symlink that would climb out, an
//! absolute symlink, a `/proc` magic link, or a symlink swapped in while we
//! work all fail in the kernel instead of in a check we could race. Where a
//! link must not be followed at all we add `RESOLVE_NO_SYMLINKS`. On kernels
//! without `openat2` (ENOSYS, before 5.6), or where a seccomp filter denies
//! it (EPERM), a component-by-component walk with `O_NOFOLLOW` takes over; it
//! refuses every symlink rather than judge one.

use super::error::FileError;
use nix::errno::Errno;
use nix::fcntl::{OFlag, OpenHow, ResolveFlag, openat, openat2};
use nix::sys::stat::{FileStat, Mode, SFlag, fstat};
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

/// Longest path accepted from a user, in bytes (Linux's PATH_MAX).
pub const MAX_PATH: usize = 4096;
/// Longest single name, in bytes (Linux's NAME_MAX).
pub const MAX_NAME: usize = 255;

/// A path relative to the root that passed [`Sandbox::resolve`]: no `..`, no
/// empty or `.` components, no NUL. Empty means the root itself.
///
/// It is only *text* that follows the rules; whether it stays inside the root
/// on disk (symlinks) is decided by the kernel at every open.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SafePath(PathBuf);

impl SafePath {
    pub fn is_root(&self) -> bool {
        self.0.as_os_str().is_empty()
    }

    pub fn as_path(&self) -> &Path {
        &self.0
    }

    /// For JSON and the audit log: relative, `""` for the root, lossy for
    /// names that are not UTF-8.
    pub fn display(&self) -> String {
        self.0.to_string_lossy().into_owned()
    }

    /// The last component, `None` for the root.
    pub fn name(&self) -> Option<&OsStr> {
        self.0.file_name()
    }

    /// The parent and the last component; `None` for the root.
    pub fn split(&self) -> Option<(SafePath, &OsStr)> {
        let name = self.0.file_name()?;
        let parent = self.0.parent().unwrap_or(Path::new(""));
        Some((SafePath(parent.to_path_buf()), name))
    }

    /// A child named by a directory entry (which may not be UTF-8).
    pub fn child(&self, name: &OsStr) -> Result<SafePath, FileError> {
        check_name(name.as_bytes())?;
        Ok(SafePath(self.0.join(name)))
    }

    fn for_syscall(&self) -> &Path {
        if self.is_root() {
            Path::new(".")
        } else {
            &self.0
        }
    }
}

/// Which resolver the kernel allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolver {
    Openat2,
    /// The `O_NOFOLLOW` walk for kernels without `openat2`.
    Walk,
}

impl Resolver {
    /// Picks the resolver from how an `openat2` of the root itself failed.
    /// ENOSYS: a kernel before 5.6. EPERM: a seccomp filter (some container
    /// runtimes and sandboxing profiles) that does not know `openat2` and
    /// denies it; opening the root we already hold cannot fail for want of
    /// permission, so EPERM there means the call is blocked. Either way
    /// every `openat2` would fail, so the walk takes over.
    pub fn after_probe(error: Option<Errno>) -> Self {
        match error {
            Some(Errno::ENOSYS | Errno::EPERM) => Resolver::Walk,
            _ => Resolver::Openat2,
        }
    }
}

/// Whether symlinks that stay inside the root may be followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    Follow,
    Refuse,
}

pub struct Sandbox {
    /// The root, opened `O_PATH | O_DIRECTORY`: renaming or replacing the
    /// folder by that name later does not move the sandbox.
    root: OwnedFd,
    /// The canonical host path of the root, used only to turn `/proc` answers
    /// back into relative paths and to start shells; never sent to a client.
    root_path: PathBuf,
    resolver: Resolver,
}

impl Sandbox {
    /// Opens `root` (already canonical) and picks the resolver.
    pub fn open(root: &Path) -> std::io::Result<Self> {
        let fd = nix::fcntl::open(
            root,
            OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )?;
        let probe = openat2(
            &fd,
            ".",
            how(OFlag::O_PATH | OFlag::O_CLOEXEC, Links::Follow),
        );
        let error = probe.err();
        let resolver = Resolver::after_probe(error);
        if resolver == Resolver::Walk {
            tracing::warn!(
                "openat2 is unavailable ({}): the file browser will refuse every symlink",
                error.map_or("", Errno::desc)
            );
        }
        Ok(Self {
            root: fd,
            root_path: root.to_path_buf(),
            resolver,
        })
    }

    /// Forces a resolver (tests of the fallback walk).
    pub fn with_resolver(mut self, resolver: Resolver) -> Self {
        self.resolver = resolver;
        self
    }

    pub fn resolver(&self) -> Resolver {
        self.resolver
    }

    /// THE way in: checks a user's path text. Percent-decoding (for query
    /// parameters) has already happened, exactly once.
    pub fn resolve(&self, text: &str) -> Result<SafePath, FileError> {
        if text.len() > MAX_PATH {
            return Err(FileError::BadPath("the path is longer than 4096 bytes"));
        }
        if text.contains('\0') {
            return Err(FileError::BadPath("the path contains a NUL byte"));
        }
        if text.starts_with('/') {
            return Err(FileError::BadPath(
                "the path must be relative to the root folder, not absolute",
            ));
        }
        let mut path = PathBuf::new();
        for part in text.split('/') {
            match part {
                "" | "." => {}
                ".." => return Err(FileError::BadPath("the path must not contain `..`")),
                name => {
                    check_name(name.as_bytes())?;
                    path.push(name);
                }
            }
        }
        Ok(SafePath(path))
    }

    /// Opens `path` beneath the root with `flags` (`O_CLOEXEC` is added).
    pub fn open_path(
        &self,
        path: &SafePath,
        flags: OFlag,
        links: Links,
    ) -> Result<OwnedFd, FileError> {
        let flags = flags | OFlag::O_CLOEXEC;
        if self.resolver == Resolver::Walk {
            return self.walk(path, flags);
        }
        // EAGAIN: a rename raced a `..` step and the kernel could not prove
        // the result stays beneath the root; it asks us to try again.
        for _ in 0..8 {
            match openat2(&self.root, path.for_syscall(), how(flags, links)) {
                Err(Errno::EAGAIN | Errno::EINTR) => continue,
                result => return result.map_err(FileError::from),
            }
        }
        Err(FileError::Internal(
            "path resolution kept racing with renames".into(),
        ))
    }

    /// The folder holding `path`'s last component, opened for reading (so it
    /// can be listed and fsynced) and following links inside the root, with
    /// that last component, which callers use with `*at` calls that do not
    /// follow it.
    pub fn open_parent(&self, path: &SafePath) -> Result<(OwnedFd, OsString), FileError> {
        let (parent, name) = path.split().ok_or(FileError::BadPath(
            "the root folder itself cannot be changed",
        ))?;
        let dir = self.open_path(&parent, OFlag::O_RDONLY | OFlag::O_DIRECTORY, Links::Follow)?;
        Ok((dir, name.to_os_string()))
    }

    /// Opens a regular file for reading. Devices and FIFOs are refused
    /// before they are opened for reading (opening a FIFO would block).
    pub fn open_file(&self, path: &SafePath) -> Result<(File, FileStat), FileError> {
        let probe = self.open_path(path, OFlag::O_PATH, Links::Follow)?;
        ensure_regular(&fstat(&probe)?)?;
        // O_NONBLOCK: should a FIFO be swapped in between, opening it does not hang.
        let fd = self.open_path(
            path,
            OFlag::O_RDONLY | OFlag::O_NONBLOCK | OFlag::O_NOCTTY,
            Links::Follow,
        )?;
        let stat = fstat(&fd)?;
        ensure_regular(&stat)?;
        Ok((File::from(fd), stat))
    }

    /// Where an open descriptor really is, relative to the root, with every
    /// symlink resolved (from `/proc/self/fd`). Used to save *through* a link
    /// inside the root; the answer is checked again like any user path.
    pub fn relative_of(&self, fd: &OwnedFd) -> Result<SafePath, FileError> {
        let link = std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))
            .map_err(|err| FileError::Internal(format!("locating an open file: {err}")))?;
        self.relative_of_host(&link)
    }

    /// A resolved host path (a `/proc` answer) relative to the root, checked
    /// like a user path; `OutsideRoot` for anything not beneath it.
    pub fn relative_of_host(&self, link: &Path) -> Result<SafePath, FileError> {
        let rel = link
            .strip_prefix(&self.root_path)
            .map_err(|_| FileError::OutsideRoot)?;
        let mut path = PathBuf::new();
        for component in rel.components() {
            match component {
                Component::Normal(name) => {
                    check_name(name.as_bytes())?;
                    path.push(name);
                }
                _ => return Err(FileError::OutsideRoot),
            }
        }
        Ok(SafePath(path))
    }

    /// The host path of a checked path (to start a shell there). Never put
    /// it in a response.
    pub fn host_path(&self, path: &SafePath) -> PathBuf {
        self.root_path.join(&path.0)
    }

    /// The fallback: one component at a time with `O_NOFOLLOW`, so no symlink
    /// is ever followed.
    fn walk(&self, path: &SafePath, flags: OFlag) -> Result<OwnedFd, FileError> {
        let parts: Vec<&OsStr> = path.0.iter().collect();
        let Some((last, parents)) = parts.split_last() else {
            return Ok(openat(&self.root, ".", flags, Mode::empty())?);
        };
        let mut dir = openat(
            &self.root,
            ".",
            OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )?;
        for part in parents {
            let next = openat(
                &dir,
                *part,
                OFlag::O_PATH | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                Mode::empty(),
            )?;
            match kind(&fstat(&next)?) {
                SFlag::S_IFDIR => dir = next,
                SFlag::S_IFLNK => return Err(FileError::SymlinkLoop),
                _ => return Err(FileError::NotFound),
            }
        }
        // O_NOFOLLOW: a link as the last component fails with ELOOP, except
        // under O_PATH, which opens the link itself; refuse that too.
        let fd = openat(&dir, *last, flags | OFlag::O_NOFOLLOW, Mode::empty())?;
        if kind(&fstat(&fd)?) == SFlag::S_IFLNK {
            return Err(FileError::SymlinkLoop);
        }
        Ok(fd)
    }
}

fn how(flags: OFlag, links: Links) -> OpenHow {
    let mut resolve = ResolveFlag::RESOLVE_BENEATH | ResolveFlag::RESOLVE_NO_MAGICLINKS;
    if links == Links::Refuse {
        resolve |= ResolveFlag::RESOLVE_NO_SYMLINKS;
    }
    OpenHow::new().flags(flags).resolve(resolve)
}

/// One plain path component.
fn check_name(name: &[u8]) -> Result<(), FileError> {
    if name.is_empty() || name == b"." || name == b".." || name.contains(&b'/') {
        return Err(FileError::BadPath(
            "a name must be one plain path component",
        ));
    }
    if name.contains(&0) {
        return Err(FileError::BadPath("the path contains a NUL byte"));
    }
    if name.len() > MAX_NAME {
        return Err(FileError::BadPath("a name is longer than 255 bytes"));
    }
    Ok(())
}

/// The file type bits of a stat.
pub fn kind(stat: &FileStat) -> SFlag {
    SFlag::from_bits_truncate(stat.st_mode & SFlag::S_IFMT.bits())
}

fn ensure_regular(stat: &FileStat) -> Result<(), FileError> {
    if kind(stat) == SFlag::S_IFREG {
        Ok(())
    } else {
        Err(FileError::NotAFile)
    }
}

#[cfg(test)]
#[path = "sandbox_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "sandbox_props.rs"]
mod prop_tests;

/// The names in an open folder, without `.` and `..`; entries that cannot
/// be read are skipped (the caller stats each name anyway).
pub fn entry_names(dir: &mut nix::dir::Dir) -> Vec<OsString> {
    dir.iter()
        .filter_map(Result::ok)
        .map(|e| OsStr::from_bytes(e.file_name().to_bytes()).to_os_string())
        .filter(|n| n != "." && n != "..")
        .collect()
}
