//! Arguments several commands share.

use std::path::PathBuf;

use clap::Args;
use hooklake_ingest::policy::FlushPolicy;

#[derive(Args)]
pub struct AnyLakeArg {
    /// The lake: a directory, or s3://BUCKET/PREFIX (AWS configuration as for `ingest`).
    #[arg(long, env = "HOOKLAKE_LAKE", default_value = "lake")]
    pub lake: String,
}

#[derive(Args)]
pub struct SelectionArgs {
    /// Only partitions merged on or after this date (YYYY-MM-DD).
    #[arg(long)]
    pub since: Option<chrono::NaiveDate>,
    /// Only partitions merged on or before this date (YYYY-MM-DD).
    #[arg(long)]
    pub until: Option<chrono::NaiveDate>,
    /// Only this partition (a date, or merged_date=DATE); repeatable. Named partitions
    /// are rewritten even when nothing else would make them (e.g. to bring older files
    /// to the current schema).
    #[arg(long = "partition")]
    pub partitions: Vec<String>,
}

impl SelectionArgs {
    pub fn selection(&self) -> anyhow::Result<hooklake_maintain::select::Selection> {
        let mut selection = hooklake_maintain::select::Selection {
            since: self.since,
            until: self.until,
            partitions: Vec::new(),
        };
        for partition in &self.partitions {
            selection = selection
                .with_partition(partition)
                .map_err(anyhow::Error::msg)?;
        }
        Ok(selection)
    }
}

#[derive(Args)]
pub struct RangeArgs {
    /// The repository: OWNER/NAME.
    #[arg(long, value_name = "OWNER/NAME")]
    pub repo: String,
    /// First merge date (YYYY-MM-DD, UTC, like the lake's merged_date partitions).
    #[arg(long)]
    pub since: chrono::NaiveDate,
    /// Last merge date, included [default: today].
    #[arg(long)]
    pub until: Option<chrono::NaiveDate>,
}

impl RangeArgs {
    pub fn range(&self) -> anyhow::Result<hooklake_github::pulls::MergedRange> {
        anyhow::ensure!(
            self.repo.split('/').filter(|p| !p.is_empty()).count() == 2,
            "--repo takes OWNER/NAME, e.g. --repo octo-org/octo-repo (got {:?})",
            self.repo
        );
        let until = self
            .until
            .unwrap_or_else(|| chrono::Utc::now().date_naive());
        anyhow::ensure!(
            self.since <= until,
            "--since {} is after --until {until}",
            self.since
        );
        Ok(hooklake_github::pulls::MergedRange {
            since: self.since,
            until,
        })
    }
}

#[derive(Args)]
pub struct LocalLakeArg {
    /// The lake directory (the table's root).
    #[arg(long, env = "HOOKLAKE_LAKE", default_value = "lake", value_parser = local_lake_dir)]
    pub lake: PathBuf,
}

/// `--lake` of the commands that work on a local lake only: a URL is an
/// error, never a directory named after it.
pub fn local_lake_dir(value: &str) -> Result<PathBuf, String> {
    if value.contains("://") {
        return Err(format!(
            "{value} is not a directory: this command keeps its lake on local disk. \
             An S3 lake is written by the Lambda or `hooklake ingest` and read with Athena \
             (`hooklake import`, `compact`, `status`, `backfill` and `verify` take s3:// too)"
        ));
    }
    Ok(PathBuf::from(value))
}

#[derive(Args)]
pub struct FlushArgs {
    /// Flush a batch to the lake once this many deliveries wait.
    #[arg(long, default_value_t = FlushPolicy::default().max_rows)]
    pub max_rows: usize,
    /// ... or once their payloads reach this many bytes.
    #[arg(long, default_value_t = FlushPolicy::default().max_bytes)]
    pub max_bytes: usize,
}

/// A command of the `aws` feature in a build without it: whatever its
/// arguments, it says how to get a hooklake that has it.
#[cfg(not(feature = "aws"))]
#[derive(Args)]
pub struct WithoutAws {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    _args: Vec<std::ffi::OsString>,
}
