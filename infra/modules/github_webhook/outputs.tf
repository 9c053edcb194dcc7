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

output "repository_hook_ids" {
  description = "Each repository's webhook id (for the redelivery schedule)."
  value       = { for repository, hook in github_repository_webhook.this : repository => hook.id }
}

output "organization_hook_id" {
  description = "The organization webhook's id, or null."
  value       = var.organization_webhook ? github_organization_webhook.this[0].id : null
}
