//! Each status the edge core answers, one request at a time.

use chrono::Utc;
use hooklake_edge::{decide, signature, Decision, Request, WebhookSecrets, MAX_BODY_BYTES};
use hooklake_tests::{fixtures, github};

fn secrets() -> WebhookSecrets {
    WebhookSecrets::new([github::SECRET])
}

fn run(method: &str, headers: &[(String, String)], body: &[u8]) -> (u16, &'static str) {
    let d = decide(
        &Request::new(method, &headers.to_vec(), body),
        &secrets(),
        Utc::now(),
    );
    (d.status(), d.reason())
}

fn merged() -> String {
    fixtures::merged_delivery_28k()
}

fn without(headers: &[(String, String)], name: &str) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case(name))
        .cloned()
        .collect()
}

fn with(headers: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    let mut h = without(headers, name);
    h.push((name.to_owned(), value.to_owned()));
    h
}

#[test]
fn merged_pull_request_is_accepted_with_envelope() {
    let payload = merged();
    let (h, body) = github::json_delivery("pull_request", "d-1", &payload, github::SECRET);
    let d = decide(&Request::new("POST", &h, &body), &secrets(), Utc::now());
    let Decision::Accept(env) = &d else {
        panic!("{d:?}")
    };
    assert_eq!(env.delivery_id, "d-1");
    assert_eq!(env.event, "pull_request");
    assert_eq!(env.hook_id, Some(292430182));
    assert_eq!(env.inline_payload().unwrap().as_bytes(), body.as_slice());
    assert_eq!(d.status(), 202);
    assert!(d.response_body().contains(r#""delivery_id":"d-1""#));
}

#[test]
fn ping_is_answered() {
    let (h, body) = github::json_delivery(
        "ping",
        "d",
        &fixtures::load("ping", "payload.json"),
        github::SECRET,
    );
    assert_eq!(run("POST", &h, &body), (200, "ping"));
}

#[test]
fn wrong_method_is_405() {
    let (h, body) = github::json_delivery("pull_request", "d", &merged(), github::SECRET);
    assert_eq!(run("GET", &h, &body), (405, "method_not_allowed"));
}

#[test]
fn oversize_body_is_413_before_hashing() {
    let body = vec![b' '; MAX_BODY_BYTES + 1];
    let (h, _) = github::json_delivery("pull_request", "d", "{}", github::SECRET);
    assert_eq!(run("POST", &h, &body), (413, "payload_too_large"));
}

#[test]
fn signature_failures_are_401() {
    let payload = merged();
    let (h, body) = github::json_delivery("pull_request", "d", &payload, github::SECRET);
    assert_eq!(
        run("POST", &without(&h, "x-hub-signature-256"), &body),
        (401, "missing_signature")
    );
    let sha1_only = with(
        &without(&h, "x-hub-signature-256"),
        "X-Hub-Signature",
        "sha1=abc",
    );
    assert_eq!(
        run("POST", &sha1_only, &body),
        (401, "sha1_signature_not_accepted")
    );
    let forged = signature::sign(b"not the secret", &body);
    assert_eq!(
        run("POST", &with(&h, "X-Hub-Signature-256", &forged), &body),
        (401, "bad_signature")
    );
    assert_eq!(
        run("POST", &with(&h, "X-Hub-Signature-256", "md5=00"), &body),
        (401, "malformed_signature")
    );
}

#[test]
fn unauthenticated_requests_learn_nothing_about_the_body() {
    // An unsigned request with a bad content type and no GitHub headers is
    // still answered 401: the signature is checked before anything else.
    let h = vec![("Content-Type".to_owned(), "text/plain".to_owned())];
    assert_eq!(run("POST", &h, b"not json"), (401, "missing_signature"));
}

#[test]
fn content_type_must_be_one_github_sends() {
    let (h, body) = github::json_delivery("pull_request", "d", &merged(), github::SECRET);
    assert_eq!(
        run("POST", &with(&h, "Content-Type", "text/xml"), &body),
        (415, "unsupported_content_type")
    );
    assert_eq!(
        run("POST", &without(&h, "Content-Type"), &body),
        (415, "unsupported_content_type")
    );
}

#[test]
fn form_encoded_merge_is_accepted() {
    let payload = merged();
    let (h, body) = github::form_delivery("pull_request", "d", &payload, github::SECRET);
    let d = decide(&Request::new("POST", &h, &body), &secrets(), Utc::now());
    let Decision::Accept(env) = d else {
        panic!("{d:?}")
    };
    assert_eq!(env.inline_payload(), Some(payload.as_str()));
}

#[test]
fn form_without_payload_field_is_400() {
    let body = b"other=1".to_vec();
    let sig = signature::sign(github::SECRET.as_bytes(), &body);
    let h = github::headers(
        "pull_request",
        "d",
        "application/x-www-form-urlencoded",
        &sig,
    );
    assert_eq!(run("POST", &h, &body), (400, "missing_form_payload"));
}

#[test]
fn missing_or_malformed_github_headers_are_400() {
    let (h, body) = github::json_delivery("pull_request", "d", &merged(), github::SECRET);
    assert_eq!(
        run("POST", &without(&h, "X-GitHub-Event"), &body),
        (400, "bad_event_header")
    );
    assert_eq!(
        run("POST", &with(&h, "X-GitHub-Event", "Pull Request"), &body),
        (400, "bad_event_header")
    );
    assert_eq!(
        run("POST", &without(&h, "X-GitHub-Delivery"), &body),
        (400, "bad_delivery_header")
    );
    assert_eq!(
        run("POST", &with(&h, "X-GitHub-Delivery", "a/b"), &body),
        (400, "bad_delivery_header")
    );
    assert_eq!(
        run("POST", &with(&h, "X-GitHub-Hook-ID", "-1"), &body),
        (400, "bad_hook_id_header")
    );
}

#[test]
fn signed_but_not_json_is_400() {
    for event in ["pull_request", "ping", "push"] {
        let (h, body) = github::json_delivery(event, "d", "{not json", github::SECRET);
        assert_eq!(run("POST", &h, &body), (400, "invalid_json"), "{event}");
    }
    let body = b"\xff\xfe".to_vec();
    let sig = signature::sign(github::SECRET.as_bytes(), &body);
    let h = github::headers("pull_request", "d", "application/json", &sig);
    assert_eq!(run("POST", &h, &body), (400, "invalid_json"));
}

#[test]
fn json_of_the_wrong_shape_is_400() {
    let (h, body) = github::json_delivery("pull_request", "d", r#"{"action":1}"#, github::SECRET);
    assert_eq!(run("POST", &h, &body), (400, "malformed_payload"));
}

#[test]
fn other_events_are_ignored_with_2xx() {
    for (event, file) in [("push", "payload.json"), ("issues", "opened.payload.json")] {
        let (h, body) =
            github::json_delivery(event, "d", &fixtures::load(event, file), github::SECRET);
        assert_eq!(run("POST", &h, &body), (200, "event_not_pull_request"));
    }
}

#[test]
fn rotation_accepts_both_active_secrets_and_refuses_a_retired_one() {
    let payload = merged();
    let rotating = WebhookSecrets::new(["new-secret", github::SECRET]);
    for secret in ["new-secret", github::SECRET] {
        let (h, body) = github::json_delivery("pull_request", "d", &payload, secret);
        let d = decide(&Request::new("POST", &h, &body), &rotating, Utc::now());
        assert_eq!(d.status(), 202, "signed with {secret}");
    }
    let after = WebhookSecrets::new(["new-secret"]);
    let (h, body) = github::json_delivery("pull_request", "d", &payload, github::SECRET);
    let d = decide(&Request::new("POST", &h, &body), &after, Utc::now());
    assert_eq!((d.status(), d.reason()), (401, "bad_signature"));
}

#[test]
fn rejection_bodies_are_json_with_a_reason() {
    let h: Vec<(String, String)> = vec![];
    let d = decide(&Request::new("POST", &h, b""), &secrets(), Utc::now());
    let v: serde_json::Value = serde_json::from_str(&d.response_body()).unwrap();
    assert_eq!(v["outcome"], "rejected");
    assert_eq!(v["reason"], "missing_signature");
    assert!(v["message"]
        .as_str()
        .unwrap()
        .contains("X-Hub-Signature-256"));
}

/// The steps a shell with its own HMAC takes (the Worker's WebCrypto,
/// `hooklake-edge-webcrypto`): `signed`, its check of the digest, then
/// `Signed::decide`. With the core's check they are `decide`, case by case;
/// a digest that does not match is 401 whatever the body holds.
#[test]
fn the_steps_apart_decide_as_decide_does() {
    let payload = merged();
    let (h, body) = github::json_delivery("pull_request", "d-7", &payload, github::SECRET);
    type Case = (&'static str, Vec<(String, String)>, Vec<u8>);
    let cases: Vec<Case> = vec![
        ("POST", h.clone(), body.clone()),
        ("GET", h.clone(), body.clone()),
        ("POST", without(&h, "x-hub-signature-256"), body.clone()),
        (
            "POST",
            with(&h, "X-Hub-Signature-256", "sha256=00"),
            body.clone(),
        ),
        ("POST", h.clone(), b"{}".to_vec()),
        ("POST", h.clone(), vec![b' '; MAX_BODY_BYTES + 1]),
        ("POST", without(&h, "x-github-delivery"), body.clone()),
    ];
    let now = Utc::now();
    for (method, headers, body) in cases {
        let request = Request::new(method, &headers, &body);
        let apart = match hooklake_edge::signed(&request) {
            Ok(signed) => {
                let matched = signature::matches(&secrets(), signed.body(), signed.digest());
                signed.decide(matched, now)
            }
            Err(rejection) => Decision::Rejected(rejection),
        };
        assert_eq!(
            apart,
            decide(&request, &secrets(), now),
            "{method} {headers:?}"
        );
    }
    let request = Request::new("POST", &h, &body);
    let signed = hooklake_edge::signed(&request).expect("well-formed");
    assert_eq!(
        signed.decide(false, now).reason(),
        "bad_signature",
        "an unmatched digest is refused before the body is read"
    );
}
