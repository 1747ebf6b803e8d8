//! `POST /api/files/mkdir`, `POST /api/files/move`, `DELETE /api/files`.
//!
//! All three act on the *last* component itself and never follow it: moving
//! or deleting a symlink moves or deletes the link, not what it points to.
//! The folders holding that component are reached through the sandbox like
//! any path (links inside the root followed, links out refused). A recursive
//! delete walks by full paths with `RESOLVE_NO_SYMLINKS`, so a folder swapped
//! for a link while it runs stops the walk instead of leading it out.

use super::Files;
use super::error::FileError;
use super::locks::LockKey;
use super::sandbox::{Links, SafePath, Sandbox, kind};
use super::{blocking, flag, path_param};
use crate::audit::Audit;
use crate::http::request::{JSON_LIMIT, read_json};
use crate::http::response::{Response, empty, json};
use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use nix::dir::Dir;
use nix::errno::Errno;
use nix::fcntl::{AtFlags, OFlag, RenameFlags, renameat2};
use nix::sys::stat::{Mode, SFlag, fstat, fstatat, mkdirat};
use nix::unistd::{UnlinkatFlags, fsync, unlinkat};
use serde::Deserialize;
use serde_json::json;
use std::os::fd::OwnedFd;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MkdirBody {
    path: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MoveBody {
    from: String,
    to: String,
    #[serde(default)]
    overwrite: bool,
}

pub async fn mkdir(
    files: &Files,
    audit: &Audit,
    req: Request<Incoming>,
) -> Result<Response, FileError> {
    let sandbox = files.sandbox()?;
    let body: MkdirBody = read_json(req.into_body(), JSON_LIMIT).await?;
    let path = sandbox.resolve(&body.path)?;
    let shown = path.display();
    blocking(move || {
        let (dir, name) = sandbox.open_parent(&path)?;
        // 0777 less the umask, as mkdir(1) does.
        mkdirat(&dir, name.as_os_str(), Mode::from_bits_truncate(0o777))?;
        sync(&dir);
        Ok(())
    })
    .await?;
    audit.record("file_mkdir", json!({"path": shown}));
    Ok(json(StatusCode::CREATED, &json!({"path": shown})))
}

pub async fn rename(
    files: &Files,
    audit: &Audit,
    req: Request<Incoming>,
) -> Result<Response, FileError> {
    let sandbox = files.sandbox()?;
    let body: MoveBody = read_json(req.into_body(), JSON_LIMIT).await?;
    let from = sandbox.resolve(&body.from)?;
    let to = sandbox.resolve(&body.to)?;
    let (from_shown, to_shown) = (from.display(), to.display());
    let overwrite = body.overwrite;
    let (from_dir, from_name, to_dir, to_name, key) = blocking(move || {
        let (from_dir, from_name) = sandbox.open_parent(&from)?;
        let (to_dir, to_name) = sandbox.open_parent(&to)?;
        let folder = fstat(&to_dir)?;
        let key = LockKey::new(folder.st_dev, folder.st_ino, &to_name);
        Ok((from_dir, from_name, to_dir, to_name, key))
    })
    .await?;
    // Replacing a file takes its lock, like a save does.
    let guard = files.locks.lock(&key).await;
    blocking(move || {
        let flags = if overwrite {
            RenameFlags::empty()
        } else {
            RenameFlags::RENAME_NOREPLACE
        };
        renameat2(&from_dir, from_name.as_os_str(), &to_dir, to_name.as_os_str(), flags)
            .map_err(|errno| match errno {
                Errno::EXDEV => FileError::CrossDevice,
                Errno::EINVAL => FileError::BadPath(
                    "a folder cannot be moved into itself (or this file system cannot move without replacing)",
                ),
                Errno::ENOTDIR | Errno::EISDIR => {
                    FileError::BadPath("a folder and a file cannot replace each other")
                }
                Errno::EEXIST if overwrite => FileError::NotEmpty,
                other => other.into(),
            })?;
        sync(&to_dir);
        sync(&from_dir);
        Ok(())
    })
    .await?;
    drop(guard);
    audit.record("file_move", json!({"from": from_shown, "to": to_shown}));
    Ok(json(
        StatusCode::OK,
        &json!({"from": from_shown, "to": to_shown}),
    ))
}

pub async fn delete(
    files: &Files,
    audit: &Audit,
    req: Request<Incoming>,
) -> Result<Response, FileError> {
    let sandbox = files.sandbox()?;
    let path = path_param(&req, &sandbox, false)?;
    let recursive = flag(&req, "recursive")?;
    if path.is_root() {
        return Err(FileError::BadPath(
            "the root folder itself cannot be deleted",
        ));
    }
    let shown = path.display();
    blocking(move || {
        let (dir, name) = sandbox.open_parent(&path)?;
        let stat = fstatat(&dir, name.as_os_str(), AtFlags::AT_SYMLINK_NOFOLLOW)?;
        if kind(&stat) != SFlag::S_IFDIR {
            unlinkat(&dir, name.as_os_str(), UnlinkatFlags::NoRemoveDir)?;
        } else {
            match unlinkat(&dir, name.as_os_str(), UnlinkatFlags::RemoveDir) {
                Ok(()) => {}
                Err(Errno::ENOTEMPTY | Errno::EEXIST) if recursive => {
                    let real = sandbox.relative_of(&dir)?.child(&name)?;
                    remove_tree(&sandbox, &real)?;
                    unlinkat(&dir, name.as_os_str(), UnlinkatFlags::RemoveDir)?;
                }
                Err(Errno::ENOTEMPTY | Errno::EEXIST) => return Err(FileError::NotEmpty),
                Err(errno) => return Err(errno.into()),
            }
        }
        sync(&dir);
        Ok(())
    })
    .await?;
    audit.record(
        "file_delete",
        json!({"path": shown, "recursive": recursive}),
    );
    Ok(empty(StatusCode::NO_CONTENT))
}

/// Empties `folder` (a path without links). One descriptor is open at a
/// time, so depth is limited only by the path length, not by open files.
fn remove_tree(sandbox: &Sandbox, folder: &SafePath) -> Result<(), FileError> {
    let open = || sandbox.open_path(folder, OFlag::O_RDONLY | OFlag::O_DIRECTORY, Links::Refuse);
    let mut subfolders = Vec::new();
    {
        let mut dir = Dir::from_fd(open()?)?;
        let names = super::sandbox::entry_names(&mut dir);
        for name in names {
            let stat = match fstatat(&dir, name.as_os_str(), AtFlags::AT_SYMLINK_NOFOLLOW) {
                Ok(stat) => stat,
                Err(Errno::ENOENT) => continue,
                Err(errno) => return Err(errno.into()),
            };
            if kind(&stat) == SFlag::S_IFDIR {
                subfolders.push(name);
            } else {
                gone_ok(unlinkat(&dir, name.as_os_str(), UnlinkatFlags::NoRemoveDir))?;
            }
        }
    }
    for name in &subfolders {
        remove_tree(sandbox, &folder.child(name)?)?;
    }
    if !subfolders.is_empty() {
        let dir = open()?;
        for name in &subfolders {
            gone_ok(unlinkat(&dir, name.as_os_str(), UnlinkatFlags::RemoveDir))?;
        }
    }
    Ok(())
}

/// Something removed by someone else meanwhile is as good as removed.
fn gone_ok(result: nix::Result<()>) -> Result<(), FileError> {
    match result {
        Ok(()) | Err(Errno::ENOENT) => Ok(()),
        Err(errno) => Err(errno.into()),
    }
}

/// Makes a change to a folder durable; a failure is logged (the change is
/// already visible and cannot be taken back).
fn sync(dir: &OwnedFd) {
    if let Err(errno) = fsync(dir) {
        tracing::warn!("fsync of a folder failed: {errno}");
    }
}
