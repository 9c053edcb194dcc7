//! Hive-style partitioning of the lake by the UTC date a pull request merged.
//!
//! Athena finds partitions by *partition projection* (see
//! [`crate::catalog`]), so no crawler or `MSCK REPAIR TABLE` is ever needed:
//! a file written under `merged_date=YYYY-MM-DD/` is queryable at once.

use chrono::{DateTime, NaiveDate, Utc};

use crate::row::PullRequestRow;

/// The partition column's name.
pub const PARTITION_COLUMN: &str = "merged_date";
/// Format of the partition value, in chrono's notation.
pub const PARTITION_DATE_FORMAT: &str = "%Y-%m-%d";
/// The same format in Athena's (Java) notation, for partition projection.
pub const PARTITION_DATE_FORMAT_ATHENA: &str = "yyyy-MM-dd";
/// First date partition projection considers (GitHub launched in 2008).
pub const PARTITION_RANGE_START: &str = "2008-01-01";

/// The partition value for a merge time, e.g. `2026-11-27`.
pub fn partition_value(merged_at: DateTime<Utc>) -> String {
    merged_at.format(PARTITION_DATE_FORMAT).to_string()
}

/// The partition directory of a row, e.g. `merged_date=2026-11-27`.
pub fn partition_path(row: &PullRequestRow) -> String {
    partition_dir(partition_date(row))
}

/// The date a row is partitioned by: a cheap key to group rows by, before
/// formatting each partition's directory once ([`partition_dir`]).
pub fn partition_date(row: &PullRequestRow) -> NaiveDate {
    row.merged_at.date_naive()
}

/// The partition directory of a date, e.g. `merged_date=2026-11-27`.
pub fn partition_dir(date: NaiveDate) -> String {
    format!("{PARTITION_COLUMN}={}", date.format(PARTITION_DATE_FORMAT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_is_the_utc_date() {
        let t = DateTime::parse_from_rfc3339("2026-11-27T23:30:00-05:00")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(partition_value(t), "2026-11-28");
        assert_eq!(
            partition_dir(t.date_naive()),
            format!("merged_date={}", partition_value(t))
        );
    }
}
