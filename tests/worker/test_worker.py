"""The Worker in workerd (`wrangler dev`) against moto's SQS and S3 on loopback."""
import json
import os
import pathlib
import subprocess
import uuid

import pytest

import procs
from conftest import (
    BUCKET,
    FakeMeta,
    PREVIOUS_SECRET,
    ROOT,
    drain,
    fixture,
    merged_payload,
    payload_bytes,
    post,
    start_worker,
    stop_worker,
    worker_settings,
)


@pytest.mark.parametrize("pretty", [False, True], ids=["compact", "pretty-printed"])
def test_merged_delivery_becomes_exactly_one_message_with_the_exact_body(worker, aws_resources, pretty):
    body = merged_payload(pretty=pretty)
    status, answer, delivery = post(worker, "pull_request", body)
    assert (status, answer["outcome"]) == (202, "accepted"), answer
    messages = drain(aws_resources, wait=1)
    assert len(messages) == 1
    envelope = json.loads(messages[0]["Body"])
    assert envelope["delivery_id"] == delivery
    assert envelope["event"] == "pull_request"
    # Compact payloads are embedded as JSON, pretty-printed ones as a string.
    assert ("json" if not pretty else "inline") in envelope["body"]
    assert payload_bytes(messages[0]["Body"]) == body, "payload must be byte-identical"
    attrs = messages[0]["MessageAttributes"]
    assert attrs["delivery_id"]["StringValue"] == delivery
    assert attrs["event"]["StringValue"] == "pull_request"


def test_form_encoded_merge_is_forwarded(worker, aws_resources):
    import urllib.parse

    payload = merged_payload()
    body = urllib.parse.urlencode({"payload": payload.decode()}).encode()
    status, _, _ = post(worker, "pull_request", body, content_type="application/x-www-form-urlencoded")
    assert status == 202
    (message,) = drain(aws_resources, wait=1)
    assert payload_bytes(message["Body"]) == payload


def test_forged_unsigned_and_sha1_only_are_401_and_send_nothing(worker, aws_resources):
    body = merged_payload()
    assert post(worker, "pull_request", body, secret="forged")[:2] == (401, {"outcome": "rejected", "reason": "bad_signature", "message": "signature does not match any active webhook secret"})
    assert post(worker, "pull_request", body, secret=None)[0] == 401
    status, answer, _ = post(worker, "pull_request", body, secret=None, headers={"X-Hub-Signature": "sha1=" + "0" * 40})
    assert (status, answer["reason"]) == (401, "sha1_signature_not_accepted")
    assert drain(aws_resources, wait=1) == []


def test_ignored_events_are_2xx_and_send_nothing(worker, aws_resources):
    assert post(worker, "pull_request", fixture("pull_request", "closed.payload.json"))[0] == 200
    assert post(worker, "pull_request", fixture("pull_request", "opened.payload.json"))[0] == 200
    assert post(worker, "push", fixture("push", "payload.json"))[0] == 200
    status, answer, _ = post(worker, "ping", fixture("ping", "payload.json"))
    assert (status, answer["outcome"]) == (200, "pong")
    assert drain(aws_resources, wait=1) == []


def test_sqs_errors_are_retried_then_succeed(worker, aws_resources, proxy):
    proxy.mode, proxy.failures_left = "fail", 2
    status, _, delivery = post(worker, "pull_request", merged_payload())
    assert status == 202
    assert proxy.requests == 3, "two 500s, then the message"
    (message,) = drain(aws_resources, wait=1)
    assert json.loads(message["Body"])["delivery_id"] == delivery


def test_sqs_down_is_503_and_nothing_is_acknowledged(worker, aws_resources, proxy):
    proxy.mode = "fail_always"
    status, answer, _ = post(worker, "pull_request", merged_payload())
    assert (status, answer["reason"]) == (503, "queue_unavailable")
    assert proxy.requests == 4, "retried up to the attempt budget"
    proxy.reset()
    assert drain(aws_resources, wait=1) == []


def test_sqs_hanging_is_503_within_githubs_timeout(worker, aws_resources, proxy):
    import time

    proxy.mode = "hang"
    started = time.time()
    status, _, _ = post(worker, "pull_request", merged_payload())
    elapsed = time.time() - started
    proxy.reset()
    assert status == 503
    assert elapsed < 10, f"answered after {elapsed:.1f}s; GitHub gives up at 10s"
    assert drain(aws_resources, wait=1) == []


def test_a_replayed_delivery_is_a_duplicate_and_sends_nothing(worker, aws_resources):
    body = merged_payload()
    delivery = {"X-GitHub-Delivery": str(uuid.uuid4())}
    status, answer, _ = post(worker, "pull_request", body, headers=delivery)
    assert status == 202, answer
    # The id is remembered after the answer (a KV write): give it a moment.
    import time

    time.sleep(1)
    status, answer, _ = post(worker, "pull_request", body, headers=delivery)
    assert (status, answer["outcome"], answer["reason"]) == (200, "duplicate", "already_accepted")
    messages = drain(aws_resources, wait=1)
    assert [m["MessageAttributes"]["delivery_id"]["StringValue"] for m in messages] == [delivery["X-GitHub-Delivery"]], \
        "one message, however often it was sent"


def test_a_delivery_refused_with_503_passes_when_github_redelivers_it(worker, aws_resources, proxy):
    body = merged_payload()
    delivery = {"X-GitHub-Delivery": str(uuid.uuid4())}
    proxy.mode = "fail_always"
    assert post(worker, "pull_request", body, headers=delivery)[0] == 503
    proxy.reset()
    status, answer, _ = post(worker, "pull_request", body, headers=delivery)
    assert (status, answer["outcome"]) == (202, "accepted")
    assert len(drain(aws_resources, wait=1)) == 1


def test_s3_and_sqs_both_hanging_is_503_before_9_seconds(worker, aws_resources, proxy):
    """A claim check and the message share one budget: not 4 × 1.5 s each."""
    import time

    proxy.mode = "hang"
    started = time.time()
    status, answer, _ = post(worker, "pull_request", merged_payload(extra_body="x" * 300_000))
    elapsed = time.time() - started
    proxy.reset()
    assert (status, answer["reason"]) == (503, "queue_unavailable")
    assert elapsed < 9, f"answered after {elapsed:.1f}s"
    assert drain(aws_resources, wait=1) == []


def test_oversize_body_goes_to_s3_and_the_message_points_to_it(worker, aws_resources):
    body = merged_payload(extra_body="x" * 300_000)
    status, _, delivery = post(worker, "pull_request", body)
    assert status == 202
    (message,) = drain(aws_resources, wait=1)
    envelope = json.loads(message["Body"])
    stored = envelope["body"]["stored"]
    assert stored["bucket"] == BUCKET
    assert stored["key"].startswith("claim-check/") and delivery in stored["key"]
    assert stored["size"] == len(body)
    obj = aws_resources["s3"].get_object(Bucket=BUCKET, Key=stored["key"])["Body"].read()
    assert obj == body


def test_rotation_accepts_both_active_secrets_and_refuses_a_retired_one(worker, aws_resources):
    body = merged_payload()
    assert post(worker, "pull_request", body)[0] == 202
    assert post(worker, "pull_request", body, secret=PREVIOUS_SECRET)[0] == 202
    assert post(worker, "pull_request", body, secret="retired-secret")[0] == 401
    assert len(drain(aws_resources, wait=1)) == 2


def test_hooklake_send_works_against_the_worker(worker, aws_resources, tmp_path):
    payload = tmp_path / "merged.json"
    payload.write_bytes(merged_payload())
    binary = os.environ.get("HOOKLAKE_BIN", str(ROOT / "target" / "debug" / "hooklake"))
    out = procs.run(
        [binary, "send", "--url", worker, str(payload)],
        env=dict(os.environ, HOOKLAKE_WEBHOOK_SECRET="worker-secret"),
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("202 ")
    assert len(drain(aws_resources, wait=1)) == 1


def test_a_missing_setting_is_500_not_a_silent_accept(aws_resources, proxy):
    # wrangler.toml has a default queue URL; an empty value is "not set".
    proc, url = start_worker(worker_settings(aws_resources, proxy, SQS_QUEUE_URL=""))
    try:
        status, answer, _ = post(url, "pull_request", merged_payload())
        assert (status, answer["reason"]) == (500, "misconfigured")
    finally:
        stop_worker(proc)


def test_rejections_are_counted_and_raise_rate_limited_alerts(aws_resources, proxy):
    sqs = aws_resources["sqs"]
    alerts_url = sqs.create_queue(QueueName="hooklake-edge-alerts")["QueueUrl"]
    proc, url = start_worker(worker_settings(aws_resources, proxy, SQS_ALERT_QUEUE_URL=alerts_url))
    try:
        body = merged_payload()
        for _ in range(3):
            assert post(url, "pull_request", body, secret="forged")[0] == 401
        assert post(url, "pull_request", body, secret=None)[0] == 401
        import time

        time.sleep(1)  # alerts are sent after the answer
        got = sqs.receive_message(QueueUrl=alerts_url, MaxNumberOfMessages=10, WaitTimeSeconds=2).get("Messages", [])
        alerts = sorted((json.loads(m["Body"]) for m in got), key=lambda a: a["reason"])
        # The readiness probe's GET was a rejection too (405): it alerts as well.
        assert [a["reason"] for a in alerts] == ["bad_signature", "method_not_allowed", "missing_signature"], "one per reason per window"
        assert alerts[0]["status"] == 401
        assert alerts[0]["sample"]["event"] == "pull_request"
        assert "payload" not in json.dumps(alerts[0]), "never the body"
        assert drain(aws_resources, wait=0) == [], "no delivery was queued"
    finally:
        stop_worker(proc)


def test_a_down_queue_is_503_and_sends_one_rate_limited_error_alert(aws_resources, proxy):
    sqs = aws_resources["sqs"]
    alerts_url = sqs.create_queue(QueueName="hooklake-edge-alerts-5xx")["QueueUrl"]
    gone = aws_resources["queue_url"].rsplit("/", 1)[0] + "/no-such-queue"
    proc, url = start_worker(worker_settings(aws_resources, proxy, SQS_QUEUE_URL=gone,
                                             SQS_ALERT_QUEUE_URL=alerts_url))
    try:
        for _ in range(2):
            status, answer, _ = post(url, "pull_request", merged_payload())
            assert (status, answer["reason"]) == (503, "queue_unavailable")
        import time

        time.sleep(1)  # alerts are sent after the answer
        got = sqs.receive_message(QueueUrl=alerts_url, MaxNumberOfMessages=10, WaitTimeSeconds=2,
                                  MessageAttributeNames=["All"]).get("Messages", [])
        errors = [m for m in got if m["MessageAttributes"]["kind"]["StringValue"] == "error"]
        assert len(errors) == 1, "one alert per reason per window, not one per 503"
        alert = json.loads(errors[0]["Body"])
        assert (alert["kind"], alert["reason"], alert["status"]) == ("hooklake.edge.error", "queue_unavailable", 503)
        assert alert["sample"]["event"] == "pull_request"
    finally:
        stop_worker(proc)


def test_ip_allowlist_refreshed_by_cron_never_blocks_a_signed_delivery(aws_resources, proxy):
    import urllib.request

    meta = FakeMeta(hooks=["192.0.2.0/24", "2001:db8::/32"])
    settings = worker_settings(aws_resources, proxy, GITHUB_IP_ALLOWLIST="on", GITHUB_META_URL=meta.url)
    proc, url = start_worker(settings, extra_args=["--test-scheduled"])
    try:
        outside = {"CF-Connecting-IP": "203.0.113.9"}
        # No list yet: nothing to check, the HMAC decides.
        assert post(url, "pull_request", merged_payload(), secret=None, headers=outside)[0] == 401

        urllib.request.urlopen(url + "__scheduled?cron=*/30+*+*+*+*", timeout=30).read()
        status, answer, _ = post(url, "pull_request", merged_payload(), secret=None, headers=outside)
        assert (status, answer["reason"]) == (403, "ip_not_allowed")
        # A correctly signed delivery from outside the ranges still goes through.
        assert post(url, "pull_request", merged_payload(), headers=outside)[0] == 202

        # A failed refresh keeps the last list.
        meta.fail = True
        urllib.request.urlopen(url + "__scheduled?cron=*/30+*+*+*+*", timeout=30).read()
        assert post(url, "pull_request", merged_payload(), secret=None, headers=outside)[0] == 403
        assert len(drain(aws_resources, wait=1)) == 1
    finally:
        stop_worker(proc)
        meta.server.shutdown()


def test_deploy_dry_run_produces_the_upload_bundle(tmp_path):
    env = dict(os.environ, HOOKLAKE_WORKER_PREBUILT="1", WRANGLER_SEND_METRICS="false", CI="true")
    out = procs.run(
        ["npx", "wrangler", "deploy", "--dry-run", "--outdir", str(tmp_path / "dist")],
        cwd=ROOT, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    files = {p.name for p in (tmp_path / "dist").rglob("*") if p.is_file()}
    assert any(f.endswith(".wasm") for f in files), files
    assert any(f.endswith(".js") or f.endswith(".mjs") for f in files), files


def test_no_worker_log_holds_a_secret():
    """Last in the file: every Worker this session ran (every test above),
    its whole log searched for the secrets it was given."""
    from conftest import AWS_SECRET_KEY, PREVIOUS_SECRET, SECRET, WORKER_LOGS

    assert len(WORKER_LOGS) >= 5
    text = "\n".join(p.read_text(errors="replace") for p in WORKER_LOGS)
    assert '"delivery_id"' in text, "the logs hold the Worker's request lines"
    for secret in (SECRET, PREVIOUS_SECRET, AWS_SECRET_KEY):
        assert secret not in text, "a secret is in a Worker log"
