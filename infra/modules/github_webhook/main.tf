# The GitHub webhook, with a secret Terraform generates.
#
# Two secret slots, "blue" and "green", make rotation safe: the Worker accepts
# both while `accept_inactive_secret` is on (WEBHOOK_SECRET and
# WEBHOOK_SECRET_PREVIOUS), GitHub signs with the active one. To rotate:
# regenerate the inactive slot and accept it, switch `active_secret`, then stop
# accepting the old one; docs/operations.md has every command.

resource "random_password" "secret" {
  for_each = toset(["blue", "green"])
  length   = 48
  special  = false
  keepers = {
    generation = var.secret_generations[each.key]
  }
}

locals {
  inactive      = var.active_secret == "blue" ? "green" : "blue"
  active_secret = random_password.secret[var.active_secret].result
  configuration = {
    url          = var.url
    content_type = "json"
    insecure_ssl = false
    secret       = local.active_secret
  }
}

resource "github_repository_webhook" "this" {
  for_each   = toset(var.repositories)
  repository = each.value
  active     = true
  events     = ["pull_request"]

  configuration {
    url          = local.configuration.url
    content_type = local.configuration.content_type
    insecure_ssl = local.configuration.insecure_ssl
    secret       = local.configuration.secret
  }
}

resource "github_organization_webhook" "this" {
  count  = var.organization_webhook ? 1 : 0
  active = true
  events = ["pull_request"]

  configuration {
    url          = local.configuration.url
    content_type = local.configuration.content_type
    insecure_ssl = local.configuration.insecure_ssl
    secret       = local.configuration.secret
  }
}
