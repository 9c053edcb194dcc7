# Run once, by hand, with a GitHub token that administers the repository
# (docs/deploy.md, step 1), before infra/bootstrap's roles are used:
#
# - GitHub's OIDC subject for this repository's workflows becomes
#   repo:OWNER/NAME:CONTEXT:job_workflow_ref:OWNER/NAME/PATH@REF, so the
#   roles in infra/bootstrap can trust one workflow file on one branch;
# - the `production` environment, which alone holds the admin tokens, runs
#   only for main, and only after a reviewer approves.
#
# Its state holds no secret (names and ids only); keep it beside
# infra/bootstrap's.

terraform {
  required_version = ">= 1.10"
  required_providers {
    github = {
      source  = "integrations/github"
      version = "~> 6.0"
    }
  }
}

# Token from GITHUB_TOKEN: "Administration: Read and write" on the repository.
provider "github" {
  owner = var.owner
}

# The claims infra/bootstrap's trust policies are written against; change
# one and the other together (tests/tests/infra_terraform.rs checks both).
resource "github_actions_repository_oidc_subject_claim_customization_template" "this" {
  repository         = var.repository
  use_default        = false
  include_claim_keys = ["repo", "context", "job_workflow_ref"]
}

resource "github_repository_environment" "production" {
  repository          = var.repository
  environment         = "production"
  prevent_self_review = var.prevent_self_review
  reviewers {
    users = var.reviewer_user_ids
    teams = var.reviewer_team_ids
  }
  # Only the branches named below (main), never any branch.
  deployment_branch_policy {
    protected_branches     = false
    custom_branch_policies = true
  }
}

resource "github_repository_environment_deployment_policy" "main" {
  repository     = var.repository
  environment    = github_repository_environment.production.environment
  branch_pattern = "main"
}
