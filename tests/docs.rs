//! The docs stay true: every config key is in examples/config.toml (and it
//! parses), every command-line flag, every fuzz target and every shell integration
//! snippet is in the README.

use std::path::Path;

fn read(relative: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)).unwrap()
}

#[test]
fn the_example_config_shows_every_key_and_parses() {
    let example = read("examples/config.toml");
    // Commented-out keys are examples too: uncomment them all.
    let uncommented: String = example
        .lines()
        .map(|line| match line.strip_prefix("# ") {
            Some(rest)
                if rest.split_once(" = ").is_some_and(|(k, _)| {
                    k.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                }) =>
            {
                rest
            }
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let parsed: toml::Table =
        toml::from_str(&uncommented).expect("examples/config.toml is valid TOML");
    let typed: Result<termgate::config::file::FileConfig, _> = toml::from_str(&uncommented);
    assert!(
        typed.is_ok(),
        "examples/config.toml has a key termgate refuses: {:?}",
        typed.err()
    );

    // Every field of FileConfig appears: serialise a default and compare key sets
    // through the Debug form, which lists every field by name.
    let fields = format!("{:?}", termgate::config::file::FileConfig::default());
    for field in fields
        .split(['{', ',', '}'])
        .filter_map(|part| part.trim().split_once(':').map(|(k, _)| k.trim()))
    {
        if field.is_empty() || field.contains(' ') {
            continue;
        }
        assert!(
            parsed.contains_key(field),
            "examples/config.toml does not show `{field}`"
        );
    }
}

#[test]
fn every_flag_is_in_the_readme() {
    use clap::CommandFactory;
    let readme = read("README.md");
    let command = termgate::cli::Cli::command();
    for arg in command.get_arguments() {
        let Some(long) = arg.get_long() else { continue };
        if ["help", "version"].contains(&long) {
            continue;
        }
        assert!(
            readme.contains(&format!("`--{long}")),
            "README.md does not document --{long}"
        );
    }
    // Every subcommand is in the commands table, and so is each of its flags.
    for sub in command.get_subcommands() {
        let name = sub.get_name();
        assert!(
            readme.contains(&format!("`termgate {name}")),
            "README.md does not document `termgate {name}`"
        );
        for arg in sub.get_arguments() {
            let Some(long) = arg.get_long() else { continue };
            if ["help", "version"].contains(&long) {
                continue;
            }
            assert!(
                readme.contains(&format!("--{long}")),
                "README.md does not document `termgate {name} --{long}`"
            );
        }
    }
    // The one positional of the daemon: the program after `--`.
    let program = command
        .get_positionals()
        .find(|arg| arg.is_last_set())
        .expect("the `-- PROGRAM ARGS…` positional");
    let name = program.get_value_names().unwrap_or_default()[0].as_str();
    assert!(
        readme.contains(&format!("`termgate -- {name} ARGS…`")),
        "README.md does not document `termgate -- {name} ARGS…`"
    );
}

/// Every fuzz target (a `[[bin]]` of fuzz/Cargo.toml, which `cargo test`
/// never builds) has its file and is named in the README's "Fuzzing".
#[test]
fn every_fuzz_target_is_in_the_readme() {
    let readme = read("README.md");
    let manifest: toml::Table = toml::from_str(&read("fuzz/Cargo.toml")).unwrap();
    let bins = manifest["bin"]
        .as_array()
        .expect("fuzz targets are [[bin]]s");
    assert!(bins.len() >= 12, "only {} fuzz targets", bins.len());
    for bin in bins {
        let name = bin["name"].as_str().unwrap();
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz")
            .join(bin["path"].as_str().unwrap());
        assert!(path.exists(), "fuzz target {name} has no {path:?}");
        assert!(
            readme.contains(&format!("`{name}`")),
            "README.md does not name the fuzz target {name}"
        );
    }
}

/// Every test SECURITY.md names as a promise's backing exists: a renamed or
/// deleted test cannot leave a promise that nothing checks.
#[test]
fn every_test_security_md_names_exists() {
    let security = read("SECURITY.md");
    let mut names = Vec::new();
    collect_fn_names(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut names,
    );
    collect_fn_names(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests"),
        &mut names,
    );
    let mut in_test_table = false;
    let mut checked = 0;
    for line in security.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 4 {
            in_test_table = false;
            continue;
        }
        if cells[2] == "test" {
            in_test_table = true;
            continue;
        }
        if !in_test_table {
            continue;
        }
        for quoted in cells[2].split('`').skip(1).step_by(2) {
            if !(quoted.contains("::") || quoted.starts_with('…')) || quoted.contains(' ') {
                continue;
            }
            let last = quoted.rsplit("::").next().unwrap();
            let (open_start, open_end) = (last.starts_with('…'), last.ends_with(['…', '*']));
            let core = last.trim_matches(['…', '*']);
            let found = names.iter().any(|name| match (open_start, open_end) {
                (false, false) => name == core,
                (false, true) => name.starts_with(core),
                (true, false) => name.ends_with(core),
                (true, true) => name.contains(core),
            });
            assert!(found, "SECURITY.md names `{quoted}`, which is no test");
            checked += 1;
        }
    }
    assert!(
        checked > 20,
        "only {checked} test names found: the table format changed?"
    );
}

fn collect_fn_names(dir: &Path, names: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_fn_names(&path, names);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            for rest in text.split("fn ").skip(1) {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                names.push(name);
            }
        }
    }
}

/// examples/termgate.service is hardened as the README says, its command
/// line is one termgate accepts, and the README installs it.
#[test]
fn the_systemd_unit_is_hardened_parses_and_is_installed_by_the_readme() {
    use clap::Parser;
    let unit = read("examples/termgate.service");
    let setting = |key: &str| {
        unit.lines()
            .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
            .unwrap_or_else(|| panic!("examples/termgate.service has no {key}="))
            .to_string()
    };
    for (key, value) in [
        ("NoNewPrivileges", "true"),
        ("PrivateTmp", "true"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "read-only"),
        ("Restart", "on-failure"),
    ] {
        assert_eq!(setting(key), value, "{key}");
    }
    let writable = setting("ReadWritePaths");
    let exec = setting("ExecStart");
    let words: Vec<&str> = exec.split_whitespace().collect();
    assert!(words[0].ends_with("/termgate"), "{exec}");
    // The file root must be writable, and so must the config folder.
    let cwd = words
        .windows(2)
        .find(|pair| pair[0] == "--cwd")
        .map(|pair| pair[1])
        .expect("ExecStart names the file root with --cwd");
    // A leading `-` only lets a missing path pass.
    let paths: Vec<&str> = writable
        .split_whitespace()
        .map(|path| path.trim_start_matches('-'))
        .collect();
    assert!(
        paths.contains(&cwd),
        "{cwd} not in ReadWritePaths={writable}"
    );
    assert!(paths.contains(&"%h/.config/termgate"), "{writable}");
    let expanded: Vec<String> = words.iter().map(|w| w.replace("%h", "/home/me")).collect();
    let parsed = termgate::cli::Cli::try_parse_from(&expanded);
    assert!(parsed.is_ok(), "ExecStart: {:?}", parsed.err());

    let readme = read("README.md");
    for line in [
        "cargo install --path . --locked",
        "cp examples/termgate.service ~/.config/systemd/user/",
        "systemctl --user enable --now termgate",
    ] {
        assert!(readme.contains(line), "README.md does not say `{line}`");
    }
}

/// Every Ctrl+Shift and Alt shortcut the UI catches (assets/js/app.js) is
/// in the README's table.
#[test]
fn every_workspace_shortcut_is_in_the_readme() {
    let app = read("assets/js/app.js");
    let readme = read("README.md");
    let mut found = 0;
    for rest in app.split("ctrlShift && ev.code === '").skip(1) {
        let code = rest.split('\'').next().unwrap();
        let key = code.strip_prefix("Key").unwrap_or(code);
        let keys = match key {
            "PageUp" | "PageDown" => "Ctrl+Shift+PageUp / PageDown".to_string(),
            other => format!("Ctrl+Shift+{other}"),
        };
        assert!(
            readme.contains(&format!("| {keys}")),
            "README.md has no row for {keys}"
        );
        found += 1;
    }
    assert!(
        found >= 6,
        "only {found} Ctrl+Shift shortcuts found in app.js"
    );
    assert!(app.contains("/^Digit[1-9]$/") && readme.contains("| Alt+1 … Alt+9 |"));
}

/// One of each kind of request error. The match has no wildcard: a new kind
/// does not compile until it is listed here, and so in PROTOCOL.md.
fn every_request_error() -> Vec<termgate::error::Error> {
    use std::time::Duration;
    use termgate::error::Error;
    let all = vec![
        Error::BadRequest(String::new()),
        Error::Unauthorized,
        Error::ReauthRequired {
            second_factor: false,
        },
        Error::Forbidden(""),
        Error::NotFound,
        Error::Gone,
        Error::MethodNotAllowed,
        Error::TooManyTerminals { max: 1 },
        Error::TooManyShares(""),
        Error::TooManyTokens { max: 1 },
        Error::SecondFactorOn,
        Error::NoTerminalYet,
        Error::TokenUnavailable(String::new()),
        Error::RecordingActive,
        Error::TabLocked,
        Error::PayloadTooLarge { limit: 1 },
        Error::RequestTimeout,
        Error::MisdirectedHost,
        Error::RateLimited {
            retry_after: Duration::from_secs(1),
        },
        Error::Unavailable(""),
        Error::Internal(String::new()),
    ];
    for error in &all {
        match error {
            Error::BadRequest(_)
            | Error::Unauthorized
            | Error::ReauthRequired { .. }
            | Error::Forbidden(_)
            | Error::NotFound
            | Error::Gone
            | Error::MethodNotAllowed
            | Error::TooManyTerminals { .. }
            | Error::TooManyShares(_)
            | Error::TooManyTokens { .. }
            | Error::SecondFactorOn
            | Error::NoTerminalYet
            | Error::TokenUnavailable(_)
            | Error::RecordingActive
            | Error::TabLocked
            | Error::PayloadTooLarge { .. }
            | Error::RequestTimeout
            | Error::MisdirectedHost
            | Error::RateLimited { .. }
            | Error::Unavailable(_)
            | Error::Internal(_) => {}
        }
    }
    all
}

#[test]
fn every_request_error_code_is_listed_once_with_its_status() {
    let protocol = read("docs/PROTOCOL.md");
    let list = protocol
        .split_once("Codes: ")
        .and_then(|(_, rest)| rest.split_once("\n\n"))
        .map(|(list, _)| list.replace('\n', " "))
        .expect("PROTOCOL.md lists the error codes after `Codes: `");
    let mut codes = Vec::new();
    for error in every_request_error() {
        let entry = format!("`{}` {}", error.code(), error.status().as_u16());
        assert!(
            list.contains(&entry),
            "PROTOCOL.md's code list lacks {entry}"
        );
        codes.push(error.code());
    }
    let listed = list.matches('`').count() / 2;
    assert_eq!(
        listed,
        codes.len(),
        "the list names a code no error has: {list}"
    );
}

/// The README shows each shell's snippet exactly as
/// `termgate shell-integration` prints it (the history test runs bash's).
#[test]
fn every_shell_integration_snippet_is_in_the_readme() {
    use termgate::shell_integration::{Shell, snippet};
    let readme = read("README.md");
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        assert!(
            readme.contains(snippet(shell)),
            "README.md does not show the {shell:?} snippet as printed"
        );
    }
}
