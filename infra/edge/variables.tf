variable "zone_id" {
  description = "The Cloudflare zone the webhook's hostname belongs to."
  type        = string
}

variable "hostname" {
  description = "The webhook's hostname in that zone, e.g. hooks.example.com."
  type        = string
}

variable "webhook_path" {
  description = "The path GitHub posts to (the webhook URL's path). On a Free zone the rate rule can match the path alone, on every hostname of the zone: give the webhook a path of its own."
  type        = string
  default     = "/github-webhook"
}

variable "zone_plan" {
  description = "The zone's Cloudflare plan (free, pro, business, enterprise): which fields the rate-limiting rule may use."
  type        = string
}

variable "requests_per_10_seconds" {
  description = "POSTs one source address may make in 10 s before it is blocked for 10 s. GitHub delivers from a few addresses of its hooks ranges, so keep it above a busy hour's peak per address (docs/deploy.md)."
  type        = number
  default     = 200
  validation {
    condition     = var.requests_per_10_seconds >= 10
    error_message = "At least 10: GitHub's bursts (a merge train, a redelivery run) come from few addresses."
  }
}
