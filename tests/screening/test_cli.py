"""`charter screen`: standard input to JSON, through Typer's CliRunner."""

from __future__ import annotations

import json

import typer
from typer.testing import CliRunner

from charter.screening.cli import app

runner = CliRunner()


def test_screens_standard_input() -> None:
    result = runner.invoke(app, [], input="Hi Sarah, my husband is diabetic. Call 0117 496 0321.")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "special": ["health"],
        "pii": [
            {"type": "person_name", "value": "Sarah", "start": 3, "end": 8},
            {"type": "phone", "value": "0117 496 0321", "start": 39, "end": 52},
        ],
    }


def test_an_empty_input_has_nothing() -> None:
    result = runner.invoke(app, [], input="")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"special": [], "pii": []}


def test_jsonl_writes_one_line_per_record_and_skips_blank_lines() -> None:
    lines = [
        json.dumps({"id": 1, "text": "I vote Green."}),
        "",
        json.dumps({"id": "b", "text": "Email me at jo@example.com"}),
    ]
    result = runner.invoke(app, ["--jsonl"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records == [
        {"id": 1, "special": ["political_opinions"], "pii": []},
        {
            "id": "b",
            "special": [],
            "pii": [{"type": "email", "value": "jo@example.com", "start": 12, "end": 26}],
        },
    ]


def test_jsonl_stops_at_a_bad_line_and_names_it() -> None:
    lines = [json.dumps({"id": 1, "text": "fine"}), "", "{not json", '{"id": 4, "text": "x"}']
    result = runner.invoke(app, ["--jsonl"], input="\n".join(lines) + "\n")
    assert result.exit_code == 1
    assert "Line 3 is not valid JSON." in result.stderr
    assert result.stdout.count("\n") == 1  # line 1 was written before the error


def test_jsonl_requires_a_text_string() -> None:
    result = runner.invoke(app, ["--jsonl"], input='{"id": 1, "body": "x"}\n')
    assert result.exit_code == 1
    assert 'Line 1 is not an object with a string "text".' in result.stderr


def test_invalid_utf8_is_a_clear_error() -> None:
    result = runner.invoke(app, [], input=b"caf\xe9 au lait")
    assert result.exit_code == 1
    assert "Standard input is not valid UTF-8" in result.stderr
    assert "caf" not in result.stderr  # the content is never echoed


def test_invalid_utf8_in_jsonl_names_the_line() -> None:
    result = runner.invoke(app, ["--jsonl"], input=b'{"id": 1, "text": "ok"}\n{"text": "\xff"}\n')
    assert result.exit_code == 1
    assert "Line 2 is not valid UTF-8." in result.stderr


def test_the_corpus_format_can_be_piped_through() -> None:
    record = {"id": "dev-001", "text": "He has a criminal record.", "special": [], "pii": []}
    result = runner.invoke(app, ["--jsonl"], input=json.dumps(record) + "\n")
    assert json.loads(result.stdout)["special"] == ["criminal_offences"]


def test_works_when_mounted_as_charter_screen() -> None:
    root = typer.Typer()
    root.add_typer(app, name="screen")

    @root.command()
    def other() -> None:  # a second command makes "screen" a real sub-command
        """Stand-in for the other charter commands."""

    result = runner.invoke(root, ["screen", "--jsonl"], input='{"id": 7, "text": "I\'m gay."}\n')
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"id": 7, "special": ["sex_life_orientation"], "pii": []}
