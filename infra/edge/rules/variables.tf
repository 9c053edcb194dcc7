variable "zone_plan" {
  description = "The zone's Cloudflare plan: free, pro, business or enterprise."
  type        = string
  validation {
    condition     = contains(["free", "pro", "business", "enterprise"], var.zone_plan)
    error_message = "zone_plan is one of free, pro, business, enterprise (the zone's plan in Cloudflare's dashboard, Overview)."
  }
}

variable "hostname" {
  description = "The webhook's hostname in the zone."
  type        = string
}

variable "webhook_path" {
  description = "The path GitHub posts to."
  type        = string
  validation {
    condition     = startswith(var.webhook_path, "/")
    error_message = "The path starts with /."
  }
  validation {
    condition     = !(var.zone_plan == "free" && var.webhook_path == "/")
    error_message = "On a Free zone the rate rule matches the path alone, on every hostname of the zone: with \"/\" it would limit the zone's home page too. Give the webhook a path of its own (e.g. /github-webhook)."
  }
}
