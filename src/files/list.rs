//! `GET /api/files/list?path=&hidden=1&cursor=`: a folder's entries, folders
//! first, then by name (case-insensitive, then bytewise), 5,000 per page.
//!
//! Speed with huge folders: names and types come from `readdir` alone (its
//! `d_type`), so sorting 100,000 entries costs no `stat`; only the page being
//! answered is `stat`ed. The cursor is the last entry's sort key, so pages stay
//! consistent while entries come and go, without server-side state.

use super::Files;
use super::error::FileError;
use super::sandbox::{Links, SafePath, Sandbox, kind};
use super::{blocking, flag, param, path_param};
use crate::http::response::{Response, json};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use nix::dir::{Dir, Type};
use nix::fcntl::{AtFlags, OFlag};
use nix::sys::stat::{FileStat, SFlag, fstat, fstatat};
use serde::Serialize;
use std::cmp::Ordering;
use std::ffi::OsStr;

/// Entries per page.
pub const PAGE: usize = 5000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    File,
    Folder,
    Symlink,
    Other,
}

impl Kind {
    fn of(stat: &FileStat) -> Self {
        match kind(stat) {
            SFlag::S_IFREG => Kind::File,
            SFlag::S_IFDIR => Kind::Folder,
            SFlag::S_IFLNK => Kind::Symlink,
            _ => Kind::Other,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Entry {
    pub name: String,
    pub kind: Kind,
    /// Bytes; `null` for folders.
    pub size: Option<u64>,
    /// Unix milliseconds.
    pub modified: i64,
    /// Permission bits (`st_mode & 0o7777`), e.g. 420 for `rw-r--r--`.
    pub mode: u32,
    /// Symlinks only: the link resolves, within the root, to something that exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_inside: Option<bool>,
    /// Symlinks only: what it leads to when `target_inside`, else `null`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_kind: Option<Option<Kind>>,
}

#[derive(Debug, Serialize)]
pub struct Page {
    pub path: String,
    pub entries: Vec<Entry>,
    pub next_cursor: Option<String>,
    /// Entries in the folder (after the dotfile filter), over all pages.
    pub total: usize,
    /// Entries left out because their names are not UTF-8.
    pub skipped: usize,
}

/// What sorting needs of an entry.
struct Name {
    folder: bool,
    fold: String,
    name: String,
}

impl Name {
    fn new(folder: bool, name: String) -> Self {
        Self {
            folder,
            fold: name.to_lowercase(),
            name,
        }
    }

    fn order(&self, other: &Self) -> Ordering {
        (!self.folder, &self.fold, &self.name).cmp(&(!other.folder, &other.fold, &other.name))
    }

    /// The cursor after this entry: its sort key, opaque to clients.
    fn cursor(&self) -> String {
        let tag = if self.folder { "d" } else { "f" };
        URL_SAFE_NO_PAD.encode(format!("{tag}/{}", self.name))
    }

    fn from_cursor(text: &str) -> Result<Self, FileError> {
        let bad = || FileError::Http(crate::Error::bad_request("invalid cursor"));
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad())?;
        let text = String::from_utf8(bytes).map_err(|_| bad())?;
        match text.split_once('/') {
            Some(("d", name)) => Ok(Self::new(true, name.into())),
            Some(("f", name)) => Ok(Self::new(false, name.into())),
            _ => Err(bad()),
        }
    }
}

pub async fn list(files: &Files, req: Request<Incoming>) -> Result<Response, FileError> {
    let sandbox = files.sandbox()?;
    let path = path_param(&req, &sandbox, true)?;
    let hidden = flag(&req, "hidden")?;
    let after = param(&req, "cursor")?
        .map(|text| Name::from_cursor(&text))
        .transpose()?;
    let page = blocking(move || read_page(&sandbox, &path, hidden, after.as_ref())).await?;
    Ok(json(StatusCode::OK, &page))
}

/// One page of `path`'s entries, after `after` (the previous page's last).
fn read_page(
    sandbox: &Sandbox,
    path: &SafePath,
    hidden: bool,
    after: Option<&Name>,
) -> Result<Page, FileError> {
    let fd = match sandbox.open_path(path, OFlag::O_RDONLY | OFlag::O_DIRECTORY, Links::Follow) {
        Ok(fd) => fd,
        Err(FileError::NotFound)
            if sandbox
                .open_path(path, OFlag::O_PATH, Links::Follow)
                .is_ok() =>
        {
            return Err(FileError::NotAFolder);
        }
        Err(err) => return Err(err),
    };
    let mut dir = Dir::from_fd(fd)?;
    let mut raw = Vec::new();
    let mut skipped = 0;
    for entry in dir.iter() {
        let entry = entry?;
        let bytes = entry.file_name().to_bytes();
        if bytes == b"." || bytes == b".." || (!hidden && bytes.starts_with(b".")) {
            continue;
        }
        match std::str::from_utf8(bytes) {
            Ok(name) => raw.push((name.to_owned(), entry.file_type())),
            Err(_) => skipped += 1,
        }
    }
    let mut names: Vec<Name> = raw
        .into_iter()
        .map(|(name, file_type)| {
            let folder = match file_type {
                Some(file_type) => file_type == Type::Directory,
                // Some file systems leave d_type empty; ask stat then.
                None => fstatat(&dir, name.as_str(), AtFlags::AT_SYMLINK_NOFOLLOW)
                    .is_ok_and(|stat| kind(&stat) == SFlag::S_IFDIR),
            };
            Name::new(folder, name)
        })
        .collect();
    names.sort_unstable_by(Name::order);

    let start = match after {
        Some(after) => names.partition_point(|n| n.order(after) != Ordering::Greater),
        None => 0,
    };
    let end = (start + PAGE).min(names.len());
    let mut entries = Vec::with_capacity(end - start);
    for name in &names[start..end] {
        // Gone since readdir: leave it out rather than fail the page.
        let Ok(stat) = fstatat(&dir, name.name.as_str(), AtFlags::AT_SYMLINK_NOFOLLOW) else {
            continue;
        };
        entries.push(entry(sandbox, path, &name.name, &stat));
    }
    Ok(Page {
        path: path.display(),
        entries,
        next_cursor: (end < names.len()).then(|| names[end - 1].cursor()),
        total: names.len(),
        skipped,
    })
}

fn entry(sandbox: &Sandbox, folder: &SafePath, name: &str, stat: &FileStat) -> Entry {
    let kind = Kind::of(stat);
    let (mut target_inside, mut target_kind) = (None, None);
    if kind == Kind::Symlink {
        // The kernel decides: resolving beneath the root fails for links
        // that lead out (or loop, or dangle).
        let target = folder
            .child(OsStr::new(name))
            .and_then(|child| sandbox.open_path(&child, OFlag::O_PATH, Links::Follow))
            .and_then(|fd| Ok(fstat(&fd)?));
        target_inside = Some(target.is_ok());
        target_kind = Some(target.ok().map(|stat| Kind::of(&stat)));
    }
    Entry {
        name: name.to_owned(),
        kind,
        size: (kind != Kind::Folder).then_some(stat.st_size as u64),
        modified: stat.st_mtime * 1000 + stat.st_mtime_nsec / 1_000_000,
        mode: stat.st_mode & 0o7777,
        target_inside,
        target_kind,
    }
}
