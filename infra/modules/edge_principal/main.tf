# The identity the Cloudflare Worker signs its SQS and S3 requests with.
# Cloudflare cannot assume an AWS role (it has no OIDC identity AWS trusts),
# so this is an IAM user with one access key (made outside Terraform, below),
# whose only policy is the two actions the Worker performs. Anything else it needs (encrypting with
# the key, reporting to the alert queue) is granted by those resources'
# own policies, scoped to it.

resource "aws_iam_user" "edge" {
  #checkov:skip=CKV_AWS_273:Cloudflare Workers cannot assume an AWS role or use SSO; this user has one key and a two-action policy.
  name                 = "${var.name}-edge"
  path                 = "/hooklake/"
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

data "aws_iam_policy_document" "edge" {
  statement {
    sid       = "EnqueueDeliveries"
    actions   = ["sqs:SendMessage"]
    resources = [var.queue_arn]
  }

  statement {
    sid       = "StoreOversizeDeliveries"
    actions   = ["s3:PutObject"]
    resources = ["${var.bucket_arn}/${var.claim_check_prefix}*"]
  }
}

# On the user, not a group: a group carries no permissions boundary, so an
# apply role allowed to write group policies could grant anything to any
# user it adds to the group. The user carries the boundary.
resource "aws_iam_user_policy" "edge" {
  #checkov:skip=CKV_AWS_40:A group has no permissions boundary; the policy stays on the one bounded user it is for.
  name   = "${var.name}-edge"
  user   = aws_iam_user.edge.name
  policy = data.aws_iam_policy_document.edge.json
}

# No aws_iam_access_key here: its secret would be in Terraform's state.
# scripts/rotate-worker-key.sh creates the key, gives it to the Worker and
# deletes the one before (the deploy workflow for a new Worker,
# .github/workflows/rotate.yml on a schedule).
