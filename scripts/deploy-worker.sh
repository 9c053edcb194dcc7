#!/usr/bin/env bash
# Deploys the Worker with the settings and secrets Terraform generated, so
# the Worker and AWS/GitHub never drift apart. Needs CLOUDFLARE_API_TOKEN,
# CLOUDFLARE_ACCOUNT_ID, and read access to the Terraform state.
# Usage: scripts/deploy-worker.sh TERRAFORM_DIR   (e.g. infra/example)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
tf_dir="${1:?usage: deploy-worker.sh TERRAFORM_DIR}"
out() { terraform -chdir="$tf_dir" output -raw "$1"; }

cd "$ROOT"
npm ci --no-audit --no-fund
npx wrangler deploy \
  --var "SQS_QUEUE_URL:$(out queue_url)" \
  --var "AWS_REGION:$(out region)" \
  --var "CLAIM_CHECK_BUCKET:$(out lake_bucket)" \
  --var "SQS_ALERT_QUEUE_URL:$(out alert_queue_url)"

# Secrets go through a private temporary file, never the command line.
umask 077
secrets="$(mktemp)"
trap 'rm -f "$secrets"' EXIT
WEBHOOK_SECRET="$(out webhook_secret)" \
WEBHOOK_SECRET_PREVIOUS="$(out webhook_secret_previous)" \
AWS_ACCESS_KEY_ID="$(out edge_access_key_id)" \
AWS_SECRET_ACCESS_KEY="$(out edge_secret_access_key)" \
  python3 -c 'import json, os; print(json.dumps({k: os.environ[k] for k in
    ["WEBHOOK_SECRET", "WEBHOOK_SECRET_PREVIOUS", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]}))' > "$secrets"
npx wrangler secret bulk "$secrets"
