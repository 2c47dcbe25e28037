# The state must outlive the job: on a runner the checkout, and any local terraform.tfstate in
# it, is deleted when the job ends. S3 with Terraform's native lock file (use_lockfile, Terraform
# >= 1.10; no DynamoDB table). The bucket and region are given at init, so one file serves every
# database: the workflow sets
#   TF_CLI_ARGS_init: -backend-config=bucket=<state bucket> -backend-config=region=<region>
# and the action passes it through to each `terraform init`. By hand:
#   terraform init -backend-config=bucket=<state bucket> -backend-config=region=<region>
terraform {
  backend "s3" {
    key          = "rds-atlas/roles.tfstate"
    use_lockfile = true
    encrypt      = true
  }
}
