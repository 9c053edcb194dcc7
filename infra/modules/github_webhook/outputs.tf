output "active_secret" {
  description = "The secret GitHub signs with: the Worker's WEBHOOK_SECRET."
  value       = local.active_secret
  sensitive   = true
}

output "inactive_secret" {
  description = "The other slot while accept_inactive_secret is on (the Worker's WEBHOOK_SECRET_PREVIOUS), else empty."
  value       = var.accept_inactive_secret ? random_password.secret[local.inactive].result : ""
  sensitive   = true
}
