//! Which partitions a maintenance run looks at.

use chrono::NaiveDate;
use hooklake_ingest::lake::{LakeError, LakeStore};
use hooklake_schema::partition::{partition_dir, PARTITION_COLUMN, PARTITION_DATE_FORMAT};

/// Partitions by merge date: a range, and partitions named outright (which
/// are rewritten even when nothing else would make them, e.g. to bring
/// files of an older schema to the current one).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Partitions of this date or later.
    pub since: Option<NaiveDate>,
    /// Partitions of this date or earlier.
    pub until: Option<NaiveDate>,
    /// Only these partitions (`merged_date=…` directories), and always.
    pub partitions: Vec<String>,
}

/// The date of a partition directory (`merged_date=2026-11-27`).
pub fn partition_date(partition: &str) -> Option<NaiveDate> {
    let value = partition
        .strip_prefix(PARTITION_COLUMN)?
        .strip_prefix('=')?;
    NaiveDate::parse_from_str(value, PARTITION_DATE_FORMAT).ok()
}

impl Selection {
    /// Every partition.
    pub fn all() -> Self {
        Selection::default()
    }

    /// Adds a partition by date (`2026-11-27`) or directory
    /// (`merged_date=2026-11-27`).
    pub fn with_partition(mut self, partition: &str) -> Result<Self, String> {
        let date = partition_date(partition)
            .or_else(|| NaiveDate::parse_from_str(partition, PARTITION_DATE_FORMAT).ok())
            .ok_or_else(|| {
                format!("{partition:?} is not a partition; give a date like 2026-11-27")
            })?;
        self.partitions.push(partition_dir(date));
        Ok(self)
    }

    /// Whether the partition was named outright.
    pub fn is_forced(&self, partition: &str) -> bool {
        self.partitions.iter().any(|p| p == partition)
    }

    fn includes(&self, partition: &str) -> bool {
        if !self.partitions.is_empty() {
            return self.is_forced(partition);
        }
        let Some(date) = partition_date(partition) else {
            return false;
        };
        self.since.is_none_or(|since| date >= since) && self.until.is_none_or(|until| date <= until)
    }

    /// The lake's partitions this selects, sorted.
    pub async fn partitions<L: LakeStore>(&self, lake: &L) -> Result<Vec<String>, LakeError> {
        Ok(lake
            .partitions()
            .await?
            .into_iter()
            .filter(|p| self.includes(p))
            .collect())
    }
}

/// Whether a scheduled run (the AWS handler) compacts a partition of
/// `files` files: every partition merged in the `recent_days` days up to
/// `today` (where rows still waiting for their changed files are looked up
/// again, and late deliveries land), and any older partition of more than
/// one file. Older one-file partitions are left to a full sweep.
///
/// ```
/// use chrono::NaiveDate;
/// use hooklake_maintain::select::is_scheduled;
/// let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
/// assert!(is_scheduled("merged_date=2026-11-25", 1, today, 7));
/// assert!(!is_scheduled("merged_date=2026-01-02", 1, today, 7));
/// assert!(is_scheduled("merged_date=2026-01-02", 2, today, 7));
/// ```
pub fn is_scheduled(partition: &str, files: usize, today: NaiveDate, recent_days: u32) -> bool {
    let Some(date) = partition_date(partition) else {
        return false;
    };
    let recent = today
        .checked_sub_days(chrono::Days::new(u64::from(recent_days)))
        .is_none_or(|oldest| date >= oldest);
    files > 1 || (recent && files > 0)
}

/// The partitions a scheduled run compacts ([`is_scheduled`]), newest
/// first: a run cut short by its deadline has done the partitions readers
/// query most, and the next run goes on with the rest. One listing per
/// partition; no file is read.
pub async fn scheduled<L: LakeStore>(
    lake: &L,
    today: NaiveDate,
    recent_days: u32,
) -> Result<Vec<String>, LakeError> {
    let mut due = Vec::new();
    for partition in lake.partitions().await?.into_iter().rev() {
        let files = lake.files(&partition).await?.len();
        if is_scheduled(&partition, files, today, recent_days) {
            due.push(partition);
        }
    }
    Ok(due)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_names() {
        let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        let range = Selection {
            since: Some(day("2026-11-02")),
            until: Some(day("2026-11-03")),
            partitions: vec![],
        };
        assert!(!range.includes("merged_date=2026-11-01"));
        assert!(range.includes("merged_date=2026-11-03"));
        assert!(!range.includes("merged_date=nonsense"));
        let named = Selection::all().with_partition("2026-11-01").unwrap();
        assert!(
            named.includes("merged_date=2026-11-01") && named.is_forced("merged_date=2026-11-01")
        );
        assert!(!named.includes("merged_date=2026-11-02"));
        assert!(Selection::all().with_partition("yesterday").is_err());
    }

    #[test]
    fn what_a_scheduled_run_takes() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        // The window counts today and the `recent_days` before it.
        assert!(is_scheduled("merged_date=2026-11-22", 1, today, 7));
        assert!(!is_scheduled("merged_date=2026-11-21", 1, today, 7));
        // Partitions dated ahead of today (clock skew) are recent.
        assert!(is_scheduled("merged_date=2026-11-30", 1, today, 7));
        assert!(!is_scheduled("merged_date=2026-11-29", 0, today, 7));
        assert!(is_scheduled("merged_date=2020-01-01", 3, today, 0));
        assert!(!is_scheduled("not-a-partition", 3, today, 7));
    }
}
