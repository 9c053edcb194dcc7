"""An AWS account on loopback that enforces IAM, for the deploy rehearsal.

moto's server, started with IAM enforced: the first few calls are free (they
make an administrator user and its key), every later call is judged by the
caller's policies. Terraform runs against it with the AWS provider from the
filesystem mirror the machine image carries (no registry serves it here).
"""
import contextlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import boto3

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # tests/: procs
import procs  # noqa: E402

REGION = "us-east-1"
# The calls that make the administrator (CreateUser, AttachUserPolicy,
# CreateAccessKey); everything after them is judged.
FREE_CALLS = 3


def provider_mirror():
    """The root of a filesystem mirror that holds hashicorp/aws, or None."""
    for root in [os.environ.get("HOOKLAKE_TF_PROVIDER_MIRROR"), "/opt/tf-plugins",
                 str(pathlib.Path.home() / ".terraform.d" / "plugins")]:
        if root and any(pathlib.Path(root).glob("registry.terraform.io/hashicorp/aws/*/*/terraform-provider-aws*")):
            return root
    return None


def terraform_cli_config(into, mirror):
    """A CLI config that installs hashicorp/aws from `mirror` and nothing
    from the network."""
    path = pathlib.Path(into) / "terraform.rc"
    path.write_text(f'''provider_installation {{
  filesystem_mirror {{
    path    = "{mirror}"
    include = ["registry.terraform.io/hashicorp/aws"]
  }}
  direct {{
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }}
}}
''')
    return path


class Account:
    """The emulated account: its endpoint and an administrator's key."""

    def __init__(self, endpoint):
        self.endpoint = endpoint
        iam = self.client("iam", {"aws_access_key_id": "setup", "aws_secret_access_key": "setup"})
        iam.create_user(UserName="administrator")
        iam.attach_user_policy(UserName="administrator", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
        key = iam.create_access_key(UserName="administrator")["AccessKey"]
        self.admin = {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}

    def client(self, service, credentials=None):
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION, **(credentials or self.admin))

    def user_with_key(self, name, may_assume=()):
        """A user with a key, allowed sts:AssumeRole on `may_assume` (the
        roles' trust policies must name it too)."""
        iam = self.client("iam")
        user = iam.create_user(UserName=name)["User"]
        if may_assume:
            iam.put_user_policy(UserName=name, PolicyName="assume", PolicyDocument=json.dumps({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": list(may_assume)}]}))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return user["Arn"], {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}

    def assume(self, role_arn, credentials, session="rehearsal"):
        got = self.client("sts", credentials).assume_role(RoleArn=role_arn, RoleSessionName=session)["Credentials"]
        return {"aws_access_key_id": got["AccessKeyId"], "aws_secret_access_key": got["SecretAccessKey"],
                "aws_session_token": got["SessionToken"]}

    @staticmethod
    def env(credentials):
        env = {"AWS_ACCESS_KEY_ID": credentials["aws_access_key_id"],
               "AWS_SECRET_ACCESS_KEY": credentials["aws_secret_access_key"]}
        if "aws_session_token" in credentials:
            env["AWS_SESSION_TOKEN"] = credentials["aws_session_token"]
        return env


@contextlib.contextmanager
def emulated_account(python_bin_dir, port, log=os.devnull):
    """moto's server with IAM enforced on 127.0.0.1:`port`, its requests and
    errors written to `log`; yields an Account."""
    env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT=str(FREE_CALLS), MOTO_IAM_LOAD_MANAGED_POLICIES="true")
    server = pathlib.Path(__file__).with_name("moto_iam_server.py")
    proc = procs.spawn([str(pathlib.Path(python_bin_dir) / "python"), str(server), "-H", "127.0.0.1", "-p", str(port)],
                       env=env, stdout=subprocess.DEVNULL, stderr=open(log, "a"))
    endpoint = f"http://127.0.0.1:{port}"
    try:
        procs.wait_for(endpoint + "/moto-api/", timeout=60, process=proc)
        yield Account(endpoint)
    finally:
        procs.stop(proc)


class Terraform:
    """`terraform` in one root, against the emulated account, with the
    credentials given per call; every AWS call the provider makes is in the
    provider's debug log, which `calls` reads."""

    def __init__(self, root, account, cli_config, log_dir):
        self.root, self.account, self.cli_config, self.log_dir = pathlib.Path(root), account, cli_config, pathlib.Path(log_dir)
        self.runs = 0

    def run(self, *args, credentials, check=True, timeout=900):
        self.runs += 1
        log = self.log_dir / f"{self.root.name}-{self.runs}-{args[0]}.log"
        env = dict(os.environ, TF_CLI_CONFIG_FILE=str(self.cli_config), TF_IN_AUTOMATION="1", TF_INPUT="0",
                   AWS_ENDPOINT_URL=self.account.endpoint, AWS_REGION=REGION, AWS_DEFAULT_REGION=REGION,
                   AWS_EC2_METADATA_DISABLED="true", TF_LOG_PROVIDER="DEBUG", TF_LOG_PATH=str(log),
                   CHECKPOINT_DISABLE="1", **Account.env(credentials))
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            if name not in Account.env(credentials):
                env.pop(name, None)
        # Flags go before positional arguments (`state rm ADDRESS`, `show FILE`).
        command = 2 if args[0] == "state" else 1
        done = procs.run(["terraform", f"-chdir={self.root}", *args[:command], "-no-color", *args[command:]], env=env,
                         capture_output=True, text=True, timeout=timeout)
        done.log = log
        if check and done.returncode != 0:
            raise AssertionError(f"terraform {' '.join(args)} failed ({done.returncode}):\n{done.stdout[-4000:]}\n{done.stderr[-6000:]}")
        return done

    @staticmethod
    def calls(log):
        """The (service, operation) pairs the provider sent, in first-call
        order, from its debug log (one record per "HTTP Request Sent")."""
        seen = {}
        for record in re.split(r"\n(?=\d{4}-\d\d-\d\dT)", pathlib.Path(log).read_text(errors="replace")):
            if "HTTP Request Sent" not in record:
                continue
            service, operation = re.search(r'rpc\.service=("[^"]*"|\S+)', record), re.search(r"rpc\.method=(\S+)", record)
            if service and operation:
                seen.setdefault((service.group(1).strip('"'), operation.group(1)), None)
        return list(seen)


def copy_roots(repo, into):
    """infra/, the catalog it reads (schema/generated) and the rehearsal's
    root, copied with their relative paths, so override files never touch
    the checkout."""
    into = pathlib.Path(into)
    shutil.copytree(repo / "schema" / "generated", into / "schema" / "generated")
    shutil.copytree(repo / "infra", into / "infra", ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    shutil.copytree(repo / "tests" / "deploy" / "aws", into / "tests" / "deploy" / "aws",
                    ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    return into


# What the emulator cannot do, each left out of the rehearsal's copy of
# infra/ by name: (file, the resource's opening line, why).
LEFT_OUT = [
    ("infra/modules/queue/main.tf", 'resource "aws_sqs_queue_redrive_allow_policy" "dead_letter" {',
     "moto 5.2.5 does not know the SQS attribute RedriveAllowPolicy (GetQueueAttributes answers "
     "InvalidAttributeName), so the provider waits for it forever"),
]


def leave_out(copy_root):
    """Gives each LEFT_OUT resource `count = 0` in the copy; returns what it
    left out, for the rehearsal to print."""
    said = []
    for path, opening, why in LEFT_OUT:
        file = pathlib.Path(copy_root) / path
        text = file.read_text()
        if opening not in text:
            raise AssertionError(f"{path} no longer has {opening!r}: update LEFT_OUT")
        file.write_text(text.replace(opening, opening + "\n  count = 0 # left out by the rehearsal", 1))
        said.append(f"{opening.rstrip(' {')} ({path}): {why}")
    return said
