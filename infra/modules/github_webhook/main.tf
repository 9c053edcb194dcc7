# The GitHub webhook, without a secret in Terraform.
#
# Terraform stores every argument it manages in its state, and the state is
# readable wherever a plan runs. So the secret GitHub signs with is not an
# argument here: `hooklake rotate-secret` makes it and writes it only to the
# Worker (WEBHOOK_SECRET, through Cloudflare's API) and to the hooks
# (GitHub's "Update a webhook configuration"). The deploy workflow runs it
# once for a new Worker (--only-if-unset), .github/workflows/rotate.yml on a
# schedule. GitHub answers a hook's secret as "********", so what Terraform
# reads back reveals nothing, and it ignores the secret so it never unsets it.
#
# Terraform also never changes a hook's URL: the provider's update sends the
# whole configuration, secret included, and the secret it holds is none, so
# GitHub would sign every later delivery with nothing and the Worker would
# refuse them all. A new hook is created at var.url; an existing one is moved
# by `hooklake hook-url`, which sends GitHub the URL alone
# (scripts/deploy-worker.sh, after every deploy).

locals {
  configuration = {
    url          = var.url
    content_type = "json"
    insecure_ssl = false
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
  }

  lifecycle {
    ignore_changes = [configuration[0].secret, configuration[0].url]
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
  }

  lifecycle {
    ignore_changes = [configuration[0].secret, configuration[0].url]
  }
}
