//! The docs stay true: every config key is in examples/config.toml (and it
//! parses), and every command-line flag is in the README.

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
}
