output "database" {
  description = "Glue database name."
  value       = aws_glue_catalog_database.this.name
}

output "table" {
  description = "Glue table name."
  value       = aws_glue_catalog_table.pull_requests.name
}

output "workgroup" {
  description = "Athena workgroup name."
  value       = aws_athena_workgroup.this.name
}
