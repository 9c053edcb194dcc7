//! The checked-in catalog files must be exactly what the Arrow schema generates.

#[test]
fn checked_in_catalog_matches_arrow_schema() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for (relative, generated) in hooklake_schema::catalog::generated_files() {
        let path = root.join(relative);
        let checked_in = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        assert!(
            checked_in == generated,
            "{} has drifted from the Arrow schema; regenerate it with \
             `cargo run -p hooklake-schema --bin hooklake-schema-gen`",
            path.display()
        );
    }
}
