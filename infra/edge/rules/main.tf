# The expressions of the Cloudflare rules before the Worker, by the zone's
# plan. Rate-limiting rules may use only some fields on each plan
# (developers.cloudflare.com/waf/rate-limiting-rules/#availability): Free
# matches on the path alone, Pro adds the hostname, Business and Enterprise
# the method. No provider: tests/infra evaluates it with `terraform apply`.

terraform {
  required_version = ">= 1.10"
}

locals {
  host   = "http.host eq \"${var.hostname}\""
  path   = "http.request.uri.path eq \"${var.webhook_path}\""
  method = "http.request.method eq \"POST\""
  rate_limit = {
    free       = local.path
    pro        = "${local.host} and ${local.path}"
    business   = "${local.host} and ${local.method} and ${local.path}"
    enterprise = "${local.host} and ${local.method} and ${local.path}"
  }
}
