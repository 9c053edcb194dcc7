terraform {
  required_version = ">= 1.10"
  required_providers {
    cloudflare = {
      source  = "cloudflare/cloudflare"
      version = "~> 5.0"
    }
  }

  # Its own state in the bootstrap's bucket, beside infra/example's
  # (`-backend-config=../example/backend.hcl`).
  backend "s3" {
    key          = "hooklake/edge.tfstate"
    encrypt      = true
    use_lockfile = true
  }
}

# Token from CLOUDFLARE_API_TOKEN: Zone WAF edit, Workers Routes edit and DNS
# edit on the zone (only the production environment holds it).
provider "cloudflare" {}
