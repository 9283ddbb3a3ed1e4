"""`make bench`: run every micro-benchmark on SQLite and PostgreSQL and collect the output.

    python bench/run.py [--sizes 10k,100k] [--no-postgres]

Each benchmark script is standalone (see its docstring); this runner gives each one a
fresh database (a temporary SQLite file, or a scratch PostgreSQL database it creates and
drops) and writes everything they print to ``bench/results.md``. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

HERE = Path(__file__).resolve().parent
PG_ADMIN_URL = os.environ.get(
    "CHARTER_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}


def workloads(size: int) -> list[tuple[str, list[str]]]:
    return [
        ("vault write/read", ["bench_vault.py", "--n", str(min(size, 5_000))]),
        ("consent decide/give", ["bench_consent.py", "--subjects", str(size)]),
        ("audit append/verify", ["bench_audit.py", "--entries", str(max(size, 10_000))]),
    ]


@contextmanager
def scratch_postgres() -> Iterator[str]:
    name = f"charter_bench_{secrets.token_hex(4)}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(script: list[str], database_url: str | None) -> str:
    command = [sys.executable, str(HERE / script[0]), *script[1:]]
    if database_url:
        command += ["--database-url", database_url]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    output = result.stdout.strip() or result.stderr.strip()
    status = "" if result.returncode == 0 else f" (FAILED, exit {result.returncode})"
    return f"{output}\n(wall time {elapsed:.1f} s){status}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10k", help="comma-separated: 1k,10k,100k,1m")
    parser.add_argument("--no-postgres", action="store_true")
    options = parser.parse_args()
    sizes = [SIZES[s.strip().lower()] for s in options.sizes.split(",") if s.strip()]
    report = ["# Charter micro-benchmarks", ""]
    backends = ["sqlite"] + ([] if options.no_postgres else ["postgresql"])
    for backend in backends:
        for size in sizes:
            for title, script in workloads(size):
                heading = f"## {backend} · {size:,} · {title}"
                print(heading, flush=True)
                if backend == "postgresql":
                    with scratch_postgres() as url:
                        output = run(script, url)
                else:
                    output = run(script, None)
                print(output, flush=True)
                report += [heading, "", "```", output, "```", ""]
    (HERE / "results.md").write_text("\n".join(report), encoding="utf-8")
    print(f"\nWritten to {HERE / 'results.md'}")


if __name__ == "__main__":
    main()
