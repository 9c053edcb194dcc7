"""Reads a hooklake lake with independent readers, as Athena would.

Usage: read_lake.py LAKE_DIR

Prints one JSON object: the row count and delivery ids seen by DuckDB (Hive
partitioning on), the reference query's rows, and pyarrow's view of the
schema, so the Rust test can compare them with what it sent.
"""
import json
import sys

import duckdb
import pyarrow.dataset as ds

REFERENCE_QUERY = (
    "SELECT repository, changed_files.added, changed_files.removed, changed_files.modified "
    "FROM github_webhooks_table LIMIT 10;"
)

lake = sys.argv[1]
con = duckdb.connect()
con.execute(
    f"CREATE VIEW github_webhooks_table AS SELECT * FROM read_parquet('{lake}/**/*.parquet', hive_partitioning = true)"
)
ids = [r[0] for r in con.execute("SELECT delivery_id FROM github_webhooks_table ORDER BY delivery_id").fetchall()]
reference = con.execute(REFERENCE_QUERY).fetchall()
partitions = sorted({r[0] for r in con.execute("SELECT DISTINCT merged_date FROM github_webhooks_table").fetchall()})

dataset = ds.dataset(lake, format="parquet", partitioning="hive", exclude_invalid_files=False)
table = dataset.to_table(columns=["delivery_id", "repository", "changed_files", "merged_date"])
print(json.dumps({
    "duckdb_rows": len(ids),
    "delivery_ids": ids,
    "reference_rows": [[str(c) for c in row] for row in reference],
    "partitions": [str(p) for p in partitions],
    "pyarrow_rows": table.num_rows,
    "pyarrow_schema": {f.name: str(f.type) for f in dataset.schema},
}))
