# The deploy rehearsal's root (tests/deploy/test_rehearsal.py): the AWS
# pipeline exactly as infra/example builds it, without the GitHub webhooks,
# whose provider cannot be installed here. The provider and backend settings
# that point at the emulator come from the rehearsal (an override file and
# -backend-config), so this file holds only what a user's root holds.

terraform {
  required_version = ">= 1.10"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }
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

variable "region" {
  type = string
}

variable "lake_bucket_name" {
  type = string
}

variable "lambda_package" {
  type = string
}

variable "permissions_boundary_arn" {
  type = string
}

variable "redelivery_hooks" {
  type = list(string)
}

module "pipeline" {
  source                   = "../../../infra/modules/pipeline"
  region                   = var.region
  lake_bucket_name         = var.lake_bucket_name
  lambda_package           = var.lambda_package
  redelivery_hooks         = var.redelivery_hooks
  permissions_boundary_arn = var.permissions_boundary_arn
  alarm_emails             = ["oncall@example.com"]
}

output "pipeline" {
  value = module.pipeline
}
