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

from conftest import BUCKET, REGION, ROOT, aws, drain, merged_payload, post

BIN_DIR = pathlib.Path(os.environ.get("HOOKLAKE_BIN", str(ROOT / "target" / "debug" / "hooklake"))).parent
HOOKLAKE = str(BIN_DIR / "hooklake")
GENERATED = ROOT / "schema" / "generated"
PREFIX = "github_webhooks_table/"


@pytest.fixture(scope="module")
def github():
    from conftest import free_port, wait_for

    port = free_port()
    scenarios = {"octo/big": {"files": 250}}
    proc = subprocess.Popen([str(BIN_DIR / "fake-github"), str(port), json.dumps(scenarios)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    wait_for(url + "/_fake/requests", process=proc)
    yield url
    proc.terminate()
    proc.wait(10)


def aws_env(moto, **extra):
    return dict(os.environ, AWS_ENDPOINT_URL=moto, AWS_REGION=REGION, AWS_ACCESS_KEY_ID="testing",
                AWS_SECRET_ACCESS_KEY="testing", AWS_EC2_METADATA_DISABLED="true", RUST_LOG="warn", **extra)


def hooklake(*args, env, timeout=120):
    return subprocess.run([HOOKLAKE, *args], env=env, capture_output=True, text=True, timeout=timeout)


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
    proc = subprocess.Popen([HOOKLAKE, "ingest", "--queue-url", url, "--lake", f"s3://{BUCKET}/{prefix}",
                             "--batch-size", "20", "--batch-window", "1s"],
                            env=aws_env(moto, HOOKLAKE_GITHUB_TOKEN="t", HOOKLAKE_GITHUB_API_URL=github),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err

    download_lake(s3, tmp_path, prefix)
    files = list(tmp_path.glob(f"{prefix}**/*.parquet"))
    in_lake = {r[0] for r in duckdb.sql(
        f"SELECT delivery_id FROM read_parquet({[str(f) for f in files]})").fetchall()} if files else set()
    time.sleep(2.5)  # anything received but not finished becomes visible again
    left = {json.loads(m["Body"])["delivery_id"] for m in drain({"sqs": sqs, "queue_url": url})}
    assert in_lake | left == sent, "every message is in the lake or still queued"
