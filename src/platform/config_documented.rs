//! The configuration a person reads is the configuration the code reads: `.env.example` lists
//! every variable (and nothing else), and the README or a domain's page documents each one.

use super::config::Config;

const ENV_EXAMPLE: &str = include_str!("../../.env.example");
const README: &str = include_str!("../../README.md");

/// `NAME=value` lines, commented out or not.
fn example_variables() -> Vec<String> {
    ENV_EXAMPLE
        .lines()
        .map(|line| line.trim_start_matches('#').trim())
        .filter_map(|line| line.split_once('=').map(|(name, _)| name))
        .filter(|name| {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        })
        .map(str::to_owned)
        .collect()
}

fn docs() -> String {
    let mut text = README.to_owned();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            text.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
        }
    }
    text
}

#[test]
fn env_example_lists_every_variable_and_nothing_else() {
    let listed = example_variables();
    let known = Config::variables();
    let missing: Vec<_> = known.iter().filter(|v| !listed.contains(v)).collect();
    assert!(missing.is_empty(), ".env.example lacks {missing:?}");
    let unknown: Vec<_> = listed.iter().filter(|v| !known.contains(v)).collect();
    assert!(unknown.is_empty(), ".env.example names unknown {unknown:?}");
}

#[test]
fn every_variable_is_documented() {
    let docs = docs();
    let undocumented: Vec<_> = Config::variables()
        .into_iter()
        .filter(|v| !docs.contains(&format!("`{v}`")))
        .collect();
    assert!(
        undocumented.is_empty(),
        "not in README.md or docs/*.md: {undocumented:?}"
    );
}
