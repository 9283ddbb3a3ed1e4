"""Micro-benchmark: appending to the audit chain and verifying it (W8: >= 500,000 entries/s).

    python bench/bench_audit.py [--entries 100000] [--database-url URL] [--json]

Not a test: it asserts nothing, it measures. Runs on a temporary SQLite file by default.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from charter.audit import service as audit
from charter.installation.service import open_runtime
from charter.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1_000, help="entries per unit of work")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--json", action="store_true", help="print one JSON line of results")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder), database_url=options.database_url)
        runtime = open_runtime(settings)
        single: list[float] = []
        for _ in range(min(2_000, options.entries)):
            started = time.perf_counter()
            with runtime.unit() as work:
                audit.record(work, actor="bench", action="personal_data.read", purpose="bench")
            single.append(time.perf_counter() - started)
        written = len(single)
        started = time.perf_counter()
        while written < options.entries:
            with runtime.unit() as work:
                for _ in range(min(options.batch, options.entries - written)):
                    audit.record(
                        work,
                        actor="staff:bench",
                        action="personal_data.read",
                        subject_ref="0" * 32,
                        purpose="respond_to_enquiries",
                        detail={"fields": ["contact.email", "identity.first_name"]},
                    )
                    written += 1
        batch_seconds = time.perf_counter() - started
        started = time.perf_counter()
        with runtime.unit(write=False) as work:
            result = audit.verify(work.session, runtime.keyring.audit)
        verify_seconds = time.perf_counter() - started
        runtime.close()

    single.sort()
    figures = {
        "workload": "audit",
        "entries": result.checked,
        "intact": result.intact,
        "append_unit_p50_ms": statistics.median(single) * 1000,
        "append_unit_p99_ms": single[int(len(single) * 0.99) - 1] * 1000,
        "append_batched_per_s": (options.entries - len(single)) / batch_seconds
        if batch_seconds
        else None,
        "verify_per_s": result.checked / verify_seconds,
    }
    if options.json:
        print(json.dumps(figures))
    else:
        for name, value in figures.items():
            print(
                f"{name:>24}: {value:,.2f}" if isinstance(value, float) else f"{name:>24}: {value}"
            )


if __name__ == "__main__":
    main()
