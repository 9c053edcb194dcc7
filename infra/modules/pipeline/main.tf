# hooklake on AWS: the key, the queues, the lake, the three functions, the
# catalog and the alarms. infra/example adds the GitHub webhooks to it; the
# deploy rehearsal (tests/deploy) applies it alone.

locals {
  tags = merge({ application = "hooklake", name = var.name }, var.tags)
}

module "key" {
  source                         = "../key"
  name                           = var.name
  region                         = var.region
  encrypt_via_service_principals = [module.edge_principal.user_arn]
  tags                           = local.tags
}

module "lake" {
  source      = "../lake"
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
  source                     = "../queue"
  name                       = var.name
  kms_key_arn                = module.key.key_arn
  alert_senders              = [module.edge_principal.user_arn]
  visibility_timeout_seconds = 6 * local.ingest_timeout_seconds + local.batching_window_seconds
  tags                       = local.tags
}

module "edge_principal" {
  source                   = "../edge_principal"
  permissions_boundary_arn = var.permissions_boundary_arn
  name                     = var.name
  queue_arn                = module.queue.deliveries_arn
  bucket_arn               = module.lake.bucket_arn
  claim_check_prefix       = module.lake.claim_check_prefix
  tags                     = local.tags
}

module "ingest" {
  source                   = "../ingest"
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
  source                   = "../compaction"
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
  source           = "../catalog"
  name             = var.name
  table_location   = module.lake.table_location
  results_location = module.lake.athena_results_location
  kms_key_arn      = module.key.key_arn
  tags             = local.tags
}

module "alarms" {
  source                   = "../alarms"
  name                     = var.name
  kms_key_arn              = module.key.key_arn
  queue_name               = module.queue.deliveries_name
  dead_letter_queue_name   = module.queue.dead_letter_name
  alert_queue_name         = module.queue.alerts_name
  function_name            = module.ingest.function_name
  compaction_function_name = module.compaction.function_name
  redelivery_function_name = module.redelivery.function_name
  alarm_emails             = var.alarm_emails
  region                   = var.region
  tags                     = local.tags
}

module "redelivery" {
  source                   = "../redelivery"
  permissions_boundary_arn = var.permissions_boundary_arn
  name                     = var.name
  package_path             = var.lambda_package
  hooks                    = var.redelivery_hooks
  bucket_name              = module.lake.bucket_name
  bucket_arn               = module.lake.bucket_arn
  kms_key_arn              = module.key.key_arn
  schedule                 = var.redelivery_schedule
  tags                     = local.tags
}
