"""docs/cost.md from what bench/cost/measure.py measured (measured.json),
the providers' list prices (prices.json) and the few quantities no
benchmark here can measure (assumptions.json). Pure: the same inputs give
the same page, which tests/infra/test_cost.py checks against the committed
docs/cost.md.

Usage: python bench/cost/model.py [--check]   (writes docs/cost.md; --check only compares)
"""

import json
import math
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DOC = ROOT / "docs/cost.md"
DAYS_A_MONTH = 30
GB = 1024 ** 3
MB = 1024 ** 2
# The largest SQS batch a Lambda invocation takes is bounded by its 6 MB payload.
LAMBDA_PAYLOAD_BYTES = 6 * MB
# The README's one-line answer is at this many merged pull requests a day.
HEADLINE_PER_DAY = 1000


def load():
    read = lambda name: json.loads((HERE / name).read_text())
    return read("measured.json"), read("prices.json"), read("assumptions.json")


class Inputs:
    def __init__(self, measured, prices, assumptions):
        self.m = measured
        self.p = {k: v["value"] for k, v in prices["prices"].items()}
        self.a = {k: v["value"] for k, v in assumptions.items()}


def scenarios(i):
    """(name, merged a day, webhook requests a day, deliveries per merged-rate second)."""
    other = i.a["other_requests_per_merged"]
    out = [(f"{n:,} merged a day", n, n * (1 + other), n / 86400) for n in (0, 1_000, 100_000, 1_000_000)]
    burst = i.a["seed_burst_requests_per_second"] * i.a["seed_burst_seconds_per_day"]
    merged = burst * i.a["seed_merged_fraction"]
    rate = i.a["seed_burst_requests_per_second"] * i.a["seed_merged_fraction"]
    out.append((f"seed load: bursts of {i.a['seed_burst_requests_per_second']:,}/s", merged, burst, rate))
    return out


def interpolate(points, x):
    """Piecewise linear through measured (x, y) points; linear beyond the ends."""
    points = sorted(points)
    if x <= points[0][0]:
        (x0, y0), (x1, y1) = points[0], points[1]
    elif x >= points[-1][0]:
        (x0, y0), (x1, y1) = points[-2], points[-1]
    else:
        (x0, y0), (x1, y1) = next((a, b) for a, b in zip(points, points[1:]) if a[0] <= x <= b[0])
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0)


def per_batch_figure(i, field, per_batch):
    """A figure of the ingest Lambda's measured batches at this batch size."""
    batches = i.m["lambda"]["batches"]
    return interpolate([(int(size), b[field]) for size, b in batches.items()], per_batch)


def batch_size(i, rate):
    """Deliveries per ingest invocation: what the batching window gathers at
    this rate, at least one, at most the batch size and the 6 MB payload."""
    infra = i.m["infra"]["ingest"]
    cap = min(infra["batch_size"], LAMBDA_PAYLOAD_BYTES // i.m["payloads"]["envelope_bytes_mean"])
    return max(1, min(cap, rate * infra["batching_window_seconds"]))


def gb_second_price(i, architecture):
    return i.p["lambda_arm64_gb_second" if architecture == "arm64" else "lambda_x86_gb_second"]


def hooklake_lines(i, merged_day, requests_day, rate):
    """Line items of one month: (component, quantity text, dollars)."""
    p, a, m = i.p, i.a, i.m
    merged = merged_day * DAYS_A_MONTH
    requests = requests_day * DAYS_A_MONTH
    lines = []
    # The Worker.
    cpu_ms = (merged * m["edge"]["merged_cpu_us"] + (requests - merged) * m["edge"]["not_merged_cpu_us"]) / 1000
    lines.append(("Workers Paid plan", "", p["workers_paid_plan"]))
    lines.append(("Worker requests", f"{requests:,.0f}",
                  max(0, requests - p["workers_requests_included"]) / 1e6 * p["workers_requests"]))
    lines.append(("Worker CPU time", f"{cpu_ms:,.0f} ms",
                  max(0, cpu_ms - p["workers_cpu_ms_included"]) / 1e6 * p["workers_cpu"]))
    lines.append(("KV (replay check: a read and a write per merged delivery)", f"{merged:,.0f} + {merged:,.0f}",
                  max(0, merged - p["kv_reads_included"]) / 1e6 * p["kv_reads"]
                  + max(0, merged - p["kv_writes_included"]) / 1e6 * p["kv_writes"]))
    # SQS: send (64 KB chunks), receive and delete in tens, idle polling.
    per_batch = batch_size(i, rate)
    invocations = merged / per_batch if merged else 0
    sqs = merged * m["payloads"]["sqs_requests_per_send"] + 2 * math.ceil(per_batch / 10) * invocations \
        + a["sqs_idle_receives_per_month"]
    lines.append(("SQS requests", f"{sqs:,.0f}", sqs / 1e6 * p["sqs_requests"]))
    # Ingest Lambda: measured duration at this batch size, plus GitHub's
    # latency for the files lookup (8 at a time).
    ingest = m["infra"]["ingest"]
    run_ms = per_batch_figure(i, "duration_ms", per_batch) \
        + math.ceil(per_batch / 8) * a["github_latency_ms"]
    gb_s = invocations * run_ms / 1000 * ingest["memory_mb"] / 1024
    lines.append((f"Lambda ingest ({ingest['memory_mb']} MB {ingest['architecture']}; GitHub's latency included)",
                  f"{invocations:,.0f} batches of {per_batch:,.0f}, {gb_s:,.0f} GB-s",
                  gb_s * gb_second_price(i, ingest["architecture"]) + invocations / 1e6 * p["lambda_requests"]))
    # Compaction: the day's rows at the measured rows per second, once a day.
    comp = m["infra"]["compaction"]
    measured = m["lake"]["compaction"]
    # A run takes at least what the measured run of one day took (start,
    # list, plan); more rows take proportionally longer.
    comp_s = comp["runs_per_month"] * measured["seconds"] * max(1, merged_day / measured["rows"])
    comp_gb_s = comp_s * comp["memory_mb"] / 1024
    lines.append((f"Lambda compaction ({comp['memory_mb']} MB {comp['architecture']}, daily)", f"{comp_gb_s:,.0f} GB-s",
                  comp_gb_s * gb_second_price(i, comp["architecture"]) + comp["runs_per_month"] / 1e6 * p["lambda_requests"]))
    red = m["infra"]["redelivery"]
    red_gb_s = red["runs_per_month"] * a["redelivery_run_ms"] / 1000 * red["memory_mb"] / 1024
    lines.append((f"Lambda redelivery ({red['memory_mb']} MB, {red['runs_per_month']:,} runs)", f"{red_gb_s:,.0f} GB-s",
                  red_gb_s * gb_second_price(i, red["architecture"]) + red["runs_per_month"] / 1e6 * p["lambda_requests"]))
    # S3: a file per ingest batch (measured files per batch), compaction's
    # reads and one file a day; storage of a year's rows after compaction.
    files_per_batch = per_batch_figure(i, "files", per_batch)
    # Compaction: a file a day, and a LIST of each recent day it looks at.
    puts = invocations * files_per_batch + comp["runs_per_month"] * (1 + comp["recent_days"])
    gets = invocations * files_per_batch
    stored_gb = merged_day * 365 * m["lake"]["stored_bytes_per_row_compacted"] / GB
    lines.append(("S3 PUT and LIST", f"{puts:,.0f}", puts / 1000 * p["s3_put"]))
    lines.append(("S3 GET", f"{gets:,.0f}", gets / 1000 * p["s3_get"]))
    lines.append(("S3 storage (a year of rows, compacted)", f"{stored_gb:,.2f} GB", stored_gb * p["s3_storage"]))
    kms = (puts + gets) * a["kms_requests_per_s3_request"] + DAYS_A_MONTH * m["infra"]["queues"]
    lines.append(("KMS (one key; S3 Bucket Keys, SQS data keys reused a day)", f"{kms:,.0f} requests",
                  m["infra"]["kms_keys"] * p["kms_key"] + kms / 10_000 * p["kms_requests"]))
    # Athena: the everyday queries over a year of this lake.
    athena = everyday_athena(i, merged_day)
    lines.append((f"Athena ({a['athena_queries_per_day']} each of {len(EVERYDAY_QUERIES)} queries a day)", "", athena))
    # CloudWatch.
    log_bytes = invocations * (per_batch_figure(i, "log_bytes", per_batch)
                               + a["lambda_platform_log_bytes"])
    log_gb = log_bytes / GB
    retention = (ingest["log_retention_days"] or 30) / DAYS_A_MONTH
    lines.append(("CloudWatch alarms", f"{m['infra']['alarm_metrics']} alarm metrics",
                  m["infra"]["alarm_metrics"] * p["cloudwatch_alarm"]))
    metrics = len(m["lambda"]["emf_metrics"]) if merged else 0
    lines.append(("CloudWatch metrics (the functions' EMF)", f"{metrics}", metrics * p["cloudwatch_metric"]))
    lines.append(("CloudWatch Logs", f"{log_gb:,.3f} GB",
                  log_gb * p["cloudwatch_logs_ingested"] + log_gb * retention * p["cloudwatch_logs_stored"]))
    lines.append(("Secrets Manager (the GitHub App's key)", "1 secret", p["secrets_manager_secret"]))
    return lines


EVERYDAY_QUERIES = ["reference query", "one repository, a year", "merges per week from merged_pull_requests"]


# Compaction writes files of about this size (`hooklake compact --target-size`).
COMPACTED_FILE_BYTES = 128 * MB


def athena_bytes(i, query, merged_day, compacted=True):
    """Bytes a query over a year of this lake reads: each file's footer and
    the column chunks of its rows (from the footers of the generated lake).
    Compacted: a file a day (more past 128 MB); otherwise a file a delivery."""
    lake = i.m["lake"]
    q = lake["queries"][query]["compacted" if compacted else "a_file_each"]
    rows = merged_day * 365
    if compacted:
        per_day = merged_day * lake["stored_bytes_per_row_compacted"]
        files = 365 * max(1, math.ceil(per_day / COMPACTED_FILE_BYTES)) if merged_day else 0
    else:
        files = rows
    return files * q["footer_bytes_per_file"] + rows * q["column_bytes_per_row"]


def everyday_athena(i, merged_day):
    """A month of the everyday queries (assumptions: how many a day)."""
    each = sum(athena_query_cost(i, q, merged_day) for q in EVERYDAY_QUERIES)
    return each * i.a["athena_queries_per_day"] * DAYS_A_MONTH


def athena_query_cost(i, query, merged_day, compacted=True):
    scanned = max(athena_bytes(i, query, merged_day, compacted), 10 * MB)
    return scanned / 1024 ** 4 * i.p["athena_scanned"]


def alternative_lines(i, kind, merged_day, requests_day):
    """What users would build instead: API Gateway (REST) + a Lambda per
    webhook, then either an S3 JSON object per merged delivery (the design
    hooklake replaces) or Amazon Data Firehose converting to Parquet."""
    p, a, m = i.p, i.a, i.m
    merged, requests = merged_day * DAYS_A_MONTH, requests_day * DAYS_A_MONTH
    gb_s = requests * a["alternative_lambda_ms"] / 1000 * a["alternative_lambda_mb"] / 1024
    lines = [("API Gateway REST API", f"{requests:,.0f}", requests / 1e6 * p["api_gateway_rest"]),
             ("Lambda per webhook", f"{gb_s:,.0f} GB-s",
              gb_s * p["lambda_x86_gb_second"] + requests / 1e6 * p["lambda_requests"]),
             ("CloudWatch Logs", "", requests * a["lambda_platform_log_bytes"] / GB * p["cloudwatch_logs_ingested"])]
    raw = m["lake"]["raw_json_bytes_per_row"]
    if kind == "json":
        stored_gb = merged_day * 365 * raw / GB
        scanned = max(merged_day * 365 * raw, 10 * MB)  # JSON: every query reads every byte
        lines += [("S3 PUT (an object per merged delivery)", f"{merged:,.0f}", merged / 1000 * p["s3_put"]),
                  ("S3 storage (a year of JSON)", f"{stored_gb:,.2f} GB", stored_gb * p["s3_storage"]),
                  (f"Athena over JSON ({a['athena_queries_per_day']} each of {len(EVERYDAY_QUERIES)} queries a day)", "",
                   len(EVERYDAY_QUERIES) * a["athena_queries_per_day"] * DAYS_A_MONTH * scanned / 1024 ** 4 * p["athena_scanned"])]
    else:
        billed_gb = merged * math.ceil(raw / 5120) * 5120 / GB
        stored_gb = merged_day * 365 * m["lake"]["stored_bytes_per_row_compacted"] / GB
        athena = everyday_athena(i, merged_day)
        lines += [("Firehose ingestion (5 KB steps)", f"{billed_gb:,.2f} GB", billed_gb * p["firehose_ingested"]),
                  ("Firehose conversion to Parquet", f"{billed_gb:,.2f} GB", billed_gb * p["firehose_format_conversion"]),
                  ("S3 PUT (a file per 15-minute buffer at most)", "", DAYS_A_MONTH * 96 / 1000 * p["s3_put"]),
                  ("S3 storage (a year, Parquet as compacted here)", f"{stored_gb:,.2f} GB", stored_gb * p["s3_storage"]),
                  ("Athena (as here; no changed files, no dedup view)", "", athena)]
    return lines


def fixed_fees(i):
    """What hooklake costs with no traffic at all."""
    return total(hooklake_lines(i, 0, 0, 0))


def price_text(value):
    """A count with separators, a price in dollars with the digits it has."""
    if isinstance(value, int):
        return f"{value:,}"
    if round(value, 2) == value:
        return f"${value:,.2f}"
    return "$" + f"{value:.10f}".rstrip("0")


def money(x):
    if x == 0:
        return "$0"
    if x < 0.01:
        return "< $0.01"
    return f"${x:,.2f}"


def total(lines):
    return sum(c for _, _, c in lines)


def headline(i):
    name, merged, requests, rate = next(s for s in scenarios(i) if s[1] == HEADLINE_PER_DAY)
    cost = total(hooklake_lines(i, merged, requests, rate))
    return f"about ${cost:,.0f} a month at {HEADLINE_PER_DAY:,} merged pull requests a day"


def render(measured, prices, assumptions):
    i = Inputs(measured, prices, assumptions)
    out = []
    w = out.append
    w("# What hooklake costs to run\n")
    w("<!-- Generated by `bash bench/cost.sh` (bench/cost/model.py) from bench/cost/measured.json, "
      "prices.json and assumptions.json; do not edit. tests/infra/test_cost.py fails if this page, "
      "or the inputs it was made from, drift from what the code measures. -->\n")
    w(f"**In one line: {headline(i)}** (the serverless pipeline: Cloudflare Worker, SQS, Lambda, S3, "
      "Athena), most of it fixed fees. Every quantity below comes from a measurement in this repository "
      "(the command is in \"Inputs\"), a list price (\"Prices\", with the date read) or one of the few "
      "stated assumptions no benchmark here can measure (\"Assumptions\").\n")
    w("## A month, by traffic\n")
    w("Webhook requests count every delivery the Worker answers: each merged pull request and the "
      f"{i.a['other_requests_per_merged']} other pull-request events before it (an assumption). List prices, "
      "no free tiers.\n")
    w("| traffic | webhook requests a month | hooklake | API Gateway + Lambda + S3 JSON + Athena | API Gateway + Lambda + Firehose (Parquet) |")
    w("| --- | ---: | ---: | ---: | ---: |")
    for name, merged, requests, rate in scenarios(i):
        w(f"| {name} | {requests * DAYS_A_MONTH:,.0f} | **{money(total(hooklake_lines(i, merged, requests, rate)))}** "
          f"| {money(total(alternative_lines(i, 'json', merged, requests)))} "
          f"| {money(total(alternative_lines(i, 'firehose', merged, requests)))} |")
    w("")
    w("## hooklake, line by line\n")
    names = [s[0] for s in scenarios(i)]
    w("| component | " + " | ".join(names) + " |")
    w("| --- |" + " ---: |" * len(names))
    per = [hooklake_lines(i, merged, requests, rate) for _, merged, requests, rate in scenarios(i)]
    for row in range(len(per[0])):
        w(f"| {per[0][row][0]} | " + " | ".join(f"{money(p[row][2])}<br><sub>{p[row][1]}</sub>" if p[row][1]
                                                   else money(p[row][2]) for p in per) + " |")
    w("| **total** | " + " | ".join(f"**{money(total(p))}**" for p in per) + " |")
    w("")
    budget = i.a["github_requests_per_hour"]
    w("**GitHub's API budget.** Enrichment asks GitHub once per merged pull request (its files, 100 a page). "
      f"At {budget:,} requests an hour per App installation that is "
      + ", ".join(f"{merged / 24 / budget:.0%} at {merged:,.0f} merged a day" for _, merged, _, _ in scenarios(i)[1:])
      + ". Past 100%, rows still land at once with `changed_files_status = rate_limited`, and compaction "
        "fills them in as the budget allows; the lake loses nothing, but changed files lag.\n")
    w("## What users would build instead\n")
    w("- **The design hooklake replaces**: API Gateway (REST API) and a Lambda function per webhook, one S3 "
      "JSON object per merged delivery, Athena over the JSON.")
    w("- **Amazon Data Firehose**: the same API Gateway and Lambda (Firehose cannot verify GitHub's "
      "signature), records into Firehose with record-format conversion to Parquet.\n")
    for kind, title in (("json", "S3 JSON + Athena over JSON"), ("firehose", "Firehose to Parquet")):
        w(f"| {title} | " + " | ".join(names) + " |")
        w("| --- |" + " ---: |" * len(names))
        alt = [alternative_lines(i, kind, merged, requests) for _, merged, requests, _ in scenarios(i)]
        for row in range(len(alt[0])):
            w(f"| {alt[0][row][0]} | " + " | ".join(money(a[row][2]) for a in alt) + " |")
        w("| **total** | " + " | ".join(f"**{money(total(a))}**" for a in alt) + " |")
        w("")
    w(where_cheaper(i))
    w("## Athena: bytes scanned\n")
    lake = i.m["lake"]
    w(f"Athena bills the bytes it reads, at least 10 MB a query. Measured from the Parquet footers of a generated "
      f"year of lake ({lake['rows']:,} rows: {lake['per_day']} merged pull requests a day for {lake['days']} days "
      f"over {lake['repositories']} repositories, Zipf-skewed, each a real octokit payload of "
      f"{lake['raw_json_bytes_per_row']:,} bytes as JSON): the footer and the column chunks each query needs, "
      "per row, scaled to the traffic. Column pruning keeps the payload out of every query that does not name it; "
      "`SELECT *` (and `SELECT payload`) still reads it.\n")
    w("| query | columns read | compacted: footer per file, columns per row | a file per delivery: footer, columns per row | "
      + " | ".join(f"a year at {n:,}/day, compacted" for n in (1_000, 100_000)) + " | a year at 1,000/day, a file per delivery | JSON alternative, a year at 1,000/day |")
    w("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    json_year = 1000 * 365 * lake["raw_json_bytes_per_row"]
    for name, q in lake["queries"].items():
        cols = q["columns"] if isinstance(q["columns"], str) else ", ".join(q["columns"])
        c, f = q["compacted"], q["a_file_each"]
        w(f"| {name} | {cols} | {c['footer_bytes_per_file']:,} B, {c['column_bytes_per_row']:,.1f} B "
          f"| {f['footer_bytes_per_file']:,} B, {f['column_bytes_per_row']:,.1f} B | "
          + " | ".join(f"{athena_bytes(i, name, n) / MB:,.1f} MB ({money(athena_query_cost(i, name, n))})"
                       for n in (1_000, 100_000))
          + f" | {athena_bytes(i, name, 1000, compacted=False) / MB:,.0f} MB "
            f"({money(athena_query_cost(i, name, 1000, compacted=False))})"
          + f" | {json_year / GB:,.2f} GB ({money(json_year / 1024 ** 4 * i.p['athena_scanned'])}) |")
    w("")
    w(f"Before compaction each delivery is its own file (a batch at low traffic holds one), so a query reads a "
      f"footer per delivery: {lake['stored_bytes_per_row_one_file_each']:,} bytes stored per row against "
      f"{lake['stored_bytes_per_row_compacted']:,} compacted. Compaction runs daily, so at most a day or two of "
      "any year-long query is read in that shape; the column \"a year at 1,000/day, a file per delivery\" is what "
      "a lake never compacted would cost. The reference query's `LIMIT 10` lets Athena stop early; these are "
      "the bytes of a full scan, the most it can read.\n")
    w("## Inputs\n")
    w("| input | value | measured | by |")
    w("| --- | --- | --- | --- |")
    m = i.m
    rows = [
        (f"Worker CPU, merged delivery ({m['edge']['runtime']}, signature through WebCrypto)",
         f"{m['edge']['merged_cpu_us']} µs", "edge",
         "bash bench/edge/run.sh"),
        ("Worker CPU, other delivery", f"{m['edge']['not_merged_cpu_us']} µs", "edge", "bash bench/edge/run.sh"),
        ("payload, mean of the 27 octokit pull_request payloads made merged",
         f"{m['payloads']['payload_bytes_mean']:,} B (envelope {m['payloads']['envelope_bytes_mean']:,} B)", "payloads",
         "python bench/cost/measure.py payloads"),
        ("SQS requests per SendMessage (64 KB chunks)", f"{m['payloads']['sqs_requests_per_send']}", "payloads",
         "python bench/cost/measure.py payloads"),
    ]
    for size, b in sorted(m["lambda"]["batches"].items(), key=lambda kv: int(kv[0])):
        rows.append((f"ingest Lambda, batch of {int(size):,}", f"{b['duration_ms']} ms, {b['files']} file(s), "
                     f"{b['log_bytes']:,} log bytes", "lambda", "python bench/cost/measure.py lambda"))
    rows += [
        ("the ingest Lambda's EMF metrics", ", ".join(m["lambda"]["emf_metrics"]) or "none", "lambda",
         "python bench/cost/measure.py lambda"),
        ("lake bytes per row, compacted / a file each", f"{lake['stored_bytes_per_row_compacted']:,} / "
         f"{lake['stored_bytes_per_row_one_file_each']:,} B", "lake", "python bench/cost/measure.py lake"),
        ("compaction", f"{lake['compaction']['rows']} rows in {lake['compaction']['files_in']} files → "
         f"{lake['compaction']['files_out']} in {lake['compaction']['seconds']} s", "lake", "python bench/cost/measure.py lake"),
        ("Terraform defaults: ingest", json.dumps({k: v for k, v in m["infra"]["ingest"].items()}), "infra",
         "python bench/cost/measure.py infra"),
        ("Terraform defaults: compaction, redelivery",
         f"{m['infra']['compaction']['memory_mb']} MB {m['infra']['compaction']['schedule']}; "
         f"{m['infra']['redelivery']['memory_mb']} MB {m['infra']['redelivery']['schedule']}", "infra",
         "python bench/cost/measure.py infra"),
        ("alarms (alarm metrics), KMS keys, queues",
         f"{m['infra']['alarms']} ({m['infra']['alarm_metrics']}), {m['infra']['kms_keys']}, {m['infra']['queues']}",
         "infra", "python bench/cost/measure.py infra"),
    ]
    for what, value, part, command in rows:
        w(f"| {what} | {value} | {m[part]['measured']} | `{command}` |")
    w("")
    w(f"## Prices\n")
    w(f"{prices['currency']}, {prices['region']}; read {prices['read']} ({prices['how_read']}).\n")
    w("| price | value | source |")
    w("| --- | --- | --- |")
    for name, v in prices["prices"].items():
        w(f"| {name} | {price_text(v['value'])} {v['unit']} | {v['source']} |")
    w("")
    w("## Assumptions\n")
    w("| assumption | value | why |")
    w("| --- | --- | --- |")
    for name, v in assumptions.items():
        w(f"| {name} | {v['value']:,} | {v['why']} |")
    w("")
    w("Rerun everything with `bash bench/cost.sh`; change a price or an assumption in bench/cost/*.json and "
      "rerun `python bench/cost/model.py` to see its effect.")
    return "\n".join(out) + "\n"


def where_cheaper(i):
    rows = []
    for name, merged, requests, rate in scenarios(i):
        h = total(hooklake_lines(i, merged, requests, rate))
        j = total(alternative_lines(i, "json", merged, requests))
        f = total(alternative_lines(i, "firehose", merged, requests))
        rows.append((name, h, j, f))
    cheaper = [r[0] for r in rows if r[1] < min(r[2], r[3])]
    dearer = [r[0] for r in rows if r[1] >= min(r[2], r[3])]
    text = "**Where hooklake is cheaper, and where not.** "
    if cheaper:
        text += "Cheaper than both at " + ", ".join(cheaper) + ". "
    if dearer:
        text += ("Not cheaper at " + ", ".join(dearer) + ": there the alternatives' per-request prices add "
                 "up to little, and hooklake's fixed fees (the Workers plan, the KMS key, the alarms, the GitHub "
                 "App's secret: " + money(fixed_fees(i)) + " a month) are most of its bill; the alternatives are "
                 "priced bare, without alarms, a key of their own or changed files. ")
    text += ("As traffic grows, the alternatives pay API Gateway and a Lambda invocation for every webhook "
             "request, merged or not, and Athena over JSON reads every byte of every payload on every query; "
             "the Worker answers the requests that are not merged pull requests for a fraction of a CPU "
             "millisecond, and Parquet with column pruning keeps the everyday queries near Athena's 10 MB "
             "minimum.")
    name, merged, requests, rate = max(scenarios(i), key=lambda sc: sc[1])
    lines = hooklake_lines(i, merged, requests, rate)
    largest = max(lines, key=lambda line: line[2])
    text += f" hooklake's largest line at {name} is {largest[0]}: {money(largest[2])} of {money(total(lines))}."
    if largest[0].startswith("KV"):
        text += " The replay check's KV write per accepted delivery is the first thing to look at at that volume."
    text += "\n"
    return text


def main(argv):
    page = render(*load())
    if "--check" in argv:
        if DOC.read_text() != page:
            raise SystemExit("docs/cost.md is not what bench/cost/model.py makes of bench/cost/*.json: "
                             "run `python bench/cost/model.py`")
        return
    DOC.write_text(page)
    print(f"wrote {DOC.relative_to(ROOT)}: {headline(Inputs(*load()))}")


if __name__ == "__main__":
    main(sys.argv[1:])
