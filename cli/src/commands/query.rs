//! `hooklake query`: SQL over a local lake.

use std::process::ExitCode;

use clap::Args;
use hooklake::query;
use hooklake::query::OutputFormat;

use super::args::LocalLakeArg;

#[derive(Args)]
pub struct QueryArgs {
    /// The SQL statement.
    sql: String,
    #[command(flatten)]
    lake: LocalLakeArg,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: OutputFormat,
}

pub async fn run(args: QueryArgs) -> anyhow::Result<ExitCode> {
    let ctx = query::lake_session(&args.lake.lake).await?;
    let batches = query::run(&ctx, &args.sql).await?;
    print!("{}", query::render(&batches, args.format)?);
    Ok(ExitCode::SUCCESS)
}
