//! The README's crate table names every crate of the workspace in its
//! folder, and its `cli/` row every subcommand `hooklake --help` lists, and
//! nothing that does not exist.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

/// `(folder, crate, job)` of each row of the table headed `| folder | crate | one job |`.
fn crate_table() -> Vec<(String, String, String)> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let table = readme
        .split("| folder | crate | one job |")
        .nth(1)
        .expect("README.md has the crate table");
    table
        .lines()
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.trim().trim_matches('|').split('|').collect();
            let unquote = |cell: &str| cell.trim().trim_matches('`').to_owned();
            (unquote(cells[0]), unquote(cells[1]), cells[2..].join("|"))
        })
        .collect()
}

/// `(folder, package name)` of each workspace member.
fn members() -> BTreeSet<(String, String)> {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let list = manifest
        .split("members = [")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .expect("the workspace lists its members");
    list.split(',')
        .map(|m| m.trim().trim_matches('"').to_owned())
        .filter(|m| !m.is_empty())
        .map(|folder| {
            let own = std::fs::read_to_string(root().join(&folder).join("Cargo.toml")).unwrap();
            let name = own
                .lines()
                .find_map(|l| l.strip_prefix("name = \""))
                .and_then(|rest| rest.strip_suffix('"'))
                .expect("a package name")
                .to_owned();
            (format!("{folder}/"), name)
        })
        .collect()
}

#[test]
fn the_crate_table_names_exactly_the_workspace_crates() {
    let rows: BTreeSet<(String, String)> = crate_table()
        .into_iter()
        .filter(|(_, name, _)| !name.is_empty())
        .map(|(folder, name, _)| (folder, name))
        .collect();
    // The benchmark harnesses under bench/ share its row.
    let members: BTreeSet<(String, String)> = members()
        .into_iter()
        .filter(|(folder, _)| folder == "bench/" || !folder.starts_with("bench/"))
        .collect();
    assert_eq!(
        rows, members,
        "README.md's crate table and the workspace differ"
    );
}

#[test]
fn the_cli_row_names_exactly_the_subcommands() {
    let out = run(hooklake().arg("--help"));
    let help = String::from_utf8(out.stdout).unwrap();
    let commands: BTreeSet<String> = help
        .split("Commands:")
        .nth(1)
        .expect("--help lists commands")
        .lines()
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        // A command's line is indented two spaces; its wrapped help, more.
        .filter(|line| line.starts_with("  ") && !line.starts_with("   "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect();
    let (_, _, job) = crate_table()
        .into_iter()
        .find(|(folder, _, _)| folder == "cli/")
        .expect("a cli/ row");
    let named: BTreeSet<String> = job
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|word| word.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        named, commands,
        "README.md's cli/ row and `hooklake --help` differ"
    );
}
