//! The demo's bundled samples stay what the fixtures derive.

use hooklake_tests::fixtures;

#[test]
fn merged_samples_are_derived_from_the_fixtures() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    for (sample, fixture) in [
        ("merged.json", "closed.payload.json"),
        (
            "merged-organization.json",
            "labeled.with-organization.payload.json",
        ),
    ] {
        let expected = serde_json::to_string_pretty(&fixtures::merged_variant(&fixtures::load(
            "pull_request",
            fixture,
        )))
        .unwrap()
            + "\n";
        let path = dir.join(sample);
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, &expected).unwrap();
        }
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            expected,
            "{sample} is stale: UPDATE_GOLDEN=1 cargo test -p hooklake --test samples"
        );
    }
}
