//! GitHub's list of a pull request's files, sorted into [`ChangedFiles`].

use hooklake_schema::row::{ChangedFiles, RenamedFile};
use serde::Deserialize;

/// GitHub stops listing a pull request's files here; beyond it the row is
/// marked truncated.
pub const MAX_LISTED_FILES: usize = 3000;

/// Files per page, GitHub's maximum.
pub const PER_PAGE: usize = 100;

/// One entry of `GET /repos/{owner}/{repo}/pulls/{number}/files`, the fields
/// hooklake uses.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct PullFile {
    pub filename: String,
    /// `added`, `removed`, `modified`, `renamed`, `copied`, `changed` or `unchanged`.
    pub status: String,
    #[serde(default)]
    pub previous_filename: Option<String>,
}

/// Sorts GitHub's file list into added / removed / modified / renamed.
///
/// `copied` counts as added (a new path), `changed` (mode or type only) as
/// modified; `unchanged` entries are left out.
///
/// ```
/// use hooklake_github::files::{changed_files, PullFile};
/// let f = |name: &str, status: &str| PullFile { filename: name.into(), status: status.into(), previous_filename: None };
/// let files = changed_files(&[f("a.rs", "added"), f("b.rs", "removed"), f("c.rs", "modified")]);
/// assert_eq!(files.added, ["a.rs"]);
/// assert_eq!(files.removed, ["b.rs"]);
/// assert_eq!(files.modified, ["c.rs"]);
/// ```
pub fn changed_files(files: &[PullFile]) -> ChangedFiles {
    let mut changed = ChangedFiles::default();
    for file in files {
        let name = file.filename.clone();
        match file.status.as_str() {
            "added" | "copied" => changed.added.push(name),
            "removed" => changed.removed.push(name),
            "renamed" => changed.renamed.push(RenamedFile {
                previous_filename: file.previous_filename.clone().unwrap_or_default(),
                filename: name,
            }),
            "unchanged" => {}
            // "modified", "changed", and any status GitHub adds later: the
            // file is in the pull request, so it changed.
            _ => changed.modified.push(name),
        }
    }
    changed
}

/// The `rel="next"` URL of a `Link` header (RFC 8288, as GitHub sends it).
///
/// Parsed by hand: the header is a comma-separated list of `<url>; rel="x"`
/// and the only crate for it pulls in a URL template engine.
///
/// ```
/// use hooklake_github::files::next_link;
/// let link = r#"<https://api.github.com/repositories/1/pulls/2/files?page=2>; rel="next", <https://api.github.com/repositories/1/pulls/2/files?page=3>; rel="last""#;
/// assert_eq!(next_link(link).as_deref(), Some("https://api.github.com/repositories/1/pulls/2/files?page=2"));
/// assert_eq!(next_link(r#"<https://x/?page=1>; rel="prev""#), None);
/// ```
pub fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| matches!(p.trim(), r#"rel="next""# | "rel=next"));
        let url = url.trim().strip_prefix('<')?.strip_suffix('>')?;
        is_next.then(|| url.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, status: &str, previous: Option<&str>) -> PullFile {
        PullFile {
            filename: name.into(),
            status: status.into(),
            previous_filename: previous.map(Into::into),
        }
    }

    #[test]
    fn every_status_lands_in_its_list() {
        let files = changed_files(&[
            file("new.rs", "added", None),
            file("copy.rs", "copied", None),
            file("gone.rs", "removed", None),
            file("edit.rs", "modified", None),
            file("mode.sh", "changed", None),
            file("same.rs", "unchanged", None),
            file("new_name.rs", "renamed", Some("old_name.rs")),
        ]);
        assert_eq!(files.added, ["new.rs", "copy.rs"]);
        assert_eq!(files.removed, ["gone.rs"]);
        assert_eq!(files.modified, ["edit.rs", "mode.sh"]);
        assert_eq!(
            files.renamed,
            [RenamedFile {
                previous_filename: "old_name.rs".into(),
                filename: "new_name.rs".into()
            }]
        );
    }

    #[test]
    fn documented_response_shape_parses() {
        // The example response of GitHub's "List pull requests files".
        let body = r#"[{"sha":"bbcd538c8e72b8c175046e27cc8f907076331401","filename":"file1.txt","status":"added","additions":103,"deletions":21,"changes":124,"blob_url":"https://github.com/octocat/Hello-World/blob/6dcb09b5b57875f334f61aebed695e2e4193db5e/file1.txt","raw_url":"https://github.com/octocat/Hello-World/raw/6dcb09b5b57875f334f61aebed695e2e4193db5e/file1.txt","contents_url":"https://api.github.com/repos/octocat/Hello-World/contents/file1.txt?ref=6dcb09b5b57875f334f61aebed695e2e4193db5e","patch":"@@ -132,7 +132,7 @@ module Test @@ -1000,7 +1000,7 @@ module Test"}]"#;
        let files: Vec<PullFile> = serde_json::from_str(body).unwrap();
        assert_eq!(changed_files(&files).added, ["file1.txt"]);
    }

    #[test]
    fn link_without_next_ends_paging() {
        assert_eq!(next_link(""), None);
        assert_eq!(next_link("garbage"), None);
        assert_eq!(
            next_link(r#"<https://a/?page=1>; rel="first", <https://a/?page=2>; rel="prev""#),
            None
        );
    }
}
