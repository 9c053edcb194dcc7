output "webhook_url" {
  description = "infra/example's worker_url: where GitHub posts deliveries."
  value       = "https://${var.hostname}${var.webhook_path}"
}
