//! Property tests of the edge core: tampering always fails closed, nothing
//! panics, and the two content types give the same row.

use chrono::{DateTime, Utc};
use hooklake_edge::{decide, signature, Decision, Request, WebhookSecrets};
use hooklake_schema::row::PullRequestRow;
use hooklake_tests::{fixtures, github};
use proptest::prelude::*;
use serde_json::json;

fn small_merge(title: &str, labels: &[String]) -> String {
    json!({
        "action": "closed",
        "number": 7,
        "pull_request": {
            "id": 1, "number": 7, "title": title, "body": null,
            "html_url": "https://github.com/o/r/pull/7",
            "user": {"login": "octocat"}, "merged": true,
            "merged_at": "2026-11-27T10:00:00Z", "merged_by": {"login": "hubot"},
            "merge_commit_sha": "abc", "base": {"ref": "main"}, "head": {"ref": "fix"},
            "additions": 1, "deletions": 2, "commits": 3, "changed_files": 4,
            "labels": labels.iter().map(|l| json!({"name": l})).collect::<Vec<_>>(),
        },
        "repository": {"id": 42, "full_name": "o/r"}
    })
    .to_string()
}

fn epoch() -> DateTime<Utc> {
    DateTime::UNIX_EPOCH
}

fn status(headers: &[(String, String)], body: &[u8], secrets: &WebhookSecrets) -> u16 {
    decide(
        &Request::new("POST", &headers.to_vec(), body),
        secrets,
        epoch(),
    )
    .status()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_changed_body_byte_is_401(index in any::<prop::sample::Index>(), flip in 1u8..=255) {
        let payload = small_merge("t", &[]);
        let (h, mut body) = github::json_delivery("pull_request", "d", &payload, github::SECRET);
        let i = index.index(body.len());
        body[i] ^= flip;
        prop_assert_eq!(status(&h, &body, &WebhookSecrets::new([github::SECRET])), 401);
    }

    #[test]
    fn any_changed_signature_character_is_401(index in 0usize..64, replacement in "[0-9a-fA-Fg-z]") {
        let payload = small_merge("t", &[]);
        let (mut h, body) = github::json_delivery("pull_request", "d", &payload, github::SECRET);
        let sig = h.iter_mut().find(|(k, _)| k == "X-Hub-Signature-256").unwrap();
        let mut chars: Vec<char> = sig.1.chars().collect();
        let pos = "sha256=".len() + index;
        prop_assume!(!chars[pos].eq_ignore_ascii_case(&replacement.chars().next().unwrap()));
        chars[pos] = replacement.chars().next().unwrap();
        sig.1 = chars.into_iter().collect();
        prop_assert_eq!(status(&h, &body, &WebhookSecrets::new([github::SECRET])), 401);
    }

    #[test]
    fn any_other_secret_is_401(secret in proptest::collection::vec(any::<u8>(), 1..80)) {
        prop_assume!(secret != github::SECRET.as_bytes());
        let payload = small_merge("t", &[]);
        let body = payload.as_bytes();
        let sig = signature::sign(&secret, body);
        let h = github::headers("pull_request", "d", "application/json", &sig);
        prop_assert_eq!(status(&h, body, &WebhookSecrets::new([github::SECRET])), 401);
    }

    #[test]
    fn arbitrary_requests_never_panic(
        method in "[A-Za-z]{0,8}",
        headers in proptest::collection::vec(
            (prop::sample::select(vec![
                "content-type", "x-github-event", "x-github-delivery", "x-github-hook-id",
                "x-hub-signature", "x-hub-signature-256", "user-agent", "x-other",
            ]), ".{0,80}"),
            0..8,
        ),
        body in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        let h: Vec<(String, String)> = headers.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        let d = decide(&Request::new(&method, &h, &body), &WebhookSecrets::new([github::SECRET]), epoch());
        prop_assert!(matches!(d, Decision::Rejected(_)), "unsigned request not rejected: {:?}", d);
    }

    /// Correctly signed garbage exercises every parser behind the signature.
    #[test]
    fn signed_arbitrary_bodies_never_panic(
        event in "(pull_request|ping|push|[a-z_]{1,12})",
        content_type in prop::sample::select(vec!["application/json", "application/x-www-form-urlencoded", "text/plain"]),
        body in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..512),
            "\\{\"action\":\"(closed|opened)\",\"pull_request\":\\{\"merged\":(true|false|null)(,\"merged_at\":\"[0-9T:Z-]{0,20}\")?\\}\\}".prop_map(String::into_bytes),
        ],
    ) {
        let sig = signature::sign(github::SECRET.as_bytes(), &body);
        let h = github::headers(&event, "d", content_type, &sig);
        let d = decide(&Request::new("POST", &h, &body), &WebhookSecrets::new([github::SECRET]), epoch());
        prop_assert!(d.status() < 500);
        if let Decision::Accept(env) = d {
            // Whatever the edge accepts, ingest can turn into a row.
            let payload = env.inline_payload().unwrap();
            prop_assert!(PullRequestRow::extract(&env.delivery_id, env.received_at, payload).is_ok());
        }
    }

    #[test]
    fn json_and_form_encoded_give_the_same_row(
        title in "\\PC{0,60}",
        labels in proptest::collection::vec("\\PC{1,20}", 0..4),
    ) {
        let payload = small_merge(&title, &labels);
        let secrets = WebhookSecrets::new([github::SECRET]);
        let row = |(h, body): (Vec<(String, String)>, Vec<u8>)| {
            match decide(&Request::new("POST", &h, &body), &secrets, epoch()) {
                Decision::Accept(env) => PullRequestRow::extract(&env.delivery_id, env.received_at, env.inline_payload().unwrap()).unwrap(),
                other => panic!("not accepted: {other:?}"),
            }
        };
        let from_json = row(github::json_delivery("pull_request", "d", &payload, github::SECRET));
        let from_form = row(github::form_delivery("pull_request", "d", &payload, github::SECRET));
        prop_assert_eq!(&from_json.title, &title);
        prop_assert_eq!(&from_json.labels, &labels);
        prop_assert_eq!(from_json, from_form);
    }
}

#[test]
fn json_and_form_give_the_same_row_for_a_real_payload() {
    let payload = fixtures::merged_delivery_28k();
    let secrets = WebhookSecrets::new([github::SECRET]);
    let mut rows = Vec::new();
    for (h, body) in [
        github::json_delivery("pull_request", "d", &payload, github::SECRET),
        github::form_delivery("pull_request", "d", &payload, github::SECRET),
    ] {
        let Decision::Accept(env) = decide(&Request::new("POST", &h, &body), &secrets, epoch())
        else {
            panic!("not accepted")
        };
        rows.push(
            PullRequestRow::extract(
                &env.delivery_id,
                env.received_at,
                env.inline_payload().unwrap(),
            )
            .unwrap(),
        );
    }
    assert_eq!(rows[0], rows[1]);
}
