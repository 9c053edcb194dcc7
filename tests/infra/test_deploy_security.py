"""What reaches production, and with which credentials: the workflows, the
deploy scripts and the edge rules, checked by running them where they can
run here (fetch-release.sh and deploy-worker.sh with stand-ins for gh, npx
and terraform; infra/edge/rules with `terraform apply`) and by reading them
where they cannot (GitHub Actions itself). The trust policies and the
production environment are checked in Rust (tests/tests/infra_terraform.rs:
only_the_workflow_files_on_main_in_production_may_write); the first apply
itself in tests/deploy."""

import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"


def workflow(name):
    return yaml.safe_load((WORKFLOWS / name).read_text())


def steps(job):
    return job.get("steps", [])


# --- 8: actions pinned by commit, packages pinned by hash, no token during installs


def test_every_action_is_pinned_to_a_commit():
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for job_name, job in yaml.safe_load(path.read_text())["jobs"].items():
            for step in steps(job):
                if "uses" in step:
                    assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", step["uses"]), \
                        f"{path.name} {job_name}: {step['uses']} is not pinned to a commit"
        for line in path.read_text().splitlines():
            if "uses:" in line and "@" in line:
                assert re.search(r"@[0-9a-f]{40} # v\d+\.\d+\.\d+$", line), f"{path.name}: say which version: {line.strip()}"


def test_deploy_packages_are_pinned_by_hash():
    lines = [l for l in (ROOT / "scripts/requirements-deploy.txt").read_text().splitlines() if l and not l.startswith("#")]
    assert lines
    for line in lines:
        assert re.fullmatch(r"[\w.-]+==[\w.]+ --hash=sha256:[0-9a-f]{64}", line), line
    for name in ("deploy.yml", "rotate.yml"):
        text = (WORKFLOWS / name).read_text()
        installs = [l for l in text.splitlines() if "pip install" in l]
        assert installs and all("--require-hashes" in l and "requirements-deploy.txt" in l for l in installs), installs


def test_no_token_or_credential_is_in_the_environment_while_packages_install():
    for name in ("deploy.yml", "rotate.yml"):
        for job_name, job in workflow(name)["jobs"].items():
            assert "secrets." not in json.dumps(job.get("env", {})), f"{name} {job_name}: secrets at job level"
            credentials_seen = False
            for step in steps(job):
                run = step.get("run", "")
                if "configure-aws-credentials" in step.get("uses", ""):
                    credentials_seen = True
                if re.search(r"\b(npm (ci|install)|pip install)\b", run):
                    assert not credentials_seen, f"{name} {job_name}: packages install after AWS credentials are set"
                    assert "secrets." not in json.dumps(step.get("env", {})), f"{name} {job_name}: {step}"
                    assert "npm" not in run or "--ignore-scripts" in run, run
    deploy_script = (ROOT / "scripts/deploy-worker.sh").read_text()
    assert not re.search(r"^\s*(npm (ci|install)|pip install)", deploy_script, re.M), \
        "deploy-worker.sh runs with the admin tokens: it installs nothing"


# --- 7: the job that runs a pull request's Terraform holds no write token


def test_the_plan_job_holds_no_write_token_and_another_job_posts_its_comment():
    jobs = workflow("deploy.yml")["jobs"]
    plan = jobs["plan"]
    assert all(v in ("read", "none") for k, v in plan["permissions"].items() if k != "id-token"), plan["permissions"]
    checkouts = [s for s in steps(plan) if "actions/checkout" in s.get("uses", "")]
    assert checkouts and all(s.get("with", {}).get("persist-credentials") is False for s in checkouts)
    assert not any("gh pr comment" in s.get("run", "") for s in steps(plan))
    comment = jobs["comment"]
    assert comment["needs"] == "plan" and comment["permissions"] == {"pull-requests": "write"}
    assert not any("actions/checkout" in s.get("uses", "") for s in steps(comment)), "the commenter runs no PR code"
    assert any("gh pr comment" in s.get("run", "") for s in steps(comment))
    for name in ("deploy.yml", "rotate.yml", "release.yml"):
        for job_name, job in workflow(name)["jobs"].items():
            for s in steps(job):
                if "actions/checkout" in s.get("uses", ""):
                    assert s.get("with", {}).get("persist-credentials") is False, f"{name} {job_name}"


# --- 4: releases only from main, with provenance; the deploy runs the pinned one


def test_releases_come_only_from_main_and_carry_build_provenance():
    jobs = workflow("release.yml")["jobs"]
    guard = "\n".join(s.get("run", "") for s in steps(jobs["from-main"]))
    assert 'merge-base --is-ancestor "$GITHUB_SHA" origin/main' in guard and "exit 1" in guard
    fetch = [s for s in steps(jobs["from-main"]) if "actions/checkout" in s.get("uses", "")][0]
    assert fetch["with"]["fetch-depth"] == 0

    def upstream(name):
        needs = jobs[name].get("needs", [])
        needs = [needs] if isinstance(needs, str) else needs
        return set(needs).union(*(upstream(n) for n in needs)) if needs else set()

    for name in jobs:
        if name != "from-main":
            assert "from-main" in upstream(name), f"release.yml {name} does not wait for the main check"
    publish = jobs["publish"]
    assert publish["permissions"]["attestations"] == "write" and publish["permissions"]["id-token"] == "write"
    attest = [i for i, s in enumerate(steps(publish)) if "actions/attest-build-provenance" in s.get("uses", "")]
    release = [i for i, s in enumerate(steps(publish)) if "gh release create" in s.get("run", "")]
    assert attest and release and attest[0] < release[0]
    subjects = steps(publish)[attest[0]]["with"]["subject-path"]
    for asset in ("hooklake-lambda-arm64.zip", "hooklake-worker.tar.gz", "hooklake-*-*.tar.gz"):
        assert asset in subjects
    for name in ("deploy.yml", "rotate.yml"):
        text = (WORKFLOWS / name).read_text()
        assert "fetch-release.sh dist" in text and "inputs.release" not in text and 'fetch-release.sh ""' not in text


def fake_release(tmp_path, tamper=None):
    """A release as `gh release download` would serve it, and a `gh` that
    serves it and answers `attestation verify` (logging every call)."""
    release = tmp_path / "release"
    release.mkdir()
    cli = "hooklake-x86_64-unknown-linux-gnu"
    (release / "hooklake-lambda-arm64.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    (tmp_path / cli).mkdir()
    (tmp_path / cli / "hooklake").write_text("#!/bin/sh\necho hooklake\n")
    with tarfile.open(release / f"{cli}.tar.gz", "w:gz") as tar:
        tar.add(tmp_path / cli, arcname=cli)
    sums = "".join(f"{hashlib.sha256((release / f).read_bytes()).hexdigest()}  {f}\n"
                   for f in ("hooklake-lambda-arm64.zip", f"{cli}.tar.gz"))
    (release / "SHA256SUMS").write_text(sums)
    pins = tmp_path / "release.env"
    pins.write_text(f"HOOKLAKE_RELEASE=v9.9.9\nHOOKLAKE_RELEASE_SHA256SUMS={hashlib.sha256(sums.encode()).hexdigest()}\n")
    if tamper:
        tamper(release)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "gh.log"
    (bin_dir / "gh").write_text(f"""#!/usr/bin/env bash
echo "$*" >> {log}
if [[ "$1 $2" == "release download" ]]; then
  shift 2; tag="$1"; shift; pattern=""; dir=""
  while [[ $# -gt 0 ]]; do case "$1" in --pattern) pattern="$2"; shift;; --dir) dir="$2"; shift;; esac; shift; done
  [[ "$tag" == v9.9.9 ]] || {{ echo "release not found" >&2; exit 1; }}
  cp "{release}/$pattern" "$dir/"
elif [[ "$1 $2" == "attestation verify" ]]; then
  [[ -z "${{GH_ATTESTATION_FAILS:-}}" ]] || {{ echo "no attestations found" >&2; exit 1; }}
else
  exit 2
fi
""")
    (bin_dir / "gh").chmod(0o755)
    return pins, bin_dir, log


def fetch_release(tmp_path, pins, bin_dir, **env):
    return subprocess.run(["bash", str(ROOT / "scripts/fetch-release.sh"), str(tmp_path / "dist")], capture_output=True,
                          text=True, timeout=60, env=dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}",
                                                          HOOKLAKE_RELEASE_ENV=str(pins), GITHUB_REPOSITORY="octo/hooklake", **env))


def test_the_deploy_fetches_the_pinned_release_and_verifies_its_provenance(tmp_path):
    pins, bin_dir, log = fake_release(tmp_path)
    done = fetch_release(tmp_path, pins, bin_dir)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "dist/hooklake-x86_64-unknown-linux-gnu/hooklake").exists()
    calls = log.read_text().splitlines()
    assert all(c.startswith(("release download v9.9.9 ", "attestation verify ")) for c in calls), calls
    verified = [c for c in calls if c.startswith("attestation verify")]
    assert len(verified) == 2
    for c in verified:
        assert "--repo octo/hooklake" in c and "--signer-workflow octo/hooklake/.github/workflows/release.yml" in c
        assert "--deny-self-hosted-runners" in c


@pytest.mark.parametrize("fault, message", [
    ("republished", "the release changed after it was pinned"),
    ("tampered", "does not match"),
    ("unattested", "has no build provenance"),
    ("unpinned", "pins no SHA-256"),
])
def test_the_deploy_refuses_a_release_it_cannot_trust(tmp_path, fault, message):
    tamper = {
        "republished": lambda r: (r / "SHA256SUMS").write_text((r / "SHA256SUMS").read_text() + "\n"),
        "tampered": lambda r: (r / "hooklake-lambda-arm64.zip").write_bytes(b"other"),
    }.get(fault)
    pins, bin_dir, _ = fake_release(tmp_path, tamper)
    if fault == "unpinned":
        pins.write_text("HOOKLAKE_RELEASE=v9.9.9\nHOOKLAKE_RELEASE_SHA256SUMS=" + "0" * 64 + "\n")
    env = {"GH_ATTESTATION_FAILS": "1"} if fault == "unattested" else {}
    done = fetch_release(tmp_path, pins, bin_dir, **env)
    assert done.returncode != 0
    assert message in done.stderr, done.stderr
    assert not (tmp_path / "dist/hooklake-x86_64-unknown-linux-gnu").exists(), "nothing unpacked"


def test_the_repository_pins_a_release_by_tag_and_digest():
    pins = (ROOT / "infra/example/release.env").read_text()
    assert re.search(r"^HOOKLAKE_RELEASE=v\d+\.\d+\.\d+$", pins, re.M)
    assert re.search(r"^HOOKLAKE_RELEASE_SHA256SUMS=[0-9a-f]{64}$", pins, re.M)


# --- 5: with a zone route, no address of the Worker outside the zone's rules


def deploy_worker_args(tmp_path, **env):
    """The wrangler command deploy-worker.sh runs, with stand-ins for npx,
    terraform, python3 and hooklake."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    log = tmp_path / "calls.log"
    for tool, body in {
        "npx": f'echo "npx $*" >> {log}',
        "terraform": 'case "$*" in *webhook_hooks*) echo \'["repo:octo/r:1"]\';; *) echo "value-of-${@: -1}";; esac',
        "python3": f'if [ "$1" = "-c" ]; then exec {shutil.which("python3")} "$@"; fi; echo "python3 $*" >> {log}',
        "hooklake": f'echo "hooklake $*" >> {log}',
    }.items():
        (bin_dir / tool).write_text(f"#!/usr/bin/env bash\n{body}\n")
        (bin_dir / tool).chmod(0o755)
    done = subprocess.run(["bash", str(ROOT / "scripts/deploy-worker.sh"), "infra/example"], capture_output=True, text=True,
                          timeout=60, env=dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}",
                                               HOOKLAKE=str(bin_dir / "hooklake"), **env))
    assert done.returncode == 0, done.stderr
    calls = log.read_text().splitlines()
    (deploy,) = [c for c in calls if c.startswith("npx wrangler deploy")]
    return deploy, calls


@pytest.mark.skipif(not (ROOT / "node_modules/.bin/wrangler").exists(), reason="npm ci has not run")
def test_a_zone_route_leaves_no_workers_dev_or_preview_address(tmp_path):
    config = (ROOT / "wrangler.toml").read_text()
    assert re.search(r"^preview_urls = false", config, re.M)
    assert not re.search(r"^(workers_dev|routes?)\s*=", config, re.M), "deploy-worker.sh decides these"
    with_zone, calls = deploy_worker_args(tmp_path, EDGE_HOSTNAME="hooks.example.com")
    assert "--route hooks.example.com/*" in with_zone
    (tmp_path / "no-zone").mkdir()
    without_zone, _ = deploy_worker_args(tmp_path / "no-zone")
    assert "--route" not in without_zone
    # Wrangler (the version package-lock.json pins) serves workers.dev by
    # default only when no route is given.
    wrangler = (ROOT / "node_modules/wrangler/wrangler-dist/cli.js").read_text()
    assert "const defaultWorkersDev = routes.length === 0;" in wrangler
    # The hooks are moved only after the Worker serves the new address.
    assert [c.split()[1] for c in calls if c.startswith("hooklake")] == ["rotate-secret", "hook-url"]
    assert calls.index(with_zone) < min(i for i, c in enumerate(calls) if c.startswith("hooklake"))


def test_terraform_never_moves_a_hook():
    text = (ROOT / "infra/modules/github_webhook/main.tf").read_text()
    ignores = re.findall(r"ignore_changes = \[(.*)\]", text)
    assert len(ignores) == 2 and all(set(i.split(", ")) == {"configuration[0].secret", "configuration[0].url"} for i in ignores)


# --- 6: each rule uses only the fields the zone's plan allows

# developers.cloudflare.com/waf/rate-limiting-rules/#availability: the fields
# a rate-limiting rule's expression may use, by plan.
RATE_LIMIT_FIELDS = {
    "free": {"http.request.uri.path"},
    "pro": {"http.host", "http.request.uri", "http.request.uri.path", "http.request.full_uri", "http.request.uri.query"},
    "business": {"http.host", "http.request.uri", "http.request.uri.path", "http.request.full_uri",
                 "http.request.uri.query", "http.request.method", "ip.src", "http.user_agent"},
}
RATE_LIMIT_FIELDS["enterprise"] = RATE_LIMIT_FIELDS["business"]


def edge_rules(tmp_path, plan, path="/github-webhook"):
    root = tmp_path / f"rules-{plan}"
    root.mkdir()
    (root / "main.tf").write_text(f'''module "rules" {{
  source       = "{ROOT / "infra/edge/rules"}"
  zone_plan    = "{plan}"
  hostname     = "hooks.example.com"
  webhook_path = "{path}"
}}
output "rules" {{
  value = module.rules
}}
''')
    env = dict(os.environ, TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
    init = subprocess.run(["terraform", f"-chdir={root}", "init", "-no-color", "-input=false"], capture_output=True, text=True, env=env)
    assert init.returncode == 0, init.stderr
    return subprocess.run(["terraform", f"-chdir={root}", "apply", "-no-color", "-auto-approve", "-input=false"],
                          capture_output=True, text=True, env=env), root, env


@pytest.mark.parametrize("plan", ["free", "pro", "business", "enterprise"])
def test_the_rate_rule_uses_only_what_the_zones_plan_allows(tmp_path, plan):
    done, root, env = edge_rules(tmp_path, plan)
    assert done.returncode == 0, done.stderr
    rules = json.loads(subprocess.run(["terraform", f"-chdir={root}", "output", "-json", "rules"],
                                      capture_output=True, text=True, env=env, check=True).stdout)
    expression = rules["rate_limit_expression"]
    fields = set(re.findall(r"\b((?:http|ip|cf)\.[a-z_.]+)\s+eq\b", expression))
    assert fields and fields <= RATE_LIMIT_FIELDS[plan], (plan, fields)
    assert 'http.request.uri.path eq "/github-webhook"' in expression
    assert rules["rate_limit_characteristics"] == ["cf.colo.id", "ip.src"]
    if plan != "free":
        assert 'http.host eq "hooks.example.com"' in expression, "the rule stays on the webhook's hostname"


def test_a_free_zone_needs_a_path_of_its_own_and_a_plan_is_named(tmp_path):
    done, _, _ = edge_rules(tmp_path, "free", path="/")
    assert done.returncode != 0 and "path of its own" in done.stderr, done.stderr
    done, _, _ = edge_rules(tmp_path, "gold")
    assert done.returncode != 0 and "zone_plan is one of free, pro, business, enterprise" in done.stderr, done.stderr
    variables = (ROOT / "infra/edge/variables.tf").read_text()
    assert 'variable "zone_plan"' in variables and "EDGE_ZONE_PLAN" in (ROOT / ".github/workflows/deploy.yml").read_text()
