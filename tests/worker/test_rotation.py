"""Rotating the webhook secret end to end: `hooklake rotate-secret` against
the Worker in workerd, the fake GitHub's hook configuration, and a local
stand-in for Cloudflare's Worker secrets API that deploys every change as a
new Worker version (a new `wrangler dev`, swapped in behind one URL once it
serves, the old one stopped after a grace period: how Cloudflare switches
versions).

Throughout the rotation a sender posts merged deliveries signed, like
GitHub, with whatever secret the hook is configured with at that moment:
every one must be accepted. Afterwards the old secret gets 401."""

import email.parser
import email.policy
import http.server
import json
import os
import queue
import re
import threading
import time
import urllib.request

import pytest

import procs
from conftest import BIN_DIR, SECRET, FaultProxy, drain, fake_github, merged_payload, post, start_worker, stop_worker, worker_settings

HOOK = "repos/octo/hooks-repo/hooks/7"
ACCOUNT, SCRIPT = "0123abcd", "hooklake-edge"
# What `wrangler secret put` would have set (the rest are vars).
SECRETS = {"WEBHOOK_SECRET", "WEBHOOK_SECRET_NEXT", "WEBHOOK_SECRET_PREVIOUS", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}


class FakeCloudflare:
    """`PUT/DELETE /client/v4/accounts/{account}/workers/scripts/{script}/secrets[/{name}]`
    on loopback; each change deploys a new version behind `self.url`."""

    def __init__(self, settings):
        self.settings = dict(settings)
        self.changes = queue.Queue()
        self.backend = None
        self.versions = []
        self.key_pairs = []
        self.retiring = []
        self.lock = threading.Lock()
        self._deploy()
        cloudflare = self

        class Api(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status, result):
                data = json.dumps({"success": status == 200, "errors": [] if status == 200 else [{"code": 10000, "message": result}],
                                   "messages": [], "result": result if status == 200 else None}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _route(self, what="secrets"):
                m = re.fullmatch(rf"/client/v4/accounts/{ACCOUNT}/workers/scripts/{SCRIPT}/{what}(?:/(\w+))?", self.path)
                if self.headers.get("Authorization") != "Bearer cf-test-token":
                    self._answer(403, "Authentication error")
                    return None
                if not m:
                    self._answer(404, "workers.api.error.script_not_found")
                    return None
                return m

            def do_PUT(self):
                if (m := self._route()) is None:
                    return
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                assert body["type"] == "secret_text" and m.group(1) is None
                with cloudflare.lock:
                    cloudflare.settings[body["name"]] = body["text"]
                cloudflare.changes.put(body["name"])
                self._answer(200, {"name": body["name"], "type": "secret_text"})

            def do_PATCH(self):
                """Script settings (`wrangler secret bulk`): the bindings listed
                are the new version's; one without `text` keeps its value."""
                if self._route("settings") is None:
                    return
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                form = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                    b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + raw)
                (part,) = [p for p in form.iter_parts() if p.get_param("name", header="content-disposition") == "settings"]
                bindings = json.loads(part.get_content())["bindings"]
                with cloudflare.lock:
                    cloudflare.settings = {b["name"]: b["text"] if "text" in b else cloudflare.settings[b["name"]] for b in bindings}
                cloudflare.changes.put("settings")
                self._answer(200, {"bindings": [{"name": b["name"], "type": b["type"]} for b in bindings]})

            def do_GET(self):
                if self.path.endswith("/settings"):
                    if self._route("settings") is None:
                        return
                    with cloudflare.lock:
                        bindings = [{"name": k, "type": "secret_text" if k in SECRETS else "plain_text"}
                                    | ({} if k in SECRETS else {"text": v}) for k, v in cloudflare.settings.items()]
                    self._answer(200, {"bindings": bindings})
                    return
                if (m := self._route()) is None:
                    return
                with cloudflare.lock:
                    names = [{"name": k, "type": "secret_text"} for k in cloudflare.settings if k in SECRETS]
                self._answer(200, names)

            def do_DELETE(self):
                if (m := self._route()) is None:
                    return
                with cloudflare.lock:
                    if cloudflare.settings.pop(m.group(1), None) is None:
                        self._answer(404, "secret not found")
                        return
                cloudflare.changes.put(m.group(1))
                self._answer(200, {})

        self.api = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Api)
        self.api.daemon_threads = True
        threading.Thread(target=self.api.serve_forever, daemon=True).start()
        self.api_url = f"http://127.0.0.1:{self.api.server_address[1]}/client/v4"
        # The Worker's one public URL, forwarded to the version serving now.
        self.front = FaultProxy(self.backend[1].rstrip("/"))
        self.url = self.front.url + "/"
        self.deployer = threading.Thread(target=self._deploy_changes, daemon=True)
        self.deployer.start()

    def _deploy(self):
        with self.lock:
            settings = dict(self.settings)
        proc, url = start_worker(settings)
        old, self.backend = self.backend, (proc, url)
        self.versions.append(sorted(k for k in settings if k.startswith("WEBHOOK_SECRET")))
        self.key_pairs.append((settings.get("AWS_ACCESS_KEY_ID"), settings.get("AWS_SECRET_ACCESS_KEY")))
        if old is not None:
            self.front.upstream = url.rstrip("/")
            # Requests already forwarded to the old version finish first.
            stopper = threading.Thread(target=lambda: (time.sleep(3), stop_worker(old[0])))
            stopper.start()
            self.retiring.append(stopper)

    def _deploy_changes(self):
        while (change := self.changes.get()) is not None:
            self._deploy()
            self.changes.task_done()

    def settle(self):
        """Waits until every change is deployed (Cloudflare: seconds)."""
        self.changes.join()

    def close(self):
        self.changes.put(None)
        self.deployer.join(timeout=120)
        for stopper in self.retiring:
            stopper.join(timeout=60)
        stop_worker(self.backend[0])
        self.api.shutdown()
        self.front.server.shutdown()


@pytest.fixture
def github():
    with fake_github() as url:
        yield url


def github_call(method, url, body=None):
    req = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer ghp_test", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def rotate(cloudflare, github, *extra):
    return procs.run(
        [str(BIN_DIR / "hooklake"), "rotate-secret", "--hook", "repo:octo/hooks-repo:7",
         "--worker-url", cloudflare.url, "--cloudflare-account", ACCOUNT, "--worker-name", SCRIPT,
         "--overlap", "3s", "--propagation", "120s", *extra],
        env=dict(os.environ, CLOUDFLARE_API_TOKEN="cf-test-token", CLOUDFLARE_API_BASE_URL=cloudflare.api_url,
                 HOOKLAKE_GITHUB_TOKEN="ghp_test", HOOKLAKE_GITHUB_API_URL=github),
        capture_output=True, text=True, timeout=300)


def test_rotation_accepts_every_delivery_and_retires_the_old_secret(aws_resources, proxy, github):
    settings = worker_settings(aws_resources, proxy)
    settings.pop("WEBHOOK_SECRET_PREVIOUS")
    drain(aws_resources)
    cloudflare = FakeCloudflare(settings)
    try:
        # The hook as Terraform would leave it, then signed with the secret the Worker has.
        github_call("PATCH", f"{github}/{HOOK}/config", {"url": cloudflare.url, "content_type": "json", "secret": SECRET})
        assert github_call("GET", f"{github}/{HOOK}/config")["secret"] == "********"

        answers, stop = [], threading.Event()

        def deliver():
            """GitHub: each delivery signed with the hook's secret of the moment."""
            while not stop.is_set():
                secret = github_call("GET", f"{github}/_fake/hook-secret?hook={HOOK}")["secret"]
                status, answer, _ = post(cloudflare.url, "pull_request", merged_payload(), secret=secret)
                answers.append((status, answer.get("outcome"), secret == SECRET))
                time.sleep(0.05)

        sender = threading.Thread(target=deliver)
        sender.start()
        try:
            time.sleep(1)
            rotation = rotate(cloudflare, github)
            time.sleep(1)
        finally:
            stop.set()
            sender.join()
        assert rotation.returncode == 0, rotation.stderr
        new = github_call("GET", f"{github}/_fake/hook-secret?hook={HOOK}")["secret"]
        assert new != SECRET and re.fullmatch(r"[0-9a-f]{64}", new)
        assert new not in rotation.stdout + rotation.stderr, "the new secret must not be printed"
        assert "6/6" in rotation.stderr, rotation.stderr

        # Every delivery, old secret and new, accepted throughout, and each one queued.
        old_signed = sum(1 for _, _, old in answers if old)
        new_signed = len(answers) - old_signed
        assert old_signed > 0 and new_signed > 0, answers
        refused = [a for a in answers if a[0] != 202]
        assert not refused, f"{len(refused)} of {len(answers)} deliveries refused during the rotation: {refused[:5]}"
        assert len(drain(aws_resources, wait=1)) == len(answers)
        print(f"rotation: {len(answers)} deliveries, {old_signed} signed with the old secret and {new_signed} "
              f"with the new, all 202 and queued")

        # The Worker went through: old, then old + next, then new alone.
        cloudflare.settle()
        versions = cloudflare.versions
        assert versions[0] == versions[-1] == ["WEBHOOK_SECRET"], versions
        assert ["WEBHOOK_SECRET", "WEBHOOK_SECRET_NEXT"] in versions, versions
        assert cloudflare.settings["WEBHOOK_SECRET"] == new

        # After it: the old secret is refused, the new one accepted.
        status, answer, _ = post(cloudflare.url, "pull_request", merged_payload(), secret=SECRET)
        assert (status, answer["reason"]) == (401, "bad_signature")
        assert post(cloudflare.url, "pull_request", merged_payload(), secret=new)[0] == 202
        drain(aws_resources)
    finally:
        cloudflare.close()


def test_a_rotation_that_cannot_reach_cloudflare_changes_nothing_on_github(github):
    github_call("PATCH", f"{github}/{HOOK}/config", {"url": "http://127.0.0.1:9/", "secret": SECRET})
    rotation = procs.run(
        [str(BIN_DIR / "hooklake"), "rotate-secret", "--hook", "repo:octo/hooks-repo:7",
         "--worker-url", "http://127.0.0.1:9/", "--cloudflare-account", ACCOUNT],
        env=dict(os.environ, CLOUDFLARE_API_TOKEN="wrong", CLOUDFLARE_API_BASE_URL="http://127.0.0.1:9/client/v4",
                 HOOKLAKE_GITHUB_TOKEN="ghp_test", HOOKLAKE_GITHUB_API_URL=github),
        capture_output=True, text=True, timeout=60)
    assert rotation.returncode != 0
    assert "cannot reach Cloudflare's API" in rotation.stderr, rotation.stderr
    assert github_call("GET", f"{github}/_fake/hook-secret?hook={HOOK}")["secret"] == SECRET


def test_a_first_deployment_gets_its_first_secret_and_later_runs_leave_it(aws_resources, proxy, github):
    settings = worker_settings(aws_resources, proxy)
    for name in ("WEBHOOK_SECRET", "WEBHOOK_SECRET_PREVIOUS"):
        settings.pop(name)
    drain(aws_resources)
    cloudflare = FakeCloudflare(settings)
    try:
        github_call("PATCH", f"{github}/{HOOK}/config", {"url": cloudflare.url, "content_type": "json"})
        assert github_call("GET", f"{github}/_fake/hook-secret?hook={HOOK}")["secret"] is None

        first = rotate(cloudflare, github, "--only-if-unset")
        assert first.returncode == 0, first.stderr
        secret = github_call("GET", f"{github}/_fake/hook-secret?hook={HOOK}")["secret"]
        assert re.fullmatch(r"[0-9a-f]{64}", secret) and cloudflare.settings["WEBHOOK_SECRET"] == secret
        assert secret not in first.stdout + first.stderr
        assert post(cloudflare.url, "pull_request", merged_payload(), secret=secret)[0] == 202

        again = rotate(cloudflare, github, "--only-if-unset")
        assert again.returncode == 0 and "nothing to do" in again.stderr, again.stderr
        assert github_call("GET", f"{github}/_fake/hook-secret?hook={HOOK}")["secret"] == secret
        cloudflare.settle()
        assert len(cloudflare.versions) == 2
        drain(aws_resources)
    finally:
        cloudflare.close()


def test_worker_key_rotation_swaps_both_halves_at_once_and_deletes_the_old_key(aws_resources, proxy, moto):
    from conftest import ROOT, aws

    iam = aws("iam", moto)
    user = f"hooklake-edge-{os.getpid()}"
    iam.create_user(UserName=user, Path="/hooklake/")
    first = iam.create_access_key(UserName=user)["AccessKey"]
    settings = worker_settings(aws_resources, proxy, AWS_ACCESS_KEY_ID=first["AccessKeyId"],
                               AWS_SECRET_ACCESS_KEY=first["SecretAccessKey"])
    drain(aws_resources)
    cloudflare = FakeCloudflare(settings)
    try:
        answers, stop = [], threading.Event()

        def deliver():
            while not stop.is_set():
                answers.append(post(cloudflare.url, "pull_request", merged_payload())[0])
                time.sleep(0.05)

        sender = threading.Thread(target=deliver)
        sender.start()
        try:
            env = dict(os.environ, AWS_ENDPOINT_URL=moto, AWS_REGION="us-east-1", AWS_ACCESS_KEY_ID="testing",
                       AWS_SECRET_ACCESS_KEY="testing", CLOUDFLARE_API_TOKEN="cf-test-token",
                       CLOUDFLARE_API_BASE_URL=cloudflare.api_url, CLOUDFLARE_ACCOUNT_ID=ACCOUNT,
                       WRANGLER_SEND_METRICS="false", CI="true",
                       PATH=f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{os.environ['PATH']}")
            rotation = procs.run([os.environ.get("HOOKLAKE_PYTHON", "python3"), "scripts/rotate-worker-key.py",
                                  "--user", user, "--overlap", "3", "--wrangler", "wrangler"],
                                 cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
            cloudflare.settle()
            time.sleep(1)
        finally:
            stop.set()
            sender.join()
        assert rotation.returncode == 0, rotation.stderr
        (key,) = iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
        assert key["AccessKeyId"] != first["AccessKeyId"]
        assert cloudflare.settings["AWS_ACCESS_KEY_ID"] == key["AccessKeyId"]
        new_secret = cloudflare.settings["AWS_SECRET_ACCESS_KEY"]
        assert new_secret not in rotation.stdout + rotation.stderr
        # Every version the Worker ran had one whole key: the old, then the new.
        assert cloudflare.key_pairs == [(first["AccessKeyId"], first["SecretAccessKey"]),
                                        (key["AccessKeyId"], new_secret)], cloudflare.key_pairs
        assert answers and set(answers) == {202}, answers
        assert len(drain(aws_resources, wait=1)) == len(answers)
        print(f"key rotation: {len(answers)} deliveries, all 202 and queued; Worker versions {len(cloudflare.key_pairs)}")

        # The deploy workflow's call: a Worker with a key keeps it.
        again = procs.run([os.environ.get("HOOKLAKE_PYTHON", "python3"), "scripts/rotate-worker-key.py",
                           "--user", user, "--only-if-unset", "--wrangler", "wrangler"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert again.returncode == 0 and "nothing to do" in again.stderr, again.stderr
        assert [k["AccessKeyId"] for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]] == [key["AccessKeyId"]]
    finally:
        cloudflare.close()


def hook_url(github, url):
    return procs.run([str(BIN_DIR / "hooklake"), "hook-url", "--hook", "repo:octo/hooks-repo:7", "--url", url],
                     env=dict(os.environ, HOOKLAKE_GITHUB_TOKEN="ghp_test", HOOKLAKE_GITHUB_API_URL=github),
                     capture_output=True, text=True, timeout=60)


def test_moving_the_webhook_url_keeps_every_delivery_accepted(worker, aws_resources, github):
    """A deployment moves its webhook (workers.dev to the zone's hostname,
    docs/deploy.md): `hooklake hook-url` sends GitHub the URL alone, so the
    hook keeps the secret the Worker checks."""
    github_call("PATCH", f"{github}/{HOOK}/config",
                {"url": "https://hooklake-edge.example.workers.dev/", "content_type": "json", "secret": SECRET})
    moved = hook_url(github, worker)
    assert moved.returncode == 0, moved.stderr
    assert "still signed with its secret" in moved.stderr, moved.stderr
    config = github_call("GET", f"{github}/{HOOK}/config")
    assert (config["url"], config["secret"], config["content_type"]) == (worker, "********", "json")
    signing = github_call("GET", f"{github}/_fake/hook-secret?hook={HOOK}")["secret"]
    assert signing == SECRET
    assert post(worker, "pull_request", merged_payload(), secret=signing)[0] == 202
    again = hook_url(github, worker)
    assert again.returncode == 0 and "already posts to" in again.stderr, again.stderr

    # What Terraform's update of the hook sent instead: the whole
    # configuration with the secret its state holds, none. GitHub then signs
    # with nothing, and the Worker refuses every delivery.
    github_call("PATCH", f"{github}/{HOOK}/config", {"url": worker, "content_type": "json", "secret": ""})
    assert post(worker, "pull_request", merged_payload(), secret="")[0] == 401
    drain(aws_resources)


def test_a_key_rotation_that_fails_leaves_no_second_key(moto, tmp_path):
    """wrangler fails after IAM made the new key: the key is deleted again,
    the Worker's key stays, and the next run is not stopped at two keys."""
    from conftest import ROOT, aws

    iam = aws("iam", moto)
    user = f"hooklake-edge-failing-{os.getpid()}"
    iam.create_user(UserName=user, Path="/hooklake/")
    first = iam.create_access_key(UserName=user)["AccessKey"]
    wrangler = tmp_path / "wrangler"
    wrangler.write_text("#!/bin/sh\n[ \"$1 $2\" = 'secret bulk' ] && { echo 'Cloudflare: 500' >&2; exit 1; }\necho '[]'\n")
    wrangler.chmod(0o755)
    env = dict(os.environ, AWS_ENDPOINT_URL=moto, AWS_REGION="us-east-1", AWS_ACCESS_KEY_ID="testing",
               AWS_SECRET_ACCESS_KEY="testing")
    run = lambda: procs.run([os.environ.get("HOOKLAKE_PYTHON", "python3"), "scripts/rotate-worker-key.py", "--user", user,
                             "--overlap", "0", "--wrangler", str(wrangler)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    for _ in range(2):
        failed = run()
        assert failed.returncode != 0 and "wrangler secret bulk failed" in failed.stderr, failed.stderr
        assert "was deleted again" in failed.stderr, failed.stderr
        assert "two access keys" not in failed.stderr, failed.stderr
        keys = [k["AccessKeyId"] for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]]
        assert keys == [first["AccessKeyId"]], keys
