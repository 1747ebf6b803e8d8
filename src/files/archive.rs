//! `GET /api/files/archive?path=`: a folder as a streamed tar.gz.
//!
//! The folder is first scanned (names and `stat` only) against [`CAPS`]; a
//! folder over them gets 413 before anything is sent. The archive is then
//! written by a blocking task into a bounded channel that is the response
//! body. Nothing is ever followed out of the root: every folder and file is
//! opened by its full path with `RESOLVE_NO_SYMLINKS` beneath the root, a
//! symlink is stored *as a link* only when it resolves inside the root and is
//! skipped otherwise, and FIFOs, sockets and devices are skipped unopened.

use super::Files;
use super::body::{self, ChannelWriter};
use super::error::FileError;
use super::sandbox::{Links, SafePath, Sandbox, kind};
use super::transfer::content_disposition;
use super::{blocking, path_param};
use crate::http::response::Response;
use flate2::Compression;
use flate2::write::GzEncoder;
use hyper::Request;
use hyper::body::Incoming;
use hyper::header::{CONTENT_DISPOSITION, CONTENT_TYPE, HeaderValue};
use nix::dir::Dir;
use nix::fcntl::{AtFlags, OFlag, readlinkat};
use nix::sys::stat::{FileStat, SFlag, fstat, fstatat};
use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// Limits on one archive.
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    /// Files, folders and links.
    pub max_entries: u64,
    /// Bytes of file content, before compression.
    pub max_bytes: u64,
}

pub const CAPS: Caps = Caps {
    max_entries: 100_000,
    max_bytes: 4 << 30,
};

pub async fn archive(files: &Files, req: Request<Incoming>) -> Result<Response, FileError> {
    let sandbox = files.sandbox()?;
    let path = path_param(&req, &sandbox, true)?;
    let root_name = files.root_name.clone();
    let (sandbox, base, top) = blocking(move || {
        // Walk the real folder, so that links are refused below it.
        let fd = sandbox.open_path(&path, OFlag::O_PATH, Links::Follow)?;
        if kind(&fstat(&fd)?) != SFlag::S_IFDIR {
            return Err(FileError::NotAFolder);
        }
        let base = sandbox.relative_of(&fd)?;
        let top = base
            .name()
            .map(|n| n.to_os_string())
            .or(root_name)
            .unwrap_or_else(|| OsString::from("files"));
        scan(&sandbox, &base, CAPS)?;
        Ok((sandbox, base, PathBuf::from(top)))
    })
    .await?;

    let file_name = format!("{}.tar.gz", top.to_string_lossy());
    let (tx, body) = body::channel();
    tokio::task::spawn_blocking(move || {
        let gzip = GzEncoder::new(ChannelWriter::new(tx.clone()), Compression::fast());
        let mut tar = tar::Builder::new(gzip);
        let written = write_entries(&sandbox, &base, &top, CAPS, &mut tar)
            .and_then(|()| tar.into_inner()?.finish()?.flush());
        if let Err(err) = written {
            // Sent before the encoder drops, so the body ends in an error
            // rather than in something that looks like a whole archive.
            let _ = tx.blocking_send(Err(err));
        }
    });
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/gzip"));
    headers.insert(CONTENT_DISPOSITION, content_disposition(&file_name));
    Ok(response)
}

/// One entry met by [`walk`]: its checked path, its path inside the archive
/// (relative to the base), the folder it is in, and its `lstat`.
struct Item<'a> {
    path: &'a SafePath,
    rel: &'a Path,
    dir: &'a Dir,
    stat: &'a FileStat,
}

/// Visits everything below `base`, depth-first, folders before their
/// contents, names sorted (so archives are reproducible). Links are never
/// followed: folders are opened with `RESOLVE_NO_SYMLINKS`, so one swapped
/// for a link meanwhile is skipped.
fn walk(
    sandbox: &Sandbox,
    base: &SafePath,
    mut visit: impl FnMut(Item<'_>) -> io::Result<()>,
) -> Result<(), FileError> {
    let mut stack = vec![(base.clone(), PathBuf::new())];
    while let Some((folder, rel)) = stack.pop() {
        let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY;
        let fd = match sandbox.open_path(&folder, flags, Links::Refuse) {
            Ok(fd) => fd,
            Err(err) if folder == *base => return Err(err),
            Err(_) => continue,
        };
        let mut dir = Dir::from_fd(fd)?;
        let mut names = super::sandbox::entry_names(&mut dir);
        names.sort();
        let mut folders = Vec::new();
        for name in names {
            let Ok(stat) = fstatat(&dir, name.as_os_str(), AtFlags::AT_SYMLINK_NOFOLLOW) else {
                continue;
            };
            let path = folder.child(&name)?;
            let child_rel = rel.join(&name);
            visit(Item {
                path: &path,
                rel: &child_rel,
                dir: &dir,
                stat: &stat,
            })?;
            if kind(&stat) == SFlag::S_IFDIR {
                folders.push((path, child_rel));
            }
        }
        // Reversed onto the stack, so the first folder is walked first.
        stack.extend(folders.into_iter().rev());
    }
    Ok(())
}

/// Refuses (413) a folder over the caps, from names and sizes alone.
fn scan(sandbox: &Sandbox, base: &SafePath, caps: Caps) -> Result<(), FileError> {
    let (mut entries, mut bytes) = (0u64, 0u64);
    let too_large = FileError::ArchiveTooLarge {
        max_entries: caps.max_entries,
        max_bytes: caps.max_bytes,
    };
    let over = walk(sandbox, base, |item| {
        entries += 1;
        if kind(item.stat) == SFlag::S_IFREG {
            bytes += item.stat.st_size as u64;
        }
        if entries > caps.max_entries || bytes > caps.max_bytes {
            return Err(io::Error::other("over the caps"));
        }
        Ok(())
    });
    match over {
        Ok(()) => Ok(()),
        Err(_) if entries > caps.max_entries || bytes > caps.max_bytes => Err(too_large),
        Err(err) => Err(err),
    }
}

/// Writes every entry below `base` under the folder name `top`. The caps are
/// enforced again, since files may grow after the scan.
fn write_entries<W: Write>(
    sandbox: &Sandbox,
    base: &SafePath,
    top: &Path,
    caps: Caps,
    tar: &mut tar::Builder<W>,
) -> io::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Directory);
    header.set_mode(0o755);
    header.set_size(0);
    tar.append_data(&mut header, top, io::empty())?;
    let (mut entries, mut bytes) = (0u64, 0u64);
    walk(sandbox, base, |item| {
        let name = top.join(item.rel);
        let mut header = tar::Header::new_gnu();
        header.set_mode(item.stat.st_mode & 0o7777);
        header.set_mtime(item.stat.st_mtime.max(0) as u64);
        match kind(item.stat) {
            SFlag::S_IFDIR => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_size(0);
                tar.append_data(&mut header, &name, io::empty())?;
            }
            SFlag::S_IFREG => {
                let flags = OFlag::O_RDONLY | OFlag::O_NONBLOCK | OFlag::O_NOCTTY;
                let Ok(fd) = sandbox.open_path(item.path, flags, Links::Refuse) else {
                    return Ok(()); // gone, or swapped for a link: skipped
                };
                let stat = fstat(&fd)?;
                if kind(&stat) != SFlag::S_IFREG {
                    return Ok(());
                }
                let size = stat.st_size as u64;
                bytes += size;
                if bytes > caps.max_bytes {
                    return Err(io::Error::other("the folder grew past the archive cap"));
                }
                header.set_entry_type(tar::EntryType::Regular);
                header.set_size(size);
                let file = Exact {
                    inner: std::fs::File::from(fd).take(size),
                    left: size,
                };
                tar.append_data(&mut header, &name, file)?;
            }
            SFlag::S_IFLNK => {
                // Stored as a link only when it resolves inside the root.
                if sandbox
                    .open_path(item.path, OFlag::O_PATH, Links::Follow)
                    .is_err()
                {
                    return Ok(());
                }
                let target = readlinkat(item.dir, item.rel.file_name().unwrap_or_default())?;
                header.set_entry_type(tar::EntryType::Symlink);
                header.set_size(0);
                tar.append_link(&mut header, &name, target)?;
            }
            _ => return Ok(()), // FIFOs, sockets, devices: never opened
        }
        entries += 1;
        if entries > caps.max_entries {
            return Err(io::Error::other("the folder grew past the archive cap"));
        }
        Ok(())
    })
    .map_err(|err| io::Error::other(err.to_string()))
}

/// Exactly `left` bytes: cut at the size in the header if the file grew,
/// padded with zeros if it shrank (as GNU tar does), so the archive stays whole.
struct Exact<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Exact<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Ok(0);
        }
        let max = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let mut n = self.inner.read(&mut buf[..max])?;
        if n == 0 {
            buf[..max].fill(0);
            n = max;
        }
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
#[path = "archive_tests.rs"]
mod tests;
