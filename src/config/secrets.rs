//! The secrets: where the token and the PIN come from (flags, environment,
//! files, the config folder), the rules they must meet, loading both as
//! digests ([`Factors`]), and the PIN prompt. The private files they live in
//! are `private_files`'s.

use super::ConfigError;
pub use super::private_files::{
    check_private, ensure_private_dir, load_or_create_key, read_private, write_private,
};
use crate::cli::ServeArgs;
use crate::config::file::FileConfig;
use crate::digest::{pin_digest, sha256};
use crate::random;
use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};

pub const TOKEN_FILE: &str = "token";
pub const PIN_FILE: &str = "pin.hash";
pub const KEY_FILE: &str = "secret.key";

/// Shortest token a person may choose.
pub const MIN_TOKEN_LEN: usize = 16;
/// Shortest PIN.
pub const MIN_PIN_DIGITS: usize = 6;

/// Where the token can be read again when the owner asks for a login link
/// (it is not kept in memory). A token typed with `--token` cannot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenOrigin {
    File(PathBuf),
    /// `TERMGATE_TOKEN`.
    Environment,
}

/// The two factors as loaded: only digests, never the clear values. The
/// auth layer builds its `Credentials` from them.
#[derive(Debug, Clone)]
pub struct Factors {
    /// SHA-256 of the access token.
    pub token_digest: [u8; 32],
    /// The key the PIN's hash is taken under.
    pub pin_key: [u8; 32],
    pub pin_digest: [u8; 32],
    pub origin: Option<TokenOrigin>,
}

/// A PIN is 6 to 32 ASCII digits.
pub fn validate_pin(pin: &str) -> Result<(), String> {
    if pin.len() < MIN_PIN_DIGITS || pin.len() > 32 || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("a PIN is {MIN_PIN_DIGITS} to 32 digits"));
    }
    Ok(())
}

/// A chosen token is at least 16 visible ASCII characters.
pub fn validate_token(token: &str) -> Result<(), String> {
    if token.len() < MIN_TOKEN_LEN || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!(
            "an access token is at least {MIN_TOKEN_LEN} visible ASCII characters"
        ));
    }
    Ok(())
}

/// What start-up learned while loading secrets, for the banner.
#[derive(Debug)]
pub struct Loaded {
    pub factors: Factors,
    /// Where the token came from, e.g. the token file's path.
    pub token_source: String,
    /// Set only when the token was generated just now: shown once.
    pub new_token: Option<String>,
    /// The token was typed on the command line: warn.
    pub token_on_command_line: bool,
}

/// A fresh 256-bit token, URL-safe so it can be typed and pasted anywhere.
pub fn generate_token() -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random::bytes::<32>())
}

/// A file in the config folder that exists once the owner has logged in:
/// until then every start says how to see the token.
pub const LOGGED_IN_FILE: &str = "logged-in";

pub fn has_logged_in(dir: &Path) -> bool {
    dir.join(LOGGED_IN_FILE).exists()
}

/// Notes the first login. Best effort: failing only means the token hint
/// shows once more at the next start.
pub fn mark_logged_in(dir: &Path) {
    let _ = write_private(&dir.join(LOGGED_IN_FILE), "");
}

/// The access token, read again from where it came from (it is not kept in
/// memory). Whether it is still the one in use is the caller's to check.
pub fn reread_token(origin: Option<&TokenOrigin>) -> Result<String, ConfigError> {
    match origin {
        Some(TokenOrigin::File(path)) => read_user_file(path, "token"),
        Some(TokenOrigin::Environment) => std::env::var("TERMGATE_TOKEN")
            .map_err(|_| ConfigError::new("TERMGATE_TOKEN is not set any more")),
        None => Err(ConfigError::new(
            "a token given with --token is not kept; use TERMGATE_TOKEN or --token-file",
        )),
    }
}

fn read_user_file(path: &Path, what: &str) -> Result<String, ConfigError> {
    read_private(path)?
        .ok_or_else(|| ConfigError::new(format!("{what} file {} does not exist", path.display())))
}

/// Where the access token lives. [`token_source`] is the one place that
/// decides it: the daemon reads it from there and `termgate token` shows or
/// rotates it there, so the two can never disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// `--token-file`, `TERMGATE_TOKEN_FILE` or `token_file`: must exist.
    UserFile(PathBuf),
    /// `--token`: the value is in the arguments.
    CommandLine,
    /// `TERMGATE_TOKEN` (non-empty).
    Environment,
    /// The config folder's own `token`, created on first use.
    Stored(PathBuf),
}

/// The documented precedence: `--token-file` (or `TERMGATE_TOKEN_FILE`) >
/// `--token` > `TERMGATE_TOKEN` > `token_file` in the config file > the
/// config folder.
pub fn token_source(args: &ServeArgs, file: &FileConfig, dir: &Path) -> TokenSource {
    if let Some(path) = &args.token_file {
        TokenSource::UserFile(path.clone())
    } else if args.token.is_some() {
        TokenSource::CommandLine
    } else if env_secret("TERMGATE_TOKEN").is_some() {
        TokenSource::Environment
    } else if let Some(path) = &file.token_file {
        TokenSource::UserFile(path.clone())
    } else {
        TokenSource::Stored(dir.join(TOKEN_FILE))
    }
}

/// Where the PIN comes from, decided for the daemon and `termgate pin` alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinSource {
    /// `--pin-file`, `TERMGATE_PIN_FILE` or `pin_file`: the PIN in clear.
    UserFile(PathBuf),
    /// `TERMGATE_PIN` (non-empty).
    Environment,
    /// The keyed hash `termgate pin` keeps in the config folder.
    Stored(PathBuf),
}

/// `--pin-file` (or `TERMGATE_PIN_FILE`) > `TERMGATE_PIN` > `pin_file` >
/// the config folder's `pin.hash`.
pub fn pin_source(args: &ServeArgs, file: &FileConfig, dir: &Path) -> PinSource {
    if let Some(path) = &args.pin_file {
        PinSource::UserFile(path.clone())
    } else if env_secret("TERMGATE_PIN").is_some() {
        PinSource::Environment
    } else if let Some(path) = &file.pin_file {
        PinSource::UserFile(path.clone())
    } else {
        PinSource::Stored(dir.join(PIN_FILE))
    }
}

/// A secret from the environment; an empty variable counts as unset.
pub fn env_secret(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

/// Loads both factors following the documented precedence, creating the token
/// on first start and asking for a PIN when a person is at the terminal.
pub fn load(args: &ServeArgs, file: &FileConfig, dir: &Path) -> Result<Loaded, ConfigError> {
    ensure_private_dir(dir)?;
    let mut new_token = None;
    let file_origin = |path: &Path| Some(TokenOrigin::File(path.to_path_buf()));
    let (token, token_source, origin) = match token_source(args, file, dir) {
        TokenSource::UserFile(path) => {
            let token = read_user_file(&path, "token")?;
            (token, path.display().to_string(), file_origin(&path))
        }
        TokenSource::CommandLine => {
            let token = args.token.clone().unwrap_or_default();
            (token, "the command line".to_string(), None)
        }
        TokenSource::Environment => {
            let token = env_secret("TERMGATE_TOKEN").unwrap_or_default();
            let origin = Some(TokenOrigin::Environment);
            (token, "TERMGATE_TOKEN".to_string(), origin)
        }
        TokenSource::Stored(stored) => {
            let source = stored.display().to_string();
            let token = match read_private(&stored)? {
                Some(token) => token,
                None => {
                    let token = generate_token();
                    write_private(&stored, &token)?;
                    new_token = Some(token.clone());
                    token
                }
            };
            (token, source, file_origin(&stored))
        }
    };
    validate_token(&token).map_err(|e| format!("token from {token_source}: {e}"))?;

    let key = load_or_create_key(dir, KEY_FILE)?;
    let pin_digest = load_pin_digest(args, file, dir, &key)?;
    Ok(Loaded {
        factors: Factors {
            token_digest: sha256(token.as_bytes()),
            pin_key: key,
            pin_digest,
            origin,
        },
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
) -> Result<[u8; 32], ConfigError> {
    let clear = match pin_source(args, file, dir) {
        PinSource::UserFile(path) => read_user_file(&path, "PIN")?,
        PinSource::Environment => env_secret("TERMGATE_PIN").unwrap_or_default(),
        PinSource::Stored(stored) => return stored_pin_digest(&stored, dir, key),
    };
    validate_pin(&clear)?;
    Ok(pin_digest(key, &clear))
}

/// The PIN hash in the config folder, or a new PIN asked for at the terminal.
fn stored_pin_digest(stored: &Path, dir: &Path, key: &[u8; 32]) -> Result<[u8; 32], ConfigError> {
    if let Some(text) = read_private(stored)? {
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
        return Err(ConfigError::new(format!(
            "no PIN is set and there is no terminal to ask for one.\n  Set one with `termgate pin`, \
             or give it through TERMGATE_PIN, --pin-file FILE or `pin_file` in the config file.\n  \
             (looked for {})",
            stored.display()
        )));
    }
    eprintln!("termgate needs a PIN (at least 6 digits) as the second login factor.");
    let pin = ask_new_pin()?;
    store_pin(dir, key, &pin)?;
    Ok(pin_digest(key, &pin))
}

/// Writes the keyed hash of `pin` to the config folder.
pub fn store_pin(dir: &Path, key: &[u8; 32], pin: &str) -> Result<PathBuf, ConfigError> {
    let path = dir.join(PIN_FILE);
    write_private(&path, &hex::encode(pin_digest(key, pin)))?;
    Ok(path)
}

/// Asks for a new PIN twice without echo (or reads one line when stdin is not a terminal).
pub fn ask_new_pin() -> Result<String, ConfigError> {
    if !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        let pin = line.trim().to_string();
        validate_pin(&pin)?;
        return Ok(pin);
    }
    loop {
        let pin = prompt_hidden("New PIN: ")?;
        if let Err(e) = validate_pin(&pin) {
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
pub fn prompt_hidden(prompt: &str) -> Result<String, ConfigError> {
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
    fn generated_tokens_are_long_and_distinct() {
        let (a, b) = (generate_token(), generate_token());
        assert_ne!(a, b);
        assert!(a.len() >= 43);
        assert!(validate_token(&a).is_ok());
    }
}
