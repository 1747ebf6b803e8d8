//! What a file request can fail with, each with its status and stable `code`.
//!
//! The file API needs codes the crate-wide [`Error`] has
//! no room for (`bad_path`, `outside_root`, `stale_version` with the current
//! hash, 428, 507), so it has this enum and renders it in the same
//! `{"code","message"}` shape. Messages name the rule that was broken and
//! never a host path: only errno-derived kinds reach them, never the text of
//! an `io::Error` (which could carry one) — that goes to the log.

use crate::error::Error;
use crate::http::response::{self, Response};
use hyper::StatusCode;
use nix::errno::Errno;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The path breaks a rule (the message says which).
    #[error("{0}")]
    BadPath(&'static str),
    #[error("the path leads outside the root folder")]
    OutsideRoot,
    #[error("not found")]
    NotFound,
    #[error("not a folder")]
    NotAFolder,
    #[error("not a regular file")]
    NotAFile,
    #[error("too many symbolic links (a loop?), or a link where none may be")]
    SymlinkLoop,
    #[error("something already exists at that path")]
    AlreadyExists,
    #[error("the folder is not empty; delete it with recursive=1")]
    NotEmpty,
    /// The file is no longer the version the client read.
    #[error("the file changed since it was read; reload it or save with its current version")]
    StaleVersion { current: Option<String> },
    #[error(
        "a save needs If-Match: \"<sha256>\" of the version it replaces, or If-None-Match: * for a new file"
    )]
    PreconditionRequired,
    #[error("request body too large (limit {limit} bytes)")]
    TooLarge { limit: u64 },
    #[error(
        "the folder is too large to archive (at most {max_entries} entries and {max_bytes} bytes)"
    )]
    ArchiveTooLarge { max_entries: u64, max_bytes: u64 },
    #[error("permission denied")]
    PermissionDenied,
    #[error("the file system is read-only")]
    ReadOnly,
    #[error("no space left (disk full, quota or file size limit); nothing was changed")]
    NoSpace,
    #[error("source and destination are on different file systems")]
    CrossDevice,
    #[error("the file browser is unavailable: the root folder could not be opened")]
    Unavailable,
    /// Errors of the shared request helpers (bad JSON, body limits, bad query).
    #[error(transparent)]
    Http(#[from] Error),
    /// Detail for the log only; the client sees "internal error".
    #[error("internal error")]
    Internal(String),
}

impl FileError {
    pub fn status(&self) -> StatusCode {
        match self {
            FileError::BadPath(_)
            | FileError::NotAFolder
            | FileError::NotAFile
            | FileError::SymlinkLoop => StatusCode::BAD_REQUEST,
            FileError::OutsideRoot | FileError::PermissionDenied | FileError::ReadOnly => {
                StatusCode::FORBIDDEN
            }
            FileError::NotFound => StatusCode::NOT_FOUND,
            FileError::AlreadyExists
            | FileError::NotEmpty
            | FileError::StaleVersion { .. }
            | FileError::CrossDevice => StatusCode::CONFLICT,
            FileError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            FileError::TooLarge { .. } | FileError::ArchiveTooLarge { .. } => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            FileError::NoSpace => StatusCode::INSUFFICIENT_STORAGE,
            FileError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            FileError::Http(err) => err.status(),
            FileError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            FileError::BadPath(_) => "bad_path",
            FileError::OutsideRoot => "outside_root",
            FileError::NotFound => "not_found",
            FileError::NotAFolder => "not_a_folder",
            FileError::NotAFile => "not_a_file",
            FileError::SymlinkLoop => "symlink_loop",
            FileError::AlreadyExists => "already_exists",
            FileError::NotEmpty => "not_empty",
            FileError::StaleVersion { .. } => "stale_version",
            FileError::PreconditionRequired => "precondition_required",
            FileError::TooLarge { .. } => "payload_too_large",
            FileError::ArchiveTooLarge { .. } => "archive_too_large",
            FileError::PermissionDenied => "permission_denied",
            FileError::ReadOnly => "read_only",
            FileError::NoSpace => "insufficient_storage",
            FileError::CrossDevice => "cross_device",
            FileError::Unavailable => "unavailable",
            FileError::Http(err) => err.code(),
            FileError::Internal(_) => "internal",
        }
    }

    /// Maps an errno from resolving or changing a path. Callers handle the
    /// errnos whose meaning depends on the call (EXDEV from `rename`, EINVAL).
    pub fn from_errno(errno: Errno) -> Self {
        match errno {
            Errno::ENOENT | Errno::ENOTDIR => FileError::NotFound,
            // RESOLVE_BENEATH refuses a step above the root (or an absolute link).
            Errno::EXDEV => FileError::OutsideRoot,
            Errno::ELOOP => FileError::SymlinkLoop,
            Errno::EACCES | Errno::EPERM => FileError::PermissionDenied,
            Errno::EROFS => FileError::ReadOnly,
            Errno::ENOSPC | Errno::EDQUOT | Errno::EFBIG => FileError::NoSpace,
            Errno::EEXIST => FileError::AlreadyExists,
            Errno::ENOTEMPTY => FileError::NotEmpty,
            Errno::EISDIR => FileError::NotAFile,
            Errno::ENAMETOOLONG => FileError::BadPath("a name or the path is too long"),
            other => FileError::Internal(format!("unexpected errno {other}")),
        }
    }

    /// The error body: `{"code","message"}`, plus `current_sha256` on 409
    /// `stale_version` (null when the file is gone).
    pub fn response(&self) -> Response {
        match self {
            FileError::Http(err) => response::error(err),
            FileError::StaleVersion { current } => response::json(
                self.status(),
                &json!({"code": self.code(), "message": self.to_string(), "current_sha256": current}),
            ),
            _ => {
                if let FileError::Internal(detail) = self {
                    tracing::error!("file API: {detail}");
                }
                response::json(
                    self.status(),
                    &json!({"code": self.code(), "message": self.to_string()}),
                )
            }
        }
    }
}

impl From<Errno> for FileError {
    fn from(errno: Errno) -> Self {
        FileError::from_errno(errno)
    }
}

impl From<std::io::Error> for FileError {
    fn from(err: std::io::Error) -> Self {
        match err.raw_os_error() {
            Some(code) => FileError::from_errno(Errno::from_raw(code)),
            None => FileError::Internal(err.to_string()),
        }
    }
}
