//! Where `serve` and `ingest` get GitHub credentials for changed files.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use hooklake_github::{Credentials, Enricher, GitHubClient, DEFAULT_API_URL};

/// A token in the environment: convenient on one machine. In production use
/// a secret (`--github-secret-arn`) or a file readable only by hooklake.
pub const TOKEN_VAR: &str = "HOOKLAKE_GITHUB_TOKEN";

/// GitHub settings shared by `serve` and `ingest`.
#[derive(Args, Debug, Clone)]
pub struct GitHubArgs {
    /// AWS Secrets Manager secret (name or ARN), or SSM SecureString parameter
    /// (ssm:/NAME or its ARN), with {"token": ...} or GitHub App credentials
    /// {"app_id", "installation_id", "private_key"}.
    #[arg(long, env = "HOOKLAKE_GITHUB_SECRET_ARN")]
    pub github_secret_arn: Option<String>,
    /// A file with the same JSON (or a bare token). Without any of these and
    /// without HOOKLAKE_GITHUB_TOKEN, rows are written with changed_files null
    /// and changed_files_status 'no_credentials'.
    #[arg(long, env = "HOOKLAKE_GITHUB_CREDENTIALS")]
    pub github_credentials: Option<PathBuf>,
    /// GitHub's REST API (GitHub Enterprise Server: https://HOST/api/v3).
    #[arg(long, env = "HOOKLAKE_GITHUB_API_URL", default_value = DEFAULT_API_URL)]
    pub github_api_url: String,
}

impl GitHubArgs {
    /// The enricher: with a client, or (without credentials) one that
    /// writes `no_credentials`.
    pub async fn enricher(&self) -> anyhow::Result<Enricher> {
        Ok(Enricher::new(self.client().await?))
    }

    /// Where the credentials come from, for error messages (never the secret).
    pub fn credential_source(&self) -> String {
        if let Some(secret) = &self.github_secret_arn {
            format!("the secret {secret} (--github-secret-arn)")
        } else if let Some(path) = &self.github_credentials {
            format!("the file {} (--github-credentials)", path.display())
        } else {
            format!("the token in {TOKEN_VAR}")
        }
    }

    /// The client, or `None` without credentials.
    pub async fn client(&self) -> anyhow::Result<Option<GitHubClient>> {
        let credentials = if let Some(secret) = &self.github_secret_arn {
            Some(crate::aws::github_credentials(secret).await?)
        } else if let Some(path) = &self.github_credentials {
            let text = std::fs::read_to_string(path).with_context(|| {
                format!("cannot read GitHub credentials from {}", path.display())
            })?;
            Some(
                Credentials::from_json(&text)
                    .with_context(|| format!("GitHub credentials in {}", path.display()))?,
            )
        } else {
            std::env::var(TOKEN_VAR)
                .ok()
                .filter(|t| !t.is_empty())
                .map(Credentials::Token)
        };
        match credentials {
            Some(credentials) => Ok(Some(GitHubClient::new(&self.github_api_url, credentials)?)),
            None => {
                tracing::info!(
                    "no GitHub credentials ({TOKEN_VAR}, --github-credentials or --github-secret-arn): \
                     rows are written without changed files (changed_files_status = no_credentials)"
                );
                Ok(None)
            }
        }
    }
}
