"""Precision, recall and F1 of screening on the labelled corpus, per split.

    python bench/evaluate_screening.py [--errors] [--split dev|heldout|all]

The development split is what the lexicons were tuned on; the held-out split was written
after the rules were frozen and never tuned on, so its numbers are the honest estimate.
Not a test: it asserts nothing (tests/screening/test_corpus.py holds the regression floor).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from charter.screening.evaluation import evaluate, format_report, load_corpus

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "screening" / "corpus"
SPLITS = {"dev": CORPUS / "dev.jsonl", "heldout": CORPUS / "heldout.jsonl"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", choices=[*SPLITS, "all"], default="all")
    parser.add_argument("--errors", action="store_true", help="list every miss and false alarm")
    options = parser.parse_args()
    names = list(SPLITS) if options.split == "all" else [options.split]
    for name in names:
        if not SPLITS[name].exists():
            print(f"== {name}: {SPLITS[name]} not found")
            continue
        messages = load_corpus(SPLITS[name])
        evaluate(messages)  # warm-up: first-use compilation and the first-name list
        report = evaluate(messages)
        print(format_report(name, report))
        if options.errors:
            texts = {message.id: message.text for message in messages}
            for message_id, kind, label in report.errors:
                snippet = texts[message_id][:90].replace("\n", " ")
                print(f"  {message_id} {kind:<9} {label:<40} | {snippet}")
        print()


if __name__ == "__main__":
    main()
