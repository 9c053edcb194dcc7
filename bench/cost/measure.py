"""The quantities behind docs/cost.md, measured here (bench/cost.sh runs it).

Each part writes its own section of bench/cost/measured.json, with the
command that produced it and the date:

- infra:    what the Terraform modules deploy (function memory and
            architecture, batch size and window, schedules, alarms, log
            retention), read from infra/modules;
- payloads: bytes per delivery on real payloads (the octokit fixtures made
            merged), and the SQS requests a message of that size bills;
- edge:     the Worker's CPU per merged and per other delivery in V8
            (bench/edge/v8.mjs --json);
- lambda:   the ingest function on SQS batches of real payloads into moto's
            S3: duration, files and bytes written, log bytes and its EMF
            metrics (the function's own output);
- lake:     a generated year of lake (real-sized payloads, 200 repositories,
            skewed): bytes stored and the bytes Athena must read for the
            reference query and others, from the Parquet footers, before and
            after compaction; and compaction's rows per second.

Usage: python bench/cost/measure.py PART... [--edge-json FILE]
  (HOOKLAKE_BIN: the hooklake binary; HOOKLAKE_LAMBDA_BIN: the function's)
"""

import datetime
import json
import os
import pathlib
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
MEASURED = HERE / "measured.json"
FIXTURES = ROOT / "tests/fixtures/octokit-webhooks/pull_request"
sys.path.insert(0, str(ROOT / "bench/lambda"))
import run  # noqa: E402  bench/lambda/run.py: the Lambda benchmark's payloads, envelopes, Runtime API and moto

# SQS bills every 64 KB chunk of a request as one request
# (https://aws.amazon.com/sqs/pricing/).
SQS_CHUNK = 64 * 1024


def today():
    return datetime.date.today().isoformat()


# ---------------------------------------------------------------- infra


def tf_defaults(module):
    """`variable "x" { ... default = v }` of a module's variables.tf."""
    text = (ROOT / f"infra/modules/{module}/variables.tf").read_text()
    out = {}
    for name, body in re.findall(r'variable "(\w+)" \{(.*?)\n\}', text, re.S):
        m = re.search(r"^\s*default\s*=\s*(.+)$", body, re.M)
        if m:
            value = m.group(1).strip()
            try:
                out[name] = json.loads(value)
            except ValueError:
                out[name] = value
    return out


def tf_architecture(module):
    m = re.search(r'architectures\s*=\s*\["(\w+)"\]', (ROOT / f"infra/modules/{module}/main.tf").read_text())
    return m.group(1) if m else "x86_64"


def runs_per_month(expression):
    """Runs a month of an EventBridge rate() or daily cron() expression."""
    m = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)", expression)
    if m:
        minutes = int(m.group(1)) * {"minute": 1, "hour": 60, "day": 1440}[m.group(2).rstrip("s")]
        return round(30 * 1440 / minutes)
    m = re.fullmatch(r"cron\((\S+) (\S+) \* \* \? \*\)", expression)
    if m and m.group(1).isdigit():
        hours = m.group(2).split(",")
        return 30 * len(hours)
    raise ValueError(f"cannot count the runs of {expression!r}")


def count_alarms():
    """CloudWatch alarms the alarms module makes: the entries of its alarm
    maps (one alarm each) and its other alarm resources, with the metrics a
    metric-math alarm bills."""
    text = (ROOT / "infra/modules/alarms/main.tf").read_text()
    locals_block = text[text.index("locals {"):text.index('resource "aws_cloudwatch_metric_alarm" "this"')]
    entries = re.findall(r"^    [a-z0-9_-]+\s*=\s*\{", locals_block, re.M)
    others = re.findall(r'resource "aws_cloudwatch_metric_alarm" "(\w+)" \{(.*?)\n\}', text, re.S)
    metrics = sum(max(1, body.count("metric_name")) for name, body in others if name != "this")
    return {"alarms": len(entries) + len(others) - 1, "alarm_metrics": len(entries) + metrics}


def recent_days():
    """The days a scheduled compaction looks at (maintain's driver)."""
    text = (ROOT / "maintain/src/driver.rs").read_text()
    return int(re.search(r"pub const DEFAULT_RECENT_DAYS: \w+ = (\d+);", text).group(1))


def measure_infra():
    ingest, compaction, redelivery = tf_defaults("ingest"), tf_defaults("compaction"), tf_defaults("redelivery")
    return {
        "ingest": {"memory_mb": ingest["memory_mb"], "batch_size": ingest["batch_size"],
                   "batching_window_seconds": ingest["batching_window_seconds"],
                   "architecture": tf_architecture("ingest"),
                   "log_retention_days": ingest.get("log_retention_days")},
        "compaction": {"memory_mb": compaction["memory_mb"], "architecture": tf_architecture("compaction"),
                       "recent_days": recent_days(),
                       "runs_per_month": runs_per_month(compaction["schedule"]),
                       "schedule": compaction["schedule"]},
        "redelivery": {"memory_mb": redelivery["memory_mb"], "architecture": tf_architecture("redelivery"),
                       "runs_per_month": runs_per_month(redelivery["schedule"]),
                       "schedule": redelivery["schedule"]},
        **count_alarms(),
        "kms_keys": len(re.findall(r'resource "aws_kms_key"', (ROOT / "infra/modules/key/main.tf").read_text())),
        "s3_bucket_key": "bucket_key_enabled = true" in (ROOT / "infra/modules/lake/main.tf").read_text(),
        "queues": len(re.findall(r'resource "aws_sqs_queue"', (ROOT / "infra/modules/queue/main.tf").read_text())),
    }


# ---------------------------------------------------------------- payloads


def merged_payloads():
    """The 27 octokit pull_request payloads, each made a merged pull request."""
    return [run.merged(json.loads(path.read_text()), i)
            for i, path in enumerate(sorted(FIXTURES.glob("*.payload.json")))]


def measure_payloads():
    payloads = [run.compact(p) for p in merged_payloads()]
    sizes = [len(p.encode()) for p in payloads]
    envelopes = [len(run.envelope(i, p).encode()) for i, p in enumerate(payloads)]
    return {
        "fixtures": len(sizes),
        "payload_bytes_mean": round(statistics.mean(sizes)),
        "payload_bytes_max": max(sizes),
        "envelope_bytes_mean": round(statistics.mean(envelopes)),
        "sqs_requests_per_send": max(-(-e // SQS_CHUNK) for e in envelopes),
    }


# ---------------------------------------------------------------- edge


def measure_edge(edge_json):
    data = json.loads(pathlib.Path(edge_json).read_text())
    return {"runtime": data["runtime"],
            "merged_cpu_us": round(data["merged_us"]["worker"], 1),
            "not_merged_cpu_us": round(data["not_merged_us"]["worker"], 1),
            "javascript_merged_us": round(data["merged_us"]["javascript"], 1),
            "payload_bytes": data["payload_bytes"]}


# ---------------------------------------------------------------- lambda


def emf_metrics(lines):
    """Distinct CloudWatch metrics (name and dimension values) in EMF lines."""
    seen = set()
    for line in lines:
        try:
            doc = json.loads(line)
        except ValueError:
            continue
        for directive in doc.get("_aws", {}).get("CloudWatchMetrics", []):
            for dims in directive.get("Dimensions", [[]]):
                values = tuple((d, doc.get(d)) for d in dims)
                for metric in directive.get("Metrics", []):
                    seen.add((metric["Name"], values))
    return sorted(f"{name}{dict(values) or ''}" for name, values in seen)


def measure_lambda(binary):
    payloads = merged_payloads()
    for payload in payloads:  # merged as they arrive: today's partition
        payload["pull_request"]["merged_at"] = "2026-11-01T10:00:00Z"
    moto_proc, moto, s3 = run.start_moto()
    batches = {}
    metrics = set()
    try:
        for size in (1, 10, 100, 1000):
            records = [run.record(i, run.envelope(i, run.compact(payloads[i % len(payloads)]))) for i in range(size)]
            body = json.dumps({"Records": records}).encode()
            api = run.RuntimeApi()
            prefix = f"cost/{size}/"
            log = tempfile.TemporaryFile()
            proc = subprocess.Popen([binary], env=run.lambda_env(api, moto, prefix), stdout=log, stderr=log)
            try:
                times = []
                for attempt in range(6):
                    elapsed, answer = api.invoke(body)
                    assert answer["batchItemFailures"] == [], answer
                    if attempt == 0:
                        objects = s3.list_objects_v2(Bucket="bench", Prefix=prefix).get("Contents", [])
                        files, written = len(objects), sum(o["Size"] for o in objects)
                    else:
                        times.append(elapsed * 1000)
            finally:
                proc.kill()
                proc.wait()
                api.server.shutdown()
            log.seek(0)
            lines = log.read().decode(errors="replace").splitlines()
            metrics.update(emf_metrics(lines))
            batches[str(size)] = {"duration_ms": round(statistics.median(times), 1), "files": files,
                                  "bytes_written": written,
                                  "log_bytes": round(sum(len(l) + 1 for l in lines) / 6)}
    finally:
        moto_proc.terminate()
        moto_proc.wait()
    return {"batches": batches, "emf_metrics": sorted(metrics),
            "enrichment": "none (no GitHub credentials): GitHub's latency is an assumption"}


# ---------------------------------------------------------------- lake

REPOSITORIES = 200
DAYS = 365
PER_DAY = 100
# The queries docs/cost.md prices, as the columns each must read; the
# one-repository query also filters on a value (row groups whose footer
# statistics exclude it are skipped).
QUERIES = {
    "reference query": {"columns": ["repository", "changed_files"]},
    "one repository, a year": {"columns": ["repository", "number", "title", "merged_at", "author_login"],
                               "repository": "octo-org/repo-000"},
    "merges per week from merged_pull_requests": {
        "columns": ["repository", "merged_at", "repository_id", "number", "received_at", "delivery_id"]},
    "SELECT * (reads the payload)": {"columns": None},
}


WORDS = ("the fix for a flaky test in the parser moves retry logic into the client and adds a "
         "regression case covering timeouts on slow networks while keeping the public api stable").split()


def vary(value, rng):
    """Real payloads differ in more than their numbers: fresh commit SHAs,
    ids and node ids, and a description of its own for each pull request,
    so compression finds no more repetition than a real lake holds."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "body" and isinstance(item, str) or key == "body" and item is None:
                value[key] = " ".join(rng.choice(WORDS) for _ in range(rng.randint(10, 120)))
            elif key in ("sha", "merge_commit_sha") and isinstance(item, str):
                value[key] = "%040x" % rng.getrandbits(160)
            elif key == "node_id" and isinstance(item, str):
                value[key] = "PR_kw" + "%020x" % rng.getrandbits(80)
            elif key == "id" and isinstance(item, int):
                value[key] = rng.randint(10_000_000, 2_000_000_000)
            else:
                vary(item, rng)
    elif isinstance(value, list):
        for item in value:
            vary(item, rng)
    return value


def year_of_envelopes(work):
    """PER_DAY merged pull requests a day for DAYS days over REPOSITORIES
    repositories, Zipf-skewed (a few busy repositories, a long tail); each a
    real octokit payload. One JSONL file per day."""
    rng = random.Random(7)
    weights = [1 / (k + 1) ** 1.1 for k in range(REPOSITORIES)]
    base = merged_payloads()
    start = datetime.date(2025, 12, 1)
    files = []
    i = 0
    for day in range(DAYS):
        date = start + datetime.timedelta(days=day)
        lines = []
        for n in range(PER_DAY):
            repo = rng.choices(range(REPOSITORIES), weights)[0]
            payload = vary(json.loads(run.compact(base[i % len(base)])), rng)
            pr = payload["pull_request"]
            pr["merged_at"] = f"{date}T{n * 86399 // PER_DAY // 3600:02d}:{n % 60:02d}:00Z"
            pr["number"] = payload["number"] = i
            pr["title"] = f"Change {i}: {pr['title']}"
            payload["repository"]["full_name"] = f"octo-org/repo-{repo:03d}"
            payload["repository"]["id"] = 1000 + repo
            lines.append(run.envelope(i, run.compact(payload)))
            i += 1
        path = work / f"{date}.jsonl"
        path.write_text("\n".join(lines) + "\n")
        files.append(path)
    return files


def read_bytes(files, columns, repository=None):
    """What a reader fetches for `columns`: (footer bytes, column chunk
    bytes). Row groups whose repository statistics exclude `repository`
    are skipped."""
    import pyarrow.parquet as pq
    footers = chunks = 0
    for path in files:
        meta = pq.ParquetFile(path).metadata
        footers += meta.serialized_size + 8
        for g in range(meta.num_row_groups):
            group = meta.row_group(g)
            parts = [group.column(c) for c in range(group.num_columns)]
            if repository is not None:
                repo = next(c for c in parts if c.path_in_schema == "repository")
                stats = repo.statistics
                if stats is not None and stats.has_min_max and not (stats.min <= repository <= stats.max):
                    continue
            chunks += sum(c.total_compressed_size for c in parts
                          if columns is None or c.path_in_schema.split(".")[0] in columns)
    return footers, chunks


def query_bytes(files, rows, q):
    footers, chunks = read_bytes(files, q["columns"], q.get("repository"))
    return {"footer_bytes_per_file": round(footers / len(files)), "column_bytes_per_row": round(chunks / rows, 2)}


def measure_lake(hooklake):
    work = pathlib.Path(tempfile.mkdtemp(prefix="hooklake-cost-lake-"))
    try:
        days = year_of_envelopes(work)
        rows = DAYS * PER_DAY
        # After compaction: one file per day's partition (what compaction leaves).
        lake = work / "lake"
        subprocess.run([hooklake, "import", "--lake", str(lake), *map(str, days)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        compacted = sorted(lake.rglob("*.parquet"))
        # Before compaction: a day's deliveries as the Lambda writes them when
        # each batch holds one (the 30 s window at this rate), one file each.
        loose = work / "loose"
        lines = days[0].read_text().splitlines()
        for n, line in enumerate(lines):
            one = work / f"one-{n}.jsonl"
            one.write_text(line + "\n")
            subprocess.run([hooklake, "import", "--lake", str(loose), str(one)], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        loose_files = sorted(loose.rglob("*.parquet"))
        queries = {name: {"columns": q["columns"] or "all",
                          "compacted": query_bytes(compacted, rows, q),
                          "a_file_each": query_bytes(loose_files, len(loose_files), q)}
                   for name, q in QUERIES.items()}
        loose_bytes = sum(p.stat().st_size for p in loose_files)
        start = time.perf_counter()
        subprocess.run([hooklake, "compact", "--lake", str(loose)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        compact_seconds = time.perf_counter() - start
        after_one_day = sorted(loose.rglob("*.parquet"))
        return {
            "rows": rows, "repositories": REPOSITORIES, "days": DAYS, "per_day": PER_DAY,
            "raw_json_bytes_per_row": round(sum(p.stat().st_size for p in days) / rows),
            "stored_bytes_per_row_compacted": round(sum(p.stat().st_size for p in compacted) / rows),
            "stored_bytes_per_row_one_file_each": round(loose_bytes / len(loose_files)),
            "compacted_files": len(compacted),
            "compaction": {"rows": len(lines), "files_in": len(loose_files), "files_out": len(after_one_day),
                           "seconds": round(compact_seconds, 3)},
            "queries": queries,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ---------------------------------------------------------------- main


def main(argv):
    parts = [a for a in argv if not a.startswith("--")]
    edge_json = argv[argv.index("--edge-json") + 1] if "--edge-json" in argv else None
    if edge_json in parts:
        parts.remove(edge_json)
    measured = json.loads(MEASURED.read_text()) if MEASURED.exists() else {}
    hooklake = os.environ.get("HOOKLAKE_BIN", str(ROOT / "target/release/hooklake"))
    lambda_bin = os.environ.get("HOOKLAKE_LAMBDA_BIN", str(ROOT / "target/release/hooklake-lambda"))
    for part in parts:
        started = time.perf_counter()
        if part == "infra":
            result = measure_infra()
        elif part == "payloads":
            result = measure_payloads()
        elif part == "edge":
            result = measure_edge(edge_json)
        elif part == "lambda":
            result = measure_lambda(lambda_bin)
        elif part == "lake":
            result = measure_lake(hooklake)
        else:
            raise SystemExit(f"unknown part {part!r}: infra, payloads, edge, lambda or lake")
        result["measured"] = today()
        measured[part] = result
        print(f"measured {part} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    MEASURED.write_text(json.dumps(measured, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
