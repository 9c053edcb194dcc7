//! A webhook's delivery log, as GitHub keeps it for three days: list it
//! (`GET …/hooks/{hook_id}/deliveries`, cursor paging, newest first) and ask
//! for a failed delivery to be sent again (`POST …/deliveries/{id}/attempts`).
//!
//! Three kinds of hook have a log: a repository's, an organization's and a
//! GitHub App's own webhook ([`Hook`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Deliveries per page, GitHub's maximum.
pub const PER_PAGE: usize = 100;

/// A webhook whose deliveries GitHub logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hook {
    /// `owner/name` and the hook's id (Settings → Webhooks → the hook: the
    /// number at the end of its URL).
    Repository { repository: String, id: u64 },
    /// An organization's webhook.
    Organization { organization: String, id: u64 },
    /// A GitHub App's webhook: listed and redelivered with the App's own
    /// JWT, so it needs App credentials.
    App,
}

impl Hook {
    /// The hook itself, relative to the API root: its deliveries and its
    /// configuration hang below it.
    fn path(&self) -> String {
        match self {
            Hook::Repository { repository, id } => format!("/repos/{repository}/hooks/{id}"),
            Hook::Organization { organization, id } => format!("/orgs/{organization}/hooks/{id}"),
            Hook::App => "/app/hook".into(),
        }
    }

    /// The deliveries endpoint, relative to the API root.
    ///
    /// ```
    /// use hooklake_github::deliveries::Hook;
    /// let hook = Hook::Repository { repository: "o/r".into(), id: 7 };
    /// assert_eq!(hook.deliveries_path(), "/repos/o/r/hooks/7/deliveries");
    /// assert_eq!(Hook::App.deliveries_path(), "/app/hook/deliveries");
    /// ```
    pub fn deliveries_path(&self) -> String {
        format!("{}/deliveries", self.path())
    }

    /// The hook's configuration endpoint (URL, content type, secret),
    /// relative to the API root.
    ///
    /// ```
    /// use hooklake_github::deliveries::Hook;
    /// let hook = Hook::Organization { organization: "acme".into(), id: 3 };
    /// assert_eq!(hook.config_path(), "/orgs/acme/hooks/3/config");
    /// assert_eq!(Hook::App.config_path(), "/app/hook/config");
    /// ```
    pub fn config_path(&self) -> String {
        format!("{}/config", self.path())
    }

    /// A short name for files and logs: `repo-o-r-7`, `org-acme-3`, `app`.
    pub fn slug(&self) -> String {
        match self {
            Hook::Repository { repository, id } => {
                format!("repo-{}-{id}", repository.replace('/', "-"))
            }
            Hook::Organization { organization, id } => format!("org-{organization}-{id}"),
            Hook::App => "app".into(),
        }
    }

    /// What GitHub must allow for this hook's log, for error messages.
    pub fn permission(&self) -> &'static str {
        match self {
            Hook::Repository { .. } => {
                "a fine-grained token or App installation with the repository permission \
                 \"Webhooks: Read and write\" (classic token: the admin:repo_hook scope)"
            }
            Hook::Organization { .. } => {
                "a fine-grained token or App installation with the organization permission \
                 \"Webhooks: Read and write\" (classic token: the admin:org_hook scope)"
            }
            Hook::App => "the App's own credentials (app_id and private_key: the App's JWT)",
        }
    }

    /// How to find the hook's id, for error messages.
    pub fn how_to_find(&self) -> String {
        match self {
            Hook::Repository { repository, .. } => format!(
                "list the repository's hooks with `gh api repos/{repository}/hooks --jq '.[] | [.id, .config.url]'` \
                 (or open Settings → Webhooks → the hook: its id ends the page's URL)"
            ),
            Hook::Organization { organization, .. } => format!(
                "list the organization's hooks with `gh api orgs/{organization}/hooks --jq '.[] | [.id, .config.url]'`"
            ),
            Hook::App => "the App's webhook is configured in the App's settings".into(),
        }
    }
}

impl std::str::FromStr for Hook {
    type Err = String;

    /// `repo:OWNER/NAME:ID`, `org:ORG:ID` or `app` (the scheduled handler's
    /// `HOOKLAKE_REDELIVER_HOOKS`).
    ///
    /// ```
    /// use hooklake_github::deliveries::Hook;
    /// let hook: Hook = "repo:octo-org/octo-repo:7".parse().unwrap();
    /// assert_eq!(hook, Hook::Repository { repository: "octo-org/octo-repo".into(), id: 7 });
    /// assert_eq!("org:octo-org:3".parse::<Hook>().unwrap().slug(), "org-octo-org-3");
    /// assert_eq!("app".parse::<Hook>().unwrap(), Hook::App);
    /// assert!("repo:octo-repo:7".parse::<Hook>().is_err());
    /// ```
    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let bad = || {
            format!("{spec:?} is not a hook; write repo:OWNER/NAME:HOOK_ID, org:ORG:HOOK_ID or app")
        };
        let spec = spec.trim();
        if spec == "app" {
            return Ok(Hook::App);
        }
        let (kind, rest) = spec.split_once(':').ok_or_else(bad)?;
        let (name, id) = rest.rsplit_once(':').ok_or_else(bad)?;
        let id: u64 = id.parse().map_err(|_| bad())?;
        let parts = name.split('/').filter(|p| !p.is_empty()).count();
        match (kind, parts, name.contains('/')) {
            ("repo", 2, true) => Ok(Hook::Repository {
                repository: name.to_owned(),
                id,
            }),
            ("org", 1, false) => Ok(Hook::Organization {
                organization: name.to_owned(),
                id,
            }),
            _ => Err(bad()),
        }
    }
}

impl std::fmt::Display for Hook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Hook::Repository { repository, id } => {
                write!(f, "hook {id} of repository {repository}")
            }
            Hook::Organization { organization, id } => {
                write!(f, "hook {id} of organization {organization}")
            }
            Hook::App => f.write_str("the GitHub App's webhook"),
        }
    }
}

/// One attempt to deliver an event (GitHub's `hook-delivery-item`). A
/// redelivery is a new attempt with the same `guid` (the `X-GitHub-Delivery`
/// header) and a new `id`; ids grow with time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HookDelivery {
    pub id: u64,
    pub guid: String,
    pub delivered_at: DateTime<Utc>,
    #[serde(default)]
    pub redelivery: bool,
    /// `OK`, `Invalid HTTP Response: 503`, `timed out`, ….
    pub status: String,
    /// The receiver's HTTP status; 0 when none came (timeout, refused).
    pub status_code: u16,
    pub event: String,
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default)]
    pub repository_id: Option<i64>,
}

impl HookDelivery {
    /// Whether the receiver answered 2xx: only then did it keep the event.
    pub fn succeeded(&self) -> bool {
        (200..300).contains(&self.status_code)
    }
}
