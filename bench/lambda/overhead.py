"""Is a change slower? The Lambda function before and after it, on the same
events into a null S3, in alternating order, through the same local Runtime
API as bench/lambda/run.py. Prints each binary's median and the ratio.

Usage: python bench/lambda/overhead.py BASE_BINARY NEW_BINARY [ROUNDS]   (bench/overhead.sh builds both)"""

import json
import pathlib
import statistics
import subprocess
import sys

import run  # bench/lambda/run.py: the Runtime API, the events, the null S3


def main():
    base, new = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    null_s3 = run.NullS3()
    for name, event in (("6 MB batch", run.six_mb_event()), ("10,000 small", run.small_event())):
        body = json.dumps(event).encode()
        times = {"base": [], "new": []}
        for r in range(rounds):
            # Alternate who goes first: the machine's drift hits both.
            order = [("base", base), ("new", new)] if r % 2 == 0 else [("new", new), ("base", base)]
            for label, binary in order:
                # stdout (the EMF line) discarded for both alike.
                got, _ = run.invocations([str(binary)], None, "http://127.0.0.1:9", "overhead/", null_s3.url,
                                         body, stdout=subprocess.DEVNULL)
                times[label] += got
        b, n = statistics.median(times["base"]), statistics.median(times["new"])
        print(f"lambda {name}: base {b * 1000:.0f} ms, new {n * 1000:.0f} ms "
              f"(median of {len(times['new'])} invocations each): new/base {n / b:.3f}")


if __name__ == "__main__":
    main()
