output "firewall_expression" {
  description = "Custom rule (every plan may use these fields): on the webhook's hostname, anything but a POST to its path."
  value       = "${local.host} and not (${local.method} and ${local.path})"
}

output "rate_limit_expression" {
  description = "What the rate-limiting rule counts, in the fields the zone's plan allows."
  value       = local.rate_limit[var.zone_plan]
}

output "rate_limit_characteristics" {
  description = "Counted per source address, per Cloudflare location (every plan; cf.colo.id is required)."
  value       = ["cf.colo.id", "ip.src"]
}
