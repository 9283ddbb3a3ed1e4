"""Micro-benchmark: screening throughput on realistic messages (target >= 1,000 messages/s).

    python bench/bench_screening.py [--messages 5000] [--json]

Messages are built from the labelled corpus (tests/screening/corpus), joining neighbours
until each is about 400 characters, the length of a typical contact-form message with a
signature. One process, one thread: this is the one-core rate. It also times
pathological inputs (100,000 characters of digits, of "@", of capitalised words...) to
show the bound on one call. Throughput is reported in CPU time of this process (what one
core delivers, whatever else the machine runs) and in wall-clock time. Not a test: it
asserts nothing, it measures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from charter.screening.evaluation import load_corpus
from charter.screening.service import MAX_SCREENED_CHARS, screen_text

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "screening" / "corpus"
TARGET_LENGTH = 400

PATHOLOGICAL = {
    "100k letters": "a" * MAX_SCREENED_CHARS,
    "100k digits and spaces": "1 " * (MAX_SCREENED_CHARS // 2),
    "100k '@' and dots": "a@b." * (MAX_SCREENED_CHARS // 4),
    "100k capitalised words": "Sarah Jones " * (MAX_SCREENED_CHARS // 12),
    "100k 'I'm sick' without a full stop": "I'm sick and my wife is diabetic " * 3000,
    "100k hex and colons": "fe80:" * (MAX_SCREENED_CHARS // 5),
    "100k sort codes": "20-00-00 " * (MAX_SCREENED_CHARS // 9),
    "100k postcodes": "BS1 6EN " * (MAX_SCREENED_CHARS // 8),
    "1M characters (truncated)": "x" * 1_000_000,
}


def messages(count: int) -> list[str]:
    texts = [m.text for path in sorted(CORPUS.glob("*.jsonl")) for m in load_corpus(path)]
    built: list[str] = []
    index = 0
    while len(built) < count:
        message = texts[index % len(texts)]
        index += 1
        while len(message) < TARGET_LENGTH * 0.8:
            message += "\n\n" + texts[index % len(texts)]
            index += 1
        built.append(message)
    return built


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print one JSON line of results")
    options = parser.parse_args()

    batch = messages(options.messages)
    for text in batch[:200]:  # warm-up: lazy loading of the first-name list, caches
        screen_text(text)
    rates = []
    cpu_rates = []
    for _ in range(options.rounds):
        started, cpu_started = time.perf_counter(), time.process_time()
        for text in batch:
            screen_text(text)
        cpu_rates.append(len(batch) / (time.process_time() - cpu_started))
        rates.append(len(batch) / (time.perf_counter() - started))
    latencies = []
    for text in batch[:2_000]:
        started = time.perf_counter()
        screen_text(text)
        latencies.append(time.perf_counter() - started)
    latencies.sort()
    pathological = {}
    for name, text in PATHOLOGICAL.items():
        started = time.perf_counter()
        screen_text(text)
        pathological[name] = time.perf_counter() - started

    results = {
        "messages": len(batch),
        "mean_characters": statistics.mean(len(t) for t in batch),
        "cpu_messages_per_second_median": statistics.median(cpu_rates),
        "cpu_messages_per_second_min": min(cpu_rates),
        "messages_per_second_median": statistics.median(rates),
        "messages_per_second_min": min(rates),
        "latency_p50_ms": latencies[len(latencies) // 2] * 1000,
        "latency_p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
        "pathological_seconds": pathological,
    }
    if options.json:
        print(json.dumps(results))
        return
    print(
        f"{results['messages']} messages, mean {results['mean_characters']:.0f} characters, "
        f"{options.rounds} rounds on one core"
    )
    print(
        f"throughput (CPU time, one core): median "
        f"{results['cpu_messages_per_second_median']:,.0f} messages/s "
        f"(worst round {results['cpu_messages_per_second_min']:,.0f})"
    )
    print(
        f"throughput (wall clock): median {results['messages_per_second_median']:,.0f} "
        f"messages/s (worst round {results['messages_per_second_min']:,.0f})"
    )
    print(
        f"latency: p50 {results['latency_p50_ms']:.2f} ms, p99 {results['latency_p99_ms']:.2f} ms"
    )
    for name, seconds in pathological.items():
        print(f"pathological {name:<40} {seconds * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
