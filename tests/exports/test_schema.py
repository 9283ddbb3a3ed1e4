"""The published JSON schema of ``data.json`` matches the Pydantic model."""

from __future__ import annotations

from charter.exports.schemas import SCHEMA_PATH, json_schema_text


def test_published_schema_is_up_to_date() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == json_schema_text(), (
        "Regenerate it: .venv/bin/python -c "
        '"from charter.exports.schemas import write_json_schema; write_json_schema()"'
    )
