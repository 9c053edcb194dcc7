//! GitHub credentials from AWS Secrets Manager or an SSM SecureString
//! parameter (production: never from the function's plain environment).

use hooklake_github::Credentials;

use crate::{describe, AwsError};

/// Where the credentials document is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialsSource {
    /// A Secrets Manager secret, by name or ARN.
    SecretsManager(String),
    /// An SSM parameter (SecureString), by name: `ssm:/hooklake/github` or
    /// its ARN `arn:aws:ssm:REGION:ACCOUNT:parameter/hooklake/github`.
    Ssm(String),
}

impl CredentialsSource {
    /// Parses a setting: an SSM parameter (`ssm:NAME` or an SSM ARN), else a
    /// Secrets Manager secret.
    ///
    /// ```
    /// use hooklake_aws::credentials::CredentialsSource::*;
    /// use hooklake_aws::credentials::CredentialsSource;
    /// assert_eq!(CredentialsSource::parse("hooklake/github"), SecretsManager("hooklake/github".into()));
    /// assert_eq!(CredentialsSource::parse("ssm:/hooklake/github"), Ssm("/hooklake/github".into()));
    /// assert_eq!(CredentialsSource::parse("arn:aws:ssm:us-east-1:1:parameter/hooklake/github"), Ssm("/hooklake/github".into()));
    /// ```
    pub fn parse(setting: &str) -> Self {
        if let Some(name) = setting.strip_prefix("ssm:") {
            return CredentialsSource::Ssm(name.to_owned());
        }
        if setting.starts_with("arn:") && setting.split(':').nth(2) == Some("ssm") {
            if let Some((_, name)) = setting.split_once(":parameter") {
                return CredentialsSource::Ssm(name.to_owned());
            }
        }
        CredentialsSource::SecretsManager(setting.to_owned())
    }
}

/// Reads and parses the credentials document from `setting` (see
/// [`CredentialsSource::parse`]).
pub async fn load(config: &aws_config::SdkConfig, setting: &str) -> Result<Credentials, AwsError> {
    let source = CredentialsSource::parse(setting);
    let err = |message: String| AwsError::Credentials {
        source_name: match &source {
            CredentialsSource::SecretsManager(id) => format!("Secrets Manager secret {id}"),
            CredentialsSource::Ssm(name) => format!("SSM parameter {name}"),
        },
        message,
    };
    let text = match &source {
        CredentialsSource::SecretsManager(id) => aws_sdk_secretsmanager::Client::new(config)
            .get_secret_value()
            .secret_id(id)
            .send()
            .await
            .map_err(|e| err(describe(&e)))?
            .secret_string
            .ok_or_else(|| {
                err("the secret has no string value; put {\"token\": ...} in it".into())
            })?,
        CredentialsSource::Ssm(name) => aws_sdk_ssm::Client::new(config)
            .get_parameter()
            .name(name)
            .with_decryption(true)
            .send()
            .await
            .map_err(|e| err(describe(&e)))?
            .parameter
            .and_then(|p| p.value)
            .ok_or_else(|| err("the parameter has no value".into()))?,
    };
    Credentials::from_json(&text).map_err(|e| err(e.to_string()))
}
