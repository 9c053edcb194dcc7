//! Writes (or with `--check`, verifies) the catalog files generated from the
//! row schema: `schema/generated/athena_ddl.sql` and `glue_table.json`.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let check = std::env::args().any(|a| a == "--check");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stale = Vec::new();
    for (relative, content) in hooklake_schema::catalog::generated_files() {
        let path = root.join(relative);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current == content {
            continue;
        }
        if check {
            stale.push(path.display().to_string());
        } else if let Err(err) = std::fs::write(&path, content) {
            eprintln!("error: cannot write {}: {err}", path.display());
            return ExitCode::FAILURE;
        } else {
            println!("wrote {}", path.display());
        }
    }
    if stale.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "error: generated catalog files are stale: {}\nfix: cargo run -p hooklake-schema --bin hooklake-schema-gen",
            stale.join(", ")
        );
        ExitCode::FAILURE
    }
}
