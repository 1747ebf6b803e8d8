//! Which tunnel client to run and what to give it: the executable (`zrok2`
//! or `zrok` for `--zrok`), whether it knows `--force-local`, termgate's own
//! cloudflared config file, and an environment without termgate's secrets or
//! settings that would change what the client does.

use super::{Kind, TunnelError};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long `zrok share public --help` may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// Environment variables the client does not get besides termgate's own
/// (see `process::withhold_environment`): cloudflared's (`TUNNEL_*`:
/// `TUNNEL_LOGLEVEL=warn` hides the URL, `TUNNEL_TOKEN` or
/// `TUNNEL_ORIGIN_CERT` turn a quick tunnel into somebody's named one).
const CLEARED_PREFIXES: [&str; 1] = ["TUNNEL_"];

/// The executable to run.
#[derive(Debug, Clone)]
pub struct Program {
    pub path: PathBuf,
    /// For messages: `zrok`, `zrok2` or `cloudflared`.
    pub name: &'static str,
}

/// Finds the client: `explicit` if given, else on PATH. For zrok, `zrok2`
/// (zrok 2.x) and `zrok` (0.4/1.x) keep separate environments (`~/.zrok2`,
/// `~/.zrok`): the one that was enabled wins; if both or neither were, `zrok2`.
pub fn find(kind: Kind, explicit: Option<&Path>) -> Result<Program, TunnelError> {
    if let Some(path) = explicit {
        let zrok2 = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("zrok2"));
        let name = if kind == Kind::Zrok && zrok2 {
            "zrok2"
        } else {
            kind.program()
        };
        return Ok(Program {
            path: path.to_path_buf(),
            name,
        });
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let on_path = |name: &str| {
        std::env::split_paths(&path)
            .map(|d| d.join(name))
            .find(|p| is_executable(p))
    };
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let found = match kind {
        Kind::Cloudflare => on_path("cloudflared").map(|path| Program {
            path,
            name: "cloudflared",
        }),
        Kind::Zrok => choose_zrok(on_path("zrok2"), on_path("zrok"), home.as_deref()),
    };
    found.ok_or_else(|| TunnelError::Missing(missing_message(kind)))
}

fn missing_message(kind: Kind) -> String {
    match kind {
        Kind::Cloudflare => format!(
            "`cloudflared` was not found on PATH: {}",
            kind.install_hint()
        ),
        Kind::Zrok => format!(
            "neither `zrok2` nor `zrok` was found on PATH: {}",
            kind.install_hint()
        ),
    }
}

/// The zrok to run, given what PATH holds and which environments exist.
fn choose_zrok(
    zrok2: Option<PathBuf>,
    zrok: Option<PathBuf>,
    home: Option<&Path>,
) -> Option<Program> {
    let enabled = |dir: &str| home.is_some_and(|h| h.join(dir).join("environment.json").is_file());
    let v2 = zrok2.map(|path| Program {
        path,
        name: "zrok2",
    });
    let v1 = zrok.map(|path| Program { path, name: "zrok" });
    match (v2, v1) {
        (Some(_), Some(v1)) if enabled(".zrok") && !enabled(".zrok2") => Some(v1),
        (Some(v2), _) => Some(v2),
        (None, v1) => v1,
    }
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Whether this zrok knows `--force-local` (1.0 and later do; 0.4 refuses
/// it as an unknown flag). Without it, 1.x and 2.x hand the share to a
/// running zrok agent and exit at once. Asks `share public --help`, which
/// touches neither the network nor the account.
pub async fn knows_force_local(program: &Program) -> bool {
    let mut command = tokio::process::Command::new(&program.path);
    command
        .args(["share", "public", "--help"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    clear_environment(command.as_std_mut());
    match tokio::time::timeout(PROBE_TIMEOUT, command.output()).await {
        Ok(Ok(output)) => {
            let text = [output.stdout, output.stderr].concat();
            String::from_utf8_lossy(&text).contains("--force-local")
        }
        _ => false,
    }
}

/// Removes termgate's own and [`CLEARED_PREFIXES`] variables from the
/// client's environment.
pub fn clear_environment(command: &mut std::process::Command) {
    crate::process::withhold_environment(command, &CLEARED_PREFIXES);
}

/// Writes termgate's own cloudflared config (an empty mapping, private to
/// the user) into `dir` and returns its path. Given with `--config`, it keeps
/// cloudflared from reading `~/.cloudflared/config.yml`, whose ingress rules
/// would send the public URL somewhere other than termgate.
pub fn cloudflared_config(dir: &Path) -> Result<PathBuf, TunnelError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = dir.join("cloudflared.yml");
    let failed = |source| TunnelError::Config {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(failed)?;
    // A fresh file each time: never follow or reuse whatever is there.
    match std::fs::remove_file(&path) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => return Err(failed(err)),
        _ => {}
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(failed)?;
    // `{}` rather than nothing: cloudflared logs an empty file as an error.
    file.write_all(b"{}\n").map_err(failed)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(zrok2: bool, zrok: bool, enabled: &[&str]) -> Option<&'static str> {
        let home = tempfile_dir();
        for dir in enabled {
            std::fs::create_dir_all(home.join(dir)).unwrap();
            std::fs::write(home.join(dir).join("environment.json"), "{}").unwrap();
        }
        let pick = choose_zrok(
            zrok2.then(|| PathBuf::from("/bin/zrok2")),
            zrok.then(|| PathBuf::from("/bin/zrok")),
            Some(&home),
        )
        .map(|p| p.name);
        std::fs::remove_dir_all(&home).unwrap();
        pick
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "termgate-zrok-{}-{}",
            std::process::id(),
            crate::random::u64()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_enabled_zrok_wins_and_zrok2_breaks_ties() {
        assert_eq!(names(true, true, &[".zrok"]), Some("zrok"));
        assert_eq!(names(true, true, &[".zrok2"]), Some("zrok2"));
        assert_eq!(names(true, true, &[".zrok", ".zrok2"]), Some("zrok2"));
        assert_eq!(names(true, true, &[]), Some("zrok2"));
        assert_eq!(names(false, true, &[".zrok2"]), Some("zrok"));
        assert_eq!(names(true, false, &[".zrok"]), Some("zrok2"));
        assert_eq!(names(false, false, &[".zrok"]), None);
    }

    #[test]
    fn the_config_file_is_private_and_fresh() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile_dir();
        std::fs::write(dir.join("cloudflared.yml"), "ingress: []\n").unwrap();
        let path = cloudflared_config(&dir).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{}\n");
        assert_eq!(path.metadata().unwrap().permissions().mode() & 0o777, 0o600);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
