#!/usr/bin/env bash
# Deploys the Worker with the settings Terraform's outputs give (queue, region,
# buckets), so the Worker and AWS never drift apart. Its secrets are not in
# Terraform: a new Worker gets its first webhook secret and AWS key from the
# rotation tools (--only-if-unset leaves a Worker that has them alone), which
# write them straight to Cloudflare. Needs CLOUDFLARE_API_TOKEN,
# CLOUDFLARE_ACCOUNT_ID, read access to the Terraform state, AWS credentials
# that may manage the Worker user's access keys, GitHub credentials with
# "Webhooks: Read and write" (HOOKLAKE_GITHUB_TOKEN), boto3, and the hooklake
# CLI (HOOKLAKE, default: hooklake on PATH). Install wrangler first, without
# any of those credentials in the environment (`npm ci --ignore-scripts`):
# this script runs no package installation.
# Usage: scripts/deploy-worker.sh TERRAFORM_DIR   (e.g. infra/example)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
tf_dir="${1:?usage: deploy-worker.sh TERRAFORM_DIR}"
out() { terraform -chdir="$tf_dir" output -raw "$1"; }
HOOKLAKE="${HOOKLAKE:-hooklake}"

cd "$ROOT"
[[ -x node_modules/.bin/wrangler ]] || { echo "deploy-worker.sh: run \`npm ci --ignore-scripts\` first, before any credential is in the environment" >&2; exit 1; }
# With a hostname of the zone's (EDGE_HOSTNAME, infra/edge), the Worker is
# served there alone: a route makes wrangler turn the workers.dev address off
# (its default when routes are given), and preview URLs are off in
# wrangler.toml, so no request reaches it around the zone's rules.
route=()
if [[ -n "${EDGE_HOSTNAME:-}" ]]; then
  route=(--route "$EDGE_HOSTNAME/*")
fi
npx wrangler deploy "${route[@]}" \
  --var "SQS_QUEUE_URL:$(out queue_url)" \
  --var "AWS_REGION:$(out region)" \
  --var "CLAIM_CHECK_BUCKET:$(out lake_bucket)" \
  --var "SQS_ALERT_QUEUE_URL:$(out alert_queue_url)"

# A new Worker's first AWS key, then its first webhook secret (which GitHub's
# hooks are switched to once the Worker accepts it).
python3 scripts/rotate-worker-key.py --only-if-unset --user "$(out edge_user_name)"
hooks=()
while IFS= read -r hook; do hooks+=(--hook "$hook"); done \
  < <(terraform -chdir="$tf_dir" output -json webhook_hooks | python3 -c 'import json, sys; print("\n".join(json.load(sys.stdin)))')
worker_name="$(awk -F'"' '/^name *=/ {print $2; exit}' wrangler.toml)"
"$HOOKLAKE" rotate-secret --only-if-unset "${hooks[@]}" --worker-url "$(out worker_url)" --worker-name "$worker_name"
# Hooks post to the Worker's URL as Terraform's outputs name it. Terraform
# itself never moves a hook (its update would wipe the secret): this sends
# GitHub the URL alone, once the Worker answers there.
"$HOOKLAKE" hook-url "${hooks[@]}" --url "$(out worker_url)"
