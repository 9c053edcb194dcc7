#!/usr/bin/env python3
"""Gives the Worker a new AWS access key, with no delivery refused, and
deletes the one before. The key's secret goes from IAM straight to the
Worker: never to Terraform's state, a file that outlives the run, or the
output.

1. IAM makes a second key for the Worker's user (IAM allows two).
2. The new key is tried (sts:GetCallerIdentity) until IAM serves it: a new
   key takes a few seconds to work everywhere.
3. `wrangler secret bulk` gives the Worker AWS_ACCESS_KEY_ID and
   AWS_SECRET_ACCESS_KEY in one new version, so no request ever signs with
   half of one key and half of the other.
4. After --overlap (requests of the old version still in flight), every
   other key of the user is deleted.

A run that fails before the Worker has the new key (IAM never serves it,
wrangler fails) deletes that key again, so the user is left with the one
the Worker uses and the next run starts clean.

A first deployment (the Worker has no AWS_ACCESS_KEY_ID) is the same, with
nothing to delete; --only-if-unset does only that case (the deploy
workflow). .github/workflows/rotate.yml runs it on a schedule. Needs AWS
credentials allowed iam:ListAccessKeys/CreateAccessKey/DeleteAccessKey on
the user (rotate.yml: infra/bootstrap's rotate role), boto3 (pinned in
scripts/requirements-deploy.txt), and wrangler with CLOUDFLARE_API_TOKEN
("Workers Scripts: Edit") and CLOUDFLARE_ACCOUNT_ID.

Usage: scripts/rotate-worker-key.py --user NAME [--overlap SECONDS] [--only-if-unset]
       (NAME: terraform output edge_user_name)
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time

import boto3


# boto3 reads AWS_DEFAULT_REGION only; the rest of hooklake (and the AWS CLI) AWS_REGION too.
REGION = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def log(message):
    print(message, file=sys.stderr, flush=True)


def worker_secret_names(wrangler):
    listed = subprocess.run([*wrangler, "secret", "list", "--format", "json"], check=True,
                            capture_output=True, text=True).stdout
    return {s["name"] for s in json.loads(listed[listed.index("["):])}


def wait_until_usable(key, timeout):
    """Until STS accepts the new key (IAM is eventually consistent)."""
    sts = boto3.client("sts", region_name=REGION, aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    deadline = time.monotonic() + timeout
    while True:
        try:
            return sts.get_caller_identity()["Arn"]
        except Exception as e:  # noqa: BLE001 - any refusal means "not yet" until the deadline
            if time.monotonic() > deadline:
                raise SystemExit(f"the new key {key['AccessKeyId']} still does not work after {timeout} s: {e}")
            time.sleep(2)


def give_to_worker(wrangler, key):
    """One Worker version with both halves of the key."""
    with tempfile.NamedTemporaryFile("w", suffix=".json") as secrets:  # mode 0600, deleted on close
        json.dump({"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}, secrets)
        secrets.flush()
        done = subprocess.run([*wrangler, "secret", "bulk", secrets.name], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"wrangler secret bulk failed ({done.returncode}): {done.stderr.strip()}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--user", required=True, help="the Worker's IAM user (terraform output edge_user_name)")
    parser.add_argument("--overlap", type=float, default=120,
                        help="seconds both keys stay valid after the Worker has the new one (default 120)")
    parser.add_argument("--only-if-unset", action="store_true",
                        help="only give a Worker without AWS_ACCESS_KEY_ID its first key")
    parser.add_argument("--usable-timeout", type=float, default=120,
                        help="longest wait for IAM to serve the new key (default 120 s)")
    parser.add_argument("--wrangler", default="npx wrangler", help="how to run wrangler (default: npx wrangler)")
    args = parser.parse_args()
    wrangler = shlex.split(args.wrangler)
    iam = boto3.client("iam", region_name=REGION)

    if args.only_if_unset and "AWS_ACCESS_KEY_ID" in worker_secret_names(wrangler):
        log("the Worker has an AWS_ACCESS_KEY_ID; nothing to do (--only-if-unset)")
        return
    old = iam.list_access_keys(UserName=args.user)["AccessKeyMetadata"]
    if len(old) >= 2:
        raise SystemExit(
            f"{args.user} already has two access keys ({', '.join(k['AccessKeyId'] for k in old)}), IAM's limit: "
            "a rotation was interrupted. Delete the one the Worker does not use (`aws iam get-access-key-last-used "
            "--access-key-id ID` shows which is in use) and run again.")
    key = iam.create_access_key(UserName=args.user)["AccessKey"]
    log(f"1/4 new access key {key['AccessKeyId']} for {args.user}")
    try:
        arn = wait_until_usable(key, args.usable_timeout)
        log(f"2/4 it works: {arn}")
        give_to_worker(wrangler, key)
    except BaseException:
        # The Worker never got it: delete it, so the user keeps only the key
        # the Worker uses and the next run is not stopped at IAM's two keys.
        iam.delete_access_key(UserName=args.user, AccessKeyId=key["AccessKeyId"])
        log(f"the new key {key['AccessKeyId']} was deleted again; the Worker keeps its key, unchanged")
        raise
    log("3/4 the Worker has it (one version with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)")
    if old:
        time.sleep(args.overlap)
    for k in old:
        iam.delete_access_key(UserName=args.user, AccessKeyId=k["AccessKeyId"])
    log(f"4/4 deleted the key before: {', '.join(k['AccessKeyId'] for k in old) or 'none (first key)'}")


if __name__ == "__main__":
    main()
