//! GitHub credentials from AWS Secrets Manager (production: never from the
//! function's plain environment).

use hooklake_github::Credentials;

use crate::{describe, AwsError};

/// Reads and parses the secret `secret_id` (a name or ARN).
pub async fn from_secrets_manager(
    config: &aws_config::SdkConfig,
    secret_id: &str,
) -> Result<Credentials, AwsError> {
    let client = aws_sdk_secretsmanager::Client::new(config);
    let err = |message: String| AwsError::Credentials {
        source_name: format!("Secrets Manager secret {secret_id}"),
        message,
    };
    let value = client
        .get_secret_value()
        .secret_id(secret_id)
        .send()
        .await
        .map_err(|e| err(describe(&e)))?;
    let text = value
        .secret_string()
        .ok_or_else(|| err("the secret has no string value; put {\"token\": ...} in it".into()))?;
    Credentials::from_json(text).map_err(|e| err(e.to_string()))
}
