"""Lambda benchmarks: hooklake's function (the release binary) against a
Python function with pyarrow doing the same extraction (py_handler.py, run by
awslambdaric, the runtime client of AWS's Python runtimes), on the same SQS
event, writing to moto's S3 and to a null S3. Both are driven through the
same local Lambda Runtime API, exactly as AWS drives them, and timed the same
way: from handing out the event to receiving the response. Also cold init
(process start → first call to the Runtime API) and the zip's size.

Usage: python bench/lambda/run.py LAMBDA_BINARY [--envelope 1]   (bench/lambda.sh builds it)"""

import http.server
import json
import os
import pathlib
import queue
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

import boto3

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FIXTURE = ROOT / "tests/fixtures/octokit-webhooks/pull_request/closed.payload.json"
SIX_MB = 6 * 1024 * 1024
RUNS = 5


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """Quiet: a function process killed between runs drops its
        connection; failures of the function itself surface in invoke()."""


class RuntimeApi:
    """The Lambda Runtime API (2018-06-01): next / response / error."""

    def __init__(self):
        self.events, self.results = queue.Queue(), queue.Queue()
        self.first_next = None
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                if api.first_next is None:
                    api.first_next = time.perf_counter()
                request_id, body = api.events.get()
                self.send_response(200)
                self.send_header("Lambda-Runtime-Aws-Request-Id", request_id)
                self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 900_000))
                self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:hooklake-ingest")
                self.send_header("Lambda-Runtime-Trace-Id", "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                payload = self.rfile.read(length)
                api.results.put((self.path, time.perf_counter(), payload))
                self.send_response(202)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.address = f"127.0.0.1:{self.server.server_address[1]}"

    def invoke(self, body):
        start = time.perf_counter()
        self.events.put((f"req-{start}", body))
        path, end, payload = self.results.get(timeout=120)
        if not path.endswith("/response"):
            raise RuntimeError(f"the function failed: {payload[:500]}")
        return end - start, json.loads(payload)


class NullS3:
    """An S3 endpoint that accepts every PutObject and keeps nothing: with it,
    the time measured is the handler's own, not moto's (a Python server that
    both handlers share and that dominates on moto)."""

    def __init__(self):
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_PUT(self):
                remaining = int(self.headers.get("Content-Length") or 0)
                while remaining:
                    remaining -= len(self.rfile.read(min(remaining, 1 << 20)))
                self.send_response(200)
                self.send_header("ETag", '"00000000000000000000000000000000"')
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


def lambda_env(api, moto, prefix, s3=None):
    return dict(os.environ, AWS_LAMBDA_RUNTIME_API=api.address, AWS_LAMBDA_FUNCTION_NAME="hooklake-ingest",
                AWS_LAMBDA_FUNCTION_MEMORY_SIZE="512", AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
                AWS_LAMBDA_LOG_GROUP_NAME="/aws/lambda/hooklake-ingest", AWS_LAMBDA_LOG_STREAM_NAME="bench",
                AWS_ENDPOINT_URL=moto, AWS_REGION="us-east-1", AWS_ACCESS_KEY_ID="testing",
                AWS_SECRET_ACCESS_KEY="testing", HOOKLAKE_LAKE=f"s3://bench/{prefix}", RUST_LOG="warn",
                **({"AWS_ENDPOINT_URL_S3": s3} if s3 else {}))


def peak_rss_kb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def record(i, body):
    return {"messageId": f"00000000-0000-4000-8000-{i:012d}", "receiptHandle": f"rh-{i}", "body": body,
            "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "md5OfBody": "",
            "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:hooklake-deliveries",
            "awsRegion": "us-east-1"}


# The envelope version to send (`--envelope 1`: the string form older edges
# wrote, for comparison).
ENVELOPE_VERSION = 2


def compact(value):
    """JSON as GitHub sends it: no whitespace."""
    return json.dumps(value, separators=(",", ":"))


def envelope(i, payload):
    """An envelope line as the edge writes it (schema/src/envelope.rs)."""
    head = {"v": ENVELOPE_VERSION, "delivery_id": f"bench-{i}", "event": "pull_request",
            "received_at": "2026-11-27T12:00:00Z"}
    if ENVELOPE_VERSION == 1:
        return compact({**head, "body": {"inline": payload}})
    return compact(head)[:-1] + ',"body":{"json":' + payload + "}}"


def merged(v, i):
    v["action"] = "closed"
    pr = v["pull_request"]
    pr.update(merged=True, merged_at=f"2026-11-{1 + i % 7:02d}T10:00:00Z", number=i,
              merged_by={"login": "octocat"}, merge_commit_sha="0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c")
    v["number"] = i
    return v


def six_mb_event():
    base = json.loads(FIXTURE.read_text())
    records, size, i = [], 20, 0
    while True:
        body = envelope(i, compact(merged(base, i)))
        rec = record(i, body)
        size += len(json.dumps(rec)) + 1
        if size > SIX_MB:
            return {"Records": records}
        records.append(rec)
        i += 1


def small_event(n=10_000):
    full = json.loads(FIXTURE.read_text())
    pr = full["pull_request"]
    keep = ["id", "number", "title", "html_url", "user", "labels", "base", "head", "additions", "deletions",
            "commits", "changed_files"]
    small = {"action": "closed", "number": 0,
             "pull_request": {k: pr[k] for k in keep},
             "repository": {k: full["repository"][k] for k in ["id", "name", "full_name"]},
             "sender": {"login": full["sender"]["login"]}}
    small["pull_request"]["user"] = {"login": pr["user"]["login"]}
    small["pull_request"]["base"] = {"ref": pr["base"]["ref"]}
    small["pull_request"]["head"] = {"ref": pr["head"]["ref"]}
    return {"Records": [record(i, envelope(i, compact(merged(json.loads(json.dumps(small)), i)))) for i in range(n)]}


def start_moto():
    """moto's server on a free loopback port, with the bucket `bench`:
    (process, endpoint URL, S3 client)."""
    moto_port = free_port()
    moto_proc = subprocess.Popen([str(pathlib.Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1",
                                  "-p", str(moto_port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    moto = f"http://127.0.0.1:{moto_port}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", moto_port), 0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    s3 = boto3.client("s3", endpoint_url=moto, region_name="us-east-1", aws_access_key_id="testing",
                      aws_secret_access_key="testing")
    s3.create_bucket(Bucket="bench")
    return moto_proc, moto, s3


def cold_inits(command, cwd, moto, starts):
    """Process start → first GET /next, in ms, sorted."""
    inits = []
    for _ in range(starts):
        api = RuntimeApi()
        start = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, env=lambda_env(api, moto, "init/"))
        while api.first_next is None:
            time.sleep(0.0005)
        inits.append((api.first_next - start) * 1000)
        proc.kill()
        proc.wait()
        api.server.shutdown()
    return sorted(inits)


def invocations(command, cwd, moto, prefix, s3_url, body, stdout=None):
    """One function process: a warm-up invocation, then RUNS timed ones.
    Returns their times (s) and the process's peak RSS (kB)."""
    api = RuntimeApi()
    proc = subprocess.Popen(command, cwd=cwd, env=lambda_env(api, moto, prefix, s3_url), stdout=stdout)
    try:
        times = []
        for run in range(RUNS + 1):
            elapsed, answer = api.invoke(body)
            assert answer["batchItemFailures"] == [], answer
            if run:
                times.append(elapsed)
        return times, peak_rss_kb(proc.pid)
    finally:
        proc.kill()
        proc.wait()
        api.server.shutdown()


def measure(command, cwd, moto, prefix, s3_url, body):
    """The median time (s) of RUNS invocations and the peak RSS (kB)."""
    times, rss = invocations(command, cwd, moto, prefix, s3_url, body)
    return statistics.median(times), rss


def main():
    global ENVELOPE_VERSION
    binary = pathlib.Path(sys.argv[1])
    if sys.argv[2:4] == ["--envelope", "1"]:
        ENVELOPE_VERSION = 1
    python = sys.executable
    python_function = [python, "-m", "awslambdaric", "py_handler.handler"]
    moto_proc, moto, _ = start_moto()
    work = pathlib.Path(tempfile.mkdtemp(prefix="hooklake-lambda-bench-"))
    try:
        # Zip size: the bootstrap as cargo-lambda packages it.
        zip_path = work / "bootstrap.zip"
        with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as z:
            z.write(binary, "bootstrap")
        print(f"binary {binary.stat().st_size / 1e6:.1f} MB, zip {zip_path.stat().st_size / 1e6:.1f} MB (target <= 10 MB)")

        # Cold init: process start → first GET /next.
        for name, command, cwd, target in (("hooklake (Rust)", [str(binary)], None, " (target <= 50 ms)"),
                                           ("Python+pyarrow", python_function, HERE, "")):
            inits = cold_inits(command, cwd, moto, 15 if cwd is None else 5)
            print(f"cold init, {name}: median {statistics.median(inits):.1f} ms, max {inits[-1]:.1f} ms "
                  f"over {len(inits)} starts{target}")

        null_s3 = NullS3()
        for name, event in (("6 MB batch", six_mb_event()), ("10,000 small", small_event())):
            body = json.dumps(event).encode()
            n = len(event["Records"])
            print(f"{name}: {n} envelopes, {len(body) / 1e6:.1f} MB event")
            for sink, s3_url in (("moto S3", moto), ("null S3", null_s3.url)):
                rust_t, rust_rss = measure([str(binary)], None, moto, f"rust/{n}/", s3_url, body)
                py_t, py_rss = measure(python_function, HERE, moto, f"python/{n}/", s3_url, body)
                print(f"  into {sink}: hooklake (Rust) {rust_t * 1000:5.0f} ms, peak RSS {rust_rss / 1024:4.0f} MB | "
                      f"Python+pyarrow {py_t * 1000:5.0f} ms, peak RSS {py_rss / 1024:4.0f} MB | "
                      f"{py_t / rust_t:.1f}x faster, {rust_rss / py_rss:.2f}x the memory")
        print("targets: >= 5x faster, <= 0.33x the memory")
    finally:
        moto_proc.terminate()
        moto_proc.wait()


if __name__ == "__main__":
    main()
