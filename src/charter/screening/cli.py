"""`charter screen`: screen text on standard input and print what was found as JSON.

    charter screen < message.txt
    charter screen --jsonl < messages.jsonl      # lines of {"id": ..., "text": ...}

Staff use it to check a message, or a whole export, before it is kept anywhere, the same
way the contact form does (UK GDPR Art. 9, Art. 10). Only categories and identifiers are
printed, never the flagged passages; error messages name a line, never its content.
"""

from __future__ import annotations

import json
from typing import IO, Annotated, Any

import typer

from charter.command import error_console, reports_errors
from charter.errors import InvalidInput
from charter.screening.schemas import Screening
from charter.screening.service import MAX_SCREENED_CHARS, screen_text

app = typer.Typer(
    help="Screen text for special-category data and identifiers (reads standard input).",
    invoke_without_command=True,
)


@app.callback()
@reports_errors
def screen(
    jsonl: Annotated[
        bool,
        typer.Option(
            "--jsonl",
            help='Read one JSON object per line, {"id": ..., "text": "..."}, and write '
            'one {"id", "special", "pii"} line for each.',
        ),
    ] = False,
) -> None:
    """Print {"special": [categories], "pii": [{"type", "value", "start", "end"}]}."""
    stdin = typer.get_binary_stream("stdin")
    if jsonl:
        _screen_lines(stdin)
        return
    data = stdin.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"Standard input is not valid UTF-8 (byte {exc.start} is not)."
        ) from None
    screening = screen_text(text)
    _warn_if_truncated(screening, "The input")
    typer.echo(json.dumps(_report(screening), ensure_ascii=False))


def _screen_lines(stdin: IO[bytes]) -> None:
    """Screen each line as it arrives; stop at the first bad line (exit status 1)."""
    for number, raw in enumerate(stdin, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(f"Line {number} is not valid UTF-8.") from None
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            raise InvalidInput(f"Line {number} is not valid JSON.") from None
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise InvalidInput(f'Line {number} is not an object with a string "text".')
        screening = screen_text(record["text"])
        _warn_if_truncated(screening, f"Line {number}")
        output = {"id": record.get("id"), **_report(screening)}
        typer.echo(json.dumps(output, ensure_ascii=False))


def _report(screening: Screening) -> dict[str, Any]:
    return {
        "special": screening.categories,
        "pii": [
            {"type": f.type, "value": f.value, "start": f.start, "end": f.end}
            for f in screening.pii
        ],
    }


def _warn_if_truncated(screening: Screening, what: str) -> None:
    if screening.truncated:
        error_console.print(
            f"Warning: {what} is longer than {MAX_SCREENED_CHARS:,} characters; "
            "only that much was screened."
        )
