#!/usr/bin/env bash
# Requests per second through `wrangler dev` (workerd) for a stream of signed
# 28 KB merged deliveries, each forwarded to SQS (moto on loopback).
# Usage: bench/edge/wrangler-load.sh [SECONDS] [CONCURRENCY]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
SECONDS_TO_RUN="${1:-15}"
CONCURRENCY="${2:-16}"
PY="$(bash scripts/setup-python.sh)"
bash scripts/build-worker.sh
cargo build --release --locked -q -p hooklake-bench
port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
MOTO_PORT=$(port); WORKER_PORT=$(port)
"$(dirname "$PY")/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" >/dev/null 2>&1 &
MOTO=$!
trap 'kill $MOTO $WRANGLER 2>/dev/null || true' EXIT
until curl -fs "http://127.0.0.1:$MOTO_PORT/moto-api/" >/dev/null; do sleep 0.2; done
QUEUE_URL=$("$PY" -c "
import boto3
sqs = boto3.client('sqs', endpoint_url='http://127.0.0.1:$MOTO_PORT', region_name='us-east-1', aws_access_key_id='x', aws_secret_access_key='x')
print(sqs.create_queue(QueueName='bench')['QueueUrl'])")
HOOKLAKE_WORKER_PREBUILT=1 npx wrangler dev --ip 127.0.0.1 --port "$WORKER_PORT" --log-level error \
  --var WEBHOOK_SECRET:bench-secret --var "SQS_QUEUE_URL:$QUEUE_URL" --var AWS_REGION:us-east-1 \
  --var AWS_ACCESS_KEY_ID:x --var AWS_SECRET_ACCESS_KEY:x --var "AWS_ENDPOINT_URL:http://127.0.0.1:$MOTO_PORT" \
  >/dev/null 2>&1 &
WRANGLER=$!
until curl -s -o /dev/null "http://127.0.0.1:$WORKER_PORT/"; do sleep 0.3; done
RESULT=$(HOOKLAKE_WEBHOOK_SECRET=bench-secret target/release/serve_load --url "http://127.0.0.1:$WORKER_PORT/" --seconds "$SECONDS_TO_RUN" --concurrency "$CONCURRENCY")
MESSAGES=$("$PY" -c "
import boto3
sqs = boto3.client('sqs', endpoint_url='http://127.0.0.1:$MOTO_PORT', region_name='us-east-1', aws_access_key_id='x', aws_secret_access_key='x')
print(sqs.get_queue_attributes(QueueUrl='$QUEUE_URL', AttributeNames=['ApproximateNumberOfMessages'])['Attributes']['ApproximateNumberOfMessages'])")
echo "wrangler dev: $RESULT"
echo "messages in SQS: $MESSAGES"
