"""The comparison function: what a Python Lambda with pyarrow does for the
same batch. Same extraction as hooklake's row (schema/src/row.rs), same
columns, zstd Parquet, one object per merged_date partition, put with boto3.

It runs under awslambdaric, the runtime interface client of AWS's Python
runtimes (`python -m awslambdaric py_handler.handler`), driven by the same
local Runtime API as the Rust function: both are timed from the event's
delivery to the response, event transfer and decoding included. Settings
come from the environment as in a deployed function: HOOKLAKE_LAKE
(s3://bucket/prefix) and the standard AWS variables (AWS_ENDPOINT_URL_S3)."""

import hashlib
import io
import json
import os

import boto3
import pyarrow as pa
import pyarrow.parquet as pq

from py_rows import SCHEMA, row


BUCKET, _, PREFIX = os.environ["HOOKLAKE_LAKE"].removeprefix("s3://").partition("/")
S3 = boto3.client("s3")  # created at init, as Lambda functions do


def handler(event, context):
    partitions, failures = {}, []
    for record in event["Records"]:
        try:
            r = row(json.loads(record["body"]))
        except Exception:  # noqa: BLE001 - a poison message fails alone
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        partitions.setdefault(r["merged_at"].strftime("%Y-%m-%d"), []).append((record["messageId"], r))
    for day, items in partitions.items():
        ids = sorted(i for i, _ in items)
        table = pa.Table.from_pylist([r for _, r in items], schema=SCHEMA)
        buf = io.BytesIO()
        pq.write_table(table, buf, compression="zstd")
        key = f"{PREFIX}merged_date={day}/part-{hashlib.sha256(chr(10).join(ids).encode()).hexdigest()[:32]}.parquet"
        S3.put_object(Bucket=BUCKET, Key=key, Body=buf.getvalue())
    return {"batchItemFailures": failures}
