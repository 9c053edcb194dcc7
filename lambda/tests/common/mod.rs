//! What the function's tests share.

use hooklake_tests::moto::{ACCESS_KEY, REGION, SECRET_KEY};

/// AWS configuration for the test's own clients, against moto at `endpoint`.
pub async fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new(REGION))
        .credentials_provider(aws_credential_types::Credentials::new(
            ACCESS_KEY, SECRET_KEY, None, None, "test",
        ))
        .load()
        .await
}

/// The Secrets Manager secret `hooklake/github`, holding a token the fake
/// GitHub accepts.
pub async fn create_github_secret(config: &aws_config::SdkConfig) {
    aws_sdk_secretsmanager::Client::new(config)
        .create_secret()
        .name("hooklake/github")
        .secret_string(r#"{"token":"ghp_test"}"#)
        .send()
        .await
        .unwrap();
}

/// The CloudWatch EMF documents among a function's stdout lines.
pub fn emf_lines(path: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v.get("_aws").is_some())
        .collect()
}
