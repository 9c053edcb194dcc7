"""The whole AWS pipeline on loopback: GitHub-signed deliveries → the Worker
in workerd → moto's SQS → `hooklake ingest` (the poller, enriching from a
fake GitHub API) → moto's S3 → DuckDB runs the reference query and the
generated dedup view. Plus the dead-letter tools and a SIGTERM mid-stream."""

import json
import os
import pathlib
import signal
import subprocess
import time
import zlib

import duckdb
import pytest

import procs
from conftest import BIN_DIR, BUCKET, REGION, ROOT, aws, drain, fake_github, merged_payload, post, worker_log

HOOKLAKE = str(BIN_DIR / "hooklake")
GENERATED = ROOT / "schema" / "generated"
PREFIX = "github_webhooks_table/"


@pytest.fixture(scope="module")
def github():
    with fake_github({"octo/big": {"files": 250}}) as url:
        yield url


def aws_env(moto, **extra):
    return dict(os.environ, AWS_ENDPOINT_URL=moto, AWS_REGION=REGION, AWS_ACCESS_KEY_ID="testing",
                AWS_SECRET_ACCESS_KEY="testing", AWS_EC2_METADATA_DISABLED="true", RUST_LOG="warn", **extra)


def hooklake(*args, env, timeout=120):
    return procs.run([HOOKLAKE, *args], env=env, capture_output=True, text=True, timeout=timeout)


def payload_for(repository, number, **kwargs):
    v = json.loads(merged_payload(**kwargs))
    v["repository"]["full_name"] = repository
    v["repository"]["id"] = zlib.crc32(repository.encode())
    v["number"] = v["pull_request"]["number"] = number
    return json.dumps(v).encode()


def envelope(delivery_id, payload):
    # Version 1, as older edges wrote it: still read.
    return json.dumps({"v": 1, "delivery_id": delivery_id, "event": "pull_request",
                       "received_at": "2026-11-27T12:00:00Z", "body": {"inline": payload}})


def download_lake(s3, into, prefix=PREFIX):
    keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
            for o in page.get("Contents", [])]
    for key in keys:
        path = into / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    return keys


def lake_session(root):
    con = duckdb.connect()
    con.execute("CREATE SCHEMA github_webhooks_db")
    for name in ("main", "github_webhooks_db"):
        con.execute(f"CREATE VIEW {name}.github_webhooks_table AS SELECT * FROM read_parquet("
                    f"'{root}/{PREFIX}**/*.parquet', hive_partitioning = true)")
    # The view exactly as schema/ generates it for Athena.
    con.execute((GENERATED / "merged_pull_requests_view.sql").read_text())
    return con


def test_worker_to_sqs_to_poller_to_s3_to_duckdb(worker, aws_resources, moto, github, tmp_path):
    s3 = aws_resources["s3"]
    for key in download_lake(s3, tmp_path / "before"):
        s3.delete_object(Bucket=BUCKET, Key=key)

    first = payload_for("octo/a", 1)
    assert post(worker, "pull_request", first)[0] == 202
    assert post(worker, "pull_request", first)[0] == 202  # GitHub delivers it again
    assert post(worker, "pull_request", payload_for("octo/big", 2))[0] == 202
    assert post(worker, "pull_request", payload_for("octo/c", 3, extra_body="x" * 300_000))[0] == 202  # claim check
    assert post(worker, "pull_request", first, secret="forged")[0] == 401

    out = hooklake("ingest", "--queue-url", aws_resources["queue_url"], "--lake", f"s3://{BUCKET}/{PREFIX}",
                   "--exit-when-empty", "--batch-window", "2s",
                   env=aws_env(moto, HOOKLAKE_GITHUB_TOKEN="ghp_test", HOOKLAKE_GITHUB_API_URL=github))
    assert out.returncode == 0, out.stderr
    assert "ingested 4 row(s)" in out.stderr, out.stderr
    assert drain(aws_resources) == [], "every message was deleted once written"

    keys = download_lake(s3, tmp_path)
    assert keys and all(k.endswith(".parquet") and "/merged_date=" in k for k in keys)
    con = lake_session(tmp_path)
    reference = (GENERATED / "reference_query.sql").read_text()
    rows = con.execute(reference).fetchall()
    assert len(rows) == 4
    assert {r[0] for r in rows} == {"octo/a", "octo/big", "octo/c"}
    big = [r for r in rows if r[0] == "octo/big"][0]
    assert len(big[1]) + len(big[2]) + len(big[3]) > 150  # 250 files over 3 pages, renames aside
    dedup = con.execute(reference.replace("FROM github_webhooks_table",
                                          "FROM github_webhooks_db.merged_pull_requests")).fetchall()
    assert len(dedup) == 3, "one row per merged pull request"
    statuses = con.execute("SELECT DISTINCT changed_files_status FROM github_webhooks_table").fetchall()
    assert statuses == [("complete",)]


def wait_for_line(path, *needles, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        lines = [l for l in path.read_text(errors="replace").splitlines() if all(n in l for n in needles)]
        if lines:
            return lines
        time.sleep(0.2)
    raise AssertionError(f"no line with {needles} in {path}")


def test_one_delivery_is_traced_by_its_id_from_the_edge_to_its_object(worker, aws_resources, moto, github):
    """grep DELIVERY_ID at each hop: the Worker's log line, the queue
    message's attribute, the poller's log naming the object, the object's
    row, and `hooklake status --delivery` on the S3 lake."""
    prefix = "trace/"
    status, _, delivery = post(worker, "pull_request", payload_for("octo/trace", 7))
    assert status == 202

    # Edge: one structured line for the request, with the shared metric's names.
    (edge,) = [json.loads(l[l.index("{"):l.rindex("}") + 1])
               for l in wait_for_line(worker_log(worker), delivery)]
    assert edge["metric"] == "deliveries"
    assert (edge["outcome"], edge["reason"], edge["status"]) == ("accepted", "merged_pull_request", 202)
    assert edge["bytes"] > 0 and edge["elapsed_ms"] >= 0

    # Queue: the message carries the id as an attribute (peeked, left visible).
    sqs = aws_resources["sqs"]
    got = sqs.receive_message(QueueUrl=aws_resources["queue_url"], MessageAttributeNames=["All"],
                              VisibilityTimeout=0, WaitTimeSeconds=2)["Messages"]
    assert [m["MessageAttributes"]["delivery_id"]["StringValue"] for m in got] == [delivery]

    # Ingest: the poller's log names the object the delivery landed in.
    env = aws_env(moto, HOOKLAKE_GITHUB_TOKEN="ghp_test", HOOKLAKE_GITHUB_API_URL=github)
    env["RUST_LOG"] = "info"
    out = hooklake("--log-format", "json", "ingest", "--queue-url", aws_resources["queue_url"],
                   "--lake", f"s3://{BUCKET}/{prefix}", "--exit-when-empty", "--batch-window", "1s", env=env)
    assert out.returncode == 0, out.stderr
    logs = [json.loads(l) for l in out.stderr.splitlines() if l.startswith("{")]
    (written,) = [l["fields"] for l in logs if delivery in l["fields"].get("deliveries", "")]
    assert written["message"] == "file written"
    key = written["file"]
    assert key.startswith(prefix + "merged_date=") and key.endswith(".parquet"), written
    emf = [json.loads(l) for l in out.stdout.splitlines() if l.startswith("{")]
    assert emf and emf[0]["rows_written"] == 1.0, out.stdout

    # S3: that object holds the delivery's row.
    body = aws_resources["s3"].get_object(Bucket=BUCKET, Key=key)["Body"].read()
    import io

    import pyarrow.parquet as pq
    assert pq.read_table(io.BytesIO(body), columns=["delivery_id"]).column(0).to_pylist() == [delivery]

    # And `hooklake status --delivery` finds it there.
    found = hooklake("status", "--lake", f"s3://{BUCKET}/{prefix}", "--delivery", delivery, "--format", "json",
                     env=aws_env(moto))
    assert found.returncode == 0, found.stderr
    answer = json.loads(found.stdout)
    assert [r["key"] for r in answer["rows"]] == [key.removeprefix(prefix)], answer
    assert answer["rows"][0]["changed_files_status"] == "complete"
    missing = hooklake("status", "--lake", f"s3://{BUCKET}/{prefix}", "--delivery", "no-such-delivery",
                       env=aws_env(moto))
    assert missing.returncode == 1 and "not found" in missing.stdout


def test_dlq_dump_then_import_and_redrive(moto, tmp_path):
    sqs = aws("sqs", moto)
    main = sqs.create_queue(QueueName="pipeline-main")["QueueUrl"]
    dead = [sqs.create_queue(QueueName=f"pipeline-dlq-{i}")["QueueUrl"] for i in (1, 2)]
    for url in dead:
        for i in range(3):
            sqs.send_message(QueueUrl=url, MessageBody=envelope(f"dl-{i}", payload_for("octo/dead", i).decode()))
    env = aws_env(moto)

    dump = tmp_path / "dead.jsonl"
    out = hooklake("dlq", "dump", "--dlq-url", dead[0], "--delete", str(dump), env=env)
    assert out.returncode == 0, out.stderr
    assert len(dump.read_text().splitlines()) == 3
    out = hooklake("import", "--lake", str(tmp_path / "lake"), str(dump), env=env)
    assert out.returncode == 0, out.stderr
    assert "imported 3 row(s)" in out.stderr

    out = hooklake("dlq", "redrive", "--dlq-url", dead[1], "--queue-url", main, env=env)
    assert out.returncode == 0, out.stderr
    assert "moved 3 message(s)" in out.stderr
    moved = drain({"sqs": sqs, "queue_url": main}, wait=1)
    assert sorted(json.loads(m["Body"])["delivery_id"] for m in moved) == ["dl-0", "dl-1", "dl-2"]


def test_sigterm_finishes_the_batch_in_hand_and_loses_nothing(moto, github, tmp_path):
    sqs, s3 = aws("sqs", moto), aws("s3", moto)
    url = sqs.create_queue(QueueName="pipeline-sigterm", Attributes={"VisibilityTimeout": "2"})["QueueUrl"]
    sent = {f"st-{i}" for i in range(60)}
    for i, delivery in enumerate(sorted(sent)):
        sqs.send_message(QueueUrl=url, MessageBody=envelope(delivery, payload_for("octo/sig", i).decode()))
    prefix = "sigterm/"
    proc = procs.spawn([HOOKLAKE, "ingest", "--queue-url", url, "--lake", f"s3://{BUCKET}/{prefix}",
                        "--batch-size", "20", "--batch-window", "1s"],
                       env=aws_env(moto, HOOKLAKE_GITHUB_TOKEN="t", HOOKLAKE_GITHUB_API_URL=github),
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.5)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    finally:
        procs.stop(proc)

    download_lake(s3, tmp_path, prefix)
    files = list(tmp_path.glob(f"{prefix}**/*.parquet"))
    in_lake = {r[0] for r in duckdb.sql(
        f"SELECT delivery_id FROM read_parquet({[str(f) for f in files]})").fetchall()} if files else set()
    time.sleep(2.5)  # anything received but not finished becomes visible again
    left = {json.loads(m["Body"])["delivery_id"] for m in drain({"sqs": sqs, "queue_url": url})}
    assert in_lake | left == sent, "every message is in the lake or still queued"


def test_poller_keeps_polling_through_an_aws_outage(github, tmp_path):
    """moto stopped (SIGSTOP: connections hang unanswered) for 10 s, then
    resumed: the poller logs, backs off and goes on; every message ends in
    the lake or the queue."""
    from conftest import free_port, wait_for

    port = free_port()
    python_bin = pathlib.Path(os.environ.get("HOOKLAKE_PYTHON", "python3")).parent
    server = procs.spawn([str(python_bin / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    poller = None
    try:
        moto_url = f"http://127.0.0.1:{port}"
        wait_for(moto_url + "/moto-api/", process=server)
        sqs, s3 = aws("sqs", moto_url), aws("s3", moto_url)
        s3.create_bucket(Bucket=BUCKET)
        url = sqs.create_queue(QueueName="outage", Attributes={"VisibilityTimeout": "5"})["QueueUrl"]
        sent = set()

        def send(first, count):
            for i in range(first, first + count):
                sent.add(f"out-{i}")
                sqs.send_message(QueueUrl=url, MessageBody=envelope(f"out-{i}", payload_for("octo/out", i).decode()))

        def in_lake():
            download_lake(s3, tmp_path, "outage/")
            files = [str(f) for f in tmp_path.glob("outage/**/*.parquet")]
            if not files:
                return set()
            return {r[0] for r in duckdb.sql(f"SELECT delivery_id FROM read_parquet({files})").fetchall()}

        send(0, 20)
        poller = procs.spawn(
            [HOOKLAKE, "ingest", "--queue-url", url, "--lake", f"s3://{BUCKET}/outage/",
             "--batch-size", "10", "--batch-window", "1s"],
            env=aws_env(moto_url, HOOKLAKE_GITHUB_TOKEN="t", HOOKLAKE_GITHUB_API_URL=github,
                        HOOKLAKE_AWS_ATTEMPT_TIMEOUT="2s", HOOKLAKE_AWS_OPERATION_TIMEOUT="5s"),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        while len(in_lake()) < 20:
            assert time.time() < deadline, "the first messages never reached the lake"
            time.sleep(0.5)

        os.killpg(server.pid, signal.SIGSTOP)
        time.sleep(10)
        os.killpg(server.pid, signal.SIGCONT)
        assert poller.poll() is None, "the poller exited during the outage: " + poller.stderr.read()

        send(20, 20)
        deadline = time.time() + 90
        while in_lake() != sent:
            assert poller.poll() is None, "the poller exited: " + poller.stderr.read()
            assert time.time() < deadline, f"missing after the outage: {sorted(sent - in_lake())}"
            time.sleep(1)

        poller.send_signal(signal.SIGTERM)
        _, err = poller.communicate(timeout=60)
        assert poller.returncode == 0, err
        assert "cannot receive; retrying" in err, err
        assert drain({"sqs": sqs, "queue_url": url}) == []
    finally:
        if poller is not None:
            procs.stop(poller)
        procs.stop(server)
