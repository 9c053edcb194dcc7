variable "url" {
  description = "The Worker's public URL (https://...)."
  type        = string
  validation {
    condition     = startswith(var.url, "https://")
    error_message = "The webhook URL must be https:// so GitHub verifies TLS."
  }
}

variable "repositories" {
  description = "Repositories (names within the provider's owner) that get a webhook. Empty with organization_webhook = true for one webhook on the whole organisation."
  type        = list(string)
  default     = []
}

variable "organization_webhook" {
  description = "Install one webhook on the provider's organisation instead of per repository."
  type        = bool
  default     = false
  # Both would send every delivery twice.
  validation {
    condition     = !(var.organization_webhook && length(var.repositories) > 0)
    error_message = "Choose one: an organisation webhook (organization_webhook = true, repositories = []) or per-repository webhooks; both would deliver every event twice."
  }
}
