# The identity the Cloudflare Worker signs its SQS and S3 requests with.
# Cloudflare cannot assume an AWS role (it has no OIDC identity AWS trusts),
# so this is an IAM user with one access key (made outside Terraform, below),
# in a group whose only policy is
# the two actions the Worker performs. Anything else it needs (encrypting with
# the key, reporting to the alert queue) is granted by those resources'
# own policies, scoped to it.

resource "aws_iam_user" "edge" {
  #checkov:skip=CKV_AWS_273:Cloudflare Workers cannot assume an AWS role or use SSO; this user has one key and a two-action policy.
  name                 = "${var.name}-edge"
  path                 = "/hooklake/"
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

resource "aws_iam_group" "edge" {
  name = "${var.name}-edge"
  path = "/hooklake/"
}

resource "aws_iam_user_group_membership" "edge" {
  user   = aws_iam_user.edge.name
  groups = [aws_iam_group.edge.name]
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

resource "aws_iam_group_policy" "edge" {
  name   = "${var.name}-edge"
  group  = aws_iam_group.edge.name
  policy = data.aws_iam_policy_document.edge.json
}

# No aws_iam_access_key here: its secret would be in Terraform's state.
# scripts/rotate-worker-key.sh creates the key, gives it to the Worker and
# deletes the one before (the deploy workflow for a new Worker,
# .github/workflows/rotate.yml on a schedule).
