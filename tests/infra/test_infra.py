"""Static checks of the deployment code: Terraform formatting, checkov over
infra/, and actionlint over every workflow. None needs a cloud account or a
provider download. (What the IAM policies and Glue columns say is checked in
Rust: tests/tests/infra_terraform.rs.)"""

import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def run(*args, **kwargs):
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, **kwargs)


def terraform():
    path = shutil.which("terraform")
    if path is None:
        pytest.fail("terraform is not on PATH; install Terraform >= 1.10 (it is on the CI image)")
    return path


def test_terraform_is_formatted():
    env = dict(os.environ, TF_CLI_CONFIG_FILE="/dev/null")
    result = run(terraform(), "fmt", "-check", "-recursive", "-diff", "infra/", env=env)
    assert result.returncode == 0, f"run `terraform fmt -recursive infra/`:\n{result.stdout}{result.stderr}"


@pytest.fixture(scope="module")
def checkov_report():
    checkov = os.environ.get("HOOKLAKE_CHECKOV")
    if not checkov:
        pytest.fail("HOOKLAKE_CHECKOV is not set; run the suite with ./scripts/test.sh")
    result = run(checkov, "-d", "infra", "--framework", "terraform", "--skip-download", "-o", "json")
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"checkov did not report JSON (exit {result.returncode}):\n{result.stderr[-4000:]}")


def test_checkov_reports_no_failed_check(checkov_report):
    summary = checkov_report["summary"]
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']}:{c['file_line_range'][0]}): {c['check_name']}"
        for c in checkov_report["results"]["failed_checks"]
    ]
    assert summary["parsing_errors"] == 0
    assert failed == [], "\n".join(failed)
    # It really scanned the modules, the example and the bootstrap.
    assert summary["passed"] > 150
    assert summary["resource_count"] > 50


def test_every_skipped_check_gives_its_reason(checkov_report):
    skipped = checkov_report["results"]["skipped_checks"]
    assert skipped, "expected the documented skips"
    for check in skipped:
        reason = (check["check_result"].get("suppress_comment") or "").strip()
        assert reason and reason != "No comment provided", f"{check['check_id']} on {check['resource']} has no reason"
        assert len(reason) > 30, f"{check['check_id']}: give a real reason, not {reason!r}"


def test_every_workflow_passes_actionlint():
    workflows = sorted((ROOT / ".github/workflows").glob("*.yml"))
    assert {w.name for w in workflows} >= {"ci.yml", "release.yml", "deploy.yml"}
    result = run("node", "scripts/lint-workflows.mjs")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(workflows)} workflows, 0 findings" in result.stdout


def test_actionlint_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  build:\n    steps:\n      - run: echo ${{ nope.value }}\n")
    result = run("node", "scripts/lint-workflows.mjs", str(broken))
    assert result.returncode == 1
    assert '"runs-on" section is missing' in result.stdout
    assert 'undefined variable "nope"' in result.stdout


def test_ci_workflow_runs_the_readme_test_command():
    ci = (ROOT / ".github/workflows/ci.yml").read_text()
    assert "bash .ci/run" in ci
    assert "./scripts/test.sh" in (ROOT / "README.md").read_text()
    assert "scripts/test.sh" in (ROOT / ".ci/run").read_text()


def test_readme_first_command_is_the_build_bench_build_measures():
    """The README's first command is the cargo alias that builds hooklake
    without the AWS SDK, and bench/build.sh times exactly that build."""
    first = next(line for line in (ROOT / "README.md").read_text().splitlines() if "cargo" in line)
    assert first.startswith("HOOKLAKE_WEBHOOK_SECRET=change-me cargo hooklake serve"), first
    alias = tomllib.loads((ROOT / ".cargo/config.toml").read_text())["alias"]["hooklake"]
    assert alias.split() == ["run", "--release", "-p", "hooklake", "--no-default-features", "--"]
    build = (ROOT / "bench/build.sh").read_text()
    assert 'FEATURES="${BUILD_FEATURES---no-default-features}"' in build
    assert 'PROFILE="${BUILD_PROFILE:-release}"' in build
    assert 'cargo build --locked --profile "$PROFILE" -p hooklake $FEATURES' in build
    # Releases and `cargo install` keep everything.
    assert tomllib.loads((ROOT / "cli/Cargo.toml").read_text())["features"]["default"] == ["aws"]
    assert "--no-default-features" not in (ROOT / ".github/workflows/release.yml").read_text()


def test_release_archives_ship_the_profile_bench_build_measures():
    """Every CLI archive is built and packaged in the dist-cli profile, whose
    binary size `BUILD_PROFILE=dist-cli bash bench/build.sh` measures."""
    profiles = tomllib.loads((ROOT / "Cargo.toml").read_text())["profile"]
    assert profiles["dist-cli"]["inherits"] == "dist"
    cli = yaml.safe_load((ROOT / ".github/workflows/release.yml").read_text())["jobs"]["cli"]
    runs = [step.get("run", "") for step in cli["steps"]]
    builds = [line for run in runs for line in run.splitlines() if "cargo build" in line or "cargo zigbuild" in line]
    assert len(builds) == 2 and all("--profile dist-cli" in b for b in builds), builds
    assert any('target/$TARGET/dist-cli/hooklake' in run for run in runs)


def test_no_long_lived_aws_keys_in_workflows():
    for workflow in (ROOT / ".github/workflows").glob("*.yml"):
        text = workflow.read_text()
        assert "AWS_SECRET_ACCESS_KEY" not in text, workflow.name
        if "configure-aws-credentials" in text:
            assert "role-to-assume" in text and "id-token: write" in text, workflow.name


def release_assets():
    """Each file name the release workflow publishes, with the job making it."""
    jobs = yaml.safe_load((ROOT / ".github/workflows/release.yml").read_text())["jobs"]
    uploaded = {}
    for name, job in jobs.items():
        targets = [row["target"] for row in job.get("strategy", {}).get("matrix", {}).get("include", [])]
        for step in job.get("steps", []):
            if step.get("uses", "").startswith("actions/upload-artifact"):
                path = step["with"]["path"]
                for target in targets or [None]:
                    file = path.replace("${{ matrix.target }}", target) if target else path
                    uploaded[file.rsplit("/", 1)[-1]] = name
    publish = jobs["publish"]
    assert set(publish["needs"]) == set(uploaded.values()), "publish must wait for every job that uploads"
    run_text = " ".join(step.get("run", "") for step in publish["steps"])
    release = next(line for line in run_text.replace("\\\n", " ").splitlines() if "gh release create" in line)
    patterns = [arg.removeprefix("dist/") for arg in shlex.split(release) if arg.startswith("dist/")]
    published = {f for f in uploaded if any(fnmatch.fnmatch(f, p) for p in patterns)}
    assert "SHA256SUMS" in patterns
    checksummed = next(step["run"] for step in publish["steps"] if "sha256sum" in step.get("run", ""))
    for file in published:
        assert any(fnmatch.fnmatch(file, p) for p in shlex.split(checksummed)), f"{file} has no checksum"
    return published | {"SHA256SUMS"}


def test_every_download_the_readme_links_is_built_by_a_release_job():
    links = set(re.findall(r"releases/latest/download/([\w.+-]+)", (ROOT / "README.md").read_text()))
    assert {
        "hooklake-x86_64-unknown-linux-gnu.tar.gz",
        "hooklake-aarch64-unknown-linux-gnu.tar.gz",
        "hooklake-aarch64-apple-darwin.tar.gz",
        "SHA256SUMS",
    } <= links
    assets = release_assets()
    assert links <= assets, f"the README links what no release job makes: {links - assets}"


def test_binstall_metadata_names_the_released_archives():
    cli = tomllib.loads((ROOT / "cli/Cargo.toml").read_text())
    binstall = cli["package"]["metadata"]["binstall"]
    archive = binstall["pkg-url"].rsplit("/", 1)[-1]
    assets = release_assets()
    for target in ["x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu", "aarch64-apple-darwin", "x86_64-apple-darwin"]:
        assert archive.replace("{ target }", target) in assets


def test_secrets_rotate_on_a_schedule_in_production_only():
    """rotate.yml: monthly and by hand, in the `production` environment (the
    only place the Cloudflare and webhook admin tokens exist), never beside a
    deployment, with both rotation tools; the deploy job gives a new Worker
    its first secret and key with the same tools."""
    import yaml

    rotate = yaml.safe_load((ROOT / ".github/workflows/rotate.yml").read_text())
    triggers = rotate[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["schedule"][0]["cron"].split()[2:] == ["1", "*", "*"], "monthly"
    assert "workflow_dispatch" in triggers
    deploy = yaml.safe_load((ROOT / ".github/workflows/deploy.yml").read_text())
    assert rotate["concurrency"]["group"] == "deploy-production"
    assert "'production'" in deploy["concurrency"]["group"]
    (job,) = rotate["jobs"].values()
    assert job["environment"] == "production"
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert "hooklake rotate-secret" in runs and "scripts/rotate-worker-key.py" in runs
    assert "--only-if-unset" not in runs
    deploy_script = (ROOT / "scripts/deploy-worker.sh").read_text()
    assert "rotate-secret --only-if-unset" in deploy_script
    assert "rotate-worker-key.py --only-if-unset" in deploy_script
