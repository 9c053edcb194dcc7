variable "owner" {
  description = "The GitHub user or organisation that owns the repository."
  type        = string
}

variable "repository" {
  description = "The repository whose workflows deploy hooklake (its name, without the owner)."
  type        = string
}

variable "reviewer_user_ids" {
  description = "GitHub user ids who approve each production deployment (`gh api users/NAME --jq .id`)."
  type        = list(number)
  default     = []
}

variable "reviewer_team_ids" {
  description = "GitHub team ids who approve each production deployment."
  type        = list(number)
  default     = []
  validation {
    condition     = length(var.reviewer_team_ids) + length(var.reviewer_user_ids) > 0
    error_message = "Name at least one reviewer (reviewer_user_ids or reviewer_team_ids): production runs only after someone approves it."
  }
}

variable "prevent_self_review" {
  description = "Whether whoever triggered a deployment may approve it. Leave true unless one person runs everything."
  type        = bool
  default     = true
}
