//! Writes a lake of many small files of real-sized rows, as ingest leaves
//! it before maintenance: FILES files of ROWS rows each (GitHub's 28 KB
//! example payload, varied), merged over DAYS days, for `hooklake compact`
//! benchmarks (bench/compact.sh).
//! Usage: gen_lake LAKE_DIR [FILES] [ROWS] [DAYS]

use hooklake_ingest::local::LocalLake;
use hooklake_ingest::stream::PartitionedWriter;
use hooklake_schema::row::PullRequestRow;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let lake = args.next().unwrap_or_else(|| "lake".into());
    let files: usize = args.next().unwrap_or_else(|| "10000".into()).parse()?;
    let rows: usize = args.next().unwrap_or_else(|| "100".into()).parse()?;
    let days: i64 = args.next().unwrap_or_else(|| "30".into()).parse()?;
    let lake = LocalLake::open(&lake)?;
    let base = hooklake_bench::base_payload()?;
    for file in 0..files {
        // One file per batch, as the Lambda writes: a batch's rows all
        // merged on one day here, so each file is one partition's.
        let mut batch = Vec::with_capacity(rows);
        for r in 0..rows {
            let i = file * rows + r;
            let (payload, _) = hooklake_bench::varied_payload(&base, i, file, days, false)?;
            batch.push(PullRequestRow::extract(
                &format!("bench-{i:09}"),
                chrono::Utc::now(),
                &payload,
            )?);
        }
        // Encoded and named as a batch of the pipeline encodes and names it.
        let mut writer = PartitionedWriter::for_batch(rows.max(1));
        let mut files = Vec::new();
        for row in batch {
            files.extend(writer.push(row)?);
        }
        files.extend(writer.finish_all()?);
        for file in files {
            lake.put(&file.key, &file.bytes)?;
        }
    }
    Ok(())
}
