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
