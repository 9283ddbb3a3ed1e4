"""Micro-benchmark of the vault: sealed writes and purpose-gated reads.

    python bench/bench_vault.py [--n 5000] [--database-url URL]

Runs on a temporary SQLite file unless ``--database-url`` names an *empty* scratch
database (Charter installs itself there with a fresh key ring). Each operation is one
unit of work, committed, as a web request would be:

* write: find-or-create a subject by email, then store a contact-form submission (name,
  email, phone: normalisation, blind indexes, AES-GCM sealing, audit entries);
* read: load one subject and read their data for the contact form's purpose (purpose
  gate, key unwrap, decryption, audit entry).

Not a test: it prints latency percentiles and throughput, and asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

from sqlalchemy import select

from charter.installation.service import open_runtime
from charter.runtime import Runtime
from charter.settings import Settings, shipped_policy_path
from charter.vault import service
from charter.vault.models import Subject

ACTOR = "bench"
POINT = "contact_form"
PURPOSE = "respond_to_queries"

T = TypeVar("T")


def write_one(runtime: Runtime, index: int) -> str:
    email = f"Bench.Person{index}@Example.com"
    with runtime.unit() as work:
        subject, _ = service.get_or_create_subject(work, email=email, actor=ACTOR)
        service.store_personal_data(
            work,
            subject,
            collection_point=POINT,
            values={
                "identity.first_name": f"Person{index}",
                "identity.last_name": "Bench",
                "contact.email": email,
                "contact.phone": f"+44 7400 {index % 1_000_000:06d}",
            },
            source="bench",
            actor=ACTOR,
        )
        return subject.ref


def read_one(runtime: Runtime, ref: str) -> None:
    with runtime.unit() as work:
        subject = work.session.scalars(select(Subject).where(Subject.ref == ref)).one()
        data = service.read_personal_data(work, subject, purpose=PURPOSE, actor=ACTOR)
    if "contact.email" not in data:
        raise SystemExit("read returned no email: the benchmark is not measuring a real read")


def timed(operation: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = operation()
    return result, time.perf_counter() - start


def report(name: str, seconds: list[float]) -> None:
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    print(
        f"{name:<6} n={len(seconds):<6} median={statistics.median(seconds) * 1e3:7.3f} ms  "
        f"p95={cuts[94] * 1e3:7.3f} ms  p99={cuts[98] * 1e3:7.3f} ms  "
        f"{len(seconds) / sum(seconds):8.1f} ops/s"
    )


def run(n: int, database_url: str | None, data_dir: Path) -> None:
    settings = Settings(data_dir=data_dir, database_url=database_url, policy=shipped_policy_path())
    runtime = open_runtime(settings)
    try:
        print(f"backend: {runtime.engine.dialect.name}  policy {runtime.policy.version}  n={n}")
        refs, writes = zip(*(timed(partial(write_one, runtime, i)) for i in range(n)), strict=True)
        report("write", list(writes))
        sample = random.Random(1).choices(refs, k=n)
        _, reads = zip(*(timed(partial(read_one, runtime, ref)) for ref in sample), strict=True)
        report("read", list(reads))
    finally:
        runtime.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=5000, help="operations of each kind")
    parser.add_argument(
        "--database-url", default=None, help="an EMPTY scratch database (default: temp SQLite)"
    )
    args = parser.parse_args(argv)
    if args.n < 2:
        parser.error("--n must be at least 2")
    with tempfile.TemporaryDirectory(prefix="charter-bench-") as folder:
        run(args.n, args.database_url, Path(folder))


if __name__ == "__main__":
    main(sys.argv[1:])
