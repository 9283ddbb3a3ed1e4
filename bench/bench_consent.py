"""Benchmark the consent gate and the cost of recording a consent.

    python bench/bench_consent.py [--subjects 10000] [--calls 20000] [--gives 300]
                                  [--database-url URL]

Without ``--database-url`` it runs on a temporary SQLite file (WAL), created and removed
here. With a URL it migrates and writes to that database: give it a scratch one.

It seeds N subjects (rows inserted in bulk; consents given and withdrawn through the
service, many per unit of work), then measures

* ``decide()`` in-process: one read-only unit of work, random subject x purpose x channel
  (consent-based and not), reported as median / p95 / p99 in microseconds;
* ``give_consent()``: one unit of work each (begin, checks, event, projection, audit
  entry, commit), reported as p50 / p99 in milliseconds.

Not a test: numbers depend on the machine. The target is decide() p99 well under 1 ms.
"""

from __future__ import annotations

import argparse
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import insert, select

from charter.consent.decisions import decide
from charter.consent.models import ANY_CHANNEL
from charter.consent.service import give_consent, withdraw_consent
from charter.installation.service import open_runtime
from charter.runtime import Runtime
from charter.settings import Settings
from charter.vault.models import Subject

ACTOR = "bench"
EVIDENCE = {"method": "web_form", "ip": "203.0.113.50", "user_agent_family": "Firefox"}
BATCH = 500


def percentile(samples: Sequence[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def seed(runtime: Runtime, count: int, rng: random.Random) -> list[int]:
    """Insert ``count`` subjects and give most of them some consent through the service."""
    policy = runtime.policy
    [newsletter] = policy.collection_point("newsletter").consents
    [account] = policy.collection_point("customer_account").consents
    [cookies] = policy.collection_point("cookie_banner").consents
    ids: list[int] = []
    for start in range(0, count, BATCH):
        size = min(BATCH, count - start)
        with runtime.unit() as work:
            now = work.now()
            rows = [{"ref": secrets.token_hex(16), "created_at": now} for _ in range(size)]
            work.session.execute(insert(Subject), rows)
            refs = [row["ref"] for row in rows]
            subjects = list(work.session.scalars(select(Subject).where(Subject.ref.in_(refs))))
            for subject in subjects:
                roll = rng.random()
                if roll < 0.6:
                    give_consent(
                        work,
                        subject,
                        purpose="marketing",
                        channel="email",
                        collection_point="newsletter",
                        wording=newsletter.wording,
                        evidence=EVIDENCE,
                        actor=ACTOR,
                    )
                if roll < 0.3:
                    give_consent(
                        work,
                        subject,
                        purpose="marketing",
                        channel=rng.choice(["phone", "text"]),
                        collection_point="customer_account",
                        wording=account.wording,
                        evidence=EVIDENCE,
                        actor=ACTOR,
                    )
                if roll < 0.5:
                    give_consent(
                        work,
                        subject,
                        purpose="analytics",
                        channel=ANY_CHANNEL,
                        collection_point="cookie_banner",
                        wording=cookies.wording,
                        evidence=EVIDENCE,
                        actor=ACTOR,
                    )
                if 0.5 < roll < 0.55:
                    withdraw_consent(
                        work,
                        subject,
                        purpose="marketing",
                        channel="email",
                        actor=ACTOR,
                        evidence={},
                    )
                ids.append(subject.id)
        print(f"  seeded {len(ids)}/{count}", end="\r", file=sys.stderr)
    print(file=sys.stderr)
    return ids


def bench_decide(runtime: Runtime, ids: list[int], calls: int, rng: random.Random) -> None:
    questions = [
        ("marketing", "email"),
        ("marketing", "phone"),
        ("marketing", "text"),
        ("analytics", ANY_CHANNEL),
        ("provide_services", ANY_CHANNEL),
    ]
    asks = [(rng.choice(ids), *rng.choice(questions)) for _ in range(calls)]
    timings: list[float] = []
    codes: Counter[str] = Counter()
    clock = time.perf_counter_ns
    with runtime.unit(write=False) as work:
        for subject_id, purpose, channel in asks[:1000]:  # warm caches and the statement
            decide(work, subject_id, purpose, channel)
        for subject_id, purpose, channel in asks:
            started = clock()
            decision = decide(work, subject_id, purpose, channel)
            timings.append((clock() - started) / 1000)
            codes[decision.code.value] += 1
    print(f"decide() x {calls} in one read-only unit of work (µs):")
    print(
        f"  median {statistics.median(timings):.1f}  p95 {percentile(timings, 0.95):.1f}  "
        f"p99 {percentile(timings, 0.99):.1f}  max {max(timings):.1f}"
    )
    print("  answers: " + ", ".join(f"{code} {n}" for code, n in sorted(codes.items())))


def bench_give(runtime: Runtime, ids: list[int], gives: int, rng: random.Random) -> None:
    [account] = runtime.policy.collection_point("customer_account").consents
    timings: list[float] = []
    for _ in range(gives):
        subject_id = rng.choice(ids)
        started = time.perf_counter()
        with runtime.unit() as work:
            subject = work.session.get_one(Subject, subject_id)
            give_consent(
                work,
                subject,
                purpose="marketing",
                channel=rng.choice(["email", "phone", "text"]),
                collection_point="customer_account",
                wording=account.wording,
                evidence=EVIDENCE,
                actor=ACTOR,
            )
        timings.append((time.perf_counter() - started) * 1000)
    print(f"give_consent() x {gives}, one committed unit of work each (ms):")
    print(
        f"  p50 {statistics.median(timings):.2f}  p99 {percentile(timings, 0.99):.2f}  "
        f"max {max(timings):.2f}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subjects", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=20_000, help="decide() calls to time")
    parser.add_argument("--gives", type=int, default=300, help="give_consent() units to time")
    parser.add_argument("--database-url", help="a scratch database (default: temp SQLite)")
    parser.add_argument("--seed", type=int, default=27560)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="charter-bench-") as folder:
        settings = Settings(
            data_dir=Path(folder), database_url=args.database_url, keyring=None, now=None
        )
        runtime = open_runtime(settings)
        try:
            print(f"database: {runtime.engine.url.render_as_string(hide_password=True)}")
            started = time.perf_counter()
            ids = seed(runtime, args.subjects, rng)
            print(f"seeded {len(ids)} subjects in {time.perf_counter() - started:.1f} s")
            bench_decide(runtime, ids, args.calls, rng)
            bench_give(runtime, ids, args.gives, rng)
        finally:
            runtime.close()


if __name__ == "__main__":
    main()
