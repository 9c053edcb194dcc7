"""The release's arm64 Lambda zip, run for real: its `bootstrap` under
qemu-user against the local Lambda Runtime API (run.py's), one SQS batch of
merged-pull-request envelopes, into moto's S3; then the Parquet it wrote,
read back with pyarrow. bench/lambda-arm64.sh builds the zip and calls this.

Usage: python bench/lambda/arm64_smoke.py BOOTSTRAP_ZIP [RECORDS]"""

import io
import json
import pathlib
import subprocess
import sys
import tempfile
import time
import zipfile

import pyarrow.parquet as pq

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import run  # noqa: E402  (the Runtime API, moto and the event builders)

AARCH64 = 0xB7  # ELF e_machine
QEMU = ["qemu-aarch64-static", "-L", "/usr/aarch64-linux-gnu"]


def main():
    zip_path = pathlib.Path(sys.argv[1])
    records = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    work = pathlib.Path(tempfile.mkdtemp(prefix="hooklake-arm64-"))
    with zipfile.ZipFile(zip_path) as z:
        assert z.namelist() == ["bootstrap"], z.namelist()
        z.extractall(work)
    bootstrap = work / "bootstrap"
    bootstrap.chmod(0o755)
    header = bootstrap.read_bytes()[:20]
    machine = int.from_bytes(header[18:20], "little")
    assert header[:4] == b"\x7fELF" and machine == AARCH64, f"not an aarch64 ELF: e_machine {machine:#x}"
    print(f"zip {zip_path.stat().st_size / 1e6:.1f} MB, bootstrap {bootstrap.stat().st_size / 1e6:.1f} MB, ELF aarch64")

    moto_proc, moto, s3 = run.start_moto()
    api = run.RuntimeApi()
    start = time.perf_counter()
    function = subprocess.Popen(QEMU + [str(bootstrap)], env=run.lambda_env(api, moto, "arm64/"))
    try:
        event = run.small_event(records)
        elapsed, answer = api.invoke(json.dumps(event).encode())
        print(f"under qemu-aarch64: init {(api.first_next - start) * 1000:.0f} ms, "
              f"one batch of {records} envelopes in {elapsed * 1000:.0f} ms (emulated: not a speed figure)")
        assert answer == {"batchItemFailures": []}, answer
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="bench", Prefix="arm64/").get("Contents", [])]
        rows = 0
        for key in keys:
            body = s3.get_object(Bucket="bench", Key=key)["Body"].read()
            rows += pq.read_table(io.BytesIO(body)).num_rows
        print(f"S3: {len(keys)} Parquet file(s), {rows} row(s), e.g. {keys[0] if keys else '-'}")
        assert rows == records, f"{rows} rows for {records} envelopes"
        print("ok: the arm64 bootstrap took the batch and every row is in S3")
    finally:
        function.kill()
        function.wait()
        api.server.shutdown()
        moto_proc.terminate()
        moto_proc.wait()


if __name__ == "__main__":
    main()
