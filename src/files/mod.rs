//! The file browser's server side: the owner lists, reads, edits, uploads,
//! downloads, archives, moves and deletes files under the root folder.
//!
//! - `sandbox`: [`Sandbox::resolve`] -> [`SafePath`], the only way in; every
//!   open is resolved by the kernel beneath the open root handle
//! - `atomic`: temp file + fsync + rename + folder fsync; nothing torn or left over
//! - `sweep`: at start, removes temp files a crash left (older than an hour)
//! - `locks`: one lock per replaced file, so a save's version check and its
//!   rename are one step
//! - `list`, `content`, `transfer` (upload, download), `archive` (tar.gz),
//!   `manage` (mkdir, move, delete): the handlers, one noun each
//! - `body`: streaming bodies over bounded channels
//! - `error`: [`FileError`], rendered as `{"code","message"}`
//!
//! Filesystem work never runs on the async workers: each handler does it in
//! [`blocking`] (tokio's blocking pool), and large files move in bounded
//! chunks, never whole.

pub mod archive;
pub mod atomic;
pub mod body;
pub mod content;
pub mod error;
pub mod list;
pub mod locks;
pub mod manage;
pub mod sandbox;
pub mod sweep;
pub mod transfer;

use crate::audit::Audit;
use crate::config::Config;
use crate::http::request::query_param;
use crate::http::response::Response;
pub use error::FileError;
use hyper::Request;
use hyper::body::Incoming;
use nix::fcntl::OFlag;
use nix::sys::stat::{SFlag, fstat};
pub use sandbox::{SafePath, Sandbox};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

/// Every file route's handler (see `http::router`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileOp {
    List,
    ReadContent,
    /// The open file's version, for the editor's "changed on disk" check.
    Version,
    WriteContent,
    Upload,
    Download,
    Archive,
    Mkdir,
    Move,
    Delete,
}

/// The file browser's part of the shared state.
pub struct Files {
    /// `None` when the root could not be opened at start: file routes then
    /// answer 503 and terminals still work.
    sandbox: Option<Arc<Sandbox>>,
    pub locks: locks::Locks,
    pub max_upload: u64,
    /// The root folder's own name: an archive of the whole root is named after it.
    pub root_name: Option<std::ffi::OsString>,
}

impl Files {
    /// Opens the root folder (and starts sweeping what crashed writes left).
    pub fn open(config: &Config) -> Self {
        ignore_file_size_signal();
        let sandbox = match Sandbox::open(&config.root) {
            Ok(sandbox) => {
                let sandbox = Arc::new(sandbox);
                sweep_in_background(&sandbox);
                Some(sandbox)
            }
            Err(err) => {
                tracing::warn!("file browser off: cannot open the root folder: {err}");
                None
            }
        };
        Self {
            sandbox,
            locks: locks::Locks::default(),
            max_upload: config.max_upload,
            root_name: config.root.file_name().map(|name| name.to_os_string()),
        }
    }

    pub fn sandbox(&self) -> Result<Arc<Sandbox>, FileError> {
        self.sandbox.clone().ok_or(FileError::Unavailable)
    }

    /// A terminal's start folder: `text` must name a folder inside the root.
    /// Returns its host path (for the shell only, never for a client).
    pub async fn start_folder(&self, text: &str) -> Result<PathBuf, FileError> {
        let sandbox = self.sandbox()?;
        let text = text.to_string();
        blocking(move || {
            let path = sandbox.resolve(&text)?;
            let fd = sandbox.open_path(&path, OFlag::O_PATH, sandbox::Links::Follow)?;
            if sandbox::kind(&fstat(&fd)?) != SFlag::S_IFDIR {
                return Err(FileError::NotAFolder);
            }
            Ok(sandbox.host_path(&sandbox.relative_of(&fd)?))
        })
        .await
    }
}

/// Removes what crashed writes left behind (see `sweep`), off the async
/// workers and without delaying the start.
fn sweep_in_background(sandbox: &Arc<Sandbox>) {
    if tokio::runtime::Handle::try_current().is_err() {
        return;
    }
    let sandbox = sandbox.clone();
    tokio::task::spawn_blocking(move || {
        let removed = sweep::sweep(&sandbox, sweep::STALE_AFTER);
        if removed > 0 {
            tracing::info!(
                "removed {removed} stale temporary file(s) left by an interrupted write"
            );
        }
    });
}

/// Answers one file request; errors become their `{"code","message"}` body.
/// Each handler gets the file browser and, if it changes something, the
/// audit trail: nothing else of the server.
pub async fn handle(files: &Files, audit: &Audit, op: FileOp, req: Request<Incoming>) -> Response {
    let result = match op {
        FileOp::List => list::list(files, req).await,
        FileOp::ReadContent => content::read(files, req).await,
        FileOp::Version => content::version(files, req).await,
        FileOp::WriteContent => content::write(files, audit, req).await,
        FileOp::Upload => transfer::upload(files, audit, req).await,
        FileOp::Download => transfer::download(files, req).await,
        FileOp::Archive => archive::archive(files, req).await,
        FileOp::Mkdir => manage::mkdir(files, audit, req).await,
        FileOp::Move => manage::rename(files, audit, req).await,
        FileOp::Delete => manage::delete(files, audit, req).await,
    };
    result.unwrap_or_else(|err| err.response())
}

/// Runs filesystem work on the blocking pool.
pub async fn blocking<T, F>(work: F) -> Result<T, FileError>
where
    F: FnOnce() -> Result<T, FileError> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| FileError::Internal(format!("blocking task failed: {err}")))?
}

/// A query parameter, percent-decoded once.
pub fn param(req: &Request<Incoming>, name: &str) -> Result<Option<String>, FileError> {
    Ok(query_param(req.uri().query(), name)?)
}

/// A yes/no query parameter: `1`/`true` or `0`/`false`, absent = no.
pub fn flag(req: &Request<Incoming>, name: &str) -> Result<bool, FileError> {
    match param(req, name)?.as_deref() {
        None | Some("0" | "false" | "") => Ok(false),
        Some("1" | "true") => Ok(true),
        Some(_) => Err(crate::Error::bad_request(format!("`{name}` must be 1 or 0")).into()),
    }
}

/// The `path` query parameter, checked by the sandbox; absent = the root
/// when `root_ok`, else an error.
pub fn path_param(
    req: &Request<Incoming>,
    sandbox: &Sandbox,
    root_ok: bool,
) -> Result<SafePath, FileError> {
    match param(req, "path")? {
        Some(text) => sandbox.resolve(&text),
        None if root_ok => sandbox.resolve(""),
        None => Err(FileError::BadPath("the `path` parameter is missing")),
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// SHA-256 of a whole file, read in 64 KiB pieces.
pub fn hash_file(mut file: std::fs::File) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match file.read(&mut buf) {
            Ok(0) => return Ok(hex::encode(hasher.finalize())),
            Ok(n) => hasher.update(&buf[..n]),
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
}

/// Writing past RLIMIT_FSIZE raises SIGXFSZ, whose default action kills the
/// process. With a handler installed (tokio keeps it for the life of the
/// process) the write fails with EFBIG instead, which a save turns into 507
/// with the original intact.
fn ignore_file_size_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    if tokio::runtime::Handle::try_current().is_ok()
        && let Err(err) = signal(SignalKind::from_raw(nix::libc::SIGXFSZ))
    {
        tracing::warn!("cannot catch SIGXFSZ: {err}");
    }
}
