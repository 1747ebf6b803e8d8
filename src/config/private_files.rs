//! Private files in the config folder: the folder itself (0700) and the
//! token, PIN hash and key files in it (0600).
//!
//! Start-up refuses to go on when the folder or a secret file can be read by
//! group or others, and says the exact `chmod` that fixes it. Files are written
//! atomically (temporary file, fsync, rename) so a crash never leaves half a key.

use super::ConfigError;
use crate::random;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Creates the config folder 0700, or checks an existing one is private.
pub fn ensure_private_dir(dir: &Path) -> Result<(), ConfigError> {
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        // `recursive` applies the mode to every new parent; make sure of the leaf.
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| format!("cannot set permissions on {}: {e}", dir.display()))?;
    }
    check_private(dir, "700")
}

/// Refuses a file or folder that group or others may read, write or enter.
pub fn check_private(path: &Path, fix_mode: &str) -> Result<(), ConfigError> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(ConfigError::new(format!(
            "{} is accessible by group or others (mode {:o}); fix it with: chmod {fix_mode} {}",
            path.display(),
            meta.permissions().mode() & 0o777,
            path.display()
        )));
    }
    Ok(())
}

/// Reads a secret file after checking it is private. `Ok(None)` if missing.
pub fn read_private(path: &Path) -> Result<Option<String>, ConfigError> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(ConfigError::new(format!(
                "cannot read {}: {e}",
                path.display()
            )));
        }
        Ok(_) => {}
    }
    check_private(path, "600")?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(Some(text.trim().to_string()))
}

/// Writes a secret file 0600, atomically.
pub fn write_private(path: &Path, contents: &str) -> Result<(), ConfigError> {
    let dir = path.parent().ok_or("secret file has no folder")?;
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name().unwrap_or_default().to_string_lossy()
    ));
    let result = (|| -> std::io::Result<()> {
        let _ = std::fs::remove_file(&tmp);
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(contents.as_bytes())?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        ConfigError::new(format!("cannot write {}: {e}", path.display()))
    })
}

/// Loads (or creates) a 256-bit key kept hex-encoded in `dir/name`.
pub fn load_or_create_key(dir: &Path, name: &str) -> Result<[u8; 32], ConfigError> {
    let path = dir.join(name);
    if let Some(text) = read_private(&path)? {
        let mut key = [0u8; 32];
        hex::decode_to_slice(&text, &mut key)
            .map_err(|_| format!("{} is damaged; delete it to make a new one", path.display()))?;
        return Ok(key);
    }
    let key = random::bytes::<32>();
    write_private(&path, &hex::encode(key))?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_files_round_trip_and_loose_modes_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        write_private(&path, "abc").unwrap();
        assert_eq!(read_private(&path).unwrap().as_deref(), Some("abc"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = read_private(&path).unwrap_err();
        assert!(err.to_string().contains("chmod 600"), "{err}");
    }
}
