//! The recording settings: `--record`, `--record-input`, where recordings
//! go, their caps and how long they are kept. Plain values; `crate::record` uses them.

use super::file::FileConfig;
use super::units;
use crate::cli::ServeArgs;
use std::path::PathBuf;
use std::time::Duration;

/// How tab recordings are made and kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recordings {
    /// `--record`: every new tab is recorded from its start.
    pub all: bool,
    /// `--record-input`: typed input is recorded too (`"i"` events). Off by
    /// default, because a password typed at a prompt that does not echo it
    /// would otherwise be in the file.
    pub input: bool,
    /// The folder of the `.cast` files (made 0700; files 0600).
    pub dir: PathBuf,
    /// A recording stops growing here and is marked truncated.
    pub max_size: u64,
    /// All recordings together; the oldest are deleted first beyond it.
    pub max_total: u64,
    /// Recordings older than this are deleted (at start and periodically).
    pub keep: Duration,
}

/// `$XDG_DATA_HOME/termgate/recordings`, else `~/.local/share/termgate/recordings`.
fn default_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("termgate").join("recordings"));
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .ok_or("neither XDG_DATA_HOME nor HOME is set; give --recordings-dir")?;
    Ok(PathBuf::from(home).join(".local/share/termgate/recordings"))
}

/// Lays the flags over the file over the defaults; errors name the key.
pub fn merge(args: &ServeArgs, file: &FileConfig) -> Result<Recordings, (&'static str, String)> {
    let dir = match args.recordings_dir.clone().or(file.recordings_dir.clone()) {
        Some(dir) if dir.is_absolute() => dir,
        Some(dir) => {
            let message = format!("`{}` must be an absolute path", dir.display());
            return Err(("recordings_dir", message));
        }
        // Only looked up when not given, so a test or a user without a
        // data folder can still name one.
        None => default_dir().map_err(|e| ("recordings_dir", e))?,
    };
    let size = |key, flag: &Option<String>, from_file: &Option<String>, default| match flag
        .as_ref()
        .or(from_file.as_ref())
    {
        Some(text) => units::parse_size(text).map_err(|e| (key, e)),
        None => Ok(default),
    };
    let max_size = size(
        "recording_max_size",
        &args.recording_max_size,
        &file.recording_max_size,
        64 << 20,
    )?;
    let max_total = size(
        "recordings_max_total",
        &args.recordings_max_total,
        &file.recordings_max_total,
        1 << 30,
    )?;
    if max_size < 4096 {
        return Err(("recording_max_size", "must be at least 4KiB".into()));
    }
    if max_total < max_size {
        let message = "must be at least recording_max_size".into();
        return Err(("recordings_max_total", message));
    }
    let keep = match args
        .recordings_keep
        .as_ref()
        .or(file.recordings_keep.as_ref())
    {
        Some(text) => units::parse_duration(text).map_err(|e| ("recordings_keep", e))?,
        None => Duration::from_secs(30 * 86_400),
    };
    if keep < Duration::from_secs(60) {
        return Err(("recordings_keep", "must be at least 1m".into()));
    }
    Ok(Recordings {
        all: args.record || file.record.unwrap_or(false),
        input: args.record_input || file.record_input.unwrap_or(false),
        dir,
        max_size,
        max_total,
        keep,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_the_file_and_caps_are_checked() {
        let file = FileConfig {
            record: Some(true),
            recordings_dir: Some("/data/casts".into()),
            recordings_keep: Some("7d".into()),
            ..FileConfig::default()
        };
        let args = ServeArgs {
            recording_max_size: Some("1MiB".into()),
            ..ServeArgs::default()
        };
        let merged = merge(&args, &file).unwrap();
        assert!(merged.all);
        assert_eq!(merged.dir, PathBuf::from("/data/casts"));
        assert_eq!(merged.max_size, 1 << 20);
        assert_eq!(merged.keep, Duration::from_secs(7 * 86_400));
        let small_total = ServeArgs {
            recordings_max_total: Some("100KiB".into()),
            ..args
        };
        assert_eq!(
            merge(&small_total, &file).unwrap_err().0,
            "recordings_max_total"
        );
        let relative = FileConfig {
            recordings_dir: Some("casts".into()),
            ..FileConfig::default()
        };
        let default = ServeArgs::default();
        assert_eq!(merge(&default, &relative).unwrap_err().0, "recordings_dir");
    }
}
