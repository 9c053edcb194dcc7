# The Worker on a hostname of your own zone, behind two Cloudflare rules that
# run before it and are not billed as Worker requests:
#
# - a custom firewall rule: on the webhook's hostname, anything but a POST to
#   the webhook's path is blocked (the Worker would answer 405 or nothing);
# - a rate-limiting rule: more than `requests_per_10_seconds` POSTs from one
#   source address (per Cloudflare location) in 10 seconds are blocked for
#   10 seconds, so an unsigned flood stops at Cloudflare.
#
# A workers.dev address cannot have zone rules: this root moves the webhook
# to `https://<hostname><webhook_path>` (output webhook_url: set it as
# infra/example's worker_url, which the GitHub webhook points at). The route
# to the Worker is wrangler's (scripts/deploy-worker.sh deploys with
# `--route <hostname>/*`), and with a route wrangler turns the workers.dev
# address off; preview URLs are off in wrangler.toml. So no address of the
# Worker is left outside these rules.
#
# Which fields the rate rule may use depends on the zone's plan
# (var.zone_plan; ./rules picks them).
#
# Each ruleset owns its phase's entry point in the zone: a zone that already
# has custom firewall or rate-limiting rules keeps them in one place, so
# merge them here (docs/deploy.md, "A rule before the Worker").

module "rules" {
  source       = "./rules"
  zone_plan    = var.zone_plan
  hostname     = var.hostname
  webhook_path = var.webhook_path
}

# A hostname served only by the Worker: the documented placeholder address
# (100::), proxied, so requests reach Cloudflare and the route.
resource "cloudflare_dns_record" "webhook" {
  zone_id = var.zone_id
  name    = var.hostname
  type    = "AAAA"
  content = "100::"
  proxied = true
  ttl     = 1
  comment = "hooklake: the GitHub webhook's Worker"
}

resource "cloudflare_ruleset" "firewall" {
  zone_id     = var.zone_id
  name        = "hooklake: only webhook deliveries"
  description = "On the webhook's hostname, only a POST to the webhook's path reaches the Worker"
  kind        = "zone"
  phase       = "http_request_firewall_custom"
  rules = [{
    ref         = "hooklake_only_webhook_posts"
    description = "Block anything but a POST to ${var.webhook_path} on ${var.hostname}"
    expression  = module.rules.firewall_expression
    action      = "block"
    enabled     = true
  }]
}

resource "cloudflare_ruleset" "rate_limit" {
  zone_id     = var.zone_id
  name        = "hooklake: webhook rate limit"
  description = "A flood from one source stops at Cloudflare, before the Worker is billed"
  kind        = "zone"
  phase       = "http_ratelimit"
  rules = [{
    ref         = "hooklake_webhook_rate"
    description = "More than ${var.requests_per_10_seconds} POSTs in 10 s from one source address"
    expression  = module.rules.rate_limit_expression
    action      = "block"
    enabled     = true
    ratelimit = {
      characteristics     = module.rules.rate_limit_characteristics
      period              = 10
      requests_per_period = var.requests_per_10_seconds
      mitigation_timeout  = 10
    }
  }]
}
