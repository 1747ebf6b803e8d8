//! The config layer's one error type: what is wrong, with which setting,
//! and where its value came from. Everything that reads flags, the config
//! file, the environment or the config folder's secrets fails with it; only
//! `main` turns it into a process exit.

use std::path::PathBuf;

#[derive(Debug)]
pub struct ConfigError {
    /// The setting at fault (`idle_timeout`), when one is.
    pub key: Option<&'static str>,
    /// The config file its value may have come from, when one was read.
    pub source: Option<PathBuf>,
    /// For people: what is wrong and, where it helps, what to do.
    pub message: String,
}

impl ConfigError {
    /// An error that concerns no one setting (a folder, a prompt).
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            key: None,
            source: None,
            message: message.into(),
        }
    }

    /// An error in the value of `key`.
    pub fn invalid(key: &'static str, message: impl Into<String>) -> Self {
        Self {
            key: Some(key),
            ..Self::new(message)
        }
    }

    /// Names the config file a keyed value may have come from.
    pub fn read_from(self, file: Option<PathBuf>) -> Self {
        Self {
            source: file,
            ..self
        }
    }
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let message = &self.message;
        match (self.key, &self.source) {
            (None, _) => write!(f, "{message}"),
            (Some(key), Some(file)) => write!(
                f,
                "invalid `{key}` (flag, TERMGATE_* variable or {}): {message}",
                file.display()
            ),
            (Some(key), None) => {
                write!(
                    f,
                    "invalid `{key}` (flag or TERMGATE_* variable): {message}"
                )
            }
        }
    }
}

impl std::error::Error for ConfigError {}

/// Lower-level parsers (units, paths) say what is wrong in a sentence; the
/// caller that knows the key adds it with [`ConfigError::invalid`].
impl From<String> for ConfigError {
    fn from(message: String) -> Self {
        Self::new(message)
    }
}

impl From<&str> for ConfigError {
    fn from(message: &str) -> Self {
        Self::new(message)
    }
}

impl From<(&'static str, String)> for ConfigError {
    fn from((key, message): (&'static str, String)) -> Self {
        Self::invalid(key, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keyed_error_names_where_its_value_came_from() {
        let plain = ConfigError::invalid("port", "`x` is not a number");
        assert_eq!(
            plain.to_string(),
            "invalid `port` (flag or TERMGATE_* variable): `x` is not a number"
        );
        let filed = plain.read_from(Some(PathBuf::from("/c/config.toml")));
        assert_eq!(
            filed.to_string(),
            "invalid `port` (flag, TERMGATE_* variable or /c/config.toml): `x` is not a number"
        );
        assert_eq!(ConfigError::new("no home").to_string(), "no home");
    }
}
