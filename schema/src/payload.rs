//! What GitHub sends in a `pull_request` delivery, read with serde.
//!
//! Only the fields hooklake uses are named; everything else is skipped
//! without being allocated. Text borrows from the payload where it has no
//! escapes. Every field is optional at this level, because GitHub's payloads
//! vary by action and age (null bodies, deleted "ghost" users, null
//! `merged_by`); what a merged pull request must have is checked once, in
//! [`PullRequestEvent::merged`].

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::Deserialize;

/// A string that borrows from the payload unless it contains escapes.
///
/// serde borrows a `Cow<str>` only when it is a field by itself, not inside an
/// `Option`; this newtype makes `Option<Text>` borrow too.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Text<'a>(#[serde(borrow)] pub Cow<'a, str>);

impl Text<'_> {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A `pull_request` webhook payload (any action).
#[derive(Debug, Deserialize)]
pub struct PullRequestEvent<'a> {
    /// `opened`, `closed`, `labeled`, ...
    #[serde(borrow)]
    pub action: Text<'a>,
    /// The pull request as it was when the event fired.
    #[serde(borrow)]
    pub pull_request: PullRequest<'a>,
    /// The repository the pull request belongs to.
    #[serde(borrow, default)]
    pub repository: Option<Repository<'a>>,
}

/// The `pull_request` object of the payload.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PullRequest<'a> {
    pub id: Option<i64>,
    pub number: Option<i64>,
    #[serde(borrow)]
    pub title: Option<Text<'a>>,
    #[serde(borrow)]
    pub html_url: Option<Text<'a>>,
    #[serde(borrow)]
    pub user: Option<User<'a>>,
    pub merged: Option<bool>,
    pub merged_at: Option<DateTime<Utc>>,
    #[serde(borrow)]
    pub merged_by: Option<User<'a>>,
    #[serde(borrow)]
    pub merge_commit_sha: Option<Text<'a>>,
    #[serde(borrow)]
    pub base: Option<GitRef<'a>>,
    #[serde(borrow)]
    pub head: Option<GitRef<'a>>,
    pub additions: Option<i64>,
    pub deletions: Option<i64>,
    pub commits: Option<i64>,
    pub changed_files: Option<i64>,
    #[serde(borrow)]
    pub labels: Option<Vec<Label<'a>>>,
}

/// A GitHub account (a deleted account appears as login `ghost`).
#[derive(Debug, Deserialize)]
pub struct User<'a> {
    #[serde(borrow)]
    pub login: Text<'a>,
}

/// The `base` or `head` of a pull request.
#[derive(Debug, Deserialize)]
pub struct GitRef<'a> {
    #[serde(borrow, rename = "ref")]
    pub name: Text<'a>,
}

/// A label on the pull request.
#[derive(Debug, Deserialize)]
pub struct Label<'a> {
    #[serde(borrow)]
    pub name: Text<'a>,
}

/// The `repository` object of the payload.
#[derive(Debug, Deserialize)]
pub struct Repository<'a> {
    pub id: i64,
    #[serde(borrow)]
    pub full_name: Text<'a>,
}

/// Why a payload does not give a row.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// Not JSON, or not shaped like a `pull_request` event.
    #[error("payload is not a pull_request event: {0}")]
    Malformed(#[from] serde_json::Error),
    /// A pull request event, but not a merge (hooklake keeps merges only).
    #[error("pull request was not merged (action `{action}`)")]
    NotMerged {
        /// The event's action.
        action: String,
    },
    /// A merge event that lacks a field every row needs.
    #[error("merged pull request payload has no `{0}`")]
    MissingField(&'static str),
}

impl ExtractError {
    /// A short machine-readable reason, for HTTP answers and logs.
    pub fn reason(&self) -> &'static str {
        match self {
            ExtractError::Malformed(_) => "malformed_payload",
            ExtractError::NotMerged { .. } => "not_merged",
            ExtractError::MissingField(_) => "incomplete_pull_request",
        }
    }
}

/// The fields every row needs, checked present.
#[derive(Debug)]
pub struct MergedPullRequest<'e, 'a> {
    pub event: &'e PullRequestEvent<'a>,
    pub repository: &'e Repository<'a>,
    pub id: i64,
    pub number: i64,
    pub html_url: &'e str,
    pub merged_at: DateTime<Utc>,
    pub base_ref: &'e str,
    pub head_ref: &'e str,
}

impl<'a> PullRequestEvent<'a> {
    /// Reads a `pull_request` payload.
    pub fn parse(payload: &'a str) -> Result<Self, ExtractError> {
        Ok(serde_json::from_str(payload)?)
    }

    /// True for the one event hooklake keeps: a pull request closed by merging.
    pub fn is_merged(&self) -> bool {
        self.action.as_str() == "closed" && self.pull_request.merged == Some(true)
    }

    /// The merge, with every field a row needs checked present.
    pub fn merged(&self) -> Result<MergedPullRequest<'_, 'a>, ExtractError> {
        if !self.is_merged() {
            return Err(ExtractError::NotMerged {
                action: self.action.as_str().to_owned(),
            });
        }
        let pr = &self.pull_request;
        let need = |field: &'static str| ExtractError::MissingField(field);
        Ok(MergedPullRequest {
            event: self,
            repository: self.repository.as_ref().ok_or(need("repository"))?,
            id: pr.id.ok_or(need("pull_request.id"))?,
            number: pr.number.ok_or(need("pull_request.number"))?,
            html_url: pr
                .html_url
                .as_ref()
                .ok_or(need("pull_request.html_url"))?
                .as_str(),
            merged_at: pr.merged_at.ok_or(need("pull_request.merged_at"))?,
            base_ref: pr
                .base
                .as_ref()
                .ok_or(need("pull_request.base.ref"))?
                .name
                .as_str(),
            head_ref: pr
                .head
                .as_ref()
                .ok_or(need("pull_request.head.ref"))?
                .name
                .as_str(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_borrows_unless_escaped() {
        let event = PullRequestEvent::parse(
            r#"{"action":"closed","pull_request":{"title":"plain","html_url":"a\/b"}}"#,
        )
        .unwrap();
        let pr = &event.pull_request;
        assert!(matches!(
            pr.title.as_ref().unwrap().0,
            Cow::Borrowed("plain")
        ));
        assert!(matches!(pr.html_url.as_ref().unwrap().0, Cow::Owned(_)));
        assert_eq!(pr.html_url.as_ref().unwrap().as_str(), "a/b");
    }

    #[test]
    fn tolerates_nulls_and_unknown_fields() {
        let event = PullRequestEvent::parse(
            r#"{"action":"opened","new":[1,{"x":null}],"pull_request":{"user":null,"merged_by":null,"labels":null,"body":null},"repository":null}"#,
        )
        .unwrap();
        assert!(!event.is_merged());
        assert!(matches!(
            event.merged(),
            Err(ExtractError::NotMerged { .. })
        ));
    }

    #[test]
    fn merge_without_merged_at_is_incomplete() {
        let event = PullRequestEvent::parse(
            r#"{"action":"closed","pull_request":{"merged":true,"id":1,"number":2,"html_url":"u"},"repository":{"id":3,"full_name":"o/r"}}"#,
        )
        .unwrap();
        let err = event.merged().unwrap_err();
        assert!(matches!(
            err,
            ExtractError::MissingField("pull_request.merged_at")
        ));
        assert_eq!(err.reason(), "incomplete_pull_request");
    }
}
