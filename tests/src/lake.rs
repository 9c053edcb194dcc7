//! Lakes in the state maintenance finds them in: many small files,
//! deliveries written twice, rows whose enrichment failed. Files are
//! written the way any Parquet writer would (not through hooklake's
//! writer), named `part-N.parquet`.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use hooklake_schema::arrow::rows_to_batch;
use hooklake_schema::row::{ChangedFiles, ChangedFilesStatus, PullRequestRow};

/// What to build.
#[derive(Debug, Clone, Copy)]
pub struct LakeSpec {
    /// Files in all (each of 1 to 5 rows).
    pub files: usize,
    /// Partitions (days) the rows spread over.
    pub partitions: usize,
    /// Per cent of rows that repeat a delivery already written.
    pub duplicate_percent: u64,
    /// Per cent of rows whose enrichment is `unavailable` (the rest `complete`).
    pub unavailable_percent: u64,
    /// Bytes of payload per row.
    pub payload_bytes: usize,
}

impl Default for LakeSpec {
    /// The maintenance acceptance lake: 10,000 files over 30 partitions,
    /// 5% duplicates, 10% `unavailable`.
    fn default() -> Self {
        LakeSpec {
            files: 10_000,
            partitions: 30,
            duplicate_percent: 5,
            unavailable_percent: 10,
            payload_bytes: 64,
        }
    }
}

/// What was built.
#[derive(Debug, Clone, Default)]
pub struct BuiltLake {
    pub files: usize,
    pub rows: usize,
    pub deliveries: BTreeSet<String>,
    /// Rows written `unavailable`.
    pub unavailable_rows: usize,
}

/// A small deterministic generator (xorshift64*): tests need the same lake
/// every run, not good randomness.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n.max(1)
    }
}

/// The first day of the built lake's partitions.
pub fn first_day() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-10-01T12:00:00Z")
        .expect("valid date")
        .to_utc()
}

/// A merged pull request's row, enriched (`complete`) or not.
pub fn lake_row(
    delivery: usize,
    day: usize,
    status: ChangedFilesStatus,
    payload_bytes: usize,
) -> PullRequestRow {
    let merged_at =
        first_day() + Duration::days(day as i64) + Duration::seconds(delivery as i64 % 3600);
    let number = delivery as i64 + 1;
    PullRequestRow {
        delivery_id: format!("delivery-{delivery:07}"),
        received_at: merged_at + Duration::seconds(2),
        repository: format!("octo/repo{}", delivery % 7),
        repository_id: 1_000 + (delivery % 7) as i64,
        number,
        pull_request_id: 10_000_000 + number,
        title: format!("Change {number}"),
        author_login: Some("octocat".into()),
        merged_by_login: Some("hubot".into()),
        merged_at,
        base_ref: "main".into(),
        head_ref: format!("change-{number}"),
        merge_commit_sha: Some(format!("{number:040x}")),
        additions: Some(3),
        deletions: Some(1),
        commits: Some(1),
        changed_files_count: Some(3),
        labels: vec!["lake".into()],
        html_url: format!("https://github.com/octo/repo{}/pull/{number}", delivery % 7),
        changed_files: (status == ChangedFilesStatus::Complete).then(|| ChangedFiles {
            added: vec!["src/new.rs".into()],
            removed: vec![],
            modified: vec!["README.md".into()],
            renamed: vec![],
        }),
        changed_files_status: status,
        payload: format!(
            "{{\"number\":{number},\"pad\":\"{}\"}}",
            "x".repeat(payload_bytes.saturating_sub(30))
        ),
    }
}

/// Writes `rows` as one Parquet file (the lake's schema, default settings).
pub fn write_parquet(path: &Path, rows: &[PullRequestRow]) {
    std::fs::create_dir_all(path.parent().expect("a file in a partition")).expect("partition dir");
    let batch = rows_to_batch(rows).expect("rows make a batch");
    let file = std::fs::File::create(path).expect("create a lake file");
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).expect("a writer");
    writer.write(&batch).expect("write rows");
    writer.close().expect("close the file");
}

/// Builds a lake under `root` as `spec` says, the same for the same `seed`.
pub fn build_lake(root: &Path, spec: LakeSpec, seed: u64) -> BuiltLake {
    let mut rng = Rng::new(seed);
    let mut built = BuiltLake::default();
    // Written rows by day, to pick duplicates from (a delivery always lands
    // in the same partition: its merge date does not change).
    let mut written: Vec<Vec<usize>> = vec![Vec::new(); spec.partitions.max(1)];
    let mut next_delivery = 0usize;
    for file in 0..spec.files {
        let day = (rng.below(spec.partitions as u64)) as usize;
        let mut rows = Vec::new();
        let mut in_file = BTreeSet::new();
        for _ in 0..1 + rng.below(5) {
            let status = if rng.below(100) < spec.unavailable_percent {
                ChangedFilesStatus::Unavailable
            } else {
                ChangedFilesStatus::Complete
            };
            let earlier = &written[day];
            let delivery = if !earlier.is_empty() && rng.below(100) < spec.duplicate_percent {
                earlier[rng.below(earlier.len() as u64) as usize]
            } else {
                next_delivery += 1;
                next_delivery
            };
            if !in_file.insert(delivery) {
                continue;
            }
            written[day].push(delivery);
            built.unavailable_rows += usize::from(status == ChangedFilesStatus::Unavailable);
            rows.push(lake_row(delivery, day, status, spec.payload_bytes));
        }
        let partition = hooklake_schema::partition::partition_path(&rows[0]);
        write_parquet(
            &root.join(partition).join(format!("part-{file:05}.parquet")),
            &rows,
        );
        built.files += 1;
        built.rows += rows.len();
        built
            .deliveries
            .extend(rows.into_iter().map(|r| r.delivery_id));
    }
    built
}
