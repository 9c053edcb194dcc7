//! `hooklake ddl`: Athena's CREATE EXTERNAL TABLE for the lake.

use std::process::ExitCode;

use clap::Args;

#[derive(Args)]
pub struct DdlArgs {
    /// The table's S3 location.
    #[arg(long, default_value = hooklake_schema::catalog::PLACEHOLDER_LOCATION)]
    location: String,
}

pub async fn run(args: DdlArgs) -> anyhow::Result<ExitCode> {
    print!("{}", hooklake_schema::catalog::athena_ddl(&args.location));
    Ok(ExitCode::SUCCESS)
}
