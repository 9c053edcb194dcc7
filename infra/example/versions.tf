terraform {
  required_version = ">= 1.10"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
    github = {
      source  = "integrations/github"
      version = "~> 6.0"
    }
  }

  # State in the bucket infra/bootstrap creates, locked with S3's own lock
  # file. Values come from `-backend-config=backend.hcl` (docs/deploy.md).
  backend "s3" {
    key          = "hooklake/terraform.tfstate"
    encrypt      = true
    use_lockfile = true
  }
}

provider "aws" {
  region = var.region
  default_tags {
    tags = { application = "hooklake" }
  }
}

# Token from GITHUB_TOKEN (a fine-grained token or App with webhook admin).
provider "github" {
  owner = var.github_owner
}
