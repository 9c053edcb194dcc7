"""What DuckDB counts in a hooklake lake, to check `hooklake status` against.

Usage: count_lake.py LAKE_DIR

Prints one JSON object shaped like the `total` of `hooklake status --format
json`: files, rows, distinct deliveries, duplicate rows, rows by
changed_files_status, partitions.
"""
import json
import sys

import duckdb

lake = sys.argv[1]
con = duckdb.connect()
con.execute(
    f"CREATE VIEW t AS SELECT *, filename FROM read_parquet('{lake}/**/*.parquet', hive_partitioning = true, filename = true)"
)
rows, deliveries, files, partitions = con.execute(
    "SELECT count(*), count(DISTINCT delivery_id), count(DISTINCT filename), count(DISTINCT merged_date) FROM t"
).fetchone()
statuses = dict(con.execute("SELECT changed_files_status, count(*) FROM t GROUP BY 1").fetchall())
print(json.dumps({
    "files": files,
    "rows": rows,
    "deliveries": deliveries,
    "duplicate_rows": rows - deliveries,
    "statuses": statuses,
    "partitions": partitions,
}))
