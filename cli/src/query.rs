//! `hooklake query`: SQL over the lake with DataFusion.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use datafusion::arrow::array::{Array, ArrayRef, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::error::DataFusionError;
use datafusion::prelude::{SessionConfig, SessionContext};
use hooklake_schema::arrow::row_schema;
use hooklake_schema::partition::PARTITION_COLUMN;
use hooklake_schema::{DATABASE, TABLE};

/// Catalog name, as in Athena, so `awsdatacatalog.github_webhooks_db.github_webhooks_table` works too.
const CATALOG: &str = "awsdatacatalog";

/// How query results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// An aligned text table.
    Table,
    /// CSV with a header row (nested values as text).
    Csv,
    /// One JSON object per row (JSON Lines).
    Json,
}

/// A DataFusion session with the lake registered as `github_webhooks_table`
/// (also reachable as `github_webhooks_db.github_webhooks_table`), and the
/// deduplicating view `merged_pull_requests` over it.
pub async fn lake_session(lake: &Path) -> anyhow::Result<SessionContext> {
    anyhow::ensure!(
        lake.is_dir(),
        "lake directory {} does not exist; nothing has been ingested there yet \
         (start `hooklake serve --lake {0}` or run `hooklake import --lake {0} FILE`), or pass --lake DIR",
        lake.display()
    );
    let root =
        std::fs::canonicalize(lake).with_context(|| format!("cannot read {}", lake.display()))?;
    let config = SessionConfig::new()
        .with_default_catalog_and_schema(CATALOG, DATABASE)
        .with_information_schema(true);
    let ctx = SessionContext::new_with_config(config);
    let url = ListingTableUrl::parse(format!("{}/", root.display()))?;
    let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
        .with_file_extension(".parquet")
        .with_table_partition_cols(vec![(PARTITION_COLUMN.to_owned(), DataType::Utf8)]);
    let table = ListingTable::try_new(
        ListingTableConfig::new(url)
            .with_listing_options(options)
            .with_schema(row_schema()),
    )?;
    ctx.register_table(TABLE, Arc::new(table))?;
    // One row per merged pull request, as in Athena (generated from schema/).
    ctx.sql(&hooklake_schema::catalog::dedup_view_sql()).await?;
    Ok(ctx)
}

/// Runs one SQL statement.
pub async fn run(ctx: &SessionContext, sql: &str) -> anyhow::Result<Vec<RecordBatch>> {
    let plan = ctx.sql(sql).await.map_err(|e| match e.find_root() {
        DataFusionError::SQL(..)
        | DataFusionError::Plan(_)
        | DataFusionError::SchemaError(..)
        | DataFusionError::NotImplemented(_) => anyhow::anyhow!(
            "invalid SQL: {e}\nthe table is {TABLE}; list its columns with: hooklake query \"DESCRIBE {TABLE}\""
        ),
        _ => anyhow::anyhow!("query failed: {e}"),
    })?;
    plan.collect()
        .await
        .map_err(|e| anyhow::anyhow!("query failed: {e}"))
}

/// Renders results in the chosen format.
pub fn render(batches: &[RecordBatch], format: OutputFormat) -> anyhow::Result<String> {
    match format {
        OutputFormat::Table => {
            Ok(datafusion::arrow::util::pretty::pretty_format_batches(batches)?.to_string() + "\n")
        }
        OutputFormat::Json => {
            let mut out = Vec::new();
            let mut writer = datafusion::arrow::json::LineDelimitedWriter::new(&mut out);
            for batch in batches {
                writer.write(batch)?;
            }
            writer.finish()?;
            Ok(String::from_utf8(out)?)
        }
        OutputFormat::Csv => {
            let mut out = Vec::new();
            let mut writer = datafusion::arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(&mut out);
            for batch in batches {
                writer.write(&flatten_nested(batch)?)?;
            }
            drop(writer);
            Ok(String::from_utf8(out)?)
        }
    }
}

/// CSV has no nested values: lists and structs become their text form.
fn flatten_nested(batch: &RecordBatch) -> anyhow::Result<RecordBatch> {
    let options = FormatOptions::default();
    let mut fields = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        if field.data_type().is_nested() {
            let formatter = ArrayFormatter::try_new(column.as_ref(), &options)?;
            let text: StringArray = (0..column.len())
                .map(|i| column.is_valid(i).then(|| formatter.value(i).to_string()))
                .collect();
            fields.push(Field::new(field.name(), DataType::Utf8, true));
            columns.push(Arc::new(text));
        } else {
            fields.push(field.as_ref().clone());
            columns.push(column.clone());
        }
    }
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns,
    )?)
}
