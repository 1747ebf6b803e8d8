//! The secrets on disk: the config folder (0700) and the token, PIN hash and
//! key files in it (0600), plus the PIN prompt.
//!
//! Start-up refuses to go on when the folder or a secret file can be read by
//! group or others, and says the exact `chmod` that fixes it. Files are written
//! atomically (temporary file, fsync, rename) so a crash never leaves half a key.

use crate::auth::credentials::{self, Credentials};
use crate::cli::ServeArgs;
use crate::config::file::FileConfig;
use rand::RngCore;
use std::io::{BufRead, IsTerminal, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

pub const TOKEN_FILE: &str = "token";
pub const PIN_FILE: &str = "pin.hash";
pub const KEY_FILE: &str = "secret.key";

/// What start-up learned while loading secrets, for the banner.
#[derive(Debug)]
pub struct Loaded {
    pub credentials: Credentials,
    /// Where the token came from, e.g. the token file's path.
    pub token_source: String,
    /// Set only when the token was generated just now: shown once.
    pub new_token: Option<String>,
    /// The token was typed on the command line: warn.
    pub token_on_command_line: bool,
}

/// Creates the config folder 0700, or checks an existing one is private.
pub fn ensure_private_dir(dir: &Path) -> Result<(), String> {
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
pub fn check_private(path: &Path, fix_mode: &str) -> Result<(), String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(format!(
            "{} is accessible by group or others (mode {:o}); fix it with: chmod {fix_mode} {}",
            path.display(),
            meta.permissions().mode() & 0o777,
            path.display()
        ));
    }
    Ok(())
}

/// Reads a secret file after checking it is private. `Ok(None)` if missing.
pub fn read_private(path: &Path) -> Result<Option<String>, String> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        Ok(_) => {}
    }
    check_private(path, "600")?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(Some(text.trim().to_string()))
}

/// Writes a secret file 0600, atomically.
pub fn write_private(path: &Path, contents: &str) -> Result<(), String> {
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
        format!("cannot write {}: {e}", path.display())
    })
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

/// A fresh 256-bit token, URL-safe so it can be typed and pasted anywhere.
pub fn generate_token() -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// Loads (or creates) a 256-bit key kept hex-encoded in `dir/name`.
pub fn load_or_create_key(dir: &Path, name: &str) -> Result<[u8; 32], String> {
    let path = dir.join(name);
    if let Some(text) = read_private(&path)? {
        let mut key = [0u8; 32];
        hex::decode_to_slice(&text, &mut key)
            .map_err(|_| format!("{} is damaged; delete it to make a new one", path.display()))?;
        return Ok(key);
    }
    let key = random_bytes::<32>();
    write_private(&path, &hex::encode(key))?;
    Ok(key)
}

fn read_user_file(path: &Path, what: &str) -> Result<String, String> {
    read_private(path)?.ok_or_else(|| format!("{what} file {} does not exist", path.display()))
}

/// Loads both factors following the documented precedence, creating the token
/// on first start and asking for a PIN when a person is at the terminal.
pub fn load(args: &ServeArgs, file: &FileConfig, dir: &Path) -> Result<Loaded, String> {
    ensure_private_dir(dir)?;
    let stored_token = dir.join(TOKEN_FILE);
    let env_token = std::env::var("TERMGATE_TOKEN")
        .ok()
        .filter(|t| !t.is_empty());
    let mut new_token = None;
    let (token, token_source) = if let Some(path) = &args.token_file {
        (read_user_file(path, "token")?, path.display().to_string())
    } else if let Some(token) = &args.token {
        (token.clone(), "the command line".to_string())
    } else if let Some(token) = env_token {
        (token, "TERMGATE_TOKEN".to_string())
    } else if let Some(path) = &file.token_file {
        (read_user_file(path, "token")?, path.display().to_string())
    } else if let Some(token) = read_private(&stored_token)? {
        (token, stored_token.display().to_string())
    } else {
        let token = generate_token();
        write_private(&stored_token, &token)?;
        new_token = Some(token.clone());
        (token, stored_token.display().to_string())
    };
    credentials::validate_token(&token).map_err(|e| format!("token from {token_source}: {e}"))?;

    let key = load_or_create_key(dir, KEY_FILE)?;
    let pin_digest = load_pin_digest(args, file, dir, &key)?;
    Ok(Loaded {
        credentials: Credentials::new(&token, key, pin_digest),
        token_source,
        new_token,
        token_on_command_line: args.token.is_some(),
    })
}

fn load_pin_digest(
    args: &ServeArgs,
    file: &FileConfig,
    dir: &Path,
    key: &[u8; 32],
) -> Result<[u8; 32], String> {
    let clear = if let Some(path) = &args.pin_file {
        Some(read_user_file(path, "PIN")?)
    } else if let Some(pin) = std::env::var("TERMGATE_PIN").ok().filter(|p| !p.is_empty()) {
        Some(pin)
    } else if let Some(path) = &file.pin_file {
        Some(read_user_file(path, "PIN")?)
    } else {
        None
    };
    if let Some(pin) = clear {
        credentials::validate_pin(&pin)?;
        return Ok(credentials::pin_digest(key, &pin));
    }
    let stored = dir.join(PIN_FILE);
    if let Some(text) = read_private(&stored)? {
        let mut digest = [0u8; 32];
        hex::decode_to_slice(&text, &mut digest).map_err(|_| {
            format!(
                "{} is damaged; run `termgate pin` to set a new PIN",
                stored.display()
            )
        })?;
        return Ok(digest);
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(format!(
            "no PIN is set and there is no terminal to ask for one.\n  Set one with `termgate pin`, \
             or give it through TERMGATE_PIN, --pin-file FILE or `pin_file` in the config file.\n  \
             (looked for {})",
            stored.display()
        ));
    }
    eprintln!("termgate needs a PIN (at least 6 digits) as the second login factor.");
    let pin = ask_new_pin()?;
    store_pin(dir, key, &pin)?;
    Ok(credentials::pin_digest(key, &pin))
}

/// Writes the keyed hash of `pin` to the config folder.
pub fn store_pin(dir: &Path, key: &[u8; 32], pin: &str) -> Result<PathBuf, String> {
    let path = dir.join(PIN_FILE);
    write_private(&path, &hex::encode(credentials::pin_digest(key, pin)))?;
    Ok(path)
}

/// Asks for a new PIN twice without echo (or reads one line when stdin is not a terminal).
pub fn ask_new_pin() -> Result<String, String> {
    if !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        let pin = line.trim().to_string();
        credentials::validate_pin(&pin)?;
        return Ok(pin);
    }
    loop {
        let pin = prompt_hidden("New PIN: ")?;
        if let Err(e) = credentials::validate_pin(&pin) {
            eprintln!("{e}; try again.");
            continue;
        }
        if prompt_hidden("Repeat PIN: ")? == pin {
            return Ok(pin);
        }
        eprintln!("The two PINs differ; try again.");
    }
}

/// Reads one line from the terminal with echo turned off (restored afterwards).
fn prompt_hidden(prompt: &str) -> Result<String, String> {
    use nix::sys::termios::{self, LocalFlags, SetArg};
    eprint!("{prompt}");
    let stdin = std::io::stdin();
    let saved = termios::tcgetattr(&stdin).map_err(|e| e.to_string())?;
    let mut quiet = saved.clone();
    quiet.local_flags.remove(LocalFlags::ECHO);
    quiet.local_flags.insert(LocalFlags::ECHONL);
    termios::tcsetattr(&stdin, SetArg::TCSANOW, &quiet).map_err(|e| e.to_string())?;
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    let _ = termios::tcsetattr(&stdin, SetArg::TCSANOW, &saved);
    read.map_err(|e| e.to_string())?;
    Ok(line.trim().to_string())
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
        assert!(err.contains("chmod 600"), "{err}");
    }

    #[test]
    fn generated_tokens_are_long_and_distinct() {
        let (a, b) = (generate_token(), generate_token());
        assert_ne!(a, b);
        assert!(a.len() >= 43);
        assert!(credentials::validate_token(&a).is_ok());
    }
}
