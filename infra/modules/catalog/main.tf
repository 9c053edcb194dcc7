# The Glue database, table and dedup view, and the Athena workgroup.
#
# Columns are never retyped here: they come from the JSON that schema/
# generates from the Arrow schema (`hooklake-schema-gen`), the same schema the
# ingest code writes Parquet with. A test (tests/tests/infra_terraform.rs)
# holds Terraform, the generated JSON and the written files to each other.

locals {
  table     = jsondecode(file("${path.module}/../../../schema/generated/glue_table.json"))
  view      = jsondecode(file("${path.module}/../../../schema/generated/merged_pull_requests_view.json"))
  partition = local.table.partition_keys[0].name
  reference = trimspace(file("${path.module}/../../../schema/generated/reference_query.sql"))
}

resource "aws_glue_catalog_database" "this" {
  name        = local.table.database
  description = "hooklake: merged GitHub pull requests"
}

resource "aws_glue_catalog_table" "pull_requests" {
  name          = local.table.table
  database_name = aws_glue_catalog_database.this.name
  description   = local.table.description
  table_type    = "EXTERNAL_TABLE"

  # Partition projection (from the generated parameters): Athena computes
  # partitions from the date, so no crawler and no MSCK REPAIR, ever.
  parameters = merge(local.table.parameters, {
    EXTERNAL                    = "TRUE"
    "storage.location.template" = "${var.table_location}${local.partition}=$${${local.partition}}"
  })

  dynamic "partition_keys" {
    for_each = local.table.partition_keys
    content {
      name    = partition_keys.value.name
      type    = partition_keys.value.type
      comment = partition_keys.value.comment
    }
  }

  storage_descriptor {
    location      = var.table_location
    input_format  = local.table.input_format
    output_format = local.table.output_format

    ser_de_info {
      serialization_library = local.table.serialization_library
    }

    dynamic "columns" {
      for_each = local.table.columns
      content {
        name    = columns.value.name
        type    = columns.value.type
        comment = columns.value.comment
      }
    }
  }
}

# The dedup view, stored the way Athena stores views: a VIRTUAL_VIEW table
# whose original text carries the engine's view document.
resource "aws_glue_catalog_table" "merged_pull_requests" {
  name               = local.view.name
  database_name      = aws_glue_catalog_database.this.name
  description        = local.view.description
  table_type         = "VIRTUAL_VIEW"
  view_original_text = "/* Presto View: ${base64encode(jsonencode(local.view.presto_view))} */"
  view_expanded_text = "/* Presto View */"
  parameters = {
    presto_view = "true"
    comment     = "Presto View"
  }

  storage_descriptor {
    dynamic "columns" {
      for_each = local.view.columns
      content {
        name    = columns.value.name
        type    = columns.value.type
        comment = columns.value.comment
      }
    }
  }

  depends_on = [aws_glue_catalog_table.pull_requests]
}

resource "aws_athena_workgroup" "this" {
  name          = var.name
  description   = "hooklake queries: results encrypted, scans capped"
  force_destroy = false

  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.bytes_scanned_cutoff_per_query

    result_configuration {
      output_location = var.results_location
      encryption_configuration {
        encryption_option = "SSE_KMS"
        kms_key_arn       = var.kms_key_arn
      }
    }
  }

  tags = var.tags
}

locals {
  named_queries = {
    "hooklake: reference query" = {
      description = "The query of the system hooklake replaces, unchanged"
      query       = local.reference
    }
    "hooklake: reference query, one row per merge" = {
      description = "The reference query over the dedup view"
      query       = replace(local.reference, "FROM ${local.table.table}", "FROM ${local.view.name}")
    }
    "hooklake: merges in the last 7 days" = {
      description = "Reads only the 8 newest partitions (today and the 7 days before): the view ranks within merged_date, so the filter reaches the table"
      query       = "SELECT merged_date, repository, count(*) AS merges FROM ${local.view.name} WHERE merged_date >= date_format(current_date - interval '7' day, '%Y-%m-%d') GROUP BY 1, 2 ORDER BY 1 DESC, 3 DESC;"
    }
    "hooklake: rows without changed files" = {
      description = "Rows whose changed_files could not be filled in, and why"
      query       = "SELECT changed_files_status, count(*) AS row_count FROM ${local.view.name} GROUP BY 1 ORDER BY 2 DESC;"
    }
  }
}

resource "aws_athena_named_query" "this" {
  for_each    = local.named_queries
  name        = each.key
  description = each.value.description
  workgroup   = aws_athena_workgroup.this.id
  database    = aws_glue_catalog_database.this.name
  query       = each.value.query
}
