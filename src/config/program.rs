//! What every new tab runs: a shell (`--shell`, `shell`; `$SHELL`, then
//! `/bin/sh`), optionally started as a login shell (`--login-shell`,
//! `login_shell`), or a program with its arguments (`termgate -- tmux new -A
//! -s main`, `command = ["tmux", ...]`).
//!
//! A shell and a command say two different things about the same tab, so
//! one place may give only one of them: `--shell` with `-- cmd` is refused,
//! and so are `shell` with `command` in the file. `--login-shell` belongs to
//! a shell and is refused next to a command (`-- bash -lc '…'` is the way to
//! run one through a login shell). Across places the command line wins as
//! usual: `-- cmd` sets aside the file's `shell` and `login_shell`, and
//! `--shell` the file's `command`.
//!
//! A command's program is found on PATH here, at start-up, so a typo is an
//! error now rather than a tab that dies at once later.

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The program of every new tab, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// Absolute path of the executable.
    pub path: PathBuf,
    /// Its arguments (argv[1..]).
    pub args: Vec<OsString>,
    /// argv[0] is `-` and the file name, as login(1) starts a shell.
    pub login: bool,
}

impl Program {
    /// A shell without arguments.
    pub fn shell(path: impl Into<PathBuf>, login: bool) -> Self {
        Self {
            path: path.into(),
            args: Vec::new(),
            login,
        }
    }

    /// The file name (`bash`, `tmux`): a new tab's title.
    pub fn name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "shell".into())
    }

    /// argv[0] when it is not the path: `-bash` for a login shell.
    pub fn argv0(&self) -> Option<OsString> {
        self.login.then(|| {
            let mut zero = OsString::from("-");
            zero.push(self.path.file_name().unwrap_or(self.path.as_os_str()));
            zero
        })
    }
}

/// Where each program setting came from.
#[derive(Debug, Default)]
pub struct Sources<'a> {
    /// After `--` on the command line (empty: none).
    pub cli_command: &'a [OsString],
    /// `--shell` or `TERMGATE_SHELL`.
    pub cli_shell: Option<&'a Path>,
    /// `--login-shell` or `TERMGATE_LOGIN_SHELL`.
    pub cli_login: bool,
    pub file_command: Option<&'a [String]>,
    pub file_shell: Option<&'a Path>,
    pub file_login: bool,
}

/// Picks and checks the program; errors name the key.
pub fn choose(from: Sources<'_>) -> Result<Program, (&'static str, String)> {
    if !from.cli_command.is_empty() {
        let shown = show(from.cli_command);
        if let Some(shell) = from.cli_shell {
            return Err((
                "shell",
                format!(
                    "--shell {} (or TERMGATE_SHELL) and -- {shown} both say what a tab runs: \
                     give one, not both",
                    shell.display()
                ),
            ));
        }
        if from.cli_login {
            return Err((
                "login_shell",
                format!(
                    "--login-shell starts a shell, but -- {shown} runs a command: drop one \
                     (a login shell running it: -- bash -lc '…')"
                ),
            ));
        }
        return command(from.cli_command);
    }
    let login = from.cli_login || from.file_login;
    if let Some(shell) = from.cli_shell {
        return shell_program(shell.to_path_buf(), login);
    }
    if let Some(words) = from.file_command {
        if from.file_shell.is_some() {
            return Err((
                "command",
                "set one of `shell` and `command`, not both".into(),
            ));
        }
        if login {
            return Err((
                "login_shell",
                "starts a shell as a login shell, but `command` runs a program: drop one".into(),
            ));
        }
        let words: Vec<OsString> = words.iter().map(OsString::from).collect();
        return command(&words);
    }
    let shell = from
        .file_shell
        .map(Path::to_path_buf)
        .or_else(|| {
            std::env::var_os("SHELL")
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
        })
        .unwrap_or_else(|| PathBuf::from("/bin/sh"));
    shell_program(shell, login)
}

fn shell_program(path: PathBuf, login: bool) -> Result<Program, (&'static str, String)> {
    if !path.is_absolute() {
        return Err((
            "shell",
            format!("`{}` must be an absolute path", path.display()),
        ));
    }
    Ok(Program::shell(path, login))
}

/// A command: its program found (a bare name on PATH), then its arguments.
/// Also what `POST /api/terminals` with `"command"` runs, so a client's
/// command is resolved exactly as `termgate -- PROGRAM` is.
pub fn command(words: &[OsString]) -> Result<Program, (&'static str, String)> {
    let Some((name, args)) = words.split_first() else {
        return Err((
            "command",
            "must not be empty: give the program, then its arguments".into(),
        ));
    };
    let name = Path::new(name);
    let path = if name.is_absolute() {
        executable(name)
            .then(|| name.to_path_buf())
            .ok_or_else(|| format!("`{}` is not an executable file", name.display()))
    } else if name.as_os_str().as_encoded_bytes().contains(&b'/') {
        // Relative to which folder? The tab's, or termgate's? Say it outright.
        Err(format!(
            "`{}` must be an absolute path or a bare name found on PATH",
            name.display()
        ))
    } else {
        std::env::var_os("PATH")
            .iter()
            .flat_map(std::env::split_paths)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_absolute() && executable(candidate))
            .ok_or_else(|| format!("`{}` is not found on PATH", name.display()))
    };
    Ok(Program {
        path: path.map_err(|e| ("command", e))?,
        args: args.to_vec(),
        login: false,
    })
}

fn executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The words as typed, for messages.
fn show(words: &[OsString]) -> String {
    words
        .iter()
        .map(|w| w.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_command_line_beats_the_file_whole() {
        let cli = words(&["sh", "-c", "true"]);
        let file_command = vec!["tmux".to_string()];
        let program = choose(Sources {
            cli_command: &cli,
            file_shell: Some(Path::new("/bin/bash")),
            file_login: true,
            ..Sources::default()
        })
        .unwrap();
        assert!(program.path.is_absolute() && program.path.ends_with("sh"));
        assert_eq!(program.args, words(&["-c", "true"]));
        assert!(!program.login);

        let program = choose(Sources {
            cli_shell: Some(Path::new("/bin/bash")),
            file_command: Some(&file_command),
            file_login: true,
            ..Sources::default()
        })
        .unwrap();
        assert_eq!(program, Program::shell("/bin/bash", true));
        assert_eq!(program.argv0(), Some(OsString::from("-bash")));
        assert_eq!(Program::shell("/bin/bash", false).argv0(), None);
    }

    #[test]
    fn a_relative_shell_is_refused() {
        let (key, _) = choose(Sources {
            cli_shell: Some(Path::new("bash")),
            ..Sources::default()
        })
        .unwrap_err();
        assert_eq!(key, "shell");
    }
}
