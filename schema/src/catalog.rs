//! The Athena/Glue table, generated from [`crate::arrow::row_schema`].
//!
//! Nothing here lists a column by hand: the DDL and the Glue column list are
//! both derived from the Arrow schema, and the checked-in copies under
//! `schema/generated/` are tested against this code (regenerate them with
//! `cargo run -p hooklake-schema --bin hooklake-schema-gen`).

use arrow_schema::{DataType, Field};
use serde::Serialize;

use crate::arrow::{row_schema, COMMENT_KEY};
use crate::partition::{PARTITION_COLUMN, PARTITION_DATE_FORMAT_ATHENA, PARTITION_RANGE_START};
use crate::{DATABASE, REFERENCE_QUERY, TABLE};

/// Placeholder location used in the checked-in DDL.
pub const PLACEHOLDER_LOCATION: &str = "s3://YOUR-LAKE-BUCKET/github_webhooks_table/";

const TABLE_COMMENT: &str = "Merged GitHub pull requests, one row per webhook delivery (hooklake)";
const PARTITION_COMMENT: &str = "UTC date the pull request was merged (partition)";
const PARQUET_SERDE: &str = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe";
const PARQUET_INPUT: &str = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat";
const PARQUET_OUTPUT: &str = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat";

/// A column as Glue and Athena describe it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    pub name: String,
    /// Hive type, e.g. `array<string>`.
    #[serde(rename = "type")]
    pub hive_type: String,
    pub comment: String,
}

/// The whole Glue table definition, as Terraform reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GlueTable {
    pub database: String,
    pub table: String,
    pub description: String,
    pub columns: Vec<Column>,
    pub partition_keys: Vec<Column>,
    /// Table parameters, partition projection among them. The
    /// location-dependent `storage.location.template` is not here: it is
    /// `<location>merged_date=${merged_date}`, set where the bucket is known.
    pub parameters: Vec<(String, String)>,
    pub input_format: String,
    pub output_format: String,
    pub serialization_library: String,
}

/// The Hive type Athena uses for an Arrow type.
///
/// Panics on a type the row schema does not use: extending the schema with a
/// new type means extending this function, which the catalog tests catch.
pub fn hive_type(data_type: &DataType) -> String {
    match data_type {
        DataType::Utf8 | DataType::LargeUtf8 => "string".into(),
        DataType::Int64 => "bigint".into(),
        DataType::Int32 => "int".into(),
        DataType::Boolean => "boolean".into(),
        DataType::Float64 => "double".into(),
        DataType::Timestamp(_, _) => "timestamp".into(),
        DataType::Date32 => "date".into(),
        DataType::List(item) | DataType::LargeList(item) => {
            format!("array<{}>", hive_type(item.data_type()))
        }
        DataType::Struct(fields) => {
            let members: Vec<String> = fields
                .iter()
                .map(|f| format!("{}:{}", f.name(), hive_type(f.data_type())))
                .collect();
            format!("struct<{}>", members.join(","))
        }
        other => panic!("no Hive type for Arrow {other}: extend catalog::hive_type"),
    }
}

fn column(field: &Field) -> Column {
    Column {
        name: field.name().clone(),
        hive_type: hive_type(field.data_type()),
        comment: field
            .metadata()
            .get(COMMENT_KEY)
            .cloned()
            .unwrap_or_default(),
    }
}

/// Partition projection: Athena computes partitions from the date range, so
/// new partitions never need a crawler or `MSCK REPAIR TABLE`.
fn table_parameters() -> Vec<(String, String)> {
    let p = PARTITION_COLUMN;
    [
        ("classification", "parquet".to_owned()),
        ("parquet.compression", "ZSTD".to_owned()),
        ("projection.enabled", "true".to_owned()),
        (&format!("projection.{p}.type"), "date".to_owned()),
        (
            &format!("projection.{p}.format"),
            PARTITION_DATE_FORMAT_ATHENA.to_owned(),
        ),
        (
            &format!("projection.{p}.range"),
            format!("{PARTITION_RANGE_START},NOW"),
        ),
        (&format!("projection.{p}.interval"), "1".to_owned()),
        (&format!("projection.{p}.interval.unit"), "DAYS".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// The Glue table definition generated from the row schema.
pub fn glue_table() -> GlueTable {
    GlueTable {
        database: DATABASE.into(),
        table: TABLE.into(),
        description: TABLE_COMMENT.into(),
        columns: row_schema().fields().iter().map(|f| column(f)).collect(),
        partition_keys: vec![Column {
            name: PARTITION_COLUMN.into(),
            hive_type: "string".into(),
            comment: PARTITION_COMMENT.into(),
        }],
        parameters: table_parameters(),
        input_format: PARQUET_INPUT.into(),
        output_format: PARQUET_OUTPUT.into(),
        serialization_library: PARQUET_SERDE.into(),
    }
}

/// The Glue definition as pretty JSON (what `schema/generated/glue_table.json` holds).
///
/// Parameters become a JSON object so Terraform can pass them straight to
/// `aws_glue_catalog_table.parameters`.
pub fn glue_table_json() -> String {
    let table = glue_table();
    let mut value = serde_json::to_value(&table).expect("glue table serialises");
    let parameters: serde_json::Map<String, serde_json::Value> = table
        .parameters
        .into_iter()
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect();
    value["parameters"] = serde_json::Value::Object(parameters);
    let mut text = serde_json::to_string_pretty(&value).expect("glue table serialises");
    text.push('\n');
    text
}

fn sql_string(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Normalises a table location to end in exactly one `/`.
pub fn normalise_location(location: &str) -> String {
    format!("{}/", location.trim_end_matches('/'))
}

/// The Athena `CREATE EXTERNAL TABLE` statement for a table at `location`
/// (e.g. `s3://bucket/prefix/`).
///
/// ```
/// let ddl = hooklake_schema::catalog::athena_ddl("s3://my-lake/prs");
/// assert!(ddl.contains("CREATE EXTERNAL TABLE IF NOT EXISTS `github_webhooks_db`.`github_webhooks_table`"));
/// assert!(ddl.contains("'storage.location.template'='s3://my-lake/prs/merged_date=${merged_date}'"));
/// ```
pub fn athena_ddl(location: &str) -> String {
    let table = glue_table();
    let location = normalise_location(location);
    let render = |c: &Column| {
        format!(
            "  `{}` {} COMMENT {}",
            c.name,
            c.hive_type,
            sql_string(&c.comment)
        )
    };
    let columns: Vec<String> = table.columns.iter().map(render).collect();
    let partitions: Vec<String> = table.partition_keys.iter().map(render).collect();
    let mut properties: Vec<String> = table
        .parameters
        .iter()
        .map(|(k, v)| format!("  {}={}", sql_string(k), sql_string(v)))
        .collect();
    properties.push(format!(
        "  'storage.location.template'={}",
        sql_string(&format!(
            "{location}{PARTITION_COLUMN}=${{{PARTITION_COLUMN}}}"
        ))
    ));
    format!(
        "-- Generated from hooklake's Arrow schema by `hooklake-schema-gen`; do not edit.\n\
         CREATE EXTERNAL TABLE IF NOT EXISTS `{db}`.`{tbl}` (\n{cols}\n)\n\
         COMMENT {comment}\n\
         PARTITIONED BY (\n{parts}\n)\n\
         ROW FORMAT SERDE {serde}\n\
         STORED AS INPUTFORMAT {input}\n\
         OUTPUTFORMAT {output}\n\
         LOCATION {location}\n\
         TBLPROPERTIES (\n{props}\n);\n",
        db = table.database,
        tbl = table.table,
        cols = columns.join(",\n"),
        comment = sql_string(&table.description),
        parts = partitions.join(",\n"),
        serde = sql_string(&table.serialization_library),
        input = sql_string(&table.input_format),
        output = sql_string(&table.output_format),
        location = sql_string(&location),
        props = properties.join(",\n"),
    )
}

/// The view with exactly one row per merged pull request.
pub const DEDUP_VIEW: &str = "merged_pull_requests";

/// `CREATE OR REPLACE VIEW merged_pull_requests`: one row per merged pull
/// request (natural key: repository id + number), the latest delivery
/// winning. A pull request merges once, so its copies share a
/// `merged_date`; ranking within the partition column as well lets Athena
/// and DataFusion push a `merged_date` filter through the window, so a
/// query of a few days reads those partitions only. GitHub redelivers, and SQS and Lambda deliver at least once, so
/// the table may hold a merge more than once; readers who want each merge
/// once query this view. Runs unchanged in Athena and in `hooklake query`.
///
/// ```
/// let sql = hooklake_schema::catalog::dedup_view_sql();
/// assert!(sql.contains("PARTITION BY merged_date, repository_id, number"));
/// ```
pub fn dedup_view_sql() -> String {
    format!(
        "-- Generated from hooklake's Arrow schema by `hooklake-schema-gen`; do not edit.\n\
         CREATE OR REPLACE VIEW {DATABASE}.{DEDUP_VIEW} AS\n{select}",
        select = dedup_view_select()
    )
}

/// The view's `SELECT`, shared by the `CREATE VIEW` statement and the Glue
/// view definition.
fn dedup_view_select() -> String {
    let table = glue_table();
    let columns: Vec<&str> = table
        .columns
        .iter()
        .chain(&table.partition_keys)
        .map(|c| c.name.as_str())
        .collect();
    let list = columns.join(", ");
    format!(
        "SELECT {list}\n\
         FROM (\n  \
           SELECT {list},\n    \
             row_number() OVER (PARTITION BY merged_date, repository_id, number ORDER BY received_at DESC, delivery_id DESC) AS delivery_rank\n  \
           FROM {db}.{tbl}\n\
         ) ranked\n\
         WHERE delivery_rank = 1\n",
        db = table.database,
        tbl = table.table,
    )
}

/// The type Athena's engine (Trino) gives an Arrow type inside a view
/// definition, e.g. `array(varchar)` for Hive's `array<string>`.
pub fn engine_type(data_type: &DataType) -> String {
    match data_type {
        DataType::Utf8 | DataType::LargeUtf8 => "varchar".into(),
        DataType::Int64 => "bigint".into(),
        DataType::Int32 => "integer".into(),
        DataType::Boolean => "boolean".into(),
        DataType::Float64 => "double".into(),
        DataType::Timestamp(_, _) => "timestamp".into(),
        DataType::Date32 => "date".into(),
        DataType::List(item) | DataType::LargeList(item) => {
            format!("array({})", engine_type(item.data_type()))
        }
        DataType::Struct(fields) => {
            let members: Vec<String> = fields
                .iter()
                .map(|f| format!("{} {}", f.name(), engine_type(f.data_type())))
                .collect();
            format!("row({})", members.join(", "))
        }
        other => panic!("no engine type for Arrow {other}: extend catalog::engine_type"),
    }
}

/// The dedup view as a Glue table of type `VIRTUAL_VIEW`, which is how Athena
/// stores views, so Terraform can create it without running a query.
///
/// `presto_view` is the document Athena keeps base64-encoded in the table's
/// `ViewOriginalText` (`/* Presto View: <base64> */`); `columns` are the same
/// columns in Hive types for the table's storage descriptor.
pub fn glue_view_json() -> String {
    let table = glue_table();
    let schema = row_schema();
    let mut engine_columns: Vec<serde_json::Value> = schema
        .fields()
        .iter()
        .map(|f| serde_json::json!({"name": f.name(), "type": engine_type(f.data_type())}))
        .collect();
    engine_columns.extend(
        table
            .partition_keys
            .iter()
            .map(|c| serde_json::json!({"name": c.name, "type": "varchar"})),
    );
    let hive_columns: Vec<&Column> = table.columns.iter().chain(&table.partition_keys).collect();
    let value = serde_json::json!({
        "database": DATABASE,
        "name": DEDUP_VIEW,
        "description": "One row per merged pull request (repository_id + number), the latest delivery winning (hooklake)",
        "columns": hive_columns,
        "presto_view": {
            "originalSql": dedup_view_select(),
            "catalog": "awsdatacatalog",
            "schema": DATABASE,
            "columns": engine_columns,
        },
    });
    let mut text = serde_json::to_string_pretty(&value).expect("glue view serialises");
    text.push('\n');
    text
}

/// The checked-in generated files: (path relative to `schema/`, content).
pub fn generated_files() -> Vec<(&'static str, String)> {
    vec![
        ("generated/athena_ddl.sql", athena_ddl(PLACEHOLDER_LOCATION)),
        ("generated/glue_table.json", glue_table_json()),
        ("generated/merged_pull_requests_view.sql", dedup_view_sql()),
        ("generated/merged_pull_requests_view.json", glue_view_json()),
        (
            "generated/reference_query.sql",
            format!("{REFERENCE_QUERY}\n"),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_query_columns_exist_with_the_right_types() {
        let table = glue_table();
        let ty = |name: &str| {
            table
                .columns
                .iter()
                .find(|c| c.name == name)
                .map(|c| c.hive_type.clone())
                .unwrap_or_else(|| panic!("no column {name}"))
        };
        assert_eq!(ty("repository"), "string");
        assert!(ty("changed_files").starts_with(
            "struct<added:array<string>,removed:array<string>,modified:array<string>,"
        ));
    }

    #[test]
    fn every_column_has_a_comment() {
        for c in glue_table().columns {
            assert!(!c.comment.is_empty(), "{} has no comment", c.name);
        }
    }

    #[test]
    fn comments_are_quoted_safely() {
        assert_eq!(sql_string("it's"), "'it''s'");
    }
}
