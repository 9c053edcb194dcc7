//! The independent readers (tests/readers/*.py: DuckDB, pyarrow) run on a
//! local lake, when the suite's Python (`HOOKLAKE_PYTHON`) is there.

use std::path::Path;

fn run(script: &str, lake: &Path) -> Option<serde_json::Value> {
    let python = std::env::var("HOOKLAKE_PYTHON").ok()?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("readers")
        .join(script);
    let out = std::process::Command::new(python)
        .arg(script)
        .arg(lake)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "reader failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).expect("the reader prints JSON"))
}

/// What DuckDB (Hive partitioning) and pyarrow read (`read_lake.py`): row
/// counts, delivery ids, the reference query's rows, pyarrow's schema.
pub fn read_lake(lake: &Path) -> Option<serde_json::Value> {
    run("read_lake.py", lake)
}

/// What DuckDB counts (`count_lake.py`), shaped like the total of
/// `hooklake status --format json`.
pub fn duckdb_counts(lake: &Path) -> Option<serde_json::Value> {
    run("count_lake.py", lake)
}
