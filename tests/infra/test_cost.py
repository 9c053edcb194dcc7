"""docs/cost.md is what bench/cost/model.py makes of the measurements, and
the measurements are what the code measures today: a change to the
Terraform defaults, the payload fixtures, the Parquet writer or the schema
that moves an input fails here until `bash bench/cost.sh` is rerun.
Timings (the Worker's CPU, the Lambda's duration) are measured only by
bench/cost.sh, never asserted here."""

import json
import os
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench/cost"))

import measure  # noqa: E402
import model  # noqa: E402

MEASURED = json.loads((ROOT / "bench/cost/measured.json").read_text())


def without_date(part):
    return {k: v for k, v in part.items() if k != "measured"}


def test_the_page_is_what_the_model_makes_of_the_committed_inputs():
    assert (ROOT / "docs/cost.md").read_text() == model.render(*model.load()), \
        "docs/cost.md is stale: run `python bench/cost/model.py` (or `bash bench/cost.sh`)"


def test_the_readme_gives_the_one_line_answer():
    headline = model.headline(model.Inputs(*model.load()))
    assert headline in (ROOT / "README.md").read_text(), f"README.md should say: {headline}"


def test_the_terraform_inputs_are_todays():
    assert without_date(MEASURED["infra"]) == measure.measure_infra(), \
        "infra/ changed what is deployed: rerun `bash bench/cost.sh infra`"


def test_the_payload_inputs_are_todays():
    assert without_date(MEASURED["payloads"]) == measure.measure_payloads(), \
        "the payload fixtures changed: rerun `bash bench/cost.sh payloads`"


def test_the_edge_was_measured_on_the_sample_the_bench_sends():
    assert MEASURED["edge"]["payload_bytes"] == (ROOT / "cli/samples/merged.json").stat().st_size


def test_the_queries_name_columns_the_table_has():
    glue = json.loads((ROOT / "schema/generated/glue_table.json").read_text())
    columns = {c["name"] for c in glue["columns"]}
    for name, query in measure.QUERIES.items():
        assert not set(query["columns"] or []) - columns, name
    assert set(MEASURED["lake"]["queries"]) == set(measure.QUERIES)


def test_the_lambda_metrics_are_the_ones_the_code_names():
    metrics = (ROOT / "schema/src/metrics.rs").read_text()
    for metric in MEASURED["lambda"]["emf_metrics"]:
        name = metric.split("{")[0]
        # A labelled metric is published as NAME.LABEL.
        assert f'"{name}"' in metrics or f'"{name.rsplit(".", 1)[0]}"' in metrics, metric


@pytest.mark.skipif(not os.path.exists(os.environ.get("HOOKLAKE_BIN", ROOT / "target/debug/hooklake")),
                    reason="needs target/debug/hooklake (cargo test --workspace builds it)")
def test_the_lake_bytes_are_what_the_writer_writes_today():
    """A generated year of lake, written again: every byte count and the
    bytes each query reads equal the committed ones (Parquet is
    deterministic for the same rows)."""
    hooklake = os.environ.get("HOOKLAKE_BIN", str(ROOT / "target/debug/hooklake"))
    again = measure.measure_lake(hooklake)
    committed = without_date(MEASURED["lake"])
    for part in (again, committed):
        part["compaction"].pop("seconds")
    assert again == committed, "the lake's bytes changed: rerun `bash bench/cost.sh lake`"
