//! `termgate totp enable | disable | status`: the second factor from the
//! machine itself. Like `termgate unlock`, it works on the private config
//! folder, which only the owner can reach and which already holds the token
//! and the keys; a running daemon reads `totp.json` at every check, so the
//! change holds at its next login without a restart.

use super::second_factor::SecondFactor;
use super::totp;
use crate::clock::unix_secs;
use crate::config::ConfigError;
use std::io::{BufRead, Write};

/// What `termgate totp` was asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Action {
    /// Show a new secret (QR and text), then turn it on with a code from the app.
    Enable,
    /// Turn it off (asks for a current code or a backup code).
    Disable,
    /// Say whether it is on, and how many backup codes are left.
    Status,
}

pub fn command(action: Action) -> Result<(), ConfigError> {
    let dir = crate::config::default_config_dir()?;
    crate::config::secrets::ensure_private_dir(&dir)?;
    let second = SecondFactor::new(&dir);
    match action {
        Action::Status => {
            match second.enabled() {
                true => println!(
                    "second factor: on ({} backup codes left)",
                    second.backup_codes_left()
                ),
                false => println!("second factor: off"),
            }
            Ok(())
        }
        Action::Enable => enable(&second),
        Action::Disable => {
            if !second.enabled() {
                return Err(ConfigError::new("the second factor is not on"));
            }
            let code = ask("Current code from the app (or a backup code): ")?;
            if !second.verify(&code) {
                return Err(ConfigError::new("that code is not right; nothing changed"));
            }
            second.disable()?;
            println!("second factor: off; logins need the token and the PIN");
            Ok(())
        }
    }
}

fn enable(second: &SecondFactor) -> Result<(), ConfigError> {
    if second.enabled() {
        return Err(ConfigError::new(
            "the second factor is already on; `termgate totp disable` first to enrol a new one",
        ));
    }
    let secret = crate::random::bytes::<{ totp::SECRET_BYTES }>();
    let url = totp::otpauth_url(&secret, &totp::account_label());
    println!("Scan this with an authenticator app, or type the secret in:");
    if let Some(qr) = crate::console::qr::draw(&url) {
        println!("{qr}");
    }
    println!("secret: {}", totp::base32(&secret));
    let code = ask("Code from the app: ")?;
    let step = totp::matching_step(&secret, &code, unix_secs())
        .ok_or_else(|| ConfigError::new("that code is not from this secret; nothing changed"))?;
    let codes = second.enrol(&secret, step)?;
    println!("second factor: on. Backup codes, each good for one login (shown only now):");
    for code in codes {
        println!("  {code}");
    }
    Ok(())
}

/// One line from standard input (a terminal or a pipe), after a prompt.
fn ask(prompt: &str) -> Result<String, ConfigError> {
    print!("{prompt}");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| ConfigError::new(format!("cannot read the code: {e}")))?;
    Ok(line.trim().to_string())
}
