output "repository_hook_ids" {
  description = "Each repository's webhook id (for the redelivery schedule)."
  value       = { for repository, hook in github_repository_webhook.this : repository => hook.id }
}

output "organization_hook_id" {
  description = "The organization webhook's id, or null."
  value       = var.organization_webhook ? github_organization_webhook.this[0].id : null
}
