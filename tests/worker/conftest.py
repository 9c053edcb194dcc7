"""Fixtures for the Worker's end-to-end tests.

Everything is real and on loopback: moto's server speaks SQS and S3 over the
AWS wire protocol, a small proxy in front of it injects faults (HTTP 500, a
hang), and the built Worker runs in workerd through `wrangler dev`.
"""
import contextlib
import hashlib
import hmac
import http.server
import json
import os
import pathlib
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import boto3
import pytest

import procs
from procs import free_port, wait_for  # noqa: F401 - tests import them from here too

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "octokit-webhooks"
SECRET = "worker-secret"
PREVIOUS_SECRET = "worker-previous-secret"
BUCKET = "hooklake-lake"
REGION = "us-east-1"


@contextlib.contextmanager
def serving(args, ready_path):
    """Runs `args` + a free port as its own process group until the block
    ends; yields its URL once `ready_path` answers."""
    port = free_port()
    proc = procs.spawn([*args(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url + ready_path, process=proc)
        yield url
    finally:
        procs.stop(proc)


@pytest.fixture(scope="session")
def moto():
    python_bin = pathlib.Path(os.environ.get("HOOKLAKE_PYTHON", "python3")).parent
    with serving(lambda port: [str(python_bin / "moto_server"), "-H", "127.0.0.1", "-p", str(port)], "/moto-api/") as url:
        yield url


# The hooklake binaries under test (and the fake GitHub built beside them).
BIN_DIR = pathlib.Path(os.environ.get("HOOKLAKE_BIN", str(ROOT / "target" / "debug" / "hooklake"))).parent


def fake_github(scenarios=None):
    """The fake GitHub API (tests/src/fake_github.rs) on a free port; a
    context manager yielding its URL."""
    return serving(lambda port: [str(BIN_DIR / "fake-github"), str(port), json.dumps(scenarios or {})], "/_fake/requests")


def aws(service, endpoint):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


class FaultProxy:
    """Forwards to `upstream` (moto; or the Worker version serving now, in
    test_rotation), or answers 500, or hangs, as a test asks."""

    def __init__(self, upstream):
        self.upstream = upstream
        self.mode = "pass"
        self.failures_left = 0
        self.requests = 0
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _handle(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                proxy.requests += 1
                mode = proxy.mode
                if mode == "fail" and proxy.failures_left == 0:
                    mode = "pass"
                if mode in ("fail", "fail_always"):
                    proxy.failures_left = max(0, proxy.failures_left - 1)
                    payload = b'{"__type":"InternalError","message":"injected"}'
                    self.send_response(500)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                if mode == "hang":
                    # Far longer than the Worker waits for one answer (1.5 s),
                    # short enough not to pile up connections across tests.
                    time.sleep(5)
                    return
                req = urllib.request.Request(proxy.upstream + self.path, data=body if body else None, method=self.command)
                for k, v in self.headers.items():
                    if k.lower() not in ("host", "content-length", "connection"):
                        req.add_header(k, v)
                try:
                    with urllib.request.urlopen(req, timeout=10) as resp:
                        status, data, headers = resp.status, resp.read(), resp.headers
                except urllib.error.HTTPError as e:
                    status, data, headers = e.code, e.read(), e.headers
                self.send_response(status)
                for k, v in headers.items():
                    if k.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = do_PUT = do_GET = _handle

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self):
        self.mode, self.failures_left, self.requests = "pass", 0, 0


@pytest.fixture(scope="session")
def proxy(moto):
    p = FaultProxy(moto)
    yield p
    p.server.shutdown()


@pytest.fixture(scope="session")
def aws_resources(moto):
    sqs = aws("sqs", moto)
    queue_url = sqs.create_queue(QueueName="hooklake-deliveries")["QueueUrl"]
    aws("s3", moto).create_bucket(Bucket=BUCKET)
    return {"queue_url": queue_url, "sqs": sqs, "s3": aws("s3", moto)}


def start_worker(settings, extra_args=()):
    import tempfile

    port = free_port()
    state = tempfile.mkdtemp(prefix="wrangler-state-")  # fresh KV per Worker
    # --log-level log: the Worker's one line per request reaches the log file
    # (target/wrangler-PORT.log, see worker_log) that the tracing test reads.
    args = ["npx", "wrangler", "dev", "--ip", "127.0.0.1", "--port", str(port), "--log-level", "log",
            "--persist-to", state, *extra_args]
    for key, value in settings.items():
        args += ["--var", f"{key}:{value}"]
    env = dict(os.environ, HOOKLAKE_WORKER_PREBUILT="1", WRANGLER_SEND_METRICS="false", CI="true")
    log = open(ROOT / "target" / f"wrangler-{port}.log", "w")
    WORKER_LOGS.append(pathlib.Path(log.name))
    proc = procs.spawn(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for(url, process=proc)
    except BaseException:
        procs.stop(proc)
        raise
    return proc, url


def worker_log(url):
    """The log file of the Worker serving `url` (what start_worker writes)."""
    port = urllib.parse.urlparse(url).port
    return ROOT / "target" / f"wrangler-{port}.log"


def stop_worker(proc):
    """Stops wrangler and everything it started (node, workerd, esbuild)."""
    procs.stop(proc, grace=15)


AWS_SECRET_KEY = "worker-test-aws-secret-key-b41f0c"


# The log file of every Worker this session started (see start_worker).
WORKER_LOGS = []


def worker_settings(aws_resources, proxy, **overrides):
    settings = {
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_SECRET_PREVIOUS": PREVIOUS_SECRET,
        "SQS_QUEUE_URL": aws_resources["queue_url"],
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        # Distinctive, so a log scan can look for it (moto accepts any key).
        "AWS_SECRET_ACCESS_KEY": AWS_SECRET_KEY,
        "CLAIM_CHECK_BUCKET": BUCKET,
        "AWS_ENDPOINT_URL": proxy.url,
        "GITHUB_IP_ALLOWLIST": "off",
    }
    settings.update(overrides)
    return settings


@pytest.fixture(scope="session")
def worker(aws_resources, proxy):
    proc, url = start_worker(worker_settings(aws_resources, proxy))
    try:
        yield url
    finally:
        stop_worker(proc)


@pytest.fixture(autouse=True)
def clean(request):
    """Each test starts with an empty queue and a healthy proxy."""
    if "worker" in request.fixturenames:
        proxy = request.getfixturevalue("proxy")
        proxy.reset()
        drain(request.getfixturevalue("aws_resources"))
    yield


def drain(resources, wait=0):
    sqs, url = resources["sqs"], resources["queue_url"]
    messages = []
    while True:
        got = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait, MessageAttributeNames=["All"]
        ).get("Messages", [])
        if not got:
            return messages
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        messages += got
        wait = 0


def sign(secret, body):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class FakeMeta:
    """GitHub's meta API on loopback: `hooks` ranges, or a failure."""

    def __init__(self, hooks):
        self.hooks = hooks
        self.fail = False
        meta = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                if meta.fail:
                    self.send_response(500)
                    self.end_headers()
                    return
                data = json.dumps({"verifiable_password_authentication": False, "hooks": meta.hooks, "web": ["0.0.0.0/0"]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/meta"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def post(url, event, body, secret=SECRET, headers=None, content_type="application/json"):
    h = {
        "Content-Type": content_type,
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": str(uuid.uuid4()),
        "User-Agent": "GitHub-Hookshot/test",
    }
    if secret is not None:
        h["X-Hub-Signature-256"] = sign(secret, body)
    h.update(headers or {})
    h = {k: v for k, v in h.items() if v is not None}
    req = urllib.request.Request(url, data=body, headers=h, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    try:
        answer = json.loads(raw)
    except ValueError:
        raise AssertionError(f"HTTP {status} with a body that is not the Worker's JSON: {raw[:300]!r}")
    return status, answer, h["X-GitHub-Delivery"]


def fixture(event, name):
    return (FIXTURES / event / name).read_bytes()


def merged_payload(extra_body=None, pretty=False):
    """A merged pull_request payload, compact as GitHub sends it (or
    pretty-printed, as the octokit fixtures are)."""
    v = json.loads(fixture("pull_request", "closed.payload.json"))
    v["pull_request"].update(
        merged=True,
        merged_at=v["pull_request"]["updated_at"],
        merged_by=v["sender"],
        merge_commit_sha="0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
    )
    if extra_body is not None:
        v["pull_request"]["body"] = extra_body
    return (json.dumps(v, indent=2) if pretty else json.dumps(v, separators=(",", ":"))).encode()


def payload_bytes(message_body):
    """The payload an envelope carries, as bytes, from either wire form:
    embedded JSON (`"body":{"json":...}`, the envelope's last member, so its
    text runs to the envelope's last two braces) or a JSON string
    (`"body":{"inline":"..."}`)."""
    body = json.loads(message_body)["body"]
    if "inline" in body:
        return body["inline"].encode()
    marker = '"body":{"json":'
    assert marker in message_body and message_body.endswith("}}"), message_body[:200]
    return message_body[message_body.index(marker) + len(marker):-2].encode()
