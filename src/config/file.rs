//! The TOML config file: every key optional, unknown keys refused.
//!
//! examples/config.toml shows and explains every key; keep the two in step.

use super::ConfigError;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub shell: Option<PathBuf>,
    pub login_shell: Option<bool>,
    pub command: Option<Vec<String>>,
    pub cwd: Option<PathBuf>,
    pub token_file: Option<PathBuf>,
    pub pin_file: Option<PathBuf>,
    pub idle_timeout: Option<String>,
    pub session_lifetime: Option<String>,
    pub reauth_window: Option<String>,
    pub max_tabs: Option<usize>,
    pub scrollback: Option<String>,
    pub max_connections: Option<usize>,
    pub max_websockets: Option<usize>,
    pub trust_proxy: Option<bool>,
    pub public_url: Option<String>,
    pub base_path: Option<String>,
    pub terminal_only: Option<bool>,
    pub max_upload: Option<String>,
    pub record: Option<bool>,
    pub record_input: Option<bool>,
    pub recordings_dir: Option<PathBuf>,
    pub recording_max_size: Option<String>,
    pub recordings_max_total: Option<String>,
    pub recordings_keep: Option<String>,
}

impl FileConfig {
    /// Finds and reads the config file as every command does: `--config`
    /// (or `TERMGATE_CONFIG`), else `config.toml` in the config folder.
    /// Returns the file, its path if there was a file to read (so that no
    /// message names a file that does not exist), and the config folder.
    pub fn find(explicit: Option<&Path>) -> Result<(Self, Option<PathBuf>, PathBuf), ConfigError> {
        let config_dir = super::default_config_dir()?;
        let (path, required) = super::config_file_path(explicit, &config_dir);
        let file = Self::load(&path, required)?;
        let read = (required || path.exists()).then_some(path);
        Ok((file, read, config_dir))
    }

    /// Reads `path`. A missing file is fine only when `required` is false
    /// (the default location); a file named on the command line must exist.
    pub fn load(path: &Path, required: bool) -> Result<Self, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound && !required => {
                return Ok(Self::default());
            }
            Err(err) => {
                let message = format!("cannot read config file {}: {err}", path.display());
                return Err(ConfigError::new(message));
            }
        };
        toml::from_str(&text).map_err(|err| {
            let message = format!("config file {}: {}", path.display(), err.to_string().trim());
            ConfigError::new(message)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_is_named() {
        let err = toml::from_str::<FileConfig>("prot = 80")
            .unwrap_err()
            .to_string();
        assert!(err.contains("prot"), "{err}");
    }

    #[test]
    fn wrong_type_is_named() {
        let err = toml::from_str::<FileConfig>("port = \"eighty\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("port"), "{err}");
    }
}
