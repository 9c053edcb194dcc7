"""The deploy, rehearsed as CI runs it, against an emulated AWS account that
enforces IAM (moto's server; tests/deploy/emulated_aws.py).

1. infra/bootstrap is applied with the account's administrator key, as a
   user does once by hand.
2. The deployment (tests/deploy/aws: infra/modules/pipeline, the AWS side
   of infra/example) is applied with the **apply role's own credentials**,
   assumed through STS as deploy.yml does, into the S3 backend the
   bootstrap made. Every call the apply makes must be allowed by the role.
3. A second plan shows no change; the plan role plans too, and is refused
   every secret's value.
4. Deliveries run through what Terraform created: the Worker in workerd
   signs with the created IAM user's key into the created queue, `hooklake
   ingest` (with the ingest function's role) writes the created bucket, and
   DuckDB runs the reference query over it against the Glue table's columns.
5. `terraform destroy`, again as the apply role.

What the emulator cannot judge is set aside by name and printed: moto sees
IAM resources as "*" and cannot read iam:PermissionsBoundary, so the apply
role's IAM statements are widened to "*" without their conditions (action
coverage is judged here; resource scoping and conditions are the static
tests' job, tests/tests/infra_terraform.rs). docs/deploy.md says what this
proves and what it cannot.
"""
import importlib.util
import json
import os
import pathlib
import shutil
import sys
import time
import uuid
import zipfile

import duckdb
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import emulated_aws as ea  # noqa: E402
import procs  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
GENERATED = ROOT / "schema" / "generated"
OUT = ROOT / "target" / "deploy-rehearsal"
REPOSITORY = "octo/hooklake"
STATE_BUCKET = "hooklake-tfstate-rehearsal"
LAKE_BUCKET = "hooklake-lake-rehearsal"
HOOKS = ["repo:octo/hooklake:1"]


def _worker_helpers():
    """tests/worker/conftest.py's Worker and GitHub helpers, under a name of
    their own (two modules named conftest cannot both be imported)."""
    spec = importlib.util.spec_from_file_location("worker_helpers", ROOT / "tests" / "worker" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def say(line):
    """One line to the terminal even under pytest's capture, and to the log."""
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "rehearsal.txt", "a") as f:
        f.write(line + "\n")
    sys.__stderr__.write(f"[rehearsal] {line}\n")
    sys.__stderr__.flush()


MIRROR = ea.provider_mirror()
if MIRROR is None or shutil.which("terraform") is None:
    sys.__stderr__.write("\n[rehearsal] SKIPPED: no terraform on PATH or no filesystem mirror of hashicorp/aws "
                         "(HOOKLAKE_TF_PROVIDER_MIRROR); the deploy was NOT rehearsed\n")
    pytestmark = pytest.mark.skip(reason="no terraform or no hashicorp/aws provider mirror: deploy NOT rehearsed")


def widen_apply_role(iam):
    """What moto cannot judge, set aside in the apply role's IAM statements:
    each Allow's Resource becomes "*" without its Condition, and Denies that
    hang on a condition key are dropped. Returns what it changed."""
    said = []
    for name in iam.list_role_policies(RoleName="hooklake-terraform-apply")["PolicyNames"]:
        doc = iam.get_role_policy(RoleName="hooklake-terraform-apply", PolicyName=name)["PolicyDocument"]
        doc = json.loads(doc) if isinstance(doc, str) else doc
        actions = [a for s in doc["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
        if not any(a.startswith("iam:") for a in actions):
            continue  # the state policy: S3 and KMS, which moto judges as written
        kept = []
        for s in doc["Statement"]:
            if s["Effect"] == "Deny" and "Condition" in s:
                said.append(f"{name}/{s.get('Sid')}: Deny on condition {list(s['Condition'])} dropped")
                continue
            if s["Effect"] == "Allow" and (s.get("Resource") != "*" or "Condition" in s):
                said.append(f"{name}/{s.get('Sid')}: Resource {s.get('Resource')} -> \"*\""
                            + (f", condition {list(s['Condition'])} dropped" if "Condition" in s else ""))
                s = {k: v for k, v in s.items() if k != "Condition"}
                s["Resource"] = "*"
            kept.append(s)
        doc["Statement"] = kept
        iam.put_role_policy(RoleName="hooklake-terraform-apply", PolicyName=name, PolicyDocument=json.dumps(doc))
    return said


def trust_rehearsal_user(iam, role, user_arn):
    """GitHub's OIDC tokens cannot be had here, and moto refuses
    AssumeRoleWithWebIdentity with IAM enforced: the role also trusts the
    rehearsal's CI user, through plain AssumeRole."""
    doc = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    doc = json.loads(doc) if isinstance(doc, str) else doc
    doc["Statement"].append({"Sid": "Rehearsal", "Effect": "Allow", "Principal": {"AWS": user_arn},
                             "Action": "sts:AssumeRole"})
    iam.update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps(doc))


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory):
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    work = ea.copy_roots(ROOT, tmp_path_factory.mktemp("deploy"))
    for line in ea.leave_out(work):
        say(f"left out: {line}")
    for root in ("infra/bootstrap", "tests/deploy/aws"):
        (work / root / "rehearsal_override.tf").write_text(
            '# The rehearsal\'s: moto serves S3 on one host, path-style.\n'
            'provider "aws" {\n  s3_use_path_style = true\n}\n')
    cli_config = ea.terraform_cli_config(work, MIRROR)
    python_bin = pathlib.Path(os.environ.get("HOOKLAKE_PYTHON", sys.executable)).parent
    started = time.monotonic()
    with ea.emulated_account(python_bin, procs.free_port(), log=OUT / "moto.log") as account:
        bootstrap = ea.Terraform(work / "infra" / "bootstrap", account, cli_config, OUT)
        bootstrap.run("init", "-input=false", credentials=account.admin)
        bootstrap.run("apply", "-auto-approve", "-var", f"state_bucket_name={STATE_BUCKET}",
                      "-var", f"github_repository={REPOSITORY}", credentials=account.admin)
        boot = {k: v["value"] for k, v in json.loads(bootstrap.run("output", "-json", credentials=account.admin).stdout).items()}
        say(f"bootstrap applied by the administrator in {time.monotonic() - started:.0f} s")

        iam = account.client("iam")
        ci_arn, ci_key = account.user_with_key("rehearsal-ci", [boot["apply_role_arn"], boot["plan_role_arn"]])
        for role in ("hooklake-terraform-apply", "hooklake-terraform-plan"):
            trust_rehearsal_user(iam, role, ci_arn)
        say("the apply and plan roles also trust user/rehearsal-ci through AssumeRole "
            "(moto refuses AssumeRoleWithWebIdentity with IAM enforced)")
        for line in widen_apply_role(iam):
            say(f"widened: {line}")
        # moto judges a bucket policy's conditions with no request context, so
        # the state bucket's "Deny unless aws:SecureTransport" refuses every
        # request, TLS or not.
        account.client("s3").delete_bucket_policy(Bucket=STATE_BUCKET)
        say(f"set aside: the state bucket's TLS-only bucket policy (moto evaluates aws:SecureTransport as absent)")

        package = work / "hooklake-lambda-arm64.zip"
        with zipfile.ZipFile(package, "w") as z:
            z.writestr("bootstrap", "#!/bin/sh\n# the rehearsal's stand-in; nothing invokes it\n")
        deployment = ea.Terraform(work / "tests" / "deploy" / "aws", account, cli_config, OUT)
        backend = [f"-backend-config=bucket={STATE_BUCKET}", f"-backend-config=region={ea.REGION}",
                   f"-backend-config=kms_key_id={boot['state_key_arn']}", "-backend-config=use_path_style=true"]
        variables = ["-var", f"region={ea.REGION}", "-var", f"lake_bucket_name={LAKE_BUCKET}",
                     "-var", f"lambda_package={package}", "-var", f"permissions_boundary_arn={boot['permissions_boundary_arn']}",
                     "-var", f"redelivery_hooks={json.dumps(HOOKS)}"]
        apply_role = account.assume(boot["apply_role_arn"], ci_key, "deploy-yml-apply")
        deployment.run("init", "-input=false", *backend, credentials=apply_role)
        applied = deployment.run("apply", "-auto-approve", *variables, credentials=apply_role, check=False, timeout=1800)
        calls = ea.Terraform.calls(applied.log)
        (OUT / "apply-calls.txt").write_text("".join(f"{s} {o}\n" for s, o in calls))
        say(f"apply as the apply role: exit {applied.returncode}, {len(calls)} distinct AWS calls "
            f"(target/deploy-rehearsal/apply-calls.txt), {time.monotonic() - started:.0f} s in")
        state = {
            "account": account, "boot": boot, "ci_arn": ci_arn, "ci_key": ci_key, "apply_role": apply_role, "deployment": deployment,
            "variables": variables, "applied": applied, "calls": calls, "work": work, "started": started,
        }
        if applied.returncode == 0:
            state["outputs"] = json.loads(deployment.run("output", "-json", credentials=apply_role).stdout)["pipeline"]["value"]
        yield state
        if applied.returncode == 0 and not state.get("destroyed"):
            cleanup = account.assume(boot["apply_role_arn"], ci_key, "cleanup")
            forget_undeletable(deployment, cleanup)
            deployment.run("destroy", "-auto-approve", *variables, credentials=cleanup, check=False, timeout=600)
        say(f"rehearsal took {time.monotonic() - started:.0f} s")


# Attributes moto reads back otherwise than it was given, so a plan right
# after the apply shows them changed although nothing changed. A change to
# any other attribute, or any create, replace or destroy, fails the plan
# checks below.
READ_BACK = {
    ("aws_sqs_queue_policy", "policy"): "moto 5.2.5 answers GetQueueAttributes' Policy re-serialised, and the "
                                        "provider does not find it equivalent",
    ("aws_sqs_queue", "redrive_policy"): "moto answers RedrivePolicy with JSON whitespace the provider keeps as a change",
    ("aws_lambda_function", "logging_config"): "moto 5.2.5 answers GetFunction without LoggingConfig",
    ("aws_iam_user", "permissions_boundary"): "moto 5.2.5 keeps no user's permissions boundary (GetUser answers "
                                               "without it; a role's it keeps)",
}

# What the emulator cannot delete, taken out of the state before a destroy.
UNDELETABLE = {
    "aws_athena_named_query": "moto 5.2.5 answers Athena's DeleteNamedQuery with HTTP 500 (not implemented)",
}


def plan_changes(deployment, credentials, variables, *flags):
    """The plan's changes as {address: (actions, [changed attributes])}."""
    plan = deployment.run("plan", *flags, "-out=rehearsal.tfplan", *variables, credentials=credentials)
    shown = json.loads(deployment.run("show", "-json", "rehearsal.tfplan", credentials=credentials).stdout)
    changes = {}
    for change in shown.get("resource_changes", []):
        actions = change["change"]["actions"]
        if actions in (["no-op"], ["read"]):
            continue
        before, after = change["change"]["before"] or {}, change["change"]["after"] or {}
        unknown = change["change"].get("after_unknown") or {}
        changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k) or unknown.get(k) is True)
        changes[change["address"]] = (change["type"], actions, changed)
    return plan, changes


def assert_nothing_but_read_back(changes, who):
    unexplained = []
    for address, (kind, actions, changed) in sorted(changes.items()):
        if actions == ["update"] and all((kind, attr) in READ_BACK for attr in changed):
            for attr in changed:
                say(f"{who}: {address}.{attr} shows a change: {READ_BACK[(kind, attr)]}")
            continue
        unexplained.append(f"{address}: {actions} {changed}")
    assert not unexplained, f"{who} shows changes the emulator does not explain:\n" + "\n".join(unexplained)


def applied(rehearsal):
    if rehearsal["applied"].returncode != 0:
        pytest.fail("the apply failed, see test_the_apply_role_applies_the_deployment")
    return rehearsal["outputs"]


def test_the_apply_role_applies_the_deployment(rehearsal):
    done = rehearsal["applied"]
    assert done.returncode == 0, (
        "terraform apply as the apply role failed:\n" + done.stdout[-3000:] + "\n" + done.stderr[-6000:])
    services = {s for s, _ in rehearsal["calls"]}
    assert {"IAM", "SQS", "S3", "KMS", "Lambda"} <= services, services


def test_a_second_plan_shows_no_change(rehearsal):
    applied(rehearsal)
    again = rehearsal["account"].assume(rehearsal["boot"]["apply_role_arn"], rehearsal["ci_key"], "second-plan")
    _, changes = plan_changes(rehearsal["deployment"], again, rehearsal["variables"])
    assert_nothing_but_read_back(changes, "the second plan")


def test_the_plan_role_plans_and_reads_no_secret(rehearsal):
    outputs = applied(rehearsal)
    account = rehearsal["account"]
    account.client("secretsmanager").put_secret_value(SecretId=outputs["github_secret_arn"], SecretString='{"token":"ghp_rehearsal"}')
    plan_role = account.assume(rehearsal["boot"]["plan_role_arn"], rehearsal["ci_key"], "deploy-yml-plan")
    _, changes = plan_changes(rehearsal["deployment"], plan_role, rehearsal["variables"], "-lock=false")
    assert_nothing_but_read_back(changes, "the plan role's plan")
    secrets = account.client("secretsmanager", plan_role)
    with pytest.raises(Exception) as refused:
        secrets.get_secret_value(SecretId=outputs["github_secret_arn"])
    assert "AccessDenied" in str(refused.value), refused.value
    with pytest.raises(Exception) as refused:
        account.client("ssm", plan_role).get_parameter(Name="/hooklake/anything", WithDecryption=True)
    assert "AccessDenied" in str(refused.value), refused.value


def test_deliveries_run_through_what_terraform_created(rehearsal, tmp_path):
    outputs = applied(rehearsal)
    account = rehearsal["account"]
    helpers = _worker_helpers()

    # The Worker's first key, as rotate-worker-key.py makes it: by the apply role.
    iam = account.client("iam", rehearsal["apply_role"])
    key = iam.create_access_key(UserName=outputs["edge_user_name"])["AccessKey"]
    settings = {
        "WEBHOOK_SECRET": helpers.SECRET, "SQS_QUEUE_URL": outputs["queue_url"],
        "SQS_ALERT_QUEUE_URL": outputs["alert_queue_url"], "AWS_REGION": ea.REGION,
        "AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
        "CLAIM_CHECK_BUCKET": outputs["lake_bucket"], "AWS_ENDPOINT_URL": account.endpoint,
        "GITHUB_IP_ALLOWLIST": "off",
    }
    # moto judges the lake's TLS-only bucket policy as it does the state
    # bucket's (above): set aside while deliveries run, then put back.
    s3 = account.client("s3")
    lake_policy = s3.get_bucket_policy(Bucket=outputs["lake_bucket"])["Policy"]
    s3.delete_bucket_policy(Bucket=outputs["lake_bucket"])
    say("set aside while deliveries run: the lake bucket's TLS-only bucket policy (put back after)")
    try:
        deliver_and_ingest(rehearsal, outputs, settings, helpers, tmp_path)
    finally:
        s3.put_bucket_policy(Bucket=outputs["lake_bucket"], Policy=lake_policy)


def deliver_and_ingest(rehearsal, outputs, settings, helpers, tmp_path):
    account = rehearsal["account"]
    proc, worker = helpers.start_worker(settings)
    try:
        payloads = [json.loads(helpers.merged_payload()) for _ in range(3)]
        for number, v in enumerate(payloads, start=1):
            v["number"] = v["pull_request"]["number"] = number
            v["repository"]["full_name"] = f"octo/rehearsal-{number}"
        bodies = [json.dumps(v).encode() for v in payloads]
        bodies.append(helpers.merged_payload(extra_body="x" * 300_000))  # over SQS's limit: a claim check in the lake bucket
        for body in bodies:
            status, answer, _ = helpers.post(worker, "pull_request", body)
            assert status == 202, (status, answer)
        assert helpers.post(worker, "pull_request", bodies[0], secret="forged")[0] == 401
    finally:
        helpers.stop_worker(proc)

    # hooklake ingest with the ingest function's own role (it trusts the
    # Lambda service; the rehearsal's user is added, as for the CI roles).
    admin_iam = account.client("iam")
    role = admin_iam.get_role(RoleName="hooklake-ingest")["Role"]
    trust_rehearsal_user(admin_iam, "hooklake-ingest", rehearsal["ci_arn"])
    admin_iam.put_user_policy(UserName="rehearsal-ci", PolicyName="assume-ingest", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role["Arn"]}]}))
    ingest_role = account.assume(role["Arn"], rehearsal["ci_key"], "ingest")
    table = outputs["table_location"]
    with helpers.fake_github() as github:
        env = dict(os.environ, AWS_ENDPOINT_URL=account.endpoint, AWS_REGION=ea.REGION, AWS_EC2_METADATA_DISABLED="true",
                   HOOKLAKE_GITHUB_TOKEN="ghp_rehearsal", HOOKLAKE_GITHUB_API_URL=github, RUST_LOG="warn",
                   **{k.upper(): v for k, v in ingest_role.items()})
        out = procs.run([str(helpers.BIN_DIR / "hooklake"), "ingest", "--queue-url", outputs["queue_url"], "--lake", table,
                         "--exit-when-empty", "--batch-window", "2s"], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-4000:]
    assert "ingested 4 row(s)" in out.stderr, out.stderr[-2000:]

    # The lake as Athena reads it: the files under the table's location, and
    # the Glue table's columns.
    s3 = account.client("s3")
    bucket, prefix = table.removeprefix("s3://").split("/", 1)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])]
    assert keys and all(k.endswith(".parquet") and "/merged_date=" in k for k in keys), keys
    for k in keys:
        head = s3.head_object(Bucket=bucket, Key=k)
        assert head.get("ServerSideEncryption") == "aws:kms", head
        (tmp_path / k).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / k).write_bytes(s3.get_object(Bucket=bucket, Key=k)["Body"].read())
    glue = account.client("glue").get_table(DatabaseName="github_webhooks_db", Name="github_webhooks_table")["Table"]
    assert glue["StorageDescriptor"]["Location"].rstrip("/") == table.rstrip("/")
    con = duckdb.connect()
    con.execute(f"CREATE VIEW github_webhooks_table AS SELECT * FROM read_parquet('{tmp_path}/{prefix}**/*.parquet', hive_partitioning = true)")
    lake_columns = [r[0] for r in con.execute("DESCRIBE github_webhooks_table").fetchall()]
    glue_columns = [c["Name"] for c in glue["StorageDescriptor"]["Columns"]] + [p["Name"] for p in glue["PartitionKeys"]]
    assert lake_columns == glue_columns
    rows = con.execute((GENERATED / "reference_query.sql").read_text()).fetchall()
    assert len(rows) == 4


def test_schedules_functions_and_alarms_exist_as_the_outputs_say(rehearsal):
    outputs = applied(rehearsal)
    account = rehearsal["account"]
    lam = account.client("lambda")
    for name, handler in [(outputs["ingest_function_name"], "bootstrap"), (outputs["compaction_function_name"], "compact"),
                          (outputs["redelivery_function_name"], "redeliver")]:
        assert lam.get_function(FunctionName=name)["Configuration"]["Handler"] == handler
    env = lam.get_function(FunctionName=outputs["redelivery_function_name"])["Configuration"]["Environment"]["Variables"]
    assert env["HOOKLAKE_REDELIVER_HOOKS"] == ",".join(HOOKS)
    events = account.client("events")
    scheduled = {t["Arn"].rsplit(":", 1)[-1] for r in events.list_rules(NamePrefix="hooklake")["Rules"]
                 for t in events.list_targets_by_rule(Rule=r["Name"])["Targets"]}
    assert {outputs["compaction_function_name"], outputs["redelivery_function_name"]} <= scheduled
    ingest_arn = lam.get_function(FunctionName=outputs["ingest_function_name"])["Configuration"]["FunctionArn"]
    mappings = [m for m in lam.list_event_source_mappings()["EventSourceMappings"] if m["FunctionArn"] == ingest_arn]
    assert [m["EventSourceArn"].rsplit(":", 1)[-1] for m in mappings] == ["hooklake-deliveries"]
    alarms = account.client("cloudwatch").describe_alarms(AlarmNamePrefix="hooklake")["MetricAlarms"]
    assert alarms and all(outputs["alarm_topic_arn"] in a["AlarmActions"] for a in alarms)
    assert account.client("cloudwatch").get_dashboard(DashboardName=outputs["dashboard_name"])["DashboardBody"]
    # The dedup view beside the table (the Athena workgroup and its named
    # queries are read back by every plan above; moto's Athena answers
    # boto3's ListWorkGroups with 404).
    glue = account.client("glue")
    assert glue.get_table(DatabaseName="github_webhooks_db", Name="merged_pull_requests")["Table"]["TableType"] == "VIRTUAL_VIEW"


def forget_undeletable(deployment, credentials):
    for address in deployment.run("state", "list", credentials=credentials).stdout.splitlines():
        kind = address.split("[")[0].split(".")[-2]
        if kind in UNDELETABLE:
            deployment.run("state", "rm", address, credentials=credentials)
            say(f"left to the emulator at destroy: {address}: {UNDELETABLE[kind]}")


def test_the_apply_role_destroys_it(rehearsal):
    outputs = applied(rehearsal)
    account = rehearsal["account"]
    # What Terraform does not own goes first, as an operator would do it: the
    # Worker's key (made by rotate-worker-key.py) and the lake's files (the
    # bucket has no force_destroy: a destroy never deletes data).
    s3 = account.client("s3")
    s3.delete_bucket_policy(Bucket=outputs["lake_bucket"])  # moto's TLS judgement, as above
    listed = s3.list_object_versions(Bucket=outputs["lake_bucket"])
    for v in listed.get("Versions", []) + listed.get("DeleteMarkers", []):
        s3.delete_object(Bucket=outputs["lake_bucket"], Key=v["Key"], VersionId=v["VersionId"])
    iam = account.client("iam")
    for k in iam.list_access_keys(UserName=outputs["edge_user_name"])["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=outputs["edge_user_name"], AccessKeyId=k["AccessKeyId"])
    role = account.assume(rehearsal["boot"]["apply_role_arn"], rehearsal["ci_key"], "destroy")
    forget_undeletable(rehearsal["deployment"], role)
    done = rehearsal["deployment"].run("destroy", "-auto-approve", *rehearsal["variables"], credentials=role,
                                       check=False, timeout=1800)
    rehearsal["destroyed"] = True
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-4000:]
    assert account.client("lambda").list_functions()["Functions"] == []
    assert account.client("sqs").list_queues().get("QueueUrls", []) == []
    say(f"destroyed as the apply role, {time.monotonic() - rehearsal['started']:.0f} s in")
