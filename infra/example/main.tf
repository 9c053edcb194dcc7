# hooklake on AWS and GitHub: the AWS pipeline (../modules/pipeline) and the
# webhooks that post to the Worker. docs/deploy.md walks through it from an
# empty account.

module "pipeline" {
  source                   = "../modules/pipeline"
  region                   = var.region
  name                     = var.name
  lake_bucket_name         = var.lake_bucket_name
  lambda_package           = var.lambda_package
  alarm_emails             = var.alarm_emails
  compaction_schedule      = var.compaction_schedule
  redelivery_schedule      = var.redelivery_schedule
  redelivery_hooks         = local.hooks
  permissions_boundary_arn = var.permissions_boundary_arn
}

module "github_webhook" {
  source               = "../modules/github_webhook"
  url                  = var.worker_url
  repositories         = var.github_repositories
  organization_webhook = var.github_organization_webhook
}

# Every hook this deployment created: the redelivery schedule reads their
# logs, `hooklake rotate-secret` switches their secret.
locals {
  hooks = concat(
    [for r in var.github_repositories : "repo:${var.github_owner}/${r}:${module.github_webhook.repository_hook_ids[r]}"],
    var.github_organization_webhook ? ["org:${var.github_owner}:${module.github_webhook.organization_hook_id}"] : [],
  )
}
