"""What a Python program with pyarrow does to turn an envelope into
hooklake's row: the same extraction as schema/src/row.rs, the same columns.
Shared by the Lambda benchmark's function (py_handler.py) and the import
benchmark's script (bench/import_py.py)."""

import json
from datetime import datetime, timezone

import pyarrow as pa

CHANGED_FILES = pa.struct([
    ("added", pa.list_(pa.string())),
    ("removed", pa.list_(pa.string())),
    ("modified", pa.list_(pa.string())),
    ("renamed", pa.list_(pa.struct([("previous_filename", pa.string()), ("filename", pa.string())]))),
])
SCHEMA = pa.schema([
    ("delivery_id", pa.string()), ("received_at", pa.timestamp("us", tz="UTC")),
    ("repository", pa.string()), ("repository_id", pa.int64()), ("number", pa.int64()),
    ("pull_request_id", pa.int64()), ("title", pa.string()), ("author_login", pa.string()),
    ("merged_by_login", pa.string()), ("merged_at", pa.timestamp("us", tz="UTC")),
    ("base_ref", pa.string()), ("head_ref", pa.string()), ("merge_commit_sha", pa.string()),
    ("additions", pa.int64()), ("deletions", pa.int64()), ("commits", pa.int64()),
    ("changed_files_count", pa.int64()), ("labels", pa.list_(pa.string())), ("html_url", pa.string()),
    ("changed_files", CHANGED_FILES), ("changed_files_status", pa.string()), ("payload", pa.string()),
])


def ts(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def login(user):
    return user.get("login") if isinstance(user, dict) else None


def row(envelope):
    body = envelope["body"]
    if "json" in body:
        # Embedded JSON (envelope version 2): json.loads has parsed it with the
        # envelope; the payload column needs its text, which Python's json
        # cannot slice out, so it is written back (compact, as GitHub sends).
        event = body["json"]
        payload = json.dumps(event, separators=(",", ":"))
    else:
        payload = body["inline"]
        event = json.loads(payload)
    pr = event["pull_request"]
    if event.get("action") != "closed" or not pr.get("merged"):
        raise ValueError("not a merged pull request")
    repo = event["repository"]
    return {
        "delivery_id": envelope["delivery_id"], "received_at": ts(envelope["received_at"]),
        "repository": repo["full_name"], "repository_id": repo["id"], "number": pr["number"],
        "pull_request_id": pr["id"], "title": pr.get("title") or "", "author_login": login(pr.get("user")),
        "merged_by_login": login(pr.get("merged_by")), "merged_at": ts(pr["merged_at"]),
        "base_ref": pr["base"]["ref"], "head_ref": pr["head"]["ref"],
        "merge_commit_sha": pr.get("merge_commit_sha"), "additions": pr.get("additions"),
        "deletions": pr.get("deletions"), "commits": pr.get("commits"),
        "changed_files_count": pr.get("changed_files"),
        "labels": [label["name"] for label in pr.get("labels") or []], "html_url": pr["html_url"],
        "changed_files": None, "changed_files_status": "no_credentials", "payload": payload,
    }
