"""The import benchmark's comparison: what a Python program with pyarrow does
for `hooklake import` on the same envelopes. Reads envelope lines, builds
hooklake's row from each (the same extraction and columns, bench/lambda/py_rows.py),
groups rows by merged_date with one open zstd Parquet writer per partition,
and bounds memory like hooklake: when the rows waiting in all partitions pass
its buffer budget (a quarter of --memory-limit), the largest
partition's rows are written as a row group.

Usage: python bench/import_py.py ENVELOPES LAKE_DIR [--memory-limit BYTES]
"""
import argparse
import json
import pathlib
import sys

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "lambda"))
from py_rows import SCHEMA, row  # noqa: E402

ROW_OVERHEAD = 512


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("envelopes")
    parser.add_argument("lake")
    parser.add_argument("--memory-limit", type=int, default=256 * 1024 * 1024)
    args = parser.parse_args()
    lake = pathlib.Path(args.lake)
    writers, buffers, sizes = {}, {}, {}
    held = 0

    def flush(day):
        nonlocal held
        rows = buffers.pop(day)
        held -= sizes.pop(day)
        if day not in writers:
            path = lake / f"merged_date={day}" / "part-0.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            writers[day] = pq.ParquetWriter(path, SCHEMA, compression="zstd", compression_level=1)
        writers[day].write_table(pa.Table.from_pylist(rows, schema=SCHEMA))

    rows_in, failed = 0, 0
    with open(args.envelopes, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                r = row(json.loads(line))
            except Exception:  # noqa: BLE001 - a bad line fails alone, as in hooklake
                failed += 1
                continue
            r["changed_files_status"] = "pending"
            day = r["merged_at"].strftime("%Y-%m-%d")
            buffers.setdefault(day, []).append(r)
            size = len(r["payload"]) + ROW_OVERHEAD
            sizes[day] = sizes.get(day, 0) + size
            held += size
            rows_in += 1
            while held > args.memory_limit // 4:
                flush(max(sizes, key=sizes.get))
    for day in list(buffers):
        flush(day)
    for writer in writers.values():
        writer.close()
    print(f"imported {rows_in} row(s) into {len(writers)} file(s); {failed} line(s) failed", file=sys.stderr)


if __name__ == "__main__":
    main()
