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

variable "active_secret" {
  description = "Which secret slot GitHub signs with: blue or green."
  type        = string
  default     = "blue"
  validation {
    condition     = contains(["blue", "green"], var.active_secret)
    error_message = "active_secret must be blue or green."
  }
}

variable "secret_generations" {
  description = "Bump a slot's number to generate a new secret in it."
  type        = map(number)
  default     = { blue = 1, green = 1 }
}

variable "accept_inactive_secret" {
  description = "Also let the Worker accept the inactive slot (during a rotation only)."
  type        = bool
  default     = false
}
