# hooklake on AWS and GitHub, from the modules in ../modules.
# docs/deploy.md walks through it from an empty account.

locals {
  tags = { application = "hooklake", name = var.name }
}

module "key" {
  source                         = "../modules/key"
  name                           = var.name
  encrypt_via_service_principals = [module.edge_principal.user_arn]
  tags                           = local.tags
}

module "lake" {
  source      = "../modules/lake"
  bucket_name = var.lake_bucket_name
  kms_key_arn = module.key.key_arn
  tags        = local.tags
}

locals {
  # The ingest function's timeout and batching window, set once: the
  # queue's visibility timeout is derived from both (AWS's advice for SQS
  # event sources: six times the timeout, plus the batching window).
  ingest_timeout_seconds  = 60
  batching_window_seconds = 30
}

module "queue" {
  source                     = "../modules/queue"
  name                       = var.name
  kms_key_arn                = module.key.key_arn
  alert_senders              = [module.edge_principal.user_arn]
  visibility_timeout_seconds = 6 * local.ingest_timeout_seconds + local.batching_window_seconds
  tags                       = local.tags
}

module "edge_principal" {
  source                   = "../modules/edge_principal"
  permissions_boundary_arn = var.permissions_boundary_arn
  name                     = var.name
  queue_arn                = module.queue.deliveries_arn
  bucket_arn               = module.lake.bucket_arn
  claim_check_prefix       = module.lake.claim_check_prefix
  tags                     = local.tags
}

module "ingest" {
  source                   = "../modules/ingest"
  permissions_boundary_arn = var.permissions_boundary_arn
  name                     = var.name
  package_path             = var.lambda_package
  queue_arn                = module.queue.deliveries_arn
  bucket_name              = module.lake.bucket_name
  bucket_arn               = module.lake.bucket_arn
  table_prefix             = module.lake.table_prefix
  claim_check_prefix       = module.lake.claim_check_prefix
  kms_key_arn              = module.key.key_arn
  timeout_seconds          = local.ingest_timeout_seconds
  batching_window_seconds  = local.batching_window_seconds
  tags                     = local.tags
}

module "compaction" {
  source                   = "../modules/compaction"
  permissions_boundary_arn = var.permissions_boundary_arn
  name                     = var.name
  package_path             = var.lambda_package
  bucket_name              = module.lake.bucket_name
  bucket_arn               = module.lake.bucket_arn
  table_prefix             = module.lake.table_prefix
  kms_key_arn              = module.key.key_arn
  github_secret_arn        = module.ingest.github_secret_arn
  schedule                 = var.compaction_schedule
  tags                     = local.tags
}

module "catalog" {
  source           = "../modules/catalog"
  name             = var.name
  table_location   = module.lake.table_location
  results_location = module.lake.athena_results_location
  kms_key_arn      = module.key.key_arn
  tags             = local.tags
}

module "alarms" {
  source                   = "../modules/alarms"
  name                     = var.name
  kms_key_arn              = module.key.key_arn
  queue_name               = module.queue.deliveries_name
  dead_letter_queue_name   = module.queue.dead_letter_name
  alert_queue_name         = module.queue.alerts_name
  function_name            = module.ingest.function_name
  compaction_function_name = module.compaction.function_name
  redelivery_function_name = module.redelivery.function_name
  alarm_emails             = var.alarm_emails
  tags                     = local.tags
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
  redelivery_hooks = concat(
    [for r in var.github_repositories : "repo:${var.github_owner}/${r}:${module.github_webhook.repository_hook_ids[r]}"],
    var.github_organization_webhook ? ["org:${var.github_owner}:${module.github_webhook.organization_hook_id}"] : [],
  )
}

module "redelivery" {
  source                   = "../modules/redelivery"
  permissions_boundary_arn = var.permissions_boundary_arn
  name                     = var.name
  package_path             = var.lambda_package
  hooks                    = local.redelivery_hooks
  bucket_name              = module.lake.bucket_name
  bucket_arn               = module.lake.bucket_arn
  kms_key_arn              = module.key.key_arn
  schedule                 = var.redelivery_schedule
  tags                     = local.tags
}
